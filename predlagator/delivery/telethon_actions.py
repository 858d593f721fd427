"""PostActions over a Telegram user account: raw TL requests, errors named as for sends.

A reach read asks for the messages themselves (`channels.getMessages`, or `messages.getMessages`
in basic groups): one request per chat carries views, forwards and reactions together, where
`messages.getMessagesViews` has no reactions and would need `messages.getMessagesReactions`
beside it, two paced requests per chat. The price is the posts' text and media in the answer,
a few kB per post, read once per collection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

from telethon import TelegramClient, functions, types

from predlagator.delivery import telethon_media, telethon_sender
from predlagator.delivery.post_actions import Reach
from predlagator.delivery.sender import MediaFile
from predlagator.delivery.telethon_failures import to_failure
from predlagator.models import Peer
from predlagator.telegram_errors import TelegramFailure

log = logging.getLogger(__name__)

T = TypeVar("T")

# Telegram takes at most 100 message ids per delete, views or reactions request.
IDS_PER_REQUEST = 100


class TelethonPostActions:
    """Edit, delete, pin and read the reach of the posts one logged-in account made.

    Takes the client the account's TelethonSender uses (one session, one connection); the
    worker starts and closes it through the sender.
    """

    def __init__(self, client: TelegramClient, *, timeout_s: float = 30) -> None:
        self._client = client
        self._timeout_s = timeout_s
        # Template id → the InputMedia of a new file as an edit carried it once, reused for
        # every other chat's post; a new process uploads again.
        self._media: dict[int, Any] = {}

    async def edit(
        self, peer: Peer, message_id: int, html: str, media: MediaFile | None = None
    ) -> None:
        """Replace the post's text or caption with `html` (parsed as for a send), and its file
        with `media` when given (uploaded once per template, then reused)."""
        text, entities = telethon_sender._parsed(html)
        request = functions.messages.EditMessageRequest(
            peer=telethon_sender._input_peer(peer),
            id=message_id,
            message=text,
            # An empty list clears the old formatting; None would keep entities Telegram has.
            entities=list(entities),
        )
        if media is None:
            await self._call(self._client(request))
        else:
            await self._edit_media(request, media)
        log.debug("edited peer_id=%s message_id=%s", peer.peer_id, message_id)

    async def delete(self, peer: Peer, message_ids: list[int]) -> None:
        """Delete for everyone: channels.deleteMessages in channels and supergroups,
        messages.deleteMessages(revoke) elsewhere (basic groups; ids there are the account's)."""
        for ids in _chunks(message_ids):
            if peer.peer_type == "channel":
                channel = types.InputChannel(peer.peer_id, peer.access_hash)
                request: Any = functions.channels.DeleteMessagesRequest(channel, ids)
            else:
                request = functions.messages.DeleteMessagesRequest(ids, revoke=True)
            affected = await self._call(self._client(request))
            log.debug(
                "deleted peer_id=%s asked=%s deleted=%s",
                peer.peer_id,
                len(ids),
                getattr(affected, "pts_count", None),
            )

    async def pin(self, peer: Peer, message_id: int, silent: bool = True) -> None:
        """Pin the post, silently unless told otherwise."""
        request = functions.messages.UpdatePinnedMessageRequest(
            peer=telethon_sender._input_peer(peer), id=message_id, silent=silent or None
        )
        await self._call(self._client(request))

    async def unpin(self, peer: Peer, message_id: int) -> None:
        """Unpin the post."""
        request = functions.messages.UpdatePinnedMessageRequest(
            peer=telethon_sender._input_peer(peer), id=message_id, unpin=True
        )
        await self._call(self._client(request))

    async def views(self, peer: Peer, message_ids: list[int]) -> list[Reach]:
        """Views, forwards and reactions of posts in one chat, one request per 100 ids: the
        messages themselves (channels.getMessages; messages.getMessages in basic groups), which
        carry all three, and reading them counts no view."""
        found: list[Reach] = []
        for ids in _chunks(message_ids):
            wanted = [types.InputMessageID(message_id) for message_id in ids]
            if peer.peer_type == "channel":
                channel = types.InputChannel(peer.peer_id, peer.access_hash)
                request: Any = functions.channels.GetMessagesRequest(channel, wanted)
            else:
                request = functions.messages.GetMessagesRequest(wanted)
            answer = await self._call(self._client(request))
            members = _members(answer, peer.peer_id)
            by_id = {
                message.id: message
                for message in getattr(answer, "messages", None) or []
                if isinstance(message, types.Message)
            }
            for message_id in ids:
                # A post Telegram no longer has comes back as MessageEmpty: no counters.
                message = by_id.get(message_id)
                found.append(
                    Reach(
                        message_id,
                        getattr(message, "views", None),
                        getattr(message, "forwards", None),
                        _reaction_total(getattr(message, "reactions", None)),
                        members,
                        found=message is not None,
                    )
                )
        return found

    async def _edit_media(self, request: Any, media: MediaFile) -> None:
        template_id = media.info.template_id
        reused = self._media.get(template_id)
        request.media = reused if reused is not None else await self._upload(media)
        try:
            result = await self._call(self._client(request))
        except TelegramFailure as failure:
            if reused is None or failure.code not in telethon_media.STALE_MEDIA:
                raise
            request.media = await self._upload(media)
            result = await self._call(self._client(request))
        edited = telethon_media.reusable_edit(result)
        if edited is not None:
            self._media[template_id] = edited

    async def _upload(self, media: MediaFile) -> Any:
        data = await media.read()
        file = await self._call(
            self._client.upload_file(data, file_name=media.info.file_name),
            timeout_s=self._timeout_s + len(data) / telethon_sender.UPLOAD_BYTES_PER_S,
        )
        log.debug("uploaded for an edit template_id=%s bytes=%s", media.info.template_id, len(data))
        self._media[media.info.template_id] = uploaded = telethon_media.uploaded(file, media)
        return uploaded

    async def _call(self, call: Awaitable[T], *, timeout_s: float | None = None) -> T:
        """Await one Telethon call with a timeout; every failure becomes a TelegramFailure,
        named as the sender names it (telethon_failures)."""
        try:
            # asyncio.timeout, not wait_for: see TelethonSender._call.
            async with asyncio.timeout(timeout_s or self._timeout_s):
                return await call
        except Exception as exc:
            raise to_failure(exc) from exc


def _chunks(message_ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(message_ids), IDS_PER_REQUEST):
        yield list(message_ids[start : start + IDS_PER_REQUEST])


def _reaction_total(reactions: Any) -> int:
    """The sum of a message's reactions' counts (MessageReactions, or none)."""
    results = getattr(reactions, "results", None) or []
    return sum(int(result.count) for result in results)


def _members(answer: Any, chat_id: int) -> int | None:
    """The chat's participants_count where the answer's chats carry it."""
    for chat in getattr(answer, "chats", None) or []:
        if getattr(chat, "id", None) == chat_id:
            count = getattr(chat, "participants_count", None)
            return int(count) if count is not None else None
    return None
