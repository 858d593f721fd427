"""Feature routers, in the order the dispatcher tries them."""

from __future__ import annotations

from aiogram import Router

from predlagator.bot.routers import (
    audit,
    batch_edit,
    batch_files,
    batch_input,
    batch_view,
    batches,
    campaigns,
    card_refresh,
    channels,
    common,
    controls,
    fallback,
    operators,
    report,
    status,
    template_edit,
    template_list,
    templates,
    testsend,
    viewers,
)
from predlagator.bot.wizard import router as wizard


def get_routers() -> list[Router]:
    """Build fresh routers, in routing order."""
    # Operators management answers non-owners itself; status, audit and the campaign list are
    # read-only, so they come before the viewers' stop (which would refuse "Older" or "Next").
    # The wizard takes typed answers before a name could pass for a channel list or a post.
    # Viewers are stopped before anything that changes data; channel lists are recognised
    # before the catch-all post handler; the fallback answers whatever is left.
    # A pending template rename comes first: the next message is the new name, and a command
    # ends the wait before any other router sees it. The templates list is read-only.
    # Batches and channels: the answer to Add/Remove/Rename comes first too (only operators
    # waiting for it reach that router; any command ends the wait); looking, and refusing
    # viewers' change presses, comes before the viewers' stop; .txt/.csv files before the
    # templates.
    return [
        template_edit.make_router(),
        batch_input.make_router(),
        common.make_router(),
        operators.make_router(),
        status.make_router(),
        audit.make_router(),
        template_list.make_router(),
        batch_view.make_router(),
        channels.make_router(),
        report.make_router(),  # read-only too: viewers may ask for reports
        campaigns.make_router(),
        card_refresh.make_router(),  # Refresh changes nothing: viewers may press it
        viewers.make_router(),
        wizard.make_router(),
        batch_edit.make_router(),
        batch_files.make_router(),
        batches.make_router(),
        controls.make_router(),
        testsend.make_router(),
        templates.make_router(),
        fallback.make_router(),
    ]
