"""The report's reach: total and median views, the top channels, views per 1,000 members."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from predlagator.bot.texts import cut, t, tn
from predlagator.db import reach as db_reach
from predlagator.db.rows import Conn
from predlagator.models import ReachFigure

# The text names this many channels by views; the CSV has every one.
TOP = 10
# How much of a channel's name a line shows, so ten lines stay well inside one message.
NAME_CHARS = 32


@dataclass(frozen=True)
class Reach:
    """The campaign's reach as last read, over the posts read at least once."""

    figures: Sequence[ReachFigure]  # most viewed first

    @property
    def viewed(self) -> list[ReachFigure]:
        """The posts Telegram counts views for (not basic groups)."""
        return [f for f in self.figures if f.views is not None]

    @property
    def total(self) -> int:
        return sum(f.views or 0 for f in self.figures)

    @property
    def median(self) -> float:
        views = [f.views for f in self.viewed if f.views is not None]
        return statistics.median(views) if views else 0.0

    @property
    def forwards(self) -> int:
        return sum(f.forwards or 0 for f in self.figures)

    @property
    def reactions(self) -> int:
        return sum(f.reactions or 0 for f in self.figures)

    def per_thousand(self) -> float | None:
        """Views per 1,000 members over the channels whose member count is known."""
        known = [f for f in self.viewed if f.members]
        members = sum(f.members or 0 for f in known)
        if not members:
            return None
        return 1000 * sum(f.views or 0 for f in known) / members


async def read(conn: Conn, campaign_id: int) -> Reach:
    """The campaign's latest reach figures."""
    return Reach(await db_reach.figures(conn, campaign_id))


def per_thousand(figure: ReachFigure) -> float | None:
    """One channel's views per 1,000 members, where its member count is known."""
    if figure.views is None or not figure.members:
        return None
    return 1000 * figure.views / figure.members


def _number(value: float) -> str:
    """A figure as the report writes it: whole, or with one decimal under 100."""
    return f"{value:.1f}" if value < 100 and value != int(value) else f"{round(value)}"


def section(r: Reach, lang: str) -> list[str]:
    """ "Reach": views in total and the median, per 1,000 members, and the top channels."""
    if not r.figures:
        return []
    lines = ["", t(lang, "<b>Reach</b>"), *totals(r, lang)]
    top = [f for f in r.viewed if f.views][:TOP]
    if top:
        lines.append(t(lang, "Top channels by views:"))
        lines += [_top_line(i, f, lang) for i, f in enumerate(top, 1)]
    return lines


def totals(r: Reach, lang: str) -> list[str]:
    """Views in total and the median, forwards and reactions, views per 1,000 members."""
    lines = [
        tn(
            lang,
            "Views: {total} in {n} channel · median {median}",
            "Views: {total} in {n} channels · median {median}",
            len(r.viewed),
            total=r.total,
            median=_number(r.median),
        ),
        t(
            lang,
            "Forwards {forwards} · reactions {reactions}",
            forwards=r.forwards,
            reactions=r.reactions,
        ),
    ]
    overall = r.per_thousand()
    if overall is not None:
        lines.append(t(lang, "Views per 1,000 members: {n}", n=_number(overall)))
    return lines


def _top_line(index: int, figure: ReachFigure, lang: str) -> str:
    name = cut(figure.channel_title or figure.channel_ref, NAME_CHARS)
    ratio = per_thousand(figure)
    if ratio is None:
        return t(lang, "{i}. {name}: {views}", i=index, name=name, views=figure.views or 0)
    return t(
        lang,
        "{i}. {name}: {views} · {ratio} per 1,000 members",
        i=index,
        name=name,
        views=figure.views or 0,
        ratio=_number(ratio),
    )


def chart_bars(r: Reach, limit: int) -> list[tuple[str, int]]:
    """The chart's views-by-channel bars, the most viewed first (plain text: an image)."""
    return [
        (cut(f.channel_title or f.channel_ref, NAME_CHARS), f.views or 0)
        for f in r.viewed[:limit]
        if f.views
    ]
