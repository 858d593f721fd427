"""Templates: any other text an operator sends is a post to publish."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from predlagator.bot.texts import t
from predlagator.db import audit, templates
from predlagator.db.pool import Pool
from predlagator.models import Operator

MAX_TEXT = 4096  # Telegram's limit for a text message
NAME_CHARS = 40


def template_name(text: str) -> str:
    """The first words of the post, on one line."""
    return " ".join(text.split())[:NAME_CHARS]


async def on_post(message: Message, pool: Pool, operator: Operator, lang: str) -> None:
    """Store the post as HTML, formatting kept, and show it back as it will go out."""
    text = message.text or ""
    if len(text) > MAX_TEXT:
        await message.answer(
            t(
                lang,
                "This post has {n} characters; Telegram allows {max}. Shorten it and send again.",
                n=len(text),
                max=MAX_TEXT,
            )
        )
        return
    async with pool.connection() as conn, conn.transaction():
        template = await templates.create(
            conn, template_name(text), message.html_text, operator.user_id
        )
        await audit.record(conn, operator.user_id, "template.create", "template", template.id)
    await message.answer(
        t(
            lang,
            "Template #{id} «{name}» saved. This is how it will look:",
            id=template.id,
            name=template.name,
        )
    )
    await message.answer(template.html)


async def on_media(message: Message, lang: str) -> None:
    """Media posts are a later feature: say so and store nothing."""
    await message.answer(
        t(lang, "Posts with photos, videos or files come later; for now send the post as text.")
    )


async def unknown_command(message: Message, lang: str) -> None:
    """A command no router knows."""
    await message.answer(t(lang, "I don't know that command. /help lists what I can do."))


async def cmd_templates(message: Message, pool: Pool, lang: str) -> None:
    """List the latest templates."""
    async with pool.connection() as conn:
        found = await templates.list_all(conn, limit=30)
    if not found:
        await message.answer(t(lang, "No templates yet. Send me the post you want to publish."))
        return
    rows = [t(lang, "#{id} {name}", id=tpl.id, name=tpl.name) for tpl in found]
    await message.answer("\n".join([t(lang, "<b>Templates</b>"), *rows]))


def make_router() -> Router:
    """Build this feature's router; it comes after every router that takes commands."""
    router = Router(name=__name__)
    router.message.register(cmd_templates, Command("templates"))
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(on_post, F.text)
    media = F.photo | F.video | F.document | F.animation | F.audio | F.voice | F.video_note
    router.message.register(on_media, media)
    return router
