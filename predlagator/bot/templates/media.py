"""A post's photo, video or document as the bot received it: what it is, and fetching it."""

from __future__ import annotations

import io
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message

from predlagator.models import MediaInfo

MAX_TEXT = 4096  # Telegram's limit for a text message
MAX_CAPTION = 1024  # and for the caption of a photo, video or file
# The Bot API downloads files up to this size; getFile refuses bigger ones.
MAX_DOWNLOAD = 20 * 1024 * 1024
# A 20 MB file on a slow link still arrives; aiogram's default is 30 s.
DOWNLOAD_TIMEOUT_S = 120


class TooBig(Exception):
    """The file is over the Bot API's download limit."""


@dataclass(frozen=True)
class IncomingMedia:
    """The file of a photo, video or document message, before it is fetched."""

    kind: str  # "photo", "video" or "document"
    file_id: str
    size: int | None  # as Telegram announced it, when it did
    file_name: str
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration: int | None = None

    def info(self, size: int) -> MediaInfo:
        """What is stored beside the bytes."""
        return MediaInfo(
            file_name=self.file_name,
            mime_type=self.mime_type,
            size=size,
            width=self.width,
            height=self.height,
            duration=self.duration,
        )


def telegram_length(text: str) -> int:
    """Length as Telegram counts it for its limits: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def media_of(message: Message) -> IncomingMedia | None:
    """The message's photo (its largest size), video or document, if it has one."""
    if message.photo:
        photo = message.photo[-1]
        return IncomingMedia(
            "photo",
            photo.file_id,
            photo.file_size,
            "photo.jpg",
            "image/jpeg",
            photo.width,
            photo.height,
        )
    if message.video:
        video = message.video
        return IncomingMedia(
            "video",
            video.file_id,
            video.file_size,
            video.file_name or "video.mp4",
            video.mime_type or "video/mp4",
            video.width,
            video.height,
            video.duration,
        )
    if message.document:
        document = message.document
        return IncomingMedia(
            "document",
            document.file_id,
            document.file_size,
            document.file_name or "file",
            document.mime_type or "application/octet-stream",
        )
    return None


async def download(bot: Bot, media: IncomingMedia) -> bytes:
    """Fetch the file through the Bot API (getFile, then the file URL); TooBig over 20 MB.

    Other failures surface as aiogram's TelegramAPIError or aiohttp's ClientError.
    """
    if media.size is not None and media.size > MAX_DOWNLOAD:
        raise TooBig
    try:
        file = await bot.get_file(media.file_id)
    except TelegramBadRequest as error:
        if "too big" in error.message.lower():  # "Bad Request: file is too big"
            raise TooBig from error
        raise
    if file.file_path is None or (file.file_size or 0) > MAX_DOWNLOAD:
        raise TooBig  # Telegram gives no path for a file it will not hand out
    buffer = io.BytesIO()
    await bot.download_file(file.file_path, buffer, timeout=DOWNLOAD_TIMEOUT_S)
    data = buffer.getvalue()
    if len(data) > MAX_DOWNLOAD:
        raise TooBig
    return data
