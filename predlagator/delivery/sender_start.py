"""Connecting the account's sender: patient while Telegram cannot be reached, final about a
session that cannot be used.

A network that is down (or a Telegram that does not answer) is waited out inside the process,
with capped backoff and one line at most once a minute: exiting would only have the
supervisor start the worker again every few seconds, each time with a traceback. A session
Telegram refuses is not waited out: only logging the account in again helps, so the worker
stops with one line naming the setting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from predlagator.config import ConfigError, Settings
from predlagator.db.connection import backoff
from predlagator.delivery.sender import ManagedSender, SessionRejected
from predlagator.telegram_errors import ErrorClass, TelegramFailure, classify

log = logging.getLogger(__name__)

# What the worker says when it cannot reach Telegram, and again at most every REPORT_EVERY_S.
UNREACHABLE = "Telegram cannot be reached; retrying"
REACHED = "Telegram reached"


@dataclass(frozen=True)
class Patience:
    """How long to wait between connects (doubling from `first_s` up to `max_s`, jittered)
    and how often to say so (`report_every_s`); the clock and the sleep can be replaced."""

    first_s: float = 1.0
    max_s: float = 30.0  # back within half a minute of the network
    report_every_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


PATIENCE = Patience()


async def start_sender(sender: ManagedSender, patience: Patience) -> None:
    """Start `sender`, retrying for as long as Telegram cannot be reached.

    Raises SessionRejected when Telegram refuses the session (an account-fatal error such as
    AUTH_KEY_UNREGISTERED or SESSION_REVOKED); any other failure is retried.
    """
    retries = backoff(patience.first_s, patience.max_s)
    failures = 0
    said_at: float | None = None
    while True:
        try:
            await sender.start()
        except TelegramFailure as failure:
            if classify(failure.code) is ErrorClass.ACCOUNT_FATAL:
                raise SessionRejected(
                    f"was refused by Telegram ({failure.code})", failure.code
                ) from None
            failures += 1
            delay = next(retries)
            now = patience.clock()
            if said_at is None or now - said_at >= patience.report_every_s:
                said_at = now
                log.warning(
                    UNREACHABLE,
                    extra={
                        "error": str(failure),
                        "attempts": failures,
                        "retry_in_s": round(delay, 1),
                    },
                )
            await patience.sleep(delay)
        else:
            if failures:
                log.info(REACHED, extra={"attempts": failures + 1})
            return


def refused(settings: Settings, rejected: SessionRejected) -> ConfigError:
    """The one line a session that cannot be used stops the worker with."""
    return ConfigError(
        f"{settings.session_setting()} {rejected}: run `predlagator login` to log the account "
        "in again, and point TG_SESSION_FILE at the file it writes."
    )
