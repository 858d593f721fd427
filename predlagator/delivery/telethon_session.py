"""The worker's Telethon session: a StringSession that remembers only the latest entities."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from telethon.sessions import StringSession

# Entities (users, channels) the session remembers: about 370 bytes each, so at most ~4 MB.
ENTITY_LIMIT = 10_000


class BoundedSession(StringSession):  # type: ignore[misc]  # Telethon ships no types
    """Telethon keeps every entity any answer carried, for the life of the process: one row per
    channel ever resolved (27 MB for 100,000). The drain stores each channel's peer in
    PostgreSQL, so the session needs only recent ones (a numeric id resolved soon after).
    """

    def __init__(self, string: str | None = None, *, limit: int = ENTITY_LIMIT) -> None:
        super().__init__(string)
        self._limit = limit
        # Marked id → (id, hash, username, phone, name), oldest first. MemorySession's lookups
        # only iterate `_entities`, so a view of these rows serves them unchanged.
        self._rows: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
        self._entities = self._rows.values()

    def process_entities(self, tlo: Any) -> None:
        """Remember the entities in an answer as the latest; forget the oldest past the limit."""
        for row in self._entities_to_rows(tlo):
            self._rows[row[0]] = row
            self._rows.move_to_end(row[0])
        while len(self._rows) > self._limit:
            self._rows.popitem(last=False)
