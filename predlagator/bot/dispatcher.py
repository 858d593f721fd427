"""The bot's Dispatcher and Bot, built from settings and the process's pool and queue."""

from __future__ import annotations

import procrastinate
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeDefault

from predlagator.bot.access import AccessMiddleware, sync_owners
from predlagator.bot.commands import COMMANDS, describe
from predlagator.bot.fsm_storage import PostgresStorage
from predlagator.bot.routers import get_routers
from predlagator.bot.texts import LANGUAGES
from predlagator.config import Settings
from predlagator.db.pool import Pool

__all__ = ["bot_commands", "make_bot", "make_dispatcher", "set_commands", "sync_owners"]


def make_dispatcher(*, pool: Pool, app: procrastinate.App, settings: Settings) -> Dispatcher:
    """Wire deps as workflow data, FSM in PostgreSQL, the access check, every feature router."""
    # Dialog state lives in the database, so a wizard half done survives a restart; one
    # operator's updates are handled one at a time, so two quick answers cannot interleave.
    dp = Dispatcher(
        storage=PostgresStorage(pool),
        events_isolation=SimpleEventIsolation(),
        pool=pool,
        queue=app,
        settings=settings,
    )
    access = AccessMiddleware(pool, settings)
    dp.message.outer_middleware(access)
    dp.callback_query.outer_middleware(access)
    dp.include_routers(*get_routers())
    return dp


def make_bot(settings: Settings) -> Bot:
    """A Bot on the configured Bot API server, sending HTML by default."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
    return Bot(
        settings.require_bot().get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def bot_commands(lang: str) -> list[BotCommand]:
    """The command menu in one language."""
    return [BotCommand(command=name, description=describe(lang, name)) for name in COMMANDS]


async def set_commands(bot: Bot) -> None:
    """Publish the command menu: English for everyone, Russian for Russian clients."""
    scope = BotCommandScopeDefault()
    await bot.set_my_commands(bot_commands("en"), scope=scope)
    for lang in LANGUAGES:
        if lang != "en":
            await bot.set_my_commands(bot_commands(lang), scope=scope, language_code=lang)
