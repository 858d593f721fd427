"""The embedded PostgreSQL: real servers, started, restarted, stopped and orphaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from predlagator.db.embedded import EmbeddedPostgres, EmbeddedPostgresError, scratch_dir

# Started in a separate interpreter, so that the test can SIGKILL the server's parent.
ORPHANING_PARENT = """
import sys, threading
from pathlib import Path
from predlagator.db.embedded import EmbeddedPostgres
server = EmbeddedPostgres(Path(sys.argv[1]))
server.start()
print(server.pid, flush=True)
threading.Event().wait()
"""


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data directory (not yet created) whose parent an unprivileged postgres can reach."""
    with scratch_dir("predlagator-embedded-test-") as parent:
        yield parent / "pgdata"


def alive(pid: int) -> bool:
    """Whether `pid` runs; an unreaped zombie (reparented, not yet reaped) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children(pid: int) -> list[int]:
    """The pids whose parent is `pid` (the postmaster's checkpointer, walwriter, ...)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.02)
    return True


def test_cold_start_serves_queries_and_stop_ends_the_server(data_dir: Path) -> None:
    server = EmbeddedPostgres(data_dir)
    server.start()
    pid, url = server.pid, server.url
    assert pid is not None
    try:
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)
    finally:
        server.stop()
    assert not alive(pid)
    assert server.pid is None
    assert not Path(str(conninfo_to_dict(url)["host"])).exists()  # the socket directory
    assert (data_dir.stat().st_mode & 0o777) == 0o700
    assert (data_dir.parent / "postgres.log").exists()


def test_warm_start_keeps_the_data(data_dir: Path) -> None:
    with EmbeddedPostgres(data_dir) as server, psycopg.connect(server.url) as conn:
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
        conn.commit()
    with EmbeddedPostgres(data_dir) as server, psycopg.connect(server.url) as conn:
        assert conn.execute("SELECT note FROM kept").fetchall() == [("still here",)]


def test_max_connections_replaces_the_default(data_dir: Path) -> None:
    with (
        EmbeddedPostgres(data_dir, max_connections=137) as server,
        psycopg.connect(server.url) as conn,
    ):
        assert conn.execute("SHOW max_connections").fetchone() == ("137",)


def test_killed_parent_takes_the_server_along_and_the_data_dir_restarts(data_dir: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHANING_PARENT, str(data_dir)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        postmaster = int(parent.stdout.readline())
        server_processes = [postmaster, *children(postmaster)]
        assert len(server_processes) > 1  # checkpointer, walwriter, ... are watched too
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert wait_until(lambda: not any(alive(pid) for pid in server_processes))
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:  # unclosed, it is a ResourceWarning, an error under pytest
            parent.stdout.close()

    # The stale postmaster.pid left behind does not stop the next start, which also removes
    # the socket directory the killed run could not.
    stale_socket_dir = Path((data_dir / "postmaster.pid").read_text().splitlines()[4])
    assert stale_socket_dir.exists()
    with EmbeddedPostgres(data_dir) as server, psycopg.connect(server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert not stale_socket_dir.exists()


def test_a_server_started_from_a_short_lived_thread_outlives_it(data_dir: Path) -> None:
    # The kernel's death signal follows the forking thread, as with asyncio.to_thread(start).
    server = EmbeddedPostgres(data_dir)
    starter = threading.Thread(target=server.start)
    starter.start()
    starter.join()
    try:
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()


def test_stop_is_idempotent(data_dir: Path) -> None:
    server = EmbeddedPostgres(data_dir)
    server.stop()  # never started
    server.start()
    pid = server.pid
    assert pid is not None
    server.stop()
    server.stop()
    assert not alive(pid)
    with pytest.raises(EmbeddedPostgresError, match="not started"):
        _ = server.url


def test_leaving_the_block_by_an_exception_stops_the_server(data_dir: Path) -> None:
    pids: list[int] = []
    with pytest.raises(ZeroDivisionError), EmbeddedPostgres(data_dir) as server:
        assert server.pid is not None
        pids.append(server.pid)
        _ = 1 / 0
    assert not alive(pids[0])


def test_a_failed_start_reports_the_server_log(data_dir: Path) -> None:
    with EmbeddedPostgres(data_dir) as first:
        second = EmbeddedPostgres(data_dir)
        with pytest.raises(EmbeddedPostgresError, match=r"postmaster\.pid") as failure:
            second.start()
        assert "exited with code" in str(failure.value)
        assert second.pid is None
        with psycopg.connect(first.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_refuses_a_data_dir_owned_by_someone_else(data_dir: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can hand a directory to another user")
    data_dir.mkdir(mode=0o700)
    (data_dir / "PG_VERSION").write_text("18\n")  # root's, not the server user's
    with pytest.raises(EmbeddedPostgresError, match="belongs to uid 0"):
        EmbeddedPostgres(data_dir).start()


def test_refuses_a_cluster_the_server_user_cannot_reach(data_dir: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("as a normal user the server runs as us and reaches what we reach")
    private = data_dir.parent / "private"
    private.mkdir(mode=0o700)  # like pytest's tmp_path under root
    (private / "pgdata").mkdir()
    (private / "pgdata" / "PG_VERSION").write_text("18\n")  # never left for an empty one
    with pytest.raises(EmbeddedPostgresError, match="cannot traverse"):
        EmbeddedPostgres(private / "pgdata").start()
