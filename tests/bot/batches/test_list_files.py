"""Uploaded channel lists: which documents are lists, decoding, and the CSV column."""

from __future__ import annotations

import pytest

from predlagator.bot.batches.list_files import Kind, Unreadable, csv_column, decode, kind_of, read
from predlagator.bot.batches.refs import Invalid


@pytest.mark.parametrize(
    ("name", "mime", "kind"),
    [
        ("list.txt", None, Kind.TXT),
        ("LIST.CSV", "application/octet-stream", Kind.CSV),
        ("export.csv", "text/plain", Kind.CSV),
        (None, "text/plain", Kind.TXT),
        (None, "text/csv", Kind.CSV),
        ("noext", "text/comma-separated-values", Kind.CSV),
        ("photo.jpg", "image/jpeg", None),
        ("notes.pdf", "text/plain", None),
        (None, None, None),
    ],
)
def test_which_documents_are_lists(name: str | None, mime: str | None, kind: Kind | None) -> None:
    assert kind_of(name, mime) is kind


def test_decode_takes_utf8_with_or_without_bom_only() -> None:
    assert decode("@канал".encode()) == "@канал"
    assert decode("\ufeff@alpha_news".encode()) == "@alpha_news"
    assert decode("@alpha_news".encode("utf-16")) is None
    assert decode("@новости".encode("cp1251")) is None
    assert decode(b"@alpha\x00news") is None


def test_txt_is_read_like_a_sent_list() -> None:
    result = read("name: Мой список\r\n@alpha_news, @beta_news\r\n@bad\r\n".encode(), Kind.TXT)
    assert not isinstance(result, Unreadable)
    name, parsed = result
    assert name == "Мой список"
    assert parsed.refs == ["alpha_news", "beta_news"]
    assert parsed.invalid == [Invalid("@bad", "username_length")]


def test_csv_takes_the_first_column_of_references_and_drops_its_header() -> None:
    text = (
        "\ufefftitle,subscribers,link,backup\r\n"
        '"Alpha, daily",1200,https://t.me/alpha_news,@spare_one\r\n'
        "Beta,300,@beta_news,\r\n"
        "Gamma,10,@x,\r\n"
        ",,,\r\n"
    )
    result = read(text.encode(), Kind.CSV)
    assert not isinstance(result, Unreadable)
    name, parsed = result
    assert name is None
    assert parsed.refs == ["alpha_news", "beta_news"]
    assert parsed.invalid == [Invalid("@x", "username_length")]
    assert parsed.entries == 3


def test_csv_with_semicolons_tabs_or_one_column() -> None:
    assert csv_column("name;link\nA;@alpha_news\nB;@beta_news\n") == ["@alpha_news", "@beta_news"]
    assert csv_column("@alpha_news\t1\n@beta_news\t2\n") == ["@alpha_news", "@beta_news"]
    assert csv_column("@alpha_news\n-1001234567890\n") == ["@alpha_news", "-1001234567890"]


def test_csv_without_a_column_of_references() -> None:
    assert read(b"title,subscribers\nAlpha,12\nBeta,30\n", Kind.CSV) is Unreadable.NO_COLUMN
    assert read(b"", Kind.CSV) is Unreadable.NO_COLUMN
    assert read(b"\x89PNG\r\n\x1a\n\x00\x00", Kind.CSV) is Unreadable.NOT_TEXT
