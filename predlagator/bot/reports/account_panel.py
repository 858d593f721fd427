"""The report's chart for a campaign over several accounts: the chart, and below it one bar per
account (sent in blue, failed stacked in red; a simulated account's bar paler, and marked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from predlagator.bot.reports import chart

# Accounts drawn one by one, the busiest first; the rest share one bar (the caller sums them),
# so the image stays within a phone's screen however many accounts there are.
MAX_ROWS = 8
ROW_H = 30
BAR_H = 18
HEADER_H = 44
FOOTER_H = 12
# Columns: names between NAME_LEFT and NAME_RIGHT (cut to fit), bars from BAR_LEFT up to
# BAR_RIGHT, then the counts.
NAME_LEFT = 12
NAME_RIGHT = 250
BAR_LEFT = 262
BAR_RIGHT = 690
COUNTS_LEFT = 702

# A simulated account's colours: the same hues, paler, so it reads as "not real" at a glance.
SIMULATED_SENT = (164, 201, 240)
SIMULATED_FAILED = (244, 170, 162)


@dataclass(frozen=True)
class AccountBar:
    """One account's bar: its label and counts already in the operator's words."""

    label: str  # the name, with the simulated mark
    counts: str  # "sent 12 · failed 1"
    sent: int
    failed: int
    simulated: bool


@dataclass(frozen=True)
class PanelWords:
    """The panel's own words, in the operator's language."""

    title: str
    simulated: str


def height(bars: int) -> int:
    """The whole image's height for `bars` accounts' bars (the chart's alone for one)."""
    if bars <= 1:
        return chart.HEIGHT
    return chart.HEIGHT + HEADER_H + min(bars, MAX_ROWS + 1) * ROW_H + FOOTER_H


def render(
    series: chart.Series,
    labels: chart.Labels,
    bars: Sequence[AccountBar] = (),
    words: PanelWords | None = None,
) -> bytes:
    """The chart as PNG bytes, with the per-account panel below it when there are two or more
    accounts (one account: exactly the chart)."""
    if len(bars) <= 1 or words is None:
        return chart.render(series, labels)
    shown = bars[: MAX_ROWS + 1]
    image = Image.new("RGB", (chart.WIDTH, height(len(shown))), chart.BACKGROUND)
    chart.draw_on(image, series, labels)
    draw = ImageDraw.Draw(image)
    _header(draw, words, any(bar.simulated for bar in shown))
    widest = max(bar.sent + bar.failed for bar in shown) or 1
    for index, bar in enumerate(shown):
        _row(draw, index, bar, widest)
    return chart.png(image)


def bar_row(index: int) -> tuple[int, int]:
    """First and last pixel row of the bar of account `index` (from the top, 0-based)."""
    top = chart.HEIGHT + HEADER_H + index * ROW_H + (ROW_H - BAR_H) // 2
    return top, top + BAR_H - 1


def bar_end(value: int, widest: int) -> int:
    """The pixel column where a bar of `value` ends (BAR_LEFT for nothing)."""
    return BAR_LEFT + round(value / widest * (BAR_RIGHT - BAR_LEFT))


def _header(draw: ImageDraw.ImageDraw, words: PanelWords, simulated: bool) -> None:
    y = chart.HEIGHT + 10
    draw.line((chart.LEFT, chart.HEIGHT, chart.RIGHT, chart.HEIGHT), fill=chart.GRID)
    draw.text((chart.LEFT, y), words.title, fill=chart.TEXT, font=chart.text_font(15))
    if simulated:
        font = chart.text_font(13)
        x = chart.RIGHT - int(draw.textlength(words.simulated, font=font))
        draw.text((x, y + 2), words.simulated, fill=chart.TEXT, font=font)
        draw.rectangle((x - 18, y + 3, x - 7, y + 14), fill=SIMULATED_SENT)


def _row(draw: ImageDraw.ImageDraw, index: int, bar: AccountBar, widest: int) -> None:
    font = chart.text_font(13)
    top, bottom = bar_row(index)
    label = fit(draw, bar.label, NAME_RIGHT - NAME_LEFT)
    x = NAME_RIGHT - draw.textlength(label, font=font)
    draw.text((x, top + 1), label, fill=chart.TEXT, font=font)
    sent_end, all_end = bar_end(bar.sent, widest), bar_end(bar.sent + bar.failed, widest)
    sent_ink = SIMULATED_SENT if bar.simulated else chart.SENT
    failed_ink = SIMULATED_FAILED if bar.simulated else chart.FAILED
    if sent_end > BAR_LEFT:
        draw.rectangle((BAR_LEFT, top, sent_end - 1, bottom), fill=sent_ink)
    if all_end > sent_end:
        draw.rectangle((sent_end, top, all_end - 1, bottom), fill=failed_ink)
    draw.line((BAR_LEFT - 1, top - 3, BAR_LEFT - 1, bottom + 3), fill=chart.AXIS)
    draw.text((COUNTS_LEFT, top + 1), bar.counts, fill=chart.TEXT, font=font)


def fit(draw: ImageDraw.ImageDraw, text: str, width: int) -> str:
    """The text, cut with an ellipsis to fit `width` pixels."""
    font = chart.text_font(13)
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"
