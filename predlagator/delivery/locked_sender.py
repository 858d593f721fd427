"""An account's sender that refuses to reach Telegram while the account's lock is not held."""

from __future__ import annotations

from typing import Protocol

from predlagator.delivery.sender import MediaFile, Peer, Sender
from predlagator.delivery.session_lock import SessionLockLost


class Lock(Protocol):
    """A lock that tells whether it is held right now (SessionLock, AccountLock)."""

    @property
    def held(self) -> bool:
        """True while the lock is held on a connection not known lost."""
        ...


class LockedSender:
    """The account's sender, refusing to reach Telegram while the session lock is not held.

    The lock's watch clears `held` the moment the lock's connection fails (and letting the
    account go clears it first), so a drain still running then cannot send; what it left
    `sending` is given back when the lock is held again, here or in another worker.
    """

    def __init__(self, sender: Sender, lock: Lock) -> None:
        self._sender = sender
        self._lock = lock

    async def resolve(self, ref: str) -> Peer:
        """Resolve through the account's sender, if the session is still ours."""
        self._check()
        return await self._sender.resolve(ref)

    async def send(self, peer: Peer, html: str, random_id: int) -> int | None:
        """Send through the account's sender, if the session is still ours."""
        self._check()
        return await self._sender.send(peer, html, random_id)

    async def send_media(
        self, peer: Peer, html: str, media: MediaFile, random_id: int
    ) -> int | None:
        """Send a media post through the account's sender, if the session is still ours."""
        self._check()
        return await self._sender.send_media(peer, html, media, random_id)

    def _check(self) -> None:
        if not self._lock.held:
            raise SessionLockLost("the session lock is not held")
