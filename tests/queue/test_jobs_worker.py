"""A stop request always stops Procrastinate's worker, even one a library swallowed."""

from __future__ import annotations

import asyncio
from typing import Any

import procrastinate
from procrastinate import sql

from predlagator.db.pool import Pool
from predlagator.queue.app import make_app
from predlagator.queue.connector import Connector
from predlagator.queue.jobs_worker import run_jobs

STOP_WITHIN_S = 10.0


class HeldRegistration(Connector):
    """Holds the worker's registration in an `asyncio.wait_for`, as psycopg's pool holds a
    connection request, until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.registering = asyncio.Event()
        self.gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def execute_query_one_async(self, query: str, **arguments: Any) -> dict[str, Any]:
        """Run the query; after the registration, wait at the gate."""
        row: dict[str, Any] = await super().execute_query_one_async(query, **arguments)
        if query == sql.queries["register_worker"]:
            self.registering.set()
            await asyncio.wait_for(self.gate, timeout=60)
        return row


class WatchedStart(Connector):
    """Says when the worker's start sends its first query (the prune of stalled workers)."""

    def __init__(self) -> None:
        super().__init__()
        self.starting = asyncio.Event()

    async def execute_query_all_async(self, query: str, **arguments: Any) -> list[dict[str, Any]]:
        """Run the query, saying first that the start is under way."""
        self.starting.set()
        rows: list[dict[str, Any]] = await super().execute_query_all_async(query, **arguments)
        return rows


async def workers_registered(pool: Pool) -> int:
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM procrastinate_workers")
        row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


async def test_a_cancel_lost_while_the_worker_registers_still_stops_it(pool: Pool) -> None:
    connector = HeldRegistration()
    app = make_app(procrastinate.Blueprint(), connector=connector)
    await app.open_async(pool=pool)
    try:
        runner = asyncio.create_task(
            run_jobs(app, {"queues": ["nowhere"], "install_signal_handlers": False})
        )
        await connector.registering.wait()
        # The connection comes just as the stop request lands: Python 3.11's wait_for then
        # returns the connection and the cancellation is lost inside the worker's start.
        connector.gate.set_result(None)
        runner.cancel()
        done, _ = await asyncio.wait({runner}, timeout=STOP_WITHIN_S)

        assert runner in done, "the worker started serving after it was asked to stop"
        assert runner.cancelled()
        assert await workers_registered(pool) == 0  # it stopped the way it stops, not killed
    finally:
        await app.close_async()


async def test_a_cancel_as_the_worker_starts_stops_it(pool: Pool) -> None:
    connector = WatchedStart()
    app = make_app(procrastinate.Blueprint(), connector=connector)
    await app.open_async(pool=pool)
    try:
        runner = asyncio.create_task(
            run_jobs(app, {"queues": ["nowhere"], "install_signal_handlers": False})
        )
        await asyncio.wait_for(connector.starting.wait(), STOP_WITHIN_S)
        runner.cancel()
        done, _ = await asyncio.wait({runner}, timeout=STOP_WITHIN_S)

        assert runner in done and runner.cancelled()
        assert await workers_registered(pool) == 0
    finally:
        await app.close_async()
