"""/status: is a worker alive, how the accounts are, what is queued and what is sending."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.texts import STATUS, duration, error, t, tn
from predlagator.db import accounts, status, testsend
from predlagator.db.accounts import lock_key
from predlagator.db.pool import Pool
from predlagator.models import Account

# Procrastinate beats every 10 s by default; a minute of silence means the worker is gone.
STALE_HEARTBEAT_S = 60.0


def worker_line(lang: str, state: status.WorkerState) -> str:
    """One line: how many queue workers beat lately, and the freshest heartbeat."""
    age = state.heartbeat_age_s
    if age is None:
        return t(lang, "⚠️ No worker running.")
    ago = duration(lang, age / 60)
    if not state.workers:
        return t(lang, "⚠️ No worker heartbeat for {age}; it may be down.", age=ago)
    # Every process that runs jobs counts, the bot's notifications worker among them; whether
    # anything sends is said per account, by who holds its session.
    return tn(
        lang,
        "✅ {n} worker running (the bot's counts too), last heartbeat {age} ago.",
        "✅ {n} workers running (the bot's counts too), last heartbeat {age} ago.",
        state.workers,
        age=ago,
    )


def account_line(lang: str, account: Account, now: datetime, *, held: bool = False) -> str:
    """One line per account: active or stopped (why), a flood wait still running, and for an
    active one whether a worker holds its session (only such a worker sends)."""
    # Every screen marks a simulated account: it never reaches Telegram.
    name = account.name + (" " + t(lang, "🧪 simulated") if account.kind == "simulated" else "")
    if account.status == "stopped":
        line = t(
            lang,
            "• {name}: stopped. {reason}.",
            name=name,
            reason=error(lang, account.stop_reason),
        )
    elif account.status == "paused":
        line = t(lang, "• {name}: paused by an operator", name=name)
    else:
        line = t(lang, "• {name}: active", name=name)
    if account.flood_until is not None and account.flood_until > now:
        at = account.flood_until.astimezone(UTC).strftime("%H:%M")
        line += t(lang, ", waiting until {at} UTC", at=at)
    if account.status != "stopped":
        line += " · " + (
            t(lang, "its worker is connected")
            if held
            else t(lang, "⚠️ no worker holds its session: nothing is sent")
        )
    return line


async def cmd_status(message: Message, pool: Pool, lang: str) -> None:
    """/status: one message with the worker, accounts, queues and active campaigns."""
    async with pool.connection() as conn:
        worker = await status.worker(conn, STALE_HEARTBEAT_S)
        # Removed accounts keep their rows for the ledger's sake, not for this screen.
        everyone = [a for a in await accounts.list_all(conn) if a.removed_at is None]
        # The bot's own queue worker beats too: a heartbeat alone doesn't mean anything sends.
        held = {a.id: await testsend.session_held(conn, lock_key(a.name)) for a in everyone}
        queues = await status.queue_depth(conn)
        active = await status.active_campaigns(conn)
    now = datetime.now(UTC)
    lines = [t(lang, "<b>Status</b>"), worker_line(lang, worker), "", t(lang, "<b>Accounts</b>")]
    lines += [account_line(lang, a, now, held=held[a.id]) for a in everyone] or [t(lang, "• none")]
    lines += ["", t(lang, "<b>Queue</b>")]
    lines += [t(lang, "• {name}: {n} waiting", name=q.queue_name, n=q.todo) for q in queues] or [
        t(lang, "• empty")
    ]
    lines += ["", t(lang, "<b>Campaigns sending</b>")]
    lines += [
        t(
            lang,
            "• #{id} {name}: {status}, sent {sent} of {total}",
            id=c.id,
            name=c.name,
            status=t(lang, STATUS[c.status]),
            sent=c.sent,
            total=c.total,
        )
        for c in active
    ] or [t(lang, "• none")]
    await message.answer("\n".join(lines))


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.message.register(cmd_status, Command("status"), flags=READ_ONLY)
    return router
