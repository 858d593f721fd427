"""One request at a time per account, and none while a flood wait it was told of runs.

The drain and a test send (/test) share the account's session in the worker that holds it. The
drain never overlaps its own requests, but a test send runs beside it, outside its pacing: these
wrappers make them take turns, posts and actions over posts (edit, delete, pin) alike, through
the account's one `Turns`. A test send thus waits for at most the one request in flight
(never for the drain's pacing sleeps, which hold no turn), and when Telegram answers any request
with a flood wait, nothing queued behind it reaches Telegram: each waiting request is refused
with `KnownFloodWait` until the wait is over. The request that got the real flood wait is the
one whose caller records it in the database; the refused ones only step back.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from predlagator.delivery.post_actions import PostActions, Reach
from predlagator.delivery.sender import MediaFile, Peer, Sender
from predlagator.telegram_errors import ErrorClass, TelegramFailure, classify

log = logging.getLogger(__name__)

T = TypeVar("T")

# The wait assumed when Telegram names none, as outcomes records it.
DEFAULT_FLOOD_S = 60


class KnownFloodWait(TelegramFailure):
    """Refused before reaching Telegram: another request of the account got a flood wait."""

    def __init__(self, seconds: int) -> None:
        super().__init__("FLOOD_WAIT", seconds, "refused: the account's flood wait still runs")


class Turns:
    """An account's turn to reach Telegram, and the flood wait it was last told of."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._turn = asyncio.Lock()  # FIFO: a waiting request goes right after the one in flight
        self._monotonic = monotonic
        self._flood_ends = 0.0

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        """Make the request in turn; refuse it while a known flood wait runs."""
        if self._turn.locked():
            log.debug("waiting for the account's request in flight")
        async with self._turn:
            left = self._flood_ends - self._monotonic()
            if left > 0:
                raise KnownFloodWait(math.ceil(left))
            try:
                return await call()
            except TelegramFailure as failure:
                if classify(failure.code) is ErrorClass.ACCOUNT_FLOOD:
                    seconds = max(failure.seconds or DEFAULT_FLOOD_S, 1)
                    # Measured from now, before the caller records it from a later now(): the
                    # database's wait always ends after this one, so a resumed drain is let in.
                    self._flood_ends = max(self._flood_ends, self._monotonic() + seconds)
                raise


class SerialSender:
    """The account's sender, taking turns: one request in flight, none during a known wait."""

    def __init__(
        self,
        sender: Sender,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        turns: Turns | None = None,
    ) -> None:
        self._sender = sender
        self.turns = turns or Turns(monotonic=monotonic)

    async def resolve(self, ref: str) -> Peer:
        """Resolve through the account's sender, in turn."""
        return await self.turns.run(lambda: self._sender.resolve(ref))

    async def send(self, peer: Peer, html: str, random_id: int) -> int | None:
        """Send through the account's sender, in turn."""
        return await self.turns.run(lambda: self._sender.send(peer, html, random_id))

    async def send_media(
        self, peer: Peer, html: str, media: MediaFile, random_id: int
    ) -> int | None:
        """Send a media post through the account's sender, in turn."""
        return await self.turns.run(lambda: self._sender.send_media(peer, html, media, random_id))


class SerialPostActions:
    """The account's actions over its posts, in the same turns as its sends."""

    def __init__(self, actions: PostActions, turns: Turns) -> None:
        self._actions = actions
        self._turns = turns

    async def edit(
        self, peer: Peer, message_id: int, html: str, media: MediaFile | None = None
    ) -> None:
        """Edit in turn."""
        await self._turns.run(lambda: self._actions.edit(peer, message_id, html, media))

    async def delete(self, peer: Peer, message_ids: list[int]) -> None:
        """Delete in turn."""
        await self._turns.run(lambda: self._actions.delete(peer, message_ids))

    async def pin(self, peer: Peer, message_id: int, silent: bool = True) -> None:
        """Pin in turn."""
        await self._turns.run(lambda: self._actions.pin(peer, message_id, silent))

    async def unpin(self, peer: Peer, message_id: int) -> None:
        """Unpin in turn."""
        await self._turns.run(lambda: self._actions.unpin(peer, message_id))

    async def views(self, peer: Peer, message_ids: list[int]) -> list[Reach]:
        """Read reach in turn."""
        return await self._turns.run(lambda: self._actions.views(peer, message_ids))
