"""A worker says at its start when PostgreSQL cannot take every connection it may open (a
drain keeps one while its account sends), and stays quiet when it can."""

from __future__ import annotations

import logging

import pytest

from predlagator.db import capacity
from predlagator.db.pool import Pool, open_pool
from predlagator.delivery import worker
from tests.delivery.test_pool_serving import settings


async def test_connections_left_counts_what_is_open_now(pool: Pool, db_url: str) -> None:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT current_setting('max_connections')::int AS most, "
            "current_setting('superuser_reserved_connections')::int AS kept"
        )
        limits = await cur.fetchone()
        assert limits is not None
        async with await open_pool(db_url, min_size=3, max_size=3):
            left = await capacity.connections_left(conn)
    # Open at least: this connection and the other pool's three (other tests may open more).
    assert 0 < left <= limits["most"] - limits["kept"] - 4


async def test_a_worker_whose_pool_the_server_cannot_take_says_so(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with await open_pool(db_url, min_size=1, max_size=1000) as roomy:
        with caplog.at_level(logging.WARNING, logger=worker.__name__):
            await worker.warn_if_short_of_connections(settings(db_url, 992), roomy)
    [said] = [r.getMessage() for r in caplog.records if r.name == worker.__name__]
    assert said.startswith("PostgreSQL takes ")
    assert ", and this worker may open 1001 (WORKER_MAX_ACCOUNTS=992: " in said
    assert said.endswith("raise max_connections on the server or lower WORKER_MAX_ACCOUNTS")


async def test_a_worker_the_server_has_room_for_says_nothing(
    pool: Pool, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=worker.__name__):
        await worker.warn_if_short_of_connections(settings(db_url, 2), pool)
    assert [r for r in caplog.records if r.name == worker.__name__] == []
