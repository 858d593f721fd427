"""/new_campaign's Repeat branch: every N hours, or weekdays at a time, until a count or a day;
typed values refused in words; the rule stored with the campaign; Back through the branch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from predlagator import recurrence
from predlagator.bot.campaigns.wizard.keyboards import WizardPress
from predlagator.db.pool import Pool
from predlagator.models import Role
from predlagator.queue import names
from tests.fakes.bot_api import OWNER, STRANGER, VIEWER, BotHarness, bot_harness
from tests.wizard_steps import (
    NOW,
    PRESSED,
    last_answer,
    material,
    press,
    press_data,
    press_of,
    text,
    to_step,
    wizard_row,
)


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(
        pool, default_rate_per_minute=20.0, retry_limit=3, timezone="Europe/Moscow"
    ) as opened:
        opened.dp["clock"] = lambda: NOW
        await material(opened)
        yield opened


async def stored_rule(h: BotHarness) -> recurrence.Rule | None:
    [row] = await h.rows("SELECT repeat FROM campaigns")
    return recurrence.from_json(row["repeat"])


async def test_every_six_hours_for_ten_rounds_deleting_the_previous_post(h: BotHarness) -> None:
    await to_step(h, "start")
    await press(h, "🔁 Repeat…")
    assert text(h).startswith("Repeat the campaign in rounds?")
    await press(h, "Every N hours")
    await h.send(OWNER, "zero")
    assert text(h).startswith("Send a whole number, like 6.\n\nEvery how many hours?")
    await h.send(OWNER, "500")
    assert text(h).startswith("That is out of range. Send a number from 1 to 168.")
    await h.send(OWNER, "6")
    assert text(h).startswith("How many rounds in all")
    await h.send(OWNER, "1")
    assert text(h).startswith("Send a number of rounds from 2 to 1000.")
    await h.send(OWNER, "10")
    await press(h, "🗑 Yes, delete it")
    assert text(h).endswith(
        "\nStart: now\nRepeat: every 6 hours · 10 rounds · the previous post is deleted first"
    )
    await press(h, "✅ Confirm")
    assert text(h) == "Campaign #1 «Spring sale» created and starting."
    assert await stored_rule(h) == recurrence.Rule(
        kind=recurrence.Kind.HOURS, every=6, rounds=10, delete_previous=True
    )
    actions = [r["action"] for r in await h.rows("SELECT action FROM audit_log ORDER BY id")]
    assert "campaign.repeat" in actions


async def test_weekdays_at_a_time_until_a_day_starts_on_the_first_of_them(h: BotHarness) -> None:
    await to_step(h, "start")
    await press(h, "🔁 Repeat…")
    await press(h, "On weekdays at a time")
    await press(h, "➡️ Done")
    assert last_answer(h)["text"] == "Tick at least one day."
    await press(h, "⬜ Mon")
    await press(h, "⬜ Thu")
    await press(h, "➡️ Done")
    assert text(h) == "At what time (Europe/Moscow)? Send it as HH:MM."
    await h.send(OWNER, "25:00")
    assert text(h).startswith("There is no such time of day.")
    await h.send(OWNER, "9:30")
    await h.send(OWNER, "2030-02-01")
    assert text(h).startswith("That day has already passed.")
    await h.send(OWNER, "2030-03-31")
    await press(h, "Keep it")
    assert text(h).endswith("\nRepeat: on Mon, Thu at 09:30 · until 2030-03-31")
    await press(h, "✅ Confirm")
    # 2030-03-01 is a Friday: the first round is Monday 09:30 in Moscow.
    first = datetime(2030, 3, 4, 6, 30, tzinfo=UTC)
    assert text(h).startswith("Campaign #1 «Spring sale» is scheduled for 2030-03-04 09:30")
    [job] = await h.jobs()
    assert (job["task_name"], job["scheduled_at"]) == (names.LAUNCH_CAMPAIGN, first)
    rule = await stored_rule(h)
    assert rule is not None and rule.weekdays == (0, 3) and not rule.delete_previous


async def test_back_through_the_branch_and_send_once_clears_it(h: BotHarness) -> None:
    await to_step(h, "start")
    await press(h, "🔁 Repeat…")
    await press(h, "Every N days")
    await press(h, "2")
    await press(h, "5")
    await press(h, "Keep it")
    assert text(h).endswith("\nRepeat: every 2 days · 5 rounds")
    await press(h, "⬅️ Back")
    assert text(h).startswith("Delete the previous round's post")
    await press(h, "⬅️ Back")
    await press(h, "⬅️ Back")
    await press(h, "⬅️ Back")
    assert text(h).startswith("Repeat the campaign in rounds?")
    await press(h, "Send once")
    assert "Repeat:" not in text(h)
    await press(h, "✅ Confirm")
    assert await stored_rule(h) is None


async def test_viewers_strangers_and_forged_repeat_presses_change_nothing(h: BotHarness) -> None:
    await h.add(VIEWER, Role.VIEWER)
    await to_step(h, "start")
    repeat = press_of(h, "🔁 Repeat…")
    before = await wizard_row(h)
    await h.press(VIEWER, repeat.pack(), message_id=PRESSED)
    assert last_answer(h)["text"] == "You can look, but viewers can't change anything."
    await h.press(STRANGER, repeat.pack(), message_id=PRESSED)
    assert last_answer(h).get("text") is None  # a silent answer
    assert await wizard_row(h) == before

    await press(h, "🔁 Repeat…")
    kind = press_of(h, "Every N hours")
    during = await wizard_row(h)
    await h.press(VIEWER, kind.pack(), message_id=PRESSED)
    await h.press(STRANGER, kind.pack(), message_id=PRESSED)
    assert await wizard_row(h) == during
    for value in ("monthly", "d9", ""):
        forged = WizardPress(token=kind.token, step="repeat", action="value", value=value)
        await press_data(h, forged)
        assert last_answer(h)["text"] == "This button is no longer valid"
    await press(h, "On weekdays at a time")
    forged = WizardPress(token=kind.token, step="repeat_days", action="value", value="d7")
    await press_data(h, forged)
    assert last_answer(h)["text"] == "This button is no longer valid"
    await press_data(h, kind)  # the kind step is done
    assert last_answer(h)["text"] == "That step is done: use the latest message."
    assert await h.rows("SELECT id FROM campaigns") == []
