"""One logging setup per process: a compact stderr line, ids as fields, secrets redacted."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Final, TextIO
from urllib.parse import quote

FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED: Final = "***"

# Libraries that talk too much at INFO; each gets at least this level whatever `level` is.
LIBRARY_LEVELS: Final[dict[str, int]] = {
    "telethon": logging.WARNING,
    # Our clients log under this name (base_logger): a line on every connect and disconnect,
    # and one per failed connection attempt, which the worker says once in its own words.
    "predlagator.telethon": logging.WARNING,
    "predlagator.telethon.network": logging.ERROR,
    "aiogram.event": logging.WARNING,  # one line per handled update
    "procrastinate": logging.INFO,
    "psycopg.pool": logging.WARNING,
}

# Procrastinate logs two INFO lines for every job; below DEBUG only failures and retries show.
ROUTINE_JOB_ACTIONS: Final = frozenset({"start_job", "job_success"})

# Loggers whose `extra` is a JSON payload for structured logging (nested worker and job
# dicts); the message already names the job, so those fields are left off the line.
STRUCTURED_EXTRA_LOGGERS: Final = ("procrastinate",)

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD_ATTRS: Final = frozenset(
    logging.LogRecord("", logging.INFO, "", 0, "", (), None).__dict__
) | {"message", "asctime", "taskName"}

_secrets: tuple[str, ...] = ()
_secrets_lock = threading.Lock()
_handler: logging.Handler | None = None


def add_secret(value: str) -> None:
    """Register a secret (bot token, session string, api hash) to be shown as *** in logs."""
    if not value.strip():
        return  # an empty "secret" would redact every character boundary
    global _secrets  # noqa: PLW0603 - a process-wide registry, swapped atomically
    # URLs carry the token percent-encoded at times (":" → "%3A"), so register both forms.
    variants = {value, quote(value, safe="")}
    with _secrets_lock:
        # Longest first, so a secret containing another is replaced whole.
        _secrets = tuple(sorted(set(_secrets) | variants, key=len, reverse=True))


def redact(text: str) -> str:
    """Replace every registered secret in text with ***."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Bake a record's message, traceback and extras into text with the secrets replaced.

    Installed on the handler, so it covers every library's records, not just ours; it edits
    the record in place, so handlers later in line see the redacted text too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record; never drops it."""
        if not _secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the parts, without the secrets
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                record.__dict__[key] = redact(value)
        return True


class RoutineJobFilter(logging.Filter):
    """Drop Procrastinate's per-job "Starting job" and "Success" lines unless debugging."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep everything but routine job lines below WARNING."""
        return not (
            record.name.startswith("procrastinate")
            and record.levelno < logging.WARNING
            and getattr(record, "action", None) in ROUTINE_JOB_ACTIONS
        )


class KeyValueFormatter(logging.Formatter):
    """The compact line plus the record's `extra` fields as key=value."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        """Format the line and append extras, before any traceback."""
        line = super().formatMessage(record)
        if not record.name.startswith(STRUCTURED_EXTRA_LOGGERS):
            fields = [
                f"{key}={_render(value)}"
                for key, value in record.__dict__.items()
                if key not in _STANDARD_ATTRS and not key.startswith("_")
            ]
            if fields:
                line = f"{line} {' '.join(fields)}"
        return line

    def format(self, record: logging.LogRecord) -> str:
        """Format, then redact the whole text once more: extras may hold secrets in objects."""
        return redact(super().format(record))


def _render(value: object) -> str:
    """Show a field value compactly; quote strings that would break key=value parsing."""
    if isinstance(value, str):
        if not value or any(ch.isspace() or ch in "\"'=" for ch in value):
            return repr(value)
        return value
    return str(value)


def setup_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Send every log record of the process to one handler on stderr (or `stream`).

    Calling it again replaces the handler it installed before; other handlers are left alone.
    """
    global _handler  # noqa: PLW0603 - the one handler of the process
    levels = logging.getLevelNamesMapping()
    numeric = levels.get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}; use DEBUG, INFO, WARNING or ERROR")

    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setLevel(numeric)
    handler.setFormatter(KeyValueFormatter(FORMAT))
    if numeric > logging.DEBUG:
        handler.addFilter(RoutineJobFilter())
    handler.addFilter(RedactingFilter())

    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    root.addHandler(handler)
    root.setLevel(numeric)
    _handler = handler
    for name, floor in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(max(floor, numeric))
