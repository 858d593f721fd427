"""An audit entry of a campaign over several accounts reads in words, in both languages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from predlagator.bot.access.audit_details import details

UTC = ZoneInfo("UTC")


def test_further_accounts_and_no_cap_in_words() -> None:
    found = {"account_id": 1, "more_accounts": [2, 3], "pace_uncapped": True, "rate": None}
    assert details("en", found, UTC) == (
        "account #1, more accounts: #2, #3, no cap on the pace: yes"
    )
    assert details("ru", found, UTC) == (
        "аккаунт #1, другие аккаунты: #2, #3, скорость без ограничения: да"
    )
