"""Which accounts this worker serves: take the ones nobody holds, let go of the ones gone.

Every POLL_S the supervisor lists the accounts a worker may serve, lets go of the held ones
that were stopped or removed meanwhile, and takes free ones up to WORKER_MAX_ACCOUNTS: a new
account, or one whose worker died (its locks went with its connection). Each account taken is
started beside the others: its sender connected (patient while Telegram cannot be reached),
what a dead drain left given back, a fresh drain kicked, then its queue served. A session
Telegram refuses stops that account, not the worker: unless it is TG_SESSION's and the only
account there is, where the worker stops with one line as it always did.

The supervisor alone uses the locks' connection; its loop only ends by raising, so it doubles
as the watch on that connection (SessionLockLost: the database is gone).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass

import procrastinate

from predlagator.config import ConfigError, Settings
from predlagator.db import accounts, holders
from predlagator.db.pool import Pool
from predlagator.delivery import account_start
from predlagator.delivery.account_locks import AccountLocks, Conn
from predlagator.delivery.outage import is_database_loss
from predlagator.delivery.policy import Policy
from predlagator.delivery.sender import ManagedSender, SessionRejected
from predlagator.delivery.sender_start import Patience, refused, start_sender
from predlagator.delivery.served import Held, ServedAccounts
from predlagator.delivery.wakeups import Wakeups
from predlagator.models import Account
from predlagator.session_vault import Vault

log = logging.getLogger(__name__)

# How often free accounts are looked for (and stopped ones let go).
POLL_S = 2.0
# How often the first accounts' starts are looked at while the connection is watched.
START_CHECK_S = 0.05
# How long the accounts taken at start may hold up the jobs of those already served.
START_WAIT_S = 30.0
# What a worker says once at start when the database holds no account it could serve.
NOTHING_TO_SERVE = (
    "no sending account yet: run `predlagator login --account NAME`, or add one from the "
    "chat with /accounts; the bot works meanwhile, campaigns wait"
)
# What a worker that holds nothing says while every account is held elsewhere.
WAITING = "every account is held by another worker; waiting"
# What a worker without TG_API_ID / TG_API_HASH says, once, of a Telegram account added after
# its start (its start refuses when there is one already).
NO_API = "a Telegram account needs TG_API_ID and TG_API_HASH; left to a worker that has them"

SenderFactory = Callable[[Settings, Account, str], ManagedSender]


@dataclass(frozen=True)
class Serving:
    """What the supervisor serves accounts with."""

    settings: Settings
    pool: Pool
    app: procrastinate.App
    vault: Vault | None
    sender_factory: SenderFactory
    patience: Patience
    policy: Policy
    max_accounts: int
    poll_s: float = POLL_S
    # TG_API_ID or TG_API_HASH when it is unset and the senders need it: then only simulated
    # accounts are served here.
    missing_api: str | None = None
    # Word of each account's kicks, from the worker's job listener, for its napping drain.
    wakeups: Wakeups | None = None


class Supervisor:
    """Take, start and let go of accounts for one run of the worker (until an outage)."""

    def __init__(
        self,
        serving: Serving,
        locks: AccountLocks,
        served: ServedAccounts,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self._s = serving
        self._locks = locks
        self._served = served
        self._on_ready = on_ready
        self._holder = holders.this_process()
        self._settings_account = accounts.MAIN_ACCOUNT if serving.settings.has_sender() else None
        self._servable = 0
        self._waiting_said = False
        self._failure: BaseException | None = None
        self._broken: set[int] = set()
        self._unopenable: set[int] = set()
        self._no_api_said: set[int] = set()
        self.started = asyncio.Event()

    async def run(self) -> None:
        """Take accounts, start them, then keep looking every POLL_S; ends only by raising
        (SessionLockLost when the database went away, ConfigError for TG_SESSION's refusal)."""
        await self._round()
        starts = [held.start for held in self._served.all() if held.start is not None]
        give_up_at = asyncio.get_running_loop().time() + START_WAIT_S
        while not all(start.done() for start in starts):
            # Jobs start once the accounts taken at start are served, as they always did (but
            # one account that cannot connect holds up the others only so long); the connection
            # is watched meanwhile (a lost lock must not connect a session).
            await self._locks.wait(START_CHECK_S)
            self._raise_failure()
            if asyncio.get_running_loop().time() > give_up_at:
                break
        self._raise_failure()
        if self._servable == 0:
            log.warning(NOTHING_TO_SERVE)
        self.started.set()
        self._check_ready()
        while True:
            await self._locks.wait(self._s.poll_s)
            self._raise_failure()
            await self._round()

    async def close(self) -> None:
        """Stop every held account (jobs, then senders); clear our marks if the database
        still answers. The locks go when their connection closes."""
        held_now = self._served.all()
        for held in held_now:
            await self._stop(held)
        for held in held_now:
            with suppress(Exception):
                await self._locks.run(self._clear_holder(held.account.id))

    async def _round(self) -> None:
        """Let go of accounts no longer servable; take free ones while there is room."""
        servable = await self._locks.run(self._list_servable)
        self._servable = len(servable)
        ids = {account.id for account in servable}
        broken = set(self._broken)
        for held in self._served.all():
            gone = held.account.id not in ids
            if gone or held.account.id in broken or held.account.id in self._unopenable:
                await self._let_go(held)
        room = self._s.max_accounts - len(self._served)
        candidates = [
            account
            for account in servable
            if self._served.get(account.id) is None
            and account.id not in broken
            and account.id not in self._unopenable
        ]
        self._broken -= broken  # taken again at the next round
        if room > 0 and candidates:
            keys = [accounts.lock_key(account.name) for account in candidates]
            free = await self._locks.run(lambda conn: holders.free(conn, keys))
            for account, key in zip(candidates, keys, strict=True):
                if room <= 0:
                    break
                if key in free and await self._locks.take(account.name):
                    await self._locks.run(self._set_holder(account.id))
                    self._begin(account)
                    room -= 1
        self._say_if_waiting(candidates)
        self._check_ready()

    async def _list_servable(self, conn: Conn) -> list[Account]:
        servable = await holders.servable(
            conn, sealed=self._s.vault is not None, settings_account=self._settings_account
        )
        if self._s.missing_api is None:
            return servable
        # Without the app's credentials this worker serves simulated accounts only; taking a
        # Telegram account's lock would keep it from a worker that can serve it.
        for account in servable:
            if account.kind == "telegram" and account.id not in self._no_api_said:
                self._no_api_said.add(account.id)
                extra = {"account_id": account.id, "missing": self._s.missing_api}
                log.warning(NO_API, extra=extra)
        return [account for account in servable if account.kind == "simulated"]

    def _set_holder(self, account_id: int) -> Callable[[Conn], Awaitable[None]]:
        return lambda conn: holders.set_holder(conn, account_id, self._holder)

    def _clear_holder(self, account_id: int) -> Callable[[Conn], Awaitable[None]]:
        return lambda conn: holders.clear_holder(conn, account_id, self._holder)

    def _begin(self, account: Account) -> None:
        # TG_SESSION's account, whether its session is read from there or was stored from it.
        from_settings = account.kind == "telegram" and account.name == self._settings_account
        held = Held(account=account, from_settings=from_settings)
        self._served.add(held)
        held.start = asyncio.create_task(self._start(held), name=f"start account {account.id}")
        self._waiting_said = False

    async def _start(self, held: Held) -> None:
        """Connect the account's sender, recover its dead drain and serve its queue."""
        account = held.account
        try:
            sender = account_start.open_sender(self._s, held)
            held.sender = sender
            held.deps = account_start.drain_deps(self._s, sender, self._locks.lock(account.name))
            await start_sender(sender, self._s.patience)
            await account_start.recover(self._s.app, self._s.pool, account.id)
        except ConfigError as error:  # a session file unreadable, a key that opens nothing
            if not self.started.is_set():
                self._fail(error)  # at start: the process stops with the one line
                return
            # Later (an account stored with another key meanwhile): the worker's key is at
            # fault, not the account; it is left to the workers that can open it.
            log.warning(str(error), extra={"account_id": account.id})
            self._unopenable.add(account.id)
            return
        except SessionRejected as rejected:
            if held.from_settings and self._servable == 1:
                self._fail(refused(self._s.settings, rejected))
                return
            await account_start.reject(self._s, held, rejected)
            return  # now stopped, it is let go at the next round
        except Exception as error:
            # Let go at the next round and taken again after: a connection the pool handed out
            # dead, say. When the locks' connection is lost too, the next round says so, once.
            self._broken.add(account.id)
            if is_database_loss(error):
                log.debug("account start cut off", extra={"account_id": account.id})
            else:
                log.exception("account could not be started", extra={"account_id": account.id})
            return
        self._served.ready(held)
        log.info("account served", extra={"account_id": account.id, "kind": account.kind})
        self._check_ready()

    async def _let_go(self, held: Held) -> None:
        """Stop serving the account, close its sender, then let its lock go."""
        await self._stop(held)
        await self._locks.let_go(held.account.name)
        await self._locks.run(self._clear_holder(held.account.id))
        log.info("account let go", extra={"account_id": held.account.id})

    async def _stop(self, held: Held) -> None:
        """No more jobs of the account here; its start and running jobs ended; its sender
        closed (before its lock goes: one process per session)."""
        self._served.remove(held)  # no more of its jobs fetched, no more lookups of its deps
        if held.start is not None and not held.start.done():
            held.start.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await held.start
        await self._served.stop_jobs(held)
        if held.sender is not None:
            with suppress(Exception):
                await held.sender.close()
            held.sender = None

    def _fail(self, error: BaseException) -> None:
        if self._failure is None:
            self._failure = error

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _say_if_waiting(self, candidates: list[Account]) -> None:
        if len(self._served) == 0 and candidates and not self._waiting_said:
            log.warning(WAITING, extra={"accounts": len(candidates)})
            self._waiting_said = True

    def _check_ready(self) -> None:
        """Call on_ready once: every account taken is served (at least one), or there is
        nothing to serve at all."""
        if self._on_ready is None or not self.started.is_set():
            return
        held = self._served.all()
        if (held and all(h.ready for h in held)) or self._servable == 0:
            on_ready, self._on_ready = self._on_ready, None
            on_ready()
