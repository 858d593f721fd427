"""Campaigns: the /new_campaign button flow and /campaigns (controls: test_bot_controls.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from predlagator.bot.keyboards import PickBatch, PickTemplate
from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness

S = CampaignStatus


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, default_rate_per_minute=2.0, retry_limit=4) as harness:
        yield harness


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback data) of every inline button in a recorded call."""
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def draft(h: BotHarness) -> Campaign:
    """Make a batch of 3 channels and a template by messages, then a draft by buttons."""
    await h.send(OWNER, "name: Shops\n@alpha_shop\n@beta_shop\n@gamma_shop")
    await h.send(OWNER, "Big sale")
    await h.press(OWNER, PickTemplate(batch_id=1, template_id=1).pack(), message_id=50)
    async with h.pool.connection() as conn:
        campaign = await campaigns.get(conn, 1)
    assert campaign is not None
    h.session.reset()
    return campaign


async def test_new_campaign_needs_a_batch_and_a_template(h: BotHarness) -> None:
    await h.send(OWNER, "/new_campaign")
    await h.send(OWNER, "@alpha_shop\n@beta_shop")
    await h.send(OWNER, "/new_campaign")
    assert h.session.sent_texts()[0] == "First send a list of channels: a campaign needs a batch."
    assert h.session.sent_texts()[2] == "First send the post: a campaign needs a template."


async def test_button_flow_creates_a_draft(h: BotHarness) -> None:
    await h.send(OWNER, "name: Shops\n@alpha_shop\n@beta_shop\n@gamma_shop")
    await h.send(OWNER, "Big sale")
    h.session.reset()
    await h.send(OWNER, "/new_campaign")
    [offer] = h.session.of("sendMessage")
    assert offer["text"] == "Pick the channels (batch):"
    assert buttons(offer) == [("#1 Shops (3)", PickBatch(batch_id=1).pack())]

    await h.press(OWNER, PickBatch(batch_id=1).pack(), message_id=7)
    [templates_offer] = h.session.edits()
    assert templates_offer["message_id"] == 7
    assert templates_offer["text"] == "Batch «Shops». Now pick the post (template):"
    assert buttons(templates_offer) == [("#1 Big sale", "nt:1:1")]

    await h.press(OWNER, "nt:1:1", message_id=7)
    summary = h.session.edits()[1]
    assert summary["text"] == (
        "Campaign #1 «Shops · Big sale» is ready.\n3 channels at 2/min, about 2 min.\n\n"
        "Start: /start_campaign 1"
    )
    assert buttons(summary) == [("▶️ Start", "c:1:start")]
    assert h.session.answers() == [None, None]
    async with h.pool.connection() as conn:
        campaign = await campaigns.get(conn, 1)
    assert campaign is not None
    assert campaign.model_dump(
        include={"status", "rate_per_minute", "retry_limit", "chat_id", "language", "created_by"}
    ) == {
        "status": S.DRAFT,
        "rate_per_minute": 2.0,
        "retry_limit": 4,
        "chat_id": OWNER,
        "language": "en",
        "created_by": OWNER,
    }
    [account] = await h.rows("SELECT id, name FROM accounts")
    assert account == {"id": campaign.account_id, "name": "main"}
    assert (await h.rows("SELECT action FROM audit_log ORDER BY id"))[-1] == {
        "action": "campaign.create"
    }


async def test_pick_of_a_missing_batch_or_template(h: BotHarness) -> None:
    await h.press(OWNER, PickBatch(batch_id=42).pack())
    await h.press(OWNER, PickTemplate(batch_id=42, template_id=1).pack())
    gone = "That batch or template no longer exists. Try /new_campaign again."
    assert h.session.answers() == [gone, gone]
    assert await h.rows("SELECT id FROM campaigns") == []


async def test_campaigns_command(h: BotHarness) -> None:
    await h.send(OWNER, "/campaigns")
    await draft(h)
    await h.send(OWNER, "/campaigns", lang="ru")
    assert h.session.sent_texts() == ["<b>Кампании</b>\n#1 Shops · Big sale: 📝 Черновик"]
