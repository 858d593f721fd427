"""The process's logging setup: one handler, extras as fields, secrets never shown."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from predlagator import logs
from predlagator.delivery.telethon_sender import make_client

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SESSION = "1BVtsOKABu5dGhLnYq3xZ0pT4mR8eW2cF6jH9kQ1sA7vB3nM5xC8zD2fG4hJ6kL="


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    """Set logging up into a buffer; put the root logger and library levels back after."""
    root = logging.getLogger()
    saved_level = root.level
    saved_libraries = {name: logging.getLogger(name).level for name in logs.LIBRARY_LEVELS}
    buffer = io.StringIO()
    logs.setup_logging("INFO", stream=buffer)
    yield buffer
    # Remove only what setup_logging added: pytest swaps its own capture handlers per phase.
    for handler in root.handlers[:]:
        if isinstance(handler.formatter, logs.KeyValueFormatter):
            root.removeHandler(handler)
    root.setLevel(saved_level)
    for name, level in saved_libraries.items():
        logging.getLogger(name).setLevel(level)


def test_line_format_and_extras(out: io.StringIO) -> None:
    logging.getLogger("predlagator.delivery").info(
        "sent %s", "post", extra={"campaign_id": 5, "channel": "@news", "reason": "two words"}
    )
    line = out.getvalue().strip()
    assert " INFO predlagator.delivery: sent post campaign_id=5 channel=@news " in line
    assert line.endswith("reason='two words'")
    assert line.count("\n") == 0


def test_extras_come_before_the_traceback(out: io.StringIO) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("predlagator").exception("drain failed", extra={"account_id": 2})
    first, *rest = out.getvalue().splitlines()
    assert first.endswith("drain failed account_id=2")
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "RuntimeError: boom"


def test_bot_token_never_appears(out: io.StringIO) -> None:
    logs.add_secret(TOKEN)
    logs.add_secret(SESSION)
    # A library logging a request URL through %-args, as aiogram's session layer would.
    logging.getLogger("aiogram.client").warning(
        "request failed: %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates"
    )
    logging.getLogger("predlagator").info("message with %s inline", TOKEN.replace(":", "%3A"))
    logging.getLogger("predlagator").info("login", extra={"session": SESSION})
    try:
        raise ConnectionError(f"cannot reach /bot{TOKEN}/sendMessage")
    except ConnectionError:
        logging.getLogger("aiogram.dispatcher").exception("polling error")
    text = out.getvalue()
    assert TOKEN not in text
    assert TOKEN.replace(":", "%3A") not in text
    assert SESSION not in text
    assert "https://api.telegram.org/bot***/getUpdates" in text
    assert "session=***" in text
    assert "ConnectionError: cannot reach /bot***/sendMessage" in text


def test_redaction_reaches_other_handlers(out: io.StringIO) -> None:
    # The filter edits the record, so a handler after ours (a file, a test capture) is safe too.
    logs.add_secret(TOKEN)
    other = io.StringIO()
    extra_handler = logging.StreamHandler(other)
    logging.getLogger().addHandler(extra_handler)
    try:
        logging.getLogger("predlagator").warning("token %s", TOKEN)
    finally:
        logging.getLogger().removeHandler(extra_handler)
    assert other.getvalue() == "token ***\n"


def test_empty_secret_is_ignored(out: io.StringIO) -> None:
    logs.add_secret("")
    logs.add_secret("   ")
    logging.getLogger("predlagator").info("nothing to hide")
    assert "nothing to hide" in out.getvalue()


def test_noisy_libraries_are_quieted(out: io.StringIO) -> None:
    logging.getLogger("telethon.network.mtprotosender").info("connecting")
    logging.getLogger("aiogram.event").info("Update id=1 is handled")
    logging.getLogger("psycopg.pool").info("connection added")
    logging.getLogger("telethon.client").warning("flood wait of 30 s")
    text = out.getvalue()
    assert "connecting" not in text
    assert "is handled" not in text
    assert "connection added" not in text
    assert "flood wait of 30 s" in text


def test_routine_procrastinate_job_lines_hidden_at_info(out: io.StringIO) -> None:
    worker = logging.getLogger("procrastinate.worker.w1")
    job = {"id": 7, "task_name": "drain"}
    worker.info("Starting job drain[7]()", extra={"action": "start_job", "job": job})
    worker.info("Job drain[7]() ended with status: Success", extra={"action": "job_success"})
    worker.info("Job drain[8]() ended with status: Error, to retry", extra={"action": "x"})
    worker.error("Job drain[9]() ended with status: Error", extra={"action": "job_error"})
    text = out.getvalue()
    assert "Starting job" not in text
    assert "Success" not in text
    assert "Error, to retry" in text
    # Procrastinate's extras are nested JSON for structured logs; the line stays compact.
    assert "Job drain[9]() ended with status: Error\n" in text


def test_debug_shows_routine_job_lines(out: io.StringIO) -> None:
    buffer = io.StringIO()
    logs.setup_logging("debug", stream=buffer)
    logging.getLogger("procrastinate.worker").info(
        "Starting job drain[7]()", extra={"action": "start_job"}
    )
    logging.getLogger("telethon").info("still quiet")
    assert "Starting job drain[7]()" in buffer.getvalue()
    assert "still quiet" not in buffer.getvalue()
    assert out.getvalue() == ""


def test_setup_twice_keeps_one_handler(out: io.StringIO) -> None:
    before = len(logging.getLogger().handlers)
    logs.setup_logging("WARNING", stream=io.StringIO())
    assert len(logging.getLogger().handlers) == before
    assert logging.getLogger().level == logging.WARNING
    assert logging.getLogger("procrastinate").level == logging.WARNING


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        logs.setup_logging("LOUD")


def test_our_telegram_clients_network_chatter_is_quieted(out: io.StringIO) -> None:
    # The loggers a real client logs to (Telethon names them under our base logger).
    loggers = make_client(1, "0123456789abcdef0123456789abcdef", "")._log
    network = loggers["telethon.network.mtprotosender"]
    network.info("Connecting to 149.154.167.51:443/TcpFull...")
    network.warning("Attempt 1 at connecting failed: ConnectionRefusedError: [Errno 111]")
    loggers["telethon.client.telegrambaseclient"].info("Disconnecting from 149.154.167.51")
    loggers["telethon.client.updates"].warning("Server sent a very old message")
    text = out.getvalue()
    assert "Connecting to" not in text
    assert "Attempt 1 at connecting failed" not in text
    assert "Disconnecting from" not in text
    assert "Server sent a very old message" in text
