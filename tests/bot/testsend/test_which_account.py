"""/test with several accounts: which one sends it, picked by a button, and refused at once
(no job) when the picked one can't send now, the reason in words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from predlagator.bot.testsend.account_pick import FromAccount
from predlagator.db import accounts, templates
from predlagator.db.accounts import lock_key
from predlagator.db.pool import Pool
from predlagator.models import Role
from predlagator.queue import names
from tests.fakes.bot_api import OWNER, STRANGER, VIEWER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool, db_url: str) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        async with pool.connection() as conn:
            await templates.create(conn, "Big news", "<b>Big</b> news", created_by=1)
            for name, rate in (("main", 20.0), ("second", 15.0), ("rehearsal", 10.0)):
                await accounts.ensure(conn, name, rate)
            await conn.execute("UPDATE accounts SET kind = 'simulated' WHERE name = 'rehearsal'")
            await conn.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
        # A worker holds every account's session (its advisory lock), as in production.
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as holder:
            for name in ("main", "second", "rehearsal"):
                await holder.execute("SELECT pg_advisory_lock(%s)", (lock_key(name),))
            yield harness


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def tests_queued(h: BotHarness) -> list[dict[str, Any]]:
    return await h.rows(
        "SELECT queue_name, args->>'target' AS target FROM procrastinate_jobs "
        "WHERE task_name = 'test_send' ORDER BY id"
    )


async def test_several_accounts_ask_which_one_and_queue_it_there(h: BotHarness) -> None:
    await h.send(OWNER, "/test 1 @news_main")
    [asked] = h.session.of("sendMessage")
    assert asked["text"] == "Test #1 «Big news» to @news_main: from which account?"
    shown = buttons(asked)
    assert [label for label, _ in shown] == ["main", "second", "rehearsal · 🧪 simulated"]
    assert await tests_queued(h) == []  # nothing goes before the operator picks
    await h.press(OWNER, shown[1][1], message_id=5)
    [edit] = h.session.edits()
    assert edit["text"] == "📤 Sending #1 «Big news» to @news_main…"
    assert edit.get("reply_markup") is None  # the buttons go: a second press can't repeat it
    assert await tests_queued(h) == [{"queue_name": names.account_queue(2), "target": "news_main"}]
    [entry] = await h.rows("SELECT details FROM audit_log WHERE action = 'template.test'")
    assert entry["details"] == {"target": "news_main", "account": "second"}


async def test_saved_messages_ask_whose(h: BotHarness) -> None:
    await h.send(OWNER, "/test 1", lang="ru")
    [where] = h.session.of("sendMessage")
    [(_, to_me)] = buttons(where)
    await h.press(OWNER, to_me, message_id=5, lang="ru")
    [edit] = h.session.edits()
    assert edit["text"] == "Тест #1 «Big news» в «Избранное»: с какого аккаунта?"
    assert [label for label, _ in buttons(edit)] == ["main", "second", "rehearsal · 🧪 симуляция"]
    await h.press(OWNER, buttons(edit)[2][1], message_id=5, lang="ru")
    assert await tests_queued(h) == [{"queue_name": names.account_queue(3), "target": "me"}]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            "UPDATE accounts SET status = 'paused' WHERE id = 2",
            "Not sent: the account second is paused by an operator; resume it in /accounts.",
        ),
        (
            "UPDATE accounts SET status = 'stopped', stop_reason = 'PEER_FLOOD' WHERE id = 2",
            "Not sent: the account second is stopped. "
            "Telegram limited the account for spam (see @SpamBot).",
        ),
        (
            "UPDATE accounts SET removed_at = now() WHERE id = 2",
            "Not sent: that account no longer exists. /test asks again.",
        ),
    ],
)
async def test_a_picked_account_that_cannot_send_is_refused_without_a_job(
    h: BotHarness, change: Any, expected: str
) -> None:
    await h.send(OWNER, "/test 1 @news_main")
    [asked] = h.session.of("sendMessage")
    await h.rows(change + " RETURNING id")  # between the question and the press
    await h.press(OWNER, buttons(asked)[1][1], message_id=5)
    assert h.session.edits()[-1]["text"] == expected
    assert await tests_queued(h) == []


async def test_a_flood_waiting_account_is_marked_and_refused(h: BotHarness) -> None:
    until = datetime.now(UTC) + timedelta(minutes=10)
    async with h.pool.connection() as conn:
        await accounts.set_flood(conn, 2, until)
    await h.send(OWNER, "/test 1 @news_main")
    [asked] = h.session.of("sendMessage")
    assert buttons(asked)[1][0] == f"second · ⏳ until {until:%H:%M} UTC"
    await h.press(OWNER, buttons(asked)[1][1], message_id=5)
    assert h.session.edits()[-1]["text"] == (
        f"⏳ Not sent: the account is in a Telegram flood wait for 10 min more, "
        f"until {until:%H:%M} UTC."
    )
    assert await tests_queued(h) == []


async def test_one_active_account_is_used_without_asking(h: BotHarness) -> None:
    await h.rows("UPDATE accounts SET status = 'stopped' WHERE id <> 1 RETURNING id")
    await h.send(OWNER, "/test 1 @news_main")
    assert h.session.sent_texts() == ["📤 Sending #1 «Big news» to @news_main…"]
    assert await tests_queued(h) == [{"queue_name": names.account_queue(1), "target": "news_main"}]


async def test_viewers_and_strangers_cannot_pick(h: BotHarness) -> None:
    await h.add(VIEWER, Role.VIEWER)
    data = FromAccount(template_id=1, account_id=2, target="news_main").pack()
    await h.press(VIEWER, data, message_id=5)
    assert h.session.answers()[-1] == "You can look, but viewers can't change anything."
    await h.press(STRANGER, data, message_id=5)
    assert await tests_queued(h) == []
    assert h.session.edits() == []


async def test_a_long_name_is_cut_but_keeps_its_simulated_mark(h: BotHarness) -> None:
    await h.rows("UPDATE accounts SET name = %s WHERE name = 'rehearsal' RETURNING id", "r" * 60)
    await h.send(OWNER, "/test 1 @news_main")
    [asked] = h.session.of("sendMessage")
    assert buttons(asked)[2][0] == "r" * 23 + "… · 🧪 simulated"
