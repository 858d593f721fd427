"""The Repeat branch's answers, pressed or typed, into the draft; a refusal in words if bad."""

from __future__ import annotations

from datetime import date

from predlagator import recurrence
from predlagator.bot.campaigns.wizard.states import Draft
from predlagator.bot.texts import N_, t

# Why a typed value was not taken, by recurrence.BadValue's code.
REFUSALS = {
    "not_a_number": N_("Send a whole number, like 6."),
    "every_range": N_("That is out of range. Send a number from 1 to {max}."),
    "rounds_range": N_("Send a number of rounds from 2 to {max}."),
    "time_format": N_("Send the time as HH:MM, like 09:30."),
    "time_range": N_("There is no such time of day. Send it as HH:MM, like 09:30."),
    "until_past": N_("That day has already passed. Send today or a later day."),
    "date_format": N_("Send a number of rounds, like 10, or the last day as YYYY-MM-DD."),
}
NO_DAY = N_("Tick at least one day.")


def refusal(bad: recurrence.BadValue, lang: str, kind: str | None = None) -> str:
    """A BadValue in the operator's words."""
    top = recurrence.MAX_EVERY_HOURS if kind == "hours" else recurrence.MAX_EVERY_DAYS
    if bad.code == "rounds_range":
        top = recurrence.MAX_ROUNDS
    return t(lang, REFUSALS[bad.code], max=top)


def apply(draft: Draft, step: str, value: str, lang: str, today: date) -> str | None:
    """Take the answer of a Repeat step (typed or pressed); the refusal if it is not valid."""
    rule = draft.rule
    try:
        if step == "repeat_every":
            kind = recurrence.Kind(rule.get("kind", "hours"))
            rule["every"] = recurrence.parse_every(value, kind)
        elif step == "repeat_at":
            rule["at"] = recurrence.parse_time(value).strftime("%H:%M")
        elif step == "repeat_end":
            end = value.strip()
            if end.isdigit():
                rule["rounds"], rule["until"] = recurrence.parse_rounds(end), None
            elif any(c.isdigit() for c in end) and ("-" in end or "." in end or "/" in end):
                until = recurrence.parse_until(end, today)
                rule["until"], rule["rounds"] = until.isoformat(), None
            else:
                raise recurrence.BadValue("date_format")
    except recurrence.BadValue as bad:
        return refusal(bad, lang, rule.get("kind"))
    return None


def choose_kind(draft: Draft, value: str) -> str | None:
    """The kind pressed at the Repeat step: the step it leads to, None for a bad press."""
    if value == "once":
        draft.repeat, draft.rule = None, {}
        return "confirm"
    if value not in {k.value for k in recurrence.Kind}:
        return None
    if draft.rule.get("kind") != value:
        draft.rule = {"kind": value}
    return "repeat_days" if value == recurrence.Kind.WEEKDAYS.value else "repeat_every"


def toggle_day(draft: Draft, value: str) -> bool:
    """Tick or untick a weekday pressed ("d0" Monday … "d6"); False for a bad press."""
    if len(value) != 2 or value[0] != "d" or value[1] not in "0123456":
        return False
    days = set(draft.rule.get("weekdays", []))
    days ^= {int(value[1])}
    draft.rule["weekdays"] = sorted(days)
    return True


def finish(draft: Draft, delete_previous: bool) -> None:
    """The last answer: the rule is whole, and the summary shows it."""
    draft.rule["delete_previous"] = delete_previous
    draft.repeat = recurrence.Rule.model_validate(draft.rule).to_json()
