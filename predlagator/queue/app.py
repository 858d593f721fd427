"""The Procrastinate app of a process, sharing that process's connection pool."""

from __future__ import annotations

import procrastinate

from predlagator.db.pool import Pool


def make_app(*blueprints: procrastinate.Blueprint) -> procrastinate.App:
    """Build an app with the given task blueprints (none in a process that only defers)."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(),
        worker_defaults={
            # Scheduled and retried jobs start up to one polling interval late; 1 s keeps
            # kicks after a wait punctual.
            "fetch_job_polling_interval": 1.0,
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
