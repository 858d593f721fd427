"""Reading what the bot showed in tests of batches and channels: texts, buttons, audit."""

from __future__ import annotations

import itertools
from typing import Any

from predlagator.db import batches, channels
from tests.fakes.bot_api import BotHarness, make_message_update
from tests.fakes.bot_files import document_field

_file_ids = itertools.count(1)


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback data) of every button of a sent or edited message, row by row."""
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def send_document(
    h: BotHarness,
    user_id: int,
    data: bytes,
    file_name: str | None,
    caption: str | None = None,
    mime_type: str | None = None,
    lang: str = "en",
    *,
    with_size: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """`user_id` sends `data` as a document (Telegram may leave its size out: `with_size`);
    return the message as Telegram shows it again in a reply to it."""
    file_id = f"list-file-{next(_file_ids)}"
    h.session.add_file(file_id, data)
    document = document_field(file_id, len(data), file_name=file_name, mime_type=mime_type)
    if not with_size:
        del document["file_size"]
    extra: dict[str, Any] = {"document": document, **fields}
    if caption is not None:
        extra["caption"] = caption
    update = make_message_update(user_id, None, lang=lang, **extra)
    await h.dp.feed_update(h.bot, update)
    assert update.message is not None
    return update.message.model_dump(mode="json", by_alias=True, exclude_none=True)


def last_screen(h: BotHarness) -> dict[str, Any]:
    """The latest message the bot sent or edited."""
    screens = [p for name, p in h.session.calls if name in ("sendMessage", "editMessageText")]
    return screens[-1]


async def audit_rows(h: BotHarness) -> list[tuple[int | None, str, int | None, dict[str, Any]]]:
    """(actor, action, object id, details) of every audit entry, oldest first."""
    rows = await h.rows("SELECT actor_id, action, object_id, details FROM audit_log ORDER BY id")
    return [(r["actor_id"], r["action"], r["object_id"], r["details"]) for r in rows]


async def make_batch(h: BotHarness, name: str, refs: list[str]) -> int:
    """A batch made through the repository (the tests of the chat are elsewhere)."""
    async with h.pool.connection() as conn:
        batch, _ = await batches.create(conn, name, refs, created_by=1)
    return batch.id


async def batch_refs(h: BotHarness, batch_id: int) -> list[str]:
    """The batch's channel refs in list order."""
    async with h.pool.connection() as conn:
        return [c.ref for c in await batches.list_channels(conn, batch_id)]


async def deactivate(
    h: BotHarness, ref: str, code: str, minutes_ago: int = 0, *, times: int = 1
) -> int:
    """Switch a channel off as the engine does, `minutes_ago`, after `times` errors with `code`
    in a row; return its id."""
    async with h.pool.connection() as conn:
        [(channel_id, _)] = await channels.upsert_refs(conn, [ref])
        await channels.deactivate(conn, channel_id, code)
        await conn.execute(
            "UPDATE channels SET consecutive_errors = 5, deactivated_count = %s,"
            " deactivated_at = timestamptz '2026-03-05 14:20+00' - make_interval(mins => %s)"
            " WHERE id = %s",
            (times, minutes_ago, channel_id),
        )
    return channel_id
