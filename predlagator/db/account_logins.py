"""Logins of Telegram accounts started from the chat: their sealed state between the steps."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from predlagator.db.rows import Conn, dicts, one, run
from predlagator.models import Account

_Q = "account_logins"

# How long a login may take from the phone number to the last answer.
TTL_S = 600

# What each step waits for (the `step` column).
SENDING = "sending"
CODE = "code"
CHECKING_CODE = "checking_code"
PASSWORD = "password"
CHECKING_PASSWORD = "checking_password"
EXPIRED = "expired"


class AccountLogin(BaseModel):
    """One login under way: who asked, the step it is at, its sealed state."""

    id: int
    name: str
    chat_id: int
    user_id: int
    lang: str
    step: str
    tries: int
    code_length: int | None
    state_enc: bytes
    secret_enc: bytes | None
    started_at: datetime
    expires_at: datetime


async def name_taken(conn: Conn, name: str) -> bool:
    """Whether an account (even a removed one) or a login under way has this name, any case."""
    rows = await dicts(conn, _Q, "name_taken", name=name)
    return bool(rows[0]["taken"])


async def start(
    conn: Conn, name: str, chat_id: int, user_id: int, lang: str, state_enc: bytes
) -> AccountLogin | None:
    """A new login at the `sending` step, or None when the name was taken meanwhile."""
    await run(conn, _Q, "purge_stale")
    return await one(
        conn,
        AccountLogin,
        _Q,
        "start",
        name=name,
        chat_id=chat_id,
        user_id=user_id,
        lang=lang,
        state_enc=state_enc,
        ttl_s=TTL_S,
    )


async def get(conn: Conn, login_id: int) -> AccountLogin | None:
    """One login, expired or not."""
    return await one(conn, AccountLogin, _Q, "get", id=login_id)


async def move(conn: Conn, login_id: int, step: str, from_steps: list[str]) -> AccountLogin | None:
    """Move a live login from one of `from_steps` to `step`; None if it was not there."""
    return await one(conn, AccountLogin, _Q, "move", id=login_id, step=step, from_steps=from_steps)


async def answer(
    conn: Conn, login_id: int, from_step: str, step: str, secret_enc: bytes
) -> AccountLogin | None:
    """Store the sealed answer to the question at `from_step` and move on to `step`."""
    return await one(
        conn,
        AccountLogin,
        _Q,
        "answer",
        id=login_id,
        from_step=from_step,
        step=step,
        secret_enc=secret_enc,
    )


async def take_secret(conn: Conn, login_id: int, step: str) -> tuple[bool, bytes | None]:
    """Read and wipe the sealed answer of a login at `step`: (found at that step, the secret)."""
    rows = await dicts(conn, _Q, "take_secret", id=login_id, step=step)
    if not rows:
        return False, None
    secret = rows[0]["secret"]
    return True, bytes(secret) if secret is not None else None


async def ask(
    conn: Conn,
    login_id: int,
    step: str,
    tries: int,
    *,
    state_enc: bytes | None = None,
    code_length: int | None = None,
) -> AccountLogin | None:
    """Put the live login back to asking at `step`; None if it expired or ended meanwhile."""
    return await one(
        conn,
        AccountLogin,
        _Q,
        "ask",
        id=login_id,
        step=step,
        tries=tries,
        state_enc=state_enc,
        code_length=code_length,
    )


async def finish(conn: Conn, login_id: int) -> AccountLogin | None:
    """Delete the login (it ended); None if it was gone already."""
    return await one(conn, AccountLogin, _Q, "finish", id=login_id)


async def expire(conn: Conn, login_id: int) -> AccountLogin | None:
    """Delete the login if its time is up; None if it ended or still has time."""
    return await one(conn, AccountLogin, _Q, "expire", id=login_id)


async def add_account(
    conn: Conn, name: str, session_enc: bytes, rate_per_minute: float
) -> Account | None:
    """Store the logged-in Telegram account; None when the name was taken meanwhile."""
    return await one(
        conn,
        Account,
        _Q,
        "add_account",
        name=name,
        session_enc=session_enc,
        rate_per_minute=rate_per_minute,
    )
