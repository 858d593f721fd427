"""More of an action's life: the account stopped by an action's answer, pause and resume, and
an edit of a media post (its file kept, or replaced by the new version's)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from telethon import functions

from predlagator.db import actions, campaigns, template_media, templates
from predlagator.db.pool import Pool
from predlagator.delivery.policy import Policy
from predlagator.models import (
    ActionRowStatus,
    ActionStatus,
    Campaign,
    CampaignStatus,
    DeliveryStatus,
    MediaInfo,
    PostAction,
)
from tests.delivery.test_post_actions_drain import NEW_TEXT, fetch, posted, posts, rows, start
from tests.pool_rig import PoolRig, pool_rig

R = ActionRowStatus
PHOTO = os.urandom(120_000)
NEW_PHOTO = os.urandom(90_000)


@pytest.fixture
async def rig(pool: Pool) -> AsyncIterator[PoolRig]:
    async with pool_rig(pool, [600.0], Policy(retry_base_s=0.0)) as rig:
        yield rig


async def test_an_account_fatal_answer_stops_the_account_and_the_rows_wait(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 3)
    action = await start(rig, campaign, PostAction.PIN)
    member.telegram.fail_next(
        401, "AUTH_KEY_UNREGISTERED", request_type=functions.messages.UpdatePinnedMessageRequest
    )
    await rig.drain()
    account = await rig.account(member)
    assert (account.status, account.stop_reason) == ("stopped", "AUTH_KEY_UNREGISTERED")
    async with rig.pool.connection() as conn:
        found = await actions.rows_of(conn, action.id)
        progress = await actions.progress(conn, action.id)
    # No attempt counted, nothing after the answer: the rows wait for the account.
    assert [(r.status, r.attempts) for r in found] == [(R.QUEUED, 0)] * 3
    assert progress.waiting_for_account == 3
    assert member.telegram.request_names().count("UpdatePinnedMessageRequest") == 1
    assert not member.telegram.post_actions.done
    assert (await fetch(rig, action)).status is ActionStatus.RUNNING


async def test_pause_holds_the_rows_and_resume_sends_them(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 3)
    action = await start(rig, campaign, PostAction.PIN)
    async with rig.pool.connection() as conn:
        await actions.set_status(conn, action.id, ActionStatus.PAUSED)
    await rig.drain()
    assert await rows(rig, action) == [(R.QUEUED, None)] * 3
    assert not member.telegram.post_actions.received
    assert (await fetch(rig, action)).status is ActionStatus.PAUSED  # a pause is not an end
    async with rig.pool.connection() as conn:
        await actions.set_status(conn, action.id, ActionStatus.RUNNING)
    await rig.drain()
    assert await rows(rig, action) == [(R.DONE, None)] * 3
    pinned = member.telegram.post_actions.count("pin")
    assert len(pinned) == 3 and all(d.silent for d in member.telegram.post_actions.done)


async def photo_posted(rig: PoolRig, count: int) -> tuple[list[tuple[int, int]], int]:
    """A photo campaign out in `count` channels: its posts, and the campaign's id."""
    campaign = await rig.campaign(count)
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE templates SET media_kind = 'photo', media_file_id = 'AgADphoto' WHERE id = %s",
            (campaign.template_id,),
        )
        info = MediaInfo(file_name="photo.jpg", mime_type="image/jpeg", size=len(PHOTO))
        await template_media.save(conn, campaign.template_id, info, PHOTO)
    await rig.launch(campaign)
    await rig.drain()
    assert [d.status for d in await rig.ledger(campaign)] == [DeliveryStatus.SENT] * count
    [member] = rig.members
    return posts(member, [f"chan_{i:05d}" for i in range(count)]), campaign.id


async def test_an_edit_of_a_media_post_keeps_its_file(rig: PoolRig) -> None:
    [member] = rig.members
    done, campaign_id = await photo_posted(rig, 2)
    campaign = await _campaign(rig, campaign_id)
    action = await start(rig, campaign, PostAction.EDIT)
    await rig.drain()
    assert await rows(rig, action) == [(R.DONE, None)] * 2
    for chat_id, _ in done:
        [post] = member.telegram.posts[chat_id]
        assert post.text == NEW_TEXT and post.media is not None and post.media.data == PHOTO
    assert member.telegram.uploaded() == [PHOTO]  # nothing uploaded again


async def test_an_edit_with_a_new_file_replaces_it_uploading_once(rig: PoolRig) -> None:
    [member] = rig.members
    done, campaign_id = await photo_posted(rig, 3)
    async with rig.pool.connection() as conn:
        version = await templates.create(
            conn, "v2", "<b>Fixed</b> news", created_by=1, media_kind="photo"
        )
        info = MediaInfo(file_name="new.jpg", mime_type="image/jpeg", size=len(NEW_PHOTO))
        await template_media.save(conn, version.id, info, NEW_PHOTO)
        action, _ = await actions.start(
            conn, campaign_id=campaign_id, kind=PostAction.EDIT, template_id=version.id
        )
    await rig.drain()
    assert await rows(rig, action) == [(R.DONE, None)] * 3
    for chat_id, _ in done:
        [post] = member.telegram.posts[chat_id]
        assert post.text == NEW_TEXT and post.media is not None and post.media.data == NEW_PHOTO
    assert member.telegram.uploaded() == [PHOTO, NEW_PHOTO]
    assert (await _campaign(rig, campaign_id)).status is CampaignStatus.COMPLETED


async def _campaign(rig: PoolRig, campaign_id: int) -> Campaign:
    async with rig.pool.connection() as conn:
        found = await campaigns.get(conn, campaign_id)
    assert found is not None
    return found


async def test_a_pause_mid_batch_stops_it_and_gives_its_slots_back(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 5)
    action = await start(rig, campaign, PostAction.PIN)

    paused_at = []

    async def pause_after_the_first(request: object) -> None:
        if len(member.telegram.post_actions.received) == 1:
            async with rig.pool.connection() as conn:
                await actions.set_status(conn, action.id, ActionStatus.PAUSED)
            paused_at.append(member.sleep.monotonic())

    member.telegram.post_actions.on_action = pause_after_the_first
    await rig.drain()
    assert await rows(rig, action) == [(R.DONE, None)] + [(R.QUEUED, None)] * 4
    # The batch stopped at the next row, without waiting out the slots of the rest, and the
    # four slots reserved for them hold nothing.
    assert member.sleep.monotonic() - paused_at[0] < 0.15  # the next row's slot, no more
    account = await rig.account(member)
    assert account.last_slot_at is not None and account.last_slot_at <= member.sleep.wall()
