"""The fake Telegram's answers to actions over posts already out: edit, delete, pin and reach.

`FakeTelegram.post_actions` (made on first use) answers EditMessage, channels.DeleteMessages,
messages.DeleteMessages, UpdatePinnedMessage, GetMessagesViews, GetMessagesReactions, and
channels.GetMessages / messages.GetMessages (the reach read: the posts with their counters) with
real TL objects, and refuses with Telegram's own errors (raised as the fake raises all of them,
so the client gets e.g. MessageNotModifiedError). It keeps what each post went through beside
the fake's `posts` (an edit rewrites the post there too), records each action that changed a
post with the account (auth key) that made it, so a test can count that every channel's post
was edited or deleted exactly once, and holds views, forwards and reactions per post.

Basic groups live here, since the fake posts only to channels: `add_basic_group` makes one and
`put_post` places a post in it (message ids there are the account's own sequence, as Telegram
numbers messages outside channels).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telethon import functions, types

from tests.fakes.telethon_fake import _NOW, Post, _message_media, _Rpc

if TYPE_CHECKING:
    from tests.fakes.telethon_fake import FakeTelegram

# The requests answered here.
REQUESTS = (
    functions.messages.EditMessageRequest,
    functions.channels.DeleteMessagesRequest,
    functions.messages.DeleteMessagesRequest,
    functions.messages.UpdatePinnedMessageRequest,
    functions.messages.GetMessagesViewsRequest,
    functions.messages.GetMessagesReactionsRequest,
    functions.channels.GetMessagesRequest,
    functions.messages.GetMessagesRequest,
)
# Error names Telegram sends with a code other than 400.
_ERROR_CODES = {
    "MESSAGE_DELETE_FORBIDDEN": 403,
    "MESSAGE_AUTHOR_REQUIRED": 403,
    "CHAT_WRITE_FORBIDDEN": 403,
}


@dataclass
class BasicGroup:
    """A basic group (not a supergroup) the account is in."""

    id: int
    title: str

    def tl(self) -> Any:
        return types.Chat(
            id=self.id,
            title=self.title,
            photo=types.ChatPhotoEmpty(),
            participants_count=5,
            date=_NOW,
            version=1,
        )


@dataclass
class PostState:
    """What one post went through beyond its text, and its reach."""

    pinned: bool = False
    deleted: bool = False
    too_old_to_edit: bool = False
    views: int = 0
    forwards: int = 0
    reactions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Done:
    """One action that changed a post, by the account (session auth key) that made it."""

    action: str  # edit | delete | pin | unpin
    chat_id: int
    message_id: int
    account: bytes | None
    silent: bool | None = None  # a pin's


class PostActionsFake:
    """Edit, delete, pin and reach for one FakeTelegram (its channels and basic groups)."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram
        self.groups: dict[int, BasicGroup] = {}
        self.states: dict[tuple[int, int], PostState] = {}
        self.done: list[Done] = []
        self.received: list[Any] = []  # every action request that reached this fake, as read
        self.hold: asyncio.Event | None = None  # when set, answers wait for it (a hung call)
        # Runs when an action request arrives, before it is answered (a test's clock, say).
        self.on_action: Callable[[Any], Awaitable[None]] | None = None
        self._refusals: dict[tuple[int, str], str] = {}
        self._group_message_ids = itertools.count(1)
        self._group_of_message: dict[int, int] = {}
        self._pts = itertools.count(100)

    # --- set-up -------------------------------------------------------------------------

    def add_basic_group(self, title: str) -> int:
        """A basic group the account is in; returns its chat id."""
        group = BasicGroup(id=next(self.telegram._ids), title=title)
        self.groups[group.id] = group
        self.telegram.posts[group.id] = []
        return group.id

    def put_post(self, group_id: int, text: str, entities: list[Any] | None = None) -> int:
        """A post the account made in a basic group; returns its message id."""
        message_id = next(self._group_message_ids)
        self.telegram.posts[group_id].append(Post(message_id, text, list(entities or []), 0))
        self._group_of_message[message_id] = group_id
        return message_id

    def set_reach(
        self,
        chat_id: int,
        message_id: int,
        *,
        views: int = 0,
        forwards: int = 0,
        reactions: dict[str, int] | None = None,
    ) -> None:
        """What Telegram counts for a post: views, forwards, reactions by emoji."""
        state = self.state(chat_id, message_id)
        state.views, state.forwards = views, forwards
        state.reactions = dict(reactions or {})

    def expire_edits(self, chat_id: int, message_id: int) -> None:
        """The post is past Telegram's edit window (48 h)."""
        self.state(chat_id, message_id).too_old_to_edit = True

    def refuse(self, chat_id: int, action: str, code: str) -> None:
        """Refuse every `action` (edit, delete, or pin, which covers unpin) in the chat with
        `code`, e.g. an account without admin rights there: CHAT_ADMIN_REQUIRED."""
        self._refusals[chat_id, action] = code

    # --- what tests read ----------------------------------------------------------------

    def state(self, chat_id: int, message_id: int) -> PostState:
        """The post's state (made on first look)."""
        return self.states.setdefault((chat_id, message_id), PostState())

    def count(self, action: str) -> Counter[tuple[int, int]]:
        """(chat id, message id) → how many times `action` changed that post."""
        return Counter((d.chat_id, d.message_id) for d in self.done if d.action == action)

    def text(self, chat_id: int, message_id: int) -> str:
        """The post's text (caption) as the chat shows it now."""
        return self._post(chat_id, message_id).text

    # --- the server side ----------------------------------------------------------------

    def answers(self, query: Any) -> bool:
        """Whether `query` is one of the requests answered here."""
        return isinstance(query, REQUESTS)

    async def answer(self, query: Any, auth_key: bytes | None) -> Any:
        """Answer one action request as Telegram would; raise `_Rpc` for its errors."""
        self.received.append(query)
        if self.on_action is not None:
            await self.on_action(query)
        if self.hold is not None:
            await self.hold.wait()
        if isinstance(query, functions.messages.EditMessageRequest):
            return self._edit(query, auth_key)
        if isinstance(query, functions.channels.DeleteMessagesRequest):
            channel = self.telegram._channel_by_id(
                query.channel.channel_id, query.channel.access_hash
            )
            return self._delete(channel.id, query.id, auth_key)
        if isinstance(query, functions.messages.DeleteMessagesRequest):
            return self._delete_outside_channels(query, auth_key)
        if isinstance(query, functions.messages.UpdatePinnedMessageRequest):
            return self._pin(query, auth_key)
        if isinstance(query, functions.messages.GetMessagesViewsRequest):
            return self._views(query)
        if isinstance(query, functions.channels.GetMessagesRequest):
            channel = self.telegram._channel_by_id(
                query.channel.channel_id, query.channel.access_hash
            )
            return self._messages(channel.id, channel.tl(), query.id)
        if isinstance(query, functions.messages.GetMessagesRequest):
            return self._messages_outside_channels(query)
        return self._reactions(query)

    def _edit(self, query: Any, auth_key: bytes | None) -> Any:
        chat_id, chat = self._chat(query.peer)
        post = self._live_post(chat_id, query.id)
        self._check_refusal(chat_id, "edit")
        if self.state(chat_id, post.message_id).too_old_to_edit:
            raise _Rpc(400, "MESSAGE_EDIT_TIME_EXPIRED")
        text = post.text if query.message is None else query.message
        entities = post.entities if query.message is None else list(query.entities or [])
        media = self.telegram._media_of(query) if query.media is not None else post.media
        # The same file again (reused by id) with the same caption changes nothing either.
        same_file = (media and media.id) == (post.media and post.media.id)
        if same_file and text == post.text and _same(entities, post.entities):
            raise _Rpc(400, "MESSAGE_NOT_MODIFIED")
        edited = post._replace(text=text, entities=entities, media=media)
        posts = self.telegram.posts[chat_id]
        posts[posts.index(post)] = edited
        self.done.append(Done("edit", chat_id, post.message_id, auth_key))
        message = types.Message(
            id=edited.message_id,
            peer_id=_peer(chat),
            date=_NOW,
            message=edited.text,
            out=True,
            post=isinstance(chat, types.Channel) and not chat.megagroup,
            entities=edited.entities or None,
            media=_message_media(edited.media),
            edit_date=_NOW,
        )
        update: Any
        if isinstance(chat, types.Channel):
            update = types.UpdateEditChannelMessage(
                message=message, pts=next(self._pts), pts_count=1
            )
        else:
            update = types.UpdateEditMessage(message=message, pts=next(self._pts), pts_count=1)
        return _updates([update], chat)

    def _delete(self, chat_id: int, message_ids: list[int], auth_key: bytes | None) -> Any:
        self._check_refusal(chat_id, "delete")
        deleted = 0
        for message_id in message_ids:
            # Ids that are not there (or gone already) delete nothing, without an error.
            if self._find(chat_id, message_id) is None:
                continue
            state = self.state(chat_id, message_id)
            if state.deleted:
                continue
            state.deleted = True
            deleted += 1
            self.done.append(Done("delete", chat_id, message_id, auth_key))
        return types.messages.AffectedMessages(pts=next(self._pts), pts_count=deleted)

    def _delete_outside_channels(self, query: Any, auth_key: bytes | None) -> Any:
        if not query.revoke:
            # Deleted only for the account itself: everyone else still sees the post. The fake
            # refuses it so a test cannot pass on a delete that leaves the post up.
            raise _Rpc(400, "MESSAGE_DELETE_FORBIDDEN")
        by_group: dict[int, list[int]] = {}
        for message_id in query.id:
            group_id = self._group_of_message.get(message_id)
            if group_id is not None:
                by_group.setdefault(group_id, []).append(message_id)
        deleted = 0
        for group_id, ids in by_group.items():
            deleted += self._delete(group_id, ids, auth_key).pts_count
        return types.messages.AffectedMessages(pts=next(self._pts), pts_count=deleted)

    def _pin(self, query: Any, auth_key: bytes | None) -> Any:
        chat_id, chat = self._chat(query.peer)
        action = "unpin" if query.unpin else "pin"
        if action == "unpin" and self._find(chat_id, query.id) is None:
            raise _Rpc(400, "MESSAGE_ID_INVALID")
        post = self._live_post(chat_id, query.id)
        self._check_refusal(chat_id, "pin")
        state = self.state(chat_id, post.message_id)
        if state.pinned == (action == "pin"):
            raise _Rpc(400, "CHAT_NOT_MODIFIED")
        state.pinned = action == "pin"
        silent = bool(query.silent) if action == "pin" else None
        self.done.append(Done(action, chat_id, post.message_id, auth_key, silent))
        update: Any
        if isinstance(chat, types.Channel):
            update = types.UpdatePinnedChannelMessages(
                channel_id=chat_id,
                messages=[post.message_id],
                pts=next(self._pts),
                pts_count=1,
                pinned=state.pinned or None,
            )
        else:
            update = types.UpdatePinnedMessages(
                peer=_peer(chat),
                messages=[post.message_id],
                pts=next(self._pts),
                pts_count=1,
                pinned=state.pinned or None,
            )
        return _updates([update], chat)

    def _views(self, query: Any) -> Any:
        chat_id, chat = self._chat(query.peer)
        counted = []
        for message_id in query.id:
            if self._find(chat_id, message_id) is None or self.state(chat_id, message_id).deleted:
                counted.append(types.MessageViews())  # Telegram's answer for a missing post
                continue
            state = self.state(chat_id, message_id)
            if query.increment:
                state.views += 1
            if isinstance(chat, types.Channel):
                counted.append(types.MessageViews(views=state.views, forwards=state.forwards))
            else:
                counted.append(types.MessageViews())  # basic groups count no views
        return types.messages.MessageViews(views=counted, chats=[chat], users=[])

    def _reactions(self, query: Any) -> Any:
        chat_id, chat = self._chat(query.peer)
        updates = []
        for message_id in query.id:
            if self._find(chat_id, message_id) is None or self.state(chat_id, message_id).deleted:
                continue
            counts = [
                types.ReactionCount(reaction=types.ReactionEmoji(emoji), count=n)
                for emoji, n in self.state(chat_id, message_id).reactions.items()
            ]
            updates.append(
                types.UpdateMessageReactions(
                    peer=_peer(chat),
                    msg_id=message_id,
                    reactions=types.MessageReactions(results=counts),
                )
            )
        return _updates(updates, chat)

    def _messages(self, chat_id: int, chat: Any, ids: list[Any]) -> Any:
        """channels.getMessages: the posts asked, MessageEmpty for any not there."""
        messages = [self._message(chat_id, chat, _message_id(wanted)) for wanted in ids]
        if isinstance(chat, types.Channel):
            return types.messages.ChannelMessages(
                pts=chat_pts(self.telegram, chat_id),
                count=len(messages),
                messages=messages,
                topics=[],
                chats=[chat],
                users=[],
            )
        return types.messages.Messages(messages=messages, topics=[], chats=[chat], users=[])

    def _messages_outside_channels(self, query: Any) -> Any:
        """messages.getMessages: ids are the account's own, so each names its basic group."""
        messages, chats = [], {}
        for wanted in query.id:
            message_id = _message_id(wanted)
            group_id = self._group_of_message.get(message_id)
            if group_id is None:
                messages.append(types.MessageEmpty(id=message_id))
                continue
            chat = chats[group_id] = self.groups[group_id].tl()
            messages.append(self._message(group_id, chat, message_id))
        return types.messages.Messages(
            messages=messages, topics=[], chats=list(chats.values()), users=[]
        )

    def _message(self, chat_id: int, chat: Any, message_id: int) -> Any:
        """One post as Telegram returns it to its author, with its counters; views and
        forwards only in channels and supergroups, as Telegram counts them."""
        post = self._find(chat_id, message_id)
        state = self.state(chat_id, message_id)
        if post is None or state.deleted:
            return types.MessageEmpty(id=message_id, peer_id=_peer(chat))
        in_channel = isinstance(chat, types.Channel)
        counts = [
            types.ReactionCount(reaction=types.ReactionEmoji(emoji), count=n)
            for emoji, n in state.reactions.items()
        ]
        return types.Message(
            id=message_id,
            peer_id=_peer(chat),
            date=_NOW,
            message=post.text,
            out=True,
            post=in_channel and not chat.megagroup,
            entities=post.entities or None,
            media=_message_media(post.media),
            views=state.views if in_channel else None,
            forwards=state.forwards if in_channel else None,
            reactions=types.MessageReactions(results=counts) if counts else None,
        )

    # --- lookups --------------------------------------------------------------------------

    def _chat(self, peer: Any) -> tuple[int, Any]:
        """The chat an InputPeer names, as (id, its TL object)."""
        if isinstance(peer, types.InputPeerChannel):
            channel = self.telegram._channel_by_id(peer.channel_id, peer.access_hash)
            return channel.id, channel.tl()
        if isinstance(peer, types.InputPeerChat) and peer.chat_id in self.groups:
            return peer.chat_id, self.groups[peer.chat_id].tl()
        raise _Rpc(400, "PEER_ID_INVALID")

    def _find(self, chat_id: int, message_id: int) -> Post | None:
        return next(
            (p for p in self.telegram.posts.get(chat_id, []) if p.message_id == message_id), None
        )

    def _post(self, chat_id: int, message_id: int) -> Post:
        post = self._find(chat_id, message_id)
        assert post is not None, (chat_id, message_id)
        return post

    def _live_post(self, chat_id: int, message_id: int) -> Post:
        post = self._find(chat_id, message_id)
        if post is None or self.state(chat_id, message_id).deleted:
            raise _Rpc(400, "MESSAGE_ID_INVALID")
        return post

    def _check_refusal(self, chat_id: int, action: str) -> None:
        code = self._refusals.get((chat_id, action))
        if code is not None:
            raise _Rpc(_ERROR_CODES.get(code, 400), code)


def _message_id(wanted: Any) -> int:
    """The id an InputMessage names (InputMessageID is all a reach read sends)."""
    if isinstance(wanted, types.InputMessageID):
        return int(wanted.id)
    raise _Rpc(400, "MESSAGE_IDS_EMPTY")


def chat_pts(telegram: FakeTelegram, chat_id: int) -> int:
    """The channel's pts as the fake keeps it."""
    channel = telegram._by_id(chat_id)
    return channel.pts if channel is not None else 1


def _peer(chat: Any) -> Any:
    if isinstance(chat, types.Channel):
        return types.PeerChannel(chat.id)
    return types.PeerChat(chat.id)


def _updates(updates: list[Any], chat: Any) -> Any:
    return types.Updates(updates=updates, users=[], chats=[chat], date=_NOW, seq=0)


def _same(a: list[Any], b: list[Any]) -> bool:
    """Whether two entity lists format a text the same way."""
    return [bytes(e) for e in a] == [bytes(e) for e in b]
