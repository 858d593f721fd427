"""Batch editing and channel reactivation in the repositories, on a real database."""

from __future__ import annotations

from predlagator.db import batches, campaigns, channels
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus
from tests.factories import make_campaign


async def test_add_and_remove_refs_report_what_changed(pool: Pool) -> None:
    async with pool.connection() as conn:
        batch, _ = await batches.create(conn, "one", ["a_chan", "b_chan"], created_by=1)
        await channels.upsert_refs(conn, ["known_chan"])
        refs = ["b_chan", "known_chan", "new_chan"]
        assert await batches.add_refs(conn, batch.id, refs, cap=3) == batches.Full(2, 2)
        added = await batches.add_refs(conn, batch.id, refs, cap=4)
        assert added == batches.Added(added=2, in_batch=1, new_channels=1)
        refs = [c.ref for c in await batches.list_channels(conn, batch.id)]
        assert refs == ["a_chan", "b_chan", "known_chan", "new_chan"]
        removed = await batches.remove_refs(conn, batch.id, ["a_chan", "nowhere", "new_chan"])
        assert sorted(removed or []) == ["a_chan", "new_chan"]
        page = await batches.channels_page(conn, batch.id, limit=1, offset=1)
        assert [c.ref for c in page] == ["known_chan"]
        got = await batches.get(conn, batch.id)
        assert got is not None and (got.channel_count, got.active_count) == (2, 2)
        # Removing from a batch keeps the channel itself: other batches may list it.
        assert await channels.upsert_refs(conn, ["a_chan"]) == [(1, False)]


async def test_get_counts_active_channels(pool: Pool) -> None:
    async with pool.connection() as conn:
        batch, _ = await batches.create(conn, "one", ["a_chan", "b_chan", "c_chan"], 1)
        await channels.deactivate(conn, 2, "CHANNEL_PRIVATE")
        got = await batches.get(conn, batch.id)
        assert got is not None and (got.channel_count, got.active_count) == (3, 2)


async def test_archive_hides_the_batch_and_keeps_its_campaigns(pool: Pool) -> None:
    campaign = await make_campaign(pool, ["a_chan", "b_chan"])
    async with pool.connection() as conn:
        other, _ = await batches.create(conn, "other", ["c_chan"], 1)
        await campaigns.transition(
            conn, campaign.id, CampaignStatus.RUNNING, from_states=[CampaignStatus.DRAFT]
        )
        assert await batches.archive(conn, campaign.batch_id) is None
        [busy] = await batches.unfinished_campaigns(conn, campaign.batch_id)
        assert busy.id == campaign.id
        await campaigns.transition(
            conn, campaign.id, CampaignStatus.COMPLETED, from_states=[CampaignStatus.RUNNING]
        )
        assert await batches.unfinished_campaigns(conn, campaign.batch_id) == []
        archived = await batches.archive(conn, campaign.batch_id)
        assert archived is not None and archived.archived_at is not None
        assert await batches.archive(conn, campaign.batch_id) is None  # a second time
        assert await batches.get(conn, campaign.batch_id) is None
        assert [b.id for b in await batches.list_all(conn)] == [other.id]
        assert await batches.count(conn) == 1
        assert await batches.latest_id(conn) == other.id
        assert await batches.rename(conn, campaign.batch_id, "x") is None
        assert await batches.add_refs(conn, campaign.batch_id, ["d_chan"], 10) is None
        assert await batches.remove_refs(conn, campaign.batch_id, ["a_chan"]) is None
        # The campaign and its channel list stay as they were.
        kept = await campaigns.get(conn, campaign.id)
        assert kept is not None and kept.batch_id == campaign.batch_id
        assert len(await batches.list_channels(conn, campaign.batch_id)) == 2


async def test_rename(pool: Pool) -> None:
    async with pool.connection() as conn:
        batch, _ = await batches.create(conn, "one", ["a_chan"], 1)
        renamed = await batches.rename(conn, batch.id, "two")
        assert renamed is not None and renamed.name == "two"


async def test_inactive_pages_and_reactivation(pool: Pool) -> None:
    async with pool.connection() as conn:
        ids = [i for i, _ in await channels.upsert_refs(conn, ["a_chan", "b_chan", "c_chan"])]
        await channels.deactivate(conn, ids[0], "CHANNEL_PRIVATE")
        await channels.deactivate(conn, ids[2], "USER_BANNED_IN_CHANNEL")
        await conn.execute(
            "UPDATE channels SET consecutive_errors = 5, deactivated_at = now() - interval '1 h'"
            " WHERE id = %s",
            (ids[0],),
        )
        assert await channels.count_inactive(conn) == 2
        first = await channels.inactive_page(conn, limit=1, offset=0)
        assert [c.ref for c in first] == ["c_chan"]  # latest deactivation first
        assert first[0].deactivated_at is not None
        assert (first[0].deactivated_code, first[0].deactivated_count) == (
            "USER_BANNED_IN_CHANNEL",
            1,
        )
        assert [c.ref for c in await channels.inactive_page(conn, 5, 1)] == ["a_chan"]
        back = await channels.reactivate_many(conn, [ids[0], ids[1]])
        assert [(c.ref, c.active, c.consecutive_errors) for c in back] == [("a_chan", True, 0)]
        assert await channels.reactivate_many(conn, [ids[0]]) == []
        assert await channels.count_inactive(conn) == 1
