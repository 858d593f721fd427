"""The bot process: long polling plus a worker on the notifications queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramNotFound,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import User

from predlagator.bot import notifications
from predlagator.bot.accounts import login_notices
from predlagator.bot.accounts import notices as account_notices
from predlagator.bot.actions import notices as action_notices
from predlagator.bot.campaigns import notices as campaign_notices
from predlagator.bot.dispatcher import make_bot, make_dispatcher, set_commands, sync_owners
from predlagator.bot.notifications_worker import serve_notifications
from predlagator.bot.testsend import notices as testsend_notices
from predlagator.config import ConfigError, Settings
from predlagator.db.pool import Pool
from predlagator.queue.app import make_app

log = logging.getLogger(__name__)

# A Bot API that does not answer at start is tried this many times, this far apart, before the
# process stops with one line (a supervisor such as docker compose then starts it again).
CONNECT_ATTEMPTS = 3
CONNECT_PAUSE_S = 1.0


async def run_bot(settings: Settings, pool: Pool) -> None:
    """Serve operators until cancelled."""
    settings.require_bot()
    bot = make_bot(settings)
    app = make_app(
        campaign_notices.blueprint,
        testsend_notices.blueprint,
        login_notices.blueprint,
        account_notices.blueprint,
        action_notices.blueprint,
    )
    await app.open_async(pool=pool)
    worker: asyncio.Task[None] | None = None
    polling: asyncio.Task[None] | None = None
    try:
        me = await _introduce(bot, settings.bot_api_url)
        await sync_owners(pool, settings)
        await set_commands(bot)
        dispatcher = make_dispatcher(pool=pool, app=app, settings=settings)
        worker = asyncio.create_task(
            serve_notifications(
                app, pool, notifications.make_bot_worker_context(bot, pool, settings.zone)
            )
        )
        log.info("bot started", extra={"bot": me.username})
        polling = asyncio.create_task(_poll(dispatcher, bot))
        # The notifications worker outlives outages by itself; if it fails for another reason,
        # the bot stops with that error rather than serve on with frozen cards.
        done, _ = await asyncio.wait({polling, worker}, return_when=asyncio.FIRST_COMPLETED)
        for ended in done:
            ended.result()
    finally:
        for task in (polling, worker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await app.close_async()
        await bot.session.close()


async def _introduce(bot: Bot, api_url: str) -> User:
    """Ask the Bot API who we are: a refused token or an unreachable server ends in one line."""
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            return await bot.get_me()
        except TelegramUnauthorizedError:
            raise ConfigError(
                "BOT_TOKEN was refused by Telegram: copy the token again from @BotFather."
            ) from None
        except (TelegramNetworkError, TelegramNotFound, TelegramServerError) as exc:
            if attempt == CONNECT_ATTEMPTS:
                raise ConfigError(
                    f"BOT_API_URL {api_url} does not answer like a Bot API ({exc.message}): "
                    "check the address and the network, or unset it for Telegram's."
                ) from None
            log.warning("Bot API not answering, trying again", extra={"attempt": attempt})
            await asyncio.sleep(CONNECT_PAUSE_S)
    raise AssertionError("unreachable")


async def _poll(dispatcher: Dispatcher, bot: Bot) -> None:
    """Long-poll until cancelled, then stop aiogram's polling the way it expects.

    Cancelling `start_polling` itself leaves its per-bot polling task running: it would go on
    fetching (and confirming) updates while the process shuts down, and log errors once the
    session is closed. Its stop signal ends that task before we return.
    """
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        await asyncio.shield(polling)
    except asyncio.CancelledError:
        try:
            await dispatcher.stop_polling()
        except RuntimeError:  # not started yet: it never fetched anything
            polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        raise
