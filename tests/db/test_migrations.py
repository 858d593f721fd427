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


async def test_deactivation_reasons_become_code_and_count(empty_db_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(empty_db_url, autocommit=True) as conn:
        await migrate(conn)
        # Back to the table as 0006 left it, with reasons as the engine wrote them then.
        await conn.execute(
            "ALTER TABLE channels DROP COLUMN deactivated_code, DROP COLUMN deactivated_count,"
            " ADD COLUMN deactivated_reason text"
        )
        await conn.execute("DELETE FROM predlagator_migrations WHERE version = 7")
        await conn.execute(
            "INSERT INTO channels (ref, active, deactivated_reason) VALUES"
            " ('a_chan', false, 'CHAT_WRITE_FORBIDDEN'), ('b_chan', false, 'TIMEOUT ×5'),"
            " ('c_chan', true, NULL)"
        )
        assert await migrate(conn) == ["0007_deactivation_as_data.sql"]
        cur = await conn.execute(
            "SELECT ref, deactivated_code, deactivated_count FROM channels ORDER BY ref"
        )
        rows = await cur.fetchall()
    assert rows == [
        ("a_chan", "CHAT_WRITE_FORBIDDEN", 1),
        ("b_chan", "TIMEOUT", 5),
        ("c_chan", None, None),
    ]


def test_every_migration_has_a_number_of_its_own() -> None:
    # The number is the version: two files with one number would leave one of them unapplied.
    versions = [version for version, _, _ in available()]
    assert len(versions) == len(set(versions)), sorted(versions)
