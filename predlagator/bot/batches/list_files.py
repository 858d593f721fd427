"""Read an uploaded .txt or .csv channel list: its kind, size, encoding and references."""

from __future__ import annotations

import csv
import io
from enum import StrEnum

from predlagator.bot.batches import refs as channel_refs
from predlagator.bot.batches.refs import ParsedRefs

# A list of 10,000 t.me links is about half a megabyte; anything bigger is not a channel list.
MAX_BYTES = 1024 * 1024
_SNIFF_CHARS = 16 * 1024
_TXT_TYPES = frozenset({"text/plain"})
_CSV_TYPES = frozenset({"text/csv", "text/comma-separated-values", "application/csv"})


class Kind(StrEnum):
    """How a file's contents are read."""

    TXT = "txt"
    CSV = "csv"


class Unreadable(StrEnum):
    """Why a file's contents gave no list (the reason picks the operator's message)."""

    NOT_TEXT = "not_text"  # binary, or text in another encoding than UTF-8
    NO_COLUMN = "no_column"  # a CSV none of whose columns holds channel references


def kind_of(file_name: str | None, mime_type: str | None) -> Kind | None:
    """A .txt or .csv by its name (or, unnamed, by its type); None for any other document."""
    name = (file_name or "").lower()
    if name.endswith(".csv"):
        return Kind.CSV
    if name.endswith(".txt"):
        return Kind.TXT
    if "." in name:
        return None  # a named file of another kind is a post's attachment, not a list
    mime = (mime_type or "").lower()
    if mime in _CSV_TYPES:
        return Kind.CSV
    return Kind.TXT if mime in _TXT_TYPES else None


def looks_like_list(parsed: ParsedRefs) -> bool:
    """Whether a file's entries read as a channel list: at least half look like references
    (valid or not, so a list with typos still is one; a document's sentences never look so)."""
    return parsed.entries > 0 and parsed.ref_like * 2 >= parsed.entries


def decode(data: bytes) -> str | None:
    """UTF-8 text with or without a byte order mark; None for binary or other encodings."""
    if b"\x00" in data:
        return None  # valid UTF-8 may hold NULs, but no text list does (UTF-16 is full of them)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def read(data: bytes, kind: Kind) -> tuple[str | None, ParsedRefs] | Unreadable:
    """Parse a file into (a `name:` line if a .txt has one, the refs), or say why not."""
    text = decode(data)
    if text is None:
        return Unreadable.NOT_TEXT
    if kind is Kind.TXT:
        name, body = channel_refs.split_name(text)
        return name, channel_refs.parse(body)
    entries = csv_column(text)
    return Unreadable.NO_COLUMN if entries is None else (None, channel_refs.parse_entries(entries))


def csv_column(text: str) -> list[str] | None:
    """The non-empty cells of the first column that holds channel references, header dropped.

    Only one column is read, not every cell: exports put titles, subscriber counts and notes
    beside the references, and those would all come back as "invalid lines". A column holds
    references when at least half of its non-empty cells look like one (valid or not, so a
    list with typos still counts; a title or a count never looks like one); a first-row cell
    that does not look like one is the column's header.
    """
    rows = list(csv.reader(io.StringIO(text), _dialect(text)))
    width = max((len(row) for row in rows), default=0)
    for column in range(width):
        cells = [row[column].strip() if len(row) > column else "" for row in rows]
        if cells and cells[0] and not channel_refs.parse_one(cells[0])[2]:
            cells = cells[1:]
        filled = [cell for cell in cells if cell]
        looks = sum(1 for cell in filled if channel_refs.parse_one(cell)[2])
        if filled and looks * 2 >= len(filled):
            return filled
    return None


def _dialect(text: str) -> type[csv.Dialect]:
    # Spreadsheets save CSV with commas, semicolons (Russian locales) or tabs; a one-column
    # file has no delimiter at all and reads the same with any.
    try:
        return csv.Sniffer().sniff(text[:_SNIFF_CHARS], delimiters=",;\t")
    except csv.Error:
        return csv.excel
