"""What the card says about a campaign's post actions, and the buttons it offers for them."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiogram.types import InlineKeyboardButton

from predlagator import telegram_errors
from predlagator.bot.actions import keyboards
from predlagator.bot.texts import N_, t
from predlagator.db import actions
from predlagator.db.rows import Conn
from predlagator.models import (
    ACTION_OPEN,
    FINISHED,
    ActionProgress,
    ActionReportRow,
    ActionRowStatus,
    ActionStatus,
    Campaign,
    CampaignAction,
    CampaignStatus,
    PostAction,
)

K = PostAction
A = ActionStatus
R = ActionRowStatus
OPEN = ACTION_OPEN
# Actions an operator starts from the chat; reach is read by the worker on its own.
KINDS = (K.EDIT, K.DELETE, K.PIN, K.UNPIN)

POSTING = frozenset({CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.WAITING})

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
    """What the card shows of a campaign's actions: the open ones, whether posts are pinned, and
    how many posts are out to act on."""

    open: Sequence[Open] = field(default_factory=tuple)
    pinned: bool = False
    posts: int = 0


NONE = CardActions()  # a campaign without actions (and what a card shows by default)


async def of_card(conn: Conn, campaign_id: int) -> CardActions:
    """The campaign's open actions with their progress, and whether its posts are pinned."""
    found = await actions.of_campaign(conn, campaign_id)  # newest first
    shown = [a for a in found if a.status in OPEN and a.kind in KINDS]
    opened = [Open(a, await actions.progress(conn, a.id)) for a in reversed(shown)]
    return CardActions(opened, pinned=pinned(found), posts=await actions.targets(conn, campaign_id))


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
    return campaign.status in POSTING


def progress_line(progress: ActionProgress, lang: str, now: datetime | None = None) -> str:
    """ "✏️ Editing: 120 of 412 done, 3 failed", and why it does not go on, if it does not."""
    line = f"{t(lang, NOUN[progress.kind])}: {counts(progress, lang)}"
    if progress.status is A.PAUSED:
        line += " · " + t(lang, "paused")
    elif progress.flood_until is not None and progress.flood_until > (now or datetime.now(UTC)):
        # A flood wait of an account with rows still to go holds the action, waiting or not.
        at = progress.flood_until.astimezone(UTC).strftime("%H:%M")
        line += " · " + t(lang, "Telegram asked to wait until {at} UTC", at=at)
    if progress.waiting_for_account:
        line += " · " + t(lang, "{n} wait for a stopped account", n=progress.waiting_for_account)
    return line


def card_lines(shown: CardActions, lang: str, now: datetime | None = None) -> list[str]:
    """One line per open action."""
    return [progress_line(o.progress, lang, now) for o in shown.open]


def card_rows(campaign: Campaign, shown: CardActions) -> list[list[InlineKeyboardButton]]:
    """The controls of each open action, then Edit, Delete and Pin or Unpin while a post is out
    (or may still go out)."""
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
    # Once every post is deleted there is nothing left to edit, delete, pin or read; a campaign
    # still posting keeps the row, since its next post may be out any moment.
    if shown.posts or campaign.status in POSTING:
        rows.append(keyboards.start_row(campaign.id, lang, pinned=shown.pinned))
    if shown.posts:
        rows.append(keyboards.reach_row(campaign.id, lang))
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


# Reasons listed one by one; the rest are summed up in one line.
SHOWN_REASONS = 10


def reasons(
    kind: PostAction, rows: Sequence[ActionReportRow], lang: str, shown: int = SHOWN_REASONS
) -> list[str]:
    """Why rows failed, and what Telegram said of rows done anyway ("already so"), in words:
    the `shown` commonest of each, the rest summed up."""
    failed = Counter(r.error_code or "UNKNOWN" for r in rows if r.status is R.FAILED)
    noted = Counter(r.note_code for r in rows if r.status is R.DONE and r.note_code)
    lines: list[str] = []
    for heading, found in ((N_("Failed:"), failed), (N_("Of those done:"), noted)):
        if not found:
            continue
        lines.append(t(lang, heading))
        ranked = found.most_common()
        for code, n in ranked[:shown]:
            label = telegram_errors.action_count_label(kind.value, code, lang, n)
            lines.append("• " + html.escape(label, quote=False))
        rest = sum(n for _, n in ranked[shown:])
        if rest:
            lines.append(t(lang, "• other reasons: {n}", n=rest))
    return lines
