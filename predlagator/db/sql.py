"""Named SQL blocks loaded once from the .sql files beside this module."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import LiteralString

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


def parse_blocks(text: str) -> dict[str, str]:
    """Split a file into {name: sql} at each `-- name: x` line."""
    parts = _NAME.split(text)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


@cache
def _load(module: str) -> dict[str, str]:
    text = (resources.files("predlagator.db") / "queries" / f"{module}.sql").read_text("utf-8")
    return parse_blocks(text)


def query(module: str, name: str) -> LiteralString:
    """Return the named query of queries/<module>.sql; a typo fails loudly."""
    try:
        # The text comes from our own package files, never from input.
        return _load(module)[name]
    except KeyError:
        raise KeyError(f"no query {name!r} in queries/{module}.sql") from None
