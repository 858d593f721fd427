"""Actions over posts in the life of a campaign: a double start, a stopped account, an edit
while it still posts, a flood wait, a crash, and posts and actions sharing the account's pace."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from telethon import functions

from predlagator.db import accounts, action_rows, actions, deliveries
from predlagator.db.pool import Pool
from predlagator.delivery import pacing, tasks
from predlagator.delivery.policy import Policy
from predlagator.models import (
    ActionRowStatus,
    ActionStatus,
    CampaignAction,
    CampaignStatus,
    DeliveryStatus,
    Peer,
    PostAction,
)
from tests.delivery.test_post_actions_drain import (
    NEW_HTML,
    NEW_TEXT,
    fetch,
    finished_jobs,
    posted,
    posts,
    rows,
    start,
)
from tests.pool_rig import PoolRig, pool_rig

R = ActionRowStatus
EDIT = functions.messages.EditMessageRequest


@pytest.fixture
async def rig(pool: Pool) -> AsyncIterator[PoolRig]:
    async with pool_rig(pool, [600.0], Policy(retry_base_s=0.0)) as rig:
        yield rig


def refs(count: int, prefix: str = "ch") -> list[str]:
    return [f"{prefix}_{i:05d}" for i in range(count)]


async def test_a_double_start_makes_one_action_and_each_row_once(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 4)

    async def press() -> tuple[int, bool]:
        async with rig.pool.connection() as conn:
            action, made = await actions.start(
                conn, campaign_id=campaign.id, kind=PostAction.DELETE
            )
        return action.id, made

    first, second = await asyncio.gather(press(), press())
    assert first[0] == second[0] and sorted([first[1], second[1]]) == [False, True]
    await rig.drain()
    assert await rows(rig, await fetch_action(rig, first[0])) == [(R.DONE, None)] * 4
    deleted = member.telegram.post_actions.count("delete")
    assert len(deleted) == 4 and set(deleted.values()) == {1}
    # Pressed again once done: a new delete finds nothing left to delete.
    async with rig.pool.connection() as conn:
        again, made = await actions.start(conn, campaign_id=campaign.id, kind=PostAction.DELETE)
    assert made and await rows(rig, again) == []
    await rig.drain()
    assert (await fetch(rig, again)).status is ActionStatus.COMPLETED


async def fetch_action(rig: PoolRig, action_id: int) -> CampaignAction:
    async with rig.pool.connection() as conn:
        found = await actions.get(conn, action_id)
    assert found is not None
    return found


async def test_a_delete_waits_for_a_stopped_account_and_cancel_ends_it(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 3)
    async with rig.pool.connection() as conn:
        await accounts.stop(conn, member.account_id, "SESSION_REVOKED")
    action = await start(rig, campaign, PostAction.DELETE)
    await rig.drain()
    # The rows stay with the account that made the posts: they wait for it.
    assert await rows(rig, action) == [(R.QUEUED, None)] * 3
    async with rig.pool.connection() as conn:
        progress = await actions.progress(conn, action.id)
        assert progress.waiting_for_account == 3
        assert await actions.accounts_of(conn, action.id) == [member.account_id]
        cancelled = await actions.set_status(conn, action.id, ActionStatus.CANCELLED)
        assert cancelled is not None
    # The reconcile ends it (no drain of a stopped account runs) and says so once.
    await tasks.end_actions(rig.app, rig.pool)
    await tasks.end_actions(rig.app, rig.pool)
    ended = await fetch(rig, action)
    assert ended.status is ActionStatus.CANCELLED and ended.finished_at is not None
    assert await rows(rig, action) == [(R.CANCELLED, None)] * 3
    assert not member.telegram.post_actions.received
    assert [job["args"] for job in await finished_jobs(rig)] == [{"action_id": action.id}]


async def test_an_edit_while_the_campaign_posts(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await rig.campaign(6)
    await rig.launch(campaign)
    edits: list[int] = []

    async def edit_at_the_third(request: object) -> None:
        # The third post is on its way (marked sending) and the rest of its batch was
        # claimed with the old text when the operator sends the new version.
        if len(member.telegram.sent) == 3 and not edits:
            edits.append((await start(rig, campaign, PostAction.EDIT)).id)

    member.telegram.on_send = edit_at_the_third
    await rig.drain()
    assert [d.status for d in await rig.ledger(campaign)] == [DeliveryStatus.SENT] * 6
    done = posts(member, refs(6, "chan"))
    # Every post reads new: the first three by an edit each, the later ones went out new.
    assert [member.telegram.post_actions.text(*p) for p in done] == [NEW_TEXT] * 6
    edited = member.telegram.post_actions.count("edit")
    assert edited == {p: 1 for p in done[:3]}
    action = await fetch_action(rig, edits[0])
    assert action.status is ActionStatus.COMPLETED
    assert await rows(rig, action) == [(R.DONE, None)] * 3
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


async def test_a_flood_wait_parks_posts_and_actions_until_it_ends(rig: PoolRig) -> None:
    [member] = rig.members
    first = await posted(rig, 3)
    action = await start(rig, first, PostAction.EDIT)
    more = await rig.campaign(3, prefix="more")
    await rig.launch(more)
    member.telegram.fail_next(420, "FLOOD_WAIT_30", request_type=EDIT)
    await rig.drain()
    account = await rig.account(member)
    assert account.flood_until is not None
    # No attempt counted, nothing else reached Telegram during the wait.
    async with rig.pool.connection() as conn:
        found = await actions.rows_of(conn, action.id)
    assert [(r.status, r.attempts) for r in found] == [(R.QUEUED, 0)] * 3
    requests = len(member.telegram.requests)
    assert (await rig.get(more)).status is CampaignStatus.WAITING
    await rig.drain()
    assert len(member.telegram.requests) == requests
    async with rig.pool.connection() as conn:
        await conn.execute("UPDATE accounts SET flood_until = now() - interval '1 second'")
        await conn.execute("UPDATE campaigns SET resume_at = now() - interval '1 second'")
    await rig.drain()
    assert await rows(rig, action) == [(R.DONE, None)] * 3
    assert [d.status for d in await rig.ledger(more)] == [DeliveryStatus.SENT] * 3
    assert (await rig.get(more)).status is CampaignStatus.COMPLETED
    assert set(member.telegram.post_actions.count("edit").values()) == {1}


async def test_an_action_left_sending_by_a_crash_is_sent_again_and_edits_once(
    rig: PoolRig,
) -> None:
    [member] = rig.members
    campaign = await posted(rig, 2)
    action = await start(rig, campaign, PostAction.EDIT)
    # A worker died between Telegram's answer to the first edit and its record: the post
    # reads new at Telegram, and its row is still `sending`.
    async with rig.pool.connection() as conn:
        [row, _] = await actions.rows_of(conn, action.id)
        assert await action_rows.mark_sending(conn, row.id)
        [delivery] = [
            d
            for d in await deliveries.list_for_campaign(conn, campaign.id)
            if d.id == row.delivery_id
        ]
    chat_id, message_id = posts(member, refs(2))[0]
    channel = next(c for c in member.telegram.channels.values() if c.id == chat_id)
    peer = Peer(peer_type="channel", peer_id=chat_id, access_hash=channel.access_hash)
    assert delivery.message_id == message_id
    await member.sender.post_actions().edit(peer, message_id, NEW_HTML)
    # The next drain (another worker taking the account over) sends it again.
    await rig.drain()
    assert await rows(rig, action) == [(R.DONE, "MESSAGE_NOT_MODIFIED"), (R.DONE, None)]
    edited = member.telegram.post_actions.count("edit")
    assert len(edited) == 2 and set(edited.values()) == {1}
    async with rig.pool.connection() as conn:
        [again, _] = await actions.rows_of(conn, action.id)
    assert again.attempts == 1  # the crash's attempt was given back


async def test_posts_and_actions_together_keep_the_account_pace(rig: PoolRig) -> None:
    [member] = rig.members
    first = await posted(rig, 60)
    second = await rig.campaign(60, prefix="more")
    await rig.launch(second)
    action = await start(rig, first, PostAction.PIN)
    await rig.drain()
    assert await rows(rig, action) == [(R.DONE, None)] * 60
    assert [d.status for d in await rig.ledger(second)] == [DeliveryStatus.SENT] * 60
    # Posts and pins share the 600 a minute: no two requests closer than the interval, and
    # no window over the rate; a batch (5 s of the pace) each in turn.
    counted = sorted(member.posts_at[60:] + member.actions_at)
    assert len(member.actions_at) == 60 and len(counted) == 120
    interval = 60.0 / 600.0
    gaps = [b - a for a, b in itertools.pairwise(counted)]
    assert all(gap >= interval * 0.999 for gap in gaps), gaps
    for window in pacing.WINDOWS_S:
        fits = int(window * 600 / 60)
        assert all(
            later - earlier >= window
            for earlier, later in zip(counted, counted[fits:], strict=False)
        )
    # Both went on side by side, neither waited for the other to finish.
    assert min(member.actions_at) < max(member.posts_at[60:])
    assert min(member.posts_at[60:]) < max(member.actions_at)
