"""The gettext catalogs: every message the code uses is translated; lookups pick the language."""

from __future__ import annotations

import ast
import re
import string

from babel.messages.catalog import Message

from predlagator.bot.catalog import LOCALES, PACKAGE, extract, read_catalog
from predlagator.bot.texts import Html, lang_of, t, tn

RU = read_catalog(LOCALES / "ru" / "LC_MESSAGES" / "messages.po")
TAG = re.compile(r"</?[a-z]+")


def _forms(value: object) -> tuple[str, ...]:
    """A catalog field as a tuple of strings: plural messages hold several."""
    return tuple(map(str, value)) if isinstance(value, tuple | list) else (str(value or ""),)


def _ids(message: Message) -> tuple[str, ...]:
    return _forms(message.id)


def _strings(message: Message) -> tuple[str, ...]:
    return _forms(message.string)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_in_the_code_is_in_the_russian_catalog() -> None:
    used = {message.id for message in extract() if message.id}
    known = {message.id for message in RU if message.id}
    assert sorted(map(str, used - known)) == [], "run: python -m predlagator.bot.catalog"
    assert sorted(map(str, known - used)) == [], "unused messages: run the catalog update"


def _literal_messages() -> set[str]:
    """Every message literal passed to t, plain, tn or N_ in the package, found by the AST."""
    positions = {"t": (1,), "plain": (1,), "tn": (1, 2), "N_": (0,)}
    found: set[str] = set()
    for source in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                for index in positions.get(node.func.id, ()):
                    arg = node.args[index] if index < len(node.args) else None
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
    return found


def test_the_extractor_sees_every_message_literal_in_the_code() -> None:
    # Babel's extractor skips some shapes (a message in parentheses, a call nested in a
    # call's arguments); such a message would silently stay English.
    extracted = {form for message in extract() if message.id for form in _ids(message)}
    assert sorted(_literal_messages() - extracted) == []


def test_every_russian_message_is_translated_with_the_same_placeholders_and_tags() -> None:
    for message in RU:
        if not message.id:
            continue
        source = _ids(message)
        assert all(_strings(message)), f"untranslated: {source[0]!r}"
        assert not message.fuzzy, f"fuzzy: {source[0]!r}"
        for translated in _strings(message):
            assert _fields(translated) <= _fields(source[-1]) | {"n"}, source[0]
            assert sorted(TAG.findall(translated)) == sorted(TAG.findall(source[0])), source[0]
        assert _fields(" ".join(_strings(message))) == set().union(*map(_fields, source)), source[0]


def test_the_operator_language_picks_the_catalog() -> None:
    assert lang_of("ru-RU") == "ru"
    assert lang_of("uk") == "en"
    assert lang_of(None) == "en"
    assert t("ru", "Paused") == "Пауза"
    assert t("en", "Paused") == "Paused"
    assert t("de", "Paused") == "Paused"


def test_parameters_are_escaped_unless_already_html() -> None:
    assert t("en", "Took {took}", took="<1 & 2>") == "Took &lt;1 &amp; 2&gt;"
    assert t("en", "Took {took}", took=Html("<b>2</b>")) == "Took <b>2</b>"


def test_russian_plurals_follow_the_number() -> None:
    one = "Campaign #{id}: {n} channel switched off and skipped:"
    many = "Campaign #{id}: {n} channels switched off and skipped:"
    forms = {n: tn("ru", one, many, n, id=7) for n in (1, 2, 5, 11, 21, 22, 25)}
    assert forms == {
        1: "Кампания #7: отключён 1 канал, он пропускается:",
        2: "Кампания #7: отключены 2 канала, они пропускаются:",
        5: "Кампания #7: отключено 5 каналов, они пропускаются:",
        11: "Кампания #7: отключено 11 каналов, они пропускаются:",
        21: "Кампания #7: отключён 21 канал, он пропускается:",
        22: "Кампания #7: отключены 22 канала, они пропускаются:",
        25: "Кампания #7: отключено 25 каналов, они пропускаются:",
    }
    assert tn("en", one, many, 1, id=7) == "Campaign #7: 1 channel switched off and skipped:"
    assert tn("en", one, many, 3, id=7) == "Campaign #7: 3 channels switched off and skipped:"
