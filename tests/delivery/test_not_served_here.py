"""A job of an account this worker does not serve (it let the account go just as it took the
job) sends nothing and is not lost: it goes back to the account's queue, for the holder."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.delivery.served import ServedAccounts
from predlagator.queue import defer, names
from predlagator.queue.app import make_app

ACCOUNT_ID = 7
WITHIN_S = 60.0


async def test_a_drain_and_a_test_send_of_an_account_not_served_here_go_back_to_its_queue(
    db_url: str, pool: Pool
) -> None:
    queue = names.account_queue(ACCOUNT_ID)
    app = make_app(tasks.blueprint)
    await app.open_async(pool=pool)
    request: dict[str, Any] = {
        "template_id": 1,
        "target": "me",
        "random_id": 4242,
        "deadline": (datetime.now(UTC) + timedelta(minutes=1)).isoformat(),
        "chat_id": 10,
        "lang": "en",
    }
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as listener:
        await listener.execute(f'LISTEN "procrastinate_queue_v1#{queue}"')
        await defer.kick_drain(app, ACCOUNT_ID)
        first_test = await defer.test_send(app, ACCOUNT_ID, **request)
        # The queue is in the worker's list, the account in nobody's hands here: the moment
        # between taking a job from the account's queue and letting the account go.
        served = ServedAccounts([queue])
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=served.queues,
                concurrency=1,
                additional_context={"pool": pool, "accounts": served},
                install_signal_handlers=False,
            )
        )
        try:
            inserted = 0
            async with asyncio.timeout(WITHIN_S):
                async for _ in listener.notifies():
                    inserted += 1  # the two deferred above, then each one put back
                    if inserted >= 4:
                        break
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
            await app.close_async()
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id, task_name, status, args FROM procrastinate_jobs WHERE queue_name = %s",
            (queue,),
        )
        jobs = await cur.fetchall()
    waiting = [job for job in jobs if job["status"] == "todo"]
    # One kick waits for the account's holder, and the test send with its own random_id (the
    # same post, never a second one); nothing failed.
    assert sorted(job["task_name"] for job in waiting) == [names.DRAIN, names.TEST_SEND]
    test_job = next(job for job in waiting if job["task_name"] == names.TEST_SEND)
    assert test_job["id"] != first_test
    assert test_job["args"] == {"account_id": ACCOUNT_ID, **request}
    assert [job for job in jobs if job["status"] == "failed"] == []
