"""Every connect the worker makes gives up in time and, failed or cancelled, closes its socket.

The server here is a TCP listener that takes connections and never answers (a database that
hangs in the handshake, or one shutting down that waits for the client): what matters is what
the client does with its socket, which the listener sees as the end of its stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import pytest

from predlagator.db.connection import CONNECT_TIMEOUT_S, Connection
from predlagator.db.pool import open_pool
from predlagator.delivery.account_locks import AccountLocks
from predlagator.delivery.session_lock import SessionLock

# Enough for a client to give up after CONNECT_TIMEOUT_S on a busy machine; it only bounds
# how long a failing test waits.
CLOSED_WITHIN_S = CONNECT_TIMEOUT_S + 20.0


class SilentServer:
    """Accepts TCP connections, reads whatever comes and never writes a byte."""

    def __init__(self) -> None:
        self.accepted: asyncio.Queue[asyncio.StreamReader] = asyncio.Queue()
        self.url = ""
        self._writers: list[asyncio.StreamWriter] = []

    async def _take(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        await self.accepted.put(reader)

    @asynccontextmanager
    async def listening(self) -> AsyncIterator[SilentServer]:
        server = await asyncio.start_server(self._take, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        try:
            async with server:
                yield self
        finally:
            for writer in self._writers:
                writer.close()
                await writer.wait_closed()

    async def next_client(self) -> asyncio.StreamReader:
        """The next connection, once the client has sent its first packet (it then waits)."""
        async with asyncio.timeout(CLOSED_WITHIN_S):
            client = await self.accepted.get()
            assert await client.read(1024)  # the SSL request, or the startup packet
        return client


async def closed_by_client(client: asyncio.StreamReader) -> bool:
    """Whether the client closes its end (False if it still holds it open after a while)."""
    try:
        async with asyncio.timeout(CLOSED_WITHIN_S):
            while await client.read(1024):
                pass
    except TimeoutError:
        return False
    return True


@pytest.fixture
async def silent() -> AsyncIterator[SilentServer]:
    async with SilentServer().listening() as server:
        yield server


async def test_a_connect_cancelled_mid_handshake_closes_its_socket_at_once(
    silent: SilentServer,
) -> None:
    attempt = asyncio.create_task(Connection.connect(silent.url))
    client = await silent.next_client()
    attempt.cancel()
    # Awaited the way a queue's shutdown waits for its side tasks: the task keeps its error
    # (and so the frames it went through) for as long as the task itself is around.
    await asyncio.wait([attempt])
    assert attempt.cancelled()
    assert await closed_by_client(client)


async def test_a_connect_the_server_never_answers_gives_up_and_closes_its_socket(
    silent: SilentServer,
) -> None:
    attempt = asyncio.create_task(Connection.connect(silent.url))
    client = await silent.next_client()
    assert await closed_by_client(client)
    with pytest.raises(psycopg.OperationalError, match="timeout"):
        await attempt


async def test_the_pool_gives_up_a_connect_the_server_never_answers_and_tries_again(
    silent: SilentServer,
) -> None:
    # The same class makes Procrastinate's LISTEN connection (the pool's connection_class).
    opening = asyncio.create_task(open_pool(silent.url, min_size=1, max_size=1))
    try:
        first = await silent.next_client()
        assert await closed_by_client(first)
        second = await silent.next_client()  # the pool's own retry, on a fresh socket
        assert second is not first
    finally:
        opening.cancel()
        await asyncio.wait([opening])


async def test_the_session_lock_gives_up_a_connect_the_server_never_answers_and_tries_again(
    silent: SilentServer,
) -> None:
    lock = SessionLock(silent.url, "silent")
    acquiring = asyncio.create_task(lock.acquire())
    try:
        first = await silent.next_client()
        assert await closed_by_client(first)
        await silent.next_client()  # retried after a short backoff
        assert not lock.held
    finally:
        acquiring.cancel()
        await asyncio.wait([acquiring])


async def test_the_account_locks_give_up_a_connect_the_server_never_answers_and_try_again(
    silent: SilentServer,
) -> None:
    locks = AccountLocks(silent.url)
    connecting = asyncio.create_task(locks.connect())
    try:
        first = await silent.next_client()
        assert await closed_by_client(first)
        await silent.next_client()  # retried after a short backoff
        assert not locks.holds("silent")
    finally:
        connecting.cancel()
        await asyncio.wait([connecting])
