"""Files operators send to the bot, as both Bot API fakes store and serve them.

Telegram hands a bot a file in two steps: getFile turns a file_id into a file_path, and the
bytes come from `{server}/file/bot{token}/{file_path}`. A test adds a file here (`add`), sends
a message that carries it (`document()` is the message's Document), and the bot downloads it
through its real code path.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Final

MAX_DOWNLOAD: Final = 20 * 1024 * 1024  # Telegram's getFile limit for bots
TOO_BIG: Final = "Bad Request: file is too big"
INVALID_ID: Final = "Bad Request: invalid file_id"


@dataclass(frozen=True)
class StoredFile:
    """One file as Telegram keeps it."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None
    mime_type: str | None

    @property
    def path(self) -> str:
        """The file_path getFile answers with."""
        return f"documents/{self.file_unique_id}"

    def document(self) -> dict[str, Any]:
        """The message's `document` field for this file."""
        document: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name is not None:
            document["file_name"] = self.file_name
        if self.mime_type is not None:
            document["mime_type"] = self.mime_type
        return document


class FileStore:
    """Files by id and by path; getFile's answer or its error."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._numbers = itertools.count(1)

    def add(
        self,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_id: str | None = None,
    ) -> StoredFile:
        """Store a file an operator sends; the id is made up unless given."""
        number = next(self._numbers)
        stored = StoredFile(
            file_id=file_id or f"in-file-{number}",
            file_unique_id=f"uin{number}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._by_id[stored.file_id] = stored
        return stored

    def get_file(self, file_id: str) -> dict[str, Any] | str:
        """getFile's result for `file_id`, or the description of Telegram's 400 error."""
        stored = self._by_id.get(file_id)
        if stored is None:
            return INVALID_ID
        if len(stored.data) > MAX_DOWNLOAD:
            return TOO_BIG
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    def by_path(self, path: str) -> bytes | None:
        """The bytes served at a file_path, None if no such file."""
        for stored in self._by_id.values():
            if stored.path == path:
                return stored.data
        return None
