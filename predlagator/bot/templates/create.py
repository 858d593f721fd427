"""Templates: any other text an operator sends, or a photo, video or file, is a post to publish."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message
from aiohttp import ClientError

from predlagator.bot.templates import media as post_media
from predlagator.bot.templates import preview as template_preview
from predlagator.bot.templates.media import MAX_CAPTION, MAX_TEXT, IncomingMedia, TooBig
from predlagator.bot.texts import cut, t
from predlagator.db import audit, template_media, templates
from predlagator.db.pool import Pool
from predlagator.models import Operator, Template

NAME_CHARS = 40


def template_name(text: str) -> str:
    """The first words of the post, on one line (cut between words)."""
    return cut(" ".join(text.split()), NAME_CHARS)


async def on_post(message: Message, bot: Bot, pool: Pool, operator: Operator, lang: str) -> None:
    """Store the post as HTML, formatting kept, and show it back as it will go out."""
    text = message.text or ""
    length = post_media.telegram_length(text)
    if length > MAX_TEXT:
        await message.answer(
            t(
                lang,
                "This post has {n} characters; Telegram allows {max}. Shorten it and send again.",
                n=length,
                max=MAX_TEXT,
            )
        )
        return
    async with pool.connection() as conn, conn.transaction():
        template = await templates.create(
            conn, template_name(text), message.html_text, operator.user_id
        )
        await audit.record(
            conn, operator.user_id, "template.create", "template", template.id, kind="text"
        )
    await _saved(message, bot, template, lang)


async def on_media(message: Message, bot: Bot, pool: Pool, operator: Operator, lang: str) -> None:
    """Fetch the photo, video or file, store it with the caption as HTML, and preview it."""
    media = post_media.media_of(message)
    assert media is not None  # the filter let only these through
    length = post_media.telegram_length(message.caption or "")
    if length > MAX_CAPTION:
        await message.answer(
            t(
                lang,
                "This caption has {n} characters; Telegram allows {max} under a photo, video "
                "or file. Shorten it and send again.",
                n=length,
                max=MAX_CAPTION,
            )
        )
        return
    data = await _fetch(message, bot, media, lang)
    if data is None:
        return
    name = template_name(message.caption or "") or template_name(media.file_name)
    if media.kind == "photo" and not message.caption:
        name = t(lang, "Photo")
    async with pool.connection() as conn, conn.transaction():
        template = await templates.create(
            conn,
            name,
            message.html_text,
            operator.user_id,
            media_kind=media.kind,
            media_file_id=media.file_id,
        )
        await template_media.save(conn, template.id, media.info(len(data)), data)
        await audit.record(
            conn,
            operator.user_id,
            "template.create",
            "template",
            template.id,
            kind=media.kind,
            size=len(data),
        )
    await _saved(message, bot, template, lang)


async def _fetch(message: Message, bot: Bot, media: IncomingMedia, lang: str) -> bytes | None:
    """The file's bytes, or None after telling the operator why not."""
    try:
        return await post_media.download(bot, media)
    except TooBig:
        reply = t(
            lang,
            "This file is over 20 MB, the most a bot can download from Telegram. "
            "Send a smaller one.",
        )
    except (TelegramAPIError, ClientError, OSError):
        reply = t(lang, "I couldn't fetch the file from Telegram. Send the post again.")
    await message.answer(reply)
    return None


async def _saved(message: Message, bot: Bot, template: Template, lang: str) -> None:
    text = t(
        lang,
        "Template #{id} «{name}» saved. This is how it will look:",
        id=template.id,
        name=template.name,
    )
    await template_preview.show(bot, message.chat.id, template, lang, can_change=True, text=text)


async def on_album(message: Message, lang: str) -> None:
    """Each photo of an album arrives alone; a template is one post, so say so."""
    await message.answer(
        t(lang, "Albums can't be templates: send one photo, video or file with its caption.")
    )


async def on_other_media(message: Message, lang: str) -> None:
    """GIFs, music, voice and round videos are not posts the bot sends."""
    await message.answer(
        t(
            lang,
            "A template is a text post, or a photo, video or file with a caption. "
            "This kind of message can't be one.",
        )
    )


async def unknown_command(message: Message, lang: str) -> None:
    """A command no router knows."""
    await message.answer(t(lang, "I don't know that command. /help lists what I can do."))


def make_router() -> Router:
    """Build this feature's router; it comes after every router that takes commands."""
    router = Router(name=__name__)
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(on_post, F.text)
    # A GIF also carries a `document`, so it is recognised first.
    router.message.register(on_other_media, F.animation | F.audio | F.voice | F.video_note)
    router.message.register(on_album, F.media_group_id, F.photo | F.video | F.document)
    router.message.register(on_media, F.photo | F.video | F.document)
    return router
