"""/templates: pages of ten with Prev / Next, the kind of each, and a tap opens the preview."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from predlagator.bot.templates.keyboards import TemplateOpen, TemplatePage
from predlagator.db import templates
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness
from tests.wizard_steps import last_shown, press

KINDS = ["text", "photo", "video", "document"]


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def make_templates(h: BotHarness, count: int) -> None:
    """`count` templates named "Post 1".., their kinds in turn text, photo, video, document."""
    async with h.pool.connection() as conn:
        for i in range(1, count + 1):
            kind = KINDS[(i - 1) % 4]
            media = {} if kind == "text" else {"media_kind": kind, "media_file_id": f"F{i}"}
            await templates.create(conn, f"Post {i}", f"<b>Post</b> {i}", OWNER, **media)


async def archive(h: BotHarness, *ids: int) -> None:
    async with h.pool.connection() as conn:
        for template_id in ids:
            assert await templates.archive(conn, template_id) is not None


async def test_empty_list(h: BotHarness) -> None:
    await h.send(OWNER, "/templates")
    await h.send(OWNER, "/templates", lang="ru")
    assert h.session.sent_texts() == [
        "No templates yet. Send me the post you want to publish.",
        "Шаблонов пока нет. Пришлите пост, который хотите опубликовать.",
    ]


async def test_pages_of_ten_newest_first_with_kinds(h: BotHarness) -> None:
    await make_templates(h, 23)
    await h.send(OWNER, "/templates")
    [first] = h.session.of("sendMessage")
    lines = first["text"].split("\n")
    assert lines[0] == "<b>Templates</b>, page 1 of 3. Tap one to see it."
    assert lines[1:5] == [
        "#23 Post 23 · 🎬 video",
        "#22 Post 22 · 🖼 photo",
        "#21 Post 21 · 📝 text",
        "#20 Post 20 · 📎 document",
    ]
    assert len(lines) == 11
    assert buttons(first)[0] == ("🎬 #23 Post 23", TemplateOpen(id=23).pack())
    assert buttons(first)[10:] == [("Next ➡️", TemplatePage(page=1).pack())]

    await h.press(OWNER, TemplatePage(page=1).pack(), message_id=1)
    [second] = h.session.edits()
    assert second["text"].split("\n")[0] == "<b>Templates</b>, page 2 of 3. Tap one to see it."
    assert second["text"].split("\n")[1] == "#13 Post 13 · 📝 text"
    assert buttons(second)[10:] == [
        ("⬅️ Prev", TemplatePage(page=0).pack()),
        ("Next ➡️", TemplatePage(page=2).pack()),
    ]

    await h.press(OWNER, TemplatePage(page=2).pack(), message_id=1, lang="ru")
    third = h.session.edits()[-1]
    assert third["text"].split("\n") == [
        "<b>Шаблоны</b>, страница 3 из 3. Нажмите на шаблон, чтобы его увидеть.",
        "#3 Post 3 · 🎬 видео",
        "#2 Post 2 · 🖼 фото",
        "#1 Post 1 · 📝 текст",
    ]
    assert buttons(third)[3:] == [("⬅️ Назад", TemplatePage(page=1).pack())]


async def test_a_long_name_is_cut_between_words_on_its_button(h: BotHarness) -> None:
    async with h.pool.connection() as conn:
        await templates.create(conn, "Spring collection: jackets, boots and scarves", "x", OWNER)
    await h.send(OWNER, "/templates")
    [params] = h.session.of("sendMessage")
    assert [label for label, _ in buttons(params)] == ["📝 #1 Spring collection: jackets, boots…"]


async def test_one_page_has_no_page_buttons(h: BotHarness) -> None:
    await make_templates(h, 2)
    await h.send(OWNER, "/templates", lang="ru")
    [params] = h.session.of("sendMessage")
    assert params["text"] == (
        "<b>Шаблоны</b>. Нажмите на шаблон, чтобы его увидеть.\n"
        "#2 Post 2 · 🖼 фото\n#1 Post 1 · 📝 текст"
    )
    assert [label for label, _ in buttons(params)] == ["🖼 #2 Post 2", "📝 #1 Post 1"]


async def test_deleted_templates_are_hidden_and_a_stale_page_shows_the_last(
    h: BotHarness,
) -> None:
    await make_templates(h, 12)
    await archive(h, 12, 11, 10)
    await h.press(OWNER, TemplatePage(page=1).pack())  # a page that no longer exists
    [params] = h.session.edits()
    lines = params["text"].split("\n")
    assert lines[0] == "<b>Templates</b>. Tap one to see it."
    assert lines[1] == "#9 Post 9 · 📝 text" and len(lines) == 10
    # And /new_campaign offers only live ones.
    await h.send(OWNER, "@alpha_shop\n@beta_shop")
    await h.send(OWNER, "/new_campaign")
    await h.send(OWNER, "Spring sale")
    await press(h, "#1 Batch 1 (2)")
    picker = last_shown(h)
    assert [label for label, _ in buttons(picker)][:2] == ["#9 Post 9", "#8 Post 8"]


async def test_tap_opens_the_preview_as_it_will_go_out(h: BotHarness) -> None:
    await make_templates(h, 2)
    await h.press(OWNER, TemplateOpen(id=2).pack(), lang="ru")
    [header] = h.session.of("sendMessage")
    assert header["text"] == "Шаблон #2 «Post 2» (🖼 фото). Вот как он будет выглядеть:"
    assert buttons(header) == [("✏️ Переименовать", "ta:2:rename"), ("🗑 Удалить", "ta:2:delete")]
    [photo] = h.session.of("sendPhoto")
    assert (photo["photo"], photo["caption"], photo["parse_mode"]) == (
        "F2",
        "<b>Post</b> 2",
        "HTML",
    )
    assert h.session.answers() == [None]

    await h.press(OWNER, TemplateOpen(id=1).pack())
    header, text_post = h.session.of("sendMessage")[1:]
    assert header["text"] == "Template #1 «Post 1» (📝 text). This is how it will look:"
    assert text_post["text"] == "<b>Post</b> 1"


async def test_viewer_pages_and_opens_without_change_buttons(h: BotHarness) -> None:
    await make_templates(h, 11)
    await h.send(VIEWER, "/templates")
    await h.press(VIEWER, TemplatePage(page=1).pack())
    await h.press(VIEWER, TemplateOpen(id=3).pack())
    assert h.session.edits()[0]["text"].split("\n")[1] == "#1 Post 1 · 📝 text"
    header = h.session.of("sendMessage")[-1]
    assert header["text"] == "Template #3 «Post 3» (🎬 video). This is how it will look:"
    assert "reply_markup" not in header
    assert [p["video"] for p in h.session.of("sendVideo")] == ["F3"]


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (TemplatePage(page=-1).pack(), "This button is no longer valid"),
        (TemplatePage(page=10**9).pack(), "This button is no longer valid"),
        ("tl:abc", "This button is no longer valid"),
        ("to:1:extra", "This button is no longer valid"),
        (TemplateOpen(id=999).pack(), "That template no longer exists."),
        (TemplateOpen(id=2).pack(), "That template no longer exists."),  # deleted
    ],
)
async def test_forged_and_stale_presses_change_nothing(
    h: BotHarness, data: str, answer: str
) -> None:
    await make_templates(h, 2)
    await archive(h, 2)
    before = await h.counts()
    await h.press(OWNER, data)
    assert h.session.answers() == [answer]
    assert h.session.edits() == [] and h.session.of("sendMessage") == []
    assert await h.counts() == before
