"""What the card says about a campaign's post actions, and the buttons it offers for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiogram.types import InlineKeyboardButton

from predlagator.bot.actions import keyboards
from predlagator.bot.texts import N_, t
from predlagator.db import actions
from predlagator.db.rows import Conn
from predlagator.models import (
    FINISHED,
    ActionProgress,
    ActionStatus,
    Campaign,
    CampaignAction,
    CampaignStatus,
    PostAction,
)

K = PostAction
A = ActionStatus
OPEN = frozenset({A.RUNNING, A.PAUSED, A.WAITING})
# Actions an operator starts from the chat; reach is read by the worker on its own.
KINDS = (K.EDIT, K.DELETE, K.PIN, K.UNPIN)

NOUN = {
    K.EDIT: N_("✏️ Editing"),
    K.DELETE: N_("🗑 Deleting"),
    K.PIN: N_("📌 Pinning"),
    K.UNPIN: N_("📍 Unpinning"),
}


@dataclass(frozen=True)
class Open:
    """An action not yet over, with its counts."""

    action: CampaignAction
    progress: ActionProgress


@dataclass(frozen=True)
class CardActions:
    """What the card shows of a campaign's actions: the open ones, and whether posts are pinned."""

    open: Sequence[Open] = field(default_factory=tuple)
    pinned: bool = False


async def of_card(conn: Conn, campaign_id: int) -> CardActions:
    """The campaign's open actions with their progress, and whether its posts are pinned."""
    found = await actions.of_campaign(conn, campaign_id)  # newest first
    shown = [a for a in found if a.status in OPEN and a.kind in KINDS]
    opened = [Open(a, await actions.progress(conn, a.id)) for a in reversed(shown)]
    return CardActions(opened, pinned=pinned(found))


def pinned(found: Sequence[CampaignAction]) -> bool:
    """Whether the newest pin or unpin (not cancelled before it did anything) was a pin."""
    for action in found:  # newest first
        if action.kind in (K.PIN, K.UNPIN) and action.status is not A.CANCELLED:
            return action.kind is K.PIN
    return False


def may_act(campaign: Campaign) -> bool:
    """A campaign that has started may have posts out; one that never did has none."""
    if campaign.status in FINISHED:
        return campaign.started_at is not None
    return campaign.status in {CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.WAITING}


def progress_line(progress: ActionProgress, lang: str, now: datetime | None = None) -> str:
    """ "✏️ Editing: 120 of 412 done, 3 failed", and why it does not go on, if it does not."""
    line = f"{t(lang, NOUN[progress.kind])}: {counts(progress, lang)}"
    if progress.status is A.PAUSED:
        line += " · " + t(lang, "paused")
    elif progress.status is A.WAITING and progress.flood_until is not None:
        if progress.flood_until > (now or datetime.now(UTC)):
            at = progress.flood_until.astimezone(UTC).strftime("%H:%M")
            line += " · " + t(lang, "Telegram asked to wait until {at} UTC", at=at)
    if progress.waiting_for_account:
        line += " · " + t(
            lang, "{n} wait for a stopped account", n=progress.waiting_for_account
        )
    return line


def card_lines(shown: CardActions, lang: str, now: datetime | None = None) -> list[str]:
    """One line per open action."""
    return [progress_line(o.progress, lang, now) for o in shown.open]


def card_rows(campaign: Campaign, shown: CardActions) -> list[list[InlineKeyboardButton]]:
    """The controls of each open action, then Edit, Delete and Pin or Unpin."""
    if not may_act(campaign):
        return []
    lang = campaign.language
    rows = [
        keyboards.control_row(
            campaign.id,
            o.action.id,
            o.action.kind,
            paused=o.action.status is A.PAUSED,
            lang=lang,
        )
        for o in shown.open
    ]
    rows.append(keyboards.start_row(campaign.id, lang, pinned=shown.pinned))
    return rows


def counts(progress: ActionProgress, lang: str) -> str:
    """ "120 of 412 done, 3 failed": the card, the summary and the report say it so."""
    return t(
        lang,
        "{done} of {total} done, {failed} failed",
        done=progress.done,
        total=progress.total,
        failed=progress.failed,
    )
