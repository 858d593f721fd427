"""TIMEZONE: an IANA zone name, UTC by default; anything else is one line naming the setting."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from predlagator.config import ConfigError, load_settings


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
