"""What an operator sends after Add, Remove or Rename on a batch: a list, a file or a name."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup, Message

from predlagator.bot.batches import refs as channel_refs
from predlagator.bot.batches.changes import Refusal, add_channels, remove_channels, rename
from predlagator.bot.batches.create import NAME_CHARS, invalid_report, too_big
from predlagator.bot.batches.keyboards import BatchView, button, markup
from predlagator.bot.batches.refs import MAX_ENTRIES, ParsedRefs
from predlagator.bot.batches.upload import read_upload
from predlagator.bot.texts import t
from predlagator.bot.waiting import on_cancel_command, on_command
from predlagator.db.pool import Pool
from predlagator.models import Operator


class BatchInput(StatesGroup):
    """Waiting for the operator's answer about the batch in the state's data."""

    add = State()
    remove = State()
    rename = State()


async def take_batch_id(state: FSMContext) -> int | None:
    """End the wait and return the batch it was about (None if the state lost it)."""
    batch_id = (await state.get_data()).get("batch_id")
    await state.clear()
    return batch_id if isinstance(batch_id, int) else None


def open_button(lang: str, batch_id: int, name: str) -> InlineKeyboardMarkup | None:
    """A button back to the batch."""
    return markup([[button(t(lang, "Open «{name}»", name=name), BatchView(id=batch_id, offset=0))]])


async def on_list(
    message: Message,
    bot: Bot,
    state: FSMContext,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """A list or a file after Add or Remove: merge it into the batch or take it out."""
    if message.text:
        parsed = channel_refs.parse(message.text)
    else:
        read = await read_upload(bot, message, lang)
        if isinstance(read, str):
            await message.answer(read)  # still waiting: they may send a better file
            return
        parsed = read[1]
    if parsed.entries > MAX_ENTRIES:
        await message.answer(too_big(lang, parsed.entries))
        return
    if not parsed.refs:
        none = t(lang, "No valid channels in this list, so nothing changed. Send another one.")
        await message.answer(none + invalid_report(parsed.invalid, lang))
        return
    await apply_list(message, state, pool, operator, lang, parsed)


async def apply_list(
    message: Message,
    state: FSMContext,
    pool: Pool,
    operator: Operator,
    lang: str,
    parsed: ParsedRefs,
) -> None:
    """Make the change the state asks for and report it; a list refused whole is asked again."""
    adding = await state.get_state() == BatchInput.add.state
    batch_id = (await state.get_data()).get("batch_id")
    change = add_channels if adding else remove_channels
    done = None
    if isinstance(batch_id, int):
        done = await change(pool, operator, lang, batch_id, parsed)
    if not isinstance(batch_id, int) or done is None:
        await state.clear()
        await message.answer(t(lang, "This batch no longer exists."))
        return
    reply, name = done
    if isinstance(reply, Refusal):
        ask = t(lang, "Send a list of channels or a .txt/.csv file, or press Cancel.")
        await message.answer(f"{reply}\n{ask}")
        return
    await state.clear()
    await message.answer(reply, reply_markup=open_button(lang, batch_id, name))


async def on_name(
    message: Message, state: FSMContext, pool: Pool, operator: Operator, lang: str
) -> None:
    """The new name after Rename: checked, then set."""
    name = " ".join((message.text or "").split())
    if not name:
        await message.answer(t(lang, "A name can't be empty. Send the new name."))
        return
    if len(name) > NAME_CHARS:
        await message.answer(
            t(
                lang,
                "That name has {n} characters; at most {max} fit. Send a shorter one.",
                n=len(name),
                max=NAME_CHARS,
            )
        )
        return
    batch_id = await take_batch_id(state)
    reply = None if batch_id is None else await rename(pool, operator, lang, batch_id, name)
    if batch_id is None or reply is None:
        await message.answer(t(lang, "This batch no longer exists."))
        return
    await message.answer(reply, reply_markup=open_button(lang, batch_id, name))


async def on_other(message: Message, state: FSMContext, lang: str) -> None:
    """Anything else while waiting: say what is expected (the state stays)."""
    if await state.get_state() == BatchInput.rename.state:
        await message.answer(t(lang, "Send the new name as text, or press Cancel."))
    else:
        await message.answer(
            t(lang, "Send a list of channels or a .txt/.csv file, or press Cancel.")
        )


def make_router() -> Router:
    """Build this feature's router; it sees only operators who pressed Add, Remove or Rename."""
    router = Router(name=__name__)
    # A viewer (demoted while waiting) is refused by the viewers' middleware, state and all.
    router.message.filter(StateFilter(BatchInput))
    router.message.register(on_cancel_command, Command("cancel"))
    command = F.text.startswith("/")
    router.message.register(on_command, command)
    # SkipHandler goes on to this router's next handlers too: none of them takes a command.
    lists = StateFilter(BatchInput.add, BatchInput.remove)
    router.message.register(on_list, lists, F.document | F.text, ~command)
    router.message.register(on_name, StateFilter(BatchInput.rename), F.text, ~command)
    router.message.register(on_other, ~command)
    return router
