"""Parse an operator's message into normalised channel references."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_ENTRIES = 10_000

_LINK = re.compile(r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(.*)$", re.IGNORECASE)
_USERNAME = re.compile(r"^[a-z0-9_]+$")
_INVITE = re.compile(r"^[A-Za-z0-9_-]{5,64}$")
_CHANNEL_ID = re.compile(r"^-100\d{5,13}$")
_NUMBER = re.compile(r"^-\d+$")
_NAME_LINE = re.compile(r"^\s*(?:name|название|имя)\s*:\s*(.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Invalid:
    """An entry that is not a usable reference, and why (a reason key for texts)."""

    line: str
    reason: str


@dataclass
class ParsedRefs:
    """The outcome of parsing a message: refs in order, duplicates merged, invalid entries."""

    refs: list[str] = field(default_factory=list)
    duplicates: int = 0
    invalid: list[Invalid] = field(default_factory=list)
    entries: int = 0
    # Entries that look like references, valid or not: "@ab" is a bad ref, not a post line.
    ref_like: int = 0

    @property
    def valid(self) -> int:
        """Valid entries, duplicates included."""
        return len(self.refs) + self.duplicates

    @property
    def is_channel_list(self) -> bool:
        """Whether the message is meant as a channel list rather than a post."""
        if self.entries and self.ref_like == self.entries:
            return True
        return self.valid >= 2 and self.valid > len(self.invalid)


def split_name(text: str) -> tuple[str | None, str]:
    """Take an optional first line `name: …` off the text; return (name, the rest)."""
    first, _, rest = text.partition("\n")
    if match := _NAME_LINE.match(first):
        return match.group(1), rest
    return None, text


def split_entries(text: str) -> list[str]:
    """Split on lines and commas; drop empty pieces."""
    return [
        piece.strip() for line in text.splitlines() for piece in line.split(",") if piece.strip()
    ]


def parse(text: str) -> ParsedRefs:
    """Parse every entry of `text`; keep the first occurrence of each ref."""
    return parse_entries(split_entries(text))


def parse_entries(entries: list[str]) -> ParsedRefs:
    """Parse entries already split apart (e.g. the cells of a CSV column)."""
    result = ParsedRefs()
    seen: set[str] = set()
    for entry in entries:
        result.entries += 1
        ref, reason, looks = parse_one(entry)
        result.ref_like += looks
        if ref is None:
            result.invalid.append(Invalid(entry, reason))
        elif ref in seen:
            result.duplicates += 1
        else:
            seen.add(ref)
            result.refs.append(ref)
    return result


def parse_one(entry: str) -> tuple[str | None, str, bool]:
    """Return (normalised ref or None, reason when None, whether it looks like a reference)."""
    if any(ch.isspace() for ch in entry):
        # "@name is great" is a sentence of a post, not a broken reference.
        return None, "not_a_reference", False
    if entry.startswith("@"):
        ref, reason = _username(entry[1:])
        return ref, reason, True
    if match := _LINK.match(entry):
        ref, reason = _link_path(match.group(1))
        return ref, reason, True
    if _NUMBER.match(entry):
        if _CHANNEL_ID.match(entry):
            return entry, "", True
        return None, "numeric_id", True
    return None, "not_a_reference", False


def _link_path(path: str) -> tuple[str | None, str]:
    # Drop a query, a trailing slash and a post number: t.me/name/123 is a post in `name`.
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if parts and parts[0].lower() == "s":  # t.me/s/name is the web preview of `name`
        parts = parts[1:]
    if not parts:
        return None, "not_a_reference"
    head = parts[0]
    if head.lower() == "joinchat":
        return _invite(parts[1] if len(parts) > 1 else "")
    if head.startswith("+"):
        return _invite(head[1:])
    if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
        return None, "not_a_reference"
    return _username(head)


def _invite(code: str) -> tuple[str | None, str]:
    # Invite hashes are case-sensitive: keep them as written.
    if _INVITE.match(code):
        return f"+{code}", ""
    return None, "invite_invalid"


def _username(raw: str) -> tuple[str | None, str]:
    name = raw.lower()
    if not _USERNAME.match(name):
        return None, "username_chars"
    if not 5 <= len(name) <= 32:
        return None, "username_length"
    if not name[0].isalpha():
        return None, "username_start"
    if "__" in name or name.endswith("_"):
        return None, "username_underscores"
    return name, ""


def display(ref: str) -> str:
    """A stored ref as an operator writes it: @name, t.me/+invite or the numeric id."""
    if ref.startswith("+"):
        return f"t.me/{ref}"
    if ref.startswith("-"):
        return ref
    return f"@{ref}"
