"""Start and resume of a campaign over several accounts: refused only when none of them can
send, and a resume wakes every account's drain."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.db import accounts, batches, campaigns, deliveries, templates
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus
from predlagator.queue import names
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness

S = CampaignStatus


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


async def over_two(h: BotHarness) -> Campaign:
    async with h.pool.connection() as conn:
        main = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 20.0)
        second = await accounts.ensure(conn, "second", 20.0)
        batch, _ = await batches.create(conn, "b", ["alpha_shop", "beta_shop"], created_by=1)
        template = await templates.create(conn, "post", "hi", created_by=1)
        return await campaigns.create(
            conn,
            name="Spring",
            batch_id=batch.id,
            template_id=template.id,
            account_id=main.id,
            rate_per_minute=None,
            retry_limit=3,
            chat_id=OWNER,
            language="en",
            created_by=OWNER,
            more_accounts=[second.id],
        )


async def test_one_stopped_account_of_two_does_not_stop_the_start(h: BotHarness) -> None:
    made = await over_two(h)
    async with h.pool.connection() as conn:
        await accounts.stop(conn, made.account_id, "PEER_FLOOD")
    await h.send(OWNER, f"/start_campaign {made.id}")
    [shown] = h.session.sent_texts()  # the card, which says at once one of the two can't send
    assert "\n🕐 Starting\n1 of 2 accounts sending, 1 stopped\n" in shown
    async with h.pool.connection() as conn:
        found = await campaigns.get(conn, made.id)
    assert found is not None and found.status is S.SCHEDULED


@pytest.mark.parametrize(
    ("lang", "reply"),
    [
        (
            "en",
            "Campaign #1 can't start: none of its 2 accounts can send (each is stopped or "
            "paused, see /status).",
        ),
        (
            "ru",
            "Кампанию #1 нельзя запустить: ни один из её аккаунтов (2) не может отправлять "
            "(каждый остановлен или на паузе, см. /status).",
        ),
    ],
)
async def test_all_accounts_stopped_or_paused_refuse_the_start(
    h: BotHarness, lang: str, reply: str
) -> None:
    made = await over_two(h)
    async with h.pool.connection() as conn:
        await accounts.stop(conn, made.account_id, "PEER_FLOOD")
    await h.rows("UPDATE accounts SET status = 'paused' WHERE name = 'second' RETURNING id")
    await h.send(OWNER, f"/start_campaign {made.id}", lang=lang)
    assert h.session.sent_texts() == [reply]
    async with h.pool.connection() as conn:
        found = await campaigns.get(conn, made.id)
    assert found is not None and found.status is S.DRAFT


async def test_a_resume_wakes_every_account(h: BotHarness) -> None:
    made = await over_two(h)
    async with h.pool.connection() as conn:
        await campaigns.transition(conn, made.id, S.RUNNING)
        await deliveries.snapshot(conn, made.id)
        await campaigns.transition(conn, made.id, S.PAUSED)
    await h.send(OWNER, f"/resume {made.id}")
    assert f"Campaign #{made.id} resumed." in h.session.sent_texts()
    drains = await h.rows(
        "SELECT queue_name FROM procrastinate_jobs WHERE task_name = 'drain' ORDER BY queue_name"
    )
    ids = [row["id"] for row in await h.rows("SELECT id FROM accounts ORDER BY id")]
    assert [d["queue_name"] for d in drains] == sorted(names.account_queue(i) for i in ids)
