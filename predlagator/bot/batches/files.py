"""A .txt or .csv file of channel references becomes a batch, as a sent list does; a file that
may just as well be a post (it has a caption, or does not read as a list) is asked about."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from predlagator.bot import redraw
from predlagator.bot.batches import list_files
from predlagator.bot.batches import refs as channel_refs
from predlagator.bot.batches.create import create_batch
from predlagator.bot.batches.keyboards import FileKind, button, markup
from predlagator.bot.batches.list_files import MAX_BYTES
from predlagator.bot.batches.upload import download, list_name, read_upload
from predlagator.bot.templates import create as templates_create
from predlagator.bot.texts import t
from predlagator.db.pool import Pool
from predlagator.models import Operator


class ListFile(Filter):
    """A document named .txt or .csv (or, unnamed, sent as plain text or CSV).

    Other documents are posts with an attachment, for the templates.
    """

    async def __call__(self, message: Message) -> bool:
        document = message.document
        if document is None or message.animation is not None:
            return False  # a GIF comes with a `document` too
        return list_files.kind_of(document.file_name, document.mime_type) is not None


async def on_list_file(
    message: Message, bot: Bot, pool: Pool, operator: Operator, lang: str
) -> None:
    """A clear channel list becomes a batch at once; any other file is asked about."""
    document = message.document
    assert document is not None  # the filter let only documents through
    kind = list_files.kind_of(document.file_name, document.mime_type)
    read = None
    if kind is not None and (document.file_size or 0) <= MAX_BYTES:  # bigger: no list
        data = await download(bot, document)
        if data is None:
            await message.answer(t(lang, "Telegram didn't hand me the file. Please send it again."))
            return
        read = list_files.read(data, kind) if len(data) <= MAX_BYTES else None
    if isinstance(read, tuple) and list_files.looks_like_list(read[1]) and _caption_fits(message):
        name = list_name(message, read[0])
        await message.answer(await create_batch(pool, operator, lang, read[1], name))
        return
    await message.reply(
        t(lang, "Is this file a list of channels, or a post to send as a document?"),
        reply_markup=_question(lang),
    )


def _caption_fits(message: Message) -> bool:
    """No caption, or one whose first line is `name: …`: it names the list, so no question."""
    return not message.caption or channel_refs.split_name(message.caption)[0] is not None


def _question(lang: str) -> InlineKeyboardMarkup | None:
    as_list = button(t(lang, "📋 Channel list"), FileKind(choice="list"))
    as_post = button(t(lang, "📎 Post (document)"), FileKind(choice="post"))
    return markup([[as_list, as_post]])


async def on_file_kind(
    callback: CallbackQuery,
    callback_data: FileKind,
    bot: Bot,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """The answer: read the file the question replies to as a list, or save it as a post."""
    question = callback.message
    document = question.reply_to_message if isinstance(question, Message) else None
    if document is None or document.document is None:
        # Deleted, or a question too old for Telegram to show what it answered.
        await callback.answer(t(lang, "I can't see that file any more. Please send it again."))
        return
    await callback.answer()
    if callback_data.choice == "post":
        await redraw.show(callback, t(lang, "Taken as a post."), None)
        await templates_create.on_media(document, bot, pool, operator, lang)
        return
    read = await read_upload(bot, document, lang)
    if isinstance(read, str):
        await redraw.show(callback, read, None)
        return
    await redraw.show(callback, await create_batch(pool, operator, lang, read[1], read[0]), None)


def make_router() -> Router:
    """Build this feature's router; it comes before the templates, which take other files."""
    router = Router(name=__name__)
    router.message.register(on_list_file, ListFile())
    router.callback_query.register(on_file_kind, FileKind.filter())
    return router
