"""The worker process the tests start: what they hand it reaches it as given."""

from __future__ import annotations

from predlagator.session_vault import new_key
from tests.fakes.shared_telegram import install
from tests.fakes.worker_process import READY, WorkerProcess, worker_processes


def dashed_key() -> str:
    """A session key that begins with "-", as about one Fernet key in 64 does."""
    while not (key := new_key()).startswith("-"):
        pass
    return key


async def test_a_session_key_that_begins_with_a_dash_starts_the_worker(db_url: str) -> None:
    install(db_url)
    async with worker_processes() as workers:
        worker = await WorkerProcess.start(
            db_url, prefix="dash", channels=1, session_key=dashed_key(), pooled=True
        )
        workers.append(worker)
        await worker.expect(READY)
