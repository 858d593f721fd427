"""Driving /new_campaign through the real Dispatcher: presses by label, recorded questions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.filters.callback_data import CallbackData

from predlagator.bot.campaigns.wizard.keyboards import WizardPress
from tests.fakes.bot_api import OWNER, BotHarness

# The wizard's clock in these tests: a moment far enough ahead that a launch scheduled from it
# never comes due while a test runs (in Moscow it is 15:30).
NOW = datetime(2030, 3, 1, 12, 30, tzinfo=UTC)
# The message the tests press buttons on; edits must land on it.
PRESSED = 77


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback data) of every inline button in a recorded call."""
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def labels(params: dict[str, Any]) -> list[list[str]]:
    """Button labels row by row."""
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [[b["text"] for b in row] for row in rows]


def last_shown(h: BotHarness) -> dict[str, Any]:
    """The latest message the bot sent or edited."""
    shown = [p for name, p in h.session.calls if name in {"sendMessage", "editMessageText"}]
    assert shown, "the bot showed nothing"
    return shown[-1]


def text(h: BotHarness) -> str:
    """The text of the latest message the bot sent or edited."""
    return str(last_shown(h)["text"])


def data_of(h: BotHarness, label: str) -> str:
    """Callback data of the button `label` in the latest message that has it."""
    for name, params in reversed(h.session.calls):
        if name in {"sendMessage", "editMessageText"}:
            for found, data in buttons(params):
                if found == label:
                    return data
    raise AssertionError(f"no button {label!r}")


def press_of(h: BotHarness, label: str) -> WizardPress:
    """The wizard press behind the button `label`."""
    return WizardPress.unpack(data_of(h, label))


async def press(h: BotHarness, label: str, user: int = OWNER, lang: str = "en") -> None:
    """Press the button `label` of the latest message that has it."""
    await h.press(user, data_of(h, label), message_id=PRESSED, lang=lang)


async def press_data(
    h: BotHarness, data: CallbackData | str, user: int = OWNER, lang: str = "en"
) -> None:
    """Press a button made up by the test (forged, or an old one)."""
    packed = data if isinstance(data, str) else data.pack()
    await h.press(user, packed, message_id=PRESSED, lang=lang)


async def material(h: BotHarness) -> None:
    """A batch of three channels and a template, made by messages as an operator would."""
    await h.send(OWNER, "name: Shops\n@alpha_shop\n@beta_shop\n@gamma_shop")
    await h.send(OWNER, "Big sale")
    h.session.reset()


async def to_step(h: BotHarness, step: str, lang: str = "en") -> None:
    """Answer the wizard up to (not including) `step`, the usual way."""
    await h.send(OWNER, "/new_campaign", lang=lang)
    if step == "name":
        return
    await h.send(OWNER, "Spring sale", lang=lang)
    if step == "batch":
        return
    await press(h, "#1 Shops (3)", lang=lang)
    if step == "template":
        return
    await press(h, "#1 Big sale", lang=lang)
    if step in {"account", "rate"}:
        return
    await h.send(OWNER, "10", lang=lang)
    if step == "retry":
        return
    await h.send(OWNER, "2", lang=lang)
    if step == "start":
        return
    await press(h, "▶️ Now" if lang == "en" else "▶️ Сейчас", lang=lang)


async def wizard_row(h: BotHarness) -> dict[str, Any] | None:
    """The wizard's stored state and data (None once it has ended)."""
    rows = await h.rows(
        "SELECT chat_id, user_id, state, data FROM fsm_states WHERE destiny = 'new_campaign'"
    )
    assert len(rows) <= 1
    return rows[0] if rows else None


def last_answer(h: BotHarness) -> dict[str, Any]:
    """The latest answer to a button press."""
    answers = h.session.of("answerCallbackQuery")
    assert answers, "no press was answered"
    return answers[-1]
