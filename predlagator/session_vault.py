"""Sessions at rest: Fernet under SESSION_KEY, so a database dump alone gives no account away."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from predlagator.config import HOW_TO_GET, ConfigError, Settings, is_fernet_key, missing
from predlagator.logs import add_secret

# Where the embedded database's own key lives, under DATA_DIR.
KEY_FILE = "session.key"


class Vault:
    """Encrypt and decrypt account sessions with one key."""

    def __init__(self, key: str) -> None:
        add_secret(key)  # the key opens every account: never in a log line
        self._fernet = Fernet(key.encode())

    def seal(self, session: str) -> bytes:
        """The session as stored in the database."""
        return self._fernet.encrypt(session.encode())

    def open(self, sealed: bytes, account: str) -> str:
        """The session back; a token from another key stops the process with one line."""
        try:
            return self._fernet.decrypt(bytes(sealed)).decode()
        except InvalidToken:
            raise ConfigError(
                f"SESSION_KEY does not open the session of account {account!r}: it is not "
                "the key the sessions were stored with; set the original SESSION_KEY."
            ) from None


def new_key() -> str:
    """A fresh key, as `predlagator session-key` prints it."""
    return Fernet.generate_key().decode()


def check_key(key: str) -> str:
    """Return `key` if it is a Fernet key, or stop with one line saying how to make one."""
    key = key.strip()
    if not is_fernet_key(key):
        raise ConfigError(
            f"SESSION_KEY is invalid (not a Fernet key): {HOW_TO_GET['SESSION_KEY']}."
        )
    return key


def key_from_data_dir(data_dir: Path) -> str:
    """The embedded database's key under DATA_DIR, made (mode 0600) on first start."""
    path = data_dir / KEY_FILE
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = new_key()
    try:
        # O_EXCL: two processes starting at once agree on the first one's key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


def _read_key_file(path: Path) -> str:
    """The key in `path`, or one line saying the file is damaged (never replaced: the stored
    sessions open only with the key they were sealed with)."""
    key = path.read_text().strip()
    if not is_fernet_key(key):
        raise ConfigError(
            f"{path} holds no Fernet key: restore it from your backup; the stored sessions "
            "open only with the key they were sealed with."
        )
    return key


def vault_for(settings: Settings, *, embedded: bool) -> Vault:
    """The vault of these settings: SESSION_KEY, or with the embedded database a key file under
    DATA_DIR; against a configured database a missing key stops the process with one line."""
    if settings.session_key is not None:
        return Vault(check_key(settings.session_key.get_secret_value()))
    if embedded:
        return Vault(key_from_data_dir(settings.data_dir))
    raise missing("SESSION_KEY")
