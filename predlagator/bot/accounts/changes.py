"""What the account buttons do: each change in one statement with its audit entry, or the
reason it did not happen (a stale screen, a second press, a live campaign)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import procrastinate

from predlagator.bot.accounts.view import campaign_list, label, pace
from predlagator.bot.texts import cut, error, t
from predlagator.db import account_pool, accounts, audit
from predlagator.db.account_pool import OPERATOR_STOPPED
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import Account, Operator
from predlagator.queue import defer

Change = Callable[[Conn, int], Awaitable[Account | None]]
_NAME = 32  # characters of a campaign name in a refusal


@dataclass(frozen=True)
class Outcome:
    """What to tell the operator, and whether the account changed."""

    text: str
    changed: bool = False


async def live_account(pool: Pool, account_id: int) -> Account | None:
    """The account, unless it is gone or removed."""
    async with pool.connection() as conn:
        found = await accounts.get(conn, account_id)
    return found if found is not None and found.removed_at is None else None


def gone(lang: str) -> str:
    """The account of a stale screen is no more."""
    return t(lang, "This account was removed.")


async def set_pace(
    pool: Pool, operator: Operator, lang: str, account_id: int, rate: float
) -> Outcome:
    """Give the account a new pace; the next post already keeps it."""
    async with pool.connection() as conn, conn.transaction():
        before = await accounts.get(conn, account_id)
        done = await account_pool.set_pace(conn, account_id, rate)
        if done is None or before is None:
            return Outcome(gone(lang))
        await audit.record(
            conn,
            operator.user_id,
            "account.pace",
            "account",
            done.id,
            name=done.name,
            rate=rate,
            rate_was=before.rate_per_minute,
        )
    return Outcome(
        t(
            lang,
            "{label} now sends {pace} posts a minute.",
            label=label(lang, done),
            pace=pace(rate),
        ),
        changed=True,
    )


async def set_cap(
    pool: Pool, operator: Operator, lang: str, account_id: int, cap: int | None
) -> Outcome:
    """Set or clear the account's daily cap."""
    async with pool.connection() as conn, conn.transaction():
        before = await accounts.get(conn, account_id)
        done = await account_pool.set_cap(conn, account_id, cap)
        if done is None or before is None:
            return Outcome(gone(lang))
        if before.daily_cap == cap:  # No cap pressed twice: nothing to record
            return Outcome(cap_words(lang, done))
        await audit.record(
            conn,
            operator.user_id,
            "account.cap",
            "account",
            done.id,
            name=done.name,
            daily_cap=cap,
            no_cap=True if cap is None else None,  # said in words; None is left out
        )
    return Outcome(cap_words(lang, done), True)


def cap_words(lang: str, account: Account) -> str:
    """The account's daily cap as it is now."""
    if account.daily_cap is None:
        return t(lang, "{label} has no daily cap now.", label=label(lang, account))
    return t(
        lang,
        "{label} sends at most {n} posts a day now.",
        label=label(lang, account),
        n=account.daily_cap,
    )


async def _status_change(
    pool: Pool, operator: Operator, lang: str, account_id: int, change: Change, action: str
) -> tuple[Account | None, Account | None]:
    """Run one status change with its audit entry: (the changed account, or as it is now)."""
    async with pool.connection() as conn, conn.transaction():
        done = await change(conn, account_id)
        if done is None:
            return None, await accounts.get(conn, account_id)
        await audit.record(conn, operator.user_id, action, "account", done.id, name=done.name)
        return done, done


async def pause(pool: Pool, operator: Operator, lang: str, account_id: int) -> Outcome:
    """Hold the account back: it sends nothing until resumed."""
    done, now = await _status_change(
        pool, operator, lang, account_id, account_pool.pause, "account.pause"
    )
    if done is None:
        return Outcome(why_not(lang, now, "pause"))
    return Outcome(
        t(lang, "{label} paused: it sends nothing until resumed.", label=label(lang, done)), True
    )


async def resume(
    pool: Pool,
    app: procrastinate.App,
    operator: Operator,
    lang: str,
    account_id: int,
    *,
    stopped: bool,
) -> Outcome:
    """Let a paused account (or, `stopped`, one stopped by an operator) send again, at once."""
    change = account_pool.restart if stopped else account_pool.resume
    action = "account.restart" if stopped else "account.resume"
    done, now = await _status_change(pool, operator, lang, account_id, change, action)
    if done is None:
        return Outcome(why_not(lang, now, "restart" if stopped else "resume"))
    # Its campaigns' deliveries waited for it: a drain picks them up now, not at the next kick.
    await defer.kick_drain(app, done.id)
    return Outcome(t(lang, "{label} is active again.", label=label(lang, done)), True)


async def stop(pool: Pool, operator: Operator, lang: str, account_id: int) -> Outcome:
    """Stop the account: new campaigns leave it out, until an owner resumes it."""
    done, now = await _status_change(
        pool, operator, lang, account_id, account_pool.stop, "account.stop"
    )
    if done is None:
        return Outcome(why_not(lang, now, "stop"))
    return Outcome(
        t(lang, "{label} stopped: new campaigns leave it out.", label=label(lang, done)), True
    )


async def remove(pool: Pool, operator: Operator, lang: str, account_id: int) -> Outcome:
    """Remove the account and wipe its session, unless a live campaign uses it."""
    today = datetime.now(UTC).date()  # only the campaigns are read here, not the day's posts
    async with pool.connection() as conn, conn.transaction():
        done = await account_pool.remove(conn, account_id)
        if done is None:
            now = await account_pool.get(conn, account_id, today)
            if now is None or now.removed_at is not None:
                return Outcome(gone(lang))
            return Outcome(in_use(lang, now, now.live_ids, now.live_names))
        await audit.record(
            conn, operator.user_id, "account.remove", "account", done.id, name=done.name
        )
    return Outcome(t(lang, "{label} removed; its session is wiped.", label=label(lang, done)), True)


def in_use(lang: str, account: Account, ids: list[int], names: list[str]) -> str:
    """Why an account in use is not removed, naming the campaigns."""
    return t(
        lang,
        "{label} is not removed: live campaigns use it ({campaigns}). Cancel them, or wait "
        "until they end.",
        label=label(lang, account),
        campaigns=campaign_list(lang, ids, names, named=True),
    )


def why_not(lang: str, account: Account | None, action: str) -> str:
    """Why a status change did not happen: the account is gone, or already so."""
    if account is None or account.removed_at is not None:
        return gone(lang)
    name = label(lang, account)
    if account.status == "stopped" and action != "stop":
        reason = error(lang, account.stop_reason)
        if action == "restart" or account.stop_reason != OPERATOR_STOPPED:
            return t(
                lang,
                "{label} is stopped: {reason}. Only an account stopped by an operator can be "
                "resumed, by an owner.",
                label=name,
                reason=reason,
            )
        return t(lang, "{label} is stopped; an owner can resume it.", label=name)
    if account.status == "stopped":
        return t(lang, "{label} is already stopped.", label=name)
    if account.status == "paused":
        if action == "pause":
            return t(lang, "{label} is already paused.", label=name)
        return t(lang, "{label} is paused; press Resume first.", label=name)
    return t(lang, "{label} is already active.", label=name)


async def add_simulated(
    pool: Pool,
    operator: Operator,
    lang: str,
    name: str,
    simulation: tuple[int, float],
    rate: float,
) -> tuple[Account | None, str]:
    """Create a simulated account at the default pace: (it, the reply), or (None, why not)."""
    latency_ms, share = simulation
    async with pool.connection() as conn, conn.transaction():
        taken = await account_pool.by_name(conn, name)
        made = (
            None if taken else await account_pool.add_simulated(conn, name, rate, latency_ms, share)
        )
        if made is None:
            return None, taken_name(lang, taken.name if taken else name)
        await audit.record(
            conn,
            operator.user_id,
            "account.add",
            "account",
            made.id,
            name=made.name,
            kind="simulated",
            rate=rate,
            latency_ms=latency_ms,
            failure_share=share,
        )
    text = t(
        lang,
        "{label} added: {pace} posts a minute, {ms} ms a send, {share}% of sends fail. "
        "Campaigns can use it now; it never reaches Telegram.",
        label=label(lang, made),
        pace=pace(rate),
        ms=latency_ms,
        share=f"{share * 100:g}",
    )
    return made, text


def taken_name(lang: str, name: str) -> str:
    """A name already used (by a removed account too: its history keeps the name)."""
    return t(
        lang,
        "An account called «{name}» already exists (removed accounts keep their names). "
        "Send another name.",
        name=cut(name),
    )
