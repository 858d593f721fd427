"""The Procrastinate app of a process, sharing that process's connection pool."""

from __future__ import annotations

import procrastinate

from predlagator.db.pool import Pool
from predlagator.queue.connector import Connector


def make_app(
    *blueprints: procrastinate.Blueprint, connector: Connector | None = None
) -> procrastinate.App:
    """Build an app with the given task blueprints (none in a process that only defers), on
    our connector or the one given (the worker's, whose listener follows its queues)."""
    app = procrastinate.App(
        connector=connector or Connector(),
        worker_defaults={
            # Scheduled jobs (the kick at the end of a flood wait, a retry coming due) start
            # up to one polling interval late, as nothing wakes the worker for them; half a
            # second keeps the resume after a wait within a second, at one cheap query a tick.
            "fetch_job_polling_interval": 0.5,
            "delete_jobs": "successful",
        },
    )
    for blueprint in blueprints:
        app.add_tasks_from(blueprint, namespace="")
    return app


async def open_app(app: procrastinate.App, pool: Pool) -> procrastinate.App:
    """Open the app on the process's pool; close it with `app.close_async()`."""
    await app.open_async(pool=pool)
    return app
