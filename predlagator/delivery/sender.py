"""What the campaign engine needs from a Telegram user account: resolve and send."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from predlagator.models import Peer, TemplateMedia

__all__ = ["ManagedSender", "MediaFile", "Peer", "Sender", "SessionRejected"]


class SessionRejected(Exception):
    """The session cannot be used: it is not a session string, or Telegram refuses it (logged
    out, revoked, deactivated). Only logging the account in again helps; the message says why,
    never the session itself, and `code` names it in the taxonomy's words."""

    def __init__(self, message: str, code: str = "AUTH_KEY_UNREGISTERED") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class MediaFile:
    """A template's photo, video or document; `read` fetches the bytes, only when needed."""

    kind: str  # "photo", "video" or "document"
    info: TemplateMedia
    read: Callable[[], Awaitable[bytes]]


class Sender(Protocol):
    """A user account able to post. Failures raise `errors.TelegramFailure`."""

    async def resolve(self, ref: str) -> Peer:
        """Resolve a channel reference (username, +invite or numeric id) once."""
        ...

    async def send(self, peer: Peer, html: str, random_id: int) -> int | None:
        """Post `html` with the given random_id; return the message id when Telegram tells it."""
        ...

    async def send_media(
        self, peer: Peer, html: str, media: MediaFile, random_id: int
    ) -> int | None:
        """Post `media` with `html` as its caption; the same random_id rule as `send`."""
        ...


class ManagedSender(Sender, Protocol):
    """A Sender whose connection the worker opens and closes."""

    async def start(self) -> None:
        """Connect and check the session is authorised (a `TelegramFailure` otherwise)."""
        ...

    async def close(self) -> None:
        """Disconnect; never log the session out."""
        ...
