"""Actions over a campaign's posts through the account's drain: each outcome by Telegram's
error name, made once, sent by the account that posted, at its pace and in its flood state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telethon import functions

from predlagator.db import accounts, actions, channels, templates
from predlagator.db.pool import Pool
from predlagator.delivery.policy import Policy
from predlagator.models import (
    ActionRowStatus,
    ActionStatus,
    Campaign,
    CampaignAction,
    DeliveryStatus,
    PostAction,
)
from predlagator.queue import names
from tests.pool_rig import Member, PoolRig, pool_rig

R = ActionRowStatus
NEW_HTML = "<b>Fixed</b> news"
NEW_TEXT = "Fixed news"

REQUEST = {
    PostAction.EDIT: functions.messages.EditMessageRequest,
    PostAction.DELETE: functions.channels.DeleteMessagesRequest,
    PostAction.PIN: functions.messages.UpdatePinnedMessageRequest,
    PostAction.UNPIN: functions.messages.UpdatePinnedMessageRequest,
}


@pytest.fixture
async def rig(pool: Pool) -> AsyncIterator[PoolRig]:
    """One account at 600 a minute; retries come due at once (the database's clock is real)."""
    async with pool_rig(pool, [600.0], Policy(retry_base_s=0.0)) as rig:
        yield rig


async def posted(rig: PoolRig, count: int, *, retry_limit: int = 3, prefix: str = "ch") -> Campaign:
    """A campaign whose `count` posts are out."""
    campaign = await rig.campaign(count, retry_limit=retry_limit, prefix=prefix)
    await rig.launch(campaign)
    await rig.drain()
    assert all(d.status is DeliveryStatus.SENT for d in await rig.ledger(campaign))
    return campaign


async def start(
    rig: PoolRig, campaign: Campaign, kind: PostAction, html: str = NEW_HTML
) -> CampaignAction:
    async with rig.pool.connection() as conn:
        template_id = None
        if kind is PostAction.EDIT:
            template_id = (await templates.create(conn, "v2", html, created_by=1)).id
        action, made = await actions.start(
            conn, campaign_id=campaign.id, kind=kind, template_id=template_id, created_by=1
        )
    assert made
    return action


async def rows(rig: PoolRig, action: CampaignAction) -> list[tuple[ActionRowStatus, str | None]]:
    """Each row's status and its error (failed) or note (done) code."""
    async with rig.pool.connection() as conn:
        found = await actions.rows_of(conn, action.id)
    return [(r.status, r.error_code if r.status is R.FAILED else r.note_code) for r in found]


async def fetch(rig: PoolRig, action: CampaignAction) -> CampaignAction:
    async with rig.pool.connection() as conn:
        fresh = await actions.get(conn, action.id)
    assert fresh is not None
    return fresh


def posts(member: Member, campaign_refs: list[str]) -> list[tuple[int, int]]:
    """(chat id, message id) of the one post in each of these channels."""
    out = []
    for ref in campaign_refs:
        chat_id = member.telegram.channels[ref].id
        [post] = member.telegram.posts[chat_id]
        out.append((chat_id, post.message_id))
    return out


async def finished_jobs(rig: PoolRig) -> list[dict[str, Any]]:
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT args FROM procrastinate_jobs WHERE task_name = %s ORDER BY id",
            (names.ACTION_FINISHED,),
        )
        return list(await cur.fetchall())


async def test_each_action_goes_out_once_from_the_account_that_posted(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 3)
    refs = [f"ch_{i:05d}" for i in range(3)]
    fake = member.telegram.post_actions
    for kind in (PostAction.PIN, PostAction.UNPIN, PostAction.EDIT, PostAction.DELETE):
        action = await start(rig, campaign, kind)
        await rig.drain()
        assert await rows(rig, action) == [(R.DONE, None)] * 3
        assert (await fetch(rig, action)).status is ActionStatus.COMPLETED
        assert set(fake.count(kind.value).values()) == {1}
        assert len(fake.count(kind.value)) == 3
    assert {d.account for d in fake.done} == {member.telegram.authorized_keys.copy().pop()}
    assert [fake.state(*p).deleted for p in posts(member, refs)] == [True] * 3
    assert [fake.text(*p) for p in posts(member, refs)] == [NEW_TEXT] * 3
    # Each ended once, and said so once.
    assert len(await finished_jobs(rig)) == 4
    # Deleted posts are no target any more.
    async with rig.pool.connection() as conn:
        assert await actions.targets(conn, campaign.id) == 0


# (action, Telegram's error, the row's end, its code)
OUTCOMES = [
    (PostAction.EDIT, "MESSAGE_NOT_MODIFIED", R.DONE, "MESSAGE_NOT_MODIFIED"),
    (PostAction.EDIT, "MESSAGE_EDIT_TIME_EXPIRED", R.FAILED, "MESSAGE_EDIT_TIME_EXPIRED"),
    (PostAction.EDIT, "MESSAGE_ID_INVALID", R.FAILED, "MESSAGE_ID_INVALID"),
    (PostAction.EDIT, "CHAT_ADMIN_REQUIRED", R.FAILED, "CHAT_ADMIN_REQUIRED"),
    (PostAction.EDIT, "CHANNEL_PRIVATE", R.FAILED, "CHANNEL_PRIVATE"),
    (PostAction.DELETE, "MESSAGE_ID_INVALID", R.DONE, "MESSAGE_ID_INVALID"),
    (PostAction.DELETE, "CHAT_ADMIN_REQUIRED", R.FAILED, "CHAT_ADMIN_REQUIRED"),
    (PostAction.DELETE, "MESSAGE_DELETE_FORBIDDEN", R.FAILED, "MESSAGE_DELETE_FORBIDDEN"),
    (PostAction.PIN, "CHAT_NOT_MODIFIED", R.DONE, "CHAT_NOT_MODIFIED"),
    (PostAction.PIN, "MESSAGE_ID_INVALID", R.FAILED, "MESSAGE_ID_INVALID"),
    (PostAction.PIN, "CHAT_ADMIN_REQUIRED", R.FAILED, "CHAT_ADMIN_REQUIRED"),
    (PostAction.PIN, "PIN_RESTRICTED", R.FAILED, "PIN_RESTRICTED"),
    (PostAction.UNPIN, "MESSAGE_ID_INVALID", R.DONE, "MESSAGE_ID_INVALID"),
    (PostAction.UNPIN, "CHAT_NOT_MODIFIED", R.DONE, "CHAT_NOT_MODIFIED"),
    (PostAction.UNPIN, "CHAT_ADMIN_REQUIRED", R.FAILED, "CHAT_ADMIN_REQUIRED"),
]


@pytest.mark.parametrize(("kind", "code", "status", "recorded"), OUTCOMES)
async def test_an_outcome_by_telegram_error_name(
    rig: PoolRig, kind: PostAction, code: str, status: ActionRowStatus, recorded: str
) -> None:
    [member] = rig.members
    campaign = await posted(rig, 2)
    if kind is PostAction.UNPIN:  # pinned first, so the other post's unpin changes it
        await start(rig, campaign, PostAction.PIN)
        await rig.drain()
    action = await start(rig, campaign, kind)
    member.telegram.fail_next(400, code, request_type=REQUEST[kind])
    await rig.drain()
    assert await rows(rig, action) == [(status, recorded), (R.DONE, None)]
    fresh = await fetch(rig, action)
    assert fresh.status is ActionStatus.COMPLETED and fresh.finished_at is not None
    async with rig.pool.connection() as conn:
        # Never a channel's deactivation, nor the account's stop.
        assert await channels.list_inactive(conn) == []
        account = await accounts.get(conn, member.account_id)
        progress = await actions.progress(conn, action.id)
    assert account is not None and account.status == "active"
    assert progress.errors == {recorded: 1}
    assert (progress.done, progress.failed) == ((2, 0) if status is R.DONE else (1, 1))


async def test_transient_errors_retry_up_to_the_campaigns_limit(rig: PoolRig) -> None:
    [member] = rig.members
    campaign = await posted(rig, 1, retry_limit=2)
    action = await start(rig, campaign, PostAction.EDIT)
    # The edit fails three times: two retries, then it fails.
    member.telegram.fail_next(
        400, "MSG_WAIT_FAILED", times=3, request_type=REQUEST[PostAction.EDIT]
    )
    await rig.drain()
    assert await rows(rig, action) == [(R.FAILED, "MSG_WAIT_FAILED")]
    async with rig.pool.connection() as conn:
        [row] = await actions.rows_of(conn, action.id)
    assert row.attempts == 3
    assert not member.telegram.post_actions.done  # nothing changed at Telegram
