"""TIMEZONE, SESSION_KEY, WORKER_MAX_ACCOUNTS: defaults, and a bad value as one line naming it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from predlagator.config import ConfigError, load_settings
from predlagator.session_vault import new_key


def test_default_is_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIMEZONE", raising=False)
    assert load_settings(None).zone == ZoneInfo("UTC")


def test_a_zone_name_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMEZONE", " Europe/Moscow ")
    settings = load_settings(None)
    assert (settings.timezone, settings.zone) == ("Europe/Moscow", ZoneInfo("Europe/Moscow"))


@pytest.mark.parametrize("value", ["Mars/Olympus", "Europe", "../../etc/passwd", "UTC+3"])
def test_an_unknown_zone_is_one_line(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TIMEZONE", value)
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    assert str(caught.value) == (
        f"TIMEZONE is invalid (Value error, unknown time zone {value!r}): "
        "an IANA time zone name like Europe/Moscow, or UTC."
    )


def test_worker_max_accounts_is_50_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKER_MAX_ACCOUNTS", raising=False)
    assert load_settings(None).worker_max_accounts == 50


@pytest.mark.parametrize(("value", "taken"), [("1", 1), ("1000", 1000)])
def test_worker_max_accounts_range_ends_are_taken(
    monkeypatch: pytest.MonkeyPatch, value: str, taken: int
) -> None:
    monkeypatch.setenv("WORKER_MAX_ACCOUNTS", value)
    assert load_settings(None).worker_max_accounts == taken


@pytest.mark.parametrize("value", ["0", "1001", "many"])
def test_worker_max_accounts_outside_its_range_is_one_line(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WORKER_MAX_ACCOUNTS", value)
    with pytest.raises(ConfigError, match=r"^WORKER_MAX_ACCOUNTS is invalid .*: how many accounts"):
        load_settings(None)


def test_a_session_key_is_taken_without_surrounding_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    key = new_key()
    monkeypatch.setenv("SESSION_KEY", f"  {key}\n")
    settings = load_settings(None)
    assert settings.session_key is not None
    assert settings.session_key.get_secret_value() == key


@pytest.mark.parametrize("value", ["not-a-key", "c2hvcnQ=", "ключ"])
def test_a_malformed_session_key_is_one_line_that_does_not_echo_it(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SESSION_KEY", value)
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    assert str(caught.value) == (
        "SESSION_KEY is invalid (Value error, not a Fernet key): "
        "run `predlagator session-key` and keep its output as SESSION_KEY."
    )
