"""Photo, video and document posts become templates: the file fetched and kept in PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import MessageEntity

from predlagator.db import template_media, templates
from predlagator.db.pool import Pool
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness
from tests.fakes.bot_files import document_field, photo_field, video_field

DATA = os.urandom(150_000)
BIG = 25 * 1024 * 1024


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def field(kind: str, file_id: str, size: int) -> dict[str, Any]:
    """The message fields of a `kind` post of one file."""
    if kind == "photo":
        return {"photo": photo_field(file_id, size)}
    if kind == "video":
        return {"video": video_field(file_id, size)}
    return {"document": document_field(file_id, size, file_name="prices.pdf", mime_type=None)}


SAVED = {
    "en": "Template #1 «Fresh offer» saved. This is how it will look:",
    "ru": "Шаблон #1 «Fresh offer» сохранён. Вот как он будет выглядеть:",
}
SENT_BY = {"photo": "sendPhoto", "video": "sendVideo", "document": "sendDocument"}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("kind", ["photo", "video", "document"])
async def test_media_post_is_fetched_stored_and_previewed(
    h: BotHarness, kind: str, lang: str
) -> None:
    h.session.add_file("F1", DATA)
    bold = MessageEntity(type="bold", offset=0, length=5)
    await h.send(
        OWNER,
        None,
        lang=lang,
        caption="Fresh offer",
        caption_entities=[bold.model_dump(exclude_none=True)],
        **field(kind, "F1", len(DATA)),
    )

    assert [p["file_id"] for p in h.session.of("getFile")] == ["F1"]  # the largest photo
    async with h.pool.connection() as conn:
        template = await templates.get(conn, 1)
        stored = await template_media.read(conn, 1)
    assert template is not None
    assert (template.media_kind, template.media_file_id) == (kind, "F1")
    assert template.html == "<b>Fresh</b> offer"
    assert stored == DATA
    [header] = h.session.of("sendMessage")
    assert header["text"] == SAVED[lang]
    assert [b for _, b in buttons(header)] == ["ta:1:rename", "ta:1:delete"]
    [post] = h.session.of(SENT_BY[kind])
    assert post[kind] == "F1"  # sent by file_id, as it will look
    assert (post["caption"], post["parse_mode"]) == ("<b>Fresh</b> offer", "HTML")
    [entry] = await h.rows("SELECT action, object_id, details FROM audit_log")
    assert entry == {
        "action": "template.create",
        "object_id": 1,
        "details": {"kind": kind, "size": len(DATA)},
    }


async def test_file_name_type_and_video_size_are_kept(h: BotHarness) -> None:
    h.session.add_file("V1", DATA)
    video = video_field(
        "V1", len(DATA), file_name="promo.mov", mime_type="video/quicktime", width=640, height=360
    )
    await h.send(OWNER, None, video=video, caption="Promo")
    async with h.pool.connection() as conn:
        info = await template_media.info(conn, 1)
        template = await templates.get(conn, 1)
    assert info is not None and template is not None
    assert (info.file_name, info.mime_type, info.size) == (
        "promo.mov",
        "video/quicktime",
        len(DATA),
    )
    assert (info.width, info.height, info.duration) == (640, 360, 12)
    assert template.name == "Promo"


async def test_photo_forwarded_from_a_channel_without_caption(h: BotHarness) -> None:
    h.session.add_file("P1", DATA)
    # A post forwarded from a channel, the usual way to bring one.
    channel = {"id": -1001234567890, "type": "channel", "title": "Shop"}
    origin = {"type": "channel", "chat": channel, "message_id": 5, "date": 1_700_000_000}
    await h.send(OWNER, None, photo=photo_field("P1", len(DATA)), forward_origin=origin)
    async with h.pool.connection() as conn:
        template = await templates.get(conn, 1)
        info = await template_media.info(conn, 1)
    assert template is not None and info is not None
    assert (template.name, template.html, template.media_kind) == ("Photo", "", "photo")
    assert (info.file_name, info.mime_type) == ("photo.jpg", "image/jpeg")
    [post] = h.session.of("sendPhoto")
    assert "caption" not in post


@pytest.mark.parametrize(
    ("lang", "reply"),
    [
        (
            "en",
            "This caption has 1026 characters; Telegram allows 1024 under a photo, video or "
            "file. Shorten it and send again.",
        ),
        (
            "ru",
            "В подписи 1026 символов; Telegram разрешает под фото, видео или файлом не больше "
            "1024. Сократите её и пришлите снова.",
        ),
    ],
)
async def test_caption_over_1024_is_refused_and_nothing_stored(
    h: BotHarness, lang: str, reply: str
) -> None:
    h.session.add_file("P1", DATA)
    before = await h.counts()
    # 513 emoji are 1026 UTF-16 code units: Telegram's count, not Python's 513.
    await h.send(OWNER, None, lang=lang, photo=photo_field("P1", len(DATA)), caption="😀" * 513)
    assert h.session.sent_texts() == [reply]
    assert h.session.of("getFile") == []
    assert await h.counts() == before


async def test_caption_of_exactly_1024_is_taken(h: BotHarness) -> None:
    h.session.add_file("P1", DATA)
    await h.send(OWNER, None, photo=photo_field("P1", len(DATA)), caption="😀" * 512)
    [post] = h.session.of("sendPhoto")
    assert post["caption"] == "😀" * 512


TOO_BIG = {
    "en": "This file is over 20 MB, the most a bot can download from Telegram. Send a smaller one.",
    "ru": "Файл больше 20 МБ — это предел, который бот может скачать из Telegram. "
    "Пришлите файл поменьше.",
}


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_file_over_20_mb_is_refused_before_fetching(h: BotHarness, lang: str) -> None:
    before = await h.counts()
    await h.send(OWNER, None, lang=lang, video=video_field("V1", BIG), caption="Big")
    assert h.session.sent_texts() == [TOO_BIG[lang]]
    assert h.session.of("getFile") == []
    assert await h.counts() == before


async def test_file_telegram_will_not_hand_out_is_refused(h: BotHarness) -> None:
    # The message did not say its size; getFile answers "file is too big".
    h.session.add_file("D1", b"x", size=BIG)
    document = document_field("D1", 0, file_name="prices.pdf", mime_type="application/pdf")
    del document["file_size"]  # (a .txt or .csv would be a channel list, not a post)
    before = await h.counts()
    await h.send(OWNER, None, document=document, caption="Prices")
    assert [p["file_id"] for p in h.session.of("getFile")] == ["D1"]
    assert h.session.sent_texts() == [TOO_BIG["en"]]
    assert await h.counts() == before


async def test_file_that_cannot_be_fetched_stores_nothing(h: BotHarness) -> None:
    before = await h.counts()
    await h.send(OWNER, None, lang="ru", photo=photo_field("gone", 10), caption="x")
    assert h.session.sent_texts() == [
        "Не удалось получить файл из Telegram. Пришлите пост ещё раз."
    ]
    assert await h.counts() == before


async def test_album_and_gif_are_refused(h: BotHarness) -> None:
    h.session.add_file("P1", DATA)
    before = await h.counts()
    await h.send(OWNER, None, photo=photo_field("P1", len(DATA)), media_group_id="77")
    gif = {"file_id": "G1", "file_unique_id": "g", "width": 1, "height": 1, "duration": 1}
    await h.send(OWNER, None, animation=gif, document=document_field("G1", 10), lang="ru")
    assert h.session.sent_texts() == [
        "Albums can't be templates: send one photo, video or file with its caption.",
        "Шаблон — это текстовый пост или фото, видео либо файл с подписью. "
        "Такое сообщение шаблоном быть не может.",
    ]
    assert h.session.of("getFile") == []
    assert await h.counts() == before
