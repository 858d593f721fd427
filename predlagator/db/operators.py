"""Operators: who may use the bot and with which role."""

from __future__ import annotations

from predlagator.db.rows import Conn, many, one, run
from predlagator.models import Operator, Role

_Q = "operators"


async def ensure_owner(conn: Conn, user_id: int) -> Operator | None:
    """Make `user_id` an owner (from OWNER_IDS)."""
    return await one(conn, Operator, _Q, "ensure_owner", user_id=user_id)


async def get(conn: Conn, user_id: int) -> Operator | None:
    """Return the operator with this Telegram id, if any."""
    return await one(conn, Operator, _Q, "get", user_id=user_id)


async def list_all(conn: Conn) -> list[Operator]:
    """Return every operator, owners first."""
    return await many(conn, Operator, _Q, "list_all")


async def upsert(conn: Conn, user_id: int, role: Role, added_by: int) -> Operator | None:
    """Add an operator or change their role."""
    return await one(conn, Operator, _Q, "upsert", user_id=user_id, role=role, added_by=added_by)


async def add(conn: Conn, user_id: int, role: Role, added_by: int) -> Operator | None:
    """Add someone new; None if they are already listed (their role is left alone)."""
    return await one(conn, Operator, _Q, "add", user_id=user_id, role=role, added_by=added_by)


async def set_role(conn: Conn, user_id: int, role: Role) -> Operator | None:
    """Change a non-owner's role; None if absent, an owner, or already in that role."""
    return await one(conn, Operator, _Q, "set_role", user_id=user_id, role=role)


async def remove(conn: Conn, user_id: int) -> Operator | None:
    """Remove a non-owner operator; owners are managed by OWNER_IDS."""
    return await one(conn, Operator, _Q, "remove", user_id=user_id)


async def set_language(conn: Conn, user_id: int, language: str) -> None:
    """Remember the operator's Telegram language for messages the worker triggers."""
    await run(conn, _Q, "set_language", user_id=user_id, language=language)
