"""Access: strangers get one refusal and change nothing; operators get their language."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.bot.campaigns.keyboards import CampaignAction
from predlagator.db import operators
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.fakes.bot_api import OPERATOR, OWNER, STRANGER, VIEWER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


async def test_stranger_message_is_refused_once_and_writes_nothing(h: BotHarness) -> None:
    before = await h.counts()
    await h.send(STRANGER, "@some_channel\n@other_channel")
    await h.send(STRANGER, "/start")
    await h.send(STRANGER, "A post that would be a template")
    assert h.session.sent_texts() == ["This is a private bot. Ask its owner to add you."]
    assert [name for name, _ in h.session.calls] == ["sendMessage"]
    assert await h.counts() == before


async def test_stranger_refused_in_russian(h: BotHarness) -> None:
    await h.send(STRANGER, "/start", lang="ru-RU")
    assert h.session.sent_texts() == ["Это частный бот. Попросите владельца добавить вас."]


async def test_stranger_button_press_is_answered_silently(h: BotHarness) -> None:
    before = await h.counts()
    await h.press(STRANGER, CampaignAction(id=1, action="pause").pack())
    assert [name for name, _ in h.session.calls] == ["answerCallbackQuery"]
    assert h.session.answers() == [None]
    assert await h.counts() == before


async def test_owners_are_synced_and_operators_remember_their_language(h: BotHarness) -> None:
    await h.add(OPERATOR, Role.OPERATOR)
    await h.send(OPERATOR, "/help", lang="ru")
    async with h.pool.connection() as conn:
        owner = await operators.get(conn, OWNER)
        operator = await operators.get(conn, OPERATOR)
    assert owner is not None and owner.role is Role.OWNER
    assert operator is not None and operator.language == "ru"
    assert "публикует ваш пост" in h.session.sent_texts()[0]


async def test_owner_added_to_settings_later_is_let_in(pool: Pool) -> None:
    async with bot_harness(pool, owner_ids=[OWNER, 555]) as h:
        async with pool.connection() as conn:
            await conn.execute("DELETE FROM operators WHERE user_id = 555")
        await h.send(555, "/start")
        async with pool.connection() as conn:
            newcomer = await operators.get(conn, 555)
    assert newcomer is not None and newcomer.role is Role.OWNER
    assert "posts your message" in h.session.sent_texts()[0]


async def test_viewer_may_look_but_not_change(h: BotHarness) -> None:
    await h.add(VIEWER, Role.VIEWER)
    before = await h.counts()
    await h.send(VIEWER, "/batches")
    await h.send(VIEWER, "@first_channel\n@second_channel")
    await h.send(VIEWER, "Buy our stuff")
    await h.send(VIEWER, "/new_campaign")
    await h.press(VIEWER, CampaignAction(id=1, action="pause").pack())
    assert h.session.sent_texts() == [
        "No batches yet. Send a list of channels to make one.",
        *["You can look, but viewers can't change anything."] * 3,
    ]
    assert h.session.answers() == ["You can look, but viewers can't change anything."]
    assert await h.counts() == before
