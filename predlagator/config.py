"""Settings from the environment and an optional .env file."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_BOT_API = "https://api.telegram.org"

# How to obtain each setting, quoted in the one-line error when it is missing or invalid.
HOW_TO_GET: dict[str, str] = {
    "DATABASE_URL": "a PostgreSQL URL like postgresql://user:pass@host:5432/db, or unset it",
    "BOT_TOKEN": "create a bot with @BotFather and copy its token (123456:ABC...)",
    "BOT_API_URL": "leave it unset for Telegram, or give your Bot API server's http(s) URL",
    "OWNER_IDS": "comma-separated Telegram user ids; @userinfobot tells you yours",
    "TG_API_ID": "create an app at https://my.telegram.org and copy its api_id",
    "TG_API_HASH": "create an app at https://my.telegram.org and copy its api_hash",
    "TG_SESSION": "run `predlagator login` and point TG_SESSION_FILE at the file it writes",
    "TG_SESSION_FILE": "run `predlagator login`; it writes the session file",
    "DEFAULT_RATE_PER_MINUTE": "a number of posts per minute, e.g. 20",
    "RETRY_LIMIT": "a whole number of retries, e.g. 3",
    "RETENTION_DAYS": "a whole number of days, e.g. 7",
    "DATA_DIR": "a writable directory for the embedded database and sessions",
    "RETRY_BASE_S": "seconds before the first retry, e.g. 5",
    "RETRY_FACTOR": "how much each retry's delay grows, e.g. 2",
    "CHANNEL_ERROR_LIMIT": "errors in a row that deactivate a channel, e.g. 5",
    "PACING_JITTER": "a fraction from 0 to 0.2 by which gaps between posts vary",
    "TIMEZONE": "an IANA time zone name like Europe/Moscow, or UTC",
    "SESSION_KEY": "run `predlagator session-key` and keep its output as SESSION_KEY",
    "WORKER_MAX_ACCOUNTS": "how many accounts one worker process serves at most, e.g. 50",
}


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line for the operator."""


class Settings(BaseSettings):
    """Every setting of Predlagator; loaded once in the entry point and passed down."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    database_url: str | None = None
    bot_token: SecretStr | None = None
    bot_api_url: str = TELEGRAM_BOT_API
    owner_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    tg_api_id: int | None = None
    tg_api_hash: SecretStr | None = None
    tg_session: SecretStr | None = None
    tg_session_file: Path | None = None
    default_rate_per_minute: float = Field(default=20.0, gt=0, le=6000)
    retry_limit: int = Field(default=3, ge=0, le=100)
    retention_days: int = Field(default=7, ge=1)
    retry_base_s: float = Field(default=5.0, gt=0)
    retry_factor: float = Field(default=2.0, ge=1)
    channel_error_limit: int = Field(default=5, ge=1)
    pacing_jitter: float = Field(default=0.0, ge=0, le=0.2)
    data_dir: Path = Path("data")
    timezone: str = "UTC"
    # Encrypts the accounts' sessions in the database (a Fernet key); the embedded database
    # makes one under DATA_DIR when none is set.
    session_key: SecretStr | None = None
    worker_max_accounts: int = Field(default=50, ge=1, le=1000)

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            head, _, tail = value.get_secret_value().partition(":")
            if not head.isdigit() or not tail:
                raise ValueError("does not look like a bot token")
        return value

    @field_validator("session_key")
    @classmethod
    def _check_session_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        key = value.get_secret_value().strip()
        if not is_fernet_key(key):
            raise ValueError("not a Fernet key")
        return SecretStr(key)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        value = value.strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # A folder of the database ("Europe") is an OSError, a path-like name a ValueError.
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The zone operators type and read times in (TIMEZONE)."""
        return ZoneInfo(self.timezone)

    def require_bot(self) -> SecretStr:
        """Return the bot token or stop with a message that says how to get one."""
        if self.bot_token is None:
            raise missing("BOT_TOKEN")
        if not self.owner_ids:
            raise missing("OWNER_IDS")
        return self.bot_token

    def has_sender(self) -> bool:
        """Tell whether a Telegram user session is configured at all."""
        return self.tg_session is not None or self.tg_session_file is not None

    def require_sender(self) -> tuple[int, str, str]:
        """Return api id, api hash and session string, or stop with a clear message."""
        if self.tg_api_id is None:
            raise missing("TG_API_ID")
        if self.tg_api_hash is None:
            raise missing("TG_API_HASH")
        return self.tg_api_id, self.tg_api_hash.get_secret_value(), self.session_string()

    def session_setting(self) -> str:
        """Where the session comes from, for messages: TG_SESSION, or TG_SESSION_FILE (path)."""
        if self.tg_session is not None:
            return "TG_SESSION"
        return f"TG_SESSION_FILE ({self.tg_session_file})"

    def require_api(self) -> tuple[int, str]:
        """Return the api id and hash that `login` needs."""
        name = self.missing_api()
        if name is not None:
            raise missing(name)
        assert self.tg_api_id is not None and self.tg_api_hash is not None
        return self.tg_api_id, self.tg_api_hash.get_secret_value()

    def missing_api(self) -> str | None:
        """The first of TG_API_ID / TG_API_HASH that is not set (a Telegram account needs
        both; simulated ones neither), or None."""
        if self.tg_api_id is None:
            return "TG_API_ID"
        if self.tg_api_hash is None:
            return "TG_API_HASH"
        return None

    def session_string(self) -> str:
        """Read the session string from TG_SESSION or TG_SESSION_FILE."""
        if self.tg_session is not None:
            return self.tg_session.get_secret_value().strip()
        if self.tg_session_file is None:
            raise missing("TG_SESSION")
        try:
            text = self.tg_session_file.read_text().strip()
        except OSError as exc:
            raise ConfigError(
                f"TG_SESSION_FILE: cannot read {self.tg_session_file} ({exc.strerror}); "
                f"{HOW_TO_GET['TG_SESSION_FILE']}"
            ) from None
        if not text:
            raise ConfigError(
                f"TG_SESSION_FILE: {self.tg_session_file} is empty; {HOW_TO_GET['TG_SESSION_FILE']}"
            )
        return text


def is_fernet_key(key: str) -> bool:
    """Whether `key` is a Fernet key: 32 bytes in URL-safe base64 (checked before any use, so a
    mistyped SESSION_KEY is named at start, not when the first session is sealed)."""
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        return False


def missing(name: str) -> ConfigError:
    """Build the one-line error for a setting that is not set."""
    return ConfigError(f"{name} is not set: {HOW_TO_GET[name]}.")


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Load settings, turning validation errors into one line naming the setting."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "setting"
        hint = HOW_TO_GET.get(name, "")
        raise ConfigError(f"{name} is invalid ({error['msg']}): {hint}.") from None
