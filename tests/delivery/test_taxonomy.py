"""Every class of DESIGN.md's error taxonomy, by Telegram's error name, through the drain.

A real Procrastinate worker runs over a real PostgreSQL; the real Telethon client talks to the
fake Telegram, which answers one channel's request with the error under test.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telethon import types
from telethon.tl.functions.contacts import ResolveUsernameRequest
from telethon.tl.functions.messages import SendMessageRequest

from predlagator.db import accounts, campaigns, channels
from predlagator.db.pool import Pool
from predlagator.delivery.policy import Policy
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.models import Account, Campaign, CampaignStatus, Channel, Delivery, DeliveryStatus
from predlagator.queue import defer, names
from tests.factories import make_campaign
from tests.fakes.telethon_fake import FakeTelegram, fake_client
from tests.fakes.telethon_sleeps import RecordedSleeps, telethon_sleeps_fixture  # noqa: F401
from tests.rig import Rig, delivery_rig

# Jobs scheduled for later (a kick at a retry time) become due now.
DUE_NOW = "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"
# The channel every test aims its error at: the middle one of three.
TARGET = "chan_00001"
# The sender's own timeout in the timeout case: a hung request costs this much real time.
QUICK_TIMEOUT_S = 0.3

S = DeliveryStatus


# Every SendMessageRequest each fake Telegram received, failed ones included (its `sent`
# holds only the requests that got past error injection).
_RECEIVED: weakref.WeakKeyDictionary[FakeTelegram, list[Any]] = weakref.WeakKeyDictionary()


def _tap(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[Any] = []
    answer = rig.telegram.answer

    async def recording(auth_key: bytes | None, request: Any) -> Any:
        query = request
        while not isinstance(query, SendMessageRequest) and hasattr(query, "query"):
            query = query.query
        if isinstance(query, SendMessageRequest):
            received.append(query)
        return await answer(auth_key, request)

    monkeypatch.setattr(rig.telegram, "answer", recording)
    _RECEIVED[rig.telegram] = received


@pytest.fixture
async def rig(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Rig]:
    async with delivery_rig(pool) as opened:
        _tap(opened, monkeypatch)
        yield opened


# --- looking at the outcome ----------------------------------------------------------------


async def channel(rig: Rig, ref: str) -> Channel:
    async with rig.pool.connection() as conn:
        cur = await conn.execute("SELECT id FROM channels WHERE ref = %s", (ref,))
        row = await cur.fetchone()
        assert row is not None, ref
        found = await channels.get(conn, row["id"])
    assert found is not None
    return found


async def account(rig: Rig) -> Account:
    async with rig.pool.connection() as conn:
        found = await accounts.get(conn, rig.account_id)
    assert found is not None
    return found


async def audit_rows(rig: Rig, action: str) -> list[tuple[str, int, dict[str, Any]]]:
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT object_type, object_id, details FROM audit_log WHERE action = %s ORDER BY id",
            (action,),
        )
        return [(r["object_type"], r["object_id"], r["details"]) for r in await cur.fetchall()]


async def notices(rig: Rig) -> list[tuple[int, str, dict[str, Any]]]:
    """Deferred notify jobs as (campaign id, event, params)."""
    jobs = await rig.jobs(names.NOTIFY)
    return [(j["args"]["campaign_id"], j["args"]["event"], j["args"]["params"]) for j in jobs]


async def waiting_kicks(rig: Rig) -> list[datetime]:
    """When the drain kicks still waiting in the queue are due (finished ones are deleted)."""
    return [j["scheduled_at"] for j in await rig.jobs(names.DRAIN) if j["status"] == "todo"]


async def retry_delay_s(rig: Rig, delivery: Delivery) -> float:
    """The delay the engine chose: next_attempt_at and updated_at come from one statement."""
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT extract(epoch FROM next_attempt_at - updated_at)::float8 AS s "
            "FROM deliveries WHERE id = %s",
            (delivery.id,),
        )
        row = await cur.fetchone()
    assert row is not None
    return float(row["s"])


def _to(requests: list[Any], rig: Rig, ref: str) -> list[Any]:
    channel_id = rig.telegram.channels[ref].id
    return [
        r
        for r in requests
        if isinstance(r.peer, types.InputPeerChannel) and r.peer.channel_id == channel_id
    ]


def sends_to(rig: Rig, ref: str) -> list[Any]:
    """Every SendMessageRequest the fake received for the channel `ref`, failed ones too."""
    return _to(_RECEIVED[rig.telegram], rig, ref)


def handled_for(rig: Rig, ref: str) -> list[Any]:
    """The SendMessageRequests for `ref` that got past error injection (`telegram.sent`)."""
    return _to(rig.telegram.sent, rig, ref)


async def force_due(rig: Rig, delivery: Delivery) -> None:
    """Bring a retry time (and the kick waiting for it) to now instead of waiting."""
    async with rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE deliveries SET next_attempt_at = now() WHERE id = %s", (delivery.id,)
        )
        await conn.execute(DUE_NOW)


async def again(rig: Rig, refs: list[str], *, retry_limit: int = 3) -> Campaign:
    """A new campaign over channels that exist already (in the database and the fake)."""
    return await make_campaign(rig.pool, refs, rate=6000.0, retry_limit=retry_limit)


# --- channel permanent ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "request_type"),
    [
        (403, "CHAT_WRITE_FORBIDDEN", SendMessageRequest),
        (400, "CHANNEL_PRIVATE", SendMessageRequest),
        (400, "USER_BANNED_IN_CHANNEL", SendMessageRequest),
        (400, "CHANNEL_INVALID", SendMessageRequest),
        (400, "PEER_ID_INVALID", SendMessageRequest),
        (400, "USERNAME_NOT_OCCUPIED", ResolveUsernameRequest),
        (400, "USERNAME_INVALID", ResolveUsernameRequest),
        (400, "CHAT_RESTRICTED", SendMessageRequest),
    ],
)
async def test_channel_permanent_error_fails_at_once_and_deactivates(
    rig: Rig, status: int, name: str, request_type: type
) -> None:
    campaign = await rig.campaign(3)
    rig.telegram.fail_next(status, name, username=TARGET, request_type=request_type)
    await rig.start(campaign)
    await rig.work()

    first, failed, last = await rig.ledger(campaign)
    assert (first.status, last.status) == (S.SENT, S.SENT)
    assert (failed.status, failed.error_code, failed.attempts) == (S.FAILED, name, 1)
    assert failed.error_text is not None and name in failed.error_text
    # Failed at once: one try, no retry, and nothing left waiting for one.
    expected_sends = 1 if request_type is SendMessageRequest else 0
    assert len(sends_to(rig, TARGET)) == expected_sends
    assert rig.telegram.request_names().count(request_type.__name__) == 3
    assert await waiting_kicks(rig) == []

    target = await channel(rig, TARGET)
    assert (target.active, target.deactivated_code, target.deactivated_count) == (False, name, 1)
    assert await audit_rows(rig, "channel.deactivated") == [
        ("channel", target.id, {"code": name, "count": 1, "ref": TARGET})
    ]
    gone = {"ref": TARGET, "code": name, "count": 1}
    assert await notices(rig) == [(campaign.id, "channels_deactivated", {"channels": [gone]})]
    assert (await channel(rig, "chan_00000")).active
    assert (await account(rig)).status == "active"
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED
    assert [j["args"] for j in await rig.jobs(names.CAMPAIGN_FINISHED)] == [
        {"campaign_id": campaign.id}
    ]

    # The next campaign over the same list leaves the channel out.
    later = await again(rig, ["chan_00000", TARGET, "chan_00002"])
    await rig.start(later)
    await rig.work()
    assert [d.channel_id for d in await rig.ledger(later)] == [first.channel_id, last.channel_id]
    assert len(sends_to(rig, TARGET)) == expected_sends


# --- needs the operator --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "code"),
    [
        (400, "CHAT_ADMIN_REQUIRED", "CHAT_ADMIN_REQUIRED"),
        (403, "CHAT_SEND_PLAIN_FORBIDDEN", "CHAT_SEND_PLAIN_FORBIDDEN"),
        (400, "ALLOW_PAYMENT_REQUIRED_300", "ALLOW_PAYMENT_REQUIRED"),
        (400, "MESSAGE_TOO_LONG", "MESSAGE_TOO_LONG"),
        (400, "ENTITY_BOUNDS_INVALID", "ENTITY_BOUNDS_INVALID"),
    ],
)
async def test_needs_operator_fails_with_reason_and_keeps_channel(
    rig: Rig, status: int, message: str, code: str
) -> None:
    campaign = await rig.campaign(3)
    rig.telegram.fail_next(status, message, username=TARGET, request_type=SendMessageRequest)
    await rig.start(campaign)
    await rig.work()

    statuses = [(d.status, d.error_code, d.attempts) for d in await rig.ledger(campaign)]
    assert statuses == [(S.SENT, None, 1), (S.FAILED, code, 1), (S.SENT, None, 1)]
    assert len(sends_to(rig, TARGET)) == 1
    target = await channel(rig, TARGET)
    assert (target.active, target.deactivated_code, target.consecutive_errors) == (True, None, 0)
    assert await audit_rows(rig, "channel.deactivated") == []
    assert await notices(rig) == []
    assert await waiting_kicks(rig) == []
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


# --- account fatal -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (400, "PEER_FLOOD"),
        (401, "AUTH_KEY_UNREGISTERED"),
        (401, "SESSION_REVOKED"),
        (401, "USER_DEACTIVATED_BAN"),
        (406, "AUTH_KEY_DUPLICATED"),
    ],
)
async def test_account_fatal_stops_account_and_pauses_for_good(
    rig: Rig, status: int, name: str
) -> None:
    campaign = await rig.campaign(3)
    rig.telegram.fail_next(status, name, username=TARGET, request_type=SendMessageRequest)
    await rig.start(campaign)
    await rig.work()

    stopped = await account(rig)
    assert (stopped.status, stopped.stop_reason) == ("stopped", name)
    paused = await rig.get(campaign)
    assert (paused.status, paused.status_reason) == (CampaignStatus.PAUSED, name)
    ledger = await rig.ledger(campaign)
    assert [(d.status, d.attempts) for d in ledger] == [(S.SENT, 1), (S.QUEUED, 0), (S.QUEUED, 0)]
    # Nothing was sent after the error: one post, then the one that failed.
    assert rig.telegram.request_names().count("SendMessageRequest") == 2
    assert await notices(rig) == [(campaign.id, "account_stopped", {"reason": name})]
    assert await audit_rows(rig, "account.stopped") == [
        ("account", rig.account_id, {"reason": name})
    ]
    # The owners hear of it even when no campaign pauses (its rows went to other accounts).
    alerts = await rig.jobs(names.ACCOUNT_ALERT)
    assert [job["args"] for job in alerts] == [{"account_id": rig.account_id, "reason": name}]
    assert (await channel(rig, TARGET)).active
    assert await waiting_kicks(rig) == []
    assert await rig.jobs(names.CAMPAIGN_FINISHED) == []

    # It never resumes by itself: not on a forced run, a fresh kick, nor in reconcile.
    requests = len(rig.telegram.requests)
    async with rig.pool.connection() as conn:
        await conn.execute(DUE_NOW)
        assert await campaigns.accounts_needing_drain(conn) == []
    await rig.work()
    await defer.kick_drain(rig.app, rig.account_id)
    await rig.work()
    assert len(rig.telegram.requests) == requests
    assert (await rig.get(campaign)).status is CampaignStatus.PAUSED
    assert [d.status for d in await rig.ledger(campaign)] == [S.SENT, S.QUEUED, S.QUEUED]
    assert [event for _, event, _ in await notices(rig)] == ["account_stopped"]


async def test_account_fatal_pauses_every_campaign_of_the_account(rig: Rig) -> None:
    one = await rig.campaign(3)
    other = await rig.campaign(3, prefix="other")
    rig.telegram.fail_next(400, "PEER_FLOOD", username=TARGET, request_type=SendMessageRequest)
    await rig.start(one)
    await rig.start(other)
    await rig.work()

    for campaign in (one, other):
        paused = await rig.get(campaign)
        assert (paused.status, paused.status_reason) == (CampaignStatus.PAUSED, "PEER_FLOOD")
    assert sorted(await notices(rig)) == sorted(
        (c.id, "account_stopped", {"reason": "PEER_FLOOD"}) for c in (one, other)
    )
    # The failed request was the last one; whatever was not sent waits, with no attempt spent.
    [fatal] = sends_to(rig, TARGET)
    assert _RECEIVED[rig.telegram][-1] is fatal
    ledger = [*await rig.ledger(one), *await rig.ledger(other)]
    unsent = [d for d in ledger if d.status is not S.SENT]
    assert fatal.random_id in [d.random_id for d in unsent]
    assert all((d.status, d.attempts) == (S.QUEUED, 0) for d in unsent)
    assert len(rig.telegram.sent) == len(ledger) - len(unsent)


# --- already sent --------------------------------------------------------------------------


async def test_random_id_duplicate_after_client_retries_is_sent(
    rig: Rig, telethon_sleeps: RecordedSleeps
) -> None:
    campaign = await rig.campaign(3)
    # Telethon retries a 500 twice (request_retries=2); all three say RANDOM_ID_DUPLICATE.
    rig.telegram.fail_next(
        500, "RANDOM_ID_DUPLICATE", times=3, username=TARGET, request_type=SendMessageRequest
    )
    await rig.start(campaign)
    await rig.work()

    first, duplicate, last = await rig.ledger(campaign)
    assert (duplicate.status, duplicate.message_id, duplicate.error_code) == (S.SENT, None, None)
    assert duplicate.attempts == 1 and duplicate.sent_at is not None
    assert first.message_id is not None and last.message_id is not None
    assert [r.random_id for r in sends_to(rig, TARGET)] == [duplicate.random_id] * 3
    assert telethon_sleeps.delays == [2, 2, 2]
    assert (await channel(rig, TARGET)).active
    assert await notices(rig) == []
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


# --- account flood -------------------------------------------------------------------------


async def test_flood_premium_wait_parks_account_like_flood_wait(rig: Rig) -> None:
    campaign = await rig.campaign(3)
    rig.telegram.fail_next(420, "FLOOD_PREMIUM_WAIT_5", request_type=SendMessageRequest)
    await rig.start(campaign)
    before = datetime.now(UTC)
    await rig.work()
    after = datetime.now(UTC)

    flooded = await account(rig)
    parked = await rig.get(campaign)
    assert flooded.status == "active" and flooded.flood_until is not None
    assert before + timedelta(seconds=5) <= flooded.flood_until <= after + timedelta(seconds=5)
    assert (parked.status, parked.resume_at) == (CampaignStatus.WAITING, flooded.flood_until)
    ledger = await rig.ledger(campaign)
    assert [(d.status, d.attempts) for d in ledger] == [(S.QUEUED, 0)] * 3
    assert await waiting_kicks(rig) == [flooded.flood_until]
    [(campaign_id, event, params)] = await notices(rig)
    assert (campaign_id, event) == (campaign.id, "flood_wait")
    assert params["until"] == flooded.flood_until.isoformat() and 4 <= params["seconds"] <= 5
    assert await audit_rows(rig, "account.flood_wait") == [
        ("account", rig.account_id, {"seconds": 5, "until": flooded.flood_until.isoformat()})
    ]
    assert rig.telegram.request_names().count("SendMessageRequest") == 1

    # A kick that comes early sends nothing before the wait is over.
    async with rig.pool.connection() as conn:
        await conn.execute(DUE_NOW)
    await rig.work()
    assert rig.telegram.request_names().count("SendMessageRequest") == 1
    assert (await rig.get(campaign)).status is CampaignStatus.WAITING
    assert await waiting_kicks(rig) == [flooded.flood_until]


# --- slow mode -----------------------------------------------------------------------------


async def test_slowmode_retries_only_that_delivery_after_the_wait(rig: Rig) -> None:
    campaign = await rig.campaign(3)
    rig.telegram.fail_next(
        420, "SLOWMODE_WAIT_10", username=TARGET, request_type=SendMessageRequest
    )
    await rig.start(campaign)
    await rig.work()

    first, slow, last = await rig.ledger(campaign)
    assert (first.status, last.status) == (S.SENT, S.SENT)
    assert (slow.status, slow.attempts, slow.error_code) == (S.QUEUED, 0, "SLOWMODE_WAIT")
    assert await retry_delay_s(rig, slow) == pytest.approx(10.0)
    assert await waiting_kicks(rig) == [slow.next_attempt_at]
    assert (await rig.get(campaign)).status is CampaignStatus.RUNNING
    flooded = await account(rig)
    assert (flooded.status, flooded.flood_until) == ("active", None)
    target = await channel(rig, TARGET)
    assert (target.active, target.consecutive_errors) == (True, 0)
    assert await notices(rig) == []

    await force_due(rig, slow)
    await rig.work()
    sent = (await rig.ledger(campaign))[1]
    assert (sent.status, sent.attempts, sent.error_code) == (S.SENT, 1, None)
    assert [r.random_id for r in sends_to(rig, TARGET)] == [slow.random_id] * 2
    assert len(rig.telegram.posts[rig.telegram.channels[TARGET].id]) == 1
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


# --- transient -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """A transient failure of one send, and the code the ledger names it by."""

    id: str
    code: str
    inject: Callable[[Rig, list[int]], None]
    requests_per_try: int = 1


def _unknown(rig: Rig, hangs: list[int]) -> None:
    rig.telegram.fail_next(400, "SOME_NEW_ERROR", username=TARGET, request_type=SendMessageRequest)


def _server(rig: Rig, hangs: list[int]) -> None:
    # Telethon retries a 500 itself (twice); the drain sees the last one.
    rig.telegram.fail_next(
        500, "INTERNAL", times=3, username=TARGET, request_type=SendMessageRequest
    )


def _network(rig: Rig, hangs: list[int]) -> None:
    rig.telegram.break_next(
        lambda: ConnectionError("reset by peer"), username=TARGET, request_type=SendMessageRequest
    )


def _timeout(rig: Rig, hangs: list[int]) -> None:
    hangs.append(rig.telegram.channels[TARGET].id)


FAULTS = [
    Fault("unknown", "SOME_NEW_ERROR", _unknown),
    Fault("server", "SERVER", _server, requests_per_try=3),
    Fault("network", "NETWORK", _network),
    Fault("timeout", "TIMEOUT", _timeout),
]


@pytest.fixture
async def quick_rig(rig: Rig) -> AsyncIterator[tuple[Rig, list[int]]]:
    """The rig with a sender whose timeout is tiny, and a hook that hangs chosen sends.

    Append a channel id to the list and the next send to it is never answered.
    """
    sender = TelethonSender(fake_client(rig.telegram), timeout_s=QUICK_TIMEOUT_S)
    await sender.start()
    rig.deps.sender = sender
    hangs: list[int] = []
    never = asyncio.Event()

    async def hang(request: Any) -> None:
        if isinstance(request.peer, types.InputPeerChannel) and request.peer.channel_id in hangs:
            hangs.remove(request.peer.channel_id)
            await never.wait()

    rig.telegram.on_send = hang
    try:
        yield rig, hangs
    finally:
        await sender.close()


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
async def test_transient_error_backs_off_then_fails_with_last_code(
    quick_rig: tuple[Rig, list[int]], telethon_sleeps: RecordedSleeps, fault: Fault
) -> None:
    rig, hangs = quick_rig
    campaign = await rig.campaign(3, retry_limit=2)
    fault.inject(rig, hangs)
    await rig.start(campaign)
    await rig.work()

    first, retried, last = await rig.ledger(campaign)
    assert (first.status, last.status) == (S.SENT, S.SENT)
    assert (retried.status, retried.attempts, retried.error_code) == (S.QUEUED, 1, fault.code)
    assert 4.0 <= await retry_delay_s(rig, retried) <= 6.0
    assert await waiting_kicks(rig) == [retried.next_attempt_at]
    assert (await rig.get(campaign)).status is CampaignStatus.RUNNING
    assert (await channel(rig, TARGET)).consecutive_errors == 0

    await force_due(rig, retried)
    fault.inject(rig, hangs)
    await rig.work()
    retried = (await rig.ledger(campaign))[1]
    assert (retried.status, retried.attempts, retried.error_code) == (S.QUEUED, 2, fault.code)
    assert 8.0 <= await retry_delay_s(rig, retried) <= 12.0
    assert await waiting_kicks(rig) == [retried.next_attempt_at]

    # The retry limit is 2: the third failure is final.
    await force_due(rig, retried)
    fault.inject(rig, hangs)
    await rig.work()
    failed = (await rig.ledger(campaign))[1]
    assert (failed.status, failed.attempts, failed.error_code) == (S.FAILED, 3, fault.code)
    assert await waiting_kicks(rig) == []
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED

    target = await channel(rig, TARGET)
    assert (target.active, target.consecutive_errors) == (True, 1)
    assert await audit_rows(rig, "channel.deactivated") == []
    assert await notices(rig) == []
    assert (await account(rig)).status == "active"
    # Exactly once: every try of the delivery carried its one stored random_id.
    tries = sends_to(rig, TARGET)
    assert [r.random_id for r in tries] == [failed.random_id] * (3 * fault.requests_per_try)
    assert rig.telegram.posts[rig.telegram.channels[TARGET].id] == []


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
async def test_retry_after_transient_error_posts_once_with_same_random_id(
    quick_rig: tuple[Rig, list[int]], telethon_sleeps: RecordedSleeps, fault: Fault
) -> None:
    rig, hangs = quick_rig
    campaign = await rig.campaign(3)
    fault.inject(rig, hangs)
    await rig.start(campaign)
    await rig.work()
    retried = (await rig.ledger(campaign))[1]
    await force_due(rig, retried)
    await rig.work()

    sent = (await rig.ledger(campaign))[1]
    assert (sent.status, sent.attempts, sent.error_code, sent.error_text) == (S.SENT, 2, None, None)
    tries = sends_to(rig, TARGET)
    assert [r.random_id for r in tries] == [sent.random_id] * (fault.requests_per_try + 1)
    # The one that went through (and a hung one, which got that far) in `telegram.sent` too.
    handled = handled_for(rig, TARGET)
    assert [r.random_id for r in handled] == [sent.random_id] * (2 if fault.id == "timeout" else 1)
    [post] = rig.telegram.posts[rig.telegram.channels[TARGET].id]
    assert (post.random_id, post.message_id) == (sent.random_id, sent.message_id)
    assert rig.telegram.duplicates == 0
    assert (await channel(rig, TARGET)).consecutive_errors == 0
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


# --- the channel error limit ---------------------------------------------------------------


@pytest.fixture
async def strict_rig(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Rig]:
    async with delivery_rig(pool, policy=Policy(channel_error_limit=2)) as opened:
        _tap(opened, monkeypatch)
        yield opened


async def _run_failing_once(rig: Rig, campaign: Campaign) -> None:
    """Run a campaign (retry limit 0) in which the target's one send fails transiently."""
    rig.telegram.fail_next(400, "SOME_NEW_ERROR", username=TARGET, request_type=SendMessageRequest)
    await rig.start(campaign)
    await rig.work()
    assert (await rig.get(campaign)).status is CampaignStatus.COMPLETED


REFS = ["chan_00000", TARGET, "chan_00002"]


async def test_channel_error_limit_deactivates_across_campaigns(strict_rig: Rig) -> None:
    rig = strict_rig
    first = await rig.campaign(3, retry_limit=0)
    await _run_failing_once(rig, first)
    assert [d.status for d in await rig.ledger(first)] == [S.SENT, S.FAILED, S.SENT]
    target = await channel(rig, TARGET)
    assert (target.active, target.consecutive_errors) == (True, 1)
    assert await audit_rows(rig, "channel.deactivated") == []
    assert await notices(rig) == []

    second = await again(rig, REFS, retry_limit=0)
    await _run_failing_once(rig, second)
    assert [d.status for d in await rig.ledger(second)] == [S.SENT, S.FAILED, S.SENT]
    target = await channel(rig, TARGET)
    assert (target.active, target.consecutive_errors) == (False, 2)
    assert (target.deactivated_code, target.deactivated_count) == ("SOME_NEW_ERROR", 2)
    assert await audit_rows(rig, "channel.deactivated") == [
        ("channel", target.id, {"code": "SOME_NEW_ERROR", "count": 2, "ref": TARGET})
    ]
    gone = {"ref": TARGET, "code": "SOME_NEW_ERROR", "count": 2}
    assert await notices(rig) == [(second.id, "channels_deactivated", {"channels": [gone]})]

    # Later campaigns snapshot only active channels: the target is not in the ledger at all.
    third = await again(rig, REFS)
    await rig.start(third)
    await rig.work()
    ledger = await rig.ledger(third)
    assert target.id not in [d.channel_id for d in ledger]
    assert [d.status for d in ledger] == [S.SENT, S.SENT]
    assert len(sends_to(rig, TARGET)) == 2
    assert (await rig.get(third)).status is CampaignStatus.COMPLETED


async def test_success_resets_the_channel_error_count(strict_rig: Rig) -> None:
    rig = strict_rig
    first = await rig.campaign(3, retry_limit=0)
    await _run_failing_once(rig, first)
    assert (await channel(rig, TARGET)).consecutive_errors == 1

    ok = await again(rig, REFS)
    await rig.start(ok)
    await rig.work()
    assert [d.status for d in await rig.ledger(ok)] == [S.SENT] * 3
    assert (await channel(rig, TARGET)).consecutive_errors == 0

    # One more failure is again the first in a row: the channel stays.
    third = await again(rig, REFS, retry_limit=0)
    await _run_failing_once(rig, third)
    target = await channel(rig, TARGET)
    assert (target.active, target.consecutive_errors) == (True, 1)
    assert await audit_rows(rig, "channel.deactivated") == []


# --- cancel ---------------------------------------------------------------------------------


async def test_cancel_mid_run_stops_sends_and_reports_once(rig: Rig) -> None:
    campaign = await rig.campaign(5)

    async def cancel_at_second(request: Any) -> None:
        if len(rig.telegram.sent) == 2:  # the fake records a request before this hook
            async with rig.pool.connection() as conn:
                cancelled = await campaigns.cancel(conn, campaign.id)
            # The post in flight is still on its way: the campaign ends when it is recorded.
            assert cancelled is not None and cancelled.finished_at is None

    rig.telegram.on_send = cancel_at_second
    await rig.start(campaign)
    await rig.work()

    # The post in flight when the cancel landed went out, and the ledger says so.
    statuses = [d.status for d in await rig.ledger(campaign)]
    assert statuses == [S.SENT, S.SENT, S.CANCELLED, S.CANCELLED, S.CANCELLED]
    assert len(rig.telegram.sent) == 2
    cancelled = await rig.get(campaign)
    assert cancelled.status is CampaignStatus.CANCELLED and cancelled.finished_at is not None
    # The drain recorded the last post, so it ended the campaign and asked for the report.
    assert [j["args"] for j in await rig.jobs(names.CAMPAIGN_FINISHED)] == [
        {"campaign_id": campaign.id}
    ]
    assert await waiting_kicks(rig) == []

    # Nothing more goes out on a later kick either, and no second report.
    rig.telegram.on_send = None
    await defer.kick_drain(rig.app, rig.account_id)
    await rig.work()
    assert len(rig.telegram.sent) == 2
    assert (await rig.get(campaign)).status is CampaignStatus.CANCELLED
    assert len(await rig.jobs(names.CAMPAIGN_FINISHED)) == 1
