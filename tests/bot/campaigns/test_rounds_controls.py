"""Pause, Resume and Cancel of a recurring campaign between its rounds, through the real
Dispatcher: Resume before the next round's time waits for it, after it starts the round at once
and says so; Cancel ends it with its report; viewers and strangers change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from predlagator import recurrence
from predlagator.bot.campaigns.keyboards import CampaignAction, CancelAnswer
from predlagator.db import campaigns, deliveries, rounds
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus, Role
from predlagator.queue import names
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER, STRANGER, VIEWER, BotHarness, bot_harness

S = CampaignStatus
CARD = 700
NEXT = datetime(2030, 3, 5, 6, 5, tzinfo=UTC)  # 09:05 in Moscow
RULE = recurrence.Rule(kind=recurrence.Kind.DAYS, every=1, rounds=5)


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, timezone="Europe/Moscow") as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def between_rounds(h: BotHarness, next_at: datetime = NEXT) -> Campaign:
    """Round 1 sent, round 2 due at `next_at`: as the worker leaves it."""
    made = await make_campaign(h.pool, ["alpha_shop", "beta_shop"], name="Daily", chat_id=OWNER)
    async with h.pool.connection() as conn:
        await rounds.set_rule(conn, made.id, RULE)
        await deliveries.snapshot(conn, made.id)
        await conn.execute("UPDATE deliveries SET status = 'sent', sent_at = now()")
        await conn.execute(
            "UPDATE campaigns SET status = 'scheduled', started_at = now(), next_round_at = %s",
            (next_at,),
        )
        await campaigns.set_card(conn, made.id, OWNER, CARD)
        found = await campaigns.get(conn, made.id)
    assert found is not None
    return found


async def fresh(h: BotHarness) -> Campaign:
    async with h.pool.connection() as conn:
        found = await campaigns.get(conn, 1)
    assert found is not None
    return found


async def test_paused_and_resumed_before_the_next_round_it_waits_for_it(h: BotHarness) -> None:
    await between_rounds(h)
    await h.send(OWNER, "/pause 1")
    assert (await fresh(h)).status is S.PAUSED
    h.session.reset()
    await h.send(OWNER, "/resume 1")
    assert (await fresh(h)).status is S.SCHEDULED
    assert h.session.sent_texts() == [
        "Campaign #1 resumed: round 2 starts at 2030-03-05 09:05 Europe/Moscow."
    ]
    [edit] = h.session.edits()
    assert edit["text"].splitlines()[1:3] == [
        "🕒 Waiting for the next round",
        "🔁 Round 1 of 5 · next Tue 03-05 09:05",
    ]
    # Nothing new to start: the round's own job waits for its time (the worker deferred it).
    assert all(j["task_name"] != names.START_ROUND for j in await h.jobs())


async def test_resumed_after_the_next_rounds_time_it_starts_it_now(h: BotHarness) -> None:
    due = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    await between_rounds(h, due)
    await h.press(OWNER, CampaignAction(id=1, action="pause").pack(), CARD)
    h.session.reset()
    await h.send(OWNER, "/resume 1", lang="ru")
    at = due.astimezone(h.settings.zone).strftime("%Y-%m-%d %H:%M")
    assert h.session.sent_texts() == [
        f"Кампания #1 продолжена. Раунд 2 должен был начаться в {at} Europe/Moscow, "
        "поэтому он начинается сейчас."
    ]
    starts = [j for j in await h.jobs() if j["task_name"] == names.START_ROUND]
    assert [(j["args"], j["status"]) for j in starts] == [({"campaign_id": 1}, "todo")]


async def test_cancelled_between_rounds_it_ends_and_reports(h: BotHarness) -> None:
    await between_rounds(h)
    await h.press(OWNER, CampaignAction(id=1, action="cancel").pack(), CARD)
    await h.press(OWNER, CancelAnswer(id=1, sure=True).pack(), CARD)
    ended = await fresh(h)
    assert (ended.status, ended.round) == (S.CANCELLED, 1) and ended.finished_at is not None
    assert names.CAMPAIGN_FINISHED in [j["task_name"] for j in await h.jobs()]


async def test_viewers_and_strangers_change_nothing_between_rounds(h: BotHarness) -> None:
    await between_rounds(h)
    before = await h.counts()
    for action in ("pause", "cancel"):
        await h.press(VIEWER, CampaignAction(id=1, action=action).pack(), CARD)
        await h.press(STRANGER, CampaignAction(id=1, action=action).pack(), CARD)
    viewer = "You can look, but viewers can't change anything."
    assert h.session.answers() == [viewer, None] * 2  # a stranger's press is answered silently
    assert await h.counts() == before
    assert (await fresh(h)).status is S.SCHEDULED


async def test_campaigns_lists_the_round_and_the_next_run(h: BotHarness) -> None:
    await between_rounds(h)
    await h.send(VIEWER, "/campaigns")
    [listing] = h.session.sent_texts()
    assert listing.splitlines()[1] == (
        "#1 Daily: 🕒 Waiting for the next round · 🔁 Round 1 of 5 · next Tue 03-05 09:05"
    )
