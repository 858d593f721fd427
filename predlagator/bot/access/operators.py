"""/operators: owners add, re-role and remove operators; every change is audited."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    Message,
    MessageOriginUser,
    TelegramObject,
)

from predlagator.bot.access.keyboards import OperatorAction, button, render
from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.texts import N_, ROLE, echo, t
from predlagator.config import Settings
from predlagator.db import audit, operators
from predlagator.db.pool import Pool
from predlagator.models import Operator, Role

# Button actions: "add_<role>" from a forward, "role_<role>", "remove" asks, "confirm" removes.
ROLES = {"operator": Role.OPERATOR, "viewer": Role.VIEWER}
# Telegram user ids are positive and have at most 52 significant bits (Bot API, User.id).
MAX_USER_ID = 2**52 - 1
# ASCII digits only: str.isdigit() takes "²", which int() refuses.
_NUMBER = re.compile(r"-?[0-9]+")
NOT_A_USER_ID = N_(
    "{id} is not a Telegram user id. Ask the person to send /start to @userinfobot: "
    "it tells them theirs."
)


def is_owner(_: TelegramObject, operator: Operator) -> bool:
    """Filter: the operator manages operators (re-read from the table on every update)."""
    return operator.role is Role.OWNER


def is_not_owner(_: TelegramObject, operator: Operator) -> bool:
    """Filter: everyone the owners-only commands refuse."""
    return operator.role is not Role.OWNER


async def _list(pool: Pool, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    async with pool.connection() as conn:
        return render(lang, await operators.list_all(conn))


def parse_add(args: str) -> tuple[int, Role] | None:
    """`add 12345 [operator|viewer]` → (id, role); None if malformed."""
    words = args.split()
    if not 2 <= len(words) <= 3 or words[0].lower() != "add":
        return None
    if not _NUMBER.fullmatch(words[1]):
        return None  # a message holds at most 4,096 digits, well within what int() reads
    role = ROLES.get(words[2].lower() if len(words) == 3 else "operator")
    return None if role is None else (int(words[1]), role)


async def add(
    pool: Pool, settings: Settings, owner: Operator, user_id: int, role: Role, lang: str
) -> str:
    """Add someone with `role` and audit it; the reply says what happened."""
    if not 0 < user_id <= MAX_USER_ID:  # typed, or a forged button
        return t(lang, NOT_A_USER_ID, id=echo(str(user_id)))
    if user_id in settings.owner_ids:
        return t(lang, "{id} is an owner (OWNER_IDS); owners are not managed here.", id=user_id)
    async with pool.connection() as conn, conn.transaction():
        added = await operators.add(conn, user_id, role, owner.user_id)
        if added is None:
            existing = await operators.get(conn, user_id)
            role_now = existing.role if existing else role
            return t(
                lang, "{id} is already listed as {role}.", id=user_id, role=t(lang, ROLE[role_now])
            )
        await audit.record(conn, owner.user_id, "operator.add", "operator", user_id, role=role)
    return t(lang, "{id} added as {role}.", id=user_id, role=t(lang, ROLE[role]))


async def cmd_operators(
    message: Message,
    command: CommandObject,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """/operators lists; /operators add ID [role] adds."""
    if command.args:
        parsed = parse_add(command.args)
        if parsed is None:
            await message.answer(t(lang, "Send /operators add ID, or /operators add ID viewer."))
            return
        await message.answer(await add(pool, settings, operator, *parsed, lang))
    text, keyboard = await _list(pool, lang)
    await message.answer(text, reply_markup=keyboard)


async def on_forward(message: Message, lang: str) -> None:
    """A message forwarded from a person: offer to add them."""
    assert isinstance(message.forward_origin, MessageOriginUser)  # the filter made sure
    user = message.forward_origin.sender_user
    if user.is_bot:
        await message.answer(t(lang, "That is a bot; bots can't be operators."))
        return
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(t(lang, "Add as operator"), user.id, "add_operator"),
                button(t(lang, "Add as viewer"), user.id, "add_viewer"),
            ]
        ]
    )
    await message.answer(
        t(lang, "Add {name} ({id})?", name=user.full_name, id=user.id), reply_markup=keyboard
    )


async def on_hidden_forward(message: Message, lang: str) -> None:
    """A forward from someone who hides their account carries no id."""
    await message.answer(
        t(
            lang,
            "This person hides their account in forwards. Ask them for their id and send "
            "/operators add ID.",
        )
    )


async def _redraw(callback: CallbackQuery, pool: Pool, lang: str) -> None:
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return
    text, keyboard = await _list(pool, lang)
    await callback.message.edit_text(text, reply_markup=keyboard)


async def on_add(
    callback: CallbackQuery,
    callback_data: OperatorAction,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Add as operator / Add as viewer under a forwarded message."""
    role = ROLES[callback_data.action.removeprefix("add_")]
    reply = await add(pool, settings, operator, callback_data.user_id, role, lang)
    await callback.answer(reply, show_alert=True)


async def on_role(
    callback: CallbackQuery,
    callback_data: OperatorAction,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """Switch a non-owner between operator and viewer."""
    role = ROLES[callback_data.action.removeprefix("role_")]
    found: Operator | None = None
    async with pool.connection() as conn, conn.transaction():
        changed = await operators.set_role(conn, callback_data.user_id, role)
        if changed is not None:
            await audit.record(
                conn, operator.user_id, "operator.role", "operator", changed.user_id, role=role
            )
        else:
            found = await operators.get(conn, callback_data.user_id)
    if changed is None:
        await callback.answer(_why_not(found, role, lang))
        return
    await callback.answer(t(lang, "Now {role}", role=t(lang, ROLE[role])))
    await _redraw(callback, pool, lang)


def _why_not(found: Operator | None, role: Role, lang: str) -> str:
    if found is None:
        return t(lang, "Not in the list any more")
    if found.role is Role.OWNER:
        return t(lang, "Owners can't be changed here")
    return t(lang, "Already {role}", role=t(lang, ROLE[role]))


async def on_remove(
    callback: CallbackQuery, callback_data: OperatorAction, pool: Pool, lang: str
) -> None:
    """Ask before removing: the list turns into a yes/cancel question."""
    async with pool.connection() as conn:
        found = await operators.get(conn, callback_data.user_id)
    if found is None or found.role is Role.OWNER:
        await callback.answer(_why_not(found, Role.OWNER, lang))
        return
    await callback.answer()
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return
    uid = found.user_id
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(t(lang, "🗑 Yes, remove"), uid, "confirm"),
                button(t(lang, "Cancel"), uid, "cancel"),
            ]
        ]
    )
    await callback.message.edit_text(
        t(lang, "Remove {id}? They will lose access to the bot.", id=uid), reply_markup=keyboard
    )


async def on_confirm(
    callback: CallbackQuery,
    callback_data: OperatorAction,
    pool: Pool,
    operator: Operator,
    lang: str,
) -> None:
    """Remove for real; a second press finds nobody and changes nothing."""
    found: Operator | None = None
    async with pool.connection() as conn, conn.transaction():
        removed = await operators.remove(conn, callback_data.user_id)
        if removed is not None:
            await audit.record(
                conn,
                operator.user_id,
                "operator.remove",
                "operator",
                removed.user_id,
                role=removed.role,
            )
        else:
            found = await operators.get(conn, callback_data.user_id)
    if removed is None:
        await callback.answer(_why_not(found, Role.OWNER, lang))
        return
    await callback.answer(t(lang, "{id} removed", id=removed.user_id))
    await _redraw(callback, pool, lang)


async def on_cancel(callback: CallbackQuery, pool: Pool, lang: str) -> None:
    """Keep them: back to the list."""
    await callback.answer()
    await _redraw(callback, pool, lang)


async def refuse_message(message: Message, lang: str) -> None:
    """Operators and viewers may not manage operators."""
    await message.answer(t(lang, "Only owners manage operators."))


async def refuse_press(callback: CallbackQuery, lang: str) -> None:
    """A non-owner's press (forwarded or demoted since): answered, nothing changes."""
    await callback.answer(t(lang, "Only owners manage operators."), show_alert=True)


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    act = OperatorAction.filter
    router.message.register(cmd_operators, Command("operators"), is_owner)
    router.message.register(refuse_message, Command("operators"), flags=READ_ONLY)
    router.message.register(on_forward, is_owner, F.forward_origin.type == "user")
    router.message.register(on_hidden_forward, is_owner, F.forward_origin.type == "hidden_user")
    adds = {"add_operator", "add_viewer"}
    router.callback_query.register(on_add, act(F.action.in_(adds)), is_owner)
    router.callback_query.register(
        on_role, act(F.action.in_({"role_operator", "role_viewer"})), is_owner
    )
    router.callback_query.register(on_remove, act(F.action == "remove"), is_owner)
    router.callback_query.register(on_confirm, act(F.action == "confirm"), is_owner)
    router.callback_query.register(on_cancel, act(F.action == "cancel"), is_owner)
    # Owners' unknown actions fall through to the fallback's "no longer valid".
    router.callback_query.register(refuse_press, act(), is_not_owner, flags=READ_ONLY)
    return router
