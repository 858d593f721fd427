"""Numbers the engine decides with: retry backoff, error limit, pacing jitter, the day's zone."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from predlagator.config import Settings


@dataclass(frozen=True)
class Policy:
    """Retry, pacing and daily-cap knobs, from settings."""

    retry_base_s: float = 5.0
    retry_factor: float = 2.0
    channel_error_limit: int = 5
    pacing_jitter: float = 0.0
    # The IANA zone whose midnight starts an account's day (its daily cap).
    timezone: str = "UTC"

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        """Take the knobs from the loaded settings."""
        return cls(
            retry_base_s=settings.retry_base_s,
            retry_factor=settings.retry_factor,
            channel_error_limit=settings.channel_error_limit,
            pacing_jitter=settings.pacing_jitter,
            timezone=settings.timezone,
        )

    def next_midnight(self, now: datetime) -> datetime:
        """The start of the day after `now`'s, in the policy's zone."""
        zone = ZoneInfo(self.timezone)
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(tomorrow, time(0), tzinfo=zone)

    def backoff_s(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before retry number `attempt` (1-based): base × factor^(n−1), ±20% jitter."""
        delay = self.retry_base_s * self.retry_factor ** max(attempt - 1, 0)
        # Jitter spreads retries of many channels that failed together (an outage).
        return delay * (rng or random).uniform(0.8, 1.2)
