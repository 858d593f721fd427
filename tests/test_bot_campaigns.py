"""Campaigns: /start_campaign, Pause and Resume on the card (the wizard: test_bot_wizard.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from predlagator.bot.keyboards import CampaignAction
from predlagator.db import accounts, campaigns
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus, Role
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness

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
    """Make a batch of 3 channels and a template by messages, then a draft campaign of them."""
    await h.send(OWNER, "name: Shops\n@alpha_shop\n@beta_shop\n@gamma_shop")
    await h.send(OWNER, "Big sale")
    async with h.pool.connection() as conn:
        account = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 2.0)
        campaign = await campaigns.create(
            conn,
            name="Shops · Big sale",
            batch_id=1,
            template_id=1,
            account_id=account.id,
            rate_per_minute=2.0,
            retry_limit=4,
            chat_id=OWNER,
            language="en",
            created_by=OWNER,
        )
    h.session.reset()
    return campaign


async def status_of(h: BotHarness, campaign_id: int = 1) -> S | None:
    async with h.pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
    return None if campaign is None else campaign.status


async def set_status(h: BotHarness, to: S, campaign_id: int = 1) -> None:
    async with h.pool.connection() as conn:
        await campaigns.transition(conn, campaign_id, to, from_states=list(S))


async def test_new_campaign_needs_a_batch_and_a_template(h: BotHarness) -> None:
    await h.send(OWNER, "/new_campaign")
    await h.send(OWNER, "@alpha_shop\n@beta_shop")
    await h.send(OWNER, "/new_campaign")
    assert h.session.sent_texts()[0] == "First send a list of channels: a campaign needs a batch."
    assert h.session.sent_texts()[2] == "First send the post: a campaign needs a template."


@pytest.mark.parametrize("args", ["", " ", "abc", "-1", "1.5"])
async def test_start_campaign_needs_an_id(h: BotHarness, args: str) -> None:
    await h.send(OWNER, f"/start_campaign {args}".rstrip())
    assert h.session.sent_texts() == [
        "Which campaign? Send /start_campaign ID, e.g. /start_campaign 5. /campaigns lists them."
    ]


async def test_start_unknown_campaign(h: BotHarness) -> None:
    await h.send(OWNER, "/start_campaign 5")
    assert h.session.sent_texts() == ["No campaign #5."]
    assert await h.jobs() == []


async def test_start_campaign_sends_the_card_and_defers_the_launch(h: BotHarness) -> None:
    await draft(h)
    await h.send(OWNER, "/start_campaign 1")
    [card] = h.session.of("sendMessage")
    assert card["text"] == "<b>Shops · Big sale</b> · #1\n🕐 Starting\nPreparing the channel list…"
    assert buttons(card) == [("⏸ Pause", "c:1:pause")]
    async with h.pool.connection() as conn:
        campaign = await campaigns.get(conn, 1)
    assert campaign is not None and campaign.status is S.SCHEDULED
    # The fake numbers the bot's messages: batch reply, template reply, preview, the card.
    assert (campaign.chat_id, campaign.card_message_id) == (OWNER, 4)
    [job] = await h.jobs()
    assert (job["task_name"], job["queue_name"], job["args"]) == (
        "launch_campaign",
        "delivery",
        {"campaign_id": 1},
    )
    assert (await h.rows("SELECT action FROM audit_log ORDER BY id"))[-1] == {
        "action": "campaign.start"
    }

    await h.send(OWNER, "/start_campaign #1")
    assert h.session.sent_texts()[-1] == "Campaign #1 is already running."
    assert len(await h.jobs()) == 1


@pytest.mark.parametrize(
    ("status", "reply"),
    [
        (S.PAUSED, "Campaign #1 is paused; press Resume on its card."),
        (S.COMPLETED, "Campaign #1 has already finished."),
        (S.CANCELLED, "Campaign #1 has already finished."),
        (S.WAITING, "Campaign #1 is already running."),
    ],
)
async def test_start_campaign_that_is_past_draft(h: BotHarness, status: S, reply: str) -> None:
    await draft(h)
    await set_status(h, status)
    await h.send(OWNER, "/start_campaign 1")
    assert h.session.sent_texts() == [reply]
    assert await h.jobs() == []


async def test_start_button_starts_once(h: BotHarness) -> None:
    await draft(h)
    await h.press(OWNER, "c:1:start", message_id=50)
    await h.press(OWNER, "c:1:start", message_id=50)
    assert h.session.answers() == ["Campaign #1 is starting.", "Campaign #1 is already running."]
    assert len(h.session.sent_texts()) == 1  # one card
    assert [j["task_name"] for j in await h.jobs()] == ["launch_campaign"]


async def test_pause_and_resume_with_double_presses(h: BotHarness) -> None:
    await draft(h)
    await h.send(OWNER, "/start_campaign 1")
    await set_status(h, S.RUNNING)
    h.session.reset()

    await h.press(OWNER, "c:1:pause", message_id=4)
    await h.press(OWNER, "c:1:pause", message_id=4)
    assert await status_of(h) is S.PAUSED
    assert h.session.answers() == ["Paused", "Already paused"]
    [edit] = h.session.edits()
    assert (edit["chat_id"], edit["message_id"]) == (OWNER, 4)
    assert "⏸ Paused" in edit["text"]
    assert buttons(edit) == [("▶️ Resume", "c:1:resume")]

    h.session.reset()
    await h.press(OWNER, "c:1:resume", message_id=4)
    await h.press(OWNER, "c:1:resume", message_id=4)
    assert await status_of(h) is S.RUNNING
    assert h.session.answers() == ["Resumed", "Already running"]
    [edit] = h.session.edits()
    assert buttons(edit) == [("⏸ Pause", "c:1:pause")]
    drains = [j for j in await h.jobs() if j["task_name"] == "drain"]
    assert [(j["queue_name"], j["args"]) for j in drains] == [("account-1", {"account_id": 1})]
    actions = [r["action"] for r in await h.rows("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["campaign.pause", "campaign.resume"]


@pytest.mark.parametrize(
    ("status", "data", "answer"),
    [
        (S.COMPLETED, "c:1:pause", "Campaign is finished"),
        (S.CANCELLED, "c:1:resume", "Campaign is finished"),
        (S.DRAFT, "c:1:pause", "Campaign has not started"),
        (S.WAITING, "c:1:resume", "Already running"),
    ],
)
async def test_presses_that_change_nothing(
    h: BotHarness, status: S, data: str, answer: str
) -> None:
    await draft(h)
    await set_status(h, status)
    before = await h.counts()
    await h.press(OWNER, data)
    assert h.session.answers() == [answer]
    assert h.session.edits() == []
    assert await h.counts() == before
    assert await status_of(h) is status


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        ("c:999:pause", "No campaign #999."),
        ("c:abc:pause", "This button is no longer valid"),
        ("c:1:delete", "This button is no longer valid"),
        ("nb:1:2:3", "This button is no longer valid"),
        ("garbage", "This button is no longer valid"),
    ],
)
async def test_forged_presses(h: BotHarness, data: str, answer: str) -> None:
    await draft(h)
    await set_status(h, S.RUNNING)
    before = await h.counts()
    await h.press(OWNER, data)
    assert h.session.answers() == [answer]
    assert [name for name, _ in h.session.calls] == ["answerCallbackQuery"]
    assert await h.counts() == before
    assert await status_of(h) is S.RUNNING


async def test_viewer_cannot_pause(h: BotHarness) -> None:
    await draft(h)
    await set_status(h, S.RUNNING)
    await h.add(VIEWER, Role.VIEWER)
    await h.press(VIEWER, CampaignAction(id=1, action="pause").pack())
    assert h.session.answers() == ["Viewers can't change campaigns"]
    assert await status_of(h) is S.RUNNING


async def test_card_edit_limits_are_tolerated(h: BotHarness) -> None:
    await draft(h)
    await h.send(OWNER, "/start_campaign 1")
    await set_status(h, S.RUNNING)
    h.session.fail_not_modified()
    await h.press(OWNER, "c:1:pause")
    h.session.fail_flood("editMessageText", retry_after=7)
    await h.press(OWNER, "c:1:resume")
    assert h.session.answers() == ["Paused", "Resumed"]
    [refresh] = [j for j in await h.jobs() if j["task_name"] == "refresh_progress"]
    assert refresh["queue_name"] == "notifications"
    assert refresh["queueing_lock"] == "progress-1"
    [late] = await h.rows(
        "SELECT scheduled_at > now() + interval '5 seconds' AS late FROM procrastinate_jobs "
        "WHERE task_name = 'refresh_progress'"
    )
    assert late == {"late": True}


async def test_campaigns_command(h: BotHarness) -> None:
    await h.send(OWNER, "/campaigns")
    await draft(h)
    await h.send(OWNER, "/campaigns", lang="ru")
    assert h.session.sent_texts() == ["<b>Кампании</b>\n#1 Shops · Big sale: 📝 Черновик"]
