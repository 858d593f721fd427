"""Numbered SQL migrations, applied once each, under an advisory lock."""

from __future__ import annotations

import logging
from importlib import resources
from typing import LiteralString

from procrastinate.schema import SchemaManager
from psycopg import AsyncConnection

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same in every process that migrates.
MIGRATION_LOCK = 0x5072_6564_6C61_6701  # "Predlag" + 1

_LEDGER = """
CREATE TABLE IF NOT EXISTS predlagator_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


def available() -> list[tuple[int, str, LiteralString]]:
    """Return (version, name, sql) of every migration file, in order."""
    folder = resources.files("predlagator.db") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text("utf-8")))
    return sorted(found)


async def migrate(conn: AsyncConnection[object]) -> list[str]:
    """Apply what is missing, including Procrastinate's schema; return the names applied."""
    applied: list[str] = []
    async with conn.transaction():
        # Transaction-scoped, so a crash mid-way releases it; a second process waits here and
        # then finds everything applied.
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.execute(_LEDGER)
        cur = await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        row = await cur.fetchone()
        if not _first(row):
            # apply_schema is not idempotent, hence the guard above.
            await conn.execute(SchemaManager.get_schema())
            applied.append("procrastinate")
        cur = await conn.execute("SELECT version FROM predlagator_migrations")
        done = {_first(r) for r in await cur.fetchall()}
        for version, name, text in available():
            if version in done:
                continue
            await conn.execute(text)
            await conn.execute(
                "INSERT INTO predlagator_migrations (version, name) VALUES (%s, %s)",
                (version, name),
            )
            applied.append(name)
    for name in applied:
        log.info("migration applied", extra={"migration": name})
    return applied


def _first(row: object) -> object:
    if isinstance(row, dict):
        return next(iter(row.values()))
    if isinstance(row, tuple):
        return row[0]
    return None
