"""/test and the sending account: a flood wait or a stopped account, known before or learnt.

What a test learns about the account itself is recorded exactly as the drain records it, since
every campaign on the account is concerned; the operator hears it at once either way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from telethon import functions

from predlagator.db import accounts, campaigns, deliveries
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER
from tests.testsend_world import World, open_world

SEND = functions.messages.SendMessageRequest
UNCHANGED = "no job deferred, nothing audited"


@pytest.fixture
async def world(pool: Pool, db_url: str) -> AsyncIterator[World]:
    async with open_world(pool, db_url) as opened:
        await opened.alive()
        yield opened


async def running_campaign(world: World) -> Campaign:
    """A campaign sending from the account (its ledger made, no post out yet)."""
    campaign = await make_campaign(world.rig.pool, ["alpha_shop", "beta_shop"], html="<b>x</b>")
    async with world.rig.pool.connection() as conn:
        await deliveries.snapshot(conn, campaign.id)
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
    return campaign


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "⏳ Not sent: the account is in a Telegram flood wait for 10 min more, until {at} UTC.",
        ),
        ("ru", "⏳ Не отправлено: у аккаунта пауза Telegram (flood wait) ещё 10 мин, до {at} UTC."),
    ],
)
async def test_a_flood_wait_known_beforehand_is_answered_at_once_without_a_job(
    world: World, lang: str, expected: str
) -> None:
    template = await world.template()
    until = datetime.now(UTC) + timedelta(minutes=10)
    async with world.rig.pool.connection() as conn:
        await accounts.set_flood(conn, world.rig.account_id, until)
    before = await world.chat.counts()
    await world.chat.send(OWNER, f"/test {template.id} me", lang=lang)
    assert world.answers(OWNER) == [expected.format(at=f"{until:%H:%M}")]
    assert await world.chat.counts() == before, UNCHANGED
    await world.run_due()
    assert world.telegram.flights == []


async def test_a_flood_wait_answered_to_the_test_parks_the_account_as_the_drain_does(
    world: World,
) -> None:
    template = await world.template()
    world.telegram.add_channel("news_main")
    campaign = await running_campaign(world)
    world.telegram.fail_next(420, "FLOOD_WAIT_300", request_type=SEND)
    before = datetime.now(UTC)
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    await world.run_due()
    after = datetime.now(UTC)

    async with world.rig.pool.connection() as conn:
        account = await accounts.get(conn, world.rig.account_id)
        parked = await campaigns.get(conn, campaign.id)
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
    assert account is not None and account.flood_until is not None
    until = account.flood_until
    assert before + timedelta(seconds=300) <= until <= after + timedelta(seconds=300)
    assert parked is not None and (parked.status, parked.resume_at) == (
        CampaignStatus.WAITING,
        until,
    )
    assert [(d.status, d.attempts) for d in ledger] == [("queued", 0), ("queued", 0)]
    [kick] = await world.rows(
        "SELECT status, scheduled_at FROM procrastinate_jobs WHERE task_name = 'drain'"
    )
    assert kick == {"status": "todo", "scheduled_at": until}
    assert await world.rows(
        "SELECT actor_id, action, details->>'seconds' AS s FROM audit_log ORDER BY id"
    ) == [
        {"actor_id": OWNER, "action": "template.test", "s": None},
        {"actor_id": None, "action": "account.flood_wait", "s": "300"},
    ]
    # The campaign's chat hears of the wait once, as from the drain; the operator gets the test's.
    notices = [
        text
        for text in world.answers(campaign.chat_id or 0)
        if text.startswith(f"Campaign #{campaign.id}: Telegram asked to wait")
    ]
    assert notices == [
        f"Campaign #{campaign.id}: Telegram asked to wait 5 min (until {until:%H:%M} UTC). "
        "It resumes by itself."
    ]
    assert world.answers(OWNER)[1:] == [
        f"⏳ Test of #{template.id} not sent: the account is in a Telegram flood wait for 5 min "
        f"more, until {until:%H:%M} UTC.\n"
        "Telegram asked for this wait just now: the account's campaigns wait too and resume by "
        "themselves."
    ]
    assert [(f.name, f.peer) for f in world.telegram.flights] == [
        ("ResolveUsernameRequest", "news_main"),
        ("SendMessageRequest", "news_main"),
    ]

    # Known now: the next test is answered at once, without a job.
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    assert world.answers(OWNER)[-1].startswith("⏳ Not sent: the account is in a Telegram flood")
    assert (
        len(await world.rows("SELECT id FROM procrastinate_jobs WHERE task_name='test_send'")) == 0
    )


async def test_a_stopped_account_is_said_at_once(world: World) -> None:
    template = await world.template()
    async with world.rig.pool.connection() as conn:
        await accounts.stop(conn, world.rig.account_id, "SESSION_REVOKED")
    before = await world.chat.counts()
    await world.chat.send(OWNER, f"/test {template.id} me")
    assert world.answers(OWNER) == [
        "Not sent: the account main is stopped. The account's session was ended: log in again "
        "(predlagator login)."
    ]
    assert await world.chat.counts() == before, UNCHANGED


async def test_an_account_error_answered_to_the_test_stops_the_account_as_the_drain_does(
    world: World,
) -> None:
    template = await world.template()
    world.telegram.add_channel("news_main")
    campaign = await running_campaign(world)
    world.telegram.fail_next(400, "PEER_FLOOD", request_type=SEND)
    await world.chat.send(OWNER, f"/test {template.id} @news_main", lang="ru")
    await world.run_due()
    async with world.rig.pool.connection() as conn:
        account = await accounts.get(conn, world.rig.account_id)
        paused = await campaigns.get(conn, campaign.id)
    assert account is not None
    assert (account.status, account.stop_reason) == ("stopped", "PEER_FLOOD")
    assert paused is not None
    assert (paused.status, paused.status_reason) == (CampaignStatus.PAUSED, "PEER_FLOOD")
    assert world.answers(OWNER)[1:] == [
        f"❌ Проверка #{template.id} в @news_main не отправлена. Telegram ограничил аккаунт за "
        "спам (см. @SpamBot).\nАккаунт остановлен, его кампании на паузе."
    ]
    said = world.answers(campaign.chat_id or 0)
    notices = [text for text in said if text.startswith(f"Campaign #{campaign.id} paused")]
    assert notices == [
        f"Campaign #{campaign.id} paused: the sending account stopped. Telegram limited the "
        "account for spam (see @SpamBot). Fix it, then press Resume."
    ]
    assert await world.rows("SELECT actor_id, action FROM audit_log ORDER BY id") == [
        {"actor_id": OWNER, "action": "template.test"},
        {"actor_id": None, "action": "account.stopped"},
    ]
