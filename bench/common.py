"""Shared set-up for benchmarks: a fresh migrated database, the queue, the Telethon fake."""

from __future__ import annotations

import json
import os
import platform
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import psycopg

from predlagator.db.migrate import migrate
from predlagator.db.pool import Pool, open_pool
from tests.pg import with_dbname


@contextmanager
def server() -> Iterator[str]:
    """BENCH_DATABASE_URL, TEST_DATABASE_URL, or an embedded PostgreSQL for this run."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    from predlagator.db.embedded import EmbeddedPostgres, scratch_dir  # noqa: PLC0415

    with scratch_dir("predlagator-bench-") as parent, EmbeddedPostgres(parent / "pgdata") as pg:
        yield pg.url


@asynccontextmanager
async def fresh_database(server_url: str, pool_size: int = 10) -> AsyncIterator[tuple[str, Pool]]:
    """A new migrated database and a pool on it, dropped afterwards."""
    name = f"predlagator_bench_{uuid.uuid4().hex[:10]}"
    async with await psycopg.AsyncConnection.connect(server_url, autocommit=True) as admin:
        await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_dbname(server_url, name)
    try:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await migrate(conn)
        pool = await open_pool(url, min_size=2, max_size=pool_size)
        try:
            yield url, pool
        finally:
            await pool.close()
    finally:
        async with await psycopg.AsyncConnection.connect(server_url, autocommit=True) as admin:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def machine() -> str:
    """One line naming the machine the figures come from."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(result: dict[str, Any]) -> None:
    """Print the result as the last line, one JSON object."""
    print(json.dumps(result), flush=True)
