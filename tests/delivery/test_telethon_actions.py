"""TelethonPostActions through the real TelegramClient over the fake network seam: edit,
delete, pin and reach of posts the account made with TelethonSender."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telethon import functions, types

from predlagator.delivery.post_actions import PostActions, Reach
from predlagator.delivery.sender import MediaFile, Peer
from predlagator.delivery.telethon_actions import IDS_PER_REQUEST, TelethonPostActions
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.models import TemplateMedia
from predlagator.telegram_errors import TelegramFailure
from tests.fakes.telethon_fake import FakeTelegram, fake_client
from tests.fakes.telethon_post_actions import PostActionsFake

PHOTO = os.urandom(200_000)
NEW_PHOTO = os.urandom(150_000)


class Account:
    """One logged-in account: the sender that posts and the actions over its posts."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.client = fake_client(telegram)
        self.sender = TelethonSender(self.client)
        self.actions: PostActions = TelethonPostActions(self.client)


@pytest.fixture
def telegram() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def fake(telegram: FakeTelegram) -> PostActionsFake:
    return telegram.post_actions


@pytest.fixture
async def account(telegram: FakeTelegram) -> AsyncIterator[Account]:
    account = Account(telegram)
    await account.sender.start()
    yield account
    await account.sender.close()


async def channel(telegram: FakeTelegram, account: Account, name: str = "news") -> Peer:
    telegram.add_channel(name, name.title())
    return await account.sender.resolve(name)


def received(fake: PostActionsFake, kind: type) -> list[Any]:
    return [request for request in fake.received if isinstance(request, kind)]


def media_file(data: bytes, template_id: int) -> tuple[MediaFile, list[int]]:
    reads: list[int] = []

    async def read() -> bytes:
        reads.append(len(data))
        return data

    info = TemplateMedia(
        template_id=template_id, file_name="photo.jpg", mime_type="image/jpeg", size=len(data)
    )
    return MediaFile(kind="photo", info=info, read=read), reads


# --- edit --------------------------------------------------------------------------------


async def test_edit_sends_the_new_text_with_its_formatting(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    message_id = await account.sender.send(peer, "<i>Old</i> offer", random_id=1)
    assert message_id is not None

    await account.actions.edit(
        peer, message_id, '<b>New</b> offer: <a href="https://example.org/?a=1&amp;b=2">buy</a>'
    )

    [request] = received(fake, functions.messages.EditMessageRequest)
    assert (request.peer.channel_id, request.peer.access_hash) == (peer.peer_id, peer.access_hash)
    assert request.id == message_id and request.media is None
    assert request.message == "New offer: buy"
    bold, link = request.entities
    assert isinstance(bold, types.MessageEntityBold) and (bold.offset, bold.length) == (0, 3)
    assert isinstance(link, types.MessageEntityTextUrl)
    assert (link.offset, link.length, link.url) == (11, 3, "https://example.org/?a=1&b=2")
    post = telegram.posts[peer.peer_id][0]
    assert post.text == "New offer: buy" and len(post.entities) == 2
    assert fake.count("edit") == {(peer.peer_id, message_id): 1}


async def test_edit_to_plain_text_clears_the_old_formatting(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    message_id = await account.sender.send(peer, "<b>Offer</b>", random_id=1)
    assert message_id is not None

    await account.actions.edit(peer, message_id, "Offer")

    assert telegram.posts[peer.peer_id][0].entities == []


async def test_an_unchanged_edit_is_not_modified_and_changes_nothing(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    message_id = await account.sender.send(peer, "<b>Same</b> text", random_id=1)
    assert message_id is not None

    with pytest.raises(TelegramFailure) as failure:
        await account.actions.edit(peer, message_id, "<b>Same</b> text")

    assert failure.value.code == "MESSAGE_NOT_MODIFIED"
    assert "MessageNotModifiedError" in failure.value.text  # Telethon's own class
    assert fake.count("edit") == {}


async def test_media_caption_edit_keeps_the_file(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    media, _ = media_file(PHOTO, template_id=1)
    message_id = await account.sender.send_media(peer, "Old caption", media, random_id=1)
    assert message_id is not None
    uploads = len(telegram.uploaded())

    await account.actions.edit(peer, message_id, "<u>New</u> caption")

    [request] = received(fake, functions.messages.EditMessageRequest)
    assert request.media is None and request.message == "New caption"
    post = telegram.posts[peer.peer_id][0]
    assert post.text == "New caption" and isinstance(post.entities[0], types.MessageEntityUnderline)
    assert post.media is not None and post.media.data == PHOTO
    assert len(telegram.uploaded()) == uploads  # nothing uploaded for a caption


async def test_media_replaced_is_uploaded_once_for_every_chat(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peers = [await channel(telegram, account, f"shop_{i}") for i in range(3)]
    old, _ = media_file(PHOTO, template_id=1)
    ids = [
        await account.sender.send_media(peer, "Sale", old, random_id=10 + i)
        for i, peer in enumerate(peers)
    ]
    new, reads = media_file(NEW_PHOTO, template_id=2)

    for peer, message_id in zip(peers, ids, strict=True):
        assert message_id is not None
        await account.actions.edit(peer, message_id, "Sale, new photo", new)

    assert reads == [len(NEW_PHOTO)]  # read and uploaded once
    assert telegram.uploaded().count(NEW_PHOTO) == 1
    first, *rest = received(fake, functions.messages.EditMessageRequest)
    assert isinstance(first.media, types.InputMediaUploadedPhoto)
    assert all(isinstance(request.media, types.InputMediaPhoto) for request in rest)
    for peer in peers:
        post = telegram.posts[peer.peer_id][0]
        assert post.media is not None and post.media.data == NEW_PHOTO
        assert post.text == "Sale, new photo"


# --- delete ------------------------------------------------------------------------------


async def test_delete_in_a_channel(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    first = await account.sender.send(peer, "one", random_id=1)
    second = await account.sender.send(peer, "two", random_id=2)
    assert first is not None and second is not None

    await account.actions.delete(peer, [first, second])
    await account.actions.delete(peer, [first])  # a repeat (after a crash) is no error

    [request, _] = received(fake, functions.channels.DeleteMessagesRequest)
    assert (request.channel.channel_id, request.channel.access_hash) == (
        peer.peer_id,
        peer.access_hash,
    )
    assert request.id == [first, second]
    assert received(fake, functions.messages.DeleteMessagesRequest) == []
    assert fake.count("delete") == {(peer.peer_id, first): 1, (peer.peer_id, second): 1}
    assert fake.state(peer.peer_id, first).deleted


async def test_delete_in_a_basic_group_revokes_for_everyone(
    fake: PostActionsFake, account: Account
) -> None:
    group_id = fake.add_basic_group("Neighbours")
    message_id = fake.put_post(group_id, "For sale")
    peer = Peer(peer_type="chat", peer_id=group_id)

    await account.actions.delete(peer, [message_id])

    [request] = received(fake, functions.messages.DeleteMessagesRequest)
    assert request.revoke is True and request.id == [message_id]
    assert received(fake, functions.channels.DeleteMessagesRequest) == []
    assert fake.count("delete") == {(group_id, message_id): 1}


async def test_many_ids_go_in_requests_of_at_most_a_hundred(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    ids = [
        message_id
        for i in range(IDS_PER_REQUEST + 5)
        if (message_id := await account.sender.send(peer, f"post {i}", random_id=i + 1))
    ]

    await account.actions.delete(peer, ids)

    assert [len(r.id) for r in received(fake, functions.channels.DeleteMessagesRequest)] == [
        IDS_PER_REQUEST,
        5,
    ]
    assert len(fake.count("delete")) == IDS_PER_REQUEST + 5


# --- pin ---------------------------------------------------------------------------------


async def test_pin_is_silent_by_default_and_unpin_undoes_it(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    message_id = await account.sender.send(peer, "Pin me", random_id=1)
    assert message_id is not None

    await account.actions.pin(peer, message_id)
    assert fake.state(peer.peer_id, message_id).pinned
    await account.actions.unpin(peer, message_id)
    assert not fake.state(peer.peer_id, message_id).pinned
    await account.actions.pin(peer, message_id, silent=False)

    pin, unpin, loud = received(fake, functions.messages.UpdatePinnedMessageRequest)
    assert pin.silent is True and not pin.unpin  # flags read back as True / False
    assert (unpin.unpin, unpin.id) == (True, message_id)
    assert not loud.silent
    assert [(d.action, d.silent) for d in fake.done] == [
        ("pin", True),
        ("unpin", None),
        ("pin", False),
    ]


async def test_pin_in_a_basic_group(fake: PostActionsFake, account: Account) -> None:
    group_id = fake.add_basic_group("Neighbours")
    message_id = fake.put_post(group_id, "Pin me")

    await account.actions.pin(Peer(peer_type="chat", peer_id=group_id), message_id)

    [request] = received(fake, functions.messages.UpdatePinnedMessageRequest)
    assert isinstance(request.peer, types.InputPeerChat) and request.peer.chat_id == group_id
    assert fake.count("pin") == {(group_id, message_id): 1}


# --- reach -------------------------------------------------------------------------------


async def test_reach_of_several_posts_in_one_request_without_counting_a_view(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    telegram.channels["news"].members = 4000
    ids = [await account.sender.send(peer, f"post {i}", random_id=i + 1) for i in range(3)]
    a, b, c = (message_id for message_id in ids if message_id is not None)
    fake.set_reach(peer.peer_id, a, views=1200, forwards=7, reactions={"👍": 30, "🔥": 4})
    fake.set_reach(peer.peer_id, b, views=15)
    await account.actions.delete(peer, [c])
    fake.received.clear()

    reach = await account.actions.views(peer, [a, b, c])

    assert reach == [
        Reach(a, 1200, 7, 34, 4000),
        Reach(b, 15, 0, 0, 4000),
        Reach(c, None, None, 0, 4000, found=False),  # deleted: Telegram answers MessageEmpty
    ]
    # One request carries views, forwards and reactions together.
    [read] = fake.received
    assert isinstance(read, functions.channels.GetMessagesRequest)
    assert [wanted.id for wanted in read.id] == [a, b, c]
    assert fake.state(peer.peer_id, a).views == 1200  # reading is not viewing


async def test_a_basic_group_counts_no_views_but_reactions(
    fake: PostActionsFake, account: Account
) -> None:
    group_id = fake.add_basic_group("Neighbours")
    message_id = fake.put_post(group_id, "For sale")
    fake.set_reach(group_id, message_id, reactions={"❤": 2})

    reach = await account.actions.views(Peer(peer_type="chat", peer_id=group_id), [message_id])

    # Basic groups tell their member count (5 in the fake), but keep no views.
    assert reach == [Reach(message_id, None, None, 2, 5)]
    [read] = fake.received
    assert isinstance(read, functions.messages.GetMessagesRequest)


async def test_reach_of_a_channel_without_a_member_count_and_over_a_hundred_posts(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    ids = [
        await account.sender.send(peer, "p", random_id=i + 1) for i in range(IDS_PER_REQUEST + 1)
    ]

    reach = await account.actions.views(peer, [i for i in ids if i is not None])

    assert len(reach) == IDS_PER_REQUEST + 1 and {r.members for r in reach} == {None}
    reads = received(fake, functions.channels.GetMessagesRequest)
    assert [len(r.id) for r in reads] == [IDS_PER_REQUEST, 1]


async def test_a_flood_wait_on_a_reach_read_is_named_as_for_a_send(
    telegram: FakeTelegram, account: Account
) -> None:
    peer = await channel(telegram, account)
    message_id = await account.sender.send(peer, "p", random_id=1)
    assert message_id is not None
    telegram.fail_next(420, "FLOOD_WAIT_30", request_type=functions.channels.GetMessagesRequest)

    with pytest.raises(TelegramFailure) as raised:
        await account.actions.views(peer, [message_id])

    assert raised.value.code == "FLOOD_WAIT"


# --- failures and the fake's bookkeeping --------------------------------------------------


async def test_an_expired_file_reference_uploads_the_new_media_again(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peers = [await channel(telegram, account, f"shop_{i}") for i in range(2)]
    old, _ = media_file(PHOTO, template_id=1)
    ids = [
        await account.sender.send_media(peer, "Sale", old, random_id=10 + i)
        for i, peer in enumerate(peers)
    ]
    new, reads = media_file(NEW_PHOTO, template_id=2)
    assert ids[0] is not None and ids[1] is not None
    await account.actions.edit(peers[0], ids[0], "Sale", new)
    telegram.fail_next(
        400, "FILE_REFERENCE_EXPIRED", request_type=functions.messages.EditMessageRequest
    )

    await account.actions.edit(peers[1], ids[1], "Sale", new)

    assert len(reads) == 2 and telegram.uploaded().count(NEW_PHOTO) == 2
    assert telegram.posts[peers[1].peer_id][0].media.data == NEW_PHOTO  # type: ignore[union-attr]


async def test_a_call_without_an_answer_times_out_and_changes_nothing(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    message_id = await account.sender.send(peer, "Old", random_id=1)
    assert message_id is not None
    quick = TelethonPostActions(account.client, timeout_s=0.05)
    fake.hold = asyncio.Event()  # never set: Telegram does not answer

    with pytest.raises(TelegramFailure) as failure:
        await quick.edit(peer, message_id, "New")

    assert failure.value.code == "TIMEOUT"
    assert fake.count("edit") == {}


async def test_an_error_can_be_aimed_at_one_channels_delete(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    open_peer, closed_peer = [await channel(telegram, account, name) for name in ("open", "shut")]
    first = await account.sender.send(open_peer, "x", random_id=1)
    second = await account.sender.send(closed_peer, "x", random_id=2)
    assert first is not None and second is not None
    telegram.fail_next(403, "MESSAGE_DELETE_FORBIDDEN", username="shut")

    await account.actions.delete(open_peer, [first])
    with pytest.raises(TelegramFailure) as failure:
        await account.actions.delete(closed_peer, [second])

    assert failure.value.code == "MESSAGE_DELETE_FORBIDDEN"
    assert fake.count("delete") == {(open_peer.peer_id, first): 1}


async def test_each_change_is_recorded_with_the_account_that_made_it(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    message_id = await account.sender.send(peer, "Old", random_id=1)
    assert message_id is not None
    other = Account(telegram)
    await other.sender.start()
    try:
        await account.actions.edit(peer, message_id, "New")
        await other.actions.pin(peer, message_id)
    finally:
        await other.sender.close()

    edit, pin = fake.done
    assert (edit.action, pin.action) == ("edit", "pin")
    assert edit.account == account.client.session.auth_key.key
    assert pin.account == other.client.session.auth_key.key
    assert edit.account != pin.account


async def test_the_same_file_and_caption_again_is_not_modified(
    telegram: FakeTelegram, fake: PostActionsFake, account: Account
) -> None:
    peer = await channel(telegram, account)
    old, _ = media_file(PHOTO, template_id=1)
    message_id = await account.sender.send_media(peer, "Sale", old, random_id=1)
    assert message_id is not None
    new, _ = media_file(NEW_PHOTO, template_id=2)
    await account.actions.edit(peer, message_id, "Sale", new)

    # A row found mid-edit after a crash is sent again: the file, reused, is the one it has.
    with pytest.raises(TelegramFailure) as failure:
        await account.actions.edit(peer, message_id, "Sale", new)

    assert failure.value.code == "MESSAGE_NOT_MODIFIED"
    assert fake.count("edit") == {(peer.peer_id, message_id): 1}
