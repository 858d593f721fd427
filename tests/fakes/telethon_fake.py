"""A fake Telegram at Telethon's network seam, so the real TelegramClient code runs in tests.

`FakeMTProtoSender` replaces `client._sender`. Requests are serialized and read back the way
Telegram would receive them; answers are real TL objects serialized and read back through
`request.read_result`, and errors are built with `rpc_message_to_error`, as in the real sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import os
import re
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from telethon import TelegramClient, functions, types
from telethon import password as telethon_password
from telethon.crypto import AuthKey
from telethon.errors import rpc_message_to_error
from telethon.extensions import BinaryReader
from telethon.sessions import StringSession

from predlagator.delivery.telethon_sender import make_client

if TYPE_CHECKING:
    from tests.fakes.telethon_post_actions import PostActionsFake

API_ID = 12345
API_HASH = "0123456789abcdef0123456789abcdef"
DC_ID, DC_IP, DC_PORT = 2, "149.154.167.51", 443
LOGIN_CODE = "12345"

_VECTOR = 0x1CB5C415
_BOOL = {True: 0x997275B5, False: 0xBC799737}
_WRAPPERS = (
    functions.InvokeWithLayerRequest,
    functions.InvokeWithoutUpdatesRequest,
    functions.InitConnectionRequest,
    functions.InvokeAfterMsgRequest,
)
# Housekeeping a client does on its own; `fail_next` skips these unless asked for by type.
_HOUSEKEEPING = (
    functions.help.GetConfigRequest,
    functions.updates.GetStateRequest,
    functions.updates.GetDifferenceRequest,
    functions.updates.GetChannelDifferenceRequest,
    functions.PingRequest,
)
# Requests Telegram answers without a logged-in auth key.
_UNAUTHORIZED_OK = (
    functions.help.GetConfigRequest,
    functions.auth.SendCodeRequest,
    functions.auth.SignInRequest,
    functions.auth.CheckPasswordRequest,
    functions.auth.ResendCodeRequest,
    functions.account.GetPasswordRequest,
    functions.PingRequest,
)
_USERNAME = re.compile(r"^[a-z][a-z0-9_]{3,31}$")
_NOW = datetime(2025, 1, 1, tzinfo=UTC)


class Post(NamedTuple):
    """One message as the fake channel holds it."""

    message_id: int
    text: str
    entities: list[Any]
    random_id: int
    media: StoredFile | None = None


class StoredFile(NamedTuple):
    """A photo or document Telegram keeps once a post carried it; reusable by id."""

    kind: str  # "photo" or "document"
    id: int
    access_hash: int
    file_reference: bytes
    data: bytes
    name: str
    mime_type: str
    attributes: list[Any]


@dataclass
class FakeChannel:
    """A broadcast channel (or megagroup) the fake knows."""

    id: int
    access_hash: int
    username: str
    title: str
    megagroup: bool = False
    pts: int = 1
    # participants_count as Telegram tells it to a member (None: it leaves it out).
    members: int | None = None

    def tl(self) -> Any:
        return types.Channel(
            participants_count=self.members,
            id=self.id,
            title=self.title,
            photo=types.ChatPhotoEmpty(),
            date=_NOW,
            broadcast=not self.megagroup,
            megagroup=self.megagroup,
            access_hash=self.access_hash,
            username=self.username,
        )


@dataclass
class _Failure:
    make: Callable[[], BaseException]
    times: int
    username: str | None
    request_type: type | None


class _Rpc(Exception):
    """Raised inside the fake's handlers: Telegram answers with an rpc_error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


@dataclass
class _PendingCode:
    """A login code Telegram sent: for which phone, to which auth key (the session that asked),
    and whether it expired."""

    phone: str
    code: str
    auth_key: bytes | None
    expired: bool = False


@dataclass
class _Srp:
    algo: Any
    b: int
    big_b: bytes
    verifier: int


class FakeTelegram:
    """Telegram's state as one account sees it, with error injection and pauses for tests.

    `posts` maps channel id to its messages; `sent` holds every SendMessageRequest and
    SendMediaRequest as received; `duplicates` counts posts whose text a channel already had
    under another random_id; `requests` logs (monotonic time, request name) for every request,
    innermost query named. `file_parts` holds uploaded parts by file id (`uploaded()` gives
    each upload's bytes) and `files` the photos and documents posts carried, by id.
    """

    def __init__(self, *, latency_s: float = 0.0, password: str | None = None) -> None:
        self.latency_s = latency_s
        self.password = password
        self.gate: asyncio.Event | None = None
        self.on_send: Callable[[Any], Awaitable[None]] | None = None
        self.channels: dict[str, FakeChannel] = {}
        self._ids_index: dict[int, FakeChannel] = {}
        self.invites: dict[str, tuple[str, bool]] = {}
        self.sent: list[Any] = []
        self.posts: dict[int, list[Post]] = {}
        self.duplicates = 0
        self.requests: list[tuple[float, str]] = []
        self.unexpected: list[str] = []
        self.file_parts: dict[int, dict[int, bytes]] = {}
        self.files: dict[int, StoredFile] = {}
        self.authorized_keys: set[bytes] = set()
        self.me: Any = types.User(
            id=777000111,
            is_self=True,
            access_hash=0x1234567,
            first_name="Poster",
            last_name="Account",
            username="poster_account",
            phone="4915550000",
        )
        self._failures: list[_Failure] = []
        self._refusals = 0
        self.on_refused: Callable[[], None] | None = None
        self._ids = itertools.count(1_000_000_001)
        self._srp: dict[int, _Srp] = {}
        # Login codes by phone_code_hash; phones Telegram knows no account for.
        self.codes: dict[str, _PendingCode] = {}
        self.unknown_phones: set[str] = set()
        # Phones a code was sent to (auth.sendCode and auth.resendCode), in order.
        self.codes_sent: list[str] = []
        # Auth keys whose code was right but whose account wants its 2FA password next.
        self._awaiting_password: set[bytes] = set()

    # --- set-up -------------------------------------------------------------------------

    def add_channel(
        self, username: str, title: str | None = None, *, megagroup: bool = False
    ) -> tuple[int, int]:
        """Create a public channel; return its (channel_id, access_hash)."""
        channel = FakeChannel(
            id=next(self._ids),
            access_hash=int.from_bytes(os.urandom(8), "big", signed=True),
            username=username.lower(),
            title=title or username.title(),
            megagroup=megagroup,
        )
        self.channels[channel.username] = channel
        self.posts[channel.id] = []
        return channel.id, channel.access_hash

    def add_invite(self, invite_hash: str, username: str, *, joined: bool = True) -> None:
        """An invite link to a channel added before; `joined` says if the account is in it."""
        self.invites[invite_hash] = (username.lower(), joined)

    def new_session(self, *, authorized: bool = True) -> str:
        """A StringSession for DC 2 with a fresh auth key, logged in unless told otherwise."""
        session = StringSession()
        session.set_dc(DC_ID, DC_IP, DC_PORT)
        session.auth_key = AuthKey(os.urandom(256))
        if authorized:
            self.authorized_keys.add(session.auth_key.key)
        return str(session.save())

    def fail_next(
        self,
        code: int,
        message: str,
        times: int = 1,
        *,
        username: str | None = None,
        request_type: type | None = None,
    ) -> None:
        """Answer the next matching request(s) with Telegram error `code` `message`."""

        self._failures.append(_Failure(lambda: _Rpc(code, message), times, username, request_type))

    def break_next(
        self,
        error: Callable[[], BaseException],
        times: int = 1,
        *,
        username: str | None = None,
        request_type: type | None = None,
    ) -> None:
        """Fail the next matching request(s) with a non-Telegram error, e.g. ConnectionError."""
        self._failures.append(_Failure(error, times, username, request_type))

    def refuse_connects(self, times: int) -> None:
        """Fail the next `times` connects as Telethon's sender does when Telegram cannot be
        reached (a ConnectionError once its own retries are spent); `on_refused` hears each."""
        self._refusals = times

    def take_refusal(self) -> bool:
        """Whether this connect is refused (counting it)."""
        if self._refusals <= 0:
            return False
        self._refusals -= 1
        if self.on_refused is not None:
            self.on_refused()
        return True

    def expire_codes(self) -> None:
        """Make every login code sent so far expire, as Telegram does after a while."""
        for pending in self.codes.values():
            pending.expired = True

    def uploaded(self) -> list[bytes]:
        """The bytes of every file uploaded, one entry per upload, in order."""
        return [b"".join(parts[i] for i in sorted(parts)) for parts in self.file_parts.values()]

    def request_names(self, since: float = 0.0) -> list[str]:
        """Names of the requests received (innermost query), optionally after a monotonic time."""
        return [name for at, name in self.requests if at >= since]

    # --- the server side ----------------------------------------------------------------

    async def answer(self, auth_key: bytes | None, request: Any) -> Any:
        """Handle one request as Telegram would; raise `_Rpc` for an rpc_error."""
        query = request
        while isinstance(query, _WRAPPERS):
            query = query.query
        self.requests.append((time.monotonic(), type(query).__name__))
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        failure = self._take_failure(query)
        if failure is not None:
            raise failure.make()
        if not isinstance(query, _UNAUTHORIZED_OK) and auth_key not in self.authorized_keys:
            raise _Rpc(401, "AUTH_KEY_UNREGISTERED")
        handler = self._HANDLERS.get(type(query))
        if handler is None and self.post_actions.answers(query):
            return await self.post_actions.answer(query, auth_key)
        if handler is None:
            self.unexpected.append(type(query).__name__)
            raise NotImplementedError(f"the fake does not answer {type(query).__name__}")
        return await handler(self, query, auth_key)

    def _take_failure(self, query: Any) -> _Failure | None:
        for failure in self._failures:
            if failure.request_type is None:
                if isinstance(query, _HOUSEKEEPING):
                    continue
            elif not isinstance(query, failure.request_type):
                continue
            if failure.username is not None and self._username_of(query) != failure.username:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            return failure
        return None

    def _username_of(self, query: Any) -> str | None:
        if isinstance(query, functions.contacts.ResolveUsernameRequest):
            return str(query.username).lower()
        # channels.* requests name the channel as `channel` (an InputChannel).
        peer = getattr(query, "peer", None) or getattr(query, "channel", None)
        if isinstance(peer, (types.InputPeerChannel, types.InputChannel)):
            channel = self._by_id(peer.channel_id)
            return channel.username if channel is not None else None
        return None

    # --- actions over posts already out: their own module, tests/fakes/telethon_post_actions

    @functools.cached_property
    def post_actions(self) -> PostActionsFake:
        """Edit, delete, pin and reach of posts, with their state; made on first use."""
        # Imported here, not at the top: that module builds on this one (Post, errors).
        from tests.fakes.telethon_post_actions import PostActionsFake  # noqa: PLC0415

        return PostActionsFake(self)

    def _by_id(self, channel_id: int) -> FakeChannel | None:
        # An index kept beside `channels`, rebuilt when channels were added behind its back
        # (subclasses add to `channels` directly), so benchmarks measure us, not a scan.
        if len(self._ids_index) != len(self.channels):
            self._ids_index = {c.id: c for c in self.channels.values()}
        return self._ids_index.get(channel_id)

    def _channel_by_id(self, channel_id: int, access_hash: int) -> FakeChannel:
        channel = self._by_id(channel_id)
        if channel is None or channel.access_hash != access_hash:
            raise _Rpc(400, "CHANNEL_INVALID")
        return channel

    async def _get_config(self, query: Any, auth_key: bytes | None) -> Any:
        return types.Config(
            date=_NOW,
            expires=_NOW + timedelta(hours=1),
            test_mode=False,
            this_dc=DC_ID,
            dc_options=[types.DcOption(id=DC_ID, ip_address=DC_IP, port=DC_PORT)],
            dc_txt_domain_name="apv3.stel.com",
            chat_size_max=200,
            megagroup_size_max=200000,
            forwarded_count_max=100,
            online_update_period_ms=210000,
            offline_blur_timeout_ms=5000,
            offline_idle_timeout_ms=30000,
            online_cloud_timeout_ms=300000,
            notify_cloud_delay_ms=30000,
            notify_default_delay_ms=1500,
            push_chat_period_ms=60000,
            push_chat_limit=2,
            edit_time_limit=172800,
            revoke_time_limit=2147483647,
            revoke_pm_time_limit=2147483647,
            rating_e_decay=2419200,
            stickers_recent_limit=200,
            channels_read_media_period=604800,
            call_receive_timeout_ms=20000,
            call_ring_timeout_ms=90000,
            call_connect_timeout_ms=30000,
            call_packet_timeout_ms=10000,
            me_url_prefix="https://t.me/",
            caption_length_max=1024,
            message_length_max=4096,
            webfile_dc_id=4,
        )

    async def _get_users(self, query: Any, auth_key: bytes | None) -> list[Any]:
        users = []
        for wanted in query.id:
            if isinstance(wanted, types.InputUserSelf) or getattr(wanted, "user_id", 0) == (
                self.me.id
            ):
                users.append(self.me)
            else:
                users.append(types.UserEmpty(id=getattr(wanted, "user_id", 0)))
        return users

    async def _get_state(self, query: Any, auth_key: bytes | None) -> Any:
        return types.updates.State(pts=1, qts=0, date=_NOW, seq=1, unread_count=0)

    async def _get_difference(self, query: Any, auth_key: bytes | None) -> Any:
        return types.updates.DifferenceEmpty(date=_NOW, seq=1)

    async def _resolve_username(self, query: Any, auth_key: bytes | None) -> Any:
        username = str(query.username).lower()
        if not _USERNAME.match(username):
            raise _Rpc(400, "USERNAME_INVALID")
        channel = self.channels.get(username)
        if channel is None:
            raise _Rpc(400, "USERNAME_NOT_OCCUPIED")
        return types.contacts.ResolvedPeer(
            peer=types.PeerChannel(channel.id), chats=[channel.tl()], users=[]
        )

    async def _check_chat_invite(self, query: Any, auth_key: bytes | None) -> Any:
        if query.hash not in self.invites:
            raise _Rpc(400, "INVITE_HASH_INVALID")
        username, joined = self.invites[query.hash]
        channel = self.channels[username]
        if joined:
            return types.ChatInviteAlready(chat=channel.tl())
        return types.ChatInvite(
            title=channel.title,
            photo=types.PhotoEmpty(id=0),
            participants_count=10,
            color=0,
            channel=True,
            broadcast=not channel.megagroup,
            megagroup=channel.megagroup,
        )

    async def _get_channels(self, query: Any, auth_key: bytes | None) -> Any:
        chats = [self._channel_by_id(c.channel_id, c.access_hash).tl() for c in query.id]
        return types.messages.Chats(chats=chats)

    async def _send_message(self, query: Any, auth_key: bytes | None) -> Any:
        self.sent.append(query)
        if self.on_send is not None:
            await self.on_send(query)
        if self.gate is not None:
            await self.gate.wait()
        peer = query.peer
        if isinstance(peer, types.InputPeerSelf):
            return self._save_for_self(query)
        if not isinstance(peer, types.InputPeerChannel):
            raise _Rpc(400, "PEER_ID_INVALID")  # the fake only has channels
        channel = self._channel_by_id(peer.channel_id, peer.access_hash)
        posts = self.posts[channel.id]
        post = next((p for p in posts if p.random_id == query.random_id), None)
        if post is None:
            # A media post's file is checked first: a refused one posts nothing.
            is_media = isinstance(query, functions.messages.SendMediaRequest)
            media = self._media_of(query) if is_media else None
            if any(p.text == query.message for p in posts):
                self.duplicates += 1
            entities = list(query.entities or [])
            post = Post(len(posts) + 1, query.message, entities, query.random_id, media)
            posts.append(post)
            channel.pts += 1
        message = types.Message(
            id=post.message_id,
            peer_id=types.PeerChannel(channel.id),
            date=_NOW,
            message=post.text,
            out=True,
            post=not channel.megagroup,
            entities=post.entities or None,
            media=_message_media(post.media),
        )
        return types.Updates(
            updates=[
                types.UpdateMessageID(id=post.message_id, random_id=post.random_id),
                types.UpdateNewChannelMessage(message=message, pts=channel.pts, pts_count=1),
            ],
            users=[],
            chats=[channel.tl()],
            date=_NOW,
            seq=0,
        )

    async def _save_file_part(self, query: Any, auth_key: bytes | None) -> bool:
        self.file_parts.setdefault(query.file_id, {})[query.file_part] = query.bytes
        return True

    async def _save_big_file_part(self, query: Any, auth_key: bytes | None) -> bool:
        if not 0 <= query.file_part < query.file_total_parts:
            raise _Rpc(400, "FILE_PART_INVALID")
        return await self._save_file_part(query, auth_key)

    def _media_of(self, query: Any) -> StoredFile:
        """The file a SendMediaRequest carries: a new upload, or a photo or document reused."""
        media = query.media
        if isinstance(media, (types.InputMediaPhoto, types.InputMediaDocument)):
            found = self.files.get(media.id.id)
            if (
                found is None
                or found.access_hash != media.id.access_hash
                or found.file_reference != media.id.file_reference
            ):
                raise _Rpc(400, "MEDIA_EMPTY")
            return found
        if isinstance(media, types.InputMediaUploadedPhoto):
            return self._store("photo", media.file, "image/jpeg", [])
        if isinstance(media, types.InputMediaUploadedDocument):
            return self._store("document", media.file, media.mime_type, list(media.attributes))
        raise _Rpc(400, "MEDIA_INVALID")

    def _store(self, kind: str, file: Any, mime_type: str, attributes: list[Any]) -> StoredFile:
        parts = self.file_parts.get(file.id, {})
        if sorted(parts) != list(range(file.parts)) or not parts:
            raise _Rpc(400, "FILE_PARTS_INVALID")
        data = b"".join(parts[i] for i in range(file.parts))
        small = isinstance(file, types.InputFile)
        if small and hashlib.md5(data).hexdigest() != file.md5_checksum:
            raise _Rpc(400, "MD5_CHECKSUM_INVALID")
        stored = StoredFile(
            kind=kind,
            id=next(self._ids),
            access_hash=int.from_bytes(os.urandom(8), "big", signed=True),
            file_reference=os.urandom(8),
            data=data,
            name=file.name,
            mime_type=mime_type,
            attributes=attributes,
        )
        self.files[stored.id] = stored
        return stored

    def _save_for_self(self, query: Any) -> Any:
        """A post to the account's Saved Messages, kept in `posts[me.id]`; a private chat's send
        is answered with UpdateShortSentMessage, as Telegram does."""
        posts = self.posts.setdefault(self.me.id, [])
        post = next((p for p in posts if p.random_id == query.random_id), None)
        is_media = isinstance(query, functions.messages.SendMediaRequest)
        if post is None:
            media = self._media_of(query) if is_media else None
            entities = list(query.entities or [])
            post = Post(len(posts) + 1, query.message, entities, query.random_id, media)
            posts.append(post)
        if not is_media:
            return types.UpdateShortSentMessage(
                out=True, id=post.message_id, pts=post.message_id, pts_count=1, date=_NOW
            )
        # A media post comes back whole, as to a channel, so its file can be reused.
        message = types.Message(
            id=post.message_id,
            peer_id=types.PeerUser(self.me.id),
            date=_NOW,
            message=post.text,
            out=True,
            entities=post.entities or None,
            media=_message_media(post.media),
        )
        return types.Updates(
            updates=[
                types.UpdateMessageID(id=post.message_id, random_id=post.random_id),
                types.UpdateNewMessage(message=message, pts=post.message_id, pts_count=1),
            ],
            users=[self.me],
            chats=[],
            date=_NOW,
            seq=0,
        )

    async def _send_code(self, query: Any, auth_key: bytes | None) -> Any:
        phone = str(query.phone_number)
        # Telethon sends digits only (utils.parse_phone); Telegram checks the number's length.
        if not re.fullmatch(r"[0-9]{7,15}", phone) or phone in self.unknown_phones:
            raise _Rpc(400, "PHONE_NUMBER_INVALID")
        return self._new_code(phone, auth_key, types.auth.SentCodeTypeApp(length=len(LOGIN_CODE)))

    async def _resend_code(self, query: Any, auth_key: bytes | None) -> Any:
        pending = self.codes.get(query.phone_code_hash)
        if pending is None or pending.expired or pending.auth_key != auth_key:
            raise _Rpc(400, "PHONE_CODE_EXPIRED")
        if pending.phone != query.phone_number:
            raise _Rpc(400, "PHONE_NUMBER_INVALID")
        del self.codes[query.phone_code_hash]  # the new code replaces the old one
        return self._new_code(
            pending.phone, auth_key, types.auth.SentCodeTypeSms(length=len(LOGIN_CODE))
        )

    def _new_code(self, phone: str, auth_key: bytes | None, kind: Any) -> Any:
        code_hash = os.urandom(9).hex()
        self.codes[code_hash] = _PendingCode(phone, LOGIN_CODE, auth_key)
        self.codes_sent.append(phone)
        return types.auth.SentCode(type=kind, phone_code_hash=code_hash)

    async def _sign_in(self, query: Any, auth_key: bytes | None) -> Any:
        # A code is bound to the session that asked for it, and is good once.
        pending = self.codes.get(query.phone_code_hash)
        if pending is None or pending.expired or pending.auth_key != auth_key:
            raise _Rpc(400, "PHONE_CODE_EXPIRED")
        if pending.phone != query.phone_number:
            raise _Rpc(400, "PHONE_NUMBER_INVALID")
        if query.phone_code != pending.code:
            raise _Rpc(400, "PHONE_CODE_INVALID")
        del self.codes[query.phone_code_hash]
        if self.password is not None:
            if auth_key is not None:
                self._awaiting_password.add(auth_key)
            raise _Rpc(401, "SESSION_PASSWORD_NEEDED")
        return self._authorize(auth_key)

    async def _get_password(self, query: Any, auth_key: bytes | None) -> Any:
        if self.password is None:
            return types.account.Password(
                new_algo=types.PasswordKdfAlgoUnknown(),
                new_secure_algo=types.SecurePasswordKdfAlgoUnknown(),
                secure_random=os.urandom(32),
            )
        srp_id, srp = _srp_start(self.password)
        self._srp[srp_id] = srp
        return types.account.Password(
            new_algo=types.PasswordKdfAlgoUnknown(),
            new_secure_algo=types.SecurePasswordKdfAlgoUnknown(),
            secure_random=os.urandom(32),
            has_password=True,
            current_algo=srp.algo,
            srp_B=srp.big_b,
            srp_id=srp_id,
        )

    async def _check_password(self, query: Any, auth_key: bytes | None) -> Any:
        check = query.password
        srp = self._srp.pop(check.srp_id, None)
        if srp is None:
            raise _Rpc(400, "SRP_ID_INVALID")
        if auth_key not in self._awaiting_password:
            raise _Rpc(401, "AUTH_KEY_UNREGISTERED")  # no right code came first on this key
        if not _srp_verify(srp, check.A, check.M1):
            raise _Rpc(400, "PASSWORD_HASH_INVALID")
        self._awaiting_password.discard(auth_key)
        return self._authorize(auth_key)

    def _authorize(self, auth_key: bytes | None) -> Any:
        if auth_key is not None:
            self.authorized_keys.add(auth_key)
        return types.auth.Authorization(user=self.me)

    _HANDLERS: ClassVar[dict[type, Callable[[FakeTelegram, Any, bytes | None], Awaitable[Any]]]] = {
        functions.help.GetConfigRequest: _get_config,
        functions.users.GetUsersRequest: _get_users,
        functions.updates.GetStateRequest: _get_state,
        functions.updates.GetDifferenceRequest: _get_difference,
        functions.contacts.ResolveUsernameRequest: _resolve_username,
        functions.messages.CheckChatInviteRequest: _check_chat_invite,
        functions.channels.GetChannelsRequest: _get_channels,
        functions.messages.SendMessageRequest: _send_message,
        functions.messages.SendMediaRequest: _send_message,
        functions.upload.SaveFilePartRequest: _save_file_part,
        functions.upload.SaveBigFilePartRequest: _save_big_file_part,
        functions.auth.SendCodeRequest: _send_code,
        functions.auth.SignInRequest: _sign_in,
        functions.auth.ResendCodeRequest: _resend_code,
        functions.account.GetPasswordRequest: _get_password,
        functions.auth.CheckPasswordRequest: _check_password,
    }


class FakeMTProtoSender:
    """Stands in for telethon.network.MTProtoSender: the methods TelegramClient uses."""

    def __init__(self, telegram: FakeTelegram, auth_key: AuthKey | None = None) -> None:
        self.telegram = telegram
        self.auth_key = auth_key or AuthKey(None)
        self._connection: Any = None
        self._user_connected = False
        self._disconnected_future: asyncio.Future[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def connect(self, connection: Any) -> bool:
        """Connect without a network; a missing auth key is "generated" as the real one is."""
        if self._user_connected:
            return False
        if self.telegram.take_refusal():
            raise ConnectionError("Connection to Telegram failed 3 time(s)")  # Telethon's words
        self._connection = connection
        if not self.auth_key.key:
            self.auth_key.key = os.urandom(256)
        self._disconnected_future = asyncio.get_running_loop().create_future()
        self._user_connected = True
        return True

    def is_connected(self) -> bool:
        return self._user_connected

    def _transport_connected(self) -> bool:
        return self._user_connected

    def _keepalive_ping(self, rnd_id: int) -> None:
        """Pings are not answered or recorded; nothing in the client waits for a pong."""

    async def disconnect(self) -> None:
        """Drop pending requests (their futures are cancelled, as the real sender does)."""
        self._user_connected = False
        self._connection = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._disconnected_future is not None and not self._disconnected_future.done():
            self._disconnected_future.set_result(None)

    @property
    def disconnected(self) -> asyncio.Future[None]:
        if self._disconnected_future is None:
            self._disconnected_future = asyncio.get_running_loop().create_future()
            self._disconnected_future.set_result(None)
        return asyncio.shield(self._disconnected_future)

    def send(self, request: Any, ordered: bool = False) -> asyncio.Future[Any]:
        """Queue `request`; the returned future resolves as Telegram's answer arrives."""
        if not self._user_connected:
            raise ConnectionError("Cannot send requests while disconnected")
        if isinstance(request, list):
            raise NotImplementedError("the fake does not take batched requests")
        data = bytes(request)  # what RequestState does; bad arguments fail here, synchronously
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        task = asyncio.get_running_loop().create_task(self._serve(request, data, future))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return future

    async def _serve(self, request: Any, data: bytes, future: asyncio.Future[Any]) -> None:
        try:
            received = BinaryReader(data).tgread_object()  # as Telegram reads it
            result = await self.telegram.answer(self.auth_key.key, received)
        except _Rpc as rpc:
            error = types.RpcError(rpc.code, rpc.message)
            error = BinaryReader(bytes(error)).tgread_object()
            _settle(future, exception=rpc_message_to_error(error, request))
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            _settle(future, exception=exc)
        else:
            try:
                value = request.read_result(BinaryReader(_serialize(result)))
            except Exception as exc:
                _settle(future, exception=exc)
            else:
                _settle(future, result=value)


def _message_media(stored: StoredFile | None) -> Any:
    """A post's file as Telegram shows it in a message."""
    if stored is None:
        return None
    if stored.kind == "photo":
        size = types.PhotoSize(type="x", w=800, h=600, size=len(stored.data))
        photo = types.Photo(
            id=stored.id,
            access_hash=stored.access_hash,
            file_reference=stored.file_reference,
            date=_NOW,
            sizes=[size],
            dc_id=DC_ID,
        )
        return types.MessageMediaPhoto(photo=photo)
    document = types.Document(
        id=stored.id,
        access_hash=stored.access_hash,
        file_reference=stored.file_reference,
        date=_NOW,
        mime_type=stored.mime_type,
        size=len(stored.data),
        dc_id=DC_ID,
        attributes=stored.attributes,
    )
    video = any(isinstance(a, types.DocumentAttributeVideo) for a in stored.attributes)
    return types.MessageMediaDocument(document=document, video=video or None)


def _settle(
    future: asyncio.Future[Any], *, result: Any = None, exception: BaseException | None = None
) -> None:
    if future.done():
        return  # the caller gave up (timeout, cancellation)
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)


def _serialize(result: Any) -> bytes:
    """Bytes of an answer as Telegram sends them: boxed objects, vectors, booleans."""
    if isinstance(result, bool):
        return struct.pack("<I", _BOOL[result])
    if isinstance(result, list):
        return struct.pack("<Ii", _VECTOR, len(result)) + b"".join(map(_serialize, result))
    return bytes(result)


def fake_client(
    telegram: FakeTelegram, *, authorized: bool = True, session: str | None = None
) -> TelegramClient:
    """A real TelegramClient, made by `make_client`, talking to `telegram`."""
    session = session if session is not None else telegram.new_session(authorized=authorized)
    auth_key = StringSession(session).auth_key
    sender = FakeMTProtoSender(telegram, AuthKey(auth_key.key) if auth_key else None)
    return make_client(API_ID, API_HASH, session, mtproto_sender=sender)


# --- two-step verification (SRP), the server's half of telethon.password.compute_check ----

_P = bytes.fromhex(
    "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F"
    "48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37"
    "20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64"
    "2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4"
    "A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754"
    "FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4"
    "E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"
    "0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B"
)
_G = 3


def _sha256(*parts: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.digest()


def _srp_start(password: str) -> tuple[int, _Srp]:
    algo = types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
        salt1=os.urandom(16), salt2=os.urandom(16), g=_G, p=_P
    )
    p = int.from_bytes(_P, "big")
    x = int.from_bytes(telethon_password.compute_hash(algo, password), "big")
    verifier = pow(_G, x, p)
    k = int.from_bytes(_sha256(_P, _G.to_bytes(256, "big")), "big")
    b = int.from_bytes(os.urandom(256), "big")
    big_b = ((k * verifier + pow(_G, b, p)) % p).to_bytes(256, "big")
    srp_id = int.from_bytes(os.urandom(8), "big", signed=True)
    return srp_id, _Srp(algo=algo, b=b, big_b=big_b, verifier=verifier)


def _srp_verify(srp: _Srp, a_bytes: bytes, m1: bytes) -> bool:
    p = int.from_bytes(_P, "big")
    big_a = int.from_bytes(a_bytes, "big")
    a_for_hash = big_a.to_bytes(256, "big")
    u = int.from_bytes(_sha256(a_for_hash, srp.big_b), "big")
    secret = pow(big_a * pow(srp.verifier, u, p) % p, srp.b, p)
    key = _sha256(secret.to_bytes(256, "big"))
    p_hash, g_hash = _sha256(_P), _sha256(_G.to_bytes(256, "big"))
    expected = _sha256(
        bytes(x ^ y for x, y in zip(p_hash, g_hash, strict=True)),
        _sha256(srp.algo.salt1),
        _sha256(srp.algo.salt2),
        a_for_hash,
        srp.big_b,
        key,
    )
    return expected == m1
