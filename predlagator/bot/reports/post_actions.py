"""The report's part about actions over the posts: a section of the text, and the CSV's cells."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from predlagator import telegram_errors
from predlagator.bot.actions import keyboards, views
from predlagator.bot.texts import N_, STATUS, plain, t, tn
from predlagator.db import actions
from predlagator.db.rows import Conn
from predlagator.models import ActionProgress, ActionReportRow, ActionRowStatus, CampaignAction
from predlagator.models import PostAction as K

R = ActionRowStatus
# The report's text fits in one message: the newest actions with their commonest reasons; the
# CSV has every one.
SHOWN_ACTIONS = 5
SHOWN_REASONS = 3
# The CSV's columns, one per kind of action; an unpin goes in the pin column, where it undoes.
COLUMNS = ("edit", "delete", "pin")
_COLUMN = {K.EDIT: 0, K.DELETE: 1, K.PIN: 2, K.UNPIN: 2}
DONE = {
    K.EDIT: N_("edited"),
    K.DELETE: N_("deleted"),
    K.PIN: N_("pinned"),
    K.UNPIN: N_("unpinned"),
}
STATE = {
    R.QUEUED: N_("queued"),
    R.SENDING: N_("sending"),
    R.CANCELLED: N_("cancelled"),
}


@dataclass(frozen=True)
class Acted:
    """One action as the report tells it: what it was, how far it got, its rows."""

    action: CampaignAction
    progress: ActionProgress
    rows: Sequence[ActionReportRow]


async def read(conn: Conn, campaign_id: int) -> list[Acted]:
    """The campaign's actions, oldest first, with their counts and rows."""
    found = [a for a in await actions.of_campaign(conn, campaign_id) if a.kind in views.KINDS]
    if not found:
        return []
    rows = await actions.report_rows(conn, campaign_id)
    return [
        Acted(a, await actions.progress(conn, a.id), [r for r in rows if r.action_id == a.id])
        for a in reversed(found)
    ]


def section(acted: Sequence[Acted], lang: str) -> list[str]:
    """ "After the send": each action, its status and counts in the card's words, and why."""
    if not acted:
        return []
    lines = ["", t(lang, "<b>After the send</b>")]
    earlier = len(acted) - SHOWN_ACTIONS
    if earlier > 0:
        lines.append(
            tn(
                lang,
                "…and {n} earlier action, in the CSV",
                "…and {n} earlier actions, in the CSV",
                earlier,
            )
        )
    for one in acted[-SHOWN_ACTIONS:]:
        what = t(lang, keyboards.LABEL[one.action.kind])
        status = t(lang, STATUS[one.action.status.value])
        lines.append(f"{what} · {status}: {views.counts(one.progress, lang)}")
        lines += views.reasons(one.action.kind, one.rows, lang, SHOWN_REASONS)
    return lines


def cells(acted: Sequence[Acted], lang: str) -> dict[str, list[str]]:
    """Each channel's edit, delete and pin cells, by its ref: the newest action of each wins."""
    by_channel: dict[str, list[str]] = {}
    for one in acted:  # oldest first, so a newer action overwrites an older one's cell
        for row in one.rows:
            cell = by_channel.setdefault(row.channel_ref, ["", "", ""])
            cell[_COLUMN[row.kind]] = outcome(row, lang)
    return by_channel


def outcome(row: ActionReportRow, lang: str) -> str:
    """One row's outcome as plain text: "edited", "failed: …", "deleted (already gone)"."""
    if row.status is R.DONE:
        done = plain(lang, DONE[row.kind])
        if row.note_code:
            note = telegram_errors.describe_action(row.kind.value, row.note_code, lang)
            return f"{done} ({note})"
        return done
    if row.status is R.FAILED:
        why = telegram_errors.describe_action(row.kind.value, row.error_code or "UNKNOWN", lang)
        return plain(lang, "failed: {why}", why=why)
    return plain(lang, STATE[row.status])
