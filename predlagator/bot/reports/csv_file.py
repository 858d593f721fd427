"""The report's CSV: one row per delivery, with its error in words and a link to each post."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence

from predlagator import telegram_errors
from predlagator.bot.texts import plain
from predlagator.db.account_split import AccountShare
from predlagator.db.report import Line

HEADER = (
    "position",
    "channel",
    "title",
    "status",
    "attempts",
    "error",  # in the operator's words
    "error_code",  # Telegram's name for it, to filter by
    "sent_at_utc",
    # The run that last queued the row: 1 the first send, 2 its first Retry failed, and so on.
    "run",
    # A recurring campaign's round: each round posts to every channel once.
    "round",
    # What the actions over the posts came to in the channel (post_actions.COLUMNS).
    "edit",
    "delete",
    "pin",
    # The post's latest reach as read back from Telegram (+1 h, +24 h, Refresh reach); empty
    # where nothing was read, or Telegram keeps no such counter (views in basic groups).
    "views",
    "forwards",
    "reactions",
    "reach_read_at_utc",
    # The account that sends it: before the link, so the first columns keep their place and
    # the link stays last.
    "account",
    "link",
)
# Excel reads a CSV without a byte order mark in the machine's ANSI code page, which garbles
# every Cyrillic title; with the BOM it reads UTF-8. Google Sheets and Python's "utf-8-sig"
# drop the BOM on import, so it costs nothing there.
BOM = "\ufeff"
# Excel splits a double-clicked CSV on the locale's list separator: a comma in English
# locales, a semicolon in Russian ones (and most of Europe), where a comma file opens as one
# column. Google Sheets detects either on import.
DELIMITERS = {"ru": ";"}
# A cell starting with one of these is a formula to Excel and Sheets (CSV injection): a
# channel's title is chosen by its owner, so it could run one on the operator's machine.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PRIVATE_PREFIX = "-100"
_NO_ACTION = ("", "", "")  # no action reached the channel


def delimiter(lang: str) -> str:
    """The separator Excel expects for the operator's language."""
    return DELIMITERS.get(lang, ",")


def filename(campaign_id: int) -> str:
    """The document's name in the chat."""
    return f"campaign-{campaign_id}-report.csv"


def defuse(cell: str) -> str:
    """Make a cell that would start a formula plain text (a leading apostrophe, as OWASP says)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def post_link(line: Line) -> str:
    """t.me/<username>/<id> for a public channel, t.me/c/<id>/<id> for a private one, or ''."""
    if line.message_id is None or line.status != "sent":
        return ""
    ref = line.ref
    if not ref.startswith(("+", "-")):  # a username: the channel is public
        return f"https://t.me/{ref}/{line.message_id}"
    internal = _internal_id(line)
    return f"https://t.me/c/{internal}/{line.message_id}" if internal else ""


def _internal_id(line: Line) -> int | None:
    # The id a channel has in t.me/c/ links is the bare channel id (no -100), as the account
    # resolved it; a basic group or a user has no post links at all.
    if line.peer_type == "channel" and line.peer_id:
        return line.peer_id
    if line.peer_type is None and line.ref.startswith(_PRIVATE_PREFIX):
        digits = line.ref.removeprefix(_PRIVATE_PREFIX)
        return int(digits) if digits.isdigit() else None
    return None


def row(line: Line, lang: str, who: str = "", acted: Sequence[str] = _NO_ACTION) -> list[str | int]:
    """One CSV row; text cells defused, numbers left as numbers (`who`: its account cell,
    `acted`: its edit, delete and pin cells)."""
    code = line.error_code
    return [
        line.position,
        defuse(line.ref),
        defuse(line.title or ""),
        line.status,
        line.attempts,
        defuse(telegram_errors.describe(code, lang)) if code else "",
        defuse(code or ""),
        line.sent_at or "",
        line.run,
        line.round,
        *(defuse(cell) for cell in acted),
        _number(line.views),
        _number(line.forwards),
        _number(line.reactions),
        line.reach_read_at or "",
        who,
        post_link(line),
    ]


def _number(value: int | None) -> int | str:
    return "" if value is None else value


def account_cells(shares: Iterable[AccountShare], lang: str) -> dict[int, str]:
    """Each account's cell, by id: its name, marked when it is simulated (made once each)."""
    cells = {}
    for share in shares:
        name = share.name
        if share.kind == "simulated":  # the accounts screens' own mark
            name += " " + plain(lang, "🧪 simulated")
        cells[share.id] = defuse(name)
    return cells


async def build(
    chunks: AsyncIterable[list[Line]],
    lang: str,
    accounts: Mapping[int, str] | None = None,
    acted: Mapping[str, list[str]] | None = None,
) -> tuple[bytes, int]:
    """Write every line into CSV bytes; return them and the number of rows.

    `accounts`: each account's cell by id (account_cells); a campaign has a few accounts and
    ten thousand rows, so a cell is looked up, never made, per row. `acted`: each channel's
    action cells by its ref (post_actions.cells).
    """
    cells = accounts or {}
    outcomes = acted or {}
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter(lang), lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    async for chunk in chunks:
        writer.writerows(
            row(line, lang, cells.get(line.account_id, ""), outcomes.get(line.ref, _NO_ACTION))
            for line in chunk
        )
        count += len(chunk)
    return buffer.getvalue().encode("utf-8"), count
