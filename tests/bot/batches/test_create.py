"""Channel lists become batches; the reply counts new, known, duplicate and invalid lines."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.db import batches
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.fakes.bot_api import OPERATOR, OWNER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


async def test_list_with_valid_duplicate_and_invalid_lines(h: BotHarness) -> None:
    text = "@alpha_news\nhttps://t.me/Beta_News\n@ALPHA_NEWS\n@bad\nt.me/+InviteHash42\n<b>x</b>"
    await h.send(OWNER, text)
    [reply] = h.session.sent_texts()
    assert reply == (
        "Batch #1 «Batch 1» saved: 3 channels (3 new, 0 already known).\n"
        "Duplicates merged: 1.\n\n"
        "Skipped 2 invalid lines:\n"
        "• @bad: a username is 5 to 32 characters\n"
        "• &lt;b&gt;x&lt;/b&gt;: not a channel reference"
    )
    async with h.pool.connection() as conn:
        refs = [c.ref for c in await batches.list_channels(conn, 1)]
    assert refs == ["alpha_news", "beta_news", "+InviteHash42"]
    [entry] = await h.rows("SELECT actor_id, action, object_id, details FROM audit_log")
    assert entry == {
        "actor_id": OWNER,
        "action": "batch.create",
        "object_id": 1,
        "details": {"channels": 3, "new": 3, "invalid": 2},
    }


async def test_second_list_counts_known_channels_and_takes_a_name(h: BotHarness) -> None:
    await h.add(OPERATOR, Role.OPERATOR)
    await h.send(OWNER, "@alpha_news\n@beta_news")
    await h.send(OPERATOR, "name: Новости <RU>\n@beta_news, @gamma_news\n-1001234567890", lang="ru")
    assert h.session.sent_texts()[1] == (
        "Пакет #2 «Новости &lt;RU&gt;» сохранён: каналов 3 (новых 2, уже известных 1)."
    )
    async with h.pool.connection() as conn:
        batch = await batches.get(conn, 2)
    assert batch is not None and batch.name == "Новости <RU>" and batch.created_by == OPERATOR


async def test_only_invalid_references_save_nothing(h: BotHarness) -> None:
    before = await h.counts()
    await h.send(OWNER, "@abc\n@1bad_name")
    [reply] = h.session.sent_texts()
    assert reply.startswith("No valid channels in this list, so nothing was saved.")
    assert "• @abc: a username is 5 to 32 characters" in reply
    assert "• @1bad_name: a username starts with a letter" in reply
    assert await h.counts() == before


async def test_long_invalid_list_is_trimmed(h: BotHarness) -> None:
    lines = [f"@valid_channel_{i}" for i in range(40)] + [f"@x{i}" for i in range(25)]
    await h.send(OWNER, "\n".join(lines))
    [reply] = h.session.sent_texts()
    assert "Skipped 25 invalid lines:" in reply
    assert reply.count("• @x") == 20
    assert reply.endswith("…and 5 more")


async def test_list_over_the_cap_is_refused(h: BotHarness) -> None:
    before = await h.counts()
    await h.send(OWNER, "\n".join(f"@channel_{i:05d}" for i in range(10_001)))
    assert h.session.sent_texts() == [
        "This list has 10001 entries; a batch holds at most 10000. Split it and send the parts."
    ]
    assert await h.counts() == before
