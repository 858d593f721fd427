"""Every kind of button has a callback prefix of its own, or presses reach the wrong handler."""

from __future__ import annotations

from collections import Counter

from aiogram.filters.callback_data import CallbackData

from predlagator.bot.dispatcher import get_routers


def _kinds(cls: type[CallbackData]) -> list[type[CallbackData]]:
    return [kind for sub in cls.__subclasses__() for kind in [sub, *_kinds(sub)]]


def test_callback_prefixes_are_unique() -> None:
    get_routers()  # imports every feature, so every button kind is defined
    prefixes = Counter(kind.__prefix__ for kind in _kinds(CallbackData))
    assert len(prefixes) > 10
    assert [prefix for prefix, uses in prefixes.items() if uses > 1] == []
