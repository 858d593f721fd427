"""Shared words: durations (seconds under two minutes) and labels cut at a word boundary."""

from __future__ import annotations

import pytest

from predlagator.bot.texts import cut, duration

JACKET = "Big spring sale on every winter jacket…"


@pytest.mark.parametrize(
    ("minutes", "en", "ru"),
    [
        (0, "0 s", "0 сек"),
        (0.7 / 60, "0 s", "0 сек"),
        (29.9 / 60, "29 s", "29 сек"),
        (0.5, "30 s", "30 сек"),
        (59 / 60, "59 s", "59 сек"),
        (1, "1 min", "1 мин"),
        (1.5, "1 min 30 s", "1 мин 30 сек"),
        (119 / 60, "1 min 59 s", "1 мин 59 сек"),
        (2, "2 min", "2 мин"),
        (2.4, "2 min", "2 мин"),
        (12.5, "13 min", "13 мин"),
        (59.6, "1 h", "1 ч"),
        (60, "1 h", "1 ч"),
        (125, "2 h 5 min", "2 ч 5 мин"),
        (24 * 60 + 1, "24 h 1 min", "24 ч 1 мин"),
    ],
)
def test_duration_shows_seconds_under_two_minutes(minutes: float, en: str, ru: str) -> None:
    assert (duration("en", minutes), duration("ru", minutes)) == (en, ru)


def test_duration_of_a_negative_span_is_nothing() -> None:
    assert duration("en", -3) == "0 s"


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        ("Spring sale", 40, "Spring sale"),
        ("x" * 40, 40, "x" * 40),
        # Cut between words, never inside one; the ellipsis marks the cut.
        ("Big spring sale on every winter jacket and boot", 40, JACKET),
        ("Big spring sale on every winter jacket, and boots", 40, JACKET),
        ("#12 Autumn", 8, "#12…"),
        # A word longer than half the room is cut inside rather than lose most of the label.
        ("#3 " + "a" * 50, 20, "#3 " + "a" * 16 + "…"),
        ("Supercalifragilistic", 10, "Supercali…"),
        # Whitespace is kept as it is when the text fits, trimmed before the ellipsis.
        ("Sale   now on   every day of the week", 20, "Sale   now on…"),
    ],
)
def test_cut_at_a_word_boundary(text: str, limit: int, shown: str) -> None:
    assert cut(text, limit) == shown
    assert len(cut(text, limit)) <= limit
