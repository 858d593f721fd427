"""Feature routers, in the order the dispatcher tries them."""

from __future__ import annotations

from aiogram import Router

from predlagator.bot.routers import (
    audit,
    batches,
    campaigns,
    card_refresh,
    common,
    controls,
    fallback,
    operators,
    status,
    templates,
    viewers,
)


def get_routers() -> list[Router]:
    """Build fresh routers, in routing order."""
    # Operators management answers non-owners itself; status and audit are read-only, so they
    # come before the viewers' stop (which would refuse the "Older" press).
    # Viewers are stopped before anything that changes data; channel lists are recognised
    # before the catch-all post handler; the fallback answers whatever is left.
    return [
        common.make_router(),
        operators.make_router(),
        status.make_router(),
        audit.make_router(),
        card_refresh.make_router(),  # Refresh changes nothing: viewers may press it
        viewers.make_router(),
        batches.make_router(),
        campaigns.make_router(),
        controls.make_router(),
        templates.make_router(),
        fallback.make_router(),
    ]
