"""The gettext catalogs: loaded from .po at start, and brought up to date with the code.

aiogram's I18n loads compiled .mo files; compiling the .po in memory instead keeps binaries out
of the repository and means an edited translation can never be shadowed by a stale .mo.
Run `python -m predlagator.bot.catalog` after adding or changing messages in the code.
"""

from __future__ import annotations

import gettext
import io
import sys
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).resolve().parent.parent
LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
# Where messages sit in our calls: t(lang, message), plain(lang, message), tn(lang, singular,
# plural, n), N_(message).
KEYWORDS = {"t": (2,), "plain": (2,), "tn": (2, 3), "N_": None}


class PoI18n(I18n):
    """aiogram's I18n reading .po catalogs, compiled in memory."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        """Load every locales/<lang>/LC_MESSAGES/messages.po."""
        found: dict[str, gettext.GNUTranslations] = {}
        for po in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            compiled = io.BytesIO()
            write_mo(compiled, read_catalog(po))
            compiled.seek(0)
            found[po.parent.parent.name] = gettext.GNUTranslations(compiled)
        return found


def read_catalog(po: Path) -> Catalog:
    """Parse one .po file."""
    with po.open("rb") as file:
        return read_po(file, locale=po.parent.parent.name, domain=DOMAIN, abort_invalid=True)


def extract() -> Catalog:
    """Every message the code asks for, as a template catalog."""
    template = Catalog(domain=DOMAIN, project="predlagator")
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, keywords=KEYWORDS, comment_tags=("i18n:",)
    ):
        template.add(
            message, locations=[(filename, lineno)], auto_comments=comments, context=context
        )
    return template


def update(locale: str = "ru") -> Path:
    """Add new messages to a locale's catalog (empty, to translate) and drop unused ones."""
    po = LOCALES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    catalog = read_catalog(po)
    template = extract()
    # A stable header and no source locations keep the file's diff to the messages themselves,
    # so branches that each add messages merge cleanly.
    template.creation_date = catalog.creation_date
    catalog.update(template, no_fuzzy_matching=True)
    with po.open("wb") as file:
        write_po(file, catalog, ignore_obsolete=True, no_location=True, sort_output=True, width=100)
    return po


def _strings(value: object) -> tuple[str, ...]:
    """A message's translation(s) as a tuple, for plural and singular messages alike."""
    return tuple(value) if isinstance(value, tuple | list) else (str(value or ""),)


i18n = PoI18n(path=LOCALES, default_locale="en", domain=DOMAIN)


if __name__ == "__main__":
    path = update(sys.argv[1] if len(sys.argv) > 1 else "ru")
    missing = [m.id for m in read_catalog(path) if m.id and not all(_strings(m.string))]
    print(f"{path}: {len(missing)} message(s) to translate")
    for message_id in missing:
        print(" -", message_id)
