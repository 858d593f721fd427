"""A campaign's split per account, for its card and its report: counts, who sends now, pace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from predlagator.bot.account_names import account_label
from predlagator.bot.texts import Html, error, t, tn
from predlagator.db.account_split import AccountShare

# Accounts listed one by one on a card or report; the rest are summed up in one line, so the
# message stays far within Telegram's 4,096 characters however many accounts there are.
SHOWN = 5


def can_send(share: AccountShare) -> bool:
    """The account may send (active, not removed), flood wait or not."""
    return share.status == "active" and share.removed_at is None


def waiting(share: AccountShare, now: datetime) -> bool:
    """The account is waiting out a Telegram flood wait."""
    return can_send(share) and share.flood_until is not None and share.flood_until > now


def together(shares: Sequence[AccountShare]) -> float:
    """The paces of the accounts that may send, added up."""
    return sum(s.rate_per_minute for s in shares if can_send(s))


def pace(rate: float | None, shares: Sequence[AccountShare]) -> float | None:
    """The campaign's pace: its cap, no faster than its accounts together; None if unknown."""
    if len(shares) <= 1:  # one account: the campaign's own pace, as it always was
        return rate if rate is not None else (together(shares) or None)
    total = together(shares)
    if rate is None:
        return total or None
    return min(rate, total) if total else rate


def state_line(shares: Sequence[AccountShare], now: datetime, zone: ZoneInfo, lang: str) -> str:
    """ "2 of 3 accounts sending, 1 waiting until 14:05" (TIMEZONE), or "" when all send."""
    waits = [s.flood_until for s in shares if waiting(s, now) and s.flood_until is not None]
    paused = sum(1 for s in shares if s.status == "paused" and s.removed_at is None)
    stopped = sum(1 for s in shares if s.status == "stopped" or s.removed_at is not None)
    if not (waits or paused or stopped):
        return ""
    sending = len(shares) - len(waits) - paused - stopped
    parts = [
        tn(
            lang,
            "{k} of {n} account sending",
            "{k} of {n} accounts sending",
            len(shares),
            k=sending,
        )
    ]
    if waits:
        at = max(waits).astimezone(zone).strftime("%H:%M")
        parts.append(
            tn(lang, "{n} waiting until {at}", "{n} waiting until {at}", len(waits), at=at)
        )
    if paused:
        parts.append(tn(lang, "{n} paused", "{n} paused", paused))
    if stopped:
        parts.append(tn(lang, "{n} stopped", "{n} stopped", stopped))
    return ", ".join(parts)


def share_lines(
    shares: Sequence[AccountShare], now: datetime, zone: ZoneInfo, lang: str, *, pending: bool
) -> list[str]:
    """One line per account, the busiest first, then the rest summed up in one line."""
    lines = [_line(s, now, zone, lang, pending=pending) for s in shares[:SHOWN]]
    rest = shares[SHOWN:]
    if rest:
        lines.append(
            _counts(
                lang,
                tn(lang, "{n} more account", "{n} more accounts", len(rest)),
                sum(s.sent for s in rest),
                sum(s.pending for s in rest),
                sum(s.failed for s in rest),
                pending=pending,
            )
        )
    return lines


def _line(share: AccountShare, now: datetime, zone: ZoneInfo, lang: str, *, pending: bool) -> str:
    line = _counts(
        lang, account_label(lang, share), share.sent, share.pending, share.failed, pending=pending
    )
    if waiting(share, now) and share.flood_until is not None:
        at = share.flood_until.astimezone(zone).strftime("%H:%M")
        line += " · " + t(lang, "⏳ waiting until {at}", at=at)
    elif share.status == "stopped" or share.removed_at is not None:
        line += " · " + t(lang, "⛔ stopped: {reason}", reason=error(lang, share.stop_reason))
    elif share.status == "paused":
        line += " · " + t(lang, "⏸ paused")
    return line


def _counts(lang: str, who: str, sent: int, left: int, failed: int, *, pending: bool) -> str:
    if pending:
        return t(
            lang,
            "• {who}: sent {sent} · failed {failed} · queued {queued}",
            who=Html(who),
            sent=sent,
            failed=failed,
            queued=left,
        )
    return t(
        lang, "• {who}: sent {sent} · failed {failed}", who=Html(who), sent=sent, failed=failed
    )
