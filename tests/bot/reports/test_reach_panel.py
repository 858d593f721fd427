"""The chart's reach panel, checked by what was drawn: a bar of views per channel below the
chart left as it was, the most viewed the longest."""

from __future__ import annotations

from predlagator.bot.reports import account_panel as ap
from predlagator.bot.reports import chart as rc
from predlagator.bot.reports import reach_panel as rp
from tests.bot.reports.test_account_panel import image_of
from tests.bot.reports.test_chart import LABELS, TEN_MINUTES, pixel


def test_no_views_leaves_the_chart_as_it_was() -> None:
    plain = rc.render(TEN_MINUTES, LABELS)
    assert rp.add(plain, [], "Views by channel") == plain
    assert rp.add(plain, [("quiet", 0)], "Views by channel") == plain


def test_a_bar_per_channel_below_the_unchanged_chart() -> None:
    plain = rc.render(TEN_MINUTES, LABELS)
    bars = [("big", 400), ("half", 200), ("none", 0)]
    image = image_of(rp.add(plain, bars, "Views by channel"))
    assert image.size == (rc.WIDTH, rc.HEIGHT + rp.height(2))
    assert image.crop((0, 0, rc.WIDTH, rc.HEIGHT)).tobytes() == image_of(plain).tobytes()

    def row(index: int) -> int:
        return rc.HEIGHT + ap.HEADER_H + index * ap.ROW_H + ap.ROW_H // 2

    # The most viewed spans the bar column; half the views, half of it.
    assert pixel(image, ap.BAR_RIGHT - 2, row(0)) == rp.VIEWS
    middle = (ap.BAR_LEFT + ap.BAR_RIGHT) // 2
    assert pixel(image, middle - 3, row(1)) == rp.VIEWS
    assert pixel(image, middle + 3, row(1)) == rc.BACKGROUND


def test_at_most_ten_channels_are_drawn() -> None:
    plain = rc.render(TEN_MINUTES, LABELS)
    bars = [(f"ch {i}", 100 - i) for i in range(25)]
    image = image_of(rp.add(plain, bars, "Views by channel"))
    assert image.size[1] == rc.HEIGHT + rp.height(rp.MAX_ROWS)
