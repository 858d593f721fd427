"""A .txt or .csv that may be a post rather than a channel list: the bot asks which it is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import MessageEntity

from predlagator.bot.batches.keyboards import FileKind
from predlagator.db import template_media, templates
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.batch_screens import batch_refs, buttons, send_document
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness

LIST = b"@alpha_news\n@beta_news\n"
NOTES = b"Prices for March\nDelivery in two days\n@our_shop for questions\n"
ASKED = {
    "en": (
        "Is this file a list of channels, or a post to send as a document?",
        [("📋 Channel list", "fk:list"), ("📎 Post (document)", "fk:post")],
    ),
    "ru": (
        "Этот файл — список каналов или пост, который нужно разослать документом?",
        [("📋 Список каналов", "fk:list"), ("📎 Пост (документ)", "fk:post")],
    ),
}
QUESTION = 900  # the id the tests give the bot's question when they press under it


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def send_file(
    h: BotHarness,
    data: bytes,
    file_name: str,
    caption: str | None = None,
    lang: str = "en",
    **fields: Any,
) -> dict[str, Any]:
    """The owner sends `data` as a .txt or .csv document; the message as Telegram echoes it."""
    mime = "text/csv" if file_name.endswith(".csv") else "text/plain"
    return await send_document(h, OWNER, data, file_name, caption, mime, lang, **fields)


async def choose(
    h: BotHarness, choice: str, document: dict[str, Any] | None, lang: str = "en"
) -> None:
    """Press a button under the question, which replies to `document` (None: it is gone)."""
    data = FileKind(choice=choice).pack()
    await h.press(OWNER, data, message_id=QUESTION, lang=lang, reply_to=document)


def asked(h: BotHarness) -> tuple[str, list[tuple[str, str]]]:
    [question] = h.session.of("sendMessage")
    return question["text"], buttons(question)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_list_with_a_caption_is_asked_about_then_saved_as_a_list(
    h: BotHarness, lang: str
) -> None:
    before = await h.counts()
    document = await send_file(h, LIST, "partners.txt", caption="Spring partners", lang=lang)
    assert asked(h) == ASKED[lang]
    [question] = h.session.of("sendMessage")
    assert question["reply_parameters"]["message_id"] == document["message_id"]
    assert await h.counts() == before  # nothing stored while it is asked

    h.session.reset()
    await choose(h, "list", document, lang=lang)
    [edit] = h.session.edits()
    assert edit["message_id"] == QUESTION
    saved = {
        "en": "Batch #1 «Spring partners» saved: 2 channels (2 new, 0 already known).",
        "ru": "Пакет #1 «Spring partners» сохранён: каналов 2 (новых 2, уже известных 0).",
    }
    assert edit["text"] == saved[lang]
    assert await batch_refs(h, 1) == ["alpha_news", "beta_news"]
    assert h.session.answers() == [None]


async def test_a_post_with_a_caption_becomes_a_document_template(h: BotHarness) -> None:
    bold = MessageEntity(type="bold", offset=0, length=5)
    document = await send_file(
        h,
        LIST,
        "partners.txt",
        caption="Fresh partners list",
        caption_entities=[bold.model_dump(exclude_none=True)],
    )
    h.session.reset()
    await choose(h, "post", document)
    async with h.pool.connection() as conn:
        [template] = await templates.list_all(conn)
        media = await template_media.info(conn, template.id)
    assert (template.name, template.html, template.media_kind) == (
        "Fresh partners list",
        "<b>Fresh</b> partners list",
        "document",
    )
    assert media is not None and (media.file_name, media.size) == ("partners.txt", len(LIST))
    assert h.session.edits()[0]["text"] == "Taken as a post."
    assert h.session.sent_texts()[0].startswith("Template #1 «Fresh partners list» saved.")
    [preview] = h.session.of("sendDocument")
    assert preview["caption"] == "<b>Fresh</b> partners list"
    assert await h.rows("SELECT id FROM batches") == []


async def test_a_file_that_does_not_read_as_a_list_is_asked_about(h: BotHarness) -> None:
    document = await send_file(h, NOTES, "notes.txt")
    assert asked(h) == ASKED["en"]
    h.session.reset()
    await choose(h, "post", document)
    async with h.pool.connection() as conn:
        [template] = await templates.list_all(conn)
    assert (template.name, template.media_kind) == ("notes.txt", "document")

    # Asked again, the operator says it is a list after all: the reasons it is not come back.
    h.session.reset()
    await choose(h, "list", document)
    [edit] = h.session.edits()
    assert edit["text"].startswith("No valid channels in this list, so nothing was saved.")


async def test_a_csv_without_a_column_of_channels_is_asked_about(h: BotHarness) -> None:
    document = await send_file(h, b"product,price\nTea,3\nCoffee,4\n", "prices.csv")
    assert asked(h) == ASKED["en"]
    h.session.reset()
    await choose(h, "list", document)
    assert h.session.edits()[0]["text"].startswith("No column of this CSV holds channel")


async def test_a_file_too_big_for_a_list_is_asked_about(h: BotHarness) -> None:
    big = b"Line of a long document\n" * 50_000  # 1.1 MB: no list is that big
    document = await send_file(h, big, "catalogue.txt")
    assert [name for name, _ in h.session.calls] == ["sendMessage"]  # not even downloaded
    assert asked(h) == ASKED["en"]
    h.session.reset()
    await choose(h, "list", document)
    assert h.session.edits()[0]["text"].startswith("This file is 1.2 MB; a channel list file")


async def test_a_clear_list_is_still_a_list_at_once(h: BotHarness) -> None:
    await send_file(h, LIST, "partners.txt")
    await send_file(h, LIST, "again.txt", caption="name: Partners")
    assert [text.split(" saved")[0] for text in h.session.sent_texts()] == [
        "Batch #1 «partners»",
        "Batch #2 «Partners»",
    ]


async def test_a_choice_without_the_file_or_twice(h: BotHarness) -> None:
    await choose(h, "list", None)
    assert h.session.answers() == ["I can't see that file any more. Please send it again."]
    await h.press(OWNER, "fk:maybe", message_id=QUESTION)
    assert h.session.answers()[-1] == "This button is no longer valid"
    assert await h.rows("SELECT id FROM batches UNION ALL SELECT id FROM templates") == []


async def test_viewers_cannot_choose(h: BotHarness) -> None:
    document = await send_file(h, LIST, "partners.txt", caption="Spring")
    h.session.reset()
    data = FileKind(choice="list").pack()
    await h.press(VIEWER, data, message_id=QUESTION, reply_to=document)
    assert h.session.answers() == ["You can look, but viewers can't change anything."]
    assert await h.rows("SELECT id FROM batches") == []
