"""Where the test PostgreSQL comes from: TEST_DATABASE_URL, or an embedded server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from predlagator.db.embedded import EmbeddedPostgres, scratch_dir


@contextmanager
def test_server() -> Iterator[str]:
    """Yield a URL of a server where tests may create databases."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    with (
        scratch_dir("predlagator-test-") as data_parent,
        EmbeddedPostgres(data_parent / "pgdata") as server,
    ):
        yield server.url


def with_dbname(url: str, dbname: str) -> str:
    """Return the same server URL pointing at another database."""
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo("", **params)
