"""Word from the job listener that a job came for an account, for its drain napping until its
next slot.

A drain whose next post is seconds away naps and then claims again, so that a campaign started
or resumed meanwhile, or an action, gets its turn at once. Claiming every half second costs
the database a few queries per account per second; with word of every kick (each such change
defers one onto the account's queue, and Procrastinate's trigger NOTIFYs it), a drain naps
until just before its slot and wakes early only when something came. Each account's count of
what was heard lets a drain skip looks for actions while nothing came for them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

from procrastinate.manager import get_channel_for_queues

from predlagator.queue import names


class Wakeups:
    """One flag per account, set by a notification on its queue's channel, and a count of them."""

    def __init__(self) -> None:
        self._flags: dict[str, asyncio.Event] = {}
        self._counts: Counter[str] = Counter()

    def heard(self, channel: str) -> None:
        """A notification came on `channel`: wake the drain of the account whose queue it is."""
        self._counts[channel] += 1
        flag = self._flags.get(channel)
        if flag is not None:
            flag.set()

    def count(self, account_id: int) -> int:
        """How many notifications came for the account so far: unchanged, nothing came."""
        return self._counts[_channel(account_id)]

    def clear(self, account_id: int) -> None:
        """The drain is about to look at what is due: what was heard so far, it will see."""
        self._flag(account_id).clear()

    async def nap(
        self, account_id: int, seconds: float, sleep: Callable[[float], Awaitable[None]]
    ) -> bool:
        """Wait `seconds` (by `sleep`), less if a job comes for the account meanwhile; True if
        one came (since the last `clear`)."""
        flag = self._flag(account_id)
        if flag.is_set():
            return True
        woken = asyncio.ensure_future(flag.wait())
        napped = asyncio.ensure_future(sleep(seconds))
        try:
            await asyncio.wait({woken, napped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (woken, napped):
                task.cancel()
            await asyncio.gather(woken, napped, return_exceptions=True)
        return flag.is_set()

    def _flag(self, account_id: int) -> asyncio.Event:
        return self._flags.setdefault(_channel(account_id), asyncio.Event())


def _channel(account_id: int) -> str:
    (channel,) = get_channel_for_queues([names.account_queue(account_id)])
    return channel
