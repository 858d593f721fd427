"""The report's chart, checked by its pixels: bar heights and colours, wait shading, folding."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from predlagator.bot.reports import chart as rc

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
LABELS = rc.Labels(
    title="Campaign #1: posts per minute",
    x_axis="time, UTC",
    y_axis="posts per minute",
    sent="sent posts",
    failed="failed posts",
    wait="flood waits",
)


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def draw(series: rc.Series) -> Image.Image:
    image = Image.open(io.BytesIO(rc.render(series, LABELS)))
    assert (image.format, image.size) == ("PNG", (rc.WIDTH, rc.HEIGHT))
    return image.convert("RGB")


def pixel(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    value = image.getpixel((x, y))
    assert isinstance(value, tuple)
    return (value[0], value[1], value[2])


# Ten minutes: 870 px of plot make ten bars of 87 px, each with a one-pixel gap at its right.
# Bar 0 spans x 70..155 and bar 1 x 157..242; the y axis tops at 10 posts (plot rows 56..419),
# so 5 posts end at row 420 - 182 = 238.
TEN_MINUTES = rc.Series(
    start=minute(0),
    end=minute(10),
    minutes=[(minute(0), 10, 0), (minute(1), 5, 5), (minute(3), 2, 0)],
    waits=[],
)


def test_bar_heights_and_colours() -> None:
    image = draw(TEN_MINUTES)
    # Bar 0: ten posts, blue from the bottom to the top of the plot.
    assert pixel(image, 112, rc.BOTTOM - 1) == rc.SENT
    assert pixel(image, 112, rc.TOP) == rc.SENT
    # Bar 1: five posts in blue, five failures stacked on them in red.
    assert pixel(image, 200, 238) == rc.SENT
    assert pixel(image, 200, 237) == rc.FAILED
    assert pixel(image, 200, rc.TOP) == rc.FAILED
    # Bar 2: nothing that minute.
    assert pixel(image, 287, rc.BOTTOM - 1) == rc.BACKGROUND
    # Bar 3: two posts end 73 rows up (364 × 2 / 10), gridline-free just above.
    assert pixel(image, 374, rc.BOTTOM - 73) == rc.SENT
    assert pixel(image, 374, rc.BOTTOM - 74) == rc.BACKGROUND
    # The gap between bars 0 and 1, and the plot's right of the last bar with data.
    assert pixel(image, 156, rc.BOTTOM - 1) == rc.BACKGROUND
    assert pixel(image, 900, rc.BOTTOM - 1) == rc.BACKGROUND


def test_a_flood_wait_is_shaded_behind_the_bars() -> None:
    waited = rc.Series(
        start=minute(0),
        end=minute(10),
        minutes=TEN_MINUTES.minutes,
        waits=[(minute(4), minute(6) + timedelta(seconds=30))],
    )
    image, plain = draw(waited), draw(TEN_MINUTES)
    # Minutes 4 to 6.5 are x 418..635; the shade fills the plot's height there.
    for x in (419, 500, 634):
        assert pixel(image, x, rc.TOP + 5) == rc.WAIT
        assert pixel(image, x, rc.BOTTOM - 1) == rc.WAIT
        assert pixel(plain, x, rc.TOP + 5) == rc.BACKGROUND
    assert pixel(image, 416, rc.TOP + 5) == rc.BACKGROUND
    assert pixel(image, 637, rc.TOP + 5) == rc.BACKGROUND
    # Bars are drawn over the shade: minute 1's bar is unchanged.
    assert pixel(image, 200, 238) == rc.SENT


def test_a_day_long_campaign_folds_minutes_into_bars_of_their_average() -> None:
    day = [(minute(n), 20 if n % 2 else 10, 0) for n in range(24 * 60)]
    day[700] = (minute(700), 0, 60)  # one minute of failures only
    image = draw(rc.Series(start=minute(0), end=minute(24 * 60), minutes=day, waits=[]))
    frame = rc.frame(minute(0), minute(24 * 60))
    assert (frame.per_bar, frame.bars) == (4, 360)
    # Bar 175 (minutes 700 to 703) averages 12.5 posts and 15 failures a minute, the most of
    # any bar, so the axis tops at 50: 364 rows for 50.
    left, _ = frame.bar_span(175)
    assert pixel(image, left, rc.BOTTOM - 91) == rc.SENT
    assert pixel(image, left, rc.BOTTOM - 92) == rc.FAILED
    assert pixel(image, left, rc.BOTTOM - 200) == rc.FAILED
    assert pixel(image, left, rc.BOTTOM - 201) == rc.BACKGROUND
    # Every other bar averages 15 posts a minute: 109 rows.
    for index in (1, 10, 174, 176, 359):
        left, right = frame.bar_span(index)
        for x in (left, right):
            assert pixel(image, x, rc.BOTTOM - 109) == rc.SENT
            assert pixel(image, x, rc.BOTTOM - 110) == rc.BACKGROUND


def test_same_input_same_pixels() -> None:
    assert rc.render(TEN_MINUTES, LABELS) == rc.render(TEN_MINUTES, LABELS)


def test_an_empty_span_still_draws() -> None:
    image = draw(rc.Series(start=minute(0), end=minute(0), minutes=[], waits=[]))
    assert pixel(image, 500, rc.BOTTOM - 1) == rc.BACKGROUND
    assert rc.frame(minute(0), minute(0)).n == 1


@pytest.mark.parametrize(
    ("value", "top"),
    [(0, 1), (1, 1), (1.5, 2), (2.4, 2.5), (3, 5), (7, 10), (10, 10), (23, 25), (101, 200)],
)
def test_nice_top(value: float, top: float) -> None:
    assert rc.nice_top(value) == top
