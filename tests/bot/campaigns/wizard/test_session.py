"""The wizard in a conversation: restarts, commands and other dialogs mid-way, accounts, roles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import StorageKey

from predlagator.bot.fsm_storage import PostgresStorage
from predlagator.db import accounts
from predlagator.db.pool import Pool, open_pool
from predlagator.models import Role
from tests.fakes.bot_api import BOT_ID, OPERATOR, OWNER, VIEWER, BotHarness, bot_harness
from tests.wizard_steps import (
    NOW,
    PRESSED,
    labels,
    last_answer,
    last_shown,
    material,
    press,
    press_data,
    press_of,
    text,
    to_step,
    wizard_row,
)

SETTINGS = {"default_rate_per_minute": 20.0, "retry_limit": 3}


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, **SETTINGS) as harness:
        harness.dp["clock"] = lambda: NOW
        await material(harness)
        yield harness


async def test_a_restart_half_way_continues_at_the_same_step(pool: Pool, db_url: str) -> None:
    async with bot_harness(pool, **SETTINGS) as before:
        before.dp["clock"] = lambda: NOW
        await material(before)
        await to_step(before, "template")
        template = press_of(before, "#1 Big sale")
        row = await wizard_row(before)
    # A new process: its own pool, Dispatcher, storage and bot, on the same database.
    restarted = await open_pool(db_url, min_size=1, max_size=4)
    try:
        async with bot_harness(restarted, **SETTINGS) as after:
            after.dp["clock"] = lambda: NOW
            assert await wizard_row(after) == row
            await press_data(after, template)
            assert last_shown(after)["message_id"] == PRESSED
            assert text(after).startswith("How fast?")
            await after.send(OWNER, "10")
            await after.send(OWNER, "2")
            await press(after, "▶️ Now")
            await press(after, "✅ Confirm")
            [campaign] = await after.rows("SELECT name, batch_id, template_id FROM campaigns")
            assert campaign == {"name": "Spring sale", "batch_id": 1, "template_id": 1}
    finally:
        await restarted.close()


async def test_new_campaign_again_asks_to_continue_or_start_over(h: BotHarness) -> None:
    await to_step(h, "rate")
    old_rate = press_of(h, "30")
    before = await wizard_row(h)
    await h.send(OWNER, "/new_campaign")
    assert text(h) == "Campaign «Spring sale» is being prepared. Continue it, or start over?"
    assert labels(last_shown(h)) == [["▶️ Continue", "🔄 Start over"]]
    assert await wizard_row(h) == before
    await press(h, "▶️ Continue")
    assert text(h).startswith("How fast?")
    assert await wizard_row(h) == before

    await h.send(OWNER, "/new_campaign", lang="ru")
    assert text(h) == "Кампания «Spring sale» ещё готовится. Продолжить её или начать заново?"
    assert labels(last_shown(h)) == [["▶️ Продолжить", "🔄 Начать заново"]]
    await press(h, "🔄 Начать заново", lang="ru")
    assert text(h).startswith("<b>Новая кампания</b>")
    row = await wizard_row(h)
    assert row is not None and row["state"] == "NewCampaign:name"
    assert row["data"]["name"] is None and row["data"]["token"] != old_rate.token
    await press_data(h, old_rate)  # the first run's buttons are over
    assert last_answer(h)["text"] == "This wizard is over. /new_campaign starts a new one."
    await h.send(OWNER, "/new_campaign")
    assert text(h) == "A campaign is already being prepared. Continue it, or start over?"


async def test_a_command_mid_way_runs_and_the_wizard_keeps_its_step(h: BotHarness) -> None:
    await to_step(h, "rate")
    before = await wizard_row(h)
    await h.send(OWNER, "/batches")
    assert text(h).startswith("<b>Batches</b>")
    await h.send(OWNER, "/campaigns")
    assert text(h) == "No campaigns yet. /new_campaign prepares one."
    assert await wizard_row(h) == before
    await h.send(OWNER, "10")
    assert text(h).startswith("How many times to retry")


async def test_another_dialog_mid_way_gets_its_answers_first(h: BotHarness) -> None:
    await to_step(h, "name")
    before = await wizard_row(h)
    other = StorageKey(bot_id=BOT_ID, chat_id=OWNER, user_id=OWNER)  # e.g. a rename in progress
    await PostgresStorage(h.pool).set_state(other, "Rename:name")
    await h.send(OWNER, "Fresh name")
    assert await wizard_row(h) == before
    await PostgresStorage(h.pool).set_state(other, None)
    await h.send(OWNER, "Spring sale")
    assert text(h) == "Campaign «Spring sale». Pick the channels (batch):"


async def test_each_operator_has_a_wizard_of_their_own(h: BotHarness) -> None:
    await h.add(OPERATOR, Role.OPERATOR)
    await to_step(h, "rate")
    owners = await wizard_row(h)
    await h.send(OPERATOR, "/new_campaign")
    assert text(h).startswith("<b>New campaign</b>")
    rows = await h.rows("SELECT user_id, state FROM fsm_states ORDER BY user_id")
    assert rows == [
        {"user_id": OWNER, "state": "NewCampaign:rate"},
        {"user_id": OPERATOR, "state": "NewCampaign:name"},
    ]
    assert owners is not None and owners["state"] == "NewCampaign:rate"


async def test_a_viewer_cannot_start_or_drive_the_wizard(h: BotHarness) -> None:
    await h.add(VIEWER, Role.VIEWER)
    await h.send(VIEWER, "/new_campaign")
    assert h.session.sent_texts() == ["You can look, but viewers can't change anything."]
    assert await h.rows("SELECT * FROM fsm_states") == []

    # An operator made a viewer half-way can neither answer nor confirm.
    await h.add(OPERATOR, Role.OPERATOR)
    await h.send(OPERATOR, "/new_campaign")
    await h.send(OPERATOR, "Spring sale")
    await h.press(OPERATOR, press_of(h, "#1 Shops (3)").pack(), message_id=PRESSED)
    await h.add(OPERATOR, Role.VIEWER)
    before = await h.rows("SELECT state, data FROM fsm_states")
    await h.press(OPERATOR, press_of(h, "#1 Big sale").pack(), message_id=PRESSED)
    assert last_answer(h)["text"] == "You can look, but viewers can't change anything."
    await h.send(OPERATOR, "10")
    assert text(h) == "You can look, but viewers can't change anything."
    assert await h.rows("SELECT state, data FROM fsm_states") == before


async def test_the_account_is_asked_only_when_there_is_a_choice(h: BotHarness) -> None:
    async with h.pool.connection() as conn:
        main = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 20.0)
        spare = await accounts.ensure(conn, "spare", 5.0)
        await accounts.stop(conn, spare.id, "AUTH_KEY_UNREGISTERED")
    await to_step(h, "account")
    assert text(h).startswith("How fast?")  # one active account: taken without asking
    row = await wizard_row(h)
    assert row is not None and row["data"]["account_id"] == main.id

    await h.rows("UPDATE accounts SET status = 'active' WHERE id = %s RETURNING id", spare.id)
    await press(h, "⬅️ Back")
    await press(h, "#1 Big sale", lang="ru")
    assert text(h) == (
        "С каких аккаунтов отправлять посты? Нажмите на аккаунт, чтобы отметить его или снять "
        "отметку, затем «Готово».\nВыбрано: 1 из 2, вместе 20 в минуту."
    )
    assert labels(last_shown(h)) == [
        ["☑️ main · 20 в минуту"],  # the one taken before, when there was no choice
        ["⬜ spare · 5 в минуту"],
        ["➡️ Готово"],
        ["⬅️ Назад", "✖️ Отмена"],
    ]
    await press(h, "☑️ main · 20 в минуту", lang="ru")
    await press(h, "⬜ spare · 5 в минуту", lang="ru")
    assert labels(last_shown(h))[:2] == [["⬜ main · 20 в минуту"], ["☑️ spare · 5 в минуту"]]
    await press(h, "➡️ Готово", lang="ru")
    assert text(h) == (
        "С какой скоростью? Пришлите число постов в минуту, от 0.1 до 60 (по умолчанию 5)."
    )
    await press(h, "⬅️ Назад", lang="ru")
    assert labels(last_shown(h))[1] == ["☑️ spare · 5 в минуту"]
    await press(h, "➡️ Готово")
    await h.send(OWNER, "10")
    await h.send(OWNER, "2")
    await press(h, "▶️ Now")
    assert "\nAccount: spare\nPace: 10/min, about 36 s\n(the account sends at most 5/min)\n" in (
        text(h)
    )
    await press(h, "⬅️ Back")
    await press(h, "⬅️ Back")
    await press(h, "⬅️ Back")
    await press(h, "⬅️ Back")
    assert text(h).startswith("Which accounts send the posts?")  # Back returns to the step


async def test_an_account_stopped_before_confirm_is_chosen_again(h: BotHarness) -> None:
    async with h.pool.connection() as conn:
        await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 20.0)
        spare = await accounts.ensure(conn, "spare", 30.0)
    await to_step(h, "account")
    await press(h, "☑️ main · 20/min")
    await press(h, "➡️ Done")
    await h.send(OWNER, "10")
    await h.send(OWNER, "2")
    await press(h, "▶️ Now")
    async with h.pool.connection() as conn:
        await accounts.stop(conn, spare.id, "SESSION_REVOKED")
    await press(h, "✅ Confirm")
    assert last_answer(h)["text"] == "That account can't send any more. Choose again."
    assert text(h).startswith("How fast?")  # only one account can send: it is taken
    assert await h.rows("SELECT id FROM campaigns") == []
