"""The longest input Telegram lets an operator send never makes a reply Telegram would refuse.

The Bot API fake refuses any text over 4,096 characters, caption over 1,024 and callback
answer over 200 (tests/fakes/bot_limits.py), as Telegram does; here every command of the menu,
a plain message and every typed answer get the longest input, and each must be answered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.exceptions import TelegramBadRequest

from predlagator.bot.batches.keyboards import BatchEdit
from predlagator.bot.home.menu import COMMANDS
from predlagator.bot.templates.keyboards import TemplateAction
from predlagator.db.pool import Pool
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness
from tests.fakes.bot_limits import MAX_TEXT, too_long
from tests.wizard_steps import material

# Plain, escaped in HTML, and two UTF-16 units a character (Telegram counts those).
FILLERS = {"ascii": "x", "html": "<&", "emoji": "😀"}


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await material(harness)
        yield harness


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def longest(prefix: str, filler: str) -> str:
    """`prefix` and then `filler` up to the 4,096 UTF-16 units a message may hold."""
    body = filler * ((MAX_TEXT - units(prefix)) // units(filler))
    for char in filler:
        if units(prefix + body + char) <= MAX_TEXT:
            body += char
    assert MAX_TEXT - units(filler) < units(prefix + body) <= MAX_TEXT
    return prefix + body


def assert_answered_within_limits(h: BotHarness, sent: str) -> None:
    replies = [name for name, _ in h.session.calls if name != "getFile"]
    assert replies, f"no answer to {sent[:40]!r}"
    for name, params in h.session.calls:
        assert too_long(name, params) is None, (name, sent[:40])
    h.session.reset()


@pytest.mark.parametrize("filler", FILLERS.values(), ids=FILLERS.keys())
async def test_every_command_with_the_longest_argument(h: BotHarness, filler: str) -> None:
    refused: dict[str, str] = {}
    for command in COMMANDS:
        sent = longest(f"/{command} ", filler)
        try:
            await h.send(OWNER, sent)
            assert_answered_within_limits(h, sent)
        except (TelegramBadRequest, AssertionError) as error:
            refused[command] = str(error)
        await h.send(OWNER, "/cancel")  # /new_campaign waits for a name; the rest ignore it
        h.session.reset()
    assert refused == {}


@pytest.mark.parametrize("filler", FILLERS.values(), ids=FILLERS.keys())
async def test_commands_with_several_arguments_the_last_or_first_longest(
    h: BotHarness, filler: str
) -> None:
    shapes = [
        longest("/test 1 ", filler),
        longest("/test ", filler)[:-3] + " me",
        longest("/operators add ", filler),
        longest("/operators add 12345 ", filler),
        longest("/operators add ", "9"),
        longest("/operators add -", "9"),
        longest("/report #", "9"),
        longest("/pause ", "9"),
        longest("/start_campaign #", "9"),
    ]
    for sent in shapes:
        for lang in ("en", "ru"):
            await h.send(OWNER, sent, lang=lang)
            assert_answered_within_limits(h, sent)


@pytest.mark.parametrize("filler", FILLERS.values(), ids=FILLERS.keys())
async def test_the_longest_plain_message(h: BotHarness, filler: str) -> None:
    for sent in (longest("", filler), longest("name: ", filler), longest("@", filler)):
        await h.send(OWNER, sent)
        assert_answered_within_limits(h, sent)


@pytest.mark.parametrize("filler", FILLERS.values(), ids=FILLERS.keys())
async def test_every_typed_answer_with_the_longest_input(h: BotHarness, filler: str) -> None:
    sent = longest("", filler)
    await h.send(OWNER, "/new_campaign")
    h.session.reset()
    await h.send(OWNER, sent)  # the campaign's name
    assert_answered_within_limits(h, sent)
    await h.send(OWNER, "/cancel")
    for action in ("rename", "add", "remove"):
        await h.press(OWNER, BatchEdit(id=1, action=action).pack())
        h.session.reset()
        await h.send(OWNER, sent)
        assert_answered_within_limits(h, sent)
        await h.send(OWNER, "/cancel")
    await h.press(OWNER, TemplateAction(id=1, action="rename").pack())
    h.session.reset()
    await h.send(OWNER, sent)
    assert_answered_within_limits(h, sent)
