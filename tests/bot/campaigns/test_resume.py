"""Resume through the real Dispatcher where it used to go wrong: an account that is stopped (it
would run with nothing to drain it) and a campaign scheduled for later (it would run early)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from predlagator.bot.campaigns.keyboards import CampaignAction
from predlagator.db import accounts, campaigns, deliveries, schedules
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus
from predlagator.queue import defer
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness

S = CampaignStatus
CARD = 700
START = datetime(2030, 3, 5, 6, 5, tzinfo=UTC)  # 09:05 in Moscow


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, timezone="Europe/Moscow") as harness:
        yield harness


async def campaign(h: BotHarness) -> Campaign:
    return await make_campaign(
        h.pool, ["alpha_shop", "beta_shop"], rate=20.0, name="Spring", chat_id=OWNER
    )


async def stopped_while_running(h: BotHarness, reason: str) -> Campaign:
    """A running campaign whose account then stopped: paused with the reason, as the drain does."""
    made = await campaign(h)
    async with h.pool.connection() as conn:
        await campaigns.transition(conn, made.id, S.RUNNING)
        await deliveries.snapshot(conn, made.id)
        await campaigns.set_card(conn, made.id, OWNER, CARD)
        assert await accounts.stop(conn, made.account_id, reason) is not None
        [paused] = await campaigns.pause_for_account(conn, made.account_id, reason)
    return paused


async def status_of(h: BotHarness, campaign_id: int) -> S:
    async with h.pool.connection() as conn:
        found = await campaigns.get(conn, campaign_id)
    assert found is not None
    return found.status


async def task_names(h: BotHarness) -> list[str]:
    return [j["task_name"] for j in await h.jobs()]


def buttons(params: dict[str, Any]) -> list[str]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


# --- a stopped account -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "reply"),
    [
        (
            "en",
            "Campaign #1 can't resume: its account main is stopped, so nothing would be sent. "
            "The account's session was ended: log in again (predlagator login).",
        ),
        (
            "ru",
            "Кампанию #1 нельзя продолжить: её аккаунт main остановлен, и с него ничего не уйдёт. "
            "Сессия аккаунта завершена: войдите снова (predlagator login).",
        ),
    ],
)
async def test_resume_is_refused_while_the_account_is_stopped(
    h: BotHarness, lang: str, reply: str
) -> None:
    await stopped_while_running(h, "SESSION_REVOKED")
    before = await h.counts()
    await h.send(OWNER, "/resume 1", lang=lang)
    await h.press(OWNER, CampaignAction(id=1, action="resume").pack(), CARD, lang=lang)
    assert h.session.sent_texts() == [reply]
    assert h.session.answers() == [reply]
    assert h.session.edits() == []
    assert await status_of(h, 1) is S.PAUSED
    assert await task_names(h) == []  # no drain kicked
    assert await h.counts() == before  # nothing audited either


async def test_a_draft_of_a_stopped_account_does_not_start(h: BotHarness) -> None:
    made = await campaign(h)
    async with h.pool.connection() as conn:
        await accounts.stop(conn, made.account_id, "USER_DEACTIVATED_BAN")
    await h.send(OWNER, "/start_campaign 1")
    assert h.session.sent_texts() == [
        "Campaign #1 can't start: its account main is stopped, so nothing would be sent. "
        "Telegram banned the account."
    ]
    assert await status_of(h, 1) is S.DRAFT
    assert await task_names(h) == []


async def test_resume_still_works_for_an_active_account(h: BotHarness) -> None:
    made = await campaign(h)
    async with h.pool.connection() as conn:
        await campaigns.transition(conn, made.id, S.RUNNING)
        await deliveries.snapshot(conn, made.id)
        await campaigns.transition(conn, made.id, S.PAUSED)
        await campaigns.set_card(conn, made.id, OWNER, CARD)
    await h.send(OWNER, "/resume 1")
    assert h.session.sent_texts() == ["Campaign #1 resumed."]
    assert await status_of(h, 1) is S.RUNNING
    assert await task_names(h) == ["drain"]


# --- scheduled for later ---------------------------------------------------------------------


async def scheduled(h: BotHarness) -> Campaign:
    """A campaign scheduled for START, its launch waiting in the queue for then."""
    made = await campaign(h)
    async with h.pool.connection() as conn:
        found = await schedules.schedule(conn, made.id, START)
    assert found is not None
    await defer.launch_campaign(h.app, made.id, at=START)
    return found


async def test_paused_and_resumed_before_its_start_it_is_scheduled_again(h: BotHarness) -> None:
    await scheduled(h)
    await h.send(OWNER, "/pause 1")
    assert await status_of(h, 1) is S.PAUSED
    [card] = h.session.of("sendMessage")[:1]  # the pause draws the card it had not yet
    assert card["text"].splitlines()[1] == "⏸ Paused"

    h.session.reset()
    await h.send(OWNER, "/resume 1")
    assert await status_of(h, 1) is S.SCHEDULED
    assert h.session.sent_texts() == [
        "Campaign #1 resumed: it starts at 2030-03-05 09:05 Europe/Moscow."
    ]
    [edit] = h.session.edits()
    assert edit["text"] == "<b>Spring</b> · #1\n🕐 Scheduled for 2030-03-05 09:05 Europe/Moscow"
    assert buttons(edit) == ["c:1:pause", "c:1:cancel", "c:1:refresh"]
    # No kick now; the one launch waits for its time, as it did before the pause.
    jobs = await h.jobs()
    assert [(j["task_name"], j["scheduled_at"]) for j in jobs] == [("launch_campaign", START)]
    async with h.pool.connection() as conn:
        assert await deliveries.list_for_campaign(conn, 1) == []
        found = await campaigns.get(conn, 1)
    assert found is not None and found.started_at is None


async def test_the_card_of_a_campaign_waiting_for_its_start_says_when(h: BotHarness) -> None:
    await scheduled(h)
    async with h.pool.connection() as conn:
        await campaigns.set_card(conn, 1, OWNER, CARD)
    await h.press(OWNER, CampaignAction(id=1, action="refresh").pack(), CARD)
    async with h.pool.connection() as conn:
        await conn.execute("UPDATE campaigns SET language = 'ru'")
    await h.press(OWNER, CampaignAction(id=1, action="refresh").pack(), CARD)
    assert [e["text"] for e in h.session.edits()] == [
        "<b>Spring</b> · #1\n🕐 Scheduled for 2030-03-05 09:05 Europe/Moscow",
        "<b>Spring</b> · #1\n🕐 Запланирована на 2030-03-05 09:05 Europe/Moscow",
    ]


async def test_a_long_stop_reason_still_fits_under_the_button(h: BotHarness) -> None:
    await stopped_while_running(h, "SOME_NEW_ERROR_" * 20)
    await h.press(OWNER, CampaignAction(id=1, action="resume").pack(), CARD)
    [answer] = h.session.answers()
    assert answer is not None and len(answer) == 200 and answer.endswith("…")
    assert answer.startswith(
        "Campaign #1 can't resume: its account main is stopped, so nothing would be sent. "
        "Telegram refused it (SOME_NEW_ERROR_"
    )
