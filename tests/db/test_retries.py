"""Which failed deliveries Retry failed takes, by error class, channel and account, and how
it opens a run: against real PostgreSQL, through the repositories."""

from __future__ import annotations

import pytest

from predlagator.db import accounts, campaigns, channels, deliveries, retries
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus
from tests.factories import make_campaign

S = CampaignStatus


async def failed_once(
    pool: Pool, code: str, *, channel: str = "on", account: str = "active"
) -> int:
    """A completed campaign whose one delivery failed with `code` an hour ago; its channel
    `on`, `off` (still switched off), `back` (reactivated since) or `back_before` (reactivated
    before the failure); its account `active`, `paused`, `stopped` or `removed`."""
    campaign = await make_campaign(pool, ["shop_one"])
    async with pool.connection() as conn:
        await campaigns.transition(conn, campaign.id, S.RUNNING)
        await deliveries.snapshot(conn, campaign.id)
        [row] = await deliveries.list_for_campaign(conn, campaign.id)
        assert await deliveries.mark_sending(conn, row.id)
        await deliveries.mark_failed(conn, row.id, code, code)
        await conn.execute(
            "UPDATE deliveries SET updated_at = now() - interval '1 hour' WHERE id = %s", (row.id,)
        )
        if channel != "on":
            await channels.deactivate(conn, row.channel_id, code)
        if channel in {"back", "back_before"}:
            await channels.reactivate(conn, row.channel_id)
        if channel == "back_before":
            await conn.execute(
                "UPDATE channels SET reactivated_at = now() - interval '2 hours' WHERE id = %s",
                (row.channel_id,),
            )
        if account == "removed":
            await conn.execute("UPDATE accounts SET removed_at = now()")
        elif account != "active":
            await conn.execute("UPDATE accounts SET status = %s", (account,))
        assert await campaigns.complete_if_done(conn, campaign.id) is not None
    return campaign.id


@pytest.mark.parametrize(
    ("code", "channel", "account", "taken"),
    [
        ("TIMEOUT", "on", "active", True),  # transient
        ("SOME_NEW_ERROR", "on", "active", True),  # unknown: transient
        ("SLOWMODE_WAIT", "on", "active", True),
        ("FLOOD_WAIT", "on", "active", True),
        ("CHAT_ADMIN_REQUIRED", "on", "active", True),  # needs the operator
        ("ALLOW_PAYMENT_REQUIRED", "on", "active", True),
        ("TIMEOUT", "off", "active", False),  # switched off after five in a row, still off
        ("TIMEOUT", "back", "active", True),
        ("CHAT_WRITE_FORBIDDEN", "off", "active", False),
        ("CHAT_WRITE_FORBIDDEN", "back", "active", True),  # reactivated after it failed
        ("CHAT_WRITE_FORBIDDEN", "back_before", "active", False),  # it failed again since
        ("CHANNEL_PRIVATE", "on", "active", False),  # never deactivated, never reactivated
        ("PEER_FLOOD", "on", "active", False),  # account fatal
        ("RANDOM_ID_DUPLICATE", "on", "active", False),
        ("TIMEOUT", "on", "paused", False),  # its row stays with an account that cannot send
        ("TIMEOUT", "on", "stopped", False),
        ("TIMEOUT", "on", "removed", False),
    ],
)
async def test_what_a_retry_takes(
    pool: Pool, code: str, channel: str, account: str, taken: bool
) -> None:
    campaign_id = await failed_once(pool, code, channel=channel, account=account)
    async with pool.connection() as conn:
        assert await retries.retryable(conn, campaign_id) == int(taken)
        outcome = await retries.start(conn, campaign_id, actor_id=1)
        if taken:
            assert isinstance(outcome, retries.Started)
            assert (outcome.run, outcome.requeued) == (2, 1)
        else:
            assert outcome == retries.Refused(
                retries.Refusal.NOTHING, await campaigns.get(conn, campaign_id), 1
            )


async def test_a_cancelled_campaign_retries_its_failures_not_its_cancelled(pool: Pool) -> None:
    campaign = await make_campaign(pool, ["shop_one", "shop_two", "shop_three"])
    async with pool.connection() as conn:
        await campaigns.transition(conn, campaign.id, S.RUNNING)
        await deliveries.snapshot(conn, campaign.id)
        first, second, _ = await deliveries.list_for_campaign(conn, campaign.id)
        assert await deliveries.mark_sending(conn, first.id)
        await deliveries.mark_failed(conn, first.id, "TIMEOUT", "no answer")
        assert await deliveries.mark_sending(conn, second.id)
        await deliveries.mark_sent(conn, second.id, 7)
        assert await campaigns.cancel(conn, campaign.id) is not None
        outcome = await retries.start(conn, campaign.id, actor_id=1)
        assert isinstance(outcome, retries.Started)
        assert (outcome.requeued, outcome.campaign.status) == (1, S.RUNNING)
        rows = await deliveries.list_for_campaign(conn, campaign.id)
        assert [(r.status.value, r.attempts) for r in rows] == [
            ("queued", 1),
            ("sent", 1),
            ("cancelled", 0),
        ]
        [first_run, retry] = await retries.runs(conn, campaign.id)
        assert (first_run.total, first_run.sent, first_run.failed, first_run.cancelled) == (
            3,
            1,
            1,
            1,
        )
        assert (retry.kind, retry.total, retry.frozen) == ("retry", 1, False)


async def fail_all(pool: Pool, campaign_id: int, code: str = "TIMEOUT") -> None:
    """Every queued row of the campaign is tried once and fails; the campaign then ends."""
    async with pool.connection() as conn:
        for row in await deliveries.list_for_campaign(conn, campaign_id):
            if row.status.value == "queued":
                assert await deliveries.mark_sending(conn, row.id)
                await deliveries.mark_failed(conn, row.id, code, code)
        assert await campaigns.complete_if_done(conn, campaign_id) is not None


async def test_a_second_retry_freezes_the_first_and_leaves_the_first_send_as_it_was(
    pool: Pool,
) -> None:
    campaign = await make_campaign(pool, ["shop_one", "shop_two"])
    async with pool.connection() as conn:
        await campaigns.transition(conn, campaign.id, S.RUNNING)
        await deliveries.snapshot(conn, campaign.id)
        first, _ = await deliveries.list_for_campaign(conn, campaign.id)
        assert await deliveries.mark_sending(conn, first.id)
        await deliveries.mark_sent(conn, first.id, 1)
    await fail_all(pool, campaign.id)
    async with pool.connection() as conn:
        assert isinstance(await retries.start(conn, campaign.id, 1), retries.Started)
    await fail_all(pool, campaign.id, "CHAT_ADMIN_REQUIRED")  # the retry fails too
    async with pool.connection() as conn:
        before = await retries.runs(conn, campaign.id)
        second = await retries.start(conn, campaign.id, 1, expected_run=2)
        assert isinstance(second, retries.Started) and second.run == 3
        after = await retries.runs(conn, campaign.id)
    numbers = [(r.run, r.kind, r.total, r.sent, r.failed, r.frozen) for r in after]
    assert numbers == [
        (1, "round", 2, 1, 1, True),
        (2, "retry", 1, 0, 1, True),
        (3, "retry", 1, 0, 0, False),
    ]
    assert before[0] == after[0]  # the first send, frozen at the first retry, as it was


async def test_each_row_goes_again_through_its_own_account(pool: Pool) -> None:
    campaign = await make_campaign(pool, [f"shop_{i}" for i in range(4)])
    async with pool.connection() as conn:
        other = await accounts.ensure(conn, "other", 60.0)
        await conn.execute(
            "INSERT INTO campaign_accounts (campaign_id, account_id) VALUES (%s, %s)",
            (campaign.id, other.id),
        )
        await campaigns.transition(conn, campaign.id, S.RUNNING)
        await deliveries.snapshot(conn, campaign.id)
        owners = await conn.execute(
            "SELECT id, account_id, random_id FROM deliveries WHERE campaign_id = %s ORDER BY id",
            (campaign.id,),
        )
        before = await owners.fetchall()
    assert {r["account_id"] for r in before} == {campaign.account_id, other.id}
    await fail_all(pool, campaign.id)
    async with pool.connection() as conn:
        started = await retries.start(conn, campaign.id, 1)
        assert isinstance(started, retries.Started)
        assert started.account_ids == sorted({campaign.account_id, other.id})
        owners = await conn.execute(
            "SELECT id, account_id, random_id FROM deliveries WHERE campaign_id = %s ORDER BY id",
            (campaign.id,),
        )
        assert await owners.fetchall() == before
