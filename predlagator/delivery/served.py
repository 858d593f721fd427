"""The accounts this worker process serves: each one's sender and drain deps, its queue in the
Procrastinate worker's list, and the jobs running for it.

Procrastinate 3.10's Worker keeps the `queues` list it was given and hands that same object to
every fetch (`procrastinate_fetch_job_v2(queues)`), so appending an account's queue here lets
this process take its jobs from then on, and removing it stops that, without restarting the
worker or its running jobs. Its LISTEN channels it picks once, at its start: each change here
is therefore told (`on_change`) to the worker's connector, whose listener then LISTENs on the
list of now (job_listener.py), so an account taken later gets its wake-ups too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from predlagator.config import Settings
from predlagator.delivery.drain import DrainDeps
from predlagator.delivery.sender import ManagedSender
from predlagator.models import Account
from predlagator.queue import names

log = logging.getLogger(__name__)

# Jobs beside the held accounts' drains: their test sends, launches, reconciles, logins.
SPARE_JOBS = 4


def pool_size(settings: Settings) -> int:
    """Connections a worker's pool needs: a running drain keeps one for its whole run (so one
    per account served), and the other jobs share a few."""
    return settings.worker_max_accounts + 2 * SPARE_JOBS


@dataclass
class Held:
    """One account whose lock this process holds."""

    account: Account
    from_settings: bool = False  # its session is TG_SESSION's, not a stored one
    sender: ManagedSender | None = None
    deps: DrainDeps | None = None
    ready: bool = False  # connected and recovered: its jobs may run here
    start: asyncio.Task[None] | None = None
    jobs: set[asyncio.Task[object]] = field(default_factory=set)

    @property
    def queue(self) -> str:
        """The account's queue: its drains and test sends."""
        return names.account_queue(self.account.id)


class ServedAccounts:
    """The held accounts by id, and the queue list the Procrastinate worker fetches from."""

    def __init__(self, queues: list[str], on_change: Callable[[], None] | None = None) -> None:
        self.queues = queues
        self._on_change = on_change
        self._by_id: dict[int, Held] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def all(self) -> list[Held]:
        """Every held account, in the order taken."""
        return list(self._by_id.values())

    def get(self, account_id: int) -> Held | None:
        """The held account, or None when this process does not hold it."""
        return self._by_id.get(account_id)

    def add(self, held: Held) -> None:
        """An account just taken (its jobs wait until it is `ready`)."""
        self._by_id[held.account.id] = held

    def ready(self, held: Held) -> None:
        """The account is connected and recovered: fetch its jobs from now on (unless it was
        let go meanwhile: a start that swallowed its cancellation must not serve it again)."""
        if self._by_id.get(held.account.id) is not held:
            return
        held.ready = True
        if held.queue not in self.queues:
            self.queues.append(held.queue)
            self._changed()

    def remove(self, held: Held) -> None:
        """Fetch no more of the account's jobs; its lookups find nothing from now on."""
        held.ready = False
        self._by_id.pop(held.account.id, None)
        if held.queue in self.queues:
            self.queues.remove(held.queue)
            self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    def deps(self, account_id: int) -> DrainDeps | None:
        """The deps of a job of the account, run by the calling task (which is tracked, so
        letting the account go stops it); None when this process does not serve it now."""
        held = self._by_id.get(account_id)
        if held is None or not held.ready or held.deps is None:
            return None
        task = asyncio.current_task()
        if task is not None:
            held.jobs.add(task)
            task.add_done_callback(held.jobs.discard)
        return held.deps

    async def stop_jobs(self, held: Held) -> None:
        """Cancel the account's running jobs and wait until they ended (a send cut off is
        sent again, with its random_id, by whoever holds the account next)."""
        jobs = [job for job in held.jobs if job is not asyncio.current_task()]
        for job in jobs:
            job.cancel()
        if jobs:
            await asyncio.wait(jobs)
