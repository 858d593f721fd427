"""Migrations: on an empty database, twice, and from two processes at once."""

from __future__ import annotations

import asyncio

import psycopg

from predlagator.db.migrate import available, migrate


async def test_migrate_empty_then_again(empty_db_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(empty_db_url, autocommit=True) as conn:
        first = await migrate(conn)
        second = await migrate(conn)
        cur = await conn.execute("SELECT count(*) FROM predlagator_migrations")
        row = await cur.fetchone()
        cur = await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        jobs = await cur.fetchone()
    assert first == ["procrastinate", *(name for _, name, _ in available())]
    assert second == []
    assert row == (len(available()),)
    assert jobs == (True,)


async def test_migrate_concurrently(empty_db_url: str) -> None:
    async def one() -> list[str]:
        async with await psycopg.AsyncConnection.connect(empty_db_url, autocommit=True) as conn:
            return await migrate(conn)

    results = await asyncio.gather(one(), one(), one())
    applied = sorted(results, key=len)
    assert applied[0] == applied[1] == []
    assert "0001_init.sql" in applied[2]
