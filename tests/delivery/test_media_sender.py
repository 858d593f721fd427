"""Media posts through TelethonSender and the real TelegramClient over the fake network seam."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from telethon import types
from telethon.tl.functions.messages import SendMediaRequest

from predlagator.delivery.sender import MediaFile, Peer
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.models import TemplateMedia
from predlagator.telegram_errors import TelegramFailure
from tests.fakes.telethon_fake import FakeTelegram, fake_client

PHOTO = os.urandom(300_000)  # three upload parts of 128 KiB
CAPTION = '<b>Sale</b> at <a href="https://example.com/?a=1&amp;b=2">our shop</a> ✨'


class Reads:
    """A file's bytes as the database hands them out, counting how often they were read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.count = 0

    async def __call__(self) -> bytes:
        self.count += 1
        return self.data


def media_file(
    data: bytes,
    kind: str = "photo",
    *,
    template_id: int = 1,
    file_name: str = "photo.jpg",
    mime_type: str = "image/jpeg",
    width: int | None = None,
    height: int | None = None,
    duration: int | None = None,
) -> tuple[MediaFile, Reads]:
    info = TemplateMedia(
        template_id=template_id,
        file_name=file_name,
        mime_type=mime_type,
        size=len(data),
        width=width,
        height=height,
        duration=duration,
    )
    reads = Reads(data)
    return MediaFile(kind=kind, info=info, read=reads), reads


@pytest.fixture
def telegram() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def sender(telegram: FakeTelegram) -> AsyncIterator[TelethonSender]:
    sender = TelethonSender(fake_client(telegram))
    await sender.start()
    yield sender
    await sender.close()


async def channels(telegram: FakeTelegram, sender: TelethonSender, count: int) -> list[Peer]:
    for i in range(count):
        telegram.add_channel(f"media_{i}")
    return [await sender.resolve(f"media_{i}") for i in range(count)]


def media_sends(telegram: FakeTelegram) -> list[SendMediaRequest]:
    return [r for r in telegram.sent if isinstance(r, SendMediaRequest)]


async def test_photo_is_uploaded_once_and_reused_for_every_channel(
    telegram: FakeTelegram, sender: TelethonSender
) -> None:
    peers = await channels(telegram, sender, 3)
    media, reads = media_file(PHOTO)

    ids = [
        await sender.send_media(p, CAPTION, media, random_id=100 + i) for i, p in enumerate(peers)
    ]

    assert ids == [1, 1, 1]
    assert telegram.uploaded() == [PHOTO]  # one upload, bytes intact
    assert telegram.request_names().count("SaveFilePartRequest") == 3
    assert reads.count == 1
    first, *rest = media_sends(telegram)
    assert isinstance(first.media, types.InputMediaUploadedPhoto)
    assert all(isinstance(r.media, types.InputMediaPhoto) for r in rest)
    assert [r.random_id for r in media_sends(telegram)] == [100, 101, 102]
    assert first.message == "Sale at our shop ✨"
    bold, link = first.entities
    assert isinstance(bold, types.MessageEntityBold) and (bold.offset, bold.length) == (0, 4)
    assert (
        isinstance(link, types.MessageEntityTextUrl) and link.url == "https://example.com/?a=1&b=2"
    )
    posted = [telegram.posts[p.peer_id][0] for p in peers]
    assert {post.media.id for post in posted if post.media} == {posted[0].media.id}  # type: ignore[union-attr]
    assert all(post.media is not None and post.media.data == PHOTO for post in posted)


async def test_video_keeps_its_name_type_and_dimensions(
    telegram: FakeTelegram, sender: TelethonSender
) -> None:
    [peer] = await channels(telegram, sender, 1)
    data = os.urandom(5000)
    media, _ = media_file(
        data,
        "video",
        file_name="clip.mp4",
        mime_type="video/mp4",
        width=1280,
        height=720,
        duration=12,
    )

    await sender.send_media(peer, "Watch", media, random_id=7)

    [request] = media_sends(telegram)
    assert isinstance(request.media, types.InputMediaUploadedDocument)
    assert request.media.mime_type == "video/mp4"
    name, video = request.media.attributes
    assert isinstance(name, types.DocumentAttributeFilename) and name.file_name == "clip.mp4"
    assert isinstance(video, types.DocumentAttributeVideo)
    assert (video.w, video.h, video.duration) == (1280, 720, 12)
    assert not request.media.force_file
    stored = telegram.posts[peer.peer_id][0].media
    assert stored is not None and stored.data == data and stored.mime_type == "video/mp4"


async def test_big_document_goes_in_big_parts_and_stays_a_file(
    telegram: FakeTelegram, sender: TelethonSender
) -> None:
    [peer] = await channels(telegram, sender, 1)
    data = os.urandom(11 * 1024 * 1024)  # over 10 MB: SaveBigFilePart
    media, _ = media_file(data, "document", file_name="price list.pdf", mime_type="application/pdf")

    await sender.send_media(peer, "Prices", media, random_id=8)

    names = telegram.request_names()
    assert "SaveBigFilePartRequest" in names and "SaveFilePartRequest" not in names
    assert telegram.uploaded() == [data]
    [request] = media_sends(telegram)
    assert request.media.force_file is True
    [name] = request.media.attributes
    assert name.file_name == "price list.pdf"


async def test_same_random_id_answers_the_original_media_post(
    telegram: FakeTelegram, sender: TelethonSender
) -> None:
    [peer] = await channels(telegram, sender, 1)
    media, _ = media_file(PHOTO)
    original = await sender.send_media(peer, "Once", media, random_id=9)

    # A restarted worker has no upload in memory: it uploads again, same random_id.
    restarted = TelethonSender(fake_client(telegram))
    await restarted.start()
    again = await restarted.send_media(peer, "Once", media, random_id=9)
    await restarted.close()

    assert again == original == 1
    assert len(telegram.uploaded()) == 2
    assert [p.random_id for p in telegram.posts[peer.peer_id]] == [9]
    assert telegram.duplicates == 0


async def test_expired_file_reference_uploads_again(
    telegram: FakeTelegram, sender: TelethonSender
) -> None:
    peers = await channels(telegram, sender, 2)
    media, reads = media_file(PHOTO)
    await sender.send_media(peers[0], "x", media, random_id=1)
    telegram.fail_next(400, "FILE_REFERENCE_EXPIRED", request_type=SendMediaRequest)

    assert await sender.send_media(peers[1], "x", media, random_id=2) == 1

    assert reads.count == 2 and len(telegram.uploaded()) == 2
    assert [len(telegram.posts[p.peer_id]) for p in peers] == [1, 1]


async def test_channel_refusing_media_is_a_failure_for_the_operator(
    telegram: FakeTelegram, sender: TelethonSender
) -> None:
    [peer] = await channels(telegram, sender, 1)
    media, _ = media_file(PHOTO)
    telegram.fail_next(403, "CHAT_SEND_PHOTOS_FORBIDDEN", request_type=SendMediaRequest)
    with pytest.raises(TelegramFailure) as failure:
        await sender.send_media(peer, "x", media, random_id=3)
    assert failure.value.code == "CHAT_SEND_PHOTOS_FORBIDDEN"
    assert telegram.posts[peer.peer_id] == []


async def test_a_channel_refusing_the_first_post_costs_no_second_upload(
    telegram: FakeTelegram, sender: TelethonSender
) -> None:
    peers = await channels(telegram, sender, 3)
    media, reads = media_file(PHOTO)
    telegram.fail_next(403, "CHAT_WRITE_FORBIDDEN", request_type=SendMediaRequest)
    with pytest.raises(TelegramFailure):
        await sender.send_media(peers[0], "x", media, random_id=1)

    await sender.send_media(peers[1], "x", media, random_id=2)
    await sender.send_media(peers[2], "x", media, random_id=3)

    assert reads.count == 1 and telegram.uploaded() == [PHOTO]
    second, third = media_sends(telegram)
    assert isinstance(second.media, types.InputMediaUploadedPhoto)  # the same upload again
    assert isinstance(third.media, types.InputMediaPhoto)  # then the posted photo
    assert [len(telegram.posts[p.peer_id]) for p in peers] == [0, 1, 1]
