"""A simulated account's actions over its posts: latency and a failure share, no network.

As with SimulatedSender, which request fails and how is decided by the request alone (the
account, the action, the chat and the message id), so a retry fails the same way and a run can
be repeated: mostly transient failures, a few an admin's refusal (CHAT_ADMIN_REQUIRED).
"""

from __future__ import annotations

import asyncio

from predlagator.delivery.post_actions import Reach
from predlagator.delivery.sender import MediaFile, Peer
from predlagator.delivery.simulated_sender import _draw
from predlagator.models import Account
from predlagator.telegram_errors import TelegramFailure

# The failures' mix: (code, share of the failures), in the order a draw is matched.
FAILURE_MIX: tuple[tuple[str, float], ...] = (
    ("TIMEOUT", 0.7),
    ("MSG_WAIT_FAILED", 0.2),
    ("CHAT_ADMIN_REQUIRED", 0.1),
)


def failure_of(
    account: str, action: str, peer_id: int, message_id: int, share: float
) -> str | None:
    """The error code this action on this post fails with, or None when it goes through."""
    if _draw("acts", account, action, peer_id, message_id) >= share:
        return None
    pick = _draw("action code", account, action, peer_id, message_id)
    for code, part in FAILURE_MIX:
        if pick < part:
            return code
        pick -= part
    return FAILURE_MIX[-1][0]


class SimulatedPostActions:
    """PostActions for a `simulated` account: its latency and failure share."""

    def __init__(self, account: Account) -> None:
        self._name = account.name
        self._latency_s = account.sim_latency_ms / 1000
        self._share = account.sim_failure_share

    async def edit(
        self, peer: Peer, message_id: int, html: str, media: MediaFile | None = None
    ) -> None:
        """Edit after the latency, or fail as the post decides."""
        await self._act("edit", peer, message_id)

    async def delete(self, peer: Peer, message_ids: list[int]) -> None:
        """Delete after the latency; one request for all the ids, as Telegram's."""
        await self._act("delete", peer, min(message_ids, default=0))

    async def pin(self, peer: Peer, message_id: int, silent: bool = True) -> None:
        """Pin after the latency."""
        await self._act("pin", peer, message_id)

    async def unpin(self, peer: Peer, message_id: int) -> None:
        """Unpin after the latency."""
        await self._act("unpin", peer, message_id)

    async def views(self, peer: Peer, message_ids: list[int]) -> list[Reach]:
        """No reach is simulated: every counter empty."""
        await asyncio.sleep(self._latency_s)
        return [Reach(message_id, None, None, 0) for message_id in message_ids]

    async def _act(self, action: str, peer: Peer, message_id: int) -> None:
        await asyncio.sleep(self._latency_s)
        code = failure_of(self._name, action, peer.peer_id, message_id, self._share)
        if code is not None:
            raise TelegramFailure(code, text="simulated")
