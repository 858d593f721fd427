"""Telethon's own sleeps, recorded instead of slept.

Telethon sleeps 2 s inside `telethon.client.users` before retrying a server error, and there
too on flood waits under its threshold. Tests replace that module's `asyncio` with a recorder:
they stay fast, and they can prove the flood path never sleeps.

Import the fixture into a test module (`from tests.fakes.telethon_sleeps import
telethon_sleeps_fixture`) and ask for it as `telethon_sleeps`.
"""

from __future__ import annotations

import pytest
import telethon.client.users


class RecordedSleeps:
    """Stands in for the `asyncio` module inside telethon.client.users: sleeps are recorded."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture(name="telethon_sleeps")
def telethon_sleeps_fixture(monkeypatch: pytest.MonkeyPatch) -> RecordedSleeps:
    """Record Telethon's sleeps for the test instead of sleeping them."""
    sleeps = RecordedSleeps()
    monkeypatch.setattr(telethon.client.users, "asyncio", sleeps)
    return sleeps
