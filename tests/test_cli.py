"""The `predlagator` command as a real subprocess: help, setting errors, migrate, and `run`
end to end on an embedded PostgreSQL against the fake Bot API server, stopped by signals."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import stat
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from telethon.crypto import AuthKey
from telethon.sessions import StringSession

from predlagator.bot.home.menu import COMMANDS, help_text
from predlagator.bot.texts import t
from predlagator.config import ConfigError, Settings
from predlagator.db.embedded import EmbeddedPostgres, scratch_dir
from predlagator.db.migrate import available
from predlagator.delivery.login import LoginError, login_account
from predlagator.models import Account
from predlagator.session_vault import Vault, check_key, new_key
from tests.fakes.bot_api_server import FakeBotApi
from tests.fakes.telethon_fake import API_HASH, API_ID, LOGIN_CODE, FakeMTProtoSender, FakeTelegram

CLI = (sys.executable, "-m", "predlagator.cli")
SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)
OWNER = 5_550_001
STRANGER = 5_550_999
STARTUP_TIMEOUT = 120.0  # imports (aiogram ~6 s), initdb, migrations, on a busy 2-core machine
REPLY_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0
ONE_SHOT_TIMEOUT = 120.0


def product_env(**settings: str) -> dict[str, str]:
    """The test's environment minus every Predlagator setting, plus `settings`."""
    env = {key: value for key, value in os.environ.items() if key.upper() not in SETTING_NAMES}
    env.update(settings)
    return env


@dataclass
class Finished:
    """A command that ran to its end."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        """Non-empty lines of stderr."""
        return [line for line in self.stderr.splitlines() if line.strip()]


async def run_cli(*args: str, env: dict[str, str], cwd: Path) -> Finished:
    """Run `predlagator args...` to its end."""
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), ONE_SHOT_TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return Finished(proc.returncode, out.decode(), err.decode())


class Product:
    """A long-running `predlagator` subprocess; its stderr is collected line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._new_line = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, *args: str, env: dict[str, str], cwd: Path) -> Product:
        """Start `predlagator args...` with stdout discarded and stderr read."""
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            *args,
            env=env,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            async with self._new_line:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._new_line.notify_all()
        async with self._new_line:  # stderr closed: no line will come
            self._new_line.notify_all()

    async def wait_for_line(self, marker: str, timeout: float) -> str:  # noqa: ASYNC109
        """Wait until it writes a stderr line containing `marker`; return that line."""

        async def scan() -> str:
            seen = 0
            async with self._new_line:
                while True:
                    for line in self.lines[seen:]:
                        if marker in line:
                            return line
                    seen = len(self.lines)
                    if self._reader.done() or self.proc.stderr is None:
                        raise AssertionError(f"stderr ended without {marker!r}:\n{self.stderr}")
                    await self._new_line.wait()

        try:
            return await asyncio.wait_for(scan(), timeout)
        except TimeoutError:
            raise AssertionError(f"no {marker!r} within {timeout} s:\n{self.stderr}") from None

    @property
    def stderr(self) -> str:
        """Everything it wrote to stderr so far."""
        return "\n".join(self.lines)

    def signal(self, signum: signal.Signals) -> None:
        """Send `signum` to the product process (not its group)."""
        self.proc.send_signal(signum)

    async def exit_code(self, timeout: float) -> int:  # noqa: ASYNC109 - a deadline
        """Wait until it exits and its stderr is read to the end; return its exit code."""
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"predlagator still runs after {timeout} s; stderr:\n{self.stderr}"
            ) from None
        await self._reader
        return code

    async def kill(self) -> None:
        """SIGKILL it if it still runs (cleanup after a failed test)."""
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        await self._reader


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A temporary cwd and DATA_DIR that an unprivileged PostgreSQL can reach."""
    with scratch_dir("predlagator-cli-test-") as path:
        yield path


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API server, listening."""
    async with FakeBotApi() as api:
        yield api


# ---- processes ------------------------------------------------------------------------------


def _cmdline(pid: str) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _parent(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def postmasters(data_dir: Path) -> list[int]:
    """Running postgres servers whose -D is `data_dir` (a zombie's cmdline is empty).

    A backend the postmaster has just forked shows the postmaster's own command line until it
    renames itself; it is its child, so it is not counted as a second server.
    """
    found = []
    for entry in Path("/proc").iterdir():
        argv = _cmdline(entry.name) if entry.name.isdigit() else []
        if (
            argv
            and Path(argv[0]).name == "postgres"
            and "-D" in argv[:-1]
            and argv[argv.index("-D") + 1] == str(data_dir)
        ):
            found.append(int(entry.name))
    return [pid for pid in found if _parent(str(pid)) not in found]


def server_processes(data_dir: Path) -> list[int]:
    """The postmasters on `data_dir` and their children (checkpointer, walwriter, ...)."""
    masters = set(postmasters(data_dir))
    children = {
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _parent(entry.name) in masters
    }
    return sorted(masters | children)


async def wait_all_exited(pids: list[int], timeout: float) -> None:  # noqa: ASYNC109
    """Wait until every pid has exited, woken by pidfds (readable once a process exits)."""
    loop = asyncio.get_running_loop()
    fds = []
    for pid in pids:
        try:
            fds.append(os.pidfd_open(pid))
        except ProcessLookupError:
            continue  # already gone and reaped

    async def exited(fd: int) -> None:
        gone = asyncio.Event()
        loop.add_reader(fd, gone.set)
        try:
            await gone.wait()
        finally:
            loop.remove_reader(fd)

    try:
        await asyncio.wait_for(asyncio.gather(*(exited(fd) for fd in fds)), timeout)
    finally:
        for fd in fds:
            os.close(fd)


def migrated_versions(data_dir: Path) -> list[int]:
    """Start our own server on a stopped data directory; read the applied migrations."""
    with EmbeddedPostgres(data_dir) as server, psycopg.connect(server.url) as conn:
        rows = conn.execute("SELECT version FROM predlagator_migrations ORDER BY version")
        versions = [int(row[0]) for row in rows.fetchall()]
        queue = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
        assert queue == (True,)
    return versions


def assert_stopped_by_fast_shutdown(data_parent: Path) -> None:
    """The last server run ended in its fast shutdown (not SIGKILL) and removed its socket."""
    server_log = (data_parent / "postgres.log").read_text()
    assert server_log.rstrip().endswith("database system is shut down"), server_log
    socket_dirs = re.findall(r'listening on Unix socket "(/tmp/pgsock-[^/"]+)/', server_log)
    assert socket_dirs
    assert not Path(socket_dirs[-1]).exists()


def assert_clean_error(result: Finished, *needles: str) -> str:
    """Exit 2, no traceback, and the last stderr line names every needle; return that line."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr_lines[-1]
    assert last.startswith("predlagator: "), result.stderr
    for needle in needles:
        assert needle in last, result.stderr
    return last


# ---- help -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "described"),
    [
        (None, "steered from a bot chat"),
        ("run", "bot and worker in one process"),
        ("bot", "the operator bot"),
        ("worker", "the delivery worker"),
        ("migrate", "apply database migrations"),
        ("login", "log a Telegram user account in"),
        ("session-key", "print a new SESSION_KEY"),
    ],
)
async def test_help_describes_each_command(
    workdir: Path, command: str | None, described: str
) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = await run_cli(*args, env=product_env(), cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    usage = " ".join(result.stdout.split())  # argparse wraps lines
    assert usage.startswith(f"usage: predlagator {command or ''}".rstrip())
    assert described in usage
    if command is None:
        for name in ("run", "bot", "worker", "migrate", "login", "session-key"):
            assert f" {name} " in usage
    if command == "login":
        for option in ("--phone", "--out", "--account NAME", "--replace"):
            assert option in usage


# ---- session-key ----------------------------------------------------------------------------


async def test_session_key_prints_a_new_key_and_how_to_use_it(workdir: Path) -> None:
    first = await run_cli("session-key", env=product_env(), cwd=workdir)
    second = await run_cli("session-key", env=product_env(), cwd=workdir)

    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert first.stdout == key + "\n"  # stdout is the key alone, ready for .env
    assert check_key(key) == key
    assert second.stdout.strip() != key
    assert len(first.stderr_lines) == 1
    assert "SESSION_KEY" in first.stderr and "keep a copy" in first.stderr
    sealed = Vault(key).seal("1session")
    assert Vault(key).open(sealed, "main") == "1session"


# ---- setting errors -------------------------------------------------------------------------


async def test_run_without_a_bot_token_migrates_the_embedded_database_then_says_how(
    workdir: Path,
) -> None:
    result = await run_cli("run", env=product_env(DATA_DIR=str(workdir)), cwd=workdir)

    last = assert_clean_error(result, "BOT_TOKEN", "@BotFather")
    assert last == (
        "predlagator: BOT_TOKEN is not set: create a bot with @BotFather "
        "and copy its token (123456:ABC...)."
    )
    data_dir = workdir / "pgdata"
    assert postmasters(data_dir) == []  # stopped on the way out
    assert_stopped_by_fast_shutdown(workdir)
    assert migrated_versions(data_dir) == [version for version, _, _ in available()]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_RATE_PER_MINUTE", "abc"),
        ("DEFAULT_RATE_PER_MINUTE", "0"),
        ("OWNER_IDS", "x"),
        ("OWNER_IDS", "12,abc"),
        ("BOT_TOKEN", "nonsense"),
        ("BOT_API_URL", "api.telegram.org"),
        ("RETRY_LIMIT", "-1"),
        ("TG_API_ID", "my-app"),
        ("PACING_JITTER", "0.5"),
        ("SESSION_KEY", "my-secret-passphrase"),
        ("WORKER_MAX_ACCOUNTS", "0"),
        ("WORKER_MAX_ACCOUNTS", "1001"),
    ],
)
async def test_an_invalid_setting_is_one_line_naming_it(
    workdir: Path, name: str, value: str
) -> None:
    env = product_env(DATA_DIR=str(workdir), **{name: value})
    result = await run_cli("run", env=env, cwd=workdir)

    last = assert_clean_error(result, f"{name} is invalid")
    assert result.stderr_lines == [last]
    assert not (workdir / "pgdata").exists()  # nothing was started
    if name in ("BOT_TOKEN", "SESSION_KEY"):
        assert value not in result.stderr  # a secret, even a wrong one, is never echoed


async def test_a_setting_name_in_lower_case_is_read_too(workdir: Path) -> None:
    env = product_env(DATA_DIR=str(workdir), owner_ids="x")
    result = await run_cli("run", env=env, cwd=workdir)
    assert_clean_error(result, "OWNER_IDS is invalid")


async def test_bot_without_a_database_url_says_it_needs_one(workdir: Path) -> None:
    env = product_env(DATA_DIR=str(workdir), BOT_TOKEN="123456:ABC-secret", OWNER_IDS="1")
    result = await run_cli("bot", env=env, cwd=workdir)

    last = assert_clean_error(result, "DATABASE_URL is not set", "predlagator run")
    assert result.stderr_lines == [last]
    assert "ABC-secret" not in result.stderr
    assert not (workdir / "pgdata").exists()


async def test_worker_without_a_database_url_says_it_needs_one(workdir: Path) -> None:
    env = product_env(
        DATA_DIR=str(workdir),
        TG_API_ID="12345",
        TG_API_HASH="0123456789abcdef0123456789abcdef",
        TG_SESSION="1SessionStringThatIsSecret",
    )
    result = await run_cli("worker", env=env, cwd=workdir)

    last = assert_clean_error(result, "DATABASE_URL is not set")
    assert result.stderr_lines == [last]
    assert "0123456789abcdef" not in result.stderr
    assert "SessionStringThatIsSecret" not in result.stderr
    assert not (workdir / "pgdata").exists()


def worker_env(workdir: Path, database_url: str, **session: str) -> dict[str, str]:
    """Settings for `worker`: a database, an app, and the session (and key) given."""
    return product_env(
        DATA_DIR=str(workdir),
        DATABASE_URL=database_url,
        TG_API_ID="12345",
        TG_API_HASH="0123456789abcdef0123456789abcdef",
        **session,
    )


def unreachable_session() -> str:
    """A logged-in-looking session whose data centre is a local port nothing listens on:
    connects are refused at once, as when the network is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    session = StringSession()
    session.set_dc(2, "127.0.0.1", closed_port)
    session.auth_key = AuthKey(os.urandom(256))
    return str(session.save())


@pytest.mark.parametrize("mangled", ["1BVtsOKABu5dGhLnYq3xZ0pT4mR8eW2cF6jH9kQ1", "not-a-session"])
async def test_worker_with_a_mangled_session_says_so_in_one_line(
    workdir: Path, db_url: str, mangled: str
) -> None:
    result = await run_cli(
        "worker", env=worker_env(workdir, db_url, TG_SESSION=mangled), cwd=workdir
    )

    last = assert_clean_error(result, "TG_SESSION is not a session string", "`predlagator login`")
    assert mangled not in result.stderr
    assert last == result.stderr_lines[-1]


async def test_worker_with_a_session_file_that_holds_no_session_names_the_file(
    workdir: Path, db_url: str
) -> None:
    session_file = workdir / "main.session"
    session_file.write_text("1BVtsOKABu5dGhLnYq3xZ0pT4mR8eW2cF6jH9kQ1sA7vB3nM5xC8zD2\n")
    env = worker_env(workdir, db_url, TG_SESSION_FILE=str(session_file))
    result = await run_cli("worker", env=env, cwd=workdir)

    assert_clean_error(result, f"TG_SESSION_FILE ({session_file})", "`predlagator login`")
    assert "1BVtsOKABu5dGhLnYq3xZ0pT4mR8eW2cF6jH9kQ1" not in result.stderr


async def test_worker_that_cannot_reach_telegram_says_so_in_one_line_and_stays_up(
    workdir: Path, db_url: str
) -> None:
    # A real TelegramClient that cannot connect.
    session_string = unreachable_session()
    env = worker_env(workdir, db_url, TG_SESSION=session_string, SESSION_KEY=new_key())
    product = await Product.start("worker", env=env, cwd=workdir)
    try:
        line = await product.wait_for_line("Telegram cannot be reached", STARTUP_TIMEOUT)
        assert " WARNING " in line and "NETWORK" in line
        assert product.proc.returncode is None  # not exiting for a supervisor to restart it
        product.signal(signal.SIGTERM)
        assert await product.exit_code(STOP_TIMEOUT) == 0
    finally:
        await product.kill()
    assert_no_traceback(product)
    telegram_lines = [line for line in product.lines if "Telegram" in line or "telethon" in line]
    assert telegram_lines == [line]  # Telethon's own attempts are not logged
    assert session_string not in product.stderr


# ---- accounts' sessions and the key ----------------------------------------------------------


def answers(*values: str) -> Callable[[str], str]:
    """What the operator types at each prompt, in order."""
    queue = list(values)
    return lambda prompt: queue.pop(0)


def login_settings(database_url: str, **values: Any) -> Settings:
    """Settings of `login --account` against a configured database."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        tg_api_id=API_ID,
        tg_api_hash=API_HASH,
        **values,
    )


async def account_rows(database_url: str) -> list[str]:
    """Every account row as text, the way a dump shows it (bytea in hex)."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute("SELECT a::text FROM accounts a ORDER BY id")
        return [row[0] for row in await cur.fetchall()]


async def stored_session(database_url: str, name: str, key: str) -> str:
    """The session stored for account `name`, opened with `key`."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute("SELECT session_enc FROM accounts WHERE name = %s", [name])
        row = await cur.fetchone()
    assert row is not None and row[0] is not None
    return Vault(key).open(row[0], name)


async def login_anna(
    settings: Settings, database_url: str, telegram: FakeTelegram, *, replace: bool = False
) -> Account:
    """`predlagator login --account anna` typed through against the fake Telegram."""
    return await login_account(
        settings,
        database_url,
        "anna",
        replace=replace,
        embedded=False,
        phone="+4915550000",
        ask=answers("00000", LOGIN_CODE),
        ask_secret=answers(),
        mtproto_sender=FakeMTProtoSender(telegram),
    )


async def test_login_account_stores_the_session_sealed_never_in_plain_text(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key = new_key()
    telegram = FakeTelegram()
    account = await login_anna(login_settings(db_url, session_key=key), db_url, telegram)

    assert (account.name, account.kind, account.status) == ("anna", "telegram", "active")
    session = await stored_session(db_url, "anna", key)
    auth_key = StringSession(session).auth_key
    assert auth_key is not None and auth_key.key in telegram.authorized_keys  # logged in
    dump = "\n".join(await account_rows(db_url))
    assert session not in dump
    assert session.encode().hex() not in dump  # not as plain bytes either
    printed = capsys.readouterr().out
    assert session not in printed and session[1:40] not in printed
    assert "code is wrong" in printed
    assert "Logged in as Poster Account (@poster_account)" in printed
    assert "Account 'anna' added" in printed


async def test_login_account_keeps_an_existing_session_unless_replace(db_url: str) -> None:
    key = new_key()
    settings = login_settings(db_url, session_key=key)
    await login_anna(settings, db_url, FakeTelegram())
    first = await stored_session(db_url, "anna", key)

    again = FakeTelegram()
    with pytest.raises(LoginError, match=r"'anna' already has a session.*--replace"):
        await login_anna(settings, db_url, again)
    assert again.requests == []  # refused before Telegram sent a code
    assert await stored_session(db_url, "anna", key) == first

    await login_anna(settings, db_url, again, replace=True)
    assert await stored_session(db_url, "anna", key) != first


async def test_login_account_with_a_wrong_key_stops_before_telegram(db_url: str) -> None:
    await login_anna(login_settings(db_url, session_key=new_key()), db_url, FakeTelegram())

    telegram = FakeTelegram()
    with pytest.raises(ConfigError, match="does not open the session of account 'anna'"):
        await login_anna(login_settings(db_url, session_key=new_key()), db_url, telegram)
    assert telegram.requests == []


async def test_login_account_without_a_key_against_a_configured_database(
    workdir: Path, db_url: str
) -> None:
    env = worker_env(workdir, db_url)
    result = await run_cli("login", "--account", "anna", env=env, cwd=workdir)

    last = assert_clean_error(result, "SESSION_KEY is not set", "predlagator session-key")
    assert result.stderr_lines == [last]
    assert await account_rows(db_url) == []


@pytest.mark.parametrize("name", ["two words", "a" * 40, "анна"])
async def test_login_account_with_a_bad_name_says_what_a_name_may_be(
    workdir: Path, name: str
) -> None:
    result = await run_cli("login", "--account", name, env=product_env(), cwd=workdir)

    last = assert_clean_error(result, "cannot be used", "letters a-z or A-Z, digits, _ or -")
    assert result.stderr_lines == [last]
    assert not (workdir / "pgdata").exists()  # refused before any database was started


async def test_login_account_while_run_holds_the_embedded_database_is_one_line(
    workdir: Path,
) -> None:
    env = product_env(DATA_DIR=str(workdir), TG_API_ID="12345", TG_API_HASH="0123456789abcdef")
    with EmbeddedPostgres(workdir / "pgdata"):  # as `predlagator run` holds it
        result = await run_cli("login", "--account", "anna", env=env, cwd=workdir)

    last = assert_clean_error(result, "embedded database", "stop it first")
    assert result.stderr_lines[-1] == last


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--account", "anna", "--out", "x.session"), "--out and --account do not go together"),
        (("--replace",), "--replace goes with --account NAME"),
    ],
)
async def test_login_options_that_do_not_go_together(
    workdir: Path, args: tuple[str, ...], said: str
) -> None:
    result = await run_cli("login", *args, env=product_env(), cwd=workdir)

    assert assert_clean_error(result, said) == result.stderr_lines[0]


async def test_worker_without_a_key_against_a_configured_database_is_one_line(
    workdir: Path, db_url: str
) -> None:
    env = worker_env(workdir, db_url, TG_SESSION=unreachable_session())
    result = await run_cli("worker", env=env, cwd=workdir)

    last = assert_clean_error(result, "SESSION_KEY is not set", "predlagator session-key")
    assert result.stderr_lines == [last]
    assert await account_rows(db_url) == []  # nothing stored unsealed meanwhile


async def test_worker_with_a_wrong_key_names_the_account_in_one_line(
    workdir: Path, db_url: str
) -> None:
    await login_anna(login_settings(db_url, session_key=new_key()), db_url, FakeTelegram())
    env = worker_env(workdir, db_url, SESSION_KEY=new_key())
    result = await run_cli("worker", env=env, cwd=workdir)

    last = assert_clean_error(result, "SESSION_KEY does not open the session of account 'anna'")
    assert result.stderr_lines == [last]


async def test_tg_session_becomes_account_main_once(workdir: Path, db_url: str) -> None:
    key = new_key()
    first, second = unreachable_session(), unreachable_session()
    for session in (first, second):
        env = worker_env(workdir, db_url, TG_SESSION=session, SESSION_KEY=key)
        product = await Product.start("worker", env=env, cwd=workdir)
        try:
            await product.wait_for_line("Telegram cannot be reached", STARTUP_TIMEOUT)
            product.signal(signal.SIGTERM)
            assert await product.exit_code(STOP_TIMEOUT) == 0
        finally:
            await product.kill()
        assert_no_traceback(product)
        assert session not in product.stderr
        stored = [line for line in product.lines if "account main" in line]
        if session is first:
            assert len(stored) == 1 and "is stored as account main" in stored[0], stored
        else:  # the stored copy wins, and the start says so
            assert len(stored) == 1 and "differs" in stored[0] and " WARNING " in stored[0]

    assert await stored_session(db_url, "main", key) == first
    assert first not in "\n".join(await account_rows(db_url))
    async with await psycopg.AsyncConnection.connect(db_url) as conn:
        cur = await conn.execute("SELECT action, details FROM audit_log ORDER BY id")
        audited = await cur.fetchall()
    assert audited == [("account.session_imported", {"name": "main", "source": "TG_SESSION"})]


# ---- migrate --------------------------------------------------------------------------------


async def test_migrate_twice_applies_everything_once(workdir: Path, empty_db_url: str) -> None:
    env = product_env(DATABASE_URL=empty_db_url, DATA_DIR=str(workdir))

    first = await run_cli("migrate", env=env, cwd=workdir)
    second = await run_cli("migrate", env=env, cwd=workdir)

    names = [name for _, name, _ in available()]
    assert first.returncode == 0, first.stderr
    assert "migrations_applied=" + str(len(names) + 1) in first.stderr  # + Procrastinate's
    for name in ["procrastinate", *names]:
        assert f"migration applied migration={name}" in first.stderr
    assert second.returncode == 0, second.stderr
    assert "migrations_applied=0" in second.stderr
    assert "migration applied" not in second.stderr
    assert "Traceback" not in first.stderr + second.stderr
    assert not (workdir / "pgdata").exists()  # the configured database, not an embedded one
    async with await psycopg.AsyncConnection.connect(empty_db_url) as conn:
        cur = await conn.execute("SELECT version FROM predlagator_migrations ORDER BY version")
        assert [row[0] for row in await cur.fetchall()] == [v for v, _, _ in available()]


# ---- run, end to end ------------------------------------------------------------------------


def is_call(method: str) -> Any:
    """Predicate for FakeBotApi.wait_for: a call of `method`."""
    return lambda name, _: name == method


def run_env(fake_api: FakeBotApi, workdir: Path, **overrides: str) -> dict[str, str]:
    """Settings for `run`: the fake's token and URL, one owner, embedded database in workdir."""
    settings = {
        "BOT_TOKEN": fake_api.token,
        "BOT_API_URL": fake_api.url,
        "OWNER_IDS": str(OWNER),
        "DATA_DIR": str(workdir),
    }
    return product_env(**{**settings, **overrides})


async def start_run(fake_api: FakeBotApi, workdir: Path, **overrides: str) -> Product:
    """`predlagator run` on an embedded database (unless `overrides` give DATABASE_URL) and the
    fake Bot API, polling for updates."""
    env = run_env(fake_api, workdir, **overrides)
    product = await Product.start("run", env=env, cwd=workdir)
    waiting = asyncio.create_task(fake_api.wait_for(is_call("getUpdates"), STARTUP_TIMEOUT))
    exited = asyncio.create_task(product.proc.wait())
    await asyncio.wait([waiting, exited], return_when=asyncio.FIRST_COMPLETED)
    if not waiting.done():
        waiting.cancel()
        await product.kill()
        raise AssertionError(f"predlagator exited before polling:\n{product.stderr}")
    exited.cancel()
    if waiting.exception() is not None:
        await product.kill()
        raise AssertionError(f"predlagator did not start polling:\n{product.stderr}")
    return product


def assert_no_traceback(product: Product) -> None:
    """Nothing in its log is an error with a traceback."""
    assert "Traceback" not in product.stderr, product.stderr
    assert " ERROR " not in product.stderr, product.stderr


async def test_run_serves_the_owner_refuses_a_stranger_and_stops_on_sigterm(
    fake_api: FakeBotApi, workdir: Path
) -> None:
    product = await start_run(fake_api, workdir)
    data_dir = workdir / "pgdata"
    try:
        assert len(postmasters(data_dir)) == 1

        mark = len(fake_api.calls)
        fake_api.push_message(OWNER, "/start")
        reply = await fake_api.wait_for_message(OWNER, REPLY_TIMEOUT, since=mark)
        assert reply["text"] == help_text("en")

        mark = len(fake_api.calls)
        fake_api.push_message(STRANGER, "/start")
        refusal = await fake_api.wait_for_message(STRANGER, REPLY_TIMEOUT, since=mark)
        assert refusal["text"] == t("en", "This is a private bot. Ask its owner to add you.")

        # The command menu, in English for everyone and in Russian for Russian clients.
        english = fake_api.commands[("default", "")]
        assert [c["command"] for c in english] == list(COMMANDS)
        assert ("default", "ru") in fake_api.commands
        warnings = [line for line in product.lines if "no sending account yet" in line]
        assert len(warnings) == 1
        assert " WARNING " in warnings[0]
        # The embedded database's own key, made on first start: a laptop needs no SESSION_KEY.
        key_file = workdir / "session.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert check_key(key_file.read_text())

        product.signal(signal.SIGTERM)
        assert await product.exit_code(STOP_TIMEOUT) == 0
    finally:
        await product.kill()
    assert_no_traceback(product)
    assert postmasters(data_dir) == []
    assert_stopped_by_fast_shutdown(workdir)
    assert fake_api.token not in product.stderr


async def test_run_on_a_configured_database_needs_no_key_while_no_session_is_stored(
    fake_api: FakeBotApi, workdir: Path, db_url: str
) -> None:
    product = await start_run(fake_api, workdir, DATABASE_URL=db_url)
    try:
        product.signal(signal.SIGTERM)
        assert await product.exit_code(STOP_TIMEOUT) == 0
    finally:
        await product.kill()
    assert_no_traceback(product)
    said = [line for line in product.lines if "no SESSION_KEY set" in line]
    assert len(said) == 1 and " INFO " in said[0]
    assert not (workdir / "session.key").exists()  # the key file is the embedded database's
    assert not (workdir / "pgdata").exists()


async def test_run_stops_on_one_sigint(fake_api: FakeBotApi, workdir: Path) -> None:
    product = await start_run(fake_api, workdir)
    try:
        product.signal(signal.SIGINT)
        assert await product.exit_code(STOP_TIMEOUT) == 0
    finally:
        await product.kill()
    assert_no_traceback(product)
    assert postmasters(workdir / "pgdata") == []
    assert_stopped_by_fast_shutdown(workdir)


async def test_run_with_a_token_telegram_refuses_says_so_in_one_line(
    fake_api: FakeBotApi, workdir: Path
) -> None:
    env = run_env(fake_api, workdir, BOT_TOKEN="999999:refused-token")
    result = await run_cli("run", env=env, cwd=workdir)

    assert_clean_error(result, "BOT_TOKEN was refused", "@BotFather")
    assert "refused-token" not in result.stderr
    assert fake_api.calls == []  # 401 before any method runs
    assert postmasters(workdir / "pgdata") == []
    assert_stopped_by_fast_shutdown(workdir)


async def test_run_with_a_bot_api_that_does_not_answer_says_so_in_one_line(
    fake_api: FakeBotApi, workdir: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = run_env(fake_api, workdir, BOT_API_URL=closed)
    result = await run_cli("run", env=env, cwd=workdir)

    assert_clean_error(result, "BOT_API_URL", closed, "does not answer")
    assert postmasters(workdir / "pgdata") == []
    assert_stopped_by_fast_shutdown(workdir)


async def test_sigterm_while_the_embedded_postgres_starts_still_stops_it_cleanly(
    fake_api: FakeBotApi, workdir: Path
) -> None:
    env = run_env(fake_api, workdir)
    product = await Product.start("run", env=env, cwd=workdir)
    try:
        # Logged as the start begins, before initdb (about a second) and the server's start.
        await product.wait_for_line("starting embedded PostgreSQL", STARTUP_TIMEOUT)
        product.signal(signal.SIGTERM)
        assert await product.exit_code(STOP_TIMEOUT) == 0
    finally:
        await product.kill()
    assert_no_traceback(product)
    assert postmasters(workdir / "pgdata") == []
    assert_stopped_by_fast_shutdown(workdir)
    assert fake_api.calls == []  # it never got as far as the bot


async def test_sigkilled_run_takes_its_embedded_postgres_along(
    fake_api: FakeBotApi, workdir: Path
) -> None:
    product = await start_run(fake_api, workdir)
    data_dir = workdir / "pgdata"
    try:
        server = server_processes(data_dir)
        assert len(server) > 1  # the postmaster and its helpers
        product.signal(signal.SIGKILL)
        assert await product.exit_code(STOP_TIMEOUT) == -signal.SIGKILL
    finally:
        await product.kill()
    await wait_all_exited(server, STOP_TIMEOUT)
    assert postmasters(data_dir) == []
