"""Actions over posts under fire: kill -9 the worker at random moments of an edit or delete
over a campaign's posts, restart it, and count at the fake that every post was changed exactly
once, none missed.

Each worker is a real process (`tests.fakes.worker_process`) over one fake Telegram kept in
PostgreSQL (tests/fakes/shared_telegram.py: posts, edits and deletes outlive the processes). The
campaign is posted first by one worker; then the action starts and the kill moments are drawn
within its expected duration (posts ÷ rate) of worker uptime. Used by bench/actions.py --kills.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from typing import Any

from bench.common import fresh_database, server
from predlagator.db import accounts, actions, templates
from predlagator.db.pool import Pool
from predlagator.models import ActionStatus, PostAction
from predlagator.queue import defer
from predlagator.queue.app import make_app
from tests.factories import make_campaign
from tests.fakes import shared_telegram
from tests.fakes.shared_telegram import channel_id_of, channel_refs, install
from tests.fakes.worker_process import (
    READY,
    ActionWatch,
    CampaignWatch,
    WorkerProcess,
    launch,
    worker_processes,
)

PREFIX = "act"
NEW_HTML = "<b>Fixed</b> news"


async def _worker(db_url: str, channels: int, rate: float, latency_ms: float) -> WorkerProcess:
    worker = await WorkerProcess.start(
        db_url,
        prefix=PREFIX,
        channels=channels,
        rate=rate,
        latency_ms=latency_ms,
        log_level="WARNING",
    )
    await worker.expect(READY, timeout_s=120.0)
    return worker


async def _start(pool: Pool, campaign_id: int, kind: PostAction) -> int:
    """What the bot's Edit or Delete does: make the action and kick its accounts' drains."""
    async with pool.connection() as conn:
        template_id = None
        if kind is PostAction.EDIT:
            template_id = (await templates.create(conn, "v2", NEW_HTML, created_by=1)).id
        action, _ = await actions.start(
            conn, campaign_id=campaign_id, kind=kind, template_id=template_id
        )
        kick = await actions.accounts_of(conn, action.id)
    app = make_app()
    await app.open_async(pool=pool)
    try:
        for account_id in kick:
            await defer.kick_drain(app, account_id)
    finally:
        await app.close_async()
    return action.id


async def run(
    channels: int, kills: int, rate: float, latency_ms: float, kind: PostAction, seed: int
) -> dict[str, Any]:
    """Post the campaign, then run the action through `kills` crashes; the figures."""
    rng = random.Random(seed)
    expected_s = channels / rate * 60.0
    moments = sorted(rng.uniform(0.0, expected_s) for _ in range(kills))
    lifetimes = [later - earlier for earlier, later in itertools.pairwise([0.0, *moments])]
    bound_s = 3 * expected_s + 180.0
    with server() as url:
        async with fresh_database(url) as (db_url, pool):
            install(db_url)
            async with pool.connection() as conn:
                await accounts.ensure(conn, accounts.MAIN_ACCOUNT, rate)
            campaign = await make_campaign(pool, channel_refs(PREFIX, channels), rate=rate)
            async with worker_processes() as workers:
                async with CampaignWatch(db_url) as watch:
                    first = await _worker(db_url, channels, rate, latency_ms)
                    workers.append(first)
                    await launch(pool, campaign.id)
                    assert await watch.until(campaign.id, "completed", bound_s)
                    await first.stop()
                kills_while_running = 0
                started = time.perf_counter()
                async with ActionWatch(db_url) as watch:
                    action_id = await _start(pool, campaign.id, kind)
                    for lifetime in lifetimes:
                        worker = await _worker(db_url, channels, rate, latency_ms)
                        workers.append(worker)
                        await asyncio.sleep(lifetime)  # a crash at a random moment is the point
                        if await watch.status(action_id) == ActionStatus.RUNNING:
                            kills_while_running += 1
                        await worker.kill()
                    last = await _worker(db_url, channels, rate, latency_ms)
                    workers.append(last)
                    completed = await watch.until(action_id, ActionStatus.COMPLETED, bound_s)
                    elapsed = time.perf_counter() - started
                    await last.stop()
            async with pool.connection() as conn:
                counts = await shared_telegram.action_counts(conn, kind.value)
                progress = await actions.progress(conn, action_id)
                cur = await conn.execute(
                    "SELECT count(*) AS n FROM fake_requests WHERE name = %s",
                    ("EditMessageRequest" if kind is PostAction.EDIT else "DeleteMessagesRequest",),
                )
                row = await cur.fetchone()
    wanted = {channel_id_of(ref) for ref in channel_refs(PREFIX, channels)}
    changed = {chat for chat, _ in counts}
    assert row is not None
    return {
        "kills": kills,
        "kills_while_running": kills_while_running,
        "kill_seed": seed,
        "crash_completed": completed,
        "crash_seconds": round(elapsed, 1),
        "crash_changed_once": sum(1 for n in counts.values() if n == 1),
        "crash_changed_more": sum(1 for n in counts.values() if n > 1),
        "crash_lost": len(wanted - changed),
        "crash_rows_done": progress.done,
        "crash_rows_failed": progress.failed,
        "crash_requests": int(row["n"]),
    }
