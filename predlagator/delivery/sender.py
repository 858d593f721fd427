"""What the campaign engine needs from a Telegram user account: resolve and send."""

from __future__ import annotations

from typing import Protocol

from predlagator.models import Peer

__all__ = ["ManagedSender", "Peer", "Sender"]


class Sender(Protocol):
    """A user account able to post. Failures raise `errors.TelegramFailure`."""

    async def resolve(self, ref: str) -> Peer:
        """Resolve a channel reference (username, +invite or numeric id) once."""
        ...

    async def send(self, peer: Peer, html: str, random_id: int) -> int | None:
        """Post `html` with the given random_id; return the message id when Telegram tells it."""
        ...


class ManagedSender(Sender, Protocol):
    """A Sender whose connection the worker opens and closes."""

    async def start(self) -> None:
        """Connect and check the session is authorised."""
        ...

    async def close(self) -> None:
        """Disconnect; never log the session out."""
        ...
