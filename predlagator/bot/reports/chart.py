"""The report's chart: posts per minute, failures stacked in red, flood waits shaded (PNG)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 960, 480
# The plot area; everything outside it is axes, labels, title and legend.
LEFT, RIGHT, TOP, BOTTOM = 70, 940, 56, 420
PLOT_W, PLOT_H = RIGHT - LEFT, BOTTOM - TOP
# At least two pixels per bar: a longer campaign folds several minutes into one bar, whose
# height is then their average per minute, so the axis still reads "per minute".
MAX_BARS = PLOT_W // 2

BACKGROUND = (255, 255, 255)
GRID = (225, 228, 232)
AXIS = (60, 64, 72)
TEXT = (33, 37, 41)
SENT = (46, 134, 222)
FAILED = (231, 76, 60)
WAIT = (253, 226, 180)

# Clock-aligned steps for the time axis, in minutes; the first giving at most 8 ticks is used.
_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440, 2880, 10080)
_MAX_TICKS = 8
# DejaVu covers Cyrillic (Debian's fonts-dejavu-core, present on most Linux machines).
# Pillow's own font has Latin only: without DejaVu the chart's words fall back to English.
_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Labels:
    """The chart's words, in the operator's language."""

    title: str
    x_axis: str
    y_axis: str
    sent: str
    failed: str
    wait: str


@dataclass(frozen=True)
class Series:
    """What the chart shows: the span, posts and failures per minute, and the waits."""

    start: datetime
    end: datetime
    # (UTC minute, posts, failures), minutes without either left out.
    minutes: Sequence[tuple[datetime, int, int]]
    waits: Sequence[tuple[datetime, datetime]]


@dataclass(frozen=True)
class Frame:
    """The time axis: whole minutes from `t0`, `n` of them, `per_bar` minutes to a bar."""

    t0: datetime
    n: int
    per_bar: int

    @property
    def bars(self) -> int:
        """How many bars the span needs."""
        return math.ceil(self.n / self.per_bar)

    def x(self, at: datetime) -> int:
        """The pixel column of a moment, clamped to the plot."""
        share = (at - self.t0).total_seconds() / (self.n * 60)
        return LEFT + round(min(max(share, 0.0), 1.0) * PLOT_W)

    def bar_span(self, index: int) -> tuple[int, int]:
        """First and last pixel column of bar `index` (a one-pixel gap when bars are wide)."""
        left = LEFT + round(index * PLOT_W / self.bars)
        right = LEFT + round((index + 1) * PLOT_W / self.bars) - 1
        return left, right - 1 if right - left >= 3 else right


def frame(start: datetime, end: datetime) -> Frame:
    """Whole UTC minutes covering start..end (at least one), folded to fit the plot."""
    t0 = _floor_minute(start)
    n = max(1, math.ceil((end - t0).total_seconds() / 60))
    return Frame(t0=t0, n=n, per_bar=math.ceil(n / MAX_BARS))


def nice_top(value: float) -> float:
    """The y axis' top: the least 1, 2, 2.5 or 5 × 10^k at or above `value` (at least 1)."""
    if value <= 1:
        return 1.0
    exponent = 10.0 ** math.floor(math.log10(value))
    return next(step * exponent for step in (1, 2, 2.5, 5, 10) if step * exponent >= value)


def bar_values(series: Series, fr: Frame) -> list[tuple[float, float]]:
    """Average posts and failures per minute of each bar."""
    sums = [[0, 0] for _ in range(fr.bars)]
    for minute, sent, failed in series.minutes:
        offset = int((minute - fr.t0).total_seconds() // 60)
        if 0 <= offset < fr.n:
            cell = sums[offset // fr.per_bar]
            cell[0] += sent
            cell[1] += failed
    return [(s / fr.per_bar, f / fr.per_bar) for s, f in sums]


def render(series: Series, labels: Labels) -> bytes:
    """Draw the chart and return it as PNG bytes (same input, same pixels)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw_on(image, series, labels)
    return png(image)


def draw_on(image: Image.Image, series: Series, labels: Labels) -> None:
    """Draw the chart into the image's top WIDTH × HEIGHT (a taller image keeps the rest)."""
    fr = frame(series.start, series.end)
    values = bar_values(series, fr)
    top = nice_top(max((s + f for s, f in values), default=0.0))
    draw = ImageDraw.Draw(image)
    for start, end in series.waits:
        left, right = fr.x(start), fr.x(end)
        if right > left:
            draw.rectangle((left, TOP, right - 1, BOTTOM - 1), fill=WAIT)
    _y_axis(draw, top)
    for index, (sent, failed) in enumerate(values):
        _bar(draw, fr, index, sent, failed, top)
    _x_axis(draw, fr)
    _words(image, draw, labels)


def png(image: Image.Image) -> bytes:
    """The image as PNG bytes."""
    out = io.BytesIO()
    # Flat colours compress well even at a low level, and a low level keeps encoding fast.
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def y_of(value: float, top: float) -> int:
    """The pixel row of a value on the y axis."""
    return BOTTOM - round(value / top * PLOT_H)


def _bar(
    draw: ImageDraw.ImageDraw, fr: Frame, index: int, sent: float, failed: float, top: float
) -> None:
    left, right = fr.bar_span(index)
    sent_top = y_of(sent, top)
    all_top = y_of(sent + failed, top)
    if sent_top < BOTTOM:
        draw.rectangle((left, sent_top, right, BOTTOM - 1), fill=SENT)
    if all_top < sent_top:
        draw.rectangle((left, all_top, right, sent_top - 1), fill=FAILED)


def _y_axis(draw: ImageDraw.ImageDraw, top: float) -> None:
    font = text_font(12)
    for tick in range(6):  # 0 and five gridlines up to the top
        value = top * tick / 5
        y = y_of(value, top)
        if tick:
            draw.line((LEFT, y, RIGHT - 1, y), fill=GRID)
        label = f"{round(value, 2):g}"
        width = draw.textlength(label, font=font)
        draw.text((LEFT - 6 - width, y - 7), label, fill=TEXT, font=font)
    draw.line((LEFT, TOP, LEFT, BOTTOM), fill=AXIS)


def _x_axis(draw: ImageDraw.ImageDraw, fr: Frame) -> None:
    font = text_font(12)
    draw.line((LEFT, BOTTOM, RIGHT, BOTTOM), fill=AXIS)
    step = next((s for s in _TICK_STEPS if fr.n / s <= _MAX_TICKS), _TICK_STEPS[-1])
    first = math.ceil(_epoch_minutes(fr.t0) / step) * step
    end = _epoch_minutes(fr.t0) + fr.n
    for minute in range(first, end + 1, step):
        at = datetime.fromtimestamp(minute * 60, UTC)
        x = fr.x(at)
        draw.line((x, BOTTOM, x, BOTTOM + 4), fill=AXIS)
        label = at.strftime("%H:%M") if step < 1440 else at.strftime("%d.%m")
        width = draw.textlength(label, font=font)
        draw.text((x - width / 2, BOTTOM + 7), label, fill=TEXT, font=font)


def _words(image: Image.Image, draw: ImageDraw.ImageDraw, labels: Labels) -> None:
    title_font, font = text_font(17), text_font(13)
    draw.text((LEFT, 16), labels.title, fill=TEXT, font=title_font)
    x_label = labels.x_axis
    width = draw.textlength(x_label, font=font)
    draw.text((LEFT + (PLOT_W - width) / 2, BOTTOM + 30), x_label, fill=TEXT, font=font)
    # The y label runs upwards: drawn on its own strip, turned, pasted beside the axis.
    strip = Image.new("RGB", (int(draw.textlength(labels.y_axis, font=font)) + 2, 18), BACKGROUND)
    ImageDraw.Draw(strip).text((1, 1), labels.y_axis, fill=TEXT, font=font)
    turned = strip.rotate(90, expand=True)
    image.paste(turned, (8, TOP + (PLOT_H - turned.height) // 2))
    x = RIGHT
    for text, colour in ((labels.wait, WAIT), (labels.failed, FAILED), (labels.sent, SENT)):
        x -= int(draw.textlength(text, font=font))
        draw.text((x, 20), text, fill=TEXT, font=font)
        x -= 18
        draw.rectangle((x, 21, x + 11, 32), fill=colour)
        x -= 14


def has_cyrillic_font() -> bool:
    """Whether the chart can write Russian (a DejaVu font was found)."""
    return _font_path() is not None


@cache
def _font_path() -> str | None:
    return next((p for p in _FONT_PATHS if Path(p).is_file()), None)


@cache
def text_font(size: int) -> Font:
    """DejaVu Sans at `size`, or Pillow's own font when DejaVu is missing."""
    path = _font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def _floor_minute(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(second=0, microsecond=0)


def _epoch_minutes(at: datetime) -> int:
    return int(at.timestamp() // 60)
