"""Posts become templates: HTML with formatting kept, previewed exactly as they will go out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import MessageEntity

from predlagator.db import templates
from predlagator.db.pool import Pool
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


async def test_formatted_post_is_stored_as_html_and_previewed(h: BotHarness) -> None:
    text = "Big sale today! Visit our shop & save: 5 < 10"
    entities = [
        MessageEntity(type="bold", offset=0, length=8),
        MessageEntity(type="text_link", offset=16, length=14, url="https://example.com/?a=1&b=2"),
    ]
    await h.send(OWNER, text, entities=entities)
    # aiogram's own HTML: text escaped, the href as Telegram gave it.
    expected = (
        '<b>Big sale</b> today! <a href="https://example.com/?a=1&b=2">Visit our shop</a>'
        " &amp; save: 5 &lt; 10"
    )
    async with h.pool.connection() as conn:
        template = await templates.get(conn, 1)
    assert template is not None
    assert template.html == expected
    # The name is the post's first words, cut between words and marked as cut.
    assert template.name == "Big sale today! Visit our shop & save…"
    assert h.session.sent_texts() == [
        "Template #1 «Big sale today! Visit our shop &amp; save…» saved. This is how it will look:",
        expected,
    ]
    assert h.session.of("sendMessage")[1]["parse_mode"] == "HTML"
    [entry] = await h.rows("SELECT action, object_type, object_id FROM audit_log")
    assert entry == {"action": "template.create", "object_type": "template", "object_id": 1}


async def test_plain_multiline_post(h: BotHarness) -> None:
    await h.send(OWNER, "Hello\nworld", lang="ru")
    async with h.pool.connection() as conn:
        template = await templates.get(conn, 1)
    assert template is not None and template.html == "Hello\nworld"
    assert template.name == "Hello world"
    assert h.session.sent_texts()[0].startswith("Шаблон #1 «Hello world» сохранён.")


async def test_oversized_post_is_refused(h: BotHarness) -> None:
    before = await h.counts()
    await h.send(OWNER, "x" * 4097)
    assert h.session.sent_texts() == [
        "This post has 4097 characters; Telegram allows 4096. Shorten it and send again."
    ]
    assert await h.counts() == before


async def test_length_is_counted_as_telegram_does(h: BotHarness) -> None:
    # 2049 emoji are 4098 UTF-16 code units, which is what Telegram's 4096 counts.
    before = await h.counts()
    await h.send(OWNER, "😀" * 2049, lang="ru")
    assert h.session.sent_texts() == [
        "В посте 4098 символов, а Telegram разрешает 4096. Сократите и пришлите снова."
    ]
    assert await h.counts() == before


async def test_saved_post_comes_with_rename_and_delete(h: BotHarness) -> None:
    await h.send(OWNER, "Hello")
    header, post = h.session.of("sendMessage")
    assert buttons(header) == [("✏️ Rename", "ta:1:rename"), ("🗑 Delete", "ta:1:delete")]
    assert "reply_markup" not in post  # the post itself is shown as it will go out
