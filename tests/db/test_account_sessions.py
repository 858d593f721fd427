"""Accounts' sessions at rest: names, storing sealed, TG_SESSION as `main`, the key at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from predlagator.config import ConfigError, Settings
from predlagator.db import account_logins, account_sessions, accounts, audit
from predlagator.db.account_sessions import AccountError, Imported
from predlagator.db.pool import Pool
from predlagator.session_vault import Vault, new_key

SESSION = "1BVtsOKABuSessionOfTheMainAccount"


def settings_with(**values: object) -> Settings:
    """Settings from `values` alone, no .env, no environment beyond them."""
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["main", "anna-2", "Shop_1", "x", "a" * 32])
def test_a_plain_short_name_is_taken(name: str) -> None:
    assert account_sessions.check_name(name) == name


@pytest.mark.parametrize("name", ["", "two words", "анна", "a" * 33, "name;drop", "@anna", "a/b"])
def test_any_other_name_is_refused_saying_what_is_allowed(name: str) -> None:
    with pytest.raises(AccountError, match="letters a-z or A-Z, digits, _ or -"):
        account_sessions.check_name(name)


async def sealed_column(pool: Pool, name: str) -> bytes:
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT session_enc FROM accounts WHERE name = %s", [name])
        row = await cur.fetchone()
    assert row is not None and row["session_enc"] is not None
    return bytes(row["session_enc"])


async def test_a_stored_session_is_sealed_and_opens_with_the_key(pool: Pool) -> None:
    vault = Vault(new_key())
    async with pool.connection() as conn:
        account, replaced = await account_sessions.store(
            conn, "anna", SESSION, vault, replace=False, rate_per_minute=12
        )
        entries = await audit.latest(conn)
    assert (account.name, account.kind, account.rate_per_minute, replaced) == (
        "anna",
        "telegram",
        12,
        False,
    )
    sealed = await sealed_column(pool, "anna")
    assert SESSION.encode() not in sealed
    assert vault.open(sealed, "anna") == SESSION
    assert [(e.action, e.object_id, e.details) for e in entries] == [
        ("account.add", account.id, {"name": "anna", "via": "predlagator login"})
    ]


async def test_an_account_with_a_session_is_replaced_only_when_asked(pool: Pool) -> None:
    vault = Vault(new_key())
    async with pool.connection() as conn:
        first, _ = await account_sessions.store(
            conn, "anna", SESSION, vault, replace=False, rate_per_minute=20
        )
        with pytest.raises(AccountError, match=r"'anna' already has a session.*--replace"):
            await account_sessions.check_free(conn, "anna", replace=False)
        with pytest.raises(AccountError, match="'anna' already has a session"):
            await account_sessions.store(
                conn, "anna", "1Other", vault, replace=False, rate_per_minute=20
            )
        await account_sessions.check_free(conn, "anna", replace=True)
        second, replaced = await account_sessions.store(
            conn, "anna", "1Other", vault, replace=True, rate_per_minute=20
        )
        actions = [e.action for e in await audit.latest(conn)]
    assert second.id == first.id and replaced
    assert vault.open(await sealed_column(pool, "anna"), "anna") == "1Other"
    assert actions == ["account.session_replaced", "account.add"]


async def test_a_simulated_or_removed_account_is_not_taken_over_silently(pool: Pool) -> None:
    async with pool.connection() as conn:
        await conn.execute("INSERT INTO accounts (name, kind) VALUES ('sim', 'simulated')")
        await conn.execute(
            "INSERT INTO accounts (name, status, stop_reason, removed_at) "
            "VALUES ('gone', 'stopped', 'removed', now())"
        )
        with pytest.raises(AccountError, match="'sim' is a simulated account"):
            await account_sessions.check_free(conn, "sim", replace=False)
        with pytest.raises(AccountError, match="'gone' was removed; pass --replace"):
            await account_sessions.check_free(conn, "gone", replace=False)
        back, _ = await account_sessions.store(
            conn, "gone", SESSION, Vault(new_key()), replace=True, rate_per_minute=20
        )
    assert (back.status, back.stop_reason, back.removed_at) == ("active", None, None)


async def test_main_on_tg_session_may_be_stored_without_replace(pool: Pool) -> None:
    vault = Vault(new_key())
    async with pool.connection() as conn:
        # As a worker before the account pool made it: the account without a stored session.
        await conn.execute("INSERT INTO accounts (name) VALUES ('main')")
        await account_sessions.check_free(conn, "main", replace=False)
        _, replaced = await account_sessions.store(
            conn, "main", SESSION, vault, replace=False, rate_per_minute=20
        )
        actions = [e.action for e in await audit.latest(conn)]
    assert not replaced  # it had no session to replace
    assert actions == ["account.session_stored"]


async def test_tg_session_becomes_main_once_and_the_stored_copy_wins(pool: Pool) -> None:
    vault = Vault(new_key())
    settings = settings_with(tg_session=SESSION, default_rate_per_minute=7)
    async with pool.connection() as conn:
        assert await account_sessions.import_env_session(conn, settings, vault) is Imported.IMPORTED
        assert await account_sessions.import_env_session(conn, settings, vault) is Imported.SAME
        changed = settings_with(tg_session="1AnotherSession")
        assert await account_sessions.import_env_session(conn, changed, vault) is Imported.DIFFERS
        main = await account_sessions.get_by_name(conn, "main")
        entries = await audit.latest(conn)
    assert main is not None and main.rate_per_minute == 7
    assert vault.open(await sealed_column(pool, "main"), "main") == SESSION
    assert [(e.action, e.details) for e in entries] == [
        ("account.session_imported", {"name": "main", "source": "TG_SESSION"})
    ]


async def test_a_session_file_fills_the_existing_main_account(pool: Pool, tmp_path: Path) -> None:
    session_file = tmp_path / "main.session"
    session_file.write_text(SESSION + "\n")
    vault = Vault(new_key())
    async with pool.connection() as conn:
        await conn.execute("INSERT INTO accounts (name, rate_per_minute) VALUES ('main', 30)")
        settings = settings_with(tg_session_file=session_file)
        assert await account_sessions.import_env_session(conn, settings, vault) is Imported.IMPORTED
        main = await account_sessions.get_by_name(conn, "main")
        entries = await audit.latest(conn)
    assert main is not None and main.rate_per_minute == 30  # its own pace stays
    assert vault.open(await sealed_column(pool, "main"), "main") == SESSION
    assert entries[0].details == {"name": "main", "source": "TG_SESSION_FILE"}


async def test_no_env_session_imports_nothing(pool: Pool) -> None:
    async with pool.connection() as conn:
        outcome = await account_sessions.import_env_session(conn, settings_with(), Vault(new_key()))
        assert outcome is Imported.NONE
        assert await account_sessions.get_by_name(conn, "main") is None


async def test_a_removed_main_does_not_take_the_env_session_back(pool: Pool) -> None:
    async with pool.connection() as conn:
        await conn.execute("INSERT INTO accounts (name, removed_at) VALUES ('main', now())")
        settings = settings_with(tg_session=SESSION)
        outcome = await account_sessions.import_env_session(conn, settings, Vault(new_key()))
        main = await account_sessions.get_by_name(conn, "main")
    assert outcome is Imported.UNUSED
    assert main is not None and main.session_enc is None


async def test_a_wrong_key_at_start_names_the_account(pool: Pool) -> None:
    key = new_key()
    async with pool.connection() as conn:
        await account_sessions.store(
            conn, "anna", SESSION, Vault(key), replace=False, rate_per_minute=20
        )
        right = settings_with(session_key=key, database_url="postgresql://x")
        assert await account_sessions.vault_at_start(conn, right, embedded=False) is not None
        wrong = settings_with(session_key=new_key(), database_url="postgresql://x")
        with pytest.raises(ConfigError, match="does not open the session of account 'anna'"):
            await account_sessions.vault_at_start(conn, wrong, embedded=False)


async def test_a_configured_database_needs_the_key_only_for_sessions(pool: Pool) -> None:
    bare = settings_with(database_url="postgresql://x")
    async with pool.connection() as conn:
        await conn.execute("INSERT INTO accounts (name, kind) VALUES ('sim', 'simulated')")
        assert await account_sessions.vault_at_start(conn, bare, embedded=False) is None
        with pytest.raises(ConfigError, match="SESSION_KEY is not set"):
            env_session = settings_with(database_url="postgresql://x", tg_session=SESSION)
            await account_sessions.vault_at_start(conn, env_session, embedded=False)
        await account_sessions.store(
            conn, "anna", SESSION, Vault(new_key()), replace=False, rate_per_minute=20
        )
        with pytest.raises(ConfigError, match="SESSION_KEY is not set"):
            await account_sessions.vault_at_start(conn, bare, embedded=False)


async def test_the_embedded_database_makes_its_key_even_with_nothing_stored(
    pool: Pool, tmp_path: Path
) -> None:
    settings = settings_with(data_dir=tmp_path)
    async with pool.connection() as conn:
        vault = await account_sessions.vault_at_start(conn, settings, embedded=True)
    assert vault is not None
    assert (tmp_path / "session.key").exists()


async def test_a_session_stored_from_the_chat_names_its_owner(pool: Pool) -> None:
    async with pool.connection() as conn:
        account, _ = await account_sessions.store(
            conn,
            "shop",
            SESSION,
            Vault(new_key()),
            replace=False,
            rate_per_minute=20,
            actor_id=4242,
            via="chat",
        )
        entries = await audit.latest(conn)
    assert [(e.actor_id, e.action, e.object_id, e.details) for e in entries] == [
        (4242, "account.add", account.id, {"name": "shop", "via": "chat"})
    ]


async def test_a_lost_key_file_is_not_made_anew_over_stored_sessions(
    pool: Pool, tmp_path: Path
) -> None:
    settings = settings_with(data_dir=tmp_path)
    async with pool.connection() as conn:
        vault = await account_sessions.vault_at_start(conn, settings, embedded=True)
        assert vault is not None
        for name in ("anna", "boris"):
            await account_sessions.store(
                conn, name, SESSION, vault, replace=False, rate_per_minute=20
            )
        (tmp_path / "session.key").unlink()  # lost with a DATA_DIR copied without it
        with pytest.raises(ConfigError, match=r"session\.key is missing.*'anna' and 1 more"):
            await account_sessions.vault_at_start(conn, settings, embedded=True)
    assert not (tmp_path / "session.key").exists()


async def test_a_name_differing_only_in_case_is_refused(pool: Pool) -> None:
    vault = Vault(new_key())
    async with pool.connection() as conn:
        await account_sessions.store(
            conn, "anna", SESSION, vault, replace=False, rate_per_minute=20
        )
        for replace in (False, True):
            with pytest.raises(AccountError, match=r"named 'anna'.*differ only in case"):
                await account_sessions.check_free(conn, "Anna", replace=replace)
            with pytest.raises(AccountError, match=r"named 'anna'.*differ only in case"):
                await account_sessions.store(
                    conn, "ANNA", SESSION, vault, replace=replace, rate_per_minute=20
                )
        assert [a.name for a in await accounts.list_all(conn)] == ["anna"]


async def test_a_name_a_chat_login_holds_is_refused(pool: Pool) -> None:
    async with pool.connection() as conn:
        login = await account_logins.start(conn, "shop", 1, 1, "en", b"sealed")
        assert login is not None
        with pytest.raises(AccountError, match="login from the chat is under way for 'Shop'"):
            await account_sessions.check_free(conn, "Shop", replace=False)
        await account_logins.finish(conn, login.id)
        await account_sessions.check_free(conn, "Shop", replace=False)


@pytest.mark.parametrize(
    ("status", "reason", "after"),
    [
        ("stopped", "SESSION_REVOKED", ("active", None)),  # the new login answers it
        ("stopped", "USER_RESTRICTED", ("active", None)),
        ("stopped", "OPERATOR_STOPPED", ("stopped", "OPERATOR_STOPPED")),  # an owner's choice
        ("paused", None, ("paused", None)),
    ],
)
async def test_a_new_login_lifts_only_a_stop_telegram_made(
    pool: Pool, status: str, reason: str | None, after: tuple[str, str | None]
) -> None:
    vault = Vault(new_key())
    async with pool.connection() as conn:
        await account_sessions.store(
            conn, "anna", SESSION, vault, replace=False, rate_per_minute=20
        )
        await conn.execute(
            "UPDATE accounts SET status = %s, stop_reason = %s WHERE name = 'anna'",
            [status, reason],
        )
        account, _ = await account_sessions.store(
            conn, "anna", "1Fresh", vault, replace=True, rate_per_minute=20
        )
    assert (account.status, account.stop_reason) == after
