"""Strangers: one refusal a day each, whatever they send and whichever bot process they reach."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from predlagator.bot.campaigns.keyboards import CampaignAction
from predlagator.bot.dispatcher import make_dispatcher
from predlagator.db.pool import Pool
from tests.fakes.bot_api import BotHarness, bot_harness, make_message_update

REFUSAL = "This is a private bot. Ask its owner to add you."
STRANGERS = range(5_000, 5_020)
MIDDLEWARE_LOG = "predlagator.bot.access.middleware"


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        yield harness


def refusal_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == MIDDLEWARE_LOG and r.levelno >= logging.INFO]


async def test_a_thousand_updates_from_twenty_strangers_bring_twenty_refusals(
    h: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=MIDDLEWARE_LOG)
    pause = CampaignAction(id=1, action="pause").pack()
    for i in range(50):
        for user_id in STRANGERS:
            if i % 2:
                await h.press(user_id, pause)
            else:
                await h.send(user_id, f"/start_campaign {i}")
    assert h.session.sent_texts() == [REFUSAL] * len(STRANGERS)
    assert {p["chat_id"] for p in h.session.of("sendMessage")} == set(STRANGERS)
    # Every press is answered (the client's spinner stops), silently.
    presses = h.session.of("answerCallbackQuery")
    assert len(presses) == 500
    assert all("text" not in p and not p.get("show_alert") for p in presses)
    assert len(h.session.calls) == 520
    lines = refusal_lines(caplog)
    assert len(lines) == len(STRANGERS)
    assert {getattr(r, "user_id", None) for r in lines} == set(STRANGERS)


async def test_a_stranger_is_refused_again_the_next_day_with_a_count(
    h: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=MIDDLEWARE_LOG)
    stranger = STRANGERS[0]
    for _ in range(3):
        await h.send(stranger, "hello?")
    await h.press(stranger, CampaignAction(id=1, action="pause").pack())
    assert h.session.sent_texts() == [REFUSAL]
    await h.rows(
        "UPDATE stranger_refusals SET refused_at = refused_at - interval '1 day' "
        "WHERE user_id = %s RETURNING user_id",
        stranger,
    )
    await h.send(stranger, "/start", lang="ru")
    assert h.session.sent_texts() == [
        REFUSAL,
        "Это частный бот. Попросите владельца добавить вас.",
    ]
    first, second = refusal_lines(caplog)
    assert getattr(first, "ignored", None) == 0
    assert getattr(second, "ignored", None) == 3  # two messages and a press in between


async def test_the_refusal_is_shared_by_every_bot_process(h: BotHarness) -> None:
    other = make_dispatcher(pool=h.pool, app=h.app, settings=h.settings)
    await h.send(STRANGERS[0], "/start")
    await other.feed_update(h.bot, make_message_update(STRANGERS[0], "/start"))
    assert h.session.sent_texts() == [REFUSAL]


async def test_a_strangers_first_press_gets_no_message_and_their_message_still_a_refusal(
    h: BotHarness,
) -> None:
    await h.press(STRANGERS[0], CampaignAction(id=1, action="pause").pack())
    assert h.session.sent_texts() == []
    assert h.session.answers() == [None]
    await h.send(STRANGERS[0], "/start")
    assert h.session.sent_texts() == [REFUSAL]
