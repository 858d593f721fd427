"""Interactive phone-code login of a user account: its session into a 0600 file, or sealed into
the database as a named account."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telethon import errors
from telethon.sessions import StringSession

from predlagator.config import Settings, missing
from predlagator.db import account_sessions
from predlagator.db.connection import Connection
from predlagator.delivery.telethon_failures import to_failure
from predlagator.delivery.telethon_sender import make_client
from predlagator.logs import add_secret
from predlagator.models import Account

ATTEMPTS = 3


class LoginError(Exception):
    """The login did not complete; the message says why, in words for the operator."""


async def log_in(
    api_id: int,
    api_hash: str,
    *,
    phone: str | None,
    ask: Callable[[str], str],
    ask_secret: Callable[[str], str],
    say: Callable[[str], None] = print,
    mtproto_sender: object | None = None,
) -> tuple[str, Any]:
    """Log in with a code sent by Telegram (and the 2FA password if set); return the session
    string (never shown) and the account's user."""
    client = make_client(api_id, api_hash, "", mtproto_sender=mtproto_sender)
    await client.connect()
    try:
        phone = phone or ask("Phone number, international format (+491701234567): ").strip()
        try:
            await client.send_code_request(phone)
            me = await _sign_in(client, phone, ask, ask_secret, say)
        except errors.RPCError as exc:
            failure = to_failure(exc)
            raise LoginError(f"Telegram refused the login: {failure.code}") from exc
        session = StringSession.save(client.session)
    finally:
        await client.disconnect()
    if not session:
        raise LoginError("Telegram gave no session to save.")
    add_secret(session)  # whatever logs from here on, the session is never in it
    return session, me


async def login(
    api_id: int,
    api_hash: str,
    out_file: Path,
    *,
    phone: str | None,
    ask: Callable[[str], str],
    ask_secret: Callable[[str], str],
    say: Callable[[str], None] = print,
    mtproto_sender: object | None = None,
) -> None:
    """Log in and save the session to a 0600 file.

    Prints the file path and the account's name, never the session string.
    """
    session, me = await log_in(
        api_id,
        api_hash,
        phone=phone,
        ask=ask,
        ask_secret=ask_secret,
        say=say,
        mtproto_sender=mtproto_sender,
    )
    _write_private(out_file, session)
    say(f"Session saved to {out_file}")
    say(f"Logged in as {_describe(me)}")
    say(
        "To store an account in the database instead, where any worker can serve it: "
        "predlagator login --account NAME"
    )


async def login_account(
    settings: Settings,
    database_url: str,
    name: str,
    *,
    replace: bool,
    embedded: bool,
    phone: str | None,
    ask: Callable[[str], str],
    ask_secret: Callable[[str], str],
    say: Callable[[str], None] = print,
    mtproto_sender: object | None = None,
) -> Account:
    """Log in and store the session, sealed, as the account `name` (a Telegram account).

    The name, the key and the database are checked before Telegram sends a code, so a name
    that is taken or a wrong key costs no login.
    """
    api_id, api_hash = settings.require_api()
    try:
        async with await Connection.connect(database_url, autocommit=True) as conn:
            vault = await account_sessions.vault_at_start(conn, settings, embedded=embedded)
            if vault is None:  # nothing stored yet, but this login has a session to seal
                raise missing("SESSION_KEY")
            await account_sessions.check_free(conn, name, replace=replace)
        session, me = await log_in(
            api_id,
            api_hash,
            phone=phone,
            ask=ask,
            ask_secret=ask_secret,
            say=say,
            mtproto_sender=mtproto_sender,
        )
        # A fresh connection: the login may have taken minutes.
        async with await Connection.connect(database_url, autocommit=True) as conn:
            account, replaced = await account_sessions.store(
                conn,
                name,
                session,
                vault,
                replace=replace,
                rate_per_minute=settings.default_rate_per_minute,
            )
    except account_sessions.AccountError as exc:
        raise LoginError(f"{exc}.") from None
    say(f"Logged in as {_describe(me)}")
    done = "session replaced" if replaced else "added"
    say(f"Account {name!r} {done}: its session is stored in the database, sealed with the key.")
    if account.status != "active":  # a pause or a stop an operator made stays
        say(f"It stays {account.status}, as an operator left it: resume it in the bot's /accounts.")
    return account


async def _sign_in(
    client: Any,
    phone: str,
    ask: Callable[[str], str],
    ask_secret: Callable[[str], str],
    say: Callable[[str], None],
) -> Any:
    for attempt in range(1, ATTEMPTS + 1):
        code = ask("Login code Telegram sent you: ").strip()
        try:
            return await client.sign_in(phone, code)
        except errors.PhoneCodeInvalidError:
            say(f"That code is wrong ({attempt} of {ATTEMPTS} tries).")
        except errors.PhoneCodeExpiredError as exc:
            raise LoginError("The code has expired; run the login again.") from exc
        except errors.SessionPasswordNeededError:
            return await _check_password(client, ask_secret, say)
    raise LoginError("Too many wrong codes; run the login again.")


async def _check_password(
    client: Any, ask_secret: Callable[[str], str], say: Callable[[str], None]
) -> Any:
    for attempt in range(1, ATTEMPTS + 1):
        password = ask_secret("Two-step verification password: ")
        try:
            return await client.sign_in(password=password)
        except errors.PasswordHashInvalidError:
            say(f"That password is wrong ({attempt} of {ATTEMPTS} tries).")
    raise LoginError("Too many wrong passwords; run the login again.")


def is_session_string(text: str) -> bool:
    """Whether `text` reads as a Telethon session string (nothing reaches Telegram)."""
    try:
        StringSession(text)
    except (ValueError, struct.error):  # binascii.Error is a ValueError
        return False
    return True


def _write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner can read, whatever mode it had before."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        os.fchmod(fd, 0o600)  # the mode argument only applies when the file is created
        file.write(text + "\n")


def _describe(user: Any) -> str:
    name = " ".join(part for part in (user.first_name, user.last_name) if part) or "(no name)"
    return f"{name} (@{user.username})" if user.username else name
