"""The questions of the start step's Repeat branch, each with its buttons."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from predlagator import recurrence
from predlagator.bot.campaigns.wizard.keyboards import Buttons
from predlagator.bot.campaigns.wizard.states import Draft
from predlagator.bot.rounds_view import WEEKDAYS
from predlagator.bot.texts import t

EVERY_HOURS = (1, 6, 12, 24)
EVERY_DAYS = (1, 2, 7)
TIMES = ("09:00", "12:00", "18:00")
ROUNDS = (3, 5, 10, 30)


def repeat_prompt(
    step: str, draft: Draft, lang: str, zone: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The question of a Repeat step and its buttons."""
    buttons = Buttons(draft.token, step, lang)
    rule = draft.rule
    if step == "repeat":
        text = t(lang, "Repeat the campaign in rounds? Each round posts again to every channel.")
        kinds = [
            [buttons.button(t(lang, "Every N hours"), "value", recurrence.Kind.HOURS.value)],
            [buttons.button(t(lang, "Every N days"), "value", recurrence.Kind.DAYS.value)],
            [buttons.button(t(lang, "On weekdays at a time"), "value", "weekdays")],
            [buttons.button(t(lang, "Send once"), "value", "once")],
        ]
        return text, buttons.markup(kinds, buttons.nav())
    if step == "repeat_every":
        hours = rule.get("kind") == recurrence.Kind.HOURS.value
        if hours:
            text = t(
                lang,
                "Every how many hours? Send a number from 1 to {max}.",
                max=recurrence.MAX_EVERY_HOURS,
            )
        else:
            text = t(
                lang,
                "Every how many days? Send a number from 1 to {max}.",
                max=recurrence.MAX_EVERY_DAYS,
            )
        options: list[tuple[str, object]] = [
            (str(n), n) for n in (EVERY_HOURS if hours else EVERY_DAYS)
        ]
        return text, buttons.markup(buttons.values(options, rule.get("every")), buttons.nav())
    if step == "repeat_days":
        ticked = set(rule.get("weekdays", []))
        text = t(lang, "On which days? Tick them, then press Done.")
        days = [
            buttons.button(("☑️ " if d in ticked else "⬜ ") + t(lang, name), "value", f"d{d}")
            for d, name in enumerate(WEEKDAYS)
        ]
        done = [[buttons.button(t(lang, "➡️ Done"), "value", "ok")]]
        return text, buttons.markup([days[:4], days[4:]], done, buttons.nav())
    if step == "repeat_at":
        text = t(lang, "At what time ({zone})? Send it as HH:MM.", zone=zone)
        # ":" separates callback data's fields: the value carries "09.00".
        times: list[tuple[str, object]] = [(at, at.replace(":", ".")) for at in TIMES]
        return text, buttons.markup(
            buttons.values(times, str(rule.get("at", "")).replace(":", ".")), buttons.nav()
        )
    if step == "repeat_end":
        text = t(
            lang,
            "How many rounds in all (from 2 to {max})? Or send the last day a round may start, "
            "as YYYY-MM-DD.",
            max=recurrence.MAX_ROUNDS,
        )
        counts: list[tuple[str, object]] = [(str(n), n) for n in ROUNDS]
        return text, buttons.markup(buttons.values(counts, rule.get("rounds")), buttons.nav())
    text = t(lang, "Delete the previous round's post just before posting the new one?")
    choice = [
        [
            buttons.button(t(lang, "🗑 Yes, delete it"), "value", "yes"),
            buttons.button(t(lang, "Keep it"), "value", "no"),
        ]
    ]
    return text, buttons.markup(choice, buttons.nav())
