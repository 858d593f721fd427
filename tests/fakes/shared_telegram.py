"""One fake Telegram for several processes: what it received and posted lives in PostgreSQL.

Worker processes (and their replacements after a SIGKILL) each run a `SharedTelegram`; its
posts go to `fake_posts` and every request it receives to `fake_requests`, so all of them see
one Telegram. A repeated random_id towards the same channel returns the original message, as
Telegram does; a second post to a channel under another random_id is a duplicate.

Channels are derived from their usernames (id and access_hash are hashes of the name), so
every process that adds the same names knows the same channels.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import psycopg
from telethon import functions, types

from tests.fakes.telethon_fake import (
    _NOW,
    _WRAPPERS,
    FakeChannel,
    FakeTelegram,
    _message_media,
    _Rpc,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS fake_posts (
    channel_id bigint NOT NULL,
    random_id bigint NOT NULL,
    message_id bigint NOT NULL,
    text text NOT NULL,
    posted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    pid integer NOT NULL,
    UNIQUE (channel_id, random_id)
);
CREATE SEQUENCE IF NOT EXISTS fake_message_ids;
CREATE TABLE IF NOT EXISTS fake_requests (
    id bigserial PRIMARY KEY,
    pid integer NOT NULL,
    name text NOT NULL,
    channel_id bigint,
    random_id bigint,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- Which account's fake received it (one fake per account, as one Telegram session each).
ALTER TABLE fake_posts ADD COLUMN IF NOT EXISTS account text NOT NULL DEFAULT '';
ALTER TABLE fake_requests ADD COLUMN IF NOT EXISTS account text NOT NULL DEFAULT '';
-- Actions over posts (edit, delete): a post taken down stays, marked; each change is logged with
-- the process that made it, so a crash benchmark counts every post changed exactly once.
ALTER TABLE fake_posts ADD COLUMN IF NOT EXISTS deleted boolean NOT NULL DEFAULT false;
CREATE TABLE IF NOT EXISTS fake_actions (
    id bigserial PRIMARY KEY,
    channel_id bigint NOT NULL,
    message_id bigint NOT NULL,
    action text NOT NULL,
    pid integer NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
"""
# Several processes may install at once; CREATE ... IF NOT EXISTS is not safe under a race.
_INSTALL_LOCK = 0x46414B45  # "FAKE"

# Channels with posts under more than one random_id: the same post twice.
DUPLICATES_SQL = """
SELECT count(*) FROM (
    SELECT channel_id FROM fake_posts GROUP BY channel_id HAVING count(DISTINCT random_id) > 1
) twice
"""

# An edit changes the post's text unless it reads so already (Telegram: MESSAGE_NOT_MODIFIED);
# the row lock makes two processes' edits of one post take turns.
_EDIT_SQL = """
WITH post AS (
    SELECT message_id, text, deleted FROM fake_posts
    WHERE channel_id = %(channel_id)s AND message_id = %(message_id)s FOR UPDATE
), changed AS (
    UPDATE fake_posts f SET text = %(text)s FROM post
    WHERE f.channel_id = %(channel_id)s AND f.message_id = post.message_id
      AND NOT post.deleted AND post.text <> %(text)s
    RETURNING f.message_id
), logged AS (
    INSERT INTO fake_actions (channel_id, message_id, action, pid)
    SELECT %(channel_id)s, message_id, 'edit', %(pid)s FROM changed
)
SELECT (SELECT count(*) FROM post WHERE NOT deleted) AS found,
       (SELECT count(*) FROM changed) AS changed
"""
# A delete takes down the posts still up; ids gone already delete nothing, without an error.
_DELETE_SQL = """
WITH gone AS (
    UPDATE fake_posts SET deleted = true
    WHERE channel_id = %(channel_id)s AND message_id = ANY(%(ids)s) AND NOT deleted
    RETURNING message_id
), logged AS (
    INSERT INTO fake_actions (channel_id, message_id, action, pid)
    SELECT %(channel_id)s, message_id, 'delete', %(pid)s FROM gone
)
SELECT count(*) FROM gone
"""

# A post went out: the id of the new message, or the original one for a repeated random_id.
_POST_SQL = """
WITH new AS (
    INSERT INTO fake_posts (channel_id, random_id, message_id, text, pid, account)
    VALUES (
        %(channel_id)s, %(random_id)s, nextval('fake_message_ids'), %(text)s, %(pid)s, %(account)s
    )
    ON CONFLICT (channel_id, random_id) DO NOTHING
    RETURNING message_id
)
SELECT message_id, true AS new FROM new
UNION ALL
SELECT message_id, false FROM fake_posts
WHERE channel_id = %(channel_id)s AND random_id = %(random_id)s
"""


def install(url: str) -> None:
    """Create the shared tables in the database at `url` (harmless when they exist)."""
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_INSTALL_LOCK,))
        conn.execute(SCHEMA)


def channel_refs(prefix: str, count: int) -> list[str]:
    """The usernames of a test's channels: `prefix_00000`, `prefix_00001`, ..."""
    return [f"{prefix}_{i:05d}" for i in range(count)]


def channel_id_of(username: str) -> int:
    """The channel id every process gives `username` (positive, below 2**40 like real ones)."""
    return 1 + _hash("id", username) % (2**40 - 1)


def _hash(purpose: str, username: str) -> int:
    digest = hashlib.blake2b(f"{purpose}:{username.lower()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


async def duplicates(conn: psycopg.AsyncConnection[Any]) -> int:
    """Channels that got a post under more than one random_id."""
    cur = await conn.execute(DUPLICATES_SQL)
    row = await cur.fetchone()
    assert row is not None
    return int(_first(row))


async def posts(conn: psycopg.AsyncConnection[Any]) -> dict[int, list[tuple[int, int]]]:
    """Channel id → its posts as (random_id, message_id), oldest first."""
    cur = await conn.execute(
        "SELECT channel_id, random_id, message_id FROM fake_posts ORDER BY message_id"
    )
    found: dict[int, list[tuple[int, int]]] = {}
    for row in await cur.fetchall():
        channel_id, random_id, message_id = _values(row, "channel_id", "random_id", "message_id")
        found.setdefault(int(channel_id), []).append((int(random_id), int(message_id)))
    return found


async def send_requests(conn: psycopg.AsyncConnection[Any]) -> list[tuple[int, int, int]]:
    """Every SendMessageRequest received, in order, as (request id, pid, random_id)."""
    cur = await conn.execute(
        "SELECT id, pid, random_id FROM fake_requests WHERE name = 'SendMessageRequest' ORDER BY id"
    )
    return [
        (int(a), int(b), int(c))
        for a, b, c in (_values(row, "id", "pid", "random_id") for row in await cur.fetchall())
    ]


async def request_pids(conn: psycopg.AsyncConnection[Any], after_id: int = 0) -> set[int]:
    """Processes that sent any request (after request id `after_id`)."""
    cur = await conn.execute("SELECT DISTINCT pid FROM fake_requests WHERE id > %s", (after_id,))
    return {int(_first(row)) for row in await cur.fetchall()}


async def last_request_id(conn: psycopg.AsyncConnection[Any]) -> int:
    """The id of the latest request received so far (0 when none)."""
    cur = await conn.execute("SELECT coalesce(max(id), 0) FROM fake_requests")
    row = await cur.fetchone()
    assert row is not None
    return int(_first(row))


def _first(row: Any) -> Any:
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


def _values(row: Any, *names: str) -> tuple[Any, ...]:
    return tuple(row[n] for n in names) if isinstance(row, dict) else tuple(row)


class SharedTelegram(FakeTelegram):
    """A FakeTelegram whose posts and request log are in PostgreSQL, shared by processes.

    `on_post(count)` runs after each new post is stored, with this process's count of new
    posts; `on_send(request)` (inherited) runs when a send arrives, before anything is posted.
    Either may block to hold Telegram's answer back (a crash window for the tests).
    """

    def __init__(self, url: str, *, latency_s: float = 0.0, account: str = "") -> None:
        super().__init__(latency_s=latency_s)
        self.account = account  # whose session this fake is: its rows say so
        # A fake may block its event loop briefly: one synchronous autocommit connection.
        self._db = psycopg.connect(url, autocommit=True)
        self._pid = os.getpid()
        self.new_posts = 0
        self.on_post: Callable[[int], Awaitable[None]] | None = None

    def close(self) -> None:
        """Close the shared store's connection."""
        self._db.close()

    def add_channel(
        self, username: str, title: str | None = None, *, megagroup: bool = False
    ) -> tuple[int, int]:
        """Add the channel every process derives from `username`; return (id, access_hash)."""
        name = username.lower()
        channel = FakeChannel(
            id=channel_id_of(name),
            access_hash=_hash("access_hash", name) - 2**63,
            username=name,
            title=title or username.title(),
            megagroup=megagroup,
        )
        self.channels[name] = channel
        self.posts[channel.id] = []
        return channel.id, channel.access_hash

    def duplicate_channels(self) -> int:
        """Channels that got a post under more than one random_id, across all processes."""
        row = self._db.execute(DUPLICATES_SQL).fetchone()
        assert row is not None
        return int(row[0])

    async def answer(self, auth_key: bytes | None, request: Any) -> Any:
        """Log the request in the shared store (which process, which post), then answer it."""
        query = request
        while isinstance(query, _WRAPPERS):
            query = query.query
        peer = getattr(query, "peer", None)
        self._db.execute(
            "INSERT INTO fake_requests (pid, name, channel_id, random_id, account) "
            "VALUES (%s, %s, %s, %s, %s)",
            (
                self._pid,
                type(query).__name__,
                getattr(peer, "channel_id", None),
                getattr(query, "random_id", None),
                self.account,
            ),
        )
        return await super().answer(auth_key, request)

    async def _send_shared(self, query: Any, auth_key: bytes | None) -> Any:
        self.sent.append(query)
        if self.on_send is not None:
            await self.on_send(query)
        if self.gate is not None:
            await self.gate.wait()
        peer = query.peer
        if not isinstance(peer, types.InputPeerChannel):
            raise _Rpc(400, "PEER_ID_INVALID")  # the fake only has channels
        channel = self._channel_by_id(peer.channel_id, peer.access_hash)
        is_media = isinstance(query, functions.messages.SendMediaRequest)
        media = self._media_of(query) if is_media else None  # files are this process's own
        row = self._db.execute(
            _POST_SQL,
            {
                "channel_id": channel.id,
                "random_id": query.random_id,
                "text": query.message,
                "pid": self._pid,
                "account": self.account,
            },
        ).fetchone()
        assert row is not None
        message_id, new = int(row[0]), bool(row[1])
        if new:
            self.new_posts += 1
            channel.pts += 1
            if self.on_post is not None:
                await self.on_post(self.new_posts)
        message = types.Message(
            id=message_id,
            peer_id=types.PeerChannel(channel.id),
            date=_NOW,
            message=query.message,
            out=True,
            post=not channel.megagroup,
            entities=query.entities or None,
            media=_message_media(media),
        )
        return types.Updates(
            updates=[
                types.UpdateMessageID(id=message_id, random_id=query.random_id),
                types.UpdateNewChannelMessage(message=message, pts=channel.pts, pts_count=1),
            ],
            users=[],
            chats=[channel.tl()],
            date=_NOW,
            seq=0,
        )

    async def _edit_shared(self, query: Any, auth_key: bytes | None) -> Any:
        channel = self._channel_of(query.peer)
        row = self._db.execute(
            _EDIT_SQL,
            {
                "channel_id": channel.id,
                "message_id": query.id,
                "text": query.message,
                "pid": self._pid,
            },
        ).fetchone()
        assert row is not None
        if not row[0]:
            raise _Rpc(400, "MESSAGE_ID_INVALID")
        if not row[1]:
            raise _Rpc(400, "MESSAGE_NOT_MODIFIED")
        channel.pts += 1
        message = types.Message(
            id=query.id,
            peer_id=types.PeerChannel(channel.id),
            date=_NOW,
            message=query.message,
            out=True,
            post=not channel.megagroup,
            entities=query.entities or None,
            edit_date=_NOW,
        )
        return types.Updates(
            updates=[types.UpdateEditChannelMessage(message=message, pts=channel.pts, pts_count=1)],
            users=[],
            chats=[channel.tl()],
            date=_NOW,
            seq=0,
        )

    async def _delete_shared(self, query: Any, auth_key: bytes | None) -> Any:
        channel = self._channel_by_id(query.channel.channel_id, query.channel.access_hash)
        row = self._db.execute(
            _DELETE_SQL, {"channel_id": channel.id, "ids": list(query.id), "pid": self._pid}
        ).fetchone()
        assert row is not None
        channel.pts += 1
        return types.messages.AffectedMessages(pts=channel.pts, pts_count=int(row[0]))

    def _channel_of(self, peer: Any) -> FakeChannel:
        if not isinstance(peer, types.InputPeerChannel):
            raise _Rpc(400, "PEER_ID_INVALID")  # the fake only has channels
        return self._channel_by_id(peer.channel_id, peer.access_hash)

    _HANDLERS: ClassVar[dict[type, Callable[[FakeTelegram, Any, bytes | None], Awaitable[Any]]]]


SharedTelegram._HANDLERS = {
    **FakeTelegram._HANDLERS,
    functions.messages.SendMessageRequest: SharedTelegram._send_shared,  # type: ignore[dict-item]
    functions.messages.SendMediaRequest: SharedTelegram._send_shared,  # type: ignore[dict-item]
    functions.messages.EditMessageRequest: SharedTelegram._edit_shared,  # type: ignore[dict-item]
    functions.channels.DeleteMessagesRequest: SharedTelegram._delete_shared,  # type: ignore[dict-item]
}


async def action_counts(
    conn: psycopg.AsyncConnection[Any], action: str
) -> dict[tuple[int, int], int]:
    """(channel id, message id) → how many times `action` changed that post, any process."""
    cur = await conn.execute(
        "SELECT channel_id, message_id, count(*) AS n FROM fake_actions WHERE action = %s "
        "GROUP BY channel_id, message_id",
        (action,),
    )
    return {
        (int(c), int(m)): int(n)
        for c, m, n in (
            _values(row, "channel_id", "message_id", "n") for row in await cur.fetchall()
        )
    }


async def hold_forever() -> None:
    """Never return (until cancelled): an answer Telegram never sends."""
    await asyncio.Event().wait()
