"""Wizard checks: wrong answers asked again with the reason, unusable picks, Back, old buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from predlagator.bot.campaigns.wizard.keyboards import WizardPress
from predlagator.db import batches
from predlagator.db.pool import Pool
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness
from tests.wizard_steps import (
    NOW,
    buttons,
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

RATE = "Rate must be between 0.1 and 60 posts per minute."
RETRIES = "Retries must be a whole number from 0 to 10."
FORMATS = "Send the time as HH:MM or YYYY-MM-DD HH:MM ({zone}), or press Now."


async def harness(pool: Pool, **settings: object) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, default_rate_per_minute=20.0, retry_limit=3, **settings) as h:
        h.dp["clock"] = lambda: NOW
        await material(h)
        yield h


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async for opened in harness(pool):
        yield opened


@pytest.fixture
async def berlin(pool: Pool) -> AsyncIterator[BotHarness]:
    async for opened in harness(pool, timezone="Europe/Berlin"):
        yield opened


async def asked_again(h: BotHarness, step: str, answer: str, reason: str, lang: str = "en") -> None:
    """Send a wrong answer at `step`: the reason comes before the same question; nothing moves."""
    await to_step(h, step, lang=lang)
    question = last_shown(h)
    before = (await wizard_row(h), await h.counts())
    await h.send(OWNER, answer, lang=lang)
    reply = last_shown(h)
    assert reply["text"] == f"{reason}\n\n{question['text']}"
    assert labels(reply) == labels(question)
    assert (await wizard_row(h), await h.counts()) == before


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("first line\nsecond line", "The name must be one line."),
        ("x" * 101, "The name is too long: 101 characters, at most 100."),
    ],
)
async def test_a_wrong_name(h: BotHarness, answer: str, reason: str) -> None:
    await asked_again(h, "name", answer, reason)


@pytest.mark.parametrize("answer", ["abc", "0", "0.05", "61", "60.5", "-5", "1e3", "nan", "20/min"])
async def test_a_wrong_rate(h: BotHarness, answer: str) -> None:
    await asked_again(h, "rate", answer, RATE)


async def test_a_wrong_rate_in_russian(h: BotHarness) -> None:
    await asked_again(h, "rate", "100", "Скорость должна быть от 0.1 до 60 постов в минуту.", "ru")


@pytest.mark.parametrize("answer", ["-1", "11", "1.5", "x", "3 times"])
async def test_a_wrong_retry_limit(h: BotHarness, answer: str) -> None:
    await asked_again(h, "retry", answer, RETRIES)


async def test_a_wrong_retry_limit_in_russian(h: BotHarness) -> None:
    await asked_again(h, "retry", "20", "Число повторов должно быть целым, от 0 до 10.", "ru")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("tomorrow", ""),
        ("25:00", "There is no such date or time: 25:00. "),
        ("2030-02-30 10:00", "There is no such date or time: 2030-02-30 10:00. "),
        ("2030-03-01 12:00", "2030-03-01 12:00 is in the past ({zone}). "),
        ("2031-03-05 10:00", "2031-03-05 10:00 is more than a year ahead. "),
    ],
)
async def test_a_wrong_start_time(h: BotHarness, answer: str, reason: str) -> None:
    await asked_again(h, "start", answer, (reason + FORMATS).format(zone="UTC"))


async def test_a_start_time_the_clocks_skip(berlin: BotHarness) -> None:
    # Berlin's clocks jump from 02:00 to 03:00 on 2030-03-31.
    reason = "2030-03-31 02:30 does not exist in Europe/Berlin: the clocks skip it. "
    await asked_again(
        berlin, "start", "2030-03-31 02:30", reason + FORMATS.format(zone="Europe/Berlin")
    )


async def test_a_wrong_start_time_in_russian(h: BotHarness) -> None:
    reason = (
        "2030-03-01 12:00 уже в прошлом (UTC). "
        "Пришлите время как ЧЧ:ММ или ГГГГ-ММ-ДД ЧЧ:ММ (UTC) или нажмите «Сейчас»."
    )
    await asked_again(h, "start", "2030-03-01 12:00", reason, "ru")


async def test_a_comma_decimal_rate_is_taken(h: BotHarness) -> None:
    await to_step(h, "rate")
    await h.send(OWNER, "0,5")
    row = await wizard_row(h)
    assert row is not None and (row["state"], row["data"]["rate"]) == ("NewCampaign:retry", 0.5)


async def test_batches_that_cannot_carry_a_campaign_are_refused_at_the_pick(h: BotHarness) -> None:
    async with h.pool.connection() as conn:
        await batches.create(conn, "Empty", [], created_by=OWNER)
        await batches.create(conn, "Dead", ["dead_one", "dead_two"], created_by=OWNER)
        await batches.create(conn, "Half", ["dead_one", "live_one"], created_by=OWNER)
        await conn.execute("UPDATE channels SET active = false WHERE ref LIKE 'dead%%'")
    await to_step(h, "batch")
    assert labels(last_shown(h))[:4] == [
        ["#4 Half (1/2)"],
        ["#3 Dead (0/2)"],
        ["#2 Empty (0)"],
        ["#1 Shops (3)"],
    ]
    before = await wizard_row(h)
    await press(h, "#2 Empty (0)")
    assert last_answer(h) == {
        "callback_query_id": last_answer(h)["callback_query_id"],
        "text": "Batch «Empty» has no channels. Pick another.",
        "show_alert": True,
    }
    await press(h, "#3 Dead (0/2)", lang="ru")
    assert last_answer(h)["text"] == (
        "В пакете «Dead» нет активных каналов (отключено: 2). Выберите другой."
    )
    assert await wizard_row(h) == before
    assert h.session.edits() == []

    await press(h, "#4 Half (1/2)")
    await press(h, "#1 Big sale")
    await h.send(OWNER, "20")
    await h.send(OWNER, "3")
    await press(h, "▶️ Now")
    assert "\nBatch: «Half», 2 channels, 1 active\n" in text(h)
    assert "\nPace: 20/min, about 3 s\n" in text(h)


async def test_batches_come_a_page_at_a_time(h: BotHarness) -> None:
    async with h.pool.connection() as conn:
        for n in range(2, 11):
            await batches.create(conn, f"List {n}", [f"chan_{n:04d}"], created_by=OWNER)
    await to_step(h, "batch")
    first = labels(last_shown(h))
    assert first[:8] == [[f"#{n} List {n} (1)"] for n in range(10, 2, -1)]
    assert first[8:] == [["Next ▶️"], ["⬅️ Back", "✖️ Cancel"]]
    await press(h, "Next ▶️")
    assert labels(last_shown(h)) == [
        ["#2 List 2 (1)"],
        ["#1 Shops (3)"],
        ["◀️ Prev"],
        ["⬅️ Back", "✖️ Cancel"],
    ]
    await press(h, "◀️ Prev", lang="ru")
    assert labels(last_shown(h))[8] == ["Следующие ▶️"]
    row = await wizard_row(h)
    assert row is not None and row["state"] == "NewCampaign:batch"


@pytest.mark.parametrize(
    ("step", "back_to", "question", "ticked"),
    [
        ("batch", "name", "<b>New campaign</b>", ["Keep «Spring sale»"]),
        ("template", "batch", "Campaign «Spring sale». Pick", ["✓ #1 Shops (3)"]),
        ("rate", "template", "Now pick the post", ["✓ #1 Big sale"]),  # no account step
        ("retry", "rate", "How fast?", ["5", "✓ 10", "20", "30"]),
        ("start", "retry", "How many times", ["0", "1", "✓ 2", "3", "5"]),
        ("confirm", "start", "When to start?", ["▶️ Now", "🔁 Repeat…"]),
    ],
)
async def test_back_keeps_the_answers(
    h: BotHarness, step: str, back_to: str, question: str, ticked: list[str]
) -> None:
    await to_step(h, "confirm")
    await press(h, "⬅️ Back")  # walk back from the summary to `step`, then once more
    for _ in range(["confirm", "start", "retry", "rate", "template", "batch"].index(step)):
        await press(h, "⬅️ Back")
    assert text(h).startswith(question)
    assert labels(last_shown(h))[0] == ticked
    row = await wizard_row(h)
    assert row is not None and row["state"] == f"NewCampaign:{back_to}"
    assert (row["data"]["name"], row["data"]["rate"], row["data"]["retry_limit"]) == (
        "Spring sale",
        10,
        2,
    )


async def test_keep_the_name_after_back(h: BotHarness) -> None:
    await to_step(h, "batch")
    await press(h, "⬅️ Back")
    await press(h, "Keep «Spring sale»")
    assert text(h) == "Campaign «Spring sale». Pick the channels (batch):"


async def test_old_and_forged_presses_change_nothing(h: BotHarness) -> None:
    await to_step(h, "retry")
    rate_30 = press_of(h, "30")
    token = rate_30.token
    before = (await wizard_row(h), await h.counts())
    forged = {
        rate_30.pack(): "That step is done: use the latest message.",
        WizardPress(token="0000", step="retry", action="value", value="1").pack(): (
            "This wizard is over. /new_campaign starts a new one."
        ),
        WizardPress(token=token, step="retry", action="explode").pack(): (
            "This button is no longer valid"
        ),
        WizardPress(token=token, step="retry", action="page", value="8").pack(): (
            "This button is no longer valid"
        ),
        WizardPress(token=token, step="retry", action="pick", value="1").pack(): (
            "This button is no longer valid"
        ),
        WizardPress(token=token, step="retry", action="value", value="99").pack(): RETRIES,
        WizardPress(token=token, step="retry", action="confirm").pack(): (
            "This button is no longer valid"
        ),
        f"wz:{token}:retry": "This button is no longer valid",
    }
    h.session.reset()
    for data, answer in forged.items():
        await press_data(h, data)
        assert last_answer(h).get("text") == answer, data
    assert h.session.edits() == []
    assert (await wizard_row(h), await h.counts()) == before


async def test_forged_picks_and_times(h: BotHarness) -> None:
    await to_step(h, "batch")
    token = press_of(h, "#1 Shops (3)").token
    await press_data(h, WizardPress(token=token, step="batch", action="pick", value="999"))
    assert last_answer(h)["text"] == "That batch no longer exists. Pick another."
    await press_data(h, WizardPress(token=token, step="batch", action="pick", value="-1"))
    assert last_answer(h)["text"] == "This button is no longer valid"
    await press(h, "#1 Shops (3)")
    await press_data(h, WizardPress(token=token, step="template", action="pick", value="42"))
    assert last_answer(h)["text"] == "That template no longer exists. Pick another."
    await press(h, "#1 Big sale")
    await h.send(OWNER, "10")
    await h.send(OWNER, "2")
    before = await wizard_row(h)
    an_hour_ago = int((NOW - timedelta(hours=1)).timestamp()) // 60
    await press_data(
        h, WizardPress(token=token, step="start", action="value", value=f"{an_hour_ago}")
    )
    assert last_answer(h)["text"] == (
        "2030-03-01 11:30 is in the past (UTC). "
        "Send the time as HH:MM or YYYY-MM-DD HH:MM (UTC), or press Now."
    )
    for value in ("999999999999999999", "99999999999", "soon"):
        await press_data(h, WizardPress(token=token, step="start", action="value", value=value))
        assert last_answer(h)["text"] == "This button is no longer valid"
    assert await wizard_row(h) == before


async def test_confirm_after_the_batch_went_away_goes_back_to_the_batch(h: BotHarness) -> None:
    await to_step(h, "confirm")
    confirm = press_of(h, "✅ Confirm")
    await h.rows("DELETE FROM batches WHERE id = 1 RETURNING id")
    await press_data(h, confirm)
    assert last_answer(h)["text"] == "That batch no longer exists. Pick another."
    # It was the only one: the step says how to make one (the wizard waits there).
    assert text(h) == "No batches yet. Send a list of channels to make one."
    assert labels(last_shown(h)) == [["⬅️ Back", "✖️ Cancel"]]
    row = await wizard_row(h)
    assert row is not None and row["state"] == "NewCampaign:batch"
    assert await h.rows("SELECT id FROM campaigns") == []


async def test_a_deleted_batch_is_neither_offered_nor_confirmed(h: BotHarness) -> None:
    await h.send(OWNER, "name: Cafes\n@alpha_cafe\n@beta_cafe")
    await to_step(h, "confirm")
    confirm = press_of(h, "✅ Confirm")
    await h.rows("UPDATE batches SET archived_at = now() WHERE id = 1 RETURNING id")
    await press_data(h, confirm)
    assert last_answer(h)["text"] == "That batch no longer exists. Pick another."
    assert [label for label, _ in buttons(last_shown(h))][:1] == ["#2 Cafes (2)"]
    assert await h.rows("SELECT id FROM campaigns") == []


async def test_a_deleted_template_can_be_neither_picked_nor_confirmed(h: BotHarness) -> None:
    await to_step(h, "confirm")
    confirm = press_of(h, "✅ Confirm")
    await h.rows("UPDATE templates SET archived_at = now() WHERE id = 1 RETURNING id")
    await press_data(h, confirm)
    assert last_answer(h)["text"] == "That template no longer exists. Pick another."
    row = await wizard_row(h)
    assert row is not None and row["state"] == "NewCampaign:template"
    await press_data(h, WizardPress(token=confirm.token, step="template", action="pick", value="1"))
    assert last_answer(h)["text"] == "That template no longer exists. Pick another."
    assert await h.rows("SELECT id FROM campaigns") == []


async def test_confirm_after_the_start_time_passed_asks_for_it_again(h: BotHarness) -> None:
    await to_step(h, "start")
    await h.send(OWNER, "13:00")
    confirm = press_of(h, "✅ Confirm")
    h.dp["clock"] = lambda: NOW + timedelta(minutes=31)
    await press_data(h, confirm)
    assert (
        last_answer(h)["text"] == "2030-03-01 13:00 UTC has already passed. Choose the start again."
    )
    assert text(h).startswith("When to start?")
    assert await h.rows("SELECT id FROM campaigns") == []
    assert await h.jobs() == []
