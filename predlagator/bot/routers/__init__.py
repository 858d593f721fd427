"""Feature routers, in the order the dispatcher tries them."""

from __future__ import annotations

from aiogram import Router

from predlagator.bot.routers import (
    batches,
    campaigns,
    common,
    controls,
    fallback,
    templates,
    viewers,
)


def get_routers() -> list[Router]:
    """Build fresh routers, in routing order."""
    # Viewers are stopped before anything that changes data; channel lists are recognised
    # before the catch-all post handler; the fallback answers whatever is left.
    return [
        common.make_router(),
        viewers.make_router(),
        batches.make_router(),
        campaigns.make_router(),
        controls.make_router(),
        templates.make_router(),
        fallback.make_router(),
    ]
