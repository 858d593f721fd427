"""The README's two commands from a fresh checkout under a private (0700) directory."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from predlagator.config import Settings
from predlagator.db import embedded_home
from predlagator.db.migrate import available

ROOT = Path(__file__).resolve().parents[2]
# The test the copies run: it needs a database, so it starts the embedded server there.
PROBE = f"{Path(__file__).relative_to(ROOT)}::test_the_test_database_is_migrated"
SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)
# Variables that would point the copy at this checkout's environment or at a real database.
FOREIGN = frozenset(
    {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_RUN_RECURSION_DEPTH", "TEST_DATABASE_URL"}
)
COMMAND_TIMEOUT = 600.0  # a cold `uv sync`, aiogram's import and initdb on a busy 2-core machine
BOT_TOKEN_LINE = (
    "predlagator: BOT_TOKEN is not set: create a bot with @BotFather "
    "and copy its token (123456:ABC...)."
)
RELOCATED = "embedded PostgreSQL relocated"
UNPRIVILEGED = "nobody"
TOP_LEVEL_STATE = frozenset({".git", ".venv", ".env", "data"})
CACHES = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.session"
)


@dataclass
class Ran:
    """A command that ran to its end."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Both streams, for assertion messages."""
        return f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"

    def lines_with(self, marker: str) -> list[str]:
        """The stderr lines containing `marker`."""
        return [line for line in self.stderr.splitlines() if marker in line]


def run(*argv: str, cwd: Path, env: dict[str, str], user: pwd.struct_passwd | None = None) -> Ran:
    """Run a command to its end, as `user` when given (we are root then)."""
    done = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
        user=user.pw_uid if user else None,
        group=user.pw_gid if user else None,
        extra_groups=[] if user else None,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def readme_env(**extra: str) -> dict[str, str]:
    """This environment without any Predlagator setting or pointer to this checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in FOREIGN and key.upper() not in SETTING_NAMES
    }
    env.update(extra)
    return env


def copy_checkout(destination: Path) -> Path:
    """Copy this checkout's working tree: the files git sees, else all but local state."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout: an unpacked archive or a plain copy
        shutil.copytree(ROOT, destination, ignore=_local_state)
        return destination
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():  # a tracked file deleted in the working tree is skipped
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def _local_state(directory: str, names: list[str]) -> set[str]:
    """What .gitignore leaves out: environments, caches, settings, data and sessions."""
    skipped = set(CACHES(directory, names))
    if Path(directory) == ROOT:
        skipped |= TOP_LEVEL_STATE & set(names)
    return skipped


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """A fresh `mktemp -d`: mode 0700, owned by us."""
    path = Path(tempfile.mkdtemp(prefix="predlagator-private-"))
    assert path.stat().st_mode & 0o777 == 0o700
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def assert_run_got_past_the_database(ran: Ran) -> int:
    """It stopped at the missing BOT_TOKEN after migrating; return how many were applied."""
    assert ran.returncode == 2, ran.output
    assert "Traceback" not in ran.stderr, ran.output
    assert ran.stderr.splitlines()[-1] == BOT_TOKEN_LINE, ran.output
    ready = ran.lines_with("database ready")
    assert len(ready) == 1, ran.output
    return int(ready[0].rsplit("migrations_applied=", 1)[1].split()[0])


def relocated_cluster(ran: Ran) -> Path | None:
    """The cluster directory the one relocation line names, if there is one."""
    lines = ran.lines_with(RELOCATED)
    assert len(lines) <= 1, ran.output
    for field in lines[0].split() if lines else []:
        if field.startswith("cluster="):
            return Path(field.removeprefix("cluster="))
    return None


def test_the_test_database_is_migrated(db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT version FROM predlagator_migrations ORDER BY version")
        assert [row[0] for row in rows.fetchall()] == [v for v, _, _ in available()]


def test_ci_runs_the_readme_test_command_as_written() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in section.splitlines() if line.startswith("    uv run")]
    assert commands == ["uv run predlagator run", "uv run pytest"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert '\nstep "pytest" uv run pytest\n' in ci
    assert "UV_PROJECT_ENVIRONMENT" not in ci  # the checkout's own ./.venv, as in the README


def test_the_readme_commands_work_from_a_checkout_in_a_private_directory(
    private_dir: Path,
) -> None:
    # Whoever runs the suite: as root the server's user cannot reach this directory at all.
    checkout = copy_checkout(private_dir / "predlagator")
    env = readme_env()

    tests = run("uv", "run", "pytest", PROBE, "-p", "no:cacheprovider", cwd=checkout, env=env)
    assert tests.returncode == 0, tests.output
    assert "1 passed" in tests.stdout, tests.output
    assert (checkout / ".venv").is_dir()  # the README's command uses the checkout's own

    first = run("uv", "run", "predlagator", "run", cwd=checkout, env=env)
    cluster = relocated_cluster(first)
    try:
        assert assert_run_got_past_the_database(first) == len(available()) + 1, first.output
        second = run("uv", "run", "predlagator", "run", cwd=checkout, env=env)
        assert assert_run_got_past_the_database(second) == 0, second.output  # the data stayed
        assert relocated_cluster(second) == cluster
        if os.geteuid() == 0:
            # PostgreSQL runs as nobody, who cannot enter the private directory.
            assert cluster is not None, first.output
            assert not cluster.is_relative_to(private_dir)
            assert cluster.stat().st_uid == pwd.getpwnam(UNPRIVILEGED).pw_uid
            assert (cluster / "PG_VERSION").is_file()
            assert not (checkout / "data" / "pgdata").exists()
        else:
            assert cluster is None, first.output
            assert (checkout / "data" / "pgdata" / "PG_VERSION").is_file()
        assert (checkout / "data" / "postgres.log").is_file()  # the log stays with DATA_DIR
    finally:
        if cluster is not None and cluster.parent.parent == embedded_home.CLUSTERS_HOME:
            shutil.rmtree(cluster.parent)


def python_for(user: pwd.struct_passwd) -> str | None:
    """A Python 3.11 that `user` can run (ours may live under root's private home)."""
    check = "import sys; assert sys.version_info[:2] == (3, 11)"
    for candidate in (os.path.realpath(sys.executable), "/usr/bin/python3.11"):
        try:
            probe = run(candidate, "-c", check, cwd=Path("/"), env={}, user=user)
        except OSError:  # not there, or not reachable by that user
            continue
        if probe.returncode == 0:
            return candidate
    return None


def test_the_readme_commands_work_for_an_unprivileged_user_in_a_private_directory(
    private_dir: Path,
) -> None:
    if os.geteuid() != 0:
        pytest.skip("run by a normal user, the test above already is this one")
    user = pwd.getpwnam(UNPRIVILEGED)
    python = python_for(user)
    if python is None:
        pytest.skip(f"no Python 3.11 that {UNPRIVILEGED} can run")
    os.chown(private_dir, user.pw_uid, user.pw_gid)  # their own `mktemp -d`
    checkout = copy_checkout(private_dir / "predlagator")
    for path in [checkout, *checkout.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
    # uv as that user would need a cache and the network of its own; root builds the same
    # ./.venv from root's cache, and the user runs what `uv run` would run in it.
    synced = run("uv", "sync", "--python", python, cwd=checkout, env=readme_env())
    assert synced.returncode == 0, synced.output
    bin_dir = checkout / ".venv" / "bin"
    env = readme_env(HOME=str(private_dir), PATH=f"{bin_dir}:/usr/bin:/bin")

    tests = run(
        str(bin_dir / "pytest"), PROBE, "-p", "no:cacheprovider", cwd=checkout, env=env, user=user
    )
    assert tests.returncode == 0, tests.output
    assert "1 passed" in tests.stdout, tests.output

    ran = run(str(bin_dir / "predlagator"), "run", cwd=checkout, env=env, user=user)
    assert assert_run_got_past_the_database(ran) == len(available()) + 1
    assert relocated_cluster(ran) is None, ran.output
    data_dir = checkout / "data" / "pgdata"
    assert (data_dir / "PG_VERSION").is_file()
    assert data_dir.stat().st_uid == user.pw_uid
