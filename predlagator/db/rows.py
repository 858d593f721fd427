"""Run named queries and turn rows into pydantic models."""

from __future__ import annotations

from typing import Any, TypeVar

from psycopg import AsyncConnection
from psycopg.rows import class_row, dict_row
from pydantic import BaseModel

from predlagator.db.sql import query

M = TypeVar("M", bound=BaseModel)
Conn = AsyncConnection[Any]


async def one(conn: Conn, model: type[M], module: str, name: str, /, **params: Any) -> M | None:
    """Run a named query and return its first row as `model`, or None."""
    async with conn.cursor(row_factory=class_row(model)) as cur:
        await cur.execute(query(module, name), params)
        return await cur.fetchone()


async def many(conn: Conn, model: type[M], module: str, name: str, /, **params: Any) -> list[M]:
    """Run a named query and return every row as `model`."""
    async with conn.cursor(row_factory=class_row(model)) as cur:
        await cur.execute(query(module, name), params)
        return await cur.fetchall()


async def dicts(conn: Conn, module: str, name: str, /, **params: Any) -> list[dict[str, Any]]:
    """Run a named query and return plain dict rows."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query(module, name), params)
        return await cur.fetchall()


async def run(conn: Conn, module: str, name: str, /, **params: Any) -> int:
    """Run a named statement and return the number of rows it touched."""
    async with conn.cursor() as cur:
        await cur.execute(query(module, name), params)
        return cur.rowcount
