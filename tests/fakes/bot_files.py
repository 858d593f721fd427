"""Files in the fake Bot APIs: what getFile answers, what a download returns, and the photo,
video and document fields of incoming messages.

Both fakes (`bot_api.RecordingSession` and `bot_api_server.FakeBotApi`) keep a `FileStore`:
a test adds a file (`add_file(file_id, data)`) and sends a message whose field names it
(`photo_field`, `video_field`, `document_field`); the bot then fetches it as from Telegram.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

# getFile refuses files over this size: the Bot API's download limit.
MAX_DOWNLOAD = 20 * 1024 * 1024

_unique_ids = itertools.count(1)


class FileError(Exception):
    """getFile's error answer, as Telegram words it."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class HeldFile:
    """A file the fake Telegram holds for the bot."""

    file_id: str
    data: bytes
    path: str
    size: int


class FileStore:
    """Files by file_id, and by the path getFile gives for the download URL."""

    def __init__(self) -> None:
        self._by_id: dict[str, HeldFile] = {}
        self._by_path: dict[str, HeldFile] = {}

    def add(
        self, file_id: str, data: bytes, *, path: str | None = None, size: int | None = None
    ) -> HeldFile:
        """Hold `data` under `file_id`; `size` claims another size (a file too big to fetch)."""
        held = HeldFile(
            file_id,
            data,
            path or f"documents/file_{len(self._by_id)}",
            len(data) if size is None else size,
        )
        self._by_id[file_id] = held
        self._by_path[held.path] = held
        return held

    def get_file(self, file_id: str) -> dict[str, Any]:
        """The File object getFile returns, or FileError as Telegram answers."""
        held = self._by_id.get(file_id)
        if held is None:
            raise FileError("Bad Request: invalid file_id")
        if held.size > MAX_DOWNLOAD:
            raise FileError("Bad Request: file is too big")
        return {
            "file_id": held.file_id,
            "file_unique_id": f"u{held.file_id}",
            "file_size": held.size,
            "file_path": held.path,
        }

    def content(self, path: str) -> bytes | None:
        """The bytes at a download path, or None (Telegram answers 404)."""
        held = self._by_path.get(path)
        return held.data if held is not None else None


def photo_field(
    file_id: str, size: int, width: int = 1280, height: int = 960
) -> list[dict[str, Any]]:
    """A message's `photo`: the sizes Telegram made, the largest (the file itself) last."""
    return [
        {
            "file_id": f"{file_id}-thumb",
            "file_unique_id": f"u{next(_unique_ids)}",
            "width": 90,
            "height": 68,
            "file_size": 1000,
        },
        {
            "file_id": file_id,
            "file_unique_id": f"u{next(_unique_ids)}",
            "width": width,
            "height": height,
            "file_size": size,
        },
    ]


def video_field(
    file_id: str,
    size: int,
    *,
    file_name: str | None = "clip.mp4",
    mime_type: str = "video/mp4",
    width: int = 1280,
    height: int = 720,
    duration: int = 12,
) -> dict[str, Any]:
    """A message's `video`."""
    video: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": f"u{next(_unique_ids)}",
        "width": width,
        "height": height,
        "duration": duration,
        "mime_type": mime_type,
        "file_size": size,
    }
    if file_name is not None:
        video["file_name"] = file_name
    return video


def document_field(
    file_id: str,
    size: int,
    *,
    file_name: str | None = "list.txt",
    mime_type: str | None = "text/plain",
) -> dict[str, Any]:
    """A message's `document` (a file sent as a file)."""
    document: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": f"u{next(_unique_ids)}",
        "file_size": size,
    }
    if file_name is not None:
        document["file_name"] = file_name
    if mime_type is not None:
        document["mime_type"] = mime_type
    return document
