"""The embedded server's process plumbing: dying with us, zombies, postmaster.pid, its log."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PR_SET_PDEATHSIG = 1
LOG_TAIL_LINES = 30


class ZombieError(RuntimeError):
    """An earlier postmaster stays a zombie nobody reaps."""


def read_pid_file(cluster_dir: Path) -> list[str]:
    """The lines of postmaster.pid: pid, data dir, start time, port, socket dir, ..., status."""
    try:
        return (cluster_dir / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return []


def wait_until_reaped(stale: list[str], timeout: float) -> None:
    """Let a killed earlier postmaster be reaped before starting on its data directory.

    PostgreSQL ignores a postmaster.pid whose process is gone, but a SIGKILLed postmaster
    stays a zombie until init reaps it, and kill(pid, 0) still finds a zombie. Some inits
    (this machine's among them) reap only every couple of seconds.
    """
    if not stale or not stale[0].isdigit():
        return
    pid = int(stale[0])
    deadline = time.monotonic() + timeout
    while is_zombie(pid):
        if time.monotonic() > deadline:
            raise ZombieError(
                f"the postmaster (pid {pid}) of an earlier run is a zombie nobody reaps"
            )
        time.sleep(0.02)


def remove_stale_socket_dir(stale: list[str], current: Path | None) -> None:
    """Remove the socket directory a killed earlier run left behind (not `current`).

    Safe only once our postmaster holds the data directory's lock: that run is over then.
    """
    if len(stale) < 5:
        return
    old = Path(stale[4])
    if old != current and old.parent == Path("/tmp") and old.name.startswith("pgsock-"):
        shutil.rmtree(old, ignore_errors=True)


def log_tail(log_path: Path, offset: int) -> str:
    """The last lines written to postgres.log since `offset`."""
    try:
        with log_path.open("rb") as log_file:
            log_file.seek(offset)
            text = log_file.read().decode(errors="replace")
    except OSError as error:
        return f"(no log at {log_path}: {error})"
    return "\n".join(text.splitlines()[-LOG_TAIL_LINES:])


def is_zombie(pid: int) -> bool:
    """Whether `pid` has exited but not yet been reaped (Linux /proc)."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The command name in parentheses may contain spaces; the state follows its closing one.
    return stat_line.rsplit(")", 1)[1].split()[0] == "Z"


def die_with_parent() -> Callable[[], None]:
    """A preexec_fn asking the kernel to SIGKILL the child when we die, even by SIGKILL.

    It runs after Popen's setuid, which would otherwise reset the death signal.
    """
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before fork, not in the child
    parent = os.getpid()

    def preexec() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(127)
        if os.getppid() != parent:  # we died before the death signal was armed
            os._exit(127)

    return preexec


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A temporary directory under /tmp that an unprivileged PostgreSQL can reach; removed after.

    pytest's tmp_path is 0700 under root, which `nobody` cannot traverse.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
