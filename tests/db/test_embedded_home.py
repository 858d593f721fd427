"""Where the embedded PostgreSQL keeps its binaries and cluster when its user cannot reach ours."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from predlagator.db import embedded, embedded_home
from predlagator.db.embedded import EmbeddedPostgres, EmbeddedPostgresError, scratch_dir

AS_ROOT = os.geteuid() == 0
NOBODY = pwd.getpwnam("nobody")
root_only = pytest.mark.skipif(
    not AS_ROOT, reason="only root runs the server as another user and relocates for it"
)


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """A 0700 directory of ours (like `mktemp -d` or a home) inside a reachable scratch dir."""
    with scratch_dir("predlagator-home-test-") as parent:
        private = parent / "private"
        private.mkdir(mode=0o700)
        yield private


@pytest.fixture
def relocated() -> Iterator[list[Path]]:
    """Cluster homes a test made under CLUSTERS_HOME, removed afterwards."""
    homes: list[Path] = []
    yield homes
    for home in homes:
        assert home.parent == embedded_home.CLUSTERS_HOME  # never remove anything else
        if home.is_symlink():
            home.unlink()
        shutil.rmtree(home, ignore_errors=True)


def relocation_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The log records saying the server was relocated."""
    return [r for r in caplog.records if "relocated" in r.getMessage()]


def test_a_data_dir_the_server_user_can_reach_stays_in_place_even_when_private(
    private_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    if AS_ROOT:  # the server's user's own private directory
        os.chown(private_dir, NOBODY.pw_uid, NOBODY.pw_gid)
    with EmbeddedPostgres(private_dir / "pgdata") as server, psycopg.connect(server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert server.cluster_dir == private_dir / "pgdata"
    assert (private_dir / "pgdata" / "PG_VERSION").is_file()
    # Only the binaries may have moved, when this checkout itself is out of nobody's reach.
    assert [r for r in relocation_lines(caplog) if "cluster" in r.__dict__] == []


@root_only
def test_a_cluster_nobody_cannot_reach_is_kept_in_a_home_of_its_own_across_runs(
    private_dir: Path, relocated: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    data_dir = private_dir / "pgdata"
    with EmbeddedPostgres(data_dir) as server, psycopg.connect(server.url) as conn:
        relocated.append(server.cluster_dir.parent)
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
        conn.commit()
    cluster = server.cluster_dir
    [line] = relocation_lines(caplog)
    assert line.__dict__["cluster"] == str(cluster)
    assert cluster.parent.parent == embedded_home.CLUSTERS_HOME
    assert (cluster.parent / "origin").read_text() == f"{data_dir}\n"
    st = cluster.stat()
    assert (st.st_uid, st.st_mode & 0o777) == (NOBODY.pw_uid, 0o700)
    assert not data_dir.exists()  # nothing of the cluster in the private directory
    assert (private_dir / "postgres.log").is_file()  # the log stays beside DATA_DIR
    assert private_dir.stat().st_mode & 0o777 == 0o700  # and its mode is left alone

    with EmbeddedPostgres(data_dir) as again, psycopg.connect(again.url) as conn:
        assert again.cluster_dir == cluster
        assert conn.execute("SELECT note FROM kept").fetchall() == [("still here",)]


@root_only
def test_a_relocated_cluster_home_replaced_by_a_symlink_is_refused(
    private_dir: Path, relocated: list[Path]
) -> None:
    with EmbeddedPostgres(private_dir / "pgdata") as server:
        home = server.cluster_dir.parent
        relocated.append(home)
    elsewhere = private_dir.parent / "elsewhere"
    home.rename(elsewhere)
    home.symlink_to(elsewhere)
    with pytest.raises(EmbeddedPostgresError, match="is not a directory of uid 0"):
        EmbeddedPostgres(private_dir / "pgdata").start()


@root_only
def test_binaries_nobody_cannot_reach_run_from_one_root_owned_copy(private_dir: Path) -> None:
    wheel = embedded.install_dir()
    package = private_dir / wheel.parent.name
    for part in embedded_home.INSTALL_PARTS:
        shutil.copytree(wheel / part, package / wheel.name / part)
    libs = wheel.parent.parent / f"{wheel.parent.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, private_dir / libs.name)
    unreachable = package / wheel.name

    copy = embedded_home.reachable_install(unreachable, NOBODY.pw_uid, NOBODY.pw_gid)
    assert copy.is_relative_to(embedded_home.BINARIES_HOME)
    assert embedded_home.reachable_install(unreachable, NOBODY.pw_uid, NOBODY.pw_gid) == copy
    for path in [copy, *copy.rglob("*")]:
        st = path.lstat()
        assert st.st_uid == 0
        assert not st.st_mode & 0o022, path
    # initdb needs the bundled libpq beside the package, as in the wheel.
    version = subprocess.run(
        [str(copy / "bin" / "initdb"), "--version"],
        capture_output=True,
        text=True,
        check=True,
        user=NOBODY.pw_uid,
        group=NOBODY.pw_gid,
        extra_groups=[],
    )
    assert version.stdout.startswith("initdb (PostgreSQL)")
