"""Dialog states of post actions."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class PostActionInput(StatesGroup):
    """Waiting for the new version of the post of the campaign kept in the state's data."""

    new_version = State()
