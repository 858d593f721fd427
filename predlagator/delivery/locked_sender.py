"""An account's sender (and its actions over posts) that refuses to reach Telegram while the
account's lock is not held."""

from __future__ import annotations

from typing import Protocol

from predlagator.delivery.post_actions import PostActions, Reach
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


class LockedPostActions:
    """The account's actions over its posts, refused while the session lock is not held."""

    def __init__(self, actions: PostActions, lock: Lock) -> None:
        self._actions = actions
        self._lock = lock

    async def edit(
        self, peer: Peer, message_id: int, html: str, media: MediaFile | None = None
    ) -> None:
        """Edit, if the session is still ours."""
        self._check()
        await self._actions.edit(peer, message_id, html, media)

    async def delete(self, peer: Peer, message_ids: list[int]) -> None:
        """Delete, if the session is still ours."""
        self._check()
        await self._actions.delete(peer, message_ids)

    async def pin(self, peer: Peer, message_id: int, silent: bool = True) -> None:
        """Pin, if the session is still ours."""
        self._check()
        await self._actions.pin(peer, message_id, silent)

    async def unpin(self, peer: Peer, message_id: int) -> None:
        """Unpin, if the session is still ours."""
        self._check()
        await self._actions.unpin(peer, message_id)

    async def views(self, peer: Peer, message_ids: list[int]) -> list[Reach]:
        """Read reach, if the session is still ours."""
        self._check()
        return await self._actions.views(peer, message_ids)

    def _check(self) -> None:
        if not self._lock.held:
            raise SessionLockLost("the session lock is not held")
