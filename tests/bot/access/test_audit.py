"""/audit: the latest 20 changes for every role, paged back with "Older"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from predlagator.bot.access.keyboards import AuditPage
from predlagator.db import audit
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.fakes.bot_api import OWNER, STRANGER, VIEWER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def fill(h: BotHarness, n: int) -> None:
    """`n` campaign pauses by the owner, numbered by object id 1..n."""
    async with h.pool.connection() as conn:
        for i in range(1, n + 1):
            await audit.record(conn, OWNER, "campaign.pause", "campaign", i)


async def test_empty_in_both_languages(h: BotHarness) -> None:
    await h.send(VIEWER, "/audit")
    await h.send(VIEWER, "/audit", lang="ru")
    assert h.session.sent_texts() == ["No changes recorded yet.", "Изменений пока нет."]


async def test_rows_show_when_who_what_and_details(h: BotHarness) -> None:
    async with h.pool.connection() as conn:
        await audit.record(conn, None, "campaign.resume", "campaign", 7, reason="flood wait over")
        await audit.record(conn, OWNER, "operator.add", "operator", 777, role="viewer")
    when = datetime.now(UTC).strftime("%m-%d")
    await h.send(VIEWER, "/audit")
    await h.send(VIEWER, "/audit", lang="ru")
    english, russian = h.session.of("sendMessage")
    lines = english["text"].split("\n")
    assert lines[0] == "<b>Latest changes</b> (UTC)"
    assert lines[1].startswith(when)
    assert lines[1].endswith(f" · {OWNER} · operator.add · operator #777 (role: viewer)")
    assert lines[2].endswith(" · system · campaign.resume · campaign #7 (reason: flood wait over)")
    assert "reply_markup" not in english
    assert russian["text"].split("\n")[0] == "<b>Последние изменения</b> (UTC)"
    assert " · система · campaign.resume" in russian["text"]


async def test_older_pages_back(h: BotHarness) -> None:
    await fill(h, 45)
    await h.send(VIEWER, "/audit")
    [first] = h.session.of("sendMessage")
    assert len(first["text"].split("\n")) == 21
    assert first["text"].split("\n")[1].endswith("campaign #45")
    assert buttons(first) == [("⬅️ Older", AuditPage(offset=20).pack())]
    await h.press(VIEWER, AuditPage(offset=20).pack(), message_id=9)
    await h.press(VIEWER, AuditPage(offset=40).pack(), message_id=9, lang="ru")
    second, third = h.session.edits()
    assert second["message_id"] == 9
    assert second["text"].split("\n")[1].endswith("campaign #25")
    assert buttons(second) == [("⬅️ Older", AuditPage(offset=40).pack())]
    assert [line[-11:] for line in third["text"].split("\n")[1:]] == [
        f"campaign #{i}" for i in range(5, 0, -1)
    ]
    assert "reply_markup" not in third
    assert h.session.answers() == [None, None]


async def test_forged_offset_and_strangers(h: BotHarness) -> None:
    await fill(h, 3)
    await h.press(VIEWER, AuditPage(offset=-5).pack())
    await h.press(OWNER, "au:lots")
    await h.press(STRANGER, AuditPage(offset=20).pack())
    await h.send(STRANGER, "/audit")
    assert h.session.answers() == [
        "This button is no longer valid",
        "This button is no longer valid",
        None,  # a stranger's press is answered silently
    ]
    assert h.session.sent_texts() == ["This is a private bot. Ask its owner to add you."]
    assert h.session.edits() == []


async def test_operator_changes_show_up(h: BotHarness) -> None:
    await h.send(OWNER, "/operators add 777 viewer")
    h.session.reset()
    await h.send(OWNER, "/audit")
    [text] = h.session.sent_texts()
    assert text.split("\n")[1].endswith(f" · {OWNER} · operator.add · operator #777 (role: viewer)")


async def test_details_are_words_in_the_configured_zone(pool: Pool) -> None:
    async with bot_harness(pool, timezone="Europe/Moscow") as h:
        async with h.pool.connection() as conn:
            # What the wizard records for a campaign started now, and for one given a time.
            await audit.record(
                conn, OWNER, "campaign.create", "campaign", 1,
                account_id=1, start_at=None, batch_id=2, template_id=3, rate=20.0, retry_limit=3,
            )  # fmt: skip
            at = "2030-03-05T06:00:00+00:00"
            await audit.record(conn, OWNER, "campaign.schedule", "campaign", 2, at=at)
            await audit.record(
                conn, None, "account.flood_wait", "account", 1,
                seconds=30, until="2030-03-05T06:00:30+00:00",
            )  # fmt: skip
            await audit.record(
                conn, OWNER, "batch.rename", "batch", 2, old="Shops", new="Shops & <2>"
            )
            await audit.record(
                conn, OWNER, "batch.create", "batch", 3, channels=5, new=2, invalid=0
            )
            await audit.record(
                conn, OWNER, "template.create", "template", 4, kind="photo", size=2048
            )
            await audit.record(
                conn, None, "channel.deactivated", "channel", 5,
                code="CHANNEL_PRIVATE", count=5, ref="shop_news",
            )  # fmt: skip
            await audit.record(
                conn, None, "account.stopped", "account", 1, reason="SESSION_REVOKED"
            )
            await audit.record(conn, OWNER, "campaign.pause", "campaign", 1, empty="", nothing=[])
        await h.send(OWNER, "/audit")
        await h.send(OWNER, "/audit", lang="ru")
        english, russian = h.session.sent_texts()
    header, *rows = english.split("\n")
    assert header == "<b>Latest changes</b> (Europe/Moscow)"
    details = [row.split(" · ", 3)[-1] for row in rows]
    assert details == [
        "campaign #1",
        "account #1 (reason: The account's session was ended: log in again (predlagator login))",
        "channel #5 (channel shop_news, reason: The channel is private, or the account was "
        "removed from it, in a row: 5)",
        "template #4 (kind: photo, size: 2 KB)",
        "batch #3 (channels: 5, new channels: 2, invalid: 0)",
        "batch #2 (renamed «Shops» → «Shops &amp; &lt;2&gt;»)",  # escaped, once
        "account #1 (wait 30 s, until 2030-03-05 09:00)",
        "campaign #2 (at 2030-03-05 09:00)",
        "campaign #1 (batch #2, template #3, account #1, 20/min, retry limit 3)",
    ]
    # The entries' own times are in the zone too.
    now = datetime.now(ZoneInfo("Europe/Moscow")).strftime("%m-%d")
    assert all(row.startswith(now) for row in rows)
    assert "None" not in english and "=" not in english
    ru_details = [row.split(" · ", 3)[-1] for row in russian.split("\n")[1:]]
    assert ru_details[-1] == (
        "campaign #1 (пакет #2, шаблон #3, аккаунт #1, 20/мин, повторов не больше 3)"
    )
    assert ru_details[6] == "account #1 (ждать 30 сек, до 2030-03-05 09:00)"
    assert ru_details[2] == (
        "channel #5 (канал shop_news, причина: Канал закрыт, или аккаунт из него удалён, подряд: 5)"
    )
