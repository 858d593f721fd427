"""/new_campaign through the real Dispatcher: every step, its checks, Back, Cancel, Confirm."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus
from tests.fakes.bot_api import BotHarness, bot_harness
from tests.wizard_steps import NOW, labels, last_shown, material, press, text, to_step

S = CampaignStatus


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, default_rate_per_minute=20.0, retry_limit=3) as harness:
        harness.dp["clock"] = lambda: NOW
        await material(harness)
        yield harness


async def test_happy_path_start_now(h: BotHarness) -> None:
    await to_step(h, "confirm")
    print(h.session.calls)
    print(text(h), labels(last_shown(h)))
    await press(h, "✅ Confirm")
    print(h.session.calls[-4:])
    async with h.pool.connection() as conn:
        campaign = await campaigns.get(conn, 1)
    assert campaign is not None
    assert campaign.status is S.SCHEDULED
    print(await h.jobs())
