"""The final report's data and text: outcomes, failure reasons, duration against plan, waits."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from predlagator import telegram_errors
from predlagator.bot import account_shares as split
from predlagator.bot import rounds_view
from predlagator.bot.account_names import NAME_CHARS
from predlagator.bot.reports import account_panel, post_actions
from predlagator.bot.reports import chart as report_chart
from predlagator.bot.reports import reach as report_reach
from predlagator.bot.reports.account_panel import AccountBar, PanelWords
from predlagator.bot.texts import STATUS, Html, cut, duration, plain, t, tn
from predlagator.db import account_split, retries
from predlagator.db import report as db_report
from predlagator.db.account_split import AccountShare
from predlagator.db.report import ErrorCount, Outcomes, WaitEvent
from predlagator.db.rows import Conn
from predlagator.models import Campaign

Span = tuple[datetime, datetime]
UTC_ZONE = ZoneInfo("UTC")
FLOOD_WAIT = "account.flood_wait"
RESUMED = "campaign.resumed_after_wait"
# Reasons listed one by one; the rest are summed up in one line.
SHOWN_REASONS = 10
# A recurring campaign's report lists its latest rounds (up to 1,000 would not fit a message).
SHOWN_ROUNDS = 12


@dataclass(frozen=True)
class Summary:
    """Everything the report's text says about one campaign."""

    campaign: Campaign
    outcomes: Outcomes
    errors: Sequence[ErrorCount]
    start: datetime | None  # when it started sending; None if it never did
    end: datetime  # when it finished, or now while it goes on
    waits: Sequence[Span]  # flood waits within start..end, merged
    shares: Sequence[AccountShare] = ()  # each account's part, the busiest first
    runs: Sequence[retries.Run] = ()  # the first send and each retry, once there was one
    acted: Sequence[post_actions.Acted] = ()  # edits, deletes and pins of its posts, oldest first
    rounds: Sequence[db_report.RoundCount] = ()  # a recurring campaign's rows per round
    reach: report_reach.Reach | None = None  # its posts' views, forwards and reactions

    @property
    def wait_minutes(self) -> float:
        """Minutes spent waiting out flood limits."""
        return sum((b - a).total_seconds() for a, b in self.waits) / 60


async def summary(conn: Conn, campaign: Campaign, now: datetime) -> Summary:
    """Read the campaign's counts, failure reasons and waits."""
    outcomes = await db_report.outcomes(conn, campaign.id)
    assert outcomes is not None  # the campaign row exists
    errors = await db_report.errors(conn, campaign.id)
    start, end = campaign.started_at, campaign.finished_at or now
    runs = await retries.runs(conn, campaign.id)
    waits: list[Span] = []
    # Between runs the campaign sent nothing: only waits within a run are its own.
    for a, b in run_spans(runs, end) if runs else [(start, end)]:
        waits += await _waits(conn, campaign, a, b)
    shares = await account_split.of_campaign(conn, campaign.id)
    acted = await post_actions.read(conn, campaign.id)
    rounds = await db_report.by_round(conn, campaign.id) if campaign.repeat is not None else []
    reach = await report_reach.read(conn, campaign.id)
    return Summary(
        campaign, outcomes, errors, start, end, waits, shares, runs, acted, rounds, reach
    )


def run_spans(runs: Sequence[retries.Run], end: datetime) -> list[Span]:
    """When each run sent: from its start to its end (the campaign's `end` for the last)."""
    return [(r.started_at, r.finished_at or end) for r in runs]


async def series(conn: Conn, campaign: Campaign, now: datetime) -> report_chart.Series | None:
    """What the chart shows, or None when nothing was ever sent or failed."""
    start, end = campaign.started_at, campaign.finished_at or now
    minutes = await db_report.per_minute(conn, campaign.id)
    if start is None or not minutes:
        return None
    # A row recorded a moment before started_at (clocks of two processes) still gets its bar.
    start = min(start, minutes[0].minute)
    end = max(end, minutes[-1].minute + timedelta(minutes=1))
    waits = await _waits(conn, campaign, start, end)
    return report_chart.Series(
        start=start,
        end=end,
        minutes=[(m.minute, m.sent, m.failed) for m in minutes],
        waits=waits,
    )


async def _waits(
    conn: Conn, campaign: Campaign, start: datetime | None, end: datetime
) -> list[Span]:
    if start is None:
        return []
    events = await db_report.wait_events(conn, campaign, start, end)
    return wait_spans(events, start, end)


def wait_spans(events: Sequence[WaitEvent], start: datetime, end: datetime) -> list[Span]:
    """The campaign's flood waits as spans within start..end, overlaps merged.

    A wait lasts from the account's flood error until the campaign resumed after it (the
    engine's resume may come a little after the wait's end), or until the wait's end when no
    resume followed (the campaign was paused or cancelled meanwhile).
    """
    waits = sorted((e.created_at, e.until) for e in events if e.action == FLOOD_WAIT and e.until)
    resumes = sorted(e.created_at for e in events if e.action == RESUMED)
    spans: list[Span] = []
    for index, (begin, until) in enumerate(waits):
        following = waits[index + 1][0] if index + 1 < len(waits) else None
        resumed = next(
            (r for r in resumes if r >= begin and (following is None or r < following)), None
        )
        a, b = max(begin, start), min(resumed or until, end)
        if b <= a:
            continue
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], b))
        else:
            spans.append((a, b))
    return spans


def render_text(s: Summary, lang: str, zone: ZoneInfo = UTC_ZONE) -> str:
    """The report message's HTML."""
    c, o = s.campaign, s.outcomes
    # A recurring campaign's report after a round: it waits for the next one (its round line
    # says when, in TIMEZONE as the card does).
    status = rounds_view.BETWEEN_ROUNDS if rounds_view.between(c) else STATUS[c.status.value]
    lines = [t(lang, "📊 <b>Report: {name}</b> · #{id}", name=c.name, id=c.id), t(lang, status)]
    if (round_line := rounds_view.round_line(c, lang, zone)) is not None:
        lines.append(round_line)
    lines.append(_counts(o, lang))
    if o.skipped_inactive:
        lines.append(
            tn(
                lang,
                "Skipped {n} channel of the batch: it was switched off.",
                "Skipped {n} channels of the batch: they were switched off.",
                o.skipped_inactive,
            )
        )
    if o.pending:
        lines.append(t(lang, "Still to send: {n}.", n=o.pending))
    if s.rounds:
        lines += ["", t(lang, "<b>By round</b>"), *by_round(s.rounds, lang)]
    elif s.runs:
        lines += ["", t(lang, "<b>By run</b>"), *[_run(r, lang) for r in s.runs]]
    if s.errors:
        lines += ["", t(lang, "<b>Why posts failed</b>")]
        lines += [_reason(e, lang) for e in s.errors[:SHOWN_REASONS]]
        rest = sum(e.n for e in s.errors[SHOWN_REASONS:])
        if rest:
            lines.append(t(lang, "• other reasons: {n}", n=rest))
    if len(s.shares) > 1:
        lines += ["", t(lang, "<b>By account</b>")]
        now = s.end
        lines += split.share_lines(s.shares, now, UTC_ZONE, lang, pending=o.pending > 0)
    lines += ["", *_timing(s, lang)]
    if s.reach is not None:
        lines += report_reach.section(s.reach, lang)
    lines += post_actions.section(s.acted, lang)
    return "\n".join(lines)


def _counts(o: Outcomes, lang: str) -> str:
    if o.cancelled:
        return t(
            lang,
            "Sent {sent} · failed {failed} · cancelled {cancelled} of {total}",
            sent=o.sent,
            failed=o.failed,
            cancelled=o.cancelled,
            total=o.total,
        )
    return t(
        lang,
        "Sent {sent} · failed {failed} of {total}",
        **o.model_dump(include={"sent", "failed", "total"}),
    )


def _run(r: retries.Run, lang: str) -> str:
    """One run's own numbers: "• Retry 1: sent 2 · failed 1 of 3"."""
    label = t(lang, "First send") if r.run == 1 else t(lang, "Retry {n}", n=r.run - 1)
    numbers = r.model_dump(include={"sent", "failed", "cancelled", "total"})
    if r.cancelled:
        return t(
            lang,
            "• {label}: sent {sent} · failed {failed} · cancelled {cancelled} of {total}",
            label=label,
            **numbers,
        )
    return t(lang, "• {label}: sent {sent} · failed {failed} of {total}", label=label, **numbers)


def by_round(rounds: Sequence[db_report.RoundCount], lang: str) -> list[str]:
    """Each round's own numbers: "• Round 2: sent 3 · failed 0 of 3"; the latest SHOWN_ROUNDS,
    the earlier ones counted, so the report fits one message."""
    earlier = rounds[:-SHOWN_ROUNDS]
    lines = []
    if earlier:
        lines.append(tn(lang, "• {n} earlier round", "• {n} earlier rounds", len(earlier)))
    for r in rounds[-SHOWN_ROUNDS:]:
        label = t(lang, "Round {n}", n=r.round)
        numbers = r.model_dump(include={"sent", "failed", "cancelled", "total"})
        if r.cancelled:
            lines.append(
                t(
                    lang,
                    "• {label}: sent {sent} · failed {failed} · cancelled {cancelled} of {total}",
                    label=label,
                    **numbers,
                )
            )
        else:
            lines.append(
                t(
                    lang,
                    "• {label}: sent {sent} · failed {failed} of {total}",
                    label=label,
                    **numbers,
                )
            )
    return lines


def _reason(e: ErrorCount, lang: str) -> str:
    """One failure reason and how many posts it stopped: "• not allowed to post: 3"."""
    return "• " + html.escape(telegram_errors.count_label(e.code, lang, e.n), quote=False)


def _timing(s: Summary, lang: str) -> list[str]:
    c, o = s.campaign, s.outcomes
    # With no cap, the plan is the accounts' paces together.
    speed = split.pace(c.rate_per_minute, s.shares)
    planned = duration(lang, o.total / speed) if speed else Html("?")
    rate = f"{speed:g}" if speed else "?"
    if s.start is None:
        return [
            t(lang, "Not started; planned {planned} at {rate}/min.", planned=planned, rate=rate)
        ]
    # Over several runs, the time they sent: the hours between them are nobody's.
    spans = run_spans(s.runs, s.end) if s.runs else [(s.start, s.end)]
    took = duration(lang, sum((b - a).total_seconds() for a, b in spans) / 60)
    if c.finished_at is None:
        line = t(
            lang,
            "Running for {took} so far, planned {planned} at {rate}/min.",
            took=took,
            planned=planned,
            rate=rate,
        )
    else:
        line = t(
            lang,
            "Took {took}, planned {planned} at {rate}/min.",
            took=took,
            planned=planned,
            rate=rate,
        )
    if not s.waits:
        return [line, t(lang, "No flood waits.")]
    waited = tn(
        lang,
        "Flood waits: {wait} in {n} wait.",
        "Flood waits: {wait} in {n} waits.",
        len(s.waits),
        wait=duration(lang, s.wait_minutes),
    )
    return [line, waited]


def chart_labels(campaign_id: int, lang: str, per_bar: int) -> report_chart.Labels:
    """The chart's words; English when no font on this machine can write the language."""
    lang = _chart_lang(lang)
    # The chart is an image, not HTML: no parameter here is text that t() would escape.
    x_axis = t(lang, "time, UTC")
    if per_bar > 1:
        x_axis += " · " + t(lang, "one bar = {n} min", n=per_bar)
    return report_chart.Labels(
        title=t(lang, "Campaign #{id}: posts per minute", id=campaign_id),
        x_axis=x_axis,
        y_axis=t(lang, "posts per minute"),
        sent=t(lang, "sent posts"),
        failed=t(lang, "failed posts"),
        wait=t(lang, "flood waits"),
    )


def account_bars(shares: Sequence[AccountShare], lang: str) -> list[AccountBar]:
    """The chart's bar per account, the busiest first; past MAX_ROWS the rest share one bar.
    Empty for one account: its chart has no panel."""
    if len(shares) <= 1:
        return []
    lang = _chart_lang(lang)
    bars = [
        _bar(lang, cut(s.name, NAME_CHARS), s.sent, s.failed, simulated=s.simulated)
        for s in shares[: account_panel.MAX_ROWS]
    ]
    rest = shares[account_panel.MAX_ROWS :]
    if rest:
        label = tn(lang, "{n} more account", "{n} more accounts", len(rest))
        sent, failed = sum(s.sent for s in rest), sum(s.failed for s in rest)
        bars.append(_bar(lang, label, sent, failed, simulated=False))
    return bars


def panel_words(lang: str) -> PanelWords:
    """The per-account panel's words (the chart is an image: nothing here is HTML)."""
    lang = _chart_lang(lang)
    return PanelWords(title=plain(lang, "Posts by account"), simulated=plain(lang, "simulated"))


def reach_title(lang: str) -> str:
    """The reach panel's title (an image: plain text)."""
    return plain(_chart_lang(lang), "Views by channel")


def _bar(lang: str, label: str, sent: int, failed: int, *, simulated: bool) -> AccountBar:
    if simulated:
        label += " " + plain(lang, "(simulated)")
    counts = plain(lang, "sent {sent} · failed {failed}", sent=sent, failed=failed)
    return AccountBar(label, counts, sent, failed, simulated)


def _chart_lang(lang: str) -> str:
    """The chart's language: English when no font on this machine can write `lang`."""
    return lang if lang == "en" or report_chart.has_cyrillic_font() else "en"
