"""/batches pages and an open batch: counts, channel pages, buttons by role, stale presses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.bot.batches.keyboards import BatchEdit, BatchesPage, BatchView
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.batch_screens import buttons, deactivate, last_screen, make_batch
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


def page(offset: int) -> str:
    return BatchesPage(offset=offset).pack()


def view(batch_id: int, offset: int = 0) -> str:
    return BatchView(id=batch_id, offset=offset).pack()


async def test_batches_are_paged_newest_first(h: BotHarness) -> None:
    for i in range(1, 21):
        await make_batch(h, f"List & {i}", [f"chan_{i:05d}"] * 1 + ([] if i % 2 else ["extra_one"]))
    await h.send(OWNER, "/batches")
    first = last_screen(h)
    lines = first["text"].split("\n")
    assert lines[0] == "<b>Batches</b> 1–8 of 20:"
    assert lines[1:3] == ["#20 List &amp; 20: 2 channels", "#19 List &amp; 19: 1 channel"]
    assert lines[-1] == "Tap a batch to open it."
    assert buttons(first) == [
        *[(f"#{i} List & {i}", view(i)) for i in range(20, 12, -1)],
        ("Next ➡️", page(8)),
    ]
    await h.press(OWNER, page(8))
    middle = last_screen(h)
    assert middle["text"].startswith("<b>Batches</b> 9–16 of 20:\n#12 List &amp; 12")
    assert buttons(middle)[-2:] == [("⬅️ Prev", page(0)), ("Next ➡️", page(16))]
    await h.press(OWNER, page(16), lang="ru")
    last = last_screen(h)
    assert last["text"].split("\n")[:3] == [
        "<b>Пакеты</b> 17–20 из 20:",
        "#4 List &amp; 4: 2 канала",
        "#3 List &amp; 3: 1 канал",
    ]
    assert last["text"].endswith("Нажмите на пакет, чтобы открыть его.")
    assert buttons(last)[-1] == ("⬅️ Назад", page(8))
    assert h.session.answers() == [None, None]


async def test_a_long_name_is_cut_between_words_on_its_button(h: BotHarness) -> None:
    await make_batch(h, "Fashion shops of Moscow and Saint Petersburg", ["chan_00001"])
    await h.send(OWNER, "/batches")
    assert buttons(last_screen(h))[0] == ("#1 Fashion shops of Moscow and Saint…", view(1))


async def test_no_batches(h: BotHarness) -> None:
    await h.send(OWNER, "/batches")
    await h.send(OWNER, "/batches", lang="ru")
    assert h.session.sent_texts() == [
        "No batches yet. Send a list of channels to make one.",
        "Пакетов пока нет. Пришлите список каналов, чтобы создать пакет.",
    ]


async def test_open_batch_shows_counts_channels_and_buttons(h: BotHarness) -> None:
    refs = [f"chan_{i:05d}" for i in range(43)] + ["+InviteHash42", "-1001234567890"]
    batch_id = await make_batch(h, "News <all>", refs)
    for i in (1, 22):
        await deactivate(h, f"chan_{i:05d}", "CHANNEL_PRIVATE")
    await h.press(OWNER, view(batch_id))
    screen = last_screen(h)
    lines = screen["text"].split("\n")
    assert lines[:5] == [
        "<b>Batch #1 «News &lt;all&gt;»</b>",
        "45 channels: 43 active, 2 inactive.",
        "",
        "1. @chan_00000",
        "2. @chan_00001 ⛔ inactive",
    ]
    assert len(lines) == 3 + 20
    assert buttons(screen) == [
        ("Next ➡️", view(batch_id, 20)),
        ("➕ Add channels", BatchEdit(id=batch_id, action="add").pack()),
        ("➖ Remove channels", BatchEdit(id=batch_id, action="remove").pack()),
        ("✏️ Rename", BatchEdit(id=batch_id, action="rename").pack()),
        ("🗑 Delete", BatchEdit(id=batch_id, action="delete").pack()),
        ("⬅️ Back to batches", page(0)),
    ]
    await h.press(OWNER, view(batch_id, 20))
    assert last_screen(h)["text"].split("\n")[3:5] == ["21. @chan_00020", "22. @chan_00021"]
    await h.press(OWNER, view(batch_id, 40), lang="ru")
    screen = last_screen(h)
    assert screen["text"].split("\n") == [
        "<b>Пакет #1 «News &lt;all&gt;»</b>",
        "45 каналов: активных 43, неактивных 2.",
        "",
        "41. @chan_00040",
        "42. @chan_00041",
        "43. @chan_00042",
        "44. t.me/+InviteHash42",
        "45. -1001234567890",
    ]
    assert buttons(screen)[0] == ("⬅️ Назад", view(batch_id, 20))
    assert buttons(screen)[-1] == ("⬅️ К пакетам", page(0))


async def test_back_returns_to_the_page_that_lists_the_batch(h: BotHarness) -> None:
    for i in range(1, 11):
        await make_batch(h, f"b{i}", ["chan_00001"])
    await h.press(OWNER, view(2))  # #10…#3 are on the first page, #2 on the second
    assert buttons(last_screen(h))[-1] == ("⬅️ Back to batches", page(8))


async def test_viewer_sees_everything_but_change_buttons(h: BotHarness) -> None:
    batch_id = await make_batch(h, "Shared", ["chan_00001", "chan_00002"])
    await h.send(VIEWER, "/batches")
    await h.press(VIEWER, view(batch_id))
    screen = last_screen(h)
    assert screen["text"].startswith("<b>Batch #1 «Shared»</b>\n2 channels: 2 active, 0 inactive.")
    assert buttons(screen) == [("⬅️ Back to batches", page(0))]
    before = await h.counts()
    for action in ("add", "remove", "rename", "delete", "confirm"):
        await h.press(VIEWER, BatchEdit(id=batch_id, action=action).pack())
        await h.press(VIEWER, BatchEdit(id=batch_id, action=action).pack(), lang="ru")
    assert h.session.answers()[-2:] == [
        "You can look, but viewers can't change anything.",
        "Вы можете смотреть, но наблюдатели ничего не меняют.",
    ]
    assert await h.counts() == before
    await h.send(VIEWER, "@alpha_news")  # no waiting for a list was started
    assert h.session.sent_texts()[-1] == "You can look, but viewers can't change anything."
    assert await h.counts() == before


async def test_stale_and_forged_presses_change_nothing(h: BotHarness) -> None:
    batch_id = await make_batch(h, "One", ["chan_00001"])
    before = await h.counts()
    await h.press(OWNER, view(999))
    await h.press(OWNER, view(999), lang="ru")
    await h.press(OWNER, view(batch_id, -20))
    await h.press(OWNER, page(10**9))
    await h.press(OWNER, "bv:one:0")
    await h.press(OWNER, "bl")
    assert h.session.answers() == [
        "This batch no longer exists.",
        "Этого пакета больше нет.",
        "This button is no longer valid",
        "This button is no longer valid",
        "This button is no longer valid",
        "This button is no longer valid",
    ]
    assert h.session.edits() == []
    assert await h.counts() == before


async def test_a_page_past_the_end_shows_the_last_one(h: BotHarness) -> None:
    batch_id = await make_batch(h, "One", [f"chan_{i:05d}" for i in range(25)])
    await h.press(OWNER, view(batch_id, 60))  # the batch shrank since the button was drawn
    assert last_screen(h)["text"].split("\n")[3] == "21. @chan_00020"
    await h.press(OWNER, page(40))
    assert last_screen(h)["text"].startswith("<b>Batches</b> 1–1 of 1:")
