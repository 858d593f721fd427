"""Procrastinate's worker, run so that cancelling the task that runs it always stops it."""

from __future__ import annotations

import asyncio

import procrastinate
from procrastinate.app import WorkerOptions
from procrastinate.worker import Worker


async def run_jobs(app: procrastinate.App, options: WorkerOptions) -> None:
    """Run a worker of `app` until it stops by itself (it lost the database) or this task is
    cancelled, which stops it the way it stops (jobs in flight get their graceful time).

    A cancel handed to `app.run_worker_async` can be lost: the worker's start awaits pool
    connections, and Python 3.11's asyncio.wait_for (inside psycopg's pool) returns the
    connection instead of raising when a cancellation lands just as it comes, so the worker
    would start and serve on, deaf to the SIGTERM. Here the worker runs in a task of its own:
    a cancel of this one sets the worker's stop flag, which it reads before every fetch (its
    start clears the flag, but the start is always under way by then), and cancels its task
    too, which ends a start in progress at once unless the cancel is lost again.
    """
    # What app.run_worker_async does first. Procrastinate leaves these methods unannotated.
    app.perform_import_paths()  # type: ignore[no-untyped-call]
    final: WorkerOptions = {**app.worker_defaults, **options}
    worker = Worker(app=app, **final)
    running = asyncio.ensure_future(worker.run())  # type: ignore[no-untyped-call]
    try:
        await asyncio.shield(running)
    except asyncio.CancelledError:
        worker.stop()  # type: ignore[no-untyped-call]
        running.cancel()
        # Whatever it raises (the cancel, when it was not lost), it has stopped.
        await asyncio.gather(running, return_exceptions=True)
        raise
