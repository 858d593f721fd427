"""A recurring campaign's card and /campaigns line: the round of how many, when the next one
starts (in TIMEZONE), waiting between rounds, both languages; a viewer gets only Refresh."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from predlagator import recurrence
from predlagator.bot import rounds_view
from predlagator.bot.campaigns.card import card_keyboard, render_card
from predlagator.models import Campaign
from tests.bot.campaigns.test_card import T0, S, campaign, progress

MOSCOW = ZoneInfo("Europe/Moscow")
RULE = recurrence.Rule(kind=recurrence.Kind.WEEKDAYS, weekdays=(3,), at=None, rounds=10)
NEXT = datetime(2025, 3, 6, 6, 0, tzinfo=UTC)  # Thursday 09:00 in Moscow


def recurring(status: S, round_no: int = 3, **changes: object) -> Campaign:
    fields: dict[str, object] = {"repeat": RULE.to_json(), "round": round_no, "next_round_at": NEXT}
    return campaign(status, **{**fields, **changes})


@pytest.mark.parametrize(
    ("lang", "status_line", "round_line"),
    [
        ("en", "🕒 Waiting for the next round", "🔁 Round 3 of 10 · next Thu 03-06 09:00"),
        ("ru", "🕒 Ждёт следующего раунда", "🔁 Раунд 3 из 10 · следующий Чт 03-06 09:00"),
    ],
)
def test_between_rounds_the_card_says_the_round_and_the_next(
    lang: str, status_line: str, round_line: str
) -> None:
    between = recurring(S.SCHEDULED)
    lines = render_card(
        between, progress(S.SCHEDULED, total=4, sent=4, failed=0), lang, T0, zone=MOSCOW
    ).splitlines()
    assert lines[1:3] == [status_line, round_line]


def test_running_and_finished_rounds() -> None:
    running = recurring(S.RUNNING, 4)
    text = render_card(running, progress(S.RUNNING), "en", T0, zone=MOSCOW)
    assert text.splitlines()[1:3] == ["🚀 Running", "🔁 Round 4 of 10 · next Thu 03-06 09:00"]
    done = recurring(S.COMPLETED, 10, finished_at=T0, next_round_at=None)
    text = render_card(done, progress(S.COMPLETED, total=4, sent=4, failed=0), "en", T0)
    assert text.splitlines()[1:3] == ["✅ Completed", "🔁 Round 10 of 10"]


def test_a_viewer_between_rounds_gets_only_refresh_and_an_operator_pause_and_cancel() -> None:
    between = recurring(S.SCHEDULED)
    viewer = card_keyboard(between, viewer=True)
    assert viewer is not None
    assert [[b.text for b in row] for row in viewer.inline_keyboard] == [["🔄 Refresh"]]
    operator = card_keyboard(between)
    assert operator is not None
    assert [b.text for b in operator.inline_keyboard[0]] == ["⏸ Pause", "✖️ Cancel"]


def test_the_rule_in_words() -> None:
    every = recurrence.Rule(kind=recurrence.Kind.DAYS, every=2, until=date(2025, 4, 1))
    assert rounds_view.describe(every, "en") == "every 2 days · until 2025-04-01"
    assert rounds_view.describe(every, "ru") == "раз в 2 дня · до 2025-04-01"
    hourly = recurrence.Rule(kind=recurrence.Kind.HOURS, every=1, rounds=5, delete_previous=True)
    assert rounds_view.describe(hourly, "en") == (
        "every hour · 5 rounds · the previous post is deleted first"
    )
