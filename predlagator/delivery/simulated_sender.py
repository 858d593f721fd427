"""A simulated account: the Sender of the whole engine, without Telegram.

Every request takes the account's `sim_latency_ms`, and a share `sim_failure_share` of its
sends fail with the taxonomy's errors: mostly transient ones (a timeout, Telegram's "message
wait failed"), a few a channel's refusal (CHAT_WRITE_FORBIDDEN). Which send fails, and how, is
decided by the post's random_id alone, so a retry of the same post fails the same way, the
ledger ends with about that share failed, and a run can be repeated. Message ids only grow,
within a process and across the workers that take the account over (they start from the
clock), and a repeated random_id gets its original message id back, as from Telegram.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections import OrderedDict

from predlagator.delivery.post_actions import PostActions
from predlagator.delivery.sender import MediaFile, Peer
from predlagator.models import Account
from predlagator.telegram_errors import TelegramFailure

# The failures' mix: (code, share of the failures), in the order a draw is matched.
FAILURE_MIX: tuple[tuple[str, float], ...] = (
    ("TIMEOUT", 0.7),
    ("MSG_WAIT_FAILED", 0.2),
    ("CHAT_WRITE_FORBIDDEN", 0.1),
)
# Message ids remembered per account for repeated random_ids (a crash re-sends a post).
REMEMBERED = 10_000


def _draw(*parts: object) -> float:
    """A number in [0, 1) that depends only on `parts`."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def failure_of(account: str, random_id: int, share: float) -> str | None:
    """The error code the send with `random_id` fails with, or None when it goes out."""
    if _draw("fails", account, random_id) >= share:
        return None
    pick = _draw("code", account, random_id)
    for code, part in FAILURE_MIX:
        if pick < part:
            return code
        pick -= part
    return FAILURE_MIX[-1][0]


class SimulatedSender:
    """A ManagedSender for a `simulated` account: latency and failures, no network."""

    def __init__(self, account: Account) -> None:
        self._account = account
        self._name = account.name
        self._latency_s = account.sim_latency_ms / 1000
        self._share = account.sim_failure_share
        # Tenths of milliseconds since the epoch: above any id an earlier holder gave out at
        # a pace below 10,000 posts a second.
        self._ids = itertools.count(int(time.time() * 10_000))
        self._sent: OrderedDict[int, int] = OrderedDict()

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to disconnect from."""

    async def resolve(self, ref: str) -> Peer:
        """A channel every holder of the account resolves alike (ids from the reference)."""
        await asyncio.sleep(self._latency_s)
        name = ref.strip().lstrip("@").lower()
        return Peer(
            peer_type="channel",
            peer_id=1 + int(_draw("id", name) * (2**40 - 1)),
            access_hash=int(_draw("hash", self._name, name) * 2**62),
            title=name,
        )

    async def send(self, peer: Peer, html: str, random_id: int) -> int | None:
        """Post after the latency, or fail as the random_id decides."""
        await asyncio.sleep(self._latency_s)
        code = failure_of(self._name, random_id, self._share)
        if code is not None:
            raise TelegramFailure(code, text="simulated")
        message_id = self._sent.get(random_id)
        if message_id is None:
            message_id = self._sent[random_id] = next(self._ids)
            if len(self._sent) > REMEMBERED:
                self._sent.popitem(last=False)
        return message_id

    async def send_media(
        self, peer: Peer, html: str, media: MediaFile, random_id: int
    ) -> int | None:
        """As `send`; the file is never read."""
        return await self.send(peer, html, random_id)

    def post_actions(self) -> PostActions:
        """The account's actions over its posts, with the same latency and failure share."""
        from predlagator.delivery.simulated_actions import (  # noqa: PLC0415 - it imports us
            SimulatedPostActions,
        )

        return SimulatedPostActions(self._account)
