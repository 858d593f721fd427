"""Batches: a message of channel references becomes a named list of channels."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command, Filter
from aiogram.types import Message

from predlagator.bot import channel_refs
from predlagator.bot.channel_refs import MAX_ENTRIES, Invalid, ParsedRefs
from predlagator.bot.texts import REASON, Html, t
from predlagator.db import audit, batches
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import Operator

SHOWN_INVALID = 20
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


async def on_channel_list(
    message: Message,
    parsed: ParsedRefs,
    batch_name: str | None,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """Save the list as a batch and report what was new, known and invalid."""
    if parsed.entries > MAX_ENTRIES:
        await message.answer(
            t(
                lang,
                "This list has {n} entries; a batch holds at most {max}. Split it and send the "
                "parts.",
                n=parsed.entries,
                max=MAX_ENTRIES,
            )
        )
        return
    if not parsed.refs:
        await message.answer(
            t(lang, "No valid channels in this list, so nothing was saved.")
            + invalid_report(parsed.invalid, lang)
        )
        return
    async with pool.connection() as conn, conn.transaction():
        name = batch_name or await default_name(conn, lang)
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
    if parsed.duplicates:
        reply += "\n" + t(lang, "Duplicates merged: {n}.", n=parsed.duplicates)
    await message.answer(reply + invalid_report(parsed.invalid, lang))


async def default_name(conn: Conn, lang: str) -> str:
    """Name a batch "Batch N", N being the likely next id (names need not be unique)."""
    latest = await batches.list_all(conn, limit=1)
    return t(lang, "Batch {n}", n=latest[0].id + 1 if latest else 1)


def invalid_report(invalid: list[Invalid], lang: str) -> str:
    """The invalid entries with reasons, at most SHOWN_INVALID of them."""
    if not invalid:
        return ""
    lines = [t(lang, "Skipped {n} invalid lines:", n=len(invalid))]
    for item in invalid[:SHOWN_INVALID]:
        line = item.line if len(item.line) <= _LINE_CHARS else item.line[: _LINE_CHARS - 1] + "…"
        reason = Html(t(lang, REASON[item.reason]))
        lines.append(t(lang, "• {line}: {reason}", line=line, reason=reason))
    if len(invalid) > SHOWN_INVALID:
        lines.append(t(lang, "…and {n} more", n=len(invalid) - SHOWN_INVALID))
    return "\n\n" + "\n".join(lines)


async def cmd_batches(message: Message, pool: Pool, lang: str) -> None:
    """List the latest batches with their channel counts."""
    async with pool.connection() as conn:
        found = await batches.list_all(conn, limit=30)
    if not found:
        await message.answer(t(lang, "No batches yet. Send a list of channels to make one."))
        return
    rows = [
        t(lang, "#{id} {name}: {count} channels", id=b.id, name=b.name, count=b.channel_count)
        for b in found
    ]
    await message.answer("\n".join([t(lang, "<b>Batches</b>"), *rows]))


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.message.register(cmd_batches, Command("batches"))
    router.message.register(on_channel_list, ChannelList())
    return router
