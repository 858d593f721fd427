"""A template shown as it will go out: a header with its id, name and buttons, then the post."""

from __future__ import annotations

from aiogram import Bot

from predlagator.bot.templates.keyboards import actions_keyboard, kind_label
from predlagator.bot.texts import Html, t
from predlagator.models import Template


def header(lang: str, template: Template) -> str:
    """ "Template #3 «Sale» (🖼 photo). This is how it will look:"."""
    return t(
        lang,
        "Template #{id} «{name}» ({kind}). This is how it will look:",
        id=template.id,
        name=template.name,
        kind=Html(kind_label(lang, template)),
    )


async def show(
    bot: Bot, chat_id: int, template: Template, lang: str, *, can_change: bool, text: str = ""
) -> None:
    """The header (`text`, or the usual one) with Rename and Delete for those who may change
    templates, then the post itself."""
    markup = actions_keyboard(lang, template.id) if can_change else None
    await bot.send_message(chat_id, text or header(lang, template), reply_markup=markup)
    await send_post(bot, chat_id, template)


async def send_post(bot: Bot, chat_id: int, template: Template) -> None:
    """The post: HTML text, or the file by its file_id with the HTML caption (parse mode HTML
    is the bot's default), as the account will send it."""
    if template.media_kind is None or template.media_file_id is None:
        await bot.send_message(chat_id, template.html)
        return
    caption = template.html or None
    file_id = template.media_file_id
    if template.media_kind == "photo":
        await bot.send_photo(chat_id, file_id, caption=caption)
    elif template.media_kind == "video":
        await bot.send_video(chat_id, file_id, caption=caption)
    else:
        await bot.send_document(chat_id, file_id, caption=caption)
