"""Any exception from a Telethon call, named by the error taxonomy's code."""

from __future__ import annotations

from typing import Any

from telethon import errors
from telethon.errors import rpcerrorlist

from predlagator.telegram_errors import TelegramFailure, parse


def _error_names() -> dict[type, str]:
    """Telegram's name for each specific Telethon error class (its instances lack `.message`)."""
    names: dict[type, str] = {}
    for pattern, cls in rpcerrorlist.rpc_errors_re:
        names[cls] = pattern.replace("_(\\d+)", "").replace("(\\d+)", "")
    for name, cls in rpcerrorlist.rpc_errors_dict.items():
        names.setdefault(cls, name.upper())
    return names


_ERROR_NAMES = _error_names()


def to_failure(exc: BaseException, *, value_error: str = "PEER_ID_INVALID") -> TelegramFailure:
    """Name any exception from a Telethon call by the error taxonomy's code.

    `value_error` is the code for a `ValueError`, which Telethon raises when an entity cannot
    be found. The text never holds request contents, only class and error names.
    """
    if isinstance(exc, TelegramFailure):
        return exc
    if isinstance(exc, errors.RPCError):
        return _rpc_failure(exc)
    if isinstance(exc, TimeoutError):  # asyncio.TimeoutError; an OSError too, so first
        return TelegramFailure("TIMEOUT", text="no answer within the call timeout")
    if isinstance(exc, (ConnectionError, OSError)):
        return TelegramFailure("NETWORK", text=type(exc).__name__)
    if isinstance(exc, ValueError):
        return TelegramFailure(value_error, text=f"ValueError: {value_error}")
    return TelegramFailure("UNKNOWN", text=type(exc).__name__)


def _rpc_failure(exc: Any) -> TelegramFailure:
    name = _ERROR_NAMES.get(type(exc))
    if name is None:
        # A generic class (RPCError, BadRequestError, ...) keeps Telegram's own message,
        # number included: "ALLOW_PAYMENT_REQUIRED_300".
        parsed = parse(str(exc.message or "UNKNOWN").upper())
        code, seconds = parsed.code, parsed.seconds
    else:
        # Specific classes carry the class-level message ("FLOOD") and the number apart.
        code, seconds = name, getattr(exc, "seconds", None)
    said = code if seconds is None else f"{code}_{seconds}"
    text = f"{type(exc).__name__}: {said}"
    if isinstance(exc, errors.TimedOutError):
        return TelegramFailure("TIMEOUT", text=text)
    if isinstance(exc, errors.ServerError) and code != "RANDOM_ID_DUPLICATE":
        return TelegramFailure("SERVER", text=text)
    return TelegramFailure(code, int(seconds) if seconds is not None else None, text)
