"""The actions' ledger (db/actions.py) against a real database: made once, what it targets."""

from __future__ import annotations

from predlagator.db import action_rows, actions, campaigns, deliveries, templates
from predlagator.db.pool import Pool
from predlagator.models import (
    ActionRowStatus,
    ActionStatus,
    Campaign,
    CampaignStatus,
    DeliveryStatus,
    PostAction,
)
from tests.factories import make_campaign


async def _posting(pool: Pool, refs: list[str], sent: int, sending: int = 0) -> Campaign:
    """A running campaign whose first `sent` posts went out (message ids 100, 101, ...) and
    whose next `sending` are on their way."""
    campaign = await make_campaign(pool, refs)
    async with pool.connection() as conn:
        await deliveries.snapshot(conn, campaign.id)
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        claims = await deliveries.claim(conn, campaign.account_id, limit=sent + sending)
        for index, claim in enumerate(claims):
            assert await deliveries.mark_sending(conn, claim.delivery_id, claim.template_id)
            if index < sent:
                assert await deliveries.mark_sent(conn, claim.delivery_id, 100 + index)
    return campaign


async def _new_version(pool: Pool, html: str = "<b>Fixed</b> news") -> int:
    async with pool.connection() as conn:
        return (await templates.create(conn, "post v2", html, created_by=1)).id


async def test_a_double_start_makes_the_rows_once(pool: Pool) -> None:
    campaign = await _posting(pool, ["d_one", "d_two", "d_three"], sent=2)
    async with pool.connection() as conn:
        assert await actions.targets(conn, campaign.id) == 2
        first, made = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
        again, made_again = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
        assert made and not made_again and again.id == first.id
        assert len(await actions.rows_of(conn, first.id)) == 2
        progress = await actions.progress(conn, first.id)
        assert (progress.total, progress.queued, progress.pending) == (2, 2, 2)
        assert progress.kind is PostAction.PIN and progress.status is ActionStatus.RUNNING
        assert await actions.accounts_of(conn, first.id) == [campaign.account_id]
        # Another kind is its own action.
        unpin, made_unpin = await actions.start(
            conn, campaign_id=campaign.id, kind=PostAction.UNPIN
        )
        assert made_unpin and unpin.id != first.id
        assert [a.id for a in await actions.of_campaign(conn, campaign.id)] == [unpin.id, first.id]


async def test_an_edit_points_the_campaign_at_its_version(pool: Pool) -> None:
    campaign = await _posting(pool, ["e_one", "e_two", "e_three", "e_four"], sent=1, sending=1)
    version = await _new_version(pool)
    async with pool.connection() as conn:
        action, made = await actions.start(
            conn, campaign_id=campaign.id, kind=PostAction.EDIT, template_id=version
        )
        assert made and action.template_id == version
        # The post on its way gets a row too; it waits until it is recorded.
        rows = await actions.rows_of(conn, action.id)
        assert [r.status for r in rows] == [ActionRowStatus.QUEUED] * 2
        moved = await campaigns.get(conn, campaign.id)
        assert moved is not None and moved.template_id == version
        # Posts claimed from now on go out in the new version.
        claims = await deliveries.claim(conn, campaign.account_id, limit=5)
        assert [c.template_id for c in claims] == [version, version]


async def test_a_claim_from_before_an_edit_is_not_sent(pool: Pool) -> None:
    campaign = await _posting(pool, ["s_one", "s_two"], sent=1)
    async with pool.connection() as conn:
        [stale] = await deliveries.claim(conn, campaign.account_id)
    version = await _new_version(pool)
    async with pool.connection() as conn:
        await actions.start(
            conn, campaign_id=campaign.id, kind=PostAction.EDIT, template_id=version
        )
        assert not await deliveries.mark_sending(conn, stale.delivery_id, stale.template_id)
        [fresh] = await deliveries.claim(conn, campaign.account_id)
        assert fresh.template_id == version and fresh.html == "<b>Fixed</b> news"
        assert await deliveries.mark_sending(conn, fresh.delivery_id, fresh.template_id)


async def test_a_delete_cancels_the_posts_not_yet_sent(pool: Pool) -> None:
    campaign = await _posting(pool, ["x_one", "x_two", "x_three"], sent=1)
    async with pool.connection() as conn:
        action, _ = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.DELETE)
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
        assert [d.status for d in ledger] == [
            DeliveryStatus.SENT,
            DeliveryStatus.CANCELLED,
            DeliveryStatus.CANCELLED,
        ]
        assert len(await actions.rows_of(conn, action.id)) == 1


async def test_a_post_without_message_id_fails_at_once(pool: Pool) -> None:
    campaign = await _posting(pool, ["m_one", "m_two"], sent=1)
    async with pool.connection() as conn:
        [claim] = await deliveries.claim(conn, campaign.account_id)
        await deliveries.mark_sending(conn, claim.delivery_id)
        await deliveries.mark_sent(conn, claim.delivery_id, None)  # RANDOM_ID_DUPLICATE
        assert await actions.targets(conn, campaign.id) == 1
        action, _ = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
        statuses = sorted((r.status, r.error_code) for r in await actions.rows_of(conn, action.id))
        assert statuses == [
            (ActionRowStatus.FAILED, "MESSAGE_ID_UNKNOWN"),
            (ActionRowStatus.QUEUED, None),
        ]
        progress = await actions.progress(conn, action.id)
        assert progress.errors == {"MESSAGE_ID_UNKNOWN": 1} and progress.failed == 1


async def test_pause_resume_cancel_and_the_report(pool: Pool) -> None:
    campaign = await _posting(pool, ["p_one", "p_two"], sent=2)
    async with pool.connection() as conn:
        action, _ = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.DELETE)
        paused = await actions.set_status(conn, action.id, ActionStatus.PAUSED)
        assert paused is not None and paused.status is ActionStatus.PAUSED
        running = await actions.set_status(conn, action.id, ActionStatus.RUNNING)
        assert running is not None and running.status is ActionStatus.RUNNING
        cancelled = await actions.set_status(conn, action.id, ActionStatus.CANCELLED)
        assert cancelled is not None and cancelled.status is ActionStatus.CANCELLED
        assert await actions.set_status(conn, action.id, ActionStatus.RUNNING) is None
        progress = await actions.progress(conn, action.id)
        assert (progress.cancelled, progress.pending) == (2, 0)
        report = await actions.report_rows(conn, campaign.id)
        assert [(r.channel_ref, r.status) for r in report] == [
            ("p_one", ActionRowStatus.CANCELLED),
            ("p_two", ActionRowStatus.CANCELLED),
        ]
        # A new delete may start once the first is over.
        second, made = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.DELETE)
        assert made and second.id != action.id


async def test_the_reconcile_finds_accounts_with_due_rows(pool: Pool) -> None:
    campaign = await _posting(pool, ["r_one", "r_two"], sent=1, sending=1)
    async with pool.connection() as conn:
        assert await action_rows.accounts_due(conn) == []
        action, _ = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
        assert await action_rows.accounts_due(conn) == [campaign.account_id]
        # The row of the post still on its way is not claimed until the post is recorded.
        [claim] = await action_rows.claim(conn, campaign.account_id, limit=10, batch_s=5.0)
        assert await action_rows.mark_sending(conn, claim.row_id)
        await action_rows.retry_later(conn, claim.row_id, 60, "TIMEOUT", "slow")
        due = await action_rows.next_due(conn, campaign.account_id)
        assert due is not None
        assert await action_rows.claim(conn, campaign.account_id, limit=10, batch_s=5.0) == []
        await actions.set_status(conn, action.id, ActionStatus.PAUSED)
        assert await action_rows.accounts_due(conn) == []
        assert await action_rows.next_due(conn, campaign.account_id) is None


async def test_the_claim_settles_rows_whose_post_ended_without_going_out(pool: Pool) -> None:
    refs = ["w_one", "w_two", "w_three", "w_four"]
    campaign = await _posting(pool, refs, sent=1, sending=3)
    async with pool.connection() as conn:
        action, _ = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
        _, failed, no_id, later = await deliveries.list_for_campaign(conn, campaign.id)
        # After the pin started, the posts on their way end: one fails, one goes out with no
        # message id, one waits for a retry (still on its way).
        await deliveries.mark_failed(conn, failed.id, "CHANNEL_PRIVATE", "gone")
        await deliveries.mark_sent(conn, no_id.id, None)
        await deliveries.retry_later(conn, later.id, 60, "TIMEOUT", "slow")
        [claim] = await action_rows.claim(conn, campaign.account_id, limit=10, batch_s=5.0)
        assert (claim.channel_ref, claim.message_id, claim.post_out) == ("w_one", 100, True)
        found = {
            r.delivery_id: (r.status, r.error_code) for r in await actions.rows_of(conn, action.id)
        }
        assert found == {
            claim.delivery_id: (ActionRowStatus.QUEUED, None),
            failed.id: (ActionRowStatus.CANCELLED, None),
            no_id.id: (ActionRowStatus.FAILED, "MESSAGE_ID_UNKNOWN"),
            later.id: (ActionRowStatus.QUEUED, None),
        }
