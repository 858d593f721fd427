"""Connections to PostgreSQL that give up in time and never leave a socket behind.

A connect that fails or is cancelled half-way through its handshake leaves libpq's connection
in psycopg's frames, which the error's traceback keeps alive: its socket stays open for as
long as the error is kept (a stopped task keeps its error until it is collected). Meanwhile a
server that is shutting down waits for that socket's handshake (PostgreSQL up to 17 waits
`authentication_timeout`, 60 s, for a connection made during its shutdown). So the frames go
as the error leaves the connect, and the socket is closed at once; and every connect has a
timeout, so one the server never answers cannot hang either.
"""

from __future__ import annotations

import random
import traceback
from collections.abc import Iterator
from typing import Self

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.abc import AdaptContext, ConnParam
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import AsyncRowFactory, Row

# libpq's connect_timeout (whole seconds, at least 2) for connections whose URL sets none: a
# database on loopback or a LAN answers within milliseconds; a supervisor that gives a stopping
# PostgreSQL 10 s must not see us hold it up.
CONNECT_TIMEOUT_S = 5
# Reconnecting while the database does not answer: the first retry, and the longest wait.
RETRY_FIRST_S = 0.1
RETRY_MAX_S = 5.0


class Connection(AsyncConnection[Row]):
    """An AsyncConnection whose connect (and query cancel) times out and, failed or cancelled,
    closes its socket at once."""

    @classmethod
    async def connect(
        cls,
        conninfo: str = "",
        *,
        autocommit: bool = False,
        prepare_threshold: int | None = 5,
        context: AdaptContext | None = None,
        row_factory: AsyncRowFactory[Row] | None = None,
        cursor_factory: type[AsyncCursor[Row]] | None = None,
        **kwargs: ConnParam,
    ) -> Self:
        """Connect as psycopg does, within CONNECT_TIMEOUT_S unless the URL says otherwise."""
        if "connect_timeout" not in kwargs and "connect_timeout" not in conninfo_to_dict(conninfo):
            kwargs["connect_timeout"] = CONNECT_TIMEOUT_S
        try:
            return await super().connect(
                conninfo,
                autocommit=autocommit,
                prepare_threshold=prepare_threshold,
                context=context,
                row_factory=row_factory,
                cursor_factory=cursor_factory,
                **kwargs,
            )
        except BaseException as error:
            _let_go(error)
            raise

    async def cancel_safe(self, *, timeout: float = 30.0) -> None:  # noqa: ASYNC109 - psycopg's
        """Cancel the running query (psycopg does on a cancelled query) on its own connection,
        which is let go in the same way when that fails or is cancelled in turn."""
        try:
            await super().cancel_safe(timeout=timeout)
        except BaseException as error:
            _let_go(error)
            raise


def _let_go(error: BaseException) -> None:
    """Drop the locals of the frames `error` went through, the half-made connection with them
    (our own running frame is skipped: clear_frames leaves executing frames alone)."""
    traceback.clear_frames(error.__traceback__)


def backoff(first_s: float = RETRY_FIRST_S, max_s: float = RETRY_MAX_S) -> Iterator[float]:
    """Waits between retries: doubling from `first_s` up to `max_s`, with a little jitter."""
    delay = first_s
    while True:
        yield delay * random.uniform(0.8, 1.2)  # spreads retries; not for security
        delay = min(delay * 2, max_s)


def describe(error: BaseException) -> str:
    """The first line of the database error at the root of `error` (never a URL or password)."""
    while error.__cause__ is not None and not isinstance(error, psycopg.Error):
        error = error.__cause__
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
