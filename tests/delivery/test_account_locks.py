"""Many account locks on one connection: taken once each, let go one by one, and all known
lost the moment that connection dies (no account's sender reaches Telegram from then on)."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from predlagator.delivery.account_locks import AccountLocks
from predlagator.delivery.locked_sender import LockedSender
from predlagator.delivery.session_lock import SessionLock, SessionLockLost
from tests.delivery.test_pg_restart import PEER, RecordingSender


async def test_locks_are_held_once_each_on_one_connection_and_shared_with_session_locks(
    db_url: str,
) -> None:
    locks = AccountLocks(db_url)
    other = AccountLocks(db_url)
    await locks.connect()
    await other.connect()
    try:
        assert await locks.take("a") and await locks.take("b")
        assert await locks.take("a")  # already ours
        assert not await other.take("a")  # another worker's
        assert await other.take("c")
        # The same keys as a single account's SessionLock: either sees the other's.
        single = SessionLock(db_url, "b", poll_s=0.01)
        acquiring = asyncio.create_task(single.acquire())
        await locks.let_go("b")
        assert not locks.holds("b")
        async with asyncio.timeout(30):
            await acquiring
        assert single.held
        await single.release()
        assert locks.holds("a") and not other.holds("a")
    finally:
        await locks.release()
        await other.release()


async def test_every_lock_is_known_lost_at_once_when_the_connection_dies(db_url: str) -> None:
    locks = AccountLocks(db_url, check_s=3600)
    await locks.connect()
    for name in ("a", "b", "c"):
        assert await locks.take(name)
    telegram = RecordingSender()
    senders = [LockedSender(telegram, locks.lock(name)) for name in ("a", "b", "c")]
    waiting = asyncio.create_task(locks.wait(3600))
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as admin:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    with pytest.raises(SessionLockLost):
        await asyncio.wait_for(waiting, 60)  # heard at once, not after the hour's check
    assert await locks.lost(0)
    for sender in senders:
        with pytest.raises(SessionLockLost):
            await sender.send(PEER, "<b>x</b>", 1)
    assert telegram.calls == []
    await locks.release()
    await locks.connect()  # the database is up: open again and take them again
    assert await locks.take("a")
    await locks.release()
