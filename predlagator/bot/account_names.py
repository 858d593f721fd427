"""Accounts as every screen names them: the name, marked when the account is simulated."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Protocol

from predlagator.bot.texts import cut, t, tn

# How many accounts a list names; the rest are counted.
NAMED = 10
# Account names are the operators' own; a line repeats this much of one.
NAME_CHARS = 32


class Named(Protocol):
    """Anything with an account's name and kind."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...


def account_label(lang: str, account: Named) -> str:
    """An account's name as HTML, with "🧪 simulated" when it never reaches Telegram."""
    name = html.escape(cut(account.name, NAME_CHARS))
    if account.kind == "simulated":  # the accounts screens' own mark
        return name + " " + t(lang, "🧪 simulated")
    return name


def account_names(lang: str, accounts: Sequence[Named]) -> str:
    """ "a, b (simulated), c" as HTML, or the first ten and "and N more"."""
    names = ", ".join(account_label(lang, a) for a in accounts[:NAMED])
    rest = len(accounts) - NAMED
    if rest > 0:
        names += " " + tn(lang, "and {n} more", "and {n} more", rest)
    return names
