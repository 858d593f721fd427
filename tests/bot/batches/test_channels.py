"""/channels: inactive channels with reason and time, Reactivate one or a page, by role."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.bot.batches.keyboards import ChannelsPage, Reactivate, ReactivatePage
from predlagator.db import channels
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.batch_screens import audit_rows, buttons, deactivate, last_screen
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def is_active(h: BotHarness, channel_id: int) -> tuple[bool, int]:
    async with h.pool.connection() as conn:
        found = await channels.get(conn, channel_id)
    assert found is not None
    return found.active, found.consecutive_errors


async def test_no_inactive_channels(h: BotHarness) -> None:
    await h.send(OWNER, "/channels")
    await h.send(VIEWER, "/channels", lang="ru")
    assert h.session.sent_texts() == [
        "No inactive channels: every channel gets posts.",
        "Неактивных каналов нет: посты идут во все каналы.",
    ]


async def test_list_shows_reasons_and_times_with_buttons(h: BotHarness) -> None:
    private = await deactivate(h, "private_chan", "CHANNEL_PRIVATE", minutes_ago=0)
    slow = await deactivate(h, "slow_chan", "TIMEOUT", minutes_ago=5, times=5)
    odd = await deactivate(h, "odd_chan", "SOMETHING_NEW", minutes_ago=10)
    closed = await deactivate(h, "+AbCdEf123", "CHAT_WRITE_FORBIDDEN", minutes_ago=15)
    await h.send(OWNER, "/channels")
    screen = last_screen(h)
    assert screen["text"] == (
        "<b>Inactive channels</b>: 4. They get no posts until reactivated.\n\n"
        "1. @private_chan: The channel is private, or the account was removed from it "
        "(since 2026-03-05 14:20 UTC)\n"
        "2. @slow_chan: Telegram did not answer in time, 5 times in a row "
        "(since 2026-03-05 14:15 UTC)\n"
        "3. @odd_chan: Telegram refused it (SOMETHING_NEW) (since 2026-03-05 14:10 UTC)\n"
        "4. t.me/+AbCdEf123: The account may not post in this channel "
        "(since 2026-03-05 14:05 UTC)"
    )
    rows = buttons(screen)
    assert rows[:4] == [
        ("♻️ Reactivate @private_chan", Reactivate(id=private, offset=0).pack()),
        ("♻️ Reactivate @slow_chan", Reactivate(id=slow, offset=0).pack()),
        ("♻️ Reactivate @odd_chan", Reactivate(id=odd, offset=0).pack()),
        ("♻️ Reactivate t.me/+AbCdEf123", Reactivate(id=closed, offset=0).pack()),
    ]
    assert rows[4][0] == "♻️ Reactivate all on this page"
    assert len(rows) == 5
    await h.send(OWNER, "/channels", lang="ru")
    assert h.session.sent_texts()[-1].split("\n")[2:] == [
        "1. @private_chan: Канал закрыт, или аккаунт из него удалён (с 2026-03-05 14:20 UTC)",
        "2. @slow_chan: Telegram не ответил вовремя, 5 раз подряд (с 2026-03-05 14:15 UTC)",
        "3. @odd_chan: Telegram отказал (SOMETHING_NEW) (с 2026-03-05 14:10 UTC)",
        "4. t.me/+AbCdEf123: Аккаунту нельзя публиковать в этом канале (с 2026-03-05 14:05 UTC)",
    ]


async def test_pages_of_ten(h: BotHarness) -> None:
    for i in range(12):
        await deactivate(h, f"chan_{i:05d}", "CHANNEL_INVALID", minutes_ago=i)
    await h.send(OWNER, "/channels")
    first = last_screen(h)
    assert first["text"].count("\n") == 1 + 10
    assert buttons(first)[-1] == ("Next ➡️", ChannelsPage(offset=10).pack())
    await h.press(OWNER, ChannelsPage(offset=10).pack())
    second = last_screen(h)
    assert second["text"].split("\n")[2:] == [
        "11. @chan_00010: The account can't find this channel (since 2026-03-05 14:10 UTC)",
        "12. @chan_00011: The account can't find this channel (since 2026-03-05 14:09 UTC)",
    ]
    assert buttons(second)[-1] == ("⬅️ Prev", ChannelsPage(offset=0).pack())


async def test_reactivate_one_is_audited_and_a_second_press_says_so(h: BotHarness) -> None:
    private = await deactivate(h, "private_chan", "CHANNEL_PRIVATE")
    await deactivate(h, "other_chan", "CHAT_WRITE_FORBIDDEN", minutes_ago=1)
    await h.send(OWNER, "/channels")
    await h.press(OWNER, Reactivate(id=private, offset=0).pack())
    await h.press(OWNER, Reactivate(id=private, offset=0).pack(), lang="ru")
    assert h.session.answers() == [
        "@private_chan will get posts again.",
        "@private_chan уже активен.",
    ]
    assert await is_active(h, private) == (True, 0)
    assert await audit_rows(h) == [
        (
            OWNER,
            "channel.reactivate",
            private,
            {"ref": "private_chan", "code": "CHANNEL_PRIVATE", "count": 1},
        )
    ]
    assert last_screen(h)["text"].startswith(
        "<b>Неактивные каналы</b>: 1. Посты в них не идут, пока их не включат снова.\n\n"
        "1. @other_chan: Аккаунту нельзя публиковать в этом канале"
    )


async def test_reactivate_a_page_only_as_shown(h: BotHarness) -> None:
    ids = [
        await deactivate(h, f"chan_{i:05d}", "CHANNEL_INVALID", minutes_ago=i) for i in range(12)
    ]
    await h.send(OWNER, "/channels")
    every = buttons(last_screen(h))[-2]
    assert every[0] == "♻️ Reactivate all on this page"
    # Another operator reactivates one of them first: the page is no longer what was seen.
    await h.press(OWNER, Reactivate(id=ids[0], offset=0).pack())
    await h.press(OWNER, every[1])
    assert h.session.answers()[-1] == (
        "This page has changed; here it is again. Nothing was reactivated."
    )
    assert [await is_active(h, i) for i in ids[1:3]] == [(False, 5), (False, 5)]
    fresh = buttons(last_screen(h))[-2][1]
    await h.press(OWNER, fresh, lang="ru")
    assert h.session.answers()[-1] == "Включено снова 10 каналов."
    assert [(await is_active(h, i))[0] for i in ids] == [True] * 11 + [False]
    assert [row[1] for row in await audit_rows(h)] == ["channel.reactivate"] * 11
    await h.press(OWNER, fresh)  # a double press: the page has changed again
    assert h.session.answers()[-1] == (
        "This page has changed; here it is again. Nothing was reactivated."
    )
    assert len(await audit_rows(h)) == 11


async def test_viewer_sees_the_list_but_no_buttons_and_presses_are_refused(h: BotHarness) -> None:
    private = await deactivate(h, "private_chan", "CHANNEL_PRIVATE")
    await deactivate(h, "other_chan", "CHANNEL_PRIVATE", minutes_ago=1)
    await h.send(VIEWER, "/channels")
    assert buttons(last_screen(h)) == []
    before = await h.counts()
    await h.press(VIEWER, Reactivate(id=private, offset=0).pack())
    await h.press(VIEWER, ReactivatePage(offset=0, shown="00000000").pack(), lang="ru")
    assert h.session.answers() == [
        "You can look, but viewers can't change anything.",
        "Вы можете смотреть, но наблюдатели ничего не меняют.",
    ]
    assert await is_active(h, private) == (False, 5)
    assert await h.counts() == before


async def test_forged_presses_change_nothing(h: BotHarness) -> None:
    await deactivate(h, "private_chan", "CHANNEL_PRIVATE")
    before = await h.counts()
    await h.press(OWNER, Reactivate(id=999, offset=0).pack())
    await h.press(OWNER, Reactivate(id=1, offset=-5).pack())
    await h.press(OWNER, ChannelsPage(offset=10**7).pack())
    await h.press(OWNER, "cr:x:y")
    assert h.session.answers() == ["This button is no longer valid"] * 4
    assert h.session.edits() == []
    assert await h.counts() == before
