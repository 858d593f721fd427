"""Adding a Telegram account from the chat: name, phone, code, 2FA password, in a worker.

Through the real Dispatcher and a real Procrastinate worker running the login steps with the
real Telethon client over the fake Telegram (tests/login_world.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telethon.sessions import StringSession

from predlagator.bot.accounts.login_keys import ADD_TELEGRAM, CANCEL, RESEND
from predlagator.db import accounts
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.fakes.bot_api import OPERATOR, OWNER, STRANGER, VIEWER
from tests.fakes.telethon_fake import LOGIN_CODE, FakeTelegram
from tests.login_world import DIGITS, PHONE, RATE, LoginWorld, open_login_world

SPACED = " ".join(LOGIN_CODE)
WRONG = "5 4 3 2 1"
PASSWORD = "correct horse"


@pytest.fixture
async def world(pool: Pool) -> AsyncIterator[LoginWorld]:
    async with open_login_world(pool) as opened:
        yield opened


async def _to_code(world: LoginWorld, name: str = "sales-2") -> None:
    """/add_account, a name, the phone, and the worker's code request."""
    await world.send(OWNER, "/add_account")
    await world.send(OWNER, name)
    await world.send(OWNER, PHONE)
    await world.run_due()
    assert world.last(OWNER).startswith("📨 Telegram sent a login code")


async def _secrets_nowhere(world: LoginWorld, *secrets: str) -> None:
    """Nothing typed is in the queue's jobs or in any of our tables as plain text."""
    jobs = await world.rows("SELECT args::text AS args FROM procrastinate_jobs")
    logins = await world.rows("SELECT * FROM account_logins")
    found = [s for s in secrets for row in [*jobs, *logins] if s in str(row)]
    assert found == []


async def test_an_owner_adds_an_account_and_the_code_message_is_deleted(
    world: LoginWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await world.send(OWNER, "/add_account")
    assert world.last(OWNER).startswith("<b>Add a Telegram account</b>")
    await world.send(OWNER, "sales-2")
    assert "phone number of the account «sales-2»" in world.last(OWNER)
    await world.send(OWNER, PHONE)
    assert world.last(OWNER) == "Asking Telegram to send a login code to +49••••••••67…"
    [login] = await world.rows("SELECT step, state_enc FROM account_logins")
    assert login["step"] == "sending" and DIGITS.encode() not in bytes(login["state_enc"])
    await _secrets_nowhere(world, DIGITS)

    await world.run_due()
    assert world.telegram.codes_sent == [DIGITS]
    prompt = world.last(OWNER)
    assert "typed with spaces, like <code>1 2 3 4 5</code>" in prompt
    assert "Telegram voids a code sent inside a message" in prompt

    typed = await world.send(OWNER, SPACED)
    assert world.deleted(OWNER) == [typed.message_id]
    assert world.last(OWNER) == "Checking the code…"
    [login] = await world.rows("SELECT step, secret_enc FROM account_logins")
    assert login["step"] == "checking_code"
    assert world.vault.open(login["secret_enc"], "sales-2") == LOGIN_CODE  # sealed, not plain
    await _secrets_nowhere(world, LOGIN_CODE, SPACED, DIGITS)

    await world.run_due()
    assert world.last(OWNER) == (
        "✅ Account «sales-2» added: Poster Account (@poster_account). It sends up to 20 posts "
        "a minute; /accounts shows it."
    )
    [account] = await world.rows(
        "SELECT id, name, kind, status, rate_per_minute, session_enc FROM accounts "
        "WHERE name = 'sales-2'"
    )
    assert (account["kind"], account["status"], account["rate_per_minute"]) == (
        "telegram",
        "active",
        RATE,
    )
    session = StringSession(world.vault.open(account["session_enc"], "sales-2"))
    assert session.auth_key is not None
    assert session.auth_key.key in world.telegram.authorized_keys
    assert await world.rows("SELECT id FROM account_logins") == []
    assert await world.state(OWNER) is None
    assert await world.rows(
        "SELECT actor_id, action, object_type, object_id, details FROM audit_log"
    ) == [
        {
            "actor_id": OWNER,
            "action": "account.add",
            "object_type": "account",
            "object_id": account["id"],
            "details": {"name": "sales-2", "kind": "telegram", "via": "chat"},
        }
    ]
    await _secrets_nowhere(world, LOGIN_CODE, SPACED, DIGITS)
    for secret in (LOGIN_CODE, SPACED, DIGITS, "1701234567"):
        # Whole numbers only: the test bot's id, 123456, holds the fake's code.
        assert re.search(rf"\b{secret}\b", caplog.text) is None, secret


async def test_the_add_button_starts_the_same_dialog(world: LoginWorld) -> None:
    await world.press(OWNER, ADD_TELEGRAM)
    assert world.last(OWNER).startswith("<b>Add a Telegram account</b>")
    assert await world.state(OWNER) == "AddTelegramAccount:name"


async def test_two_step_password_wrong_then_right_both_messages_deleted(pool: Pool) -> None:
    async with open_login_world(pool, FakeTelegram(password=PASSWORD)) as world:
        await _to_code(world)
        await world.send(OWNER, SPACED)
        await world.run_due()
        assert world.last(OWNER).startswith("🔐 «sales-2» has two-step verification")

        wrong = await world.send(OWNER, "wrong horse")
        assert world.last(OWNER) == "Checking the password…"
        await _secrets_nowhere(world, "wrong horse")
        await world.run_due()
        assert world.last(OWNER) == "That password is wrong; 2 tries left. Send it again."

        right = await world.send(OWNER, PASSWORD)
        await _secrets_nowhere(world, PASSWORD)
        await world.run_due()
        assert world.last(OWNER).startswith("✅ Account «sales-2» added")
        assert {wrong.message_id, right.message_id} <= set(world.deleted(OWNER))
        assert len(world.deleted(OWNER)) == 3  # the code's message too
        [account] = await world.rows("SELECT session_enc FROM accounts WHERE name = 'sales-2'")
        session = StringSession(world.vault.open(account["session_enc"], "sales-2"))
        assert session.auth_key is not None
        assert session.auth_key.key in world.telegram.authorized_keys
        await _secrets_nowhere(world, PASSWORD, "wrong horse")


async def test_three_wrong_passwords_end_the_login(pool: Pool) -> None:
    async with open_login_world(pool, FakeTelegram(password=PASSWORD)) as world:
        await _to_code(world)
        await world.send(OWNER, SPACED)
        await world.run_due()
        for _ in range(3):
            await world.send(OWNER, "nope")
            await world.run_due()
        assert world.last(OWNER) == (
            "❌ Three wrong passwords: the login of «sales-2» ended. Send /add_account to try "
            "again."
        )
        assert await world.rows("SELECT id FROM account_logins") == []
        assert await world.rows("SELECT id FROM accounts WHERE name = 'sales-2'") == []
        assert world.telegram.authorized_keys == set()


async def test_a_wrong_code_is_asked_again_and_the_third_ends_the_login(
    world: LoginWorld,
) -> None:
    await _to_code(world)
    await world.send(OWNER, WRONG)
    await world.run_due()
    assert world.last(OWNER).startswith("That code is wrong; 2 tries left.\n")
    await world.send(OWNER, WRONG)
    await world.run_due()
    assert world.last(OWNER).startswith("That code is wrong; 1 try left.\n")
    await world.send(OWNER, WRONG)
    await world.run_due()
    assert world.last(OWNER) == (
        "❌ Three wrong codes: the login of «sales-2» ended. Send /add_account to try again."
    )
    assert len(world.deleted(OWNER)) == 3
    assert await world.rows("SELECT id FROM account_logins") == []
    assert await world.rows("SELECT id FROM accounts WHERE name = 'sales-2'") == []
    assert await world.state(OWNER) is None
    # The dialog is over: the next message is no code, and nothing deletes it.
    await world.send(OWNER, "/add_account")
    assert world.last(OWNER).startswith("<b>Add a Telegram account</b>")


async def test_something_that_is_no_code_is_asked_again_without_a_worker(
    world: LoginWorld,
) -> None:
    await _to_code(world)
    await world.send(OWNER, "hello")
    assert world.last(OWNER).startswith("That is not the code Telegram sent.\n")
    [login] = await world.rows("SELECT step, tries, secret_enc FROM account_logins")
    assert login == {"step": "code", "tries": 0, "secret_enc": None}


async def test_an_expired_code_offers_a_new_one(world: LoginWorld) -> None:
    await _to_code(world)
    world.telegram.expire_codes()
    await world.send(OWNER, SPACED)
    await world.run_due()
    assert world.last(OWNER) == "The code has expired: press the button for a new one."
    [sent] = world.chat.session.of("sendMessage")[-1:]
    buttons = [b["callback_data"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert RESEND in buttons

    await world.press(OWNER, RESEND)
    assert world.chat.session.answers()[-1] == "Asking Telegram for a new code…"
    await world.run_due()
    assert world.telegram.codes_sent == [DIGITS, DIGITS]
    assert world.last(OWNER).startswith("📨 Telegram sent a login code")
    await world.send(OWNER, SPACED)
    await world.run_due()
    assert world.last(OWNER).startswith("✅ Account «sales-2» added")


@pytest.mark.parametrize(
    ("typed", "step"),
    [
        ("491701234567", "no plus"),
        ("+49 17", "too few digits"),
        ("+49 170 1234 5678 9012", "too many digits"),
        ("+49 (170) 1234567", "brackets"),
        ("+49 abc 1234567", "letters"),
    ],
)
async def test_an_unknown_phone_format_is_asked_again(
    world: LoginWorld, typed: str, step: str
) -> None:
    await world.send(OWNER, "/add_account")
    await world.send(OWNER, "sales-2")
    await world.send(OWNER, typed)
    assert world.last(OWNER).startswith(f"«{typed}» is not a phone number in international format")
    assert await world.state(OWNER) == "AddTelegramAccount:phone"
    assert await world.rows("SELECT id FROM account_logins") == []
    assert await world.chat.jobs() == []
    await world.send(OWNER, "+49-170-123-45-67")
    assert world.last(OWNER).startswith("Asking Telegram to send a login code")


async def test_a_number_telegram_does_not_know_ends_the_login_in_its_words(
    world: LoginWorld,
) -> None:
    world.telegram.unknown_phones.add(DIGITS)
    await world.send(OWNER, "/add_account")
    await world.send(OWNER, "sales-2")
    await world.send(OWNER, PHONE)
    await world.run_due()
    assert world.last(OWNER) == (
        "❌ Telegram refused the login of «sales-2»: Telegram knows no account with this phone "
        "number. Send /add_account to try again."
    )
    assert await world.rows("SELECT id FROM account_logins") == []
    assert await world.state(OWNER) is None


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("sales 2", "«sales 2» is not a name: only Latin letters, digits, _ and -."),
        ("x" * 33, "That name has 33 characters; 32 at most."),
        ("MAIN", "«MAIN» is taken: pick another name."),
    ],
)
async def test_a_bad_or_taken_name_is_asked_again(world: LoginWorld, name: str, said: str) -> None:
    async with world.chat.pool.connection() as conn:
        await accounts.ensure(conn, "main", RATE)
    await world.send(OWNER, "/add_account")
    await world.send(OWNER, name)
    assert world.last(OWNER) == said + " Send another name, or press Cancel."
    assert await world.state(OWNER) == "AddTelegramAccount:name"


async def test_a_login_under_way_holds_its_name(world: LoginWorld) -> None:
    await _to_code(world)
    await world.chat.add(OWNER + 1, Role.OWNER)
    await world.send(OWNER + 1, "/add_account")
    await world.send(OWNER + 1, "Sales-2")
    assert world.last(OWNER + 1).startswith("«Sales-2» is taken")


@pytest.mark.parametrize("who", [STRANGER, VIEWER, OPERATOR])
async def test_strangers_viewers_and_operators_cannot_add_accounts(
    world: LoginWorld, who: int
) -> None:
    await world.chat.add(VIEWER, Role.VIEWER)
    await world.chat.add(OPERATOR, Role.OPERATOR)
    before = await world.chat.counts()
    await world.send(who, "/add_account")
    await world.press(who, ADD_TELEGRAM)
    said = world.said(who)
    if who == STRANGER:
        assert said == ["This is a private bot. Ask its owner to add you."]
        assert world.chat.session.answers()[-1] is None  # the press: a silent answer
    else:
        assert said[0] == "Only owners add accounts."
        assert world.chat.session.answers()[-1] == "Only owners add accounts."
    assert await world.state(who) is None
    assert await world.chat.counts() == before
    assert world.telegram.codes_sent == []


async def test_cancel_drops_the_login_and_its_sealed_state(world: LoginWorld) -> None:
    await _to_code(world)
    await world.press(OWNER, CANCEL)
    assert world.last(OWNER) == "Adding the account is cancelled."
    assert await world.rows("SELECT id FROM account_logins") == []
    assert await world.state(OWNER) is None
    # A code typed now is no answer to anything: it is not taken for one.
    await world.send(OWNER, SPACED)
    assert world.deleted(OWNER) == []


async def test_a_login_not_finished_in_ten_minutes_expires(world: LoginWorld) -> None:
    await _to_code(world)
    [job] = await world.rows(
        "SELECT scheduled_at - now() AS wait FROM procrastinate_jobs "
        "WHERE task_name = 'login_expiry' AND status = 'todo'"
    )
    assert timedelta(minutes=9) < job["wait"] <= timedelta(minutes=10)
    # Ten minutes later:
    await world.rows(
        "UPDATE account_logins SET expires_at = now() - interval '1 second' RETURNING id"
    )
    await world.rows(
        "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE task_name = 'login_expiry' "
        "RETURNING id"
    )
    await world.run_due()
    assert world.last(OWNER) == (
        "❌ The login of «sales-2» was not finished within 10 minutes and has been dropped. "
        "Send /add_account to try again."
    )
    assert await world.rows("SELECT id FROM account_logins") == []
    assert await world.state(OWNER) is None


async def test_a_finished_login_is_not_expired_later(world: LoginWorld) -> None:
    await _to_code(world)
    await world.send(OWNER, SPACED)
    await world.run_due()
    told = len(world.said(OWNER))
    await world.rows(
        "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE task_name = 'login_expiry' "
        "RETURNING id"
    )
    await world.run_due()
    assert len(world.said(OWNER)) == told
    assert await world.rows("SELECT name FROM accounts WHERE name = 'sales-2'") == [
        {"name": "sales-2"}
    ]


async def test_russian(world: LoginWorld) -> None:
    await world.send(OWNER, "/add_account", lang="ru")
    assert world.last(OWNER).startswith("<b>Добавить аккаунт Telegram</b>")
    await world.send(OWNER, "продажи", lang="ru")
    assert world.last(OWNER).startswith("«продажи» не годится как имя")


async def test_a_code_that_never_came_can_be_sent_again(world: LoginWorld) -> None:
    await _to_code(world)
    await world.press(OWNER, RESEND)
    await world.run_due()
    assert world.telegram.request_names().count("ResendCodeRequest") == 1
    assert world.telegram.codes_sent == [DIGITS, DIGITS]
    assert world.last(OWNER).startswith("📨 Telegram sent a login code")
    await world.send(OWNER, SPACED)
    await world.run_due()
    assert world.last(OWNER).startswith("✅ Account «sales-2» added")


async def test_resend_is_refused_while_the_worker_checks_a_code(world: LoginWorld) -> None:
    await _to_code(world)
    await world.send(OWNER, SPACED)
    await world.press(OWNER, RESEND)
    assert world.chat.session.answers()[-1] == "Not now: this login is not waiting for a code."
