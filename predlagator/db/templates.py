"""Templates: the posts operators prepared."""

from __future__ import annotations

from predlagator.db.rows import Conn, dicts, many, one
from predlagator.models import Campaign, Template

_Q = "templates"


async def create(
    conn: Conn,
    name: str,
    html: str,
    created_by: int | None,
    *,
    media_kind: str | None = None,
    media_file_id: str | None = None,
) -> Template:
    """Store a post as HTML; a media post also names its kind and the Bot API file_id."""
    template = await one(
        conn,
        Template,
        _Q,
        "create",
        name=name,
        html=html,
        media_kind=media_kind,
        media_file_id=media_file_id,
        created_by=created_by,
    )
    assert template is not None
    return template


async def get(conn: Conn, template_id: int) -> Template | None:
    """Return one template, archived or not."""
    return await one(conn, Template, _Q, "get", id=template_id)


async def get_live(conn: Conn, template_id: int) -> Template | None:
    """A template that may still be used for something new: None once deleted (archived)."""
    found = await get(conn, template_id)
    return found if found is not None and found.archived_at is None else None


async def list_all(conn: Conn, limit: int = 50, offset: int = 0) -> list[Template]:
    """Return live (not deleted) templates, newest first."""
    return await many(conn, Template, _Q, "list_all", limit=limit, offset=offset)


async def count_live(conn: Conn) -> int:
    """How many templates are not deleted."""
    rows = await dicts(conn, _Q, "count_live")
    return int(rows[0]["n"])


async def rename(conn: Conn, template_id: int, name: str) -> Template | None:
    """Rename a live template; None when it is gone."""
    return await one(conn, Template, _Q, "rename", id=template_id, name=name)


async def in_use(conn: Conn, template_id: int) -> list[Campaign]:
    """Campaigns that will still send the template (scheduled, running, paused, waiting)."""
    return await many(conn, Campaign, _Q, "in_use", id=template_id)


async def archive(conn: Conn, template_id: int) -> Template | None:
    """Delete (archive) a live template no campaign in flight uses; None if it was not."""
    return await one(conn, Template, _Q, "archive", id=template_id)
