"""An action over a campaign's posts (edit or delete) beside a campaign still posting from the
same account: completion against (requests ÷ the account's pace), and every window of the
account's requests, posts and actions together, against its rate.

The campaign whose posts the action acts on is posted first at full speed (no latency, a fast
pace), then the account's pace is set to `--rate` and the fake's network latency to
`--latency-ms`; the action starts and, at the same moment, a second campaign over `--posts` of
the same channels starts posting. One account, one drain, as a worker runs it. Then, with
`--kills`, the same action again through kill -9 of real worker processes (bench/actions_crash.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).parent.resolve():
    del sys.path[0]  # before asyncio is imported: see bench/__init__.py

import argparse
import asyncio
import random
import time
from typing import Any

from bench import actions_crash
from bench.common import fresh_database, machine, report, server
from bench.pacing import WINDOWS_S, allowed, fullest, window_violations
from predlagator.db import actions, batches, campaigns, templates
from predlagator.delivery import pacing
from predlagator.delivery.drain import Drain
from predlagator.models import FINISHED, ActionStatus, Campaign, CampaignAction, PostAction
from tests.pool_rig import Member, PoolRig, pool_rig

IDLE_S = 0.05  # how often an idle account looks again (what a kick does in a worker)
SETUP_RATE = 60_000.0
NEW_HTML = "<b>Fixed</b> news"
# The requests that count in the account's pace.
PACED = {"SendMessageRequest", "EditMessageRequest", "DeleteMessagesRequest"}


async def serve(rig: PoolRig, member: Member, done: Any) -> float:
    """Run the account's drain again whenever it returns, until `done()`; return that moment."""
    while True:
        await Drain(member.deps, member.account_id).run()
        if await done():
            return time.monotonic()
        await asyncio.sleep(IDLE_S)  # a benchmark watches the clock


async def status(rig: PoolRig, action: CampaignAction) -> ActionStatus:
    async with rig.pool.connection() as conn:
        fresh = await actions.get(conn, action.id)
    assert fresh is not None
    return fresh.status


async def start(rig: PoolRig, campaign: Campaign, kind: PostAction) -> CampaignAction:
    async with rig.pool.connection() as conn:
        template_id = None
        if kind is PostAction.EDIT:
            template_id = (await templates.create(conn, "v2", NEW_HTML, created_by=1)).id
        action, _ = await actions.start(
            conn, campaign_id=campaign.id, kind=kind, template_id=template_id
        )
    return action


async def beside(rig: PoolRig, first: Campaign, posts: int, rate: float) -> Campaign | None:
    """A second campaign over the first `posts` channels of the first one's list."""
    if posts == 0:
        return None
    async with rig.pool.connection() as conn:
        refs = [c.ref for c in await batches.list_channels(conn, first.batch_id)][:posts]
        batch, _ = await batches.create(conn, "beside", refs, created_by=1)
        return await campaigns.create(
            conn,
            name="beside",
            batch_id=batch.id,
            template_id=first.template_id,
            account_id=rig.members[0].account_id,
            rate_per_minute=rate,
            retry_limit=first.retry_limit,
            chat_id=first.chat_id,
            language=first.language,
            created_by=1,
        )


async def main(
    channels: int, rate: float, latency_ms: float, kind: PostAction, posts: int
) -> dict[str, Any]:
    with server() as url:
        async with (
            fresh_database(url, pool_size=6) as (_, pool),
            pool_rig(pool, [SETUP_RATE], real_time=True) as rig,
        ):
            [member] = rig.members
            first = await rig.campaign(channels, rate=SETUP_RATE)
            await rig.launch(first)
            await serve(rig, member, lambda: _finished(rig, first))
            second = await beside(rig, first, posts, rate)
            async with pool.connection() as conn:
                await conn.execute(
                    "UPDATE accounts SET rate_per_minute = %s, last_slot_at = NULL", (rate,)
                )
            member.telegram.latency_s = latency_ms / 1000
            # As a worker taking the account over would: the window guard forgets the set-up's
            # posts, made at another pace (kept, they would hold the new pace back a while).
            member.deps.let_go = pacing.PostLog()
            member.deps.left = pacing.PostLog(pacing.WINDOW_MARGIN)
            before = len(member.telegram.requests)
            started = time.monotonic()
            action = await start(rig, first, kind)
            if second is not None:
                await rig.launch(second)

            async def done() -> bool:
                ended = await status(rig, action) in (
                    ActionStatus.COMPLETED,
                    ActionStatus.CANCELLED,
                )
                return ended and (second is None or await _finished(rig, second))

            ended = await serve(rig, member, done)
            requests = member.telegram.requests[before:]
            async with pool.connection() as conn:
                progress = await actions.progress(conn, action.id)
            fake = member.telegram.post_actions
            changed = fake.count(kind.value)
            second_rows = await rig.ledger(second) if second is not None else []
    paced = [at for at, name in requests if name in PACED]
    acted = [at for at, name in requests if name in PACED - {"SendMessageRequest"}]
    planned_s = len(paced) / rate * 60.0
    result: dict[str, Any] = {
        "action": kind.value,
        "channels": channels,
        "posts_beside": posts,
        "rate": rate,
        "latency_ms": latency_ms,
        "completion_ratio": round((ended - started) / planned_s, 4),
        "action_requests": len(acted),
        "post_requests": len(paced) - len(acted),
        "window_violations": sum(window_violations(paced, rate, w) for w in WINDOWS_S),
    }
    for window in WINDOWS_S:
        result[f"window_violations_{window:g}s"] = window_violations(paced, rate, window)
        result[f"fullest_{window:g}s"] = fullest(paced, window)
        result[f"allowed_{window:g}s"] = allowed(rate, window)
    result.update(
        rows_done=progress.done,
        rows_failed=progress.failed,
        # Each channel's post changed exactly once at the fake, none missed.
        changed_once=sum(1 for n in changed.values() if n == 1),
        changed_more=sum(1 for n in changed.values() if n > 1),
        lost=channels - len(changed),
        posts_sent=sum(1 for d in second_rows if d.status == "sent"),
    )
    return result


async def _finished(rig: PoolRig, campaign: Campaign) -> bool:
    async with rig.pool.connection() as conn:
        fresh = await campaigns.get(conn, campaign.id)
    return fresh is not None and fresh.status in FINISHED


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=600.0, help="the account's requests a minute")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--action", choices=["edit", "delete"], default="edit")
    parser.add_argument(
        "--posts", type=int, default=100, help="posts of a second campaign beside the action"
    )
    parser.add_argument("--kills", type=int, default=5, help="kill -9 of the worker mid-action")
    parser.add_argument("--seed", type=int, default=None, help="the kill moments' seed")
    args = parser.parse_args()
    kind = PostAction(args.action)
    print(f"machine: {machine()}", flush=True)
    result = asyncio.run(main(args.channels, args.rate, args.latency_ms, kind, args.posts))
    if args.kills:
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
        crash = actions_crash.run(args.channels, args.kills, args.rate, args.latency_ms, kind, seed)
        result.update(asyncio.run(crash))
    report(result)
