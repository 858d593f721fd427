"""Batches: a message or file of channel references becomes a named list of channels."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import Message

from predlagator.bot.batches import refs as channel_refs
from predlagator.bot.batches.refs import MAX_ENTRIES, Invalid, ParsedRefs
from predlagator.bot.texts import REASON, Html, cut, echo, t
from predlagator.db import audit, batches
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import Operator

SHOWN_INVALID = 20
NAME_CHARS = 64  # a batch name is a label on a button and a line of text, not a paragraph
_LINE_CHARS = 60


class ChannelList(Filter):
    """Match a text message that is a channel list; hand its parse to the handler."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        if not message.text or message.text.startswith("/"):
            return False
        name, body = channel_refs.split_name(message.text)
        parsed = channel_refs.parse(body)
        if not parsed.is_channel_list:
            return False
        return {"parsed": parsed, "batch_name": name}


def clean_name(raw: str | None) -> str | None:
    """A name on one line, cut between words to NAME_CHARS; None when nothing is left."""
    return cut(" ".join((raw or "").split()), NAME_CHARS) or None


async def on_channel_list(
    message: Message,
    parsed: ParsedRefs,
    batch_name: str | None,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """Save the list as a batch and report what was new, known and invalid."""
    await message.answer(await create_batch(pool, operator, lang, parsed, batch_name))


async def create_batch(
    pool: Pool, operator: Operator, lang: str, parsed: ParsedRefs, batch_name: str | None
) -> str:
    """Save parsed refs as a new batch (audited); return the reply for the operator."""
    if parsed.entries > MAX_ENTRIES:
        return too_big(lang, parsed.entries)
    if not parsed.refs:
        none = t(lang, "No valid channels in this list, so nothing was saved.")
        return none + invalid_report(parsed.invalid, lang)
    async with pool.connection() as conn, conn.transaction():
        name = clean_name(batch_name) or await default_name(conn, lang)
        batch, new = await batches.create(conn, name, parsed.refs, operator.user_id)
        details = {"channels": batch.channel_count, "new": new, "invalid": len(parsed.invalid)}
        await audit.record(conn, operator.user_id, "batch.create", "batch", batch.id, **details)
    count = batch.channel_count
    reply = t(
        lang,
        "Batch #{id} «{name}» saved: {count} channels ({new} new, {known} already known).",
        id=batch.id,
        name=batch.name,
        count=count,
        new=new,
        known=count - new,
    )
    return reply + duplicates_line(parsed, lang) + invalid_report(parsed.invalid, lang)


def too_big(lang: str, entries: int) -> str:
    """The refusal of a list over the cap."""
    return t(
        lang,
        "This list has {n} entries; a batch holds at most {max}. Split it and send the parts.",
        n=entries,
        max=MAX_ENTRIES,
    )


async def default_name(conn: Conn, lang: str) -> str:
    """Name a batch "Batch N", N being the likely next id (names need not be unique)."""
    return t(lang, "Batch {n}", n=await batches.latest_id(conn) + 1)


def duplicates_line(parsed: ParsedRefs, lang: str) -> str:
    """A line saying how many duplicate entries were merged, if any."""
    if not parsed.duplicates:
        return ""
    return "\n" + t(lang, "Duplicates merged: {n}.", n=parsed.duplicates)


def invalid_report(invalid: list[Invalid], lang: str) -> str:
    """The invalid entries with reasons, at most SHOWN_INVALID of them."""
    if not invalid:
        return ""
    lines = [t(lang, "Skipped {n} invalid lines:", n=len(invalid))]
    for item in invalid[:SHOWN_INVALID]:
        line = echo(item.line, _LINE_CHARS)
        reason = Html(t(lang, REASON.get(item.reason, REASON["not_a_reference"])))
        lines.append(t(lang, "• {line}: {reason}", line=line, reason=reason))
    if len(invalid) > SHOWN_INVALID:
        lines.append(t(lang, "…and {n} more", n=len(invalid) - SHOWN_INVALID))
    return "\n\n" + "\n".join(lines)


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.message.register(on_channel_list, ChannelList())
    return router
