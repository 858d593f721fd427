"""TelethonSender and login through the real TelegramClient over the fake network seam."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from telethon import types
from telethon.sessions import StringSession
from telethon.tl.functions.messages import SendMessageRequest

from predlagator.delivery.login import LoginError, login
from predlagator.delivery.sender import Peer
from predlagator.delivery.telethon_sender import TelethonSender, make_client
from predlagator.telegram_errors import TelegramFailure
from tests.fakes.telethon_fake import (
    API_HASH,
    API_ID,
    LOGIN_CODE,
    FakeMTProtoSender,
    FakeTelegram,
    fake_client,
)
from tests.fakes.telethon_sleeps import RecordedSleeps as _RecordedSleeps
from tests.fakes.telethon_sleeps import telethon_sleeps_fixture  # noqa: F401


@pytest.fixture
def telegram() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def sender(telegram: FakeTelegram) -> AsyncIterator[TelethonSender]:
    sender = TelethonSender(fake_client(telegram))
    await sender.start()
    yield sender
    await sender.close()


@pytest.fixture
async def channel(telegram: FakeTelegram, sender: TelethonSender) -> Peer:
    telegram.add_channel("news", "The News")
    return await sender.resolve("news")


def sends(telegram: FakeTelegram) -> int:
    return telegram.request_names().count("SendMessageRequest")


def test_client_settings() -> None:
    client = make_client(API_ID, API_HASH, "")
    assert client.flood_sleep_threshold == 0
    assert client._raise_last_call_error is True
    assert client._request_retries == 2
    assert client._no_updates is True


async def test_start_connects_without_logging_out(telegram: FakeTelegram) -> None:
    sender = TelethonSender(fake_client(telegram))
    await sender.start()
    await sender.close()
    names = telegram.request_names()
    assert names[0] == "GetConfigRequest"  # InitConnection(GetConfig) inside InvokeWithLayer
    assert "LogOutRequest" not in names
    assert telegram.unexpected == []


async def test_start_with_a_logged_out_session_fails(telegram: FakeTelegram) -> None:
    sender = TelethonSender(fake_client(telegram, authorized=False))
    with pytest.raises(TelegramFailure) as failure:
        await sender.start()
    assert failure.value.code == "AUTH_KEY_UNREGISTERED"
    assert "LogOutRequest" not in telegram.request_names()


async def test_resolve_username(telegram: FakeTelegram, sender: TelethonSender) -> None:
    channel_id, access_hash = telegram.add_channel("mychannel", "My Channel")
    before = len(telegram.requests)

    peer = await sender.resolve("mychannel")

    assert peer == Peer(
        peer_type="channel", peer_id=channel_id, access_hash=access_hash, title="My Channel"
    )
    assert telegram.request_names()[before:] == ["ResolveUsernameRequest"]


async def test_resolve_megagroup_is_a_channel(
    telegram: FakeTelegram, sender: TelethonSender
) -> None:
    telegram.add_channel("chatters", megagroup=True)
    assert (await sender.resolve("chatters")).peer_type == "channel"


@pytest.mark.parametrize(
    ("ref", "code"),
    [("nobody_here", "USERNAME_NOT_OCCUPIED"), ("x!", "USERNAME_INVALID")],
)
async def test_resolve_bad_username(sender: TelethonSender, ref: str, code: str) -> None:
    with pytest.raises(TelegramFailure) as failure:
        await sender.resolve(ref)
    assert failure.value.code == code


async def test_resolve_invite(telegram: FakeTelegram, sender: TelethonSender) -> None:
    channel_id, access_hash = telegram.add_channel("private_one", "Private")
    telegram.add_invite("AbCdEf123", "private_one", joined=True)
    telegram.add_channel("other_one")
    telegram.add_invite("NotJoined9", "other_one", joined=False)

    peer = await sender.resolve("+AbCdEf123")
    assert (peer.peer_id, peer.access_hash, peer.title) == (channel_id, access_hash, "Private")

    with pytest.raises(TelegramFailure) as not_joined:
        await sender.resolve("+NotJoined9")
    assert not_joined.value.code == "INVITE_NOT_JOINED"

    with pytest.raises(TelegramFailure) as unknown:
        await sender.resolve("+Nope")
    assert unknown.value.code == "INVITE_HASH_INVALID"


async def test_resolve_numeric_id(telegram: FakeTelegram, sender: TelethonSender) -> None:
    channel_id, access_hash = telegram.add_channel("known")
    unknown_id, _ = telegram.add_channel("unseen")
    await sender.resolve("known")  # the session now knows its access hash
    before = len(telegram.requests)

    peer = await sender.resolve(f"-100{channel_id}")
    assert (peer.peer_type, peer.peer_id, peer.access_hash) == ("channel", channel_id, access_hash)
    assert telegram.request_names()[before:] == []  # from the session's entity cache

    with pytest.raises(TelegramFailure) as failure:
        await sender.resolve(f"-100{unknown_id}")
    assert failure.value.code == "PEER_ID_INVALID"


async def test_send_with_entities(
    telegram: FakeTelegram, sender: TelethonSender, channel: Peer
) -> None:
    html = '<b>Big</b> news: <a href="https://example.org/a?b=1&amp;c=2">read</a> ✨'

    message_id = await sender.send(channel, html, random_id=424242)

    assert message_id == 1
    [request] = telegram.sent
    assert isinstance(request, SendMessageRequest)
    assert request.message == "Big news: read ✨"
    assert request.random_id == 424242
    assert isinstance(request.peer, types.InputPeerChannel)
    assert (request.peer.channel_id, request.peer.access_hash) == (
        channel.peer_id,
        channel.access_hash,
    )
    bold, link = request.entities
    assert isinstance(bold, types.MessageEntityBold)
    assert (bold.offset, bold.length) == (0, 3)
    assert isinstance(link, types.MessageEntityTextUrl)
    assert (link.offset, link.length, link.url) == (10, 4, "https://example.org/a?b=1&c=2")
    assert telegram.posts[channel.peer_id][0].text == "Big news: read ✨"


async def test_same_random_id_posts_once(
    telegram: FakeTelegram, sender: TelethonSender, channel: Peer
) -> None:
    await sender.send(channel, "first", random_id=1)
    original = await sender.send(channel, "hello", random_id=2)

    again = await sender.send(channel, "hello", random_id=2)

    assert again == original == 2
    assert [post.random_id for post in telegram.posts[channel.peer_id]] == [1, 2]
    assert telegram.duplicates == 0
    assert sends(telegram) == 3


async def test_same_text_new_random_id_is_a_duplicate(
    telegram: FakeTelegram, sender: TelethonSender, channel: Peer
) -> None:
    await sender.send(channel, "hello", random_id=10)
    await sender.send(channel, "hello", random_id=11)
    assert telegram.duplicates == 1


async def test_wrong_access_hash(sender: TelethonSender, channel: Peer) -> None:
    wrong = channel.model_copy(update={"access_hash": channel.access_hash + 1})
    with pytest.raises(TelegramFailure) as failure:
        await sender.send(wrong, "x", random_id=5)
    assert failure.value.code == "CHANNEL_INVALID"


@pytest.mark.parametrize(
    ("error_code", "message", "code", "seconds"),
    [
        (420, "FLOOD_WAIT_30", "FLOOD_WAIT", 30),
        (420, "FLOOD_PREMIUM_WAIT_7", "FLOOD_PREMIUM_WAIT", 7),
        (420, "SLOWMODE_WAIT_10", "SLOWMODE_WAIT", 10),
        (403, "CHAT_WRITE_FORBIDDEN", "CHAT_WRITE_FORBIDDEN", None),
        (400, "CHANNEL_PRIVATE", "CHANNEL_PRIVATE", None),
        (400, "PEER_FLOOD", "PEER_FLOOD", None),
        (401, "AUTH_KEY_UNREGISTERED", "AUTH_KEY_UNREGISTERED", None),
        (401, "SESSION_REVOKED", "SESSION_REVOKED", None),
        (400, "ALLOW_PAYMENT_REQUIRED_300", "ALLOW_PAYMENT_REQUIRED", 300),
        (400, "SOMETHING_NEW_HAPPENED", "SOMETHING_NEW_HAPPENED", None),
        (406, "SOMETHING_ODD_42", "SOMETHING_ODD", 42),
    ],
)
async def test_telegram_errors_map_without_sleeping(
    telegram: FakeTelegram,
    sender: TelethonSender,
    channel: Peer,
    telethon_sleeps: _RecordedSleeps,
    error_code: int,
    message: str,
    code: str,
    seconds: int | None,
) -> None:
    telegram.fail_next(error_code, message, request_type=SendMessageRequest)

    with pytest.raises(TelegramFailure) as failure:
        await sender.send(channel, "hello", random_id=99)

    assert (failure.value.code, failure.value.seconds) == (code, seconds)
    assert sends(telegram) == 1
    assert telethon_sleeps.delays == []
    assert telegram.posts[channel.peer_id] == []


async def test_failure_targets_one_username(
    telegram: FakeTelegram, sender: TelethonSender, channel: Peer
) -> None:
    telegram.add_channel("closed")
    closed = await sender.resolve("closed")
    telegram.fail_next(403, "CHAT_WRITE_FORBIDDEN", username="closed")

    assert await sender.send(channel, "open", random_id=1) == 1
    with pytest.raises(TelegramFailure) as failure:
        await sender.send(closed, "shut", random_id=2)
    assert failure.value.code == "CHAT_WRITE_FORBIDDEN"


async def test_flood_wait_on_resolve(telegram: FakeTelegram, sender: TelethonSender) -> None:
    telegram.add_channel("busy")
    telegram.fail_next(420, "FLOOD_WAIT_120")
    with pytest.raises(TelegramFailure) as failure:
        await sender.resolve("busy")
    assert (failure.value.code, failure.value.seconds) == ("FLOOD_WAIT", 120)


async def test_random_id_duplicate_after_retries(
    telegram: FakeTelegram,
    sender: TelethonSender,
    channel: Peer,
    telethon_sleeps: _RecordedSleeps,
) -> None:
    telegram.fail_next(500, "RANDOM_ID_DUPLICATE", times=3, request_type=SendMessageRequest)

    with pytest.raises(TelegramFailure) as failure:
        await sender.send(channel, "hello", random_id=7)

    assert failure.value.code == "RANDOM_ID_DUPLICATE"
    # request_retries=2: one try and two retries, each ServerError followed by Telethon's 2 s.
    assert sends(telegram) == 3
    assert telethon_sleeps.delays == [2, 2, 2]


async def test_retried_server_error_then_success(
    telegram: FakeTelegram,
    sender: TelethonSender,
    channel: Peer,
    telethon_sleeps: _RecordedSleeps,
) -> None:
    telegram.fail_next(500, "RANDOM_ID_DUPLICATE", request_type=SendMessageRequest)
    assert await sender.send(channel, "hello", random_id=8) == 1
    assert sends(telegram) == 2


async def test_other_server_error(
    telegram: FakeTelegram,
    sender: TelethonSender,
    channel: Peer,
    telethon_sleeps: _RecordedSleeps,
) -> None:
    telegram.fail_next(500, "INTERNAL_SERVER_ERROR", times=3, request_type=SendMessageRequest)
    with pytest.raises(TelegramFailure) as failure:
        await sender.send(channel, "hello", random_id=9)
    assert failure.value.code == "SERVER"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (lambda: ConnectionError("reset"), "NETWORK"),
        (lambda: OSError("unreachable"), "NETWORK"),
        (lambda: RuntimeError("who knows"), "UNKNOWN"),
    ],
)
async def test_other_errors(
    telegram: FakeTelegram,
    sender: TelethonSender,
    channel: Peer,
    error: Callable[[], BaseException],
    code: str,
) -> None:
    telegram.break_next(error, request_type=SendMessageRequest)
    with pytest.raises(TelegramFailure) as failure:
        await sender.send(channel, "hello", random_id=11)
    assert failure.value.code == code
    if code == "UNKNOWN":
        assert "RuntimeError" in failure.value.text


async def test_timeout(telegram: FakeTelegram) -> None:
    never = asyncio.Event()

    async def hang(request: Any) -> None:
        await never.wait()

    telegram.add_channel("slow")
    sender = TelethonSender(fake_client(telegram), timeout_s=0.05)
    await sender.start()
    try:
        peer = await sender.resolve("slow")
        telegram.on_send = hang
        with pytest.raises(TelegramFailure) as failure:
            await sender.send(peer, "hello", random_id=12)
        assert failure.value.code == "TIMEOUT"
        assert telegram.posts[peer.peer_id] == []
    finally:
        await sender.close()


async def test_gate_pauses_a_send(
    telegram: FakeTelegram, sender: TelethonSender, channel: Peer
) -> None:
    telegram.gate = asyncio.Event()
    reached = asyncio.Event()

    async def note(request: Any) -> None:
        reached.set()

    telegram.on_send = note
    task = asyncio.create_task(sender.send(channel, "held", random_id=13))
    await reached.wait()  # the request is at Telegram, held before it is posted
    assert telegram.posts[channel.peer_id] == []
    assert not task.done()

    telegram.gate.set()
    assert await task == 1
    assert len(telegram.posts[channel.peer_id]) == 1


# --- login ---------------------------------------------------------------------------------


def _answers(*values: str) -> Callable[[str], str]:
    queue = list(values)

    def ask(prompt: str) -> str:
        return queue.pop(0)

    return ask


@pytest.fixture
def out_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "sessions" / "account.session"


def _saved_session(telegram: FakeTelegram, out_file: Path) -> str:
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600
    text = out_file.read_text().strip()
    session = StringSession(text)
    assert session.auth_key is not None
    assert session.auth_key.key in telegram.authorized_keys
    return text


async def test_login_without_password(
    telegram: FakeTelegram, out_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await login(
        API_ID,
        API_HASH,
        out_file,
        phone=None,
        ask=_answers("+4915550000", "00000", LOGIN_CODE),
        ask_secret=_answers(),
        mtproto_sender=FakeMTProtoSender(telegram),
    )

    session = _saved_session(telegram, out_file)
    printed = capsys.readouterr().out
    assert session not in printed
    assert session[1:40] not in printed
    assert str(out_file) in printed
    assert "Poster Account (@poster_account)" in printed
    assert "code is wrong" in printed
    assert "predlagator login --account NAME" in printed  # the way into the database

    sender = TelethonSender(fake_client(telegram, session=session))
    await sender.start()  # the saved session is logged in
    await sender.close()


async def test_login_with_two_step_password(
    out_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram = FakeTelegram(password="correct horse")

    await login(
        API_ID,
        API_HASH,
        out_file,
        phone="+4915550000",
        ask=_answers(LOGIN_CODE),
        ask_secret=_answers("wrong", "correct horse"),
        mtproto_sender=FakeMTProtoSender(telegram),
    )

    session = _saved_session(telegram, out_file)
    printed = capsys.readouterr().out
    assert "password is wrong" in printed
    assert session not in printed
    assert "correct horse" not in printed


async def test_login_gives_up_after_three_wrong_codes(
    telegram: FakeTelegram, out_file: Path
) -> None:
    with pytest.raises(LoginError, match="wrong codes"):
        await login(
            API_ID,
            API_HASH,
            out_file,
            phone="+4915550000",
            ask=_answers("1", "2", "3"),
            ask_secret=_answers(),
            mtproto_sender=FakeMTProtoSender(telegram),
        )
    assert not _exists(out_file)
    assert telegram.authorized_keys == set()


@pytest.fixture
def readable_old_file(out_file: Path) -> Path:
    out_file.parent.mkdir(parents=True)
    out_file.write_text("old")
    out_file.chmod(0o644)
    return out_file


def _exists(path: Path) -> bool:
    return path.exists()


async def test_login_overwrites_with_private_mode(
    telegram: FakeTelegram, readable_old_file: Path
) -> None:
    out_file = readable_old_file
    await login(
        API_ID,
        API_HASH,
        out_file,
        phone="+4915550000",
        ask=_answers(LOGIN_CODE),
        ask_secret=_answers(),
        say=lambda _line: None,
        mtproto_sender=FakeMTProtoSender(telegram),
    )
    _saved_session(telegram, out_file)


async def test_a_cancel_arriving_as_a_call_completes_is_not_lost(telegram: FakeTelegram) -> None:
    """Python 3.11's asyncio.wait_for returns the result and drops the cancellation when both
    happen in one step; a worker stopped right then (SIGTERM) would carry on as if never told."""
    sender = TelethonSender(fake_client(telegram), timeout_s=5)
    answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    call = asyncio.create_task(sender._call(answer))
    done, _ = await asyncio.wait({call}, timeout=0)  # one step: the call now waits on `answer`
    assert not done
    answer.set_result(7)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
