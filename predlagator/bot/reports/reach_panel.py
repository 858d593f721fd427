"""The chart's reach panel: below the chart (and its accounts' panel), one bar of views per
channel, the most viewed first."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from predlagator.bot.reports import account_panel as rows
from predlagator.bot.reports import chart

# The channels drawn; the report's text and the CSV have them all.
MAX_ROWS = 10
VIEWS = (39, 174, 96)


def height(bars: int) -> int:
    """The panel's height for `bars` channels (nothing for none)."""
    if bars <= 0:
        return 0
    return rows.HEADER_H + min(bars, MAX_ROWS) * rows.ROW_H + rows.FOOTER_H


def add(png: bytes, bars: Sequence[tuple[str, int]], title: str) -> bytes:
    """The chart `png` with the views panel below it; unchanged when no channel has views."""
    shown = [bar for bar in bars if bar[1] > 0][:MAX_ROWS]
    if not shown:
        return png
    above = Image.open(io.BytesIO(png)).convert("RGB")
    top = above.height
    image = Image.new("RGB", (above.width, top + height(len(shown))), chart.BACKGROUND)
    image.paste(above, (0, 0))
    draw = ImageDraw.Draw(image)
    draw.line((chart.LEFT, top, chart.RIGHT, top), fill=chart.GRID)
    draw.text((chart.LEFT, top + 10), title, fill=chart.TEXT, font=chart.text_font(15))
    widest = max(views for _, views in shown)
    font = chart.text_font(13)
    for index, (label, views) in enumerate(shown):
        y = top + rows.HEADER_H + index * rows.ROW_H + (rows.ROW_H - rows.BAR_H) // 2
        name = rows.fit(draw, label, rows.NAME_RIGHT - rows.NAME_LEFT)
        x = rows.NAME_RIGHT - draw.textlength(name, font=font)
        draw.text((x, y + 1), name, fill=chart.TEXT, font=font)
        end = rows.bar_end(views, widest)
        if end > rows.BAR_LEFT:
            draw.rectangle((rows.BAR_LEFT, y, end - 1, y + rows.BAR_H - 1), fill=VIEWS)
        draw.line(
            (rows.BAR_LEFT - 1, y - 3, rows.BAR_LEFT - 1, y + rows.BAR_H + 2), fill=chart.AXIS
        )
        draw.text((rows.COUNTS_LEFT, y + 1), str(views), fill=chart.TEXT, font=font)
    return chart.png(image)
