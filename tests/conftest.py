"""Shared fixtures: a real PostgreSQL, a migrated template database cloned per test."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import psycopg
import pytest

from predlagator.db.migrate import migrate
from predlagator.db.pool import Pool, open_pool
from tests.pg import test_server, with_dbname
from tests.rig import Rig, delivery_rig

_counter = itertools.count()
TEMPLATE = f"predlagator_tpl_{os.getpid()}"


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server for the whole session."""
    with test_server() as url:
        yield url


@pytest.fixture(scope="session")
async def template_db(server_url: str) -> AsyncIterator[str]:
    """Build a migrated database once; tests get clones of it."""
    async with await psycopg.AsyncConnection.connect(server_url, autocommit=True) as admin:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
    url = with_dbname(server_url, TEMPLATE)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await migrate(conn)
    yield TEMPLATE
    async with await psycopg.AsyncConnection.connect(server_url, autocommit=True) as admin:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')


@asynccontextmanager
async def scratch_database(
    server_url: str, prefix: str, template: str | None = None
) -> AsyncIterator[str]:
    """A database of the test's own (a clone of `template`, or empty), dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    clone = f' TEMPLATE "{template}"' if template else ""
    async with await psycopg.AsyncConnection.connect(server_url, autocommit=True) as admin:
        await admin.execute(f'CREATE DATABASE "{name}"{clone}')
    yield with_dbname(server_url, name)
    async with await psycopg.AsyncConnection.connect(server_url, autocommit=True) as admin:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db_url(server_url: str, template_db: str) -> AsyncIterator[str]:
    """A fresh, migrated database of this test's own."""
    async with scratch_database(server_url, "predlagator_t", template_db) as url:
        yield url


@pytest.fixture
async def empty_db_url(server_url: str) -> AsyncIterator[str]:
    """A fresh database with nothing in it, for migration tests."""
    async with scratch_database(server_url, "predlagator_e") as url:
        yield url


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[Pool]:
    """Our connection pool on the test's database."""
    opened = await open_pool(db_url, min_size=1, max_size=10)
    yield opened
    await opened.close()


@pytest.fixture
async def rig(pool: Pool) -> AsyncIterator[Rig]:
    """The delivery rig on the test's database (real worker, Telethon over the fake)."""
    async with delivery_rig(pool) as opened:
        yield opened
