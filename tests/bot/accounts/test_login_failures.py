"""A login from the chat when a worker or Telegram lets it down: told in words, nothing leaks.

The same world as test_login.py: the real Dispatcher, a real worker, the fake Telegram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telethon import functions

from predlagator.config import Settings
from predlagator.db.pool import Pool
from predlagator.delivery.login_steps import LoginDeps
from predlagator.queue import names
from predlagator.session_vault import new_key
from tests.fakes.bot_api import BOT_TOKEN, OWNER, bot_harness
from tests.fakes.telethon_fake import LOGIN_CODE, FakeTelegram
from tests.login_world import PHONE, LoginWorld, open_login_world

SPACED = " ".join(LOGIN_CODE)


class WatchingTelegram(FakeTelegram):
    """The fake Telegram, noting what the login's row held when each sign-in arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.pool: Pool | None = None
        self.rows_at_sign_in: list[dict[str, Any]] = []

    async def answer(self, auth_key: bytes | None, request: Any) -> Any:
        query = request
        while hasattr(query, "query"):
            query = query.query
        if isinstance(query, functions.auth.SignInRequest) and self.pool is not None:
            async with self.pool.connection() as conn:
                cur = await conn.execute("SELECT step, secret_enc FROM account_logins")
                self.rows_at_sign_in.extend(await cur.fetchall())
        return await super().answer(auth_key, request)


@pytest.fixture
async def world(pool: Pool) -> AsyncIterator[LoginWorld]:
    async with open_login_world(pool) as opened:
        yield opened


async def _to_phone(world: LoginWorld) -> None:
    await world.send(OWNER, "/add_account")
    await world.send(OWNER, "sales-2")
    await world.send(OWNER, PHONE)


async def _to_code(world: LoginWorld) -> None:
    await _to_phone(world)
    await world.run_due()
    assert world.last(OWNER).startswith("📨 Telegram sent a login code")


async def test_the_worker_wipes_the_code_before_it_asks_telegram(pool: Pool) -> None:
    telegram = WatchingTelegram()
    telegram.pool = pool
    async with open_login_world(pool, telegram) as world:
        await _to_code(world)
        await world.send(OWNER, SPACED)
        await world.run_due()
        assert world.last(OWNER).startswith("✅ Account «sales-2» added")
    assert telegram.rows_at_sign_in == [{"step": "checking_code", "secret_enc": None}]


async def test_a_worker_with_another_session_key_ends_the_login_and_says_why(
    world: LoginWorld,
) -> None:
    other = Settings(_env_file=None, bot_token=BOT_TOKEN, session_key=new_key())
    world.deps = LoginDeps(pool=world.chat.pool, settings=other, build=world.deps.build)
    await _to_phone(world)
    await world.run_due()
    assert world.last(OWNER).startswith(
        "❌ The worker cannot open this login: its SESSION_KEY is missing or is not the bot's."
    )
    assert world.telegram.codes_sent == []
    assert await world.rows("SELECT id FROM account_logins") == []
    assert await world.state(OWNER) is None


async def test_a_worker_without_the_api_id_says_so(world: LoginWorld) -> None:
    world.deps = LoginDeps(pool=world.chat.pool, settings=world.chat.settings)  # no TG_API_ID
    await _to_phone(world)
    await world.run_due()
    assert world.last(OWNER) == (
        "❌ The worker has no TG_API_ID and TG_API_HASH: set them (my.telegram.org). "
        "Send /add_account to try again."
    )


async def test_a_flood_wait_on_the_code_request_is_told_in_the_errors_words(
    world: LoginWorld,
) -> None:
    world.telegram.fail_next(420, "FLOOD_WAIT_300", request_type=functions.auth.SendCodeRequest)
    await _to_phone(world)
    await world.run_due()
    assert world.last(OWNER) == (
        "❌ Telegram refused the login of «sales-2»: Telegram asked the account to wait 5 min. "
        "Send /add_account to try again."
    )


async def test_telegram_not_answering_the_sign_in_asks_the_code_again_without_a_try_spent(
    world: LoginWorld,
) -> None:
    await _to_code(world)
    world.telegram.break_next(
        lambda: ConnectionError("cut"), request_type=functions.auth.SignInRequest
    )
    await world.send(OWNER, SPACED)
    await world.run_due()
    assert world.last(OWNER) == "Telegram did not answer in time: send it again, please."
    [login] = await world.rows("SELECT step, tries, secret_enc FROM account_logins")
    assert login == {"step": "code", "tries": 0, "secret_enc": None}
    await world.send(OWNER, SPACED)
    await world.run_due()
    assert world.last(OWNER).startswith("✅ Account «sales-2» added")


async def test_a_check_whose_worker_died_after_wiping_the_code_asks_it_again(
    world: LoginWorld,
) -> None:
    await _to_code(world)
    await world.send(OWNER, SPACED)
    # A worker read and wiped the code, then died; its job is retried by the next one.
    await world.rows("UPDATE account_logins SET secret_enc = NULL RETURNING id")
    await world.run_due()
    assert world.last(OWNER) == (
        "The check was interrupted (a worker stopped): send it again, please."
    )
    assert world.telegram.request_names().count("SignInRequest") == 0
    await world.send(OWNER, SPACED)
    await world.run_due()
    assert world.last(OWNER).startswith("✅ Account «sales-2» added")


async def test_a_step_run_twice_does_nothing_the_second_time(world: LoginWorld) -> None:
    await _to_code(world)
    [login] = await world.rows("SELECT id FROM account_logins")
    await world.send(OWNER, SPACED)
    await world.run_due()
    told = len(world.said(OWNER))
    task = world.app.configure_task(names.LOGIN_SIGN_IN, queue=names.DELIVERY_QUEUE)
    await task.defer_async(login_id=login["id"])
    await world.run_due()
    assert len(world.said(OWNER)) == told
    assert await world.rows("SELECT count(*) AS n FROM accounts") == [{"n": 1}]


async def test_an_answer_while_the_worker_checks_is_deleted_and_waits(world: LoginWorld) -> None:
    await _to_code(world)
    await world.send(OWNER, SPACED)
    again = await world.send(OWNER, SPACED)
    assert again.message_id in world.deleted(OWNER)
    assert world.last(OWNER).startswith("Wait a moment: Telegram is being asked.")
    assert [j["task_name"] for j in await world.chat.jobs()].count("login_sign_in") == 1


async def test_commands_run_as_usual_while_the_login_waits_for_its_code(
    world: LoginWorld,
) -> None:
    await _to_code(world)
    await world.send(OWNER, "/help")
    assert world.deleted(OWNER) == []
    assert await world.state(OWNER) == "AddTelegramAccount:login"
    await world.send(OWNER, "/cancel")
    assert world.last(OWNER) == "Adding the account is cancelled."
    assert await world.rows("SELECT id FROM account_logins") == []


async def test_a_bot_without_session_key_on_a_configured_database_says_what_to_set(
    pool: Pool, db_url: str
) -> None:
    async with bot_harness(pool, database_url=db_url) as chat:
        await chat.send(OWNER, "/add_account")
        [said] = chat.session.sent_texts()
        assert said.startswith("Adding accounts from the chat needs SESSION_KEY")
        assert await chat.rows("SELECT state FROM fsm_states") == []
