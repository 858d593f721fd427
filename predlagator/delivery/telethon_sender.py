"""The Sender over a Telegram user account: Telethon's TelegramClient, errors mapped to ours."""

from __future__ import annotations

import asyncio
import functools
import logging
import struct
from collections.abc import Awaitable
from typing import Any, TypeVar

from telethon import TelegramClient, functions, types, utils
from telethon.extensions import html as telethon_html

from predlagator.delivery import telethon_media, telethon_session
from predlagator.delivery.post_actions import PostActions
from predlagator.delivery.sender import MediaFile, Peer, SessionRejected
from predlagator.delivery.telethon_failures import to_failure
from predlagator.telegram_errors import TelegramFailure

log = logging.getLogger(__name__)

T = TypeVar("T")

# An upload may take this long beyond the call timeout per byte: 20 MB at 100 KB/s, slow but
# alive, still finishes.
UPLOAD_BYTES_PER_S = 100_000


def make_client(
    api_id: int, api_hash: str, session: str, *, mtproto_sender: object | None = None
) -> TelegramClient:
    """Build a TelegramClient that never sleeps on flood waits and raises what Telegram said.

    `mtproto_sender` replaces the client's network layer (`client._sender`); tests pass a fake.
    A string that is no session raises `SessionRejected`.
    """
    try:
        bounded = telethon_session.BoundedSession(session)
    except (ValueError, struct.error):  # binascii.Error is a ValueError
        raise SessionRejected("is not a session string") from None
    client = TelegramClient(
        bounded,
        api_id,
        api_hash,
        # Telethon sleeps through flood waits below this threshold without telling anyone;
        # the engine tracks flood deadlines itself, so every wait must surface at once.
        flood_sleep_threshold=0,
        raise_last_call_error=True,
        request_retries=2,
        connection_retries=3,
        retry_delay=1,
        timeout=10,
        receive_updates=False,
        base_logger="predlagator.telethon",
    )
    if mtproto_sender is not None:
        client._sender = mtproto_sender
    return client


class TelethonSender:
    """One logged-in user account able to resolve channels and post into them."""

    def __init__(
        self, client: TelegramClient, *, timeout_s: float = 30, connect_timeout_s: float = 60
    ) -> None:
        self._client = client
        self._timeout_s = timeout_s
        self._connect_timeout_s = connect_timeout_s
        # Template id → the InputMedia of its file as posted once, reused for every other
        # channel; a new process uploads again.
        self._media: dict[int, Any] = {}

    async def start(self) -> None:
        """Connect and make sure the session is still logged in.

        A session Telegram refuses fails with Telegram's reason (AUTH_KEY_UNREGISTERED,
        SESSION_REVOKED, ...): the request `is_user_authorized` makes, made here itself, since
        that one only says no.
        """
        try:
            await self._call(self._client.connect(), timeout_s=self._connect_timeout_s)
            await self._call(self._client(functions.updates.GetStateRequest()))
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Disconnect. Never logs out: that would end the session for good."""
        await self._client.disconnect()

    def post_actions(self) -> PostActions:
        """Edit, delete and pin the account's posts over this sender's client (one session)."""
        from predlagator.delivery.telethon_actions import (  # noqa: PLC0415 - it imports us
            TelethonPostActions,
        )

        return TelethonPostActions(self._client, timeout_s=self._timeout_s)

    async def resolve(self, ref: str) -> Peer:
        """Resolve a normalised channel reference: username, +invite hash or numeric id."""
        ref = ref.strip()
        if ref.startswith("+"):
            return await self._resolve_invite(ref[1:])
        if ref.lstrip("-").isdigit():
            return await self._resolve_id(int(ref))
        return await self._resolve_username(ref.lstrip("@").lower())

    async def send(self, peer: Peer, html: str, random_id: int) -> int | None:
        """Post `html`; a repeated random_id makes Telegram return the original message."""
        text, entities = _parsed(html)
        request = functions.messages.SendMessageRequest(
            peer=_input_peer(peer),
            message=text,
            entities=list(entities) or None,
            random_id=random_id,
            no_webpage=False,
        )
        result = await self._call(self._client(request))
        message_id = _sent_message_id(result, random_id)
        log.debug("sent peer_id=%s random_id=%s message_id=%s", peer.peer_id, random_id, message_id)
        return message_id

    async def send_media(
        self, peer: Peer, html: str, media: MediaFile, random_id: int
    ) -> int | None:
        """Post a photo, video or document with `html` as its caption, uploaded once per
        template; a repeated random_id makes Telegram return the original message."""
        text, entities = _parsed(html)
        template_id = media.info.template_id
        reused = self._media.get(template_id)
        request = functions.messages.SendMediaRequest(
            peer=_input_peer(peer),
            media=reused if reused is not None else await self._upload(media),
            message=text,
            entities=list(entities) or None,
            random_id=random_id,
        )
        try:
            result = await self._call(self._client(request))
        except TelegramFailure as failure:
            if reused is None or failure.code not in telethon_media.STALE_MEDIA:
                raise
            request.media = await self._upload(media)
            result = await self._call(self._client(request))
        posted = telethon_media.reusable(result)
        if posted is not None:
            self._media[template_id] = posted
        message_id = _sent_message_id(result, random_id)
        log.debug(
            "sent media peer_id=%s random_id=%s message_id=%s", peer.peer_id, random_id, message_id
        )
        return message_id

    async def _upload(self, media: MediaFile) -> Any:
        """Upload the template's file (SaveFilePart, or SaveBigFilePart over 10 MB)."""
        data = await media.read()
        file = await self._call(
            self._client.upload_file(data, file_name=media.info.file_name),
            timeout_s=self._timeout_s + len(data) / UPLOAD_BYTES_PER_S,
        )
        log.debug("uploaded template_id=%s bytes=%s", media.info.template_id, len(data))
        # Kept until a post replaces it: a channel that refuses the post must not cost the
        # next one another upload (an uploaded file may be sent again).
        self._media[media.info.template_id] = uploaded = telethon_media.uploaded(file, media)
        return uploaded

    async def _resolve_username(self, username: str) -> Peer:
        result = await self._call(
            self._client(functions.contacts.ResolveUsernameRequest(username)),
            value_error="USERNAME_NOT_OCCUPIED",
        )
        wanted = utils.get_peer_id(result.peer)
        for entity in [*result.chats, *result.users]:
            if utils.get_peer_id(entity) == wanted:
                return _peer_of(entity)
        raise TelegramFailure("PEER_ID_INVALID", text="resolved peer missing from the answer")

    async def _resolve_invite(self, invite_hash: str) -> Peer:
        result = await self._call(
            self._client(functions.messages.CheckChatInviteRequest(invite_hash)),
            value_error="INVITE_HASH_INVALID",
        )
        if isinstance(result, types.ChatInviteAlready):
            return _peer_of(result.chat)
        # ChatInvite or ChatInvitePeek: the account is not a member. Joining is the operator's
        # decision (it is visible to the channel), so it is not done here.
        raise TelegramFailure("INVITE_NOT_JOINED", text="the account has not joined this chat")

    async def _resolve_id(self, marked_id: int) -> Peer:
        # Works only for peers this session has already seen (or Telegram lets through with
        # access_hash 0); anything else is a ValueError from Telethon.
        entity = await self._call(self._client.get_input_entity(marked_id))
        if isinstance(entity, types.InputPeerChannel):
            return Peer(
                peer_type="channel", peer_id=entity.channel_id, access_hash=entity.access_hash
            )
        if isinstance(entity, types.InputPeerChat):
            return Peer(peer_type="chat", peer_id=entity.chat_id)
        if isinstance(entity, types.InputPeerUser):
            return Peer(peer_type="user", peer_id=entity.user_id, access_hash=entity.access_hash)
        raise TelegramFailure("PEER_ID_INVALID", text=type(entity).__name__)

    async def _call(
        self,
        call: Awaitable[T],
        *,
        timeout_s: float | None = None,
        value_error: str = "PEER_ID_INVALID",
    ) -> T:
        """Await one Telethon call with a timeout; every failure becomes a TelegramFailure."""
        try:
            # asyncio.timeout, not wait_for: in 3.11 wait_for drops a cancellation that arrives
            # as the call completes, and a worker told to stop would carry on.
            async with asyncio.timeout(timeout_s or self._timeout_s):
                return await call
        except Exception as exc:
            raise to_failure(exc, value_error=value_error) from exc


def _peer_of(entity: Any) -> Peer:
    if isinstance(entity, types.Channel):  # broadcast channels and megagroups alike
        return Peer(
            peer_type="channel",
            peer_id=entity.id,
            access_hash=entity.access_hash or 0,
            title=entity.title,
        )
    if isinstance(entity, types.Chat):
        return Peer(peer_type="chat", peer_id=entity.id, title=entity.title)
    if isinstance(entity, types.User):
        name = " ".join(part for part in (entity.first_name, entity.last_name) if part)
        return Peer(
            peer_type="user",
            peer_id=entity.id,
            access_hash=entity.access_hash or 0,
            title=name or entity.username,
        )
    if isinstance(entity, types.ChannelForbidden):
        raise TelegramFailure("CHANNEL_PRIVATE", text="banned from the channel")
    if isinstance(entity, types.ChatForbidden):
        raise TelegramFailure("CHAT_WRITE_FORBIDDEN", text="removed from the group")
    raise TelegramFailure("PEER_ID_INVALID", text=type(entity).__name__)


def _input_peer(peer: Peer) -> Any:
    if peer.peer_type == "channel":
        return types.InputPeerChannel(peer.peer_id, peer.access_hash)
    if peer.peer_type == "chat":
        return types.InputPeerChat(peer.peer_id)
    if peer.peer_type == "user":
        return types.InputPeerUser(peer.peer_id, peer.access_hash)
    if peer.peer_type == "self":  # the account's Saved Messages (a test send to "me")
        return types.InputPeerSelf()
    raise TelegramFailure("PEER_ID_INVALID", text=f"unknown peer type {peer.peer_type!r}")


def _sent_message_id(result: Any, random_id: int) -> int | None:
    """The new message's id from whatever shape of Updates the send returned."""
    if isinstance(result, types.UpdateShortSentMessage):
        return int(result.id)
    if isinstance(result, types.UpdateShort):
        updates = [result.update]
    else:
        updates = list(getattr(result, "updates", None) or [])
    for update in updates:
        if isinstance(update, types.UpdateMessageID) and update.random_id == random_id:
            return int(update.id)
    for update in updates:
        if isinstance(update, (types.UpdateNewChannelMessage, types.UpdateNewMessage)):
            return int(update.message.id)
    return None


@functools.lru_cache(maxsize=64)
def _parsed(html: str) -> tuple[str, tuple[Any, ...]]:
    """Text and entities of a post; a campaign sends one post many times, so parse it once."""
    text, entities = telethon_html.parse(html)
    # Telegram rejects zero-length entities (empty tags); Telethon's send_message drops them.
    return text, tuple(entity for entity in entities if entity.length)
