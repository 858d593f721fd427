"""Accounts' sessions at rest: stored sealed, TG_SESSION taken in as `main`, the key checked."""

from __future__ import annotations

import enum
import re

from psycopg import errors

from predlagator import session_vault
from predlagator.config import ConfigError, Settings
from predlagator.db import account_logins, account_pool, audit
from predlagator.db.accounts import MAIN_ACCOUNT
from predlagator.db.rows import Conn, dicts, many, one
from predlagator.models import Account
from predlagator.session_vault import Vault

_Q = "account_sessions"

# Names go into logs, advisory lock keys and one-line buttons: short and plain.
NAME_MAX = 32
_NAME = re.compile(r"[A-Za-z0-9_-]+")
# Where a session stored from the command line came from, as the audit log says it.
VIA_LOGIN = "predlagator login"


class AccountError(Exception):
    """An account name that cannot be used; the message is one line for the operator."""


class Imported(enum.Enum):
    """What became of TG_SESSION / TG_SESSION_FILE at start."""

    NONE = "no session in the environment"
    IMPORTED = "stored as account main"
    SAME = "account main already holds it"
    DIFFERS = "account main holds another session; the stored one is used"
    UNUSED = "account main is removed or simulated; the environment's session is not used"


def check_name(name: str) -> str:
    """Return `name` if it may name an account, or raise AccountError saying what may."""
    if not _NAME.fullmatch(name) or len(name) > NAME_MAX:
        shown = name if len(name) <= NAME_MAX else name[:NAME_MAX] + "…"
        raise AccountError(
            f"account name {shown!r} cannot be used: give 1 to {NAME_MAX} letters a-z or A-Z, "
            "digits, _ or -, e.g. anna-2"
        )
    return name


def refusal(account: Account | None, name: str, *, replace: bool) -> str | None:
    """Why a login of `name` may not store its session under this existing account (found by
    its name in any case), or None."""
    if account is not None and account.name != name:
        return (
            f"an account is named {account.name!r}, and names may not differ only in case; "
            f"log it in again as {account.name!r} with --replace, or choose another name"
        )
    if account is None or replace:
        return None
    if account.removed_at is not None:
        return f"account {name!r} was removed; pass --replace to add it again under this name"
    if account.kind != "telegram":
        return (
            f"account {name!r} is a {account.kind} account; choose another name, or pass "
            "--replace to make it a Telegram account"
        )
    if account.session_enc is not None:
        return (
            f"account {name!r} already has a session; choose another name, or pass --replace "
            "to log it in again"
        )
    return None  # a Telegram account whose session was never stored (main on TG_SESSION)


async def get_by_name(conn: Conn, name: str) -> Account | None:
    """The account called `name` in any case, removed or not."""
    return await one(conn, Account, _Q, "get_by_name", name=name)


async def check_free(conn: Conn, name: str, *, replace: bool) -> None:
    """Raise AccountError when a login of `name` could not be stored (asked before the login,
    so no login code is spent on a name that is taken)."""
    reason = refusal(await get_by_name(conn, check_name(name)), name, replace=replace)
    if reason is None and (await dicts(conn, _Q, "chat_login_under_way", name=name))[0]["found"]:
        reason = (
            f"a login from the chat is under way for {name!r}; let it end (in "
            f"{account_logins.TTL_S // 60} minutes at most), or choose another name"
        )
    if reason is not None:
        raise AccountError(reason)


async def store(
    conn: Conn,
    name: str,
    session: str,
    vault: Vault,
    *,
    replace: bool,
    rate_per_minute: float,
    actor_id: int | None = None,
    via: str = VIA_LOGIN,
) -> tuple[Account, bool]:
    """Store a logged-in session sealed under `name`; return the account and whether an
    existing one's session was replaced. Audited as `actor_id` (None: the command line)."""
    sealed = vault.seal(session)
    try:
        async with conn.transaction():
            existing = await one(conn, Account, _Q, "by_name", name=check_name(name))
            reason = refusal(existing, name, replace=replace)
            if reason is not None:
                raise AccountError(reason)
            if existing is None:
                account = await one(
                    conn,
                    Account,
                    _Q,
                    "add",
                    name=name,
                    session_enc=sealed,
                    rate_per_minute=rate_per_minute,
                )
                action, replaced = "account.add", False
            else:
                account = await one(
                    conn,
                    Account,
                    _Q,
                    "set_session",
                    id=existing.id,
                    session_enc=sealed,
                    operator_stop=account_pool.OPERATOR_STOPPED,
                )
                # An account that had no stored session (main on TG_SESSION) gets its first.
                replaced = existing.session_enc is not None
                action = "account.session_replaced" if replaced else "account.session_stored"
            assert account is not None  # the row was there (locked) or just inserted
            await audit.record(conn, actor_id, action, "account", account.id, name=name, via=via)
    except errors.UniqueViolation:
        # Another login added the name between our check and our insert.
        raise AccountError(
            f"account {name!r} was added meanwhile; pass --replace to log it in again"
        ) from None
    return account, replaced


def _open_all(vault: Vault, sealed: list[Account]) -> None:
    """Open every stored session: a wrong key stops with one line naming an account."""
    for account in sealed:
        assert account.session_enc is not None  # the query's condition
        vault.open(account.session_enc, account.name)


async def vault_at_start(conn: Conn, settings: Settings, *, embedded: bool) -> Vault | None:
    """The vault for this start, its key checked against every stored session; None when no
    key is set and none is needed (a configured database with nothing to seal or open)."""
    sealed = await many(conn, Account, _Q, "sealed")
    wanted = embedded or settings.session_key is not None or settings.has_sender()
    if not wanted and not sealed:
        return None
    key_file = settings.data_dir / session_vault.KEY_FILE
    if embedded and settings.session_key is None and sealed and not key_file.exists():
        # A new key would open none of them, and would then stand in the old one's place.
        more = f" and {len(sealed) - 1} more" if len(sealed) > 1 else ""
        raise ConfigError(
            f"{key_file} is missing, and it sealed the stored sessions (account "
            f"{sealed[0].name!r}{more}): restore it from your backup, or set SESSION_KEY to "
            "that key."
        )
    vault = session_vault.vault_for(settings, embedded=embedded)
    _open_all(vault, sealed)
    return vault


async def import_env_session(conn: Conn, settings: Settings, vault: Vault) -> Imported:
    """Store TG_SESSION / TG_SESSION_FILE as account `main` unless main has a session already;
    the stored one then stays (it may have been replaced on purpose; say so when they differ)."""
    if not settings.has_sender():
        return Imported.NONE
    session = settings.session_string()
    async with conn.transaction():
        account = await one(
            conn,
            Account,
            _Q,
            "import_main",
            name=MAIN_ACCOUNT,
            session_enc=vault.seal(session),
            rate_per_minute=settings.default_rate_per_minute,
        )
        if account is not None:
            source = "TG_SESSION" if settings.tg_session is not None else "TG_SESSION_FILE"
            await audit.record(
                conn,
                None,
                "account.session_imported",
                "account",
                account.id,
                name=MAIN_ACCOUNT,
                source=source,
            )
            return Imported.IMPORTED
    main = await get_by_name(conn, MAIN_ACCOUNT)
    assert main is not None  # the upsert found it
    if main.session_enc is None or main.removed_at is not None or main.kind != "telegram":
        return Imported.UNUSED
    if vault.open(main.session_enc, MAIN_ACCOUNT) == session:
        return Imported.SAME
    return Imported.DIFFERS
