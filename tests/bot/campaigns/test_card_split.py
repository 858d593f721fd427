"""The card over several accounts: each account's counts, who sends now, and a redraw on change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from predlagator.bot.campaigns import card
from predlagator.db import account_split, accounts, batches, campaigns, deliveries, templates
from predlagator.db.account_split import AccountShare
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus
from tests.bot.campaigns.test_card import campaign as make_row
from tests.bot.campaigns.test_card import progress
from tests.fakes.bot_api import BotHarness, bot_harness

S = CampaignStatus
MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2030, 3, 1, 11, 0, tzinfo=UTC)  # 14:00 in Moscow


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


async def three_account_campaign(pool: Pool, channels: int = 10) -> Campaign:
    """A running campaign over main, second and a simulated one, its ledger snapshotted."""
    async with pool.connection() as conn:
        main = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 20.0)
        second = await accounts.ensure(conn, "second", 15.0)
        sim = await accounts.ensure(conn, "rehearsal", 10.0)
        await conn.execute("UPDATE accounts SET kind = 'simulated' WHERE id = %s", (sim.id,))
        refs = [f"@splitchan{i:02d}" for i in range(channels)]
        batch, _ = await batches.create(conn, "batch", refs, created_by=1)
        template = await templates.create(conn, "post", "hi", created_by=1)
        made = await campaigns.create(
            conn,
            name="Spring",
            batch_id=batch.id,
            template_id=template.id,
            account_id=main.id,
            rate_per_minute=None,
            retry_limit=3,
            chat_id=100,
            language="en",
            created_by=1,
            more_accounts=[second.id, sim.id],
        )
        await deliveries.snapshot(conn, made.id)
        await conn.execute(
            "UPDATE campaigns SET status = 'running', started_at = now() WHERE id = %s",
            (made.id,),
        )
        found = await campaigns.get(conn, made.id)
    assert found is not None
    return found


async def seed_split(pool: Pool, campaign_id: int) -> None:
    """A known split: main 3 sent + 1 failed, second 2 sent + 2 queued, rehearsal 2 queued."""
    plan = [(1, "sent")] * 3 + [(1, "failed"), (2, "sent"), (2, "sent"), (2, "queued")]
    plan += [(2, "queued"), (3, "queued"), (3, "queued")]
    async with pool.connection() as conn:
        rows = await deliveries.list_for_campaign(conn, campaign_id)
        for delivery, (account_id, status) in zip(rows, plan, strict=True):
            await conn.execute(
                "UPDATE deliveries SET account_id = %s, status = %s WHERE id = %s",
                (account_id, status, delivery.id),
            )


async def test_the_split_is_read_from_the_ledger(pool: Pool) -> None:
    made = await three_account_campaign(pool)
    await seed_split(pool, made.id)
    async with pool.connection() as conn:
        shares = await account_split.of_campaign(conn, made.id)
    # The busiest first; main and second have four each, so the older id goes first.
    assert [(s.name, s.kind, s.sent, s.pending, s.failed) for s in shares] == [
        ("main", "telegram", 3, 0, 1),
        ("second", "telegram", 2, 2, 0),
        ("rehearsal", "simulated", 0, 2, 0),
    ]


async def test_the_card_shows_each_account_and_the_one_waiting(pool: Pool) -> None:
    made = await three_account_campaign(pool)
    await seed_split(pool, made.id)
    async with pool.connection() as conn:
        await accounts.set_flood(conn, 2, NOW + timedelta(minutes=5))
        shares = await account_split.of_campaign(conn, made.id)
        ledger = await campaigns.progress(conn, made.id)
    assert ledger is not None
    text = card.render_card(made, ledger, "en", NOW, zone=MOSCOW, shares=shares)
    assert text.splitlines()[1:] == [
        "🚀 Running",
        "2 of 3 accounts sending, 1 waiting until 14:05",
        "██████░░░░ 60%",
        "Sent 5 · failed 1 · queued 4 of 10",
        "• main: sent 3 · failed 1 · queued 0",
        "• second: sent 2 · failed 0 · queued 2 · ⏳ waiting until 14:05",
        "• rehearsal 🧪 simulated: sent 0 · failed 0 · queued 2",
        "45/min · about 5 s left",  # no cap: the three paces together
    ]
    ru = card.render_card(made, ledger, "ru", NOW, zone=MOSCOW, shares=shares)
    assert ru.splitlines()[2] == "отправляют 2 из 3 аккаунтов, 1 ждёт до 14:05"
    assert ru.splitlines()[7] == "• rehearsal 🧪 симуляция: отправлено 0 · ошибок 0 · в очереди 2"


def share(i: int, **changes: object) -> AccountShare:
    fields: dict[str, object] = {
        "id": i,
        "name": f"account-{i:02d}-" + "x" * 60,
        "kind": "telegram",
        "status": "active",
        "stop_reason": None,
        "flood_until": None,
        "rate_per_minute": 20.0,
        "removed_at": None,
        "sent": 1000 - i,
        "pending": 5,
        "failed": 1,
        **changes,
    }
    return AccountShare.model_validate(fields)


def test_stopped_and_paused_accounts_are_said_in_words() -> None:
    shares = [
        share(1),
        share(2, status="stopped", stop_reason="PEER_FLOOD"),
        share(3, status="paused"),
    ]
    c = make_row(S.RUNNING, rate_per_minute=None)
    lines = card.render_card(c, progress(S.RUNNING), "en", NOW, shares=shares).splitlines()
    assert lines[2] == "1 of 3 accounts sending, 1 paused, 1 stopped"
    assert lines[6].endswith(" · ⛔ stopped: Telegram limited the account for spam (see @SpamBot)")
    assert lines[7].endswith(" · ⏸ paused")
    assert lines[-1] == "20/min · about 3 min left"  # only the active one's pace


def test_many_accounts_stay_within_one_message() -> None:
    shares = [share(i, flood_until=NOW + timedelta(minutes=i)) for i in range(1, 201)]
    c = make_row(S.RUNNING, rate_per_minute=100.0)
    text = card.render_card(c, progress(S.RUNNING, rate=100.0), "en", NOW, shares=shares)
    assert len(text) < 4096
    lines = text.splitlines()
    assert lines[2] == "0 of 200 accounts sending, 200 waiting until 14:20"
    assert lines[-2] == "• 195 more accounts: sent 174915 · failed 195 · queued 975"
    assert lines[-1] == "100/min · about 36 s left"  # the cap, not 4000/min


def test_a_finished_card_keeps_the_split_without_states() -> None:
    shares = [share(1, status="stopped", stop_reason="SESSION_REVOKED"), share(2)]
    c = make_row(S.COMPLETED, finished_at=NOW)
    lines = card.render_card(c, progress(S.COMPLETED), "en", NOW, shares=shares).splitlines()
    assert lines[1:3] == ["✅ Completed", "████░░░░░░ 40%"]
    assert lines[4] == (
        "• account-01-xxxxxxxxxxxxxxxxxxxx…: sent 999 · failed 1 · ⛔ stopped: "
        "The account's session was ended: log in again (predlagator login)"
    )
    assert lines[5] == "• account-02-xxxxxxxxxxxxxxxxxxxx…: sent 998 · failed 1"


async def test_a_change_of_the_split_alone_redraws_the_card(h: BotHarness) -> None:
    made = await three_account_campaign(h.pool)
    await seed_split(h.pool, made.id)
    await card.send(h.bot, h.pool, made, 100, zone=MOSCOW)
    assert await card.draw(h.bot, h.pool, made.id, zone=MOSCOW) is card.Drawn.SAME
    # The same totals, one queued post handed from second to rehearsal.
    await h.rows(
        "UPDATE deliveries SET account_id = 3 WHERE id = (SELECT min(id) FROM deliveries "
        "WHERE account_id = 2 AND status = 'queued') RETURNING id"
    )
    h.session.reset()
    assert await card.draw(h.bot, h.pool, made.id, zone=MOSCOW) is card.Drawn.CHANGED
    [edit] = h.session.edits()
    assert "• second: sent 2 · failed 0 · queued 1" in edit["text"]
    assert "• rehearsal 🧪 simulated: sent 0 · failed 0 · queued 3" in edit["text"]
