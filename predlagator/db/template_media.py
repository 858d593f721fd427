"""The files of media templates, kept in PostgreSQL so any worker can send them."""

from __future__ import annotations

from predlagator.db.rows import Conn, dicts, one, run
from predlagator.models import MediaInfo, TemplateMedia

_Q = "template_media"


async def save(conn: Conn, template_id: int, info: MediaInfo, data: bytes) -> None:
    """Store the template's file."""
    await run(conn, _Q, "save", template_id=template_id, data=data, **info.model_dump())


async def info(conn: Conn, template_id: int) -> TemplateMedia | None:
    """The file's name, type and size, without reading the bytes."""
    return await one(conn, TemplateMedia, _Q, "info", template_id=template_id)


async def read(conn: Conn, template_id: int) -> bytes:
    """The file's bytes; KeyError if the template has none."""
    rows = await dicts(conn, _Q, "read", template_id=template_id)
    if not rows:
        raise KeyError(f"template {template_id} has no file")
    return bytes(rows[0]["data"])


async def purge_archived(conn: Conn, days: int) -> int:
    """Delete the files of templates archived over `days` ago that no live campaign uses."""
    return await run(conn, _Q, "purge_archived", days=days)
