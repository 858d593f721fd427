"""A .txt or .csv file of channel references becomes a batch, as a sent list does."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Filter
from aiogram.types import Message

from predlagator.bot.batches import list_files
from predlagator.bot.batches.create import create_batch
from predlagator.bot.batches.upload import read_upload
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
    """Download and read the file, then save and report it like a sent list."""
    read = await read_upload(bot, message, lang)
    if isinstance(read, str):
        await message.answer(read)
        return
    name, parsed = read
    await message.answer(await create_batch(pool, operator, lang, parsed, name))


def make_router() -> Router:
    """Build this feature's router; it comes before the templates, which take other files."""
    router = Router(name=__name__)
    router.message.register(on_list_file, ListFile())
    return router
