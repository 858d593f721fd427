"""The report's pure parts: CSV cells and links, flood-wait spans, the text's edge cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from predlagator.bot.reports import csv_file
from predlagator.bot.reports.summary import FLOOD_WAIT, RESUMED, Summary, render_text, wait_spans
from predlagator.db.report import ErrorCount, Line, Outcomes, WaitEvent
from predlagator.models import Campaign, CampaignStatus

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def line(ref: str, **fields: object) -> Line:
    values: dict[str, object] = {
        "position": 1,
        "ref": ref,
        "title": None,
        "status": "sent",
        "attempts": 1,
        "error_code": None,
        "sent_at": "2026-03-01T10:00:00Z",
        "message_id": 42,
        "peer_type": None,
        "peer_id": None,
        **fields,
    }
    return Line(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+7 999", "'+7 999"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("Shop = best", "Shop = best"),
        ("Магазин", "Магазин"),
        ("", ""),
    ],
)
def test_cells_that_would_be_formulas_are_made_text(cell: str, safe: str) -> None:
    assert csv_file.defuse(cell) == safe


@pytest.mark.parametrize(
    ("item", "link"),
    [
        (line("shop_news"), "https://t.me/shop_news/42"),
        (line("shop_news", peer_type="channel", peer_id=77), "https://t.me/shop_news/42"),
        (line("+AbCdEf", peer_type="channel", peer_id=1234567890), "https://t.me/c/1234567890/42"),
        (line("-1001234567890"), "https://t.me/c/1234567890/42"),
        (line("-1001234567890", peer_type="channel", peer_id=99), "https://t.me/c/99/42"),
        (line("+AbCdEf"), ""),  # never resolved: the id is unknown
        (line("-4001234", peer_type="chat", peer_id=4001234), ""),  # basic groups have no links
        (line("shop_news", message_id=None), ""),  # RANDOM_ID_DUPLICATE: sent, id unknown
        (line("shop_news", status="failed"), ""),
    ],
)
def test_post_links(item: Line, link: str) -> None:
    assert csv_file.post_link(item) == link


def test_delimiter_and_filename() -> None:
    assert (csv_file.delimiter("en"), csv_file.delimiter("ru")) == (",", ";")
    assert csv_file.filename(12) == "campaign-12-report.csv"


def flood(start: float, until: float) -> WaitEvent:
    return WaitEvent(action=FLOOD_WAIT, created_at=at(start), until=at(until))


def resumed(minute: float) -> WaitEvent:
    return WaitEvent(action=RESUMED, created_at=at(minute), until=None)


@pytest.mark.parametrize(
    ("events", "spans"),
    [
        ([], []),
        # Resumed a little after the wait's end: the campaign waited until the resume.
        ([flood(10, 15), resumed(15.5)], [(10, 15.5)]),
        # No resume (paused or cancelled meanwhile): until the wait's end.
        ([flood(10, 15)], [(10, 15)]),
        # Two waits, each with its own resume; a resume is never borrowed from a later wait.
        ([flood(10, 15), flood(30, 31), resumed(31.2)], [(10, 15), (30, 31.2)]),
        # Overlapping waits merge; spans are clipped to the campaign's own start and end.
        ([flood(-5, 3), flood(2, 6)], [(0, 6)]),
        ([flood(55, 70)], [(55, 60)]),
        ([flood(-20, -10), flood(61, 70)], []),
    ],
)
def test_wait_spans(events: list[WaitEvent], spans: list[tuple[float, float]]) -> None:
    expected = [(at(a), at(b)) for a, b in spans]
    assert wait_spans(events, at(0), at(60)) == expected


def campaign(**fields: object) -> Campaign:
    values: dict[str, object] = {
        "id": 3,
        "name": "A & B",
        "batch_id": 1,
        "template_id": 1,
        "account_id": 1,
        "rate_per_minute": 20.0,
        "retry_limit": 3,
        "status": CampaignStatus.CANCELLED,
        "status_reason": None,
        "resume_at": None,
        "chat_id": 1,
        "card_message_id": None,
        "language": "en",
        "created_by": 1,
        "created_at": T0,
        "started_at": None,
        "finished_at": at(1),
        **fields,
    }
    return Campaign.model_validate(values)


def test_many_reasons_are_cut_and_an_unstarted_campaign_has_only_a_plan() -> None:
    codes = [f"CODE_{i:02d}" for i in range(13)]
    summary = Summary(
        campaign=campaign(),
        outcomes=Outcomes(
            total=100, sent=0, failed=13, cancelled=87, pending=0, skipped_inactive=0
        ),
        errors=[ErrorCount(code=code, n=1) for code in codes],
        start=None,
        end=at(1),
        waits=[],
    )
    lines = render_text(summary, "en").splitlines()
    assert lines[:3] == [
        "📊 <b>Report: A &amp; B</b> · #3",
        "⛔ Cancelled",
        "Sent 0 · failed 13 · cancelled 87 of 100",
    ]
    assert lines[5:15] == [f"• refused by Telegram (CODE_{i:02d}): 1" for i in range(10)]
    assert lines[15:] == ["• other reasons: 3", "", "Not started; planned 5 min at 20/min."]
    assert render_text(summary, "ru").splitlines()[15:] == [
        "• другие причины: 3",
        "",
        "Не начиналась; план 5 мин при 20/мин.",
    ]


def test_short_spans_in_the_report_are_in_seconds() -> None:
    started = campaign(started_at=at(0), finished_at=at(1.5))
    summary = Summary(
        campaign=started,
        outcomes=Outcomes(total=10, sent=10, failed=0, cancelled=0, pending=0, skipped_inactive=0),
        errors=[],
        start=at(0),
        end=at(1.5),
        waits=[(at(0.5), at(1))],
    )
    assert render_text(summary, "en").splitlines()[-2:] == [
        "Took 1 min 30 s, planned 30 s at 20/min.",
        "Flood waits: 30 s in 1 wait.",
    ]
    assert render_text(summary, "ru").splitlines()[-2] == (
        "Заняло 1 мин 30 сек, план 30 сек при 20/мин."
    )


@pytest.mark.parametrize(
    ("lang", "reasons", "cells"),
    [
        (
            "en",
            ["• no photos allowed: 4", "• not allowed to post: 2"],
            ["The chat takes no photos", "CHAT_SEND_PHOTOS_FORBIDDEN"],
        ),
        (
            "ru",
            ["• фото запрещены: 4", "• нельзя публиковать: 2"],
            ["Чат не принимает фото", "CHAT_SEND_PHOTOS_FORBIDDEN"],
        ),
    ],
)
def test_failure_reasons_are_in_words_in_the_text_and_the_csv(
    lang: str, reasons: list[str], cells: list[str]
) -> None:
    summary = Summary(
        campaign=campaign(),
        outcomes=Outcomes(total=6, sent=0, failed=6, cancelled=0, pending=0, skipped_inactive=0),
        errors=[
            ErrorCount(code="CHAT_SEND_PHOTOS_FORBIDDEN", n=4),
            ErrorCount(code="CHAT_WRITE_FORBIDDEN", n=2),
        ],
        start=None,
        end=at(1),
        waits=[],
    )
    assert render_text(summary, lang).splitlines()[5:7] == reasons
    failed = line("shop_news", status="failed", error_code="CHAT_SEND_PHOTOS_FORBIDDEN")
    assert csv_file.row(failed, lang)[5:7] == cells
    assert csv_file.row(line("shop_news"), lang)[5:7] == ["", ""]
