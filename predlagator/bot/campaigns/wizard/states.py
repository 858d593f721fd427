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
# Steps answered by typing (with suggestions on buttons); the rest by buttons only.
TYPED = frozenset({"name", "rate", "retry", "start"})


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


def next_step(step: str) -> str:
    """The step after `step` (the account step is skipped later if there is no choice)."""
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
    return step if group == NewCampaign.__name__ and step in STEPS else None


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
        index = STEPS.index(step)
        before = STEPS[max(index - 1, 0)]
        if before == "account" and not self.choose_account:
            return "template"
        return before
