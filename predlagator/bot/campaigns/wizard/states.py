"""The wizard's steps and what it has gathered so far."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from aiogram.fsm.state import State, StatesGroup
from pydantic import BaseModel

# The wizard keeps its state under its own destiny, so another dialog (a rename, say) started
# in the middle of it neither overwrites nor ends it.
DESTINY = "new_campaign"

STEPS = ("name", "batch", "template", "account", "rate", "retry", "start", "confirm")
# The start step's Repeat branch (a recurring campaign), between start and confirm: how rounds
# follow each other, their count or last day, and whether the previous post goes first.
REPEAT_STEPS = (
    "repeat",
    "repeat_every",
    "repeat_days",
    "repeat_at",
    "repeat_end",
    "repeat_delete",
)
# Where each leads and where Back returns from it (every N hours or days, or weekdays at a time).
_REPEAT_NEXT = {
    "repeat_every": "repeat_end",
    "repeat_at": "repeat_end",
    "repeat_end": "repeat_delete",
}
_REPEAT_BACK = {
    "repeat": "start",
    "repeat_every": "repeat",
    "repeat_days": "repeat",
    "repeat_at": "repeat_days",
    "repeat_delete": "repeat_end",
}
# Steps answered by typing (with suggestions on buttons); the rest by buttons only.
TYPED = frozenset({"name", "rate", "retry", "start", "repeat_every", "repeat_at", "repeat_end"})


class NewCampaign(StatesGroup):
    """One state per step of /new_campaign."""

    name = State()
    batch = State()
    template = State()
    account = State()
    rate = State()
    retry = State()
    start = State()
    confirm = State()
    repeat = State()
    repeat_every = State()
    repeat_days = State()
    repeat_at = State()
    repeat_end = State()
    repeat_delete = State()


def next_step(step: str) -> str:
    """The step after `step` (the account step is skipped later if there is no choice)."""
    if step in _REPEAT_NEXT:
        return _REPEAT_NEXT[step]
    if step in REPEAT_STEPS:
        return "confirm"
    return STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]


def state_of(step: str) -> State:
    """The FSM state of a step."""
    state: State = getattr(NewCampaign, step)
    return state


def stored(step: str) -> str:
    """The state name the storage keeps for a step."""
    return f"{NewCampaign.__name__}:{step}"


def step_of(raw_state: str | None) -> str | None:
    """The step of a stored state name, or None outside the wizard."""
    group, _, step = (raw_state or "").partition(":")
    known = step in STEPS or step in REPEAT_STEPS
    return step if group == NewCampaign.__name__ and known else None


def new_token() -> str:
    """A short random id for one run of the wizard; its buttons carry it."""
    return secrets.token_hex(4)


class Draft(BaseModel):
    """The answers so far; stored as the wizard's FSM data (JSON)."""

    token: str
    name: str | None = None
    batch_id: int | None = None
    template_id: int | None = None
    account_id: int | None = None  # the first account chosen (a draft from before: the only one)
    # Every account chosen, in the pool's order; None in a draft saved before accounts could be
    # several, whose account_id alone is the choice.
    account_ids: list[int] | None = None
    choose_account: bool = False  # several accounts were offered, so Back returns there
    rate: float | None = None  # the cap typed or pressed
    no_cap: bool = False  # several accounts, no cap: their paces together
    retry_limit: int | None = None
    start_at: datetime | None = None  # None: start as soon as it is confirmed
    # A recurring campaign's rule (predlagator/recurrence.py, as stored), once its last
    # question is answered; `rule` holds the answers so far.
    repeat: dict[str, Any] | None = None
    rule: dict[str, Any] = {}

    def chosen(self) -> list[int]:
        """The accounts the campaign will send through (none yet: the one TG_SESSION signs in)."""
        if self.account_ids is not None:
            return list(self.account_ids)
        return [self.account_id] if self.account_id is not None else []

    def uncapped(self) -> bool:
        """No cap on the campaign's pace: chosen with several accounts."""
        return self.no_cap and len(self.chosen()) > 1

    def dump(self) -> dict[str, Any]:
        """The FSM data to store."""
        return self.model_dump(mode="json")

    def previous(self, step: str) -> str:
        """The step Back leads to (the account step only if it was offered)."""
        if step == "repeat_end":
            return "repeat_at" if self.rule.get("kind") == "weekdays" else "repeat_every"
        if step in _REPEAT_BACK:
            return _REPEAT_BACK[step]
        if step == "confirm" and self.repeat is not None:
            return "repeat_delete"
        index = STEPS.index(step)
        before = STEPS[max(index - 1, 0)]
        if before == "account" and not self.choose_account:
            return "template"
        return before
