"""The `predlagator` command: run, bot, worker, migrate, login, session-key."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from predlagator import session_vault
from predlagator.config import ConfigError, Settings, load_settings
from predlagator.db import account_sessions
from predlagator.db.connection import Connection
from predlagator.db.migrate import migrate
from predlagator.db.pool import Pool, open_pool
from predlagator.logs import add_secret, setup_logging

log = logging.getLogger("predlagator")

Command = Callable[[Settings, argparse.Namespace], Awaitable[None]]

# The bot's share of `run`'s pool, beside the worker's (delivery.worker.pool_size).
BOT_CONNECTIONS = 10
DEFAULT_MAX_CONNECTIONS = 100  # PostgreSQL's own default


@contextlib.asynccontextmanager
async def database(settings: Settings, *, allow_embedded: bool) -> AsyncIterator[str]:
    """Yield the configured database URL, or start an embedded PostgreSQL for this process."""
    if settings.database_url:
        yield settings.database_url
        return
    if not allow_embedded:
        raise ConfigError(
            "DATABASE_URL is not set: `bot` and `worker` must share one database; "
            "set it, or use `predlagator run` for one process with an embedded database."
        )
    from predlagator.db.embedded import EmbeddedPostgres  # noqa: PLC0415 - only when embedded
    from predlagator.delivery.served import pool_size  # noqa: PLC0415

    # Room for the one process's pools (a drain per account served keeps a connection), and
    # for a worker or a psql beside it.
    connections = max(DEFAULT_MAX_CONNECTIONS, 2 * (pool_size(settings) + BOT_CONNECTIONS))
    server = EmbeddedPostgres(settings.data_dir.resolve() / "pgdata", max_connections=connections)
    # Shielded: a SIGTERM during the start lets it finish, then stops the server cleanly
    # (otherwise the server would run on until the process exits and be killed with it).
    starting = asyncio.ensure_future(asyncio.to_thread(server.start))
    try:
        await asyncio.shield(starting)
        yield server.url
    finally:
        if not starting.done():
            with contextlib.suppress(Exception):
                await starting
        await asyncio.to_thread(server.stop)


async def _migrate(url: str) -> None:
    async with await Connection.connect(url, autocommit=True) as conn:
        applied = await migrate(conn)
    log.info("database ready", extra={"migrations_applied": len(applied)})


@contextlib.asynccontextmanager
async def _pool(url: str, max_size: int = 10) -> AsyncIterator[Pool]:
    pool = await open_pool(url, max_size=max_size)
    try:
        yield pool
    finally:
        await pool.close()


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    """Apply database migrations."""
    async with database(settings, allow_embedded=True) as url:
        await _migrate(url)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    """Bot and worker in one process, on an embedded database unless DATABASE_URL is set."""
    from predlagator.bot.runner import run_bot  # noqa: PLC0415 - aiogram is slow to import
    from predlagator.delivery import sessions_at_start  # noqa: PLC0415
    from predlagator.delivery.served import pool_size  # noqa: PLC0415
    from predlagator.delivery.worker import run_worker  # noqa: PLC0415

    async with database(settings, allow_embedded=True) as url:
        await _migrate(url)
        settings.require_bot()
        async with _pool(url, max_size=pool_size(settings) + BOT_CONNECTIONS) as pool:
            vault = await sessions_at_start.prepare(
                settings, pool, embedded=settings.database_url is None
            )
            # The worker serves every account in the database (and runs the chat's logins);
            # with none yet it says so once, and the bot works meanwhile.
            await _gather_or_fail(
                run_bot(settings, pool), run_worker(settings, pool, url, vault=vault)
            )


async def cmd_bot(settings: Settings, args: argparse.Namespace) -> None:
    """The operator bot alone (it opens no session; SESSION_KEY only seals chat logins)."""
    from predlagator.bot.runner import run_bot  # noqa: PLC0415

    settings.require_bot()
    async with database(settings, allow_embedded=False) as url, _pool(url) as pool:
        await run_bot(settings, pool)


async def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    """The delivery worker alone (TG_API_ID / TG_API_HASH only when it serves a Telegram
    account: sessions_at_start checks that)."""
    from predlagator.delivery import sessions_at_start  # noqa: PLC0415 - Telethon
    from predlagator.delivery.served import pool_size  # noqa: PLC0415

    async with (
        database(settings, allow_embedded=False) as url,
        _pool(url, max_size=pool_size(settings)) as pool,
    ):
        vault = await sessions_at_start.prepare(settings, pool, embedded=False)
        # Imported once the settings are known good: importing the tasks logs their schedules.
        from predlagator.delivery.worker import run_worker  # noqa: PLC0415

        await run_worker(settings, pool, url, vault=vault)


async def cmd_login(settings: Settings, args: argparse.Namespace) -> None:
    """Log a Telegram user account in; store it as account NAME, or save its session to a file."""
    from predlagator.delivery import login  # noqa: PLC0415 - Telethon, only for this command

    try:
        if args.account is not None:
            await _login_account(settings, args)
            return
        if args.replace:
            raise ConfigError(
                "--replace goes with --account NAME: a session file is replaced anyway."
            )
        api_id, api_hash = settings.require_api()
        out = (
            Path(args.out)
            if args.out
            else settings.tg_session_file or settings.data_dir / "main.session"
        )
        await login.login(
            api_id, api_hash, out, phone=args.phone, ask=input, ask_secret=getpass.getpass
        )
    except login.LoginError as exc:
        raise ConfigError(str(exc)) from None


async def _login_account(settings: Settings, args: argparse.Namespace) -> None:
    """`login --account NAME`: checks that need no database first, then the login."""
    from predlagator.delivery.login import login_account  # noqa: PLC0415 - Telethon

    try:
        account_sessions.check_name(args.account)
    except account_sessions.AccountError as exc:
        raise ConfigError(f"{exc}.") from None
    if args.out:
        raise ConfigError(
            "--out and --account do not go together: an account's session is "
            "stored in the database, not in a file."
        )
    settings.require_api()
    embedded = settings.database_url is None
    async with _login_database(settings) as url:
        if embedded:
            await _migrate(url)
        await login_account(
            settings,
            url,
            args.account,
            replace=args.replace,
            embedded=embedded,
            phone=args.phone,
            ask=input,
            ask_secret=getpass.getpass,
        )


@contextlib.asynccontextmanager
async def _login_database(settings: Settings) -> AsyncIterator[str]:
    """The database a login stores into; the embedded one is refused in one line while a
    `predlagator run` holds it (one server per data directory)."""
    from predlagator.db.embedded import EmbeddedPostgresError  # noqa: PLC0415

    try:
        async with database(settings, allow_embedded=True) as url:
            yield url
    except EmbeddedPostgresError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(
            f"the embedded database under DATA_DIR ({settings.data_dir}) did not start "
            f"({first.rstrip(':')}); if `predlagator run` is running, stop it first or add the "
            "account from the chat with /add_account"
        ) from None


async def cmd_session_key(settings: Settings, args: argparse.Namespace) -> None:
    """Print a new SESSION_KEY on stdout (so it can be piped into .env), the hint on stderr."""
    print(session_vault.new_key())
    print(
        "Set it as SESSION_KEY for every run and worker process, and keep a copy elsewhere: "
        "without it the stored sessions cannot be opened.",
        file=sys.stderr,
    )


async def _gather_or_fail(*jobs: Awaitable[None]) -> None:
    """Run jobs together; when one ends or fails, stop the others."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per process role."""
    parser = argparse.ArgumentParser(
        prog="predlagator",
        description="Broadcast posts into Telegram channels from a user account, "
        "steered from a bot chat. Settings come from the environment and .env.",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: list[tuple[str, Command, str]] = [
        ("run", cmd_run, "bot and worker in one process; embedded PostgreSQL without DATABASE_URL"),
        ("bot", cmd_bot, "the operator bot (needs DATABASE_URL)"),
        ("worker", cmd_worker, "the delivery worker (needs DATABASE_URL)"),
        ("migrate", cmd_migrate, "apply database migrations; safe to run twice"),
        (
            "login",
            cmd_login,
            "log a Telegram user account in: into the database with --account NAME, "
            "otherwise into a session file",
        ),
        ("session-key", cmd_session_key, "print a new SESSION_KEY for the stored sessions"),
    ]
    for name, func, help_text in commands:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(func=func)
        if name == "login":
            command.add_argument("--phone", help="phone number in international format")
            command.add_argument(
                "--account",
                metavar="NAME",
                help="store the account in the database under NAME (letters, digits, _ or -), "
                "sealed with SESSION_KEY, for any worker to serve",
            )
            command.add_argument(
                "--replace",
                action="store_true",
                help="with --account: log an account that already has a session in again",
            )
            command.add_argument(
                "--out",
                help="without --account: the session file "
                "(default TG_SESSION_FILE or DATA_DIR/main.session)",
            )
    return parser


async def _main(func: Command, settings: Settings, args: argparse.Namespace) -> None:
    """Run a command; SIGTERM and Ctrl-C cancel it so every cleanup runs."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await func(settings, args)


def _register_secrets(settings: Settings) -> None:
    """Tell the log redactor every secret, including a session read from its file."""
    secrets = (settings.bot_token, settings.tg_api_hash, settings.tg_session, settings.session_key)
    for secret in secrets:
        if secret is not None:
            add_secret(secret.get_secret_value())
    if settings.tg_session_file is not None:
        with contextlib.suppress(ConfigError):
            add_secret(settings.session_string())


def main(argv: list[str] | None = None) -> int:
    """Entry point; settings errors end in one line, never a traceback."""
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level)
    try:
        settings = load_settings()
        _register_secrets(settings)
        asyncio.run(_main(args.func, settings, args))
    except ConfigError as exc:
        print(f"predlagator: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
