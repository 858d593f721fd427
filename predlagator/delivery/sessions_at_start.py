"""What a worker's start does about the accounts' sessions, before any worker serves: the key
checked against every stored session, TG_SESSION / TG_SESSION_FILE taken in as account main,
and TG_API_ID / TG_API_HASH asked for only when a Telegram account is to be served."""

from __future__ import annotations

import logging

from predlagator.config import HOW_TO_GET, ConfigError, Settings
from predlagator.db import account_sessions, accounts, holders
from predlagator.db.account_sessions import Imported
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.delivery.login import is_session_string
from predlagator.delivery.sender import SessionRejected
from predlagator.delivery.sender_start import refused
from predlagator.session_vault import Vault

log = logging.getLogger(__name__)

# What a start says about TG_SESSION / TG_SESSION_FILE (see account_sessions.import_env_session).
ENV_SESSION_STORED = "the environment's session is stored as account main; the stored copy is used"
ENV_SESSION_DIFFERS = (
    "the environment's session differs from the one stored for account main, and the stored "
    "one is used: unset it, or log main in again with `predlagator login --account main --replace`"
)
ENV_SESSION_UNUSED = "account main is removed or simulated; the environment's session is not used"


async def prepare(settings: Settings, pool: Pool, *, embedded: bool) -> Vault | None:
    """Check SESSION_KEY against the stored sessions and take TG_SESSION in as account main,
    before any worker starts; None when no key is set and none is needed yet."""
    _check_env_session(settings)
    async with pool.connection() as conn:
        vault = await account_sessions.vault_at_start(conn, settings, embedded=embedded)
        if vault is None:
            await _check_api(conn, settings, vault)
            log.info("no SESSION_KEY set; none is needed while no account has a stored session")
            return None
        imported = await account_sessions.import_env_session(conn, settings, vault)
        await _check_api(conn, settings, vault)
    where = {"setting": settings.session_setting()} if settings.has_sender() else {}
    if imported is Imported.IMPORTED:
        log.info(ENV_SESSION_STORED, extra=where)
    elif imported is Imported.DIFFERS:
        log.warning(ENV_SESSION_DIFFERS, extra=where)
    elif imported is Imported.UNUSED:
        log.warning(ENV_SESSION_UNUSED, extra=where)
    return vault


def _check_env_session(settings: Settings) -> None:
    """Refuse TG_SESSION / TG_SESSION_FILE when it is no session string, before storing it."""
    if not settings.has_sender():
        return
    if not is_session_string(settings.session_string()):
        raise refused(settings, SessionRejected("is not a session string"))


async def _check_api(conn: Conn, settings: Settings, vault: Vault | None) -> None:
    """Refuse to start without TG_API_ID / TG_API_HASH when a Telegram account is among the
    accounts this worker would serve (now or on a takeover); simulated ones need neither."""
    name = settings.missing_api()
    if name is None:
        return
    settings_account = accounts.MAIN_ACCOUNT if settings.has_sender() else None
    servable = await holders.servable(
        conn, sealed=vault is not None, settings_account=settings_account
    )
    telegram = [account.name for account in servable if account.kind == "telegram"]
    if not telegram:
        return
    more = f" and {len(telegram) - 1} more" if len(telegram) > 1 else ""
    raise ConfigError(
        f"{name} is not set, and account {telegram[0]!r}{more} is a Telegram account: "
        f"{HOW_TO_GET[name]} (simulated accounts need none)."
    )
