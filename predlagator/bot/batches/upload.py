"""Download a .txt or .csv channel list an operator sent and read it, or say what is wrong."""

from __future__ import annotations

import io
import logging
import math
from pathlib import PurePath

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Document, Message
from aiohttp import ClientError

from predlagator.bot.batches import list_files as ref_files
from predlagator.bot.batches import refs as channel_refs
from predlagator.bot.batches.list_files import MAX_BYTES, Unreadable
from predlagator.bot.batches.refs import ParsedRefs
from predlagator.bot.texts import t

log = logging.getLogger(__name__)


def size_text(size: int) -> str:
    """A file size as people say it, rounded up (a file just over 1 MB is not "1.0 MB")."""
    if size < 1024 * 1024:
        return f"{math.ceil(size / 1024)} KB"
    return f"{math.ceil(size * 10 / (1024 * 1024)) / 10:.1f} MB"


def list_name(message: Message, from_file: str | None) -> str | None:
    """The batch name: the caption (a `name:` line or its first line), the file's own `name:`
    line, or the file name without its extension."""
    if message.caption:
        name, rest = channel_refs.split_name(message.caption)
        return name or rest.strip().partition("\n")[0]
    if from_file:
        return from_file
    file_name = message.document.file_name if message.document else None
    return PurePath(file_name).stem if file_name else None


async def read_upload(bot: Bot, message: Message, lang: str) -> tuple[str | None, ParsedRefs] | str:
    """Download and read the message's list file: (name, refs), or the reply saying why not."""
    document = message.document
    kind = ref_files.kind_of(document.file_name, document.mime_type) if document else None
    if document is None or kind is None:
        return t(lang, "Send the list as a .txt or .csv file, or as a message.")
    if document.file_size is not None and document.file_size > MAX_BYTES:
        return too_big(lang, document.file_size)
    data = await download(bot, document)
    if data is None:
        return t(lang, "Telegram didn't hand me the file. Please send it again.")
    if len(data) > MAX_BYTES:
        return too_big(lang, len(data))
    read = ref_files.read(data, kind)
    if read is Unreadable.NOT_TEXT:
        return t(
            lang,
            "This file isn't UTF-8 text, so I can't read it. "
            "Save it as UTF-8 (.txt or .csv) and send it again.",
        )
    if read is Unreadable.NO_COLUMN:
        return t(
            lang,
            "No column of this CSV holds channel references (@name, t.me links or -100… ids). "
            "Put them in one column and send it again.",
        )
    assert not isinstance(read, Unreadable)
    return list_name(message, read[0]), read[1]


def too_big(lang: str, size: int) -> str:
    """The refusal of a file over MAX_BYTES."""
    return t(
        lang,
        "This file is {size}; a channel list file can be at most {max}. "
        "Split it and send the parts.",
        size=size_text(size),
        max=size_text(MAX_BYTES),
    )


async def download(bot: Bot, document: Document) -> bytes | None:
    """The file's bytes (getFile, then the file server); None if Telegram did not give them."""
    try:
        buffer = await bot.download(document, io.BytesIO())
    except (TelegramAPIError, ClientError, TimeoutError) as exc:
        log.warning("list file download failed", extra={"error": type(exc).__name__})
        return None
    return buffer.read() if buffer is not None else None
