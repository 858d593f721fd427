"""What the login dialog takes for a phone number and for a typed code."""

from __future__ import annotations

import pytest

from predlagator.bot.accounts.login import parse_phone
from predlagator.bot.accounts.login_answers import parse_code
from predlagator.bot.accounts.login_texts import mask


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("+49 170 1234567", "+491701234567"),
        (" +7-912-345-67-89 ", "+79123456789"),
        ("+1234567", "+1234567"),
        ("+123456789012345", "+123456789012345"),
        ("+123456", None),  # 6 digits
        ("+1234567890123456", None),  # 16 digits
        ("491701234567", None),
        ("+49 (170) 1234567", None),
        ("+４９１７０１２３４５６７", None),  # full-width digits
        ("+", None),
        ("", None),
    ],
)
def test_a_phone_is_a_plus_and_7_to_15_digits(typed: str, phone: str | None) -> None:
    assert parse_phone(typed) == phone


@pytest.mark.parametrize(
    ("typed", "length", "code"),
    [
        ("1 2 3 4 5", 5, "12345"),
        ("1-2-3-4-5", 5, "12345"),
        ("12.345", 5, "12345"),
        ("12345", None, "12345"),
        ("1 2 3 4", 5, None),
        ("1 2 3 4 5 6", 5, None),
        ("１２３４５", 5, None),
        ("one two", None, None),
        ("123", None, None),
        ("", 5, None),
    ],
)
def test_a_code_is_its_digits_whatever_separates_them(
    typed: str, length: int | None, code: str | None
) -> None:
    assert parse_code(typed, length) == code


def test_a_phone_shown_back_keeps_only_its_country_code_and_last_digits() -> None:
    assert mask("+491701234567") == "+49••••••••67"
