"""The session vault: sealing, a wrong key, a missing key, the embedded key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from predlagator.config import ConfigError, Settings
from predlagator.logs import redact
from predlagator.session_vault import (
    KEY_FILE,
    Vault,
    check_key,
    key_from_data_dir,
    new_key,
    vault_for,
)


def test_a_sealed_session_opens_with_its_key_only() -> None:
    vault = Vault(new_key())
    sealed = vault.seal("1AbCsession")
    assert b"1AbCsession" not in sealed
    assert vault.open(sealed, "main") == "1AbCsession"
    with pytest.raises(
        ConfigError, match="SESSION_KEY does not open the session of account 'main'"
    ):
        Vault(new_key()).open(sealed, "main")


def test_a_configured_database_needs_a_key() -> None:
    with pytest.raises(ConfigError, match="SESSION_KEY is not set: run `predlagator session-key`"):
        vault_for(Settings(_env_file=None), embedded=False)


def test_a_malformed_key_is_named() -> None:
    with pytest.raises(ConfigError, match="SESSION_KEY is invalid"):
        check_key("not-a-key")


def test_a_damaged_key_file_is_named_and_kept(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE
    path.write_text("garbage\n")
    with pytest.raises(ConfigError, match=f"{path} holds no Fernet key: restore it"):
        vault_for(Settings(_env_file=None, data_dir=tmp_path), embedded=True)
    assert path.read_text() == "garbage\n"  # never replaced by a new key


def test_a_configured_key_wins_over_the_key_file(tmp_path: Path) -> None:
    key = new_key()
    settings = Settings(_env_file=None, data_dir=tmp_path, session_key=SecretStr(key))
    sealed = vault_for(settings, embedded=True).seal("s")
    assert Vault(key).open(sealed, "main") == "s"
    assert not (tmp_path / KEY_FILE).exists()


def test_the_key_is_never_logged() -> None:
    key = new_key()
    Vault(key)
    assert redact(f"key={key}") == "key=***"


def test_the_embedded_database_makes_its_key_once(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    first = vault_for(settings, embedded=True)
    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sealed = first.seal("s")
    assert vault_for(settings, embedded=True).open(sealed, "main") == "s"
    assert key_from_data_dir(tmp_path / "data") == path.read_text().strip()
