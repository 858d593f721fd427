"""Strangers and viewers pressing the post actions' buttons or sending their commands: refused,
and nothing changes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.db import actions
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.actions_world import CARD, pa, posted
from tests.fakes.bot_api import OWNER, STRANGER, VIEWER, BotHarness, bot_harness

PRESSES = [
    pa("edit"),
    pa("delete"),
    pa("pin"),
    pa("unpin"),
    pa("delete_yes"),
    pa("pin_yes"),
    pa("loud", loud=True),
    pa("no"),
    pa("pause", action=1),
    pa("resume", action=1),
    pa("cancel", action=1),
    pa("cancel_yes", action=1),
    pa("keep", action=1),
]
COMMANDS = ["/edit 1", "/delete 1", "/pin 1", "/unpin 1"]
VIEWER_REFUSAL = "You can look, but viewers can't change anything."


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        await posted(harness)
        # An action under way, for the controls to aim at.
        await harness.send(OWNER, "/pin 1")
        await harness.press(OWNER, pa("pin_yes"), message_id=900)
        async with pool.connection() as conn:
            [action] = await actions.of_campaign(conn, 1)
        assert action.id == 1
        harness.session.reset()
        yield harness


@pytest.mark.parametrize("data", PRESSES)
async def test_a_viewer_pressing_is_refused(h: BotHarness, data: str) -> None:
    before = await h.counts()
    await h.press(VIEWER, data, message_id=CARD)
    assert [(p.get("text"), p.get("show_alert")) for p in h.session.of("answerCallbackQuery")] == [
        (VIEWER_REFUSAL, True)
    ]
    assert [name for name, _ in h.session.calls] == ["answerCallbackQuery"]
    assert await h.counts() == before


@pytest.mark.parametrize("data", PRESSES)
async def test_a_stranger_pressing_gets_a_silent_answer(h: BotHarness, data: str) -> None:
    before = await h.counts()
    await h.press(STRANGER, data, message_id=CARD)
    assert h.session.answers() == [None]
    assert [name for name, _ in h.session.calls] == ["answerCallbackQuery"]
    assert await h.counts() == before


@pytest.mark.parametrize("command", COMMANDS)
async def test_viewers_and_strangers_sending_the_commands(h: BotHarness, command: str) -> None:
    before = await h.counts()
    await h.send(VIEWER, command)
    assert h.session.sent_texts() == [VIEWER_REFUSAL]
    h.session.reset()
    await h.send(STRANGER, command)
    assert h.session.sent_texts() == ["This is a private bot. Ask its owner to add you."]
    assert await h.counts() == before


async def test_a_viewer_is_not_left_waiting_for_a_new_version(h: BotHarness) -> None:
    await h.send(VIEWER, "/edit 1")
    h.session.reset()
    # The text is not taken as an edit; a viewer's post is refused as any change is.
    await h.send(VIEWER, "Sneaky new text")
    assert h.session.sent_texts() == [VIEWER_REFUSAL]
    async with h.pool.connection() as conn:
        assert [a.kind.value for a in await actions.of_campaign(conn, 1)] == ["pin"]
