"""A fake Telegram that keeps nothing per channel, so a memory figure is the worker's own."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, ClassVar

from telethon import functions, types

from tests.fakes.telethon_fake import FakeTelegram

_NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _channel(username: str) -> Any:
    """Every username exists, with an id and access hash derived from it."""
    digest = hashlib.blake2b(username.encode(), digest_size=12).digest()
    channel_id = int.from_bytes(digest[:4], "big") + 1_000_000_000
    access_hash = int.from_bytes(digest[4:], "big", signed=True)
    return types.Channel(
        id=channel_id,
        title=username,
        photo=types.ChatPhotoEmpty(),
        date=_NOW,
        broadcast=True,
        access_hash=access_hash,
        username=username,
    )


class LeanTelegram(FakeTelegram):
    """Answers resolves and posts like FakeTelegram, counting posts instead of keeping them."""

    def __init__(self) -> None:
        super().__init__()
        self.posted = 0

    async def _resolve_lean(self, query: Any, auth_key: bytes | None) -> Any:
        channel = _channel(str(query.username).lower())
        return types.contacts.ResolvedPeer(
            peer=types.PeerChannel(channel.id), chats=[channel], users=[]
        )

    async def _send_lean(self, query: Any, auth_key: bytes | None) -> Any:
        self.posted += 1
        self.requests.clear()  # the request log would grow with the campaign
        peer = query.peer
        message = types.Message(
            id=self.posted,
            peer_id=types.PeerChannel(peer.channel_id),
            date=_NOW,
            message=query.message,
            out=True,
            post=True,
        )
        return types.Updates(
            updates=[
                types.UpdateMessageID(id=self.posted, random_id=query.random_id),
                types.UpdateNewChannelMessage(message=message, pts=self.posted, pts_count=1),
            ],
            users=[],
            chats=[],
            date=_NOW,
            seq=0,
        )

    _HANDLERS: ClassVar[dict[type, Any]] = {
        **FakeTelegram._HANDLERS,
        functions.contacts.ResolveUsernameRequest: _resolve_lean,
        functions.messages.SendMessageRequest: _send_lean,
    }
