"""The dialog states of /accounts: waiting for a typed pace, cap, or new account's details."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class AccountInput(StatesGroup):
    """Waiting for the operator's answer about the account (or new account) in the state's data."""

    pace = State()
    cap = State()
    sim_name = State()
    sim_options = State()
