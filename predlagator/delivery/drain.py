"""The drain: one account's loop of claim, plan, wait, and send each planned batch."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import procrastinate

from predlagator.db import accounts, action_rows, audit, campaigns, deliveries, reach
from predlagator.db import pacing as slots
from predlagator.db.drain_session import drain_session
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.delivery import action_batch, outcomes, pacing, reach_reads, rounds
from predlagator.delivery.batch import Batch
from predlagator.delivery.chat_updates import ChatUpdates
from predlagator.delivery.policy import Policy
from predlagator.delivery.post_actions import PostActions
from predlagator.delivery.posting import Poster
from predlagator.delivery.sender import MediaFile, Sender
from predlagator.delivery.wakeups import Wakeups
from predlagator.models import Account, CampaignStatus, PostAction
from predlagator.queue import defer

log = logging.getLogger(__name__)

# A drain hands over to a fresh job after this long, so no job runs for hours.
HANDOVER_S = 240.0
# A batch spans about this many seconds of the pace (one row when the pace is slow), so a fast
# campaign saves round trips; every campaign's status is still read before each of its posts.
# Campaigns sharing an account have their turns interleaved, each at its own pace.
BATCH_S = 5.0
MAX_BATCH = 500
# When the first slot is further off than this, the drain naps and claims again instead of
# reserving: a campaign started or resumed meanwhile gets its turn at once.
NAP_S = 0.5
# With word of the account's kicks (Wakeups), it naps until NAP_S / 2 before the slot, at most
# this long, and wakes early when a kick comes. A retry coming due meanwhile waits for the nap's
# end: it waits for a slot anyway, and its backoff is no appointment.
LONG_NAP_S = 5.0
# While no action row and no reach read is due, a drain hearing its account's kicks looks for
# them again only when one comes (whatever makes them due kicks the account) or after this long
# (a retry's backoff ending, a kick missed while the listener listened anew): a look is a query
# or two per turn, most of a slow account's load on the database.
QUIET_LOOK_S = 10.0
# When it is further off than this (a slow pace), the drain ends and a kick wakes the next one
# that long before the slot (a scheduled job starts up to a polling interval late).
LONG_WAIT_S = 60.0
KICK_LEAD_S = 2.0
# A span that holds the next post only (the claim counts rows that start within a span).
ONE_POST_S = 0.001


def database_clock() -> datetime | None:
    """No clock of our own: pacing reads PostgreSQL's, which every worker shares."""
    return None


@dataclass
class DrainDeps:
    """What a drain needs: the database, the queue, the account's sender (and its actions
    over posts, when it serves them) and the knobs.

    `now` stands in for the database's clock in pacing (tests move it with `sleep`), and
    `let_go` and `left` remember the latest posts of each pace across this worker's drains.
    """

    pool: Pool
    app: procrastinate.App
    sender: Sender
    policy: Policy = field(default_factory=Policy)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime | None] = database_clock
    let_go: pacing.PostLog = field(default_factory=pacing.PostLog)
    left: pacing.PostLog = field(default_factory=lambda: pacing.PostLog(pacing.WINDOW_MARGIN))
    # Edit, delete, pin and unpin of the account's posts, in the same turns as its sends;
    # None: this drain serves posts only, and the rows of actions wait.
    actions: PostActions | None = None
    # Word of the account's kicks from the worker's job listener; None: nap NAP_S at a time.
    wakeups: Wakeups | None = None


class Drain:
    """Drain one account's due deliveries until none is due, a wait starts or time is up."""

    def __init__(self, deps: DrainDeps, account_id: int, handover_s: float = HANDOVER_S) -> None:
        self.deps = deps
        self.account_id = account_id
        self.deadline = deps.monotonic() + handover_s
        self._retry_limits: dict[int, int] = {}
        self._conn: Conn | None = None
        self._chat: ChatUpdates | None = None
        self._poster = Poster(deps.sender)
        self._files: dict[int, MediaFile] = {}  # edits' new files, by template
        # Whether reach reads were due at the last look (at first: perhaps).
        self._reads_due = deps.actions is not None
        # When a look found no action row and no read due, and the kicks heard by then.
        self._quiet: tuple[float, int] | None = None

    @property
    def conn(self) -> Conn:
        """The drain's own connection: it works one step at a time, so one is enough."""
        assert self._conn is not None, "only while running"
        return self._conn

    @property
    def chat(self) -> ChatUpdates:
        """What the drain tells the campaigns' chats, on its connection."""
        assert self._chat is not None, "only while running"
        return self._chat

    async def run(self) -> None:
        """Loop until there is nothing due, the account must wait, or it is time to hand over."""
        async with self.deps.pool.connection() as conn, drain_session(conn):
            self._conn = conn
            chat = self._chat = ChatUpdates(
                self.deps.app, conn, self.account_id, self.deps.monotonic
            )
            try:
                await self._run()
            finally:
                await chat.close()
                self._conn = self._chat = None

    async def _run(self) -> None:
        if not await self._ready():
            return
        while await self._turn() and await self._go_on():
            pass

    async def _turn(self) -> bool:
        """One turn: a batch of actions, of posts, or of reach reads in a gap; False when the
        drain must end."""
        wakeups = self.deps.wakeups
        heard = 0
        if wakeups is not None:
            wakeups.clear(self.account_id)  # kicks from now on wake the nap below
            heard = wakeups.count(self.account_id)
        look = self._quiet is None or not self._still_quiet(*self._quiet, heard)
        # Actions over posts and the posts take turns a batch each, at the account's pace.
        acted = await self._act() if look else None
        if acted is not None:
            self._quiet = None
        if acted is False:
            return False
        claims = await deliveries.claim(
            self.conn,
            self.account_id,
            limit=MAX_BATCH,
            # While reads wait for gaps, posts go one per turn: a batch holds the drain for
            # its span, and the gaps inside it would go unread.
            batch_s=ONE_POST_S if self._reads_due else BATCH_S,
            now=self.deps.now(),
            spacing=pacing.SLOT_SPACING,
            tz=self.deps.policy.timezone,
        )
        if not claims and acted:
            return True
        plan = pacing.plan(claims, jitter=self.deps.policy.pacing_jitter) if claims else None
        if not acted and look:
            # Nothing else due now, or the next post is further off than a read: reach reads
            # fill the gap, never taking a slot a post or an action would have.
            read, reads_due = await self._read_reach(plan)
            quiet = not reads_due and wakeups is not None
            self._quiet = (self.deps.monotonic(), heard) if quiet else None
            if read is not None:
                return read
        ends = plan is None or (plan.wait_s > LONG_WAIT_S and not acted)
        if ends and not look:  # a drain ends only after a look found nothing due at all
            self._quiet = None
            return True
        if plan is None:
            await self._idle()
            return False
        if plan.wait_s > LONG_WAIT_S and not acted:
            await self._hand_over_wait(plan.first_at)
            return False
        if plan.wait_s > NAP_S:
            if not acted:  # actions due fill the gap instead
                await self._nap(plan.wait_s)
        elif not await self._send(plan):
            return False
        return True

    def _still_quiet(self, since: float, heard_then: int, heard: int) -> bool:
        """Whether the look that found nothing due still holds: no kick came since, and it is
        less than QUIET_LOOK_S old."""
        return heard == heard_then and self.deps.monotonic() - since < QUIET_LOOK_S

    async def _nap(self, wait_s: float) -> None:
        """Nap before claiming again, the next slot `wait_s` away: NAP_S, or with word of the
        account's kicks until just before the slot (a kick wakes it)."""
        wakeups = self.deps.wakeups
        if wakeups is None:
            await self.deps.sleep(NAP_S)
            return
        nap_s = min(wait_s - NAP_S / 2, LONG_NAP_S)
        await wakeups.nap(self.account_id, nap_s, self.deps.sleep)

    async def _idle(self) -> None:
        """Nothing is due: end what is done, settle what cannot go on, kick when work is due."""
        for done in await campaigns.complete_all_done(self.conn, self.account_id):
            await rounds.ended(self.deps.app, done)
        await self._finish_actions()
        await self._settle_stranded()
        if await self._under_cap():
            await self._schedule_next()

    async def _go_on(self) -> bool:
        """False once it is time to hand over to a fresh job (kicked here)."""
        if self.deps.monotonic() >= self.deadline:
            await defer.kick_drain(self.deps.app, self.account_id)
            return False
        return True

    async def _act(self) -> bool | None:
        """Act on one batch of the account's due action rows: None when none is due (or this
        drain serves no actions), else whether the drain may go on."""
        if self.deps.actions is None:
            return None
        go_on = await action_batch.act(
            self.deps,
            self.conn,
            self.account_id,
            self.deps.actions,
            self.chat,
            self._files,
            batch_s=BATCH_S,
            limit=MAX_BATCH,
        )
        if go_on is not None:
            await self._finish_actions()
        return go_on

    async def _read_reach(self, plan: pacing.Plan | None) -> tuple[bool | None, bool]:
        """Read the reach of as many due posts as fit before the next post (`plan`'s first,
        if any): whether the drain may go on (None when none is read), and whether any read
        was due."""
        if self.deps.actions is None:
            return None, False
        gap = await reach_reads.read_in_gap(
            self.deps, self.conn, self.account_id, self.deps.actions, self.chat, plan
        )
        self._reads_due = gap.gaps
        if gap.go_on is not None:
            await self._finish_actions()
        return gap.go_on, gap.due

    async def _finish_actions(self) -> None:
        """End the actions of the account's campaigns with nothing left to go; the chat gets
        the summary (action_finished) and the card its last redraw."""
        for action in await action_rows.finish_done(self.conn, self.account_id):
            # A round's delete of the posts before it lets that round's rows go.
            await rounds.kick_released(self.deps.app, self.conn, action)
            if action.kind is PostAction.REACH and action.label != reach.MANUAL:
                continue  # the +1 h and +24 h reads end quietly: the report has them
            await defer.action_finished(self.deps.app, action.id)
            if action.kind is not PostAction.REACH:
                await self.chat.refresh(action.campaign_id, force=True)

    async def _send(self, plan: pacing.Plan) -> bool:
        """Send one planned batch; False when the drain must stop."""
        for turn in plan.turns:
            await self._retry_limit(turn.claim.campaign_id)
        self.deps.let_go.forget_before(self.deps.monotonic())
        self.deps.left.forget_before(self.deps.monotonic())
        batch = Batch(
            deps=self.deps,
            conn=self.conn,
            account_id=self.account_id,
            plan=plan,
            poster=self._poster,
            chat=self.chat,
            retry_limits=self._retry_limits,
        )
        return await batch.send()

    async def _ready(self) -> bool:
        """Check the account may send now; end waits that are over."""
        account = await accounts.get(self.conn, self.account_id)
        if account is None or account.status != "active":
            return False
        if account.flood_until is not None and account.flood_until > datetime.now(UTC):
            # Someone resumed a campaign during the wait: it waits too, unless another of its
            # accounts carries it on.
            await campaigns.enter_waiting(
                self.conn, self.account_id, account.flood_until, self.deps.policy.timezone
            )
            await defer.kick_drain(self.deps.app, self.account_id, at=account.flood_until)
            return False
        if not await self._under_cap(account):
            return False
        # Only one drain of an account runs, in the process holding its session: rows still
        # `sending` were left by one that died mid-post. Back to the queue, same random_id.
        await deliveries.release_interrupted(self.conn, self.account_id)
        # Actions too: each is idempotent at Telegram, so a row left `sending` is sent again.
        await action_rows.release_interrupted(self.conn, self.account_id)
        # An action made with no row for this account's drains to act on ends here.
        await self._finish_actions()
        # For the same reason, no batch is under way: slots ahead of now hold nothing.
        await slots.release_ahead(self.conn, self.account_id, self.deps.now())
        resumed = await campaigns.resume_waiting(self.conn, self.account_id)
        for campaign in resumed:
            await audit.record(
                self.conn,
                None,
                "campaign.resumed_after_wait",
                "campaign",
                campaign.id,
                account_id=self.account_id,
            )
            await defer.notify(self.deps.app, campaign.id, "resumed")
            await self.chat.refresh(campaign.id, force=True)
        return True

    async def _under_cap(self, account: Account | None = None) -> bool:
        """False when the account reached its daily cap: its campaigns that no other account
        carries on wait until midnight (in the policy's zone), when a kick wakes it again."""
        if account is None:
            account = await accounts.get(self.conn, self.account_id)
        if account is None or account.daily_cap is None or account.posts_day is None:
            return True
        policy = self.deps.policy
        today = datetime.now(UTC).astimezone(ZoneInfo(policy.timezone)).date()
        if account.posts_day != today or account.posts_today < account.daily_cap:
            return True
        midnight = policy.next_midnight(datetime.now(UTC))
        waiting = await campaigns.enter_waiting(
            self.conn, self.account_id, midnight, policy.timezone, reason="DAILY_CAP"
        )
        # Not Telegram's wait: no flood notice, the cards say it.
        await defer.kick_drain(self.deps.app, self.account_id, at=midnight)
        for campaign in waiting:
            await self.chat.refresh(campaign.id, force=True)
        return False

    async def _settle_stranded(self) -> None:
        """Campaigns whose pending rows are left only on accounts that cannot send now (this
        one found nothing it may send) wait for the first of them, or pause with the reason
        when all are stopped or paused; the chat is told."""
        settled = await campaigns.settle_stranded(
            self.conn, self.account_id, self.deps.policy.timezone
        )
        if settled:
            paused = [c for c in settled if c.status is CampaignStatus.PAUSED]
            waiting = [c for c in settled if c.status is CampaignStatus.WAITING]
            await self.chat.after(None, outcomes.Effects(paused=paused, waiting=waiting))

    async def _retry_limit(self, campaign_id: int) -> int:
        if campaign_id not in self._retry_limits:
            campaign = await campaigns.get(self.conn, campaign_id)
            self._retry_limits[campaign_id] = campaign.retry_limit if campaign else 0
        return self._retry_limits[campaign_id]

    async def _hand_over_wait(self, slot: datetime) -> None:
        """Only slow paces have work, and their next slot is far off: end, and have the queue
        start a drain just before it, or at the next retry if that comes first. A campaign
        started or resumed meanwhile kicks one at once (defer.kick_drain pulls it forward)."""
        at = slot - timedelta(seconds=KICK_LEAD_S)
        retry = await deliveries.next_retry(self.conn, self.account_id)
        await defer.kick_drain(
            self.deps.app, self.account_id, at=_earliest(at, retry, await self._action_retry())
        )

    async def _schedule_next(self) -> None:
        """Nothing is due now: kick again when the earliest retry comes due."""
        at = _earliest(
            await deliveries.next_due(self.conn, self.account_id), await self._action_retry()
        )
        if at is not None:
            await defer.kick_drain(self.deps.app, self.account_id, at=at)

    async def _action_retry(self) -> datetime | None:
        """When the account's earliest action row waiting for a retry comes due, if any."""
        if self.deps.actions is None:
            return None
        return await action_rows.next_due(self.conn, self.account_id)


def _earliest(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None
