"""The ledger keeps up with the sends, so the progress card is never more than a moment behind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, DeliveryStatus
from predlagator.queue import names
from tests.rig import RecordedSleep, Rig, delivery_rig

# No post waits for its record while the drain waits this long for a slot; the card's refresh
# comes at most this long after a record: together well inside the card's three seconds.
RECORD_WITHIN_S = 0.25
REFRESH_WITHIN_S = 1.0


@pytest.fixture
async def rig(pool: Pool) -> AsyncIterator[Rig]:
    """The delivery rig on a virtual clock: only sleeps move it, so timings here are exact."""
    async with delivery_rig(pool, virtual_time=True) as opened:
        yield opened


async def refresh_due_in(rig: Rig) -> list[float]:
    """Seconds until each waiting card refresh runs."""
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT coalesce(extract(epoch FROM scheduled_at - now()), 0)::float8 AS s "
            "FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo'",
            (names.REFRESH_PROGRESS,),
        )
        return [row["s"] for row in await cur.fetchall()]


async def test_each_post_is_recorded_before_the_drain_waits_and_a_refresh_follows(
    rig: Rig,
) -> None:
    campaign = await rig.campaign(6, rate=24.0)  # a post every 2.5 s
    behind: list[int] = []
    refreshes: list[list[float]] = []

    async def sleep_and_look(seconds: float) -> None:
        if seconds >= RECORD_WITHIN_S and rig.telegram.sent:
            ledger = await rig.ledger(campaign)
            recorded = sum(d.status is DeliveryStatus.SENT for d in ledger)
            behind.append(len(rig.telegram.sent) - recorded)
            refreshes.append(await refresh_due_in(rig))
        await RecordedSleep.__call__(rig.sleep, seconds)

    rig.deps.sleep = sleep_and_look
    await rig.start(campaign)
    await rig.work()

    assert len(rig.telegram.sent) == 6
    assert behind and set(behind) == {0}, behind
    # A redraw is on its way for what was recorded, and it comes within a second.
    assert all(due and max(due) <= REFRESH_WITHIN_S + 0.1 for due in refreshes), refreshes


async def test_the_post_in_flight_at_a_pause_is_the_last_one_counted(rig: Rig) -> None:
    campaign = await rig.campaign(30, rate=600.0)

    async def pause_at_tenth(request: Any) -> None:
        if len(rig.telegram.sent) == 10:
            async with rig.pool.connection() as conn:
                await campaigns.transition(conn, campaign.id, CampaignStatus.PAUSED)

    rig.telegram.on_send = pause_at_tenth
    await rig.start(campaign)
    await rig.work()
    statuses = [d.status for d in await rig.ledger(campaign)]
    assert statuses == [DeliveryStatus.SENT] * 10 + [DeliveryStatus.QUEUED] * 20
    assert await refresh_due_in(rig)  # the card is redrawn with the post that was on its way
