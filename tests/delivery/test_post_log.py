"""The window guard: a post counts from when its request left, which may be later than its mark."""

from __future__ import annotations

from predlagator.delivery import pacing

ACCOUNT: pacing.Scope = ("account", 1, 0)
RATE = 600.0  # ten a second: a second's window holds ten posts


def ten_posts(log: pacing.PostLog) -> None:
    """Ten posts at their slots, 0.1 s apart from 0.0 on."""
    for index in range(10):
        log.record([ACCOUNT], index * 0.1)


def test_an_eleventh_post_waits_for_the_first_to_be_a_window_old() -> None:
    log = pacing.PostLog(pacing.WINDOW_MARGIN)
    ten_posts(log)
    assert log.after_windows(ACCOUNT, RATE, 1.0) == 1.0 + 1.0 * pacing.WINDOW_MARGIN


def test_a_post_that_left_late_holds_back_the_post_a_window_after_it() -> None:
    log = pacing.PostLog(pacing.WINDOW_MARGIN)
    log.record([ACCOUNT], 0.0)
    log.settle([ACCOUNT], 0.008)  # the event loop reached its request 8 ms after the mark
    for index in range(1, 10):
        log.record([ACCOUNT], index * 0.1)
    assert log.after_windows(ACCOUNT, RATE, 1.005) == 1.008 + 1.0 * pacing.WINDOW_MARGIN


def test_settling_never_moves_a_post_earlier() -> None:
    log = pacing.PostLog(pacing.WINDOW_MARGIN)
    ten_posts(log)
    log.settle([ACCOUNT], 0.85)  # the last post, 0.9, is not moved back to 0.85
    assert log.after_gap(ACCOUNT, RATE, 0.9) == 0.9 + 0.1 * pacing.MIN_GAP_SHARE
