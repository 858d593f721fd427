"""Digits Python's isdigit() takes but int() refuses ("²", "①") are no numbers: no traceback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.bot.campaigns.wizard.keyboards import WizardPress
from predlagator.db.pool import Pool
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness
from tests.wizard_steps import material, press_data, press_of, to_step


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await material(harness)
        yield harness


@pytest.mark.parametrize(
    ("sent", "answer"),
    [
        ("/pause ²", "No campaign called «²»."),
        ("/start_campaign #①", "No campaign called «#①»."),
        ("/report ²", "There is no campaign named “²”."),
        ("/test ² me", "No template is called «²». /templates lists them."),
    ],
)
async def test_a_command_with_odd_digits_takes_them_as_a_name(
    h: BotHarness, sent: str, answer: str
) -> None:
    before = await h.counts()
    await h.send(OWNER, sent)
    assert h.session.sent_texts() == [answer]
    assert await h.counts() == before


async def test_a_wizard_button_with_odd_digits_is_stale(h: BotHarness) -> None:
    await to_step(h, "batch")
    pick = press_of(h, "#1 Shops (3)")
    h.session.reset()
    await press_data(h, WizardPress(token=pick.token, step=pick.step, action="pick", value="²"))
    assert len(h.session.of("answerCallbackQuery")) == 1
