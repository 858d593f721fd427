"""A .txt or .csv file of channels becomes a batch; files the bot can't read are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from predlagator.bot.batches.keyboards import FileKind
from predlagator.db.pool import Pool
from tests.batch_screens import audit_rows, batch_refs, send_document
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness

KNOWN_CALLS = ["getFile", "sendMessage"]  # the download itself is no Bot API call
ASKED = "Is this file a list of channels, or a post to send as a document?"


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


def calls(h: BotHarness) -> list[str]:
    return [name for name, _ in h.session.calls]


async def choose(h: BotHarness, document: dict[str, Any], lang: str = "en") -> None:
    """Press "Channel list" under the question that replied to `document`."""
    await h.press(OWNER, FileKind(choice="list").pack(), 900, lang=lang, reply_to=document)


async def test_txt_with_bom_is_named_after_the_file(h: BotHarness) -> None:
    data = "\ufeff@alpha_news\r\nhttps://t.me/Beta_News, @ALPHA_NEWS\r\n@bad\r\n".encode()
    await send_document(h, OWNER, data, "Spring offers.txt", mime_type="text/plain")
    assert calls(h) == KNOWN_CALLS
    assert h.session.sent_texts() == [
        "Batch #1 «Spring offers» saved: 2 channels (2 new, 0 already known).\n"
        "Duplicates merged: 1.\n\n"
        "Skipped 1 invalid lines:\n"
        "• @bad: a username is 5 to 32 characters"
    ]
    assert await batch_refs(h, 1) == ["alpha_news", "beta_news"]
    assert await audit_rows(h) == [
        (OWNER, "batch.create", 1, {"channels": 2, "new": 2, "invalid": 1})
    ]


async def test_csv_takes_the_reference_column_and_the_caption_names_it(h: BotHarness) -> None:
    await h.send(OWNER, "@beta_news\n@gamma_news")  # batch 1: beta is known from now on
    data = (
        b"title,subscribers,link\n"
        b'"Alpha, daily",1200,https://t.me/alpha_news\n'
        b"Beta,300,@beta_news\n"
        b"Broken,5,@x\n"
    )
    await send_document(h, OWNER, data, "export.csv", caption="name: Партнёры", lang="ru")
    assert h.session.sent_texts()[-1] == (
        "Пакет #2 «Партнёры» сохранён: каналов 2 (новых 1, уже известных 1).\n\n"
        "Пропущено неверных строк: 1:\n"
        "• @x: имя длиной от 5 до 32 символов"
    )
    assert await batch_refs(h, 2) == ["alpha_news", "beta_news"]


async def test_csv_with_semicolons_and_a_caption_without_name_prefix(h: BotHarness) -> None:
    data = "канал;подписчики\n@alpha_news;10\n@beta_news;20\n".encode()
    document = await send_document(
        h, OWNER, data, "list.csv", caption="Autumn\nsecond line ignored"
    )
    assert h.session.sent_texts() == [ASKED]  # a caption: it may be a post's
    await choose(h, document)
    assert h.session.edits()[-1]["text"].startswith("Batch #1 «Autumn» saved: 2 channels")


async def test_unreadable_files_are_asked_about_then_refused_as_lists(h: BotHarness) -> None:
    before = await h.counts()
    files = [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "channels.txt", "en"),
        ("@новости_канал\n".encode("cp1251"), "list.txt", "ru"),
        (b"title,count\nAlpha,1\nBeta,2\n", "export.csv", "en"),
        (b"title,count\nAlpha,1\n", "export.csv", "ru"),
        (b"just words\nand more words\n", "notes.txt", "en"),
    ]
    documents = [await send_document(h, OWNER, data, name, lang=lang) for data, name, lang in files]
    # None reads as a channel list, so each may be a post: the bot asks.
    assert len(h.session.sent_texts()) == 5
    assert await h.counts() == before
    for document, (_, _, lang) in zip(documents, files, strict=True):
        await choose(h, document, lang)
    assert [edit["text"] for edit in h.session.edits()] == [
        "This file isn't UTF-8 text, so I can't read it. Save it as UTF-8 (.txt or .csv) "
        "and send it again.",
        "Этот файл не текст в UTF-8, я не могу его прочитать. Сохраните его в UTF-8 "
        "(.txt или .csv) и пришлите снова.",
        "No column of this CSV holds channel references (@name, t.me links or -100… ids). "
        "Put them in one column and send it again.",
        "Ни в одном столбце этого CSV нет ссылок на каналы (@name, ссылки t.me или id вида "
        "-100…). Поместите их в один столбец и пришлите снова.",
        "No valid channels in this list, so nothing was saved.\n\n"
        "Skipped 2 invalid lines:\n"
        "• just words: not a channel reference\n"
        "• and more words: not a channel reference",
    ]
    assert await h.counts() == before


async def test_oversized_file_is_asked_about_without_downloading(h: BotHarness) -> None:
    before = await h.counts()
    big = b"@alpha_news\n" * (1024 * 1024 // 12 + 1)
    small = await send_document(h, OWNER, big, "huge.txt")
    large = await send_document(h, OWNER, big + big, "huge.csv", lang="ru")
    assert calls(h) == ["sendMessage", "sendMessage"]  # no list is that big: maybe a post
    await choose(h, small)
    await choose(h, large, "ru")
    assert [edit["text"] for edit in h.session.edits()] == [
        "This file is 1.1 MB; a channel list file can be at most 1.0 MB. "
        "Split it and send the parts.",
        "Размер файла 2.1 MB, а файл со списком каналов может быть не больше 1.0 MB. "
        "Разбейте его и пришлите по частям.",
    ]
    assert await h.counts() == before


async def test_file_telegram_does_not_hand_over(h: BotHarness) -> None:
    h.session.fail_next("getFile", 400, "Bad Request: file is temporarily unavailable")
    before = await h.counts()
    await send_document(h, OWNER, b"@alpha_news\n@beta_news\n", "list.txt")
    assert h.session.sent_texts() == ["Telegram didn't hand me the file. Please send it again."]
    assert await h.counts() == before


async def test_ten_thousand_lines_as_a_file_and_as_a_list(h: BotHarness) -> None:
    lines = [f"@channel_{i:05d}" for i in range(10_000)]
    await send_document(h, OWNER, "\n".join(lines).encode(), "big.txt")
    assert h.session.sent_texts()[-1] == (
        "Batch #1 «big» saved: 10000 channels (10000 new, 0 already known)."
    )
    await h.send(OWNER, "\n".join(lines))
    assert h.session.sent_texts()[-1] == (
        "Batch #2 «Batch 2» saved: 10000 channels (0 new, 10000 already known)."
    )
    before = await h.counts()
    await send_document(h, OWNER, "\n".join([*lines, "@one_too_many"]).encode(), "over.csv")
    assert h.session.sent_texts()[-1] == (
        "This list has 10001 entries; a batch holds at most 10000. Split it and send the parts."
    )
    assert await h.counts() == before


async def test_long_invalid_list_in_a_file_is_trimmed(h: BotHarness) -> None:
    lines = ["@valid_channel"] + [f"@x{i}" for i in range(500)]
    await send_document(h, OWNER, "\n".join(lines).encode(), "typos.txt")
    [reply] = h.session.sent_texts()
    assert "Skipped 500 invalid lines:" in reply
    assert reply.count("• @x") == 20
    assert reply.endswith("…and 480 more")
    assert len(reply) < 4096


async def test_a_file_of_unknown_size_is_checked_once_downloaded(h: BotHarness) -> None:
    before = await h.counts()
    data = b"@alpha_news\n" * 100_000
    document = await send_document(h, OWNER, data, "big.txt", with_size=False)
    assert calls(h) == KNOWN_CALLS
    assert h.session.sent_texts() == [ASKED]
    await choose(h, document)
    assert h.session.edits()[-1]["text"] == (
        "This file is 1.2 MB; a channel list file can be at most 1.0 MB. "
        "Split it and send the parts."
    )
    assert await h.counts() == before


async def test_other_documents_and_gifs_are_not_lists(h: BotHarness) -> None:
    await send_document(h, OWNER, b"%PDF-1.4", "prices.pdf", caption="Prices", mime_type=None)
    gif = {"file_id": "G1", "file_unique_id": "g", "width": 1, "height": 1, "duration": 1}
    await h.send(
        OWNER,
        None,
        animation=gif,
        document={"file_id": "G1", "file_unique_id": "g", "file_name": "a.txt"},
    )
    assert await h.rows("SELECT id FROM batches") == []
    assert not any("Batch" in text for text in h.session.sent_texts())
