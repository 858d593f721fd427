"""What /accounts shows: a page of accounts, and one account's screen with its buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.accounts.keyboards import (
    ADD_SIMULATED,
    ADD_TELEGRAM,
    AccountAction,
    AccountsPage,
    AccountView,
    button,
    markup,
)
from predlagator.bot.texts import N_, Html, cut, duration, error, t
from predlagator.db import account_pool
from predlagator.db.account_pool import OPERATOR_STOPPED, ListedAccount
from predlagator.db.accounts import lock_key
from predlagator.db.pool import Pool
from predlagator.models import Account, Operator, Role

# Accounts per page: at their longest (a long name, host and stop reason, a flood wait, many
# campaigns) eight stay within Telegram's 4,096 characters (tests/bot/accounts/test_listing.py).
PAGE = 8
_HOST = 32  # characters of a worker's host name
CAMPAIGNS_SHOWN = 5  # live campaigns named per account; the rest are counted
_NAME = 32  # characters of a campaign name on an account's screen


def label(lang: str, account: Account) -> Html:
    """«name», marked when the account is simulated (every screen marks it)."""
    name = t(lang, "«{name}»", name=cut(account.name))
    if account.kind == "simulated":
        return Html(name + " " + t(lang, "🧪 simulated"))
    return Html(name)


def status_words(lang: str, account: Account) -> Html:
    """Active, paused, or stopped and why, in words."""
    if account.status == "active":
        return Html(t(lang, "✅ active"))
    if account.status == "paused":
        return Html(t(lang, "⏸ paused"))
    return Html(t(lang, "⛔ stopped: {reason}", reason=error(lang, account.stop_reason)))


def holder_words(lang: str, account: Account, held: bool) -> Html:
    """Which worker serves it: "host, pid N" while its session lock is held, else "no worker"."""
    if not held:
        return Html(t(lang, "no worker"))
    host, _, pid = (account.held_by or "").rpartition(" ")
    if not host or not pid.isdigit():
        return Html(t(lang, "a worker (not named)"))
    return Html(t(lang, "{host}, pid {pid}", host=cut(host, _HOST), pid=pid))


def moment(at: datetime, zone: ZoneInfo) -> str:
    """A moment as operators read it: "2030-03-05 14:05 Europe/Moscow"."""
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


def flood_words(lang: str, account: Account, now: datetime, zone: ZoneInfo) -> str | None:
    """A flood wait still running: until when, and how long is left."""
    until = account.flood_until
    if until is None or until <= now:
        return None
    left = duration(lang, (until - now).total_seconds() / 60)
    return t(lang, "⏳ Flood wait until {at} ({left} left)", at=moment(until, zone), left=left)


def pace(value: float) -> str:
    """A pace as typed: 20, 0.5."""
    return f"{value:g}"


def today_words(lang: str, account: ListedAccount) -> str:
    """Posts today, of the daily cap when there is one."""
    if account.daily_cap is None:
        return t(lang, "{n} posts today (no daily cap)", n=account.today_posts)
    return t(lang, "{n} of {cap} posts today", n=account.today_posts, cap=account.daily_cap)


def campaign_list(lang: str, ids: list[int], names: list[str], *, named: bool) -> Html:
    """The first few campaigns by id (with their names when `named`), and how many more."""
    shown = [
        t(lang, "#{id} «{name}»", id=i, name=cut(n, _NAME)) if named else f"#{i}"
        for i, n in zip(ids[:CAMPAIGNS_SHOWN], names[:CAMPAIGNS_SHOWN], strict=True)
    ]
    more = len(ids) - CAMPAIGNS_SHOWN
    return Html(", ".join(shown) + (t(lang, " and {n} more", n=more) if more > 0 else ""))


def campaigns_words(lang: str, account: ListedAccount) -> str:
    """The live campaigns using it, in the list: "live campaigns: #3, #5"."""
    if not account.live_ids:
        return t(lang, "no live campaigns")
    found = campaign_list(lang, account.live_ids, account.live_names, named=False)
    return t(lang, "live campaigns: {list}", list=found)


def entry(
    lang: str, number: int, account: ListedAccount, held: bool, now: datetime, zone: ZoneInfo
) -> str:
    """One account in the list: name, status, worker; pace, today, channels, campaigns."""
    head = t(
        lang,
        "<b>{n}.</b> {label} · {status} · {holder}",
        n=number,
        label=label(lang, account),
        status=status_words(lang, account),
        holder=holder_words(lang, account, held),
    )
    facts = t(
        lang,
        "{pace} posts/min · {today} · {peers} channels resolved · {campaigns}",
        pace=pace(account.rate_per_minute),
        today=Html(today_words(lang, account)),
        peers=account.peers,
        campaigns=Html(campaigns_words(lang, account)),
    )
    lines = [head, facts]
    flood = flood_words(lang, account, now, zone)
    if flood:
        lines.append(flood)
    return "\n".join(lines)


async def render_list(
    pool: Pool, lang: str, operator: Operator, zone: ZoneInfo, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of accounts, each a button that opens it; owners get the Add buttons."""
    now = datetime.now(UTC)
    async with pool.connection() as conn:
        total = await account_pool.count_listed(conn)
        offset = offset if offset < total else max(0, (total - 1) // PAGE * PAGE)
        found = await account_pool.page(conn, now.astimezone(zone).date(), PAGE, offset)
        held = await account_pool.held(conn, [lock_key(a.name) for a in found])
    owner = operator.role is Role.OWNER
    adds = [
        button(t(lang, "➕ Add Telegram account"), ADD_TELEGRAM),
        button(t(lang, "🧪 Add simulated"), ADD_SIMULATED),
    ]
    if not found:
        text = t(lang, "No accounts yet.")
        if owner:
            text += "\n" + t(lang, "Add one: a Telegram account, or a simulated one to rehearse.")
        return text, markup([adds] if owner else [])
    header = t(
        lang,
        "<b>Accounts</b> {first}–{last} of {total}:",
        first=offset + 1,
        last=offset + len(found),
        total=total,
    )
    entries = [
        entry(lang, offset + i + 1, a, lock_key(a.name) in held, now, zone)
        for i, a in enumerate(found)
    ]
    hint = t(lang, "Tap an account to open it.")
    rows = [
        [button(f"{offset + i + 1}. {cut(a.name)}", AccountView(id=a.id))]
        for i, a in enumerate(found)
    ]
    nav: list[InlineKeyboardButton] = []
    if offset:
        nav.append(button(t(lang, "⬅️ Prev"), AccountsPage(offset=max(offset - PAGE, 0))))
    if offset + PAGE < total:
        nav.append(button(t(lang, "Next ➡️"), AccountsPage(offset=offset + PAGE)))
    rows += [nav, adds if owner else []]
    return "\n\n".join([header, *entries, hint]), markup(rows)


def screen(
    lang: str,
    account: ListedAccount,
    held: bool,
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """An account's screen: every fact /accounts knows about it."""
    lines = [
        t(lang, "<b>Account</b> {label}", label=label(lang, account)),
        t(lang, "Status: {status}", status=status_words(lang, account)),
        t(lang, "Worker: {holder}", holder=holder_words(lang, account, held)),
    ]
    flood = flood_words(lang, account, now, zone)
    if flood:
        lines.append(flood)
    live = t(lang, "Live campaigns: none")
    if account.live_ids:
        named = campaign_list(lang, account.live_ids, account.live_names, named=True)
        live = t(lang, "Live campaigns: {list}", list=named)
    lines += [
        t(lang, "Pace: {pace} posts/min", pace=pace(account.rate_per_minute)),
        t(lang, "Today: {today}", today=Html(today_words(lang, account))),
        t(lang, "Channels resolved: {n}", n=account.peers),
        live,
    ]
    if account.kind == "simulated":
        lines.append(
            t(
                lang,
                "Simulation: {ms} ms a send, {share}% of sends fail",
                ms=account.sim_latency_ms,
                share=f"{account.sim_failure_share * 100:g}",
            )
        )
    return "\n".join(lines)


def buttons(
    lang: str, account: Account, operator: Operator, list_offset: int
) -> InlineKeyboardMarkup | None:
    """Operators change pace, cap and pause; owners also stop, restart and remove."""
    back = [button(t(lang, "⬅️ Back to accounts"), AccountsPage(offset=list_offset))]
    if operator.role is Role.VIEWER:
        return markup([back])
    owner = operator.role is Role.OWNER

    def act(text: str, action: str) -> list[InlineKeyboardButton]:
        return [button(t(lang, text), AccountAction(action=action, id=account.id))]

    first = act(N_("🐢 Change pace"), "pace") + act(N_("📅 Daily cap"), "cap")
    status_row: list[InlineKeyboardButton] = []
    if account.status == "active":
        status_row += act(N_("⏸ Pause"), "pause")
    elif account.status == "paused":
        status_row += act(N_("▶️ Resume"), "resume")
    elif owner and account.stop_reason == OPERATOR_STOPPED:
        status_row += act(N_("▶️ Resume"), "restart")
    if owner:
        if account.status != "stopped":
            status_row += act(N_("⛔ Stop"), "stop")
        status_row += act(N_("🗑 Remove"), "remove")
    return markup([first, status_row, back])


async def open_account(
    pool: Pool, lang: str, operator: Operator, zone: ZoneInfo, account_id: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The account's screen and buttons; None if it is gone or removed."""
    now = datetime.now(UTC)
    async with pool.connection() as conn:
        account = await account_pool.get(conn, account_id, now.astimezone(zone).date())
        if account is None or account.removed_at is not None:
            return None
        held = bool(await account_pool.held(conn, [lock_key(account.name)]))
        older = await account_pool.older_count(conn, account.id)
    text = screen(lang, account, held, now, zone)
    return text, buttons(lang, account, operator, older // PAGE * PAGE)
