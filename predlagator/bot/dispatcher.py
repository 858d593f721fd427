"""The bot's Dispatcher and Bot, built from settings and the process's pool and queue.

The one ordered list of every feature's routers lives here too (`get_routers`).
"""

from __future__ import annotations

import procrastinate
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeDefault

import predlagator.bot.access.audit
import predlagator.bot.access.operators
import predlagator.bot.accounts.answers
import predlagator.bot.accounts.controls
import predlagator.bot.accounts.listing
import predlagator.bot.accounts.login
import predlagator.bot.accounts.questions
import predlagator.bot.actions.new_version
import predlagator.bot.actions.reach
import predlagator.bot.actions.router
import predlagator.bot.batches.answers
import predlagator.bot.batches.channels
import predlagator.bot.batches.create
import predlagator.bot.batches.edit
import predlagator.bot.batches.files
import predlagator.bot.batches.view
import predlagator.bot.campaigns.card_refresh
import predlagator.bot.campaigns.controls
import predlagator.bot.campaigns.listing
import predlagator.bot.campaigns.retry
import predlagator.bot.campaigns.wizard.router
import predlagator.bot.home.fallback
import predlagator.bot.home.start
import predlagator.bot.home.status
import predlagator.bot.reports.command
import predlagator.bot.templates.create
import predlagator.bot.templates.edit
import predlagator.bot.templates.listing
import predlagator.bot.testsend.command
from predlagator.bot.access.middleware import AccessMiddleware, sync_owners
from predlagator.bot.access.viewers import ViewersRefused
from predlagator.bot.fsm_storage import PostgresStorage
from predlagator.bot.home.menu import COMMANDS, describe
from predlagator.bot.input_guard import NulRefused
from predlagator.bot.texts import LANGUAGES
from predlagator.config import Settings
from predlagator.db.pool import Pool

__all__ = [
    "bot_commands",
    "get_routers",
    "make_bot",
    "make_dispatcher",
    "set_commands",
    "sync_owners",
]


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
    # After access, so strangers get only their refusal; before routing, so no filter or
    # handler ever sees a NUL character PostgreSQL would refuse.
    nul_refused = NulRefused()
    dp.message.outer_middleware(nul_refused)
    dp.callback_query.outer_middleware(nul_refused)
    # Inner middlewares reach every nested router's handlers: viewers are refused in one place.
    dp.message.middleware(ViewersRefused())
    dp.callback_query.middleware(ViewersRefused())
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


def get_routers() -> list[Router]:
    """Build fresh routers, in routing order."""
    # A pending template rename and the answer to a batch's Add/Remove/Rename come first: the
    # next message is that answer, and a command ends the wait before any other router sees it.
    # Operators management answers non-owners itself. The wizard takes typed answers before a
    # name could pass for a channel list or a post; channel lists and .txt/.csv files are
    # recognised before the catch-all post handler; the fallback answers whatever is left.
    # Viewers are refused by ViewersRefused wherever a handler is not marked READ_ONLY, so the
    # order here is about what a message means, not about who may send it.
    return [
        # While a login runs, the next message is its code or password, deleted once read.
        predlagator.bot.accounts.login.make_router(),
        predlagator.bot.templates.edit.make_router(),
        # While an edit's new version is awaited, the next message is it, never a new template.
        predlagator.bot.actions.new_version.make_router(),
        predlagator.bot.batches.answers.make_router(),
        # A typed pace, cap or new account's name is an answer, never a channel list or a post.
        predlagator.bot.accounts.answers.make_router(),
        predlagator.bot.home.start.make_router(),
        predlagator.bot.access.operators.make_router(),
        predlagator.bot.home.status.make_router(),
        predlagator.bot.access.audit.make_router(),
        predlagator.bot.templates.listing.make_router(),
        predlagator.bot.batches.view.make_router(),
        predlagator.bot.batches.channels.make_router(),
        predlagator.bot.accounts.listing.make_router(),
        predlagator.bot.accounts.questions.make_router(),
        predlagator.bot.accounts.controls.make_router(),
        # Reports are read-only too, and Refresh changes nothing: viewers may use both.
        predlagator.bot.reports.command.make_router(),
        predlagator.bot.campaigns.listing.make_router(),
        predlagator.bot.campaigns.card_refresh.make_router(),
        predlagator.bot.campaigns.wizard.router.make_router(),
        predlagator.bot.batches.edit.make_router(),
        predlagator.bot.batches.files.make_router(),
        predlagator.bot.batches.create.make_router(),
        predlagator.bot.campaigns.controls.make_router(),
        predlagator.bot.campaigns.retry.make_router(),
        predlagator.bot.actions.router.make_router(),
        predlagator.bot.actions.reach.make_router(),
        predlagator.bot.testsend.command.make_router(),
        predlagator.bot.templates.create.make_router(),
        predlagator.bot.home.fallback.make_router(),
    ]
