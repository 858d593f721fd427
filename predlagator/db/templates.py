"""Templates: the posts operators prepared."""

from __future__ import annotations

from predlagator.db.rows import Conn, many, one
from predlagator.models import Template

_Q = "templates"


async def create(conn: Conn, name: str, html: str, created_by: int | None) -> Template:
    """Store a text post as HTML."""
    template = await one(
        conn,
        Template,
        _Q,
        "create",
        name=name,
        html=html,
        media_kind=None,
        media_file_id=None,
        created_by=created_by,
    )
    assert template is not None
    return template


async def get(conn: Conn, template_id: int) -> Template | None:
    """Return one template."""
    return await one(conn, Template, _Q, "get", id=template_id)


async def list_all(conn: Conn, limit: int = 50, offset: int = 0) -> list[Template]:
    """Return templates, newest first."""
    return await many(conn, Template, _Q, "list_all", limit=limit, offset=offset)
