"""The chart's panel per account, checked by what was drawn: the image's size, each account's
bar (sent, failed stacked, a simulated one paler) and the chart above it left as it was."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from predlagator.bot.reports import account_panel as ap
from predlagator.bot.reports import chart as rc
from predlagator.bot.reports import summary as report
from predlagator.db.account_split import AccountShare
from tests.bot.reports.test_chart import LABELS, TEN_MINUTES, pixel

WORDS = ap.PanelWords(title="Posts by account", simulated="simulated")
THREE = [
    ap.AccountBar("main", "sent 30 · failed 10", 30, 10, simulated=False),
    ap.AccountBar("rehearsal (simulated)", "sent 10 · failed 0", 10, 0, simulated=True),
    ap.AccountBar("spare", "sent 0 · failed 4", 0, 4, simulated=False),
]


def image_of(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def middle(index: int) -> int:
    top, bottom = ap.bar_row(index)
    return (top + bottom) // 2


def test_one_account_gets_exactly_the_chart() -> None:
    plain = rc.render(TEN_MINUTES, LABELS)
    assert ap.render(TEN_MINUTES, LABELS) == plain
    assert ap.render(TEN_MINUTES, LABELS, THREE[:1], WORDS) == plain


def test_several_accounts_get_a_bar_each_below_the_unchanged_chart() -> None:
    image = image_of(ap.render(TEN_MINUTES, LABELS, THREE, WORDS))
    assert image.size == (rc.WIDTH, rc.HEIGHT + ap.HEADER_H + 3 * ap.ROW_H + ap.FOOTER_H)
    above = image.crop((0, 0, rc.WIDTH, rc.HEIGHT))
    assert above.tobytes() == image_of(rc.render(TEN_MINUTES, LABELS)).tobytes()

    # main: 30 sent then 10 failed, the longest bar (40 posts span the whole bar column).
    y = middle(0)
    assert pixel(image, ap.BAR_LEFT, y) == rc.SENT
    assert pixel(image, ap.bar_end(30, 40) - 1, y) == rc.SENT
    assert pixel(image, ap.bar_end(30, 40), y) == rc.FAILED
    assert pixel(image, ap.BAR_RIGHT - 1, y) == rc.FAILED
    assert pixel(image, ap.BAR_RIGHT + 2, y) == rc.BACKGROUND
    # rehearsal, simulated: a quarter as long, in the paler blue.
    y = middle(1)
    assert pixel(image, ap.BAR_LEFT, y) == ap.SIMULATED_SENT
    assert pixel(image, ap.bar_end(10, 40) - 1, y) == ap.SIMULATED_SENT
    assert pixel(image, ap.bar_end(10, 40) + 1, y) == rc.BACKGROUND
    # spare: failures only, red from the start of the column.
    y = middle(2)
    assert pixel(image, ap.BAR_LEFT, y) == rc.FAILED
    assert pixel(image, ap.bar_end(4, 40) + 1, y) == rc.BACKGROUND
    # The legend's swatch for simulated accounts (one of them is), right of the panel title.
    assert ap.SIMULATED_SENT in {color for _, color in _colors(image, rc.HEIGHT, ap.bar_row(0)[0])}


def test_without_a_simulated_account_the_panel_has_no_simulated_swatch() -> None:
    real = [THREE[0], THREE[2]]
    image = image_of(ap.render(TEN_MINUTES, LABELS, real, WORDS))
    assert image.size[1] == ap.height(2)
    assert ap.SIMULATED_SENT not in {color for _, color in _colors(image, rc.HEIGHT, image.size[1])}


def share(n: int, *, kind: str = "telegram", sent: int = 5, failed: int = 1) -> AccountShare:
    return AccountShare(
        id=n,
        name=f"acc{n:02d}",
        kind=kind,
        status="active",
        stop_reason=None,
        flood_until=None,
        rate_per_minute=20.0,
        removed_at=None,
        sent=sent,
        pending=0,
        failed=failed,
    )


def test_bars_for_one_account_are_none() -> None:
    assert report.account_bars([share(1)], "en") == []


@pytest.mark.parametrize(
    ("lang", "simulated", "more", "counts"),
    [
        ("en", "acc02 (simulated)", "3 more accounts", "sent 15 · failed 3"),
        ("ru", "acc02 (симуляция)", "ещё 3 аккаунта", "отправлено 15 · ошибок 3"),
    ],
)
def test_past_eight_accounts_the_rest_share_one_bar(
    lang: str, simulated: str, more: str, counts: str
) -> None:
    shares = [share(n, kind="simulated" if n == 2 else "telegram") for n in range(1, 12)]
    bars = report.account_bars(shares, lang)
    assert len(bars) == ap.MAX_ROWS + 1
    assert [bar.simulated for bar in bars].count(True) == 1
    assert bars[1].label == simulated and bars[1].simulated
    assert bars[0].label == "acc01"
    assert (bars[-1].label, bars[-1].counts) == (more, counts)
    assert (bars[-1].sent, bars[-1].failed) == (15, 3)
    # Even 100 accounts draw no taller an image than nine bars.
    image = image_of(ap.render(TEN_MINUTES, LABELS, bars, report.panel_words(lang)))
    assert image.size == (rc.WIDTH, ap.height(ap.MAX_ROWS + 1))
    assert ap.height(100) == ap.height(ap.MAX_ROWS + 1)


def _colors(image: Image.Image, top: int, bottom: int) -> list[tuple[int, tuple[int, int, int]]]:
    """Every colour in rows top..bottom, with how often it occurs."""
    band = image.crop((0, top, rc.WIDTH, bottom))
    found = band.getcolors(maxcolors=1 << 16)
    assert found is not None
    return [(count, (c[0], c[1], c[2])) for count, c in found if isinstance(c, tuple)]
