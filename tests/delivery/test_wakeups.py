"""A drain whose next slot is seconds away naps until just before it, and a kick for its
account wakes it early: the job listener relays the kick's notification, and a kick that finds
one waiting notifies too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import psycopg
import pytest
from procrastinate.manager import get_channel_for_queues

from predlagator.db import actions
from predlagator.db.pool import Pool
from predlagator.delivery import drain as drain_mod
from predlagator.delivery import tasks
from predlagator.delivery.drain import Drain
from predlagator.delivery.job_listener import FollowingConnector
from predlagator.delivery.wakeups import Wakeups
from predlagator.models import Campaign, PostAction
from predlagator.queue import defer, names
from tests.pool_rig import Member, PoolRig, pool_rig
from tests.rig import RecordedSleep, Rig, delivery_rig

WITHIN_S = 10.0  # a guard against a hang, never waited out when the code works
SLOW_RATE = 6.0  # ten seconds between a campaign's posts


def channel_of(account_id: int) -> str:
    (channel,) = get_channel_for_queues([names.account_queue(account_id)])
    return channel


class GatedSleep:
    """The rig's sleeps (skipped, moving its clock on), but naps longer than a second wait for
    `open` first."""

    def __init__(self, skipped: RecordedSleep) -> None:
        self.napping = asyncio.Event()
        self._skipped = skipped
        self._gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def __call__(self, seconds: float) -> None:
        if seconds > 1.0 and not self._gate.done():
            self.napping.set()
            await asyncio.shield(self._gate)
        await self._skipped(seconds)

    def open(self) -> None:
        """From now on no sleep waits."""
        if not self._gate.done():
            self._gate.set_result(None)


async def within(awaitable: Awaitable[Any]) -> Any:
    return await asyncio.wait_for(awaitable, WITHIN_S)


# --- Wakeups on its own -----------------------------------------------------------------


async def test_a_nap_ends_when_its_account_hears_a_kick_and_not_for_another() -> None:
    wakeups = Wakeups()
    forever = asyncio.get_running_loop().create_future()

    async def sleep(seconds: float) -> None:
        await forever

    wakeups.clear(1)
    wakeups.clear(2)
    nap = asyncio.create_task(wakeups.nap(1, 5.0, sleep))
    wakeups.heard(channel_of(2))
    wakeups.heard("procrastinate_queue_v1#delivery")
    done, _ = await asyncio.wait({nap}, timeout=0)  # the loop goes round once
    assert not done

    wakeups.heard(channel_of(1))
    assert await within(nap) is True


async def test_a_kick_heard_before_the_nap_ends_it_at_once_until_cleared() -> None:
    wakeups = Wakeups()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    wakeups.clear(1)
    wakeups.heard(channel_of(1))  # while the drain claimed: the nap must not miss it
    assert await wakeups.nap(1, 5.0, sleep) is True
    assert slept == []

    wakeups.clear(1)
    assert await wakeups.nap(1, 5.0, sleep) is False
    assert slept == [5.0]


# --- the notifications ------------------------------------------------------------------


@pytest.fixture
async def listening(db_url: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
        yield conn


async def next_notice(conn: psycopg.AsyncConnection[Any]) -> str:
    async for notice in conn.notifies(timeout=WITHIN_S):
        return notice.channel
    raise AssertionError("no notification came")


async def test_a_kick_that_finds_one_waiting_still_notifies_its_queue(
    rig: Rig, listening: psycopg.AsyncConnection[Any]
) -> None:
    channel = channel_of(rig.account_id)
    await listening.execute(f'LISTEN "{channel}"')

    await defer.kick_drain(rig.app, rig.account_id)
    assert await next_notice(listening) == channel  # the insert's, Procrastinate's trigger
    await defer.kick_drain(rig.app, rig.account_id)  # AlreadyEnqueued: the one waiting stays
    assert await next_notice(listening) == channel

    assert len(await rig.jobs(names.DRAIN)) == 1


async def test_the_job_listener_tells_each_notification_s_channel(rig: Rig, db_url: str) -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()
    account_queue = names.account_queue(rig.account_id)
    connector = FollowingConnector(
        [names.DELIVERY_QUEUE, account_queue], db_url, heard=heard.put_nowait
    )
    relayed: list[str] = []

    async def on_notification(*, channel: str, payload: str) -> None:
        relayed.append(channel)

    channels = list(get_channel_for_queues([names.DELIVERY_QUEUE, account_queue]))
    listener = asyncio.create_task(connector.listen_notify(on_notification, channels))
    try:
        # As it starts listening it tells every channel: what came before is not known.
        assert sorted([await within(heard.get()) for _ in channels]) == sorted(channels)
        await defer.kick_drain(rig.app, rig.account_id)
        assert await within(heard.get()) == channel_of(rig.account_id)
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
    assert channel_of(rig.account_id) in relayed  # Procrastinate's worker hears it as before


# --- the drain --------------------------------------------------------------------------


@pytest.fixture
async def napping_rig(pool: Pool) -> AsyncIterator[tuple[Rig, GatedSleep]]:
    async with delivery_rig(pool) as rig:
        gated = GatedSleep(rig.sleep)
        rig.deps.sleep = gated
        rig.deps.wakeups = Wakeups()
        yield rig, gated
        gated.open()


async def test_a_drain_naps_until_just_before_its_next_slot(pool: Pool) -> None:
    async with delivery_rig(pool) as rig:
        rig.deps.wakeups = Wakeups()
        campaign = await rig.campaign(2, rate=SLOW_RATE)
        await rig.start(campaign)
        await rig.work()

        assert len(rig.telegram.sent) == 2
    naps = [s for s in rig.sleep.waits if s > drain_mod.NAP_S / 2]
    # Ten seconds between the posts: a nap of at most LONG_NAP_S, then one until a quarter
    # second before the slot, where half-second naps would have claimed twenty times.
    assert naps and max(naps) == pytest.approx(drain_mod.LONG_NAP_S)
    assert len(naps) <= 3
    assert drain_mod.NAP_S not in rig.sleep.waits


async def test_a_kick_wakes_a_napping_drain_for_a_campaign_started_meanwhile(
    napping_rig: tuple[Rig, GatedSleep],
) -> None:
    rig, gated = napping_rig
    slow = await rig.campaign(2, rate=SLOW_RATE, prefix="slow")
    fast = await rig.campaign(1, prefix="fast")
    await rig.start(slow)
    work = asyncio.create_task(rig.work())
    try:
        await within(gated.napping.wait())  # the slow campaign's first post is out
        assert len(rig.telegram.sent) == 1

        # The fast one starts while the drain naps: its launch lays out the ledger and kicks
        # the account's drain, and the worker's job listener hears the kick.
        await rig.start(fast)  # its launch job waits behind the drain: launch it here
        assert await tasks.launch(rig.app, rig.pool, fast.id)
        gated.napping.clear()
        rig.deps.wakeups.heard(channel_of(rig.account_id))  # type: ignore[union-attr]

        # It posts the fast campaign's post and naps again: the slow one's next slot is still
        # ten seconds off.
        await within(gated.napping.wait())
        assert len(rig.telegram.sent) == 2
        assert {d.status.value for d in await rig.ledger(fast)} == {"sent"}
        assert [d.status.value for d in await rig.ledger(slow)] == ["sent", "queued"]
    finally:
        gated.open()
        await within(work)
    assert len(rig.telegram.sent) == 3


# --- looks for actions and reach reads ----------------------------------------------------


@pytest.fixture
async def quiet_rig(pool: Pool) -> AsyncIterator[tuple[PoolRig, Member, GatedSleep, Campaign]]:
    """One account at SLOW_RATE with a post out (the target of the actions below), its drain
    hearing kicks, its naps gated."""
    async with pool_rig(pool, [SLOW_RATE]) as rig:
        [member] = rig.members
        posted = await rig.campaign(1, prefix="posted")
        await rig.launch(posted)
        await rig.drain()
        gated = GatedSleep(member.sleep)
        member.deps.sleep = gated
        member.deps.wakeups = Wakeups()
        yield rig, member, gated, posted
        gated.open()


async def pin_while_napping(
    quiet: tuple[PoolRig, Member, GatedSleep, Campaign], *, kick: bool
) -> Member:
    """Start a campaign of three posts, and while the drain naps before its first, a pin of
    the post that is out (with the bot's kick, or without one); then let the drain finish."""
    rig, member, gated, posted = quiet
    slow = await rig.campaign(3, prefix="slow")
    await rig.launch(slow)
    work = asyncio.create_task(Drain(member.deps, member.account_id).run())
    try:
        await within(gated.napping.wait())
        assert len(member.posts_at) == 1  # the earlier campaign's post only
        async with rig.pool.connection() as conn:
            await actions.start(
                conn,
                campaign_id=posted.id,
                kind=PostAction.PIN,
                template_id=None,
                created_by=1,
            )
        if kick:
            member.deps.wakeups.heard(channel_of(member.account_id))  # type: ignore[union-attr]
    finally:
        gated.open()
        await within(work)
    assert len(member.posts_at) == 4
    assert len(member.actions_at) == 1
    return member


async def test_a_drain_hearing_no_kick_looks_for_actions_again_only_after_a_while(
    quiet_rig: tuple[PoolRig, Member, GatedSleep, Campaign],
) -> None:
    member = await pin_while_napping(quiet_rig, kick=False)

    # Its turns while nothing was heard did not look for actions (each look is a query per
    # turn): the pin waited past the first post, but not for long.
    [pinned] = member.actions_at
    first, _, last = member.posts_at[1:]
    assert first < pinned < last


async def test_a_kick_makes_the_drain_look_for_actions_at_once(
    quiet_rig: tuple[PoolRig, Member, GatedSleep, Campaign],
) -> None:
    member = await pin_while_napping(quiet_rig, kick=True)

    [pinned] = member.actions_at
    assert pinned < member.posts_at[1]
