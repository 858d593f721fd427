"""A login from the chat as the worker runs it: one job per step, the state sealed in its row.

The bot seals what the operator typed (the phone when the login starts, then the code or the
password) into the login's row; a step's job opens it, wipes the typed secret from the row
before anything else, talks to Telegram (chat_login.py) and seals the session back, so any
worker can run the next step. The outcome goes to the chat through the notifications queue.
Nothing typed is ever logged, put in a job's arguments or stored unsealed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import procrastinate

from predlagator.config import ConfigError, Settings
from predlagator.db import account_logins, audit
from predlagator.db.account_logins import AccountLogin
from predlagator.db.pool import Pool
from predlagator.delivery import chat_login
from predlagator.queue import defer
from predlagator.session_vault import Vault, vault_for
from predlagator.telegram_errors import ErrorClass, TelegramFailure, classify

log = logging.getLogger(__name__)

# Wrong codes (and wrong passwords) a login takes before it ends.
ATTEMPTS = 3
PASSWORD_NEEDED = "SESSION_PASSWORD_NEEDED"
# Telegram did not answer or could not be reached: what was typed may be tried again.
_NO_ANSWER = {ErrorClass.TRANSIENT}


@dataclass
class LoginDeps:
    """What login steps need: the pool, the settings, and (in tests) a client factory."""

    pool: Pool
    settings: Settings
    build: chat_login.ClientFactory | None = None
    _vault: Vault | None = field(default=None, repr=False)

    def vault(self) -> Vault:
        """The session vault (SESSION_KEY, or the embedded database's key file)."""
        if self._vault is None:
            embedded = self.settings.database_url is None
            self._vault = vault_for(self.settings, embedded=embedded)
        return self._vault

    def clients(self) -> chat_login.ClientFactory:
        """The client factory: the given one, or a real client from TG_API_ID / TG_API_HASH."""
        if self.build is None:
            self.build = chat_login.client_factory(*self.settings.require_api())
        return self.build


@dataclass
class _Open:
    """A login's row and its state, opened."""

    login: AccountLogin
    vault: Vault
    phone: str
    session: str
    code_hash: str


async def send_code(deps: LoginDeps, app: procrastinate.App, login_id: int) -> None:
    """Ask Telegram for a login code; the operator is asked for it next."""
    opened = await _open(deps, app, login_id, account_logins.SENDING)
    if opened is None:
        return
    try:
        sent = await chat_login.send_code(deps.clients(), opened.phone)
    except (TelegramFailure, ConfigError) as failure:
        await _end(deps, app, opened.login, _refusal(failure))
        return
    await _code_sent(deps, app, opened, sent)


async def resend_code(deps: LoginDeps, app: procrastinate.App, login_id: int) -> None:
    """Ask Telegram for another code (the last one expired, or never came)."""
    opened = await _open(deps, app, login_id, account_logins.SENDING)
    if opened is None:
        return
    try:
        sent = await chat_login.resend_code(
            deps.clients(), opened.session, opened.phone, opened.code_hash
        )
    except (TelegramFailure, ConfigError) as failure:
        await _end(deps, app, opened.login, _refusal(failure))
        return
    await _code_sent(deps, app, opened, sent)


async def sign_in(deps: LoginDeps, app: procrastinate.App, login_id: int) -> None:
    """Check the code the operator typed: signed in, a password needed, or ask again."""
    opened = await _open(deps, app, login_id, account_logins.CHECKING_CODE)
    if opened is None:
        return
    login = opened.login
    code = await _take_secret(deps, app, opened, account_logins.CHECKING_CODE)
    if code is None:
        return
    try:
        signed = await chat_login.sign_in(
            deps.clients(), opened.session, opened.phone, opened.code_hash, code
        )
    except (TelegramFailure, ConfigError) as failure:
        await _code_refused(deps, app, login, failure)
        return
    await _store(deps, app, opened, signed)


async def check_password(deps: LoginDeps, app: procrastinate.App, login_id: int) -> None:
    """Check the two-step verification password the operator typed."""
    opened = await _open(deps, app, login_id, account_logins.CHECKING_PASSWORD)
    if opened is None:
        return
    login = opened.login
    password = await _take_secret(deps, app, opened, account_logins.CHECKING_PASSWORD)
    if password is None:
        return
    try:
        signed = await chat_login.check_password(deps.clients(), opened.session, password)
    except (TelegramFailure, ConfigError) as failure:
        if isinstance(failure, TelegramFailure) and failure.code == "PASSWORD_HASH_INVALID":
            await _wrong(deps, app, login, account_logins.PASSWORD, "wrong_password")
        elif isinstance(failure, TelegramFailure) and classify(failure.code) in _NO_ANSWER:
            await _ask(deps, app, login, account_logins.PASSWORD, login.tries, "no_answer")
        else:
            await _end(deps, app, login, _refusal(failure))
        return
    await _store(deps, app, opened, signed)


async def _open(deps: LoginDeps, app: procrastinate.App, login_id: int, step: str) -> _Open | None:
    """The login's row at `step` with its state opened; None (and nothing done) otherwise."""
    async with deps.pool.connection() as conn:
        login = await account_logins.get(conn, login_id)
    if login is None or login.step != step:
        # Ended, expired, or a step already taken: a re-run job finds nothing to do.
        log.info("login step skipped", extra={"login_id": login_id, "step": step})
        return None
    try:
        vault = deps.vault()
        state = json.loads(vault.open(login.state_enc, login.name))
    except ConfigError:
        await _end(deps, app, login, {"kind": "worker_key"})
        return None
    return _Open(
        login=login,
        vault=vault,
        phone=str(state["phone"]),
        session=str(state.get("session") or ""),
        code_hash=str(state.get("hash") or ""),
    )


async def _take_secret(
    deps: LoginDeps, app: procrastinate.App, opened: _Open, step: str
) -> str | None:
    """Read and wipe the typed answer; one lost (a worker died after wiping it) is asked again."""
    login = opened.login
    async with deps.pool.connection() as conn:
        found, sealed = await account_logins.take_secret(conn, login.id, step)
    if not found:
        return None
    if sealed is None:
        ask_at = (
            account_logins.CODE if step == account_logins.CHECKING_CODE else account_logins.PASSWORD
        )
        await _ask(deps, app, login, ask_at, login.tries, "interrupted")
        return None
    try:
        return opened.vault.open(sealed, login.name)
    except ConfigError:
        await _end(deps, app, login, {"kind": "worker_key"})
        return None


async def _code_sent(
    deps: LoginDeps, app: procrastinate.App, opened: _Open, sent: chat_login.SentCode
) -> None:
    state = {"phone": opened.phone, "session": sent.session, "hash": sent.phone_code_hash}
    sealed = opened.vault.seal(json.dumps(state))
    async with deps.pool.connection() as conn:
        login = await account_logins.ask(
            conn,
            opened.login.id,
            account_logins.CODE,
            0,
            state_enc=sealed,
            code_length=sent.length,
        )
    if login is not None:
        await _tell(app, login, "code_sent", length=sent.length)


async def _code_refused(
    deps: LoginDeps, app: procrastinate.App, login: AccountLogin, failure: Exception
) -> None:
    """What a refused code means: wrong (ask again), expired (offer a new one), a password."""
    code = failure.code if isinstance(failure, TelegramFailure) else ""
    if code == "PHONE_CODE_INVALID":
        await _wrong(deps, app, login, account_logins.CODE, "wrong_code")
    elif code == "PHONE_CODE_EXPIRED":
        await _ask(deps, app, login, account_logins.EXPIRED, 0, "code_expired")
    elif code == PASSWORD_NEEDED:
        await _ask(deps, app, login, account_logins.PASSWORD, 0, "password_needed")
    elif code and classify(code) in _NO_ANSWER:
        await _ask(deps, app, login, account_logins.CODE, login.tries, "no_answer")
    else:
        await _end(deps, app, login, _refusal(failure))


async def _wrong(
    deps: LoginDeps, app: procrastinate.App, login: AccountLogin, step: str, kind: str
) -> None:
    """A wrong answer: asked again while tries are left, else the login ends."""
    tries = login.tries + 1
    if tries >= ATTEMPTS:
        await _end(deps, app, login, {"kind": f"{kind}_last", "tries": tries})
        return
    await _ask(deps, app, login, step, tries, kind, left=ATTEMPTS - tries)


async def _ask(
    deps: LoginDeps,
    app: procrastinate.App,
    login: AccountLogin,
    step: str,
    tries: int,
    kind: str,
    **details: Any,
) -> None:
    async with deps.pool.connection() as conn:
        asked = await account_logins.ask(conn, login.id, step, tries)
    if asked is not None:
        await _tell(app, asked, kind, **details)


async def _store(
    deps: LoginDeps, app: procrastinate.App, opened: _Open, signed: chat_login.SignedIn
) -> None:
    """Signed in: store the account with its sealed session, audited; the login ends."""
    login = opened.login
    rate = deps.settings.default_rate_per_minute
    async with deps.pool.connection() as conn, conn.transaction():
        ended = await account_logins.finish(conn, login.id)
        if ended is None:
            # It expired meanwhile: the chat was told; the fresh session is dropped unused.
            log.warning("login ended before it was stored", extra={"login_id": login.id})
            return
        account = await account_logins.add_account(
            conn, login.name, opened.vault.seal(signed.session), rate
        )
        if account is not None:
            await audit.record(
                conn,
                login.user_id,
                "account.add",
                "account",
                account.id,
                name=account.name,
                kind=account.kind,
                via="chat",
            )
    if account is None:
        await _tell(app, login, "name_taken")
        return
    log.info("account logged in", extra={"login_id": login.id, "account_id": account.id})
    await _tell(app, login, "added", account_id=account.id, who=signed.who, rate=rate)


async def _end(
    deps: LoginDeps, app: procrastinate.App, login: AccountLogin, outcome: dict[str, Any]
) -> None:
    """The login ends without an account: its row goes, the chat is told why."""
    async with deps.pool.connection() as conn:
        ended = await account_logins.finish(conn, login.id)
    if ended is not None:
        log.info("login ended", extra={"login_id": login.id, "outcome": outcome["kind"]})
        kind = outcome.pop("kind")
        await _tell(app, login, kind, **outcome)


def _refusal(failure: Exception) -> dict[str, Any]:
    """A refusal in the vocabulary's terms (the code and its number), or the worker's lack."""
    if isinstance(failure, TelegramFailure):
        return {"kind": "refused", "code": failure.code, "number": failure.seconds}
    return {"kind": "worker_api"}  # TG_API_ID / TG_API_HASH missing in the worker


async def _tell(app: procrastinate.App, login: AccountLogin, kind: str, **details: Any) -> None:
    await defer.login_result(
        app, login.chat_id, login.user_id, login.lang, login.id, login.name, kind=kind, **details
    )
