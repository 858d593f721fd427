"""The import contract: each process imports only its own side, and no package imports its importer.

The graph is read from the source with grimp, so a new import that breaks a layer fails here
before it ships (an import chain through any number of modules counts, not only direct ones).
"""

from __future__ import annotations

import itertools
from functools import cache

import grimp
import pytest

PACKAGES = ("predlagator.bot", "predlagator.delivery", "predlagator.queue", "predlagator.db")
FEATURES = tuple(
    f"predlagator.bot.{name}"
    for name in (
        "home",
        "access",
        "batches",
        "templates",
        "campaigns",
        "reports",
        "testsend",
        "accounts",
    )
)
# What every feature of the bot shares; none of it may reach into a feature.
BOT_SHARED = tuple(
    f"predlagator.bot.{name}"
    for name in ("texts", "catalog", "fsm_storage", "redraw", "notifications", "rounds_view")
)
# The base every package stands on.
BASE = (
    "predlagator.models",
    "predlagator.config",
    "predlagator.logs",
    "predlagator.telegram_errors",
    "predlagator.telegram_words",
)
# Telethon ships no types and its network seam is private: it stays inside these modules.
TELETHON_MODULES = {
    "predlagator.delivery.telethon_sender",
    "predlagator.delivery.telethon_failures",
    "predlagator.delivery.telethon_media",
    "predlagator.delivery.telethon_session",
    "predlagator.delivery.login",
    "predlagator.delivery.telethon_actions",
    "predlagator.delivery.chat_login",
}


@cache
def graph() -> grimp.ImportGraph:
    """The package's import graph, external packages included as single nodes."""
    return grimp.build_graph("predlagator", include_external_packages=True, cache_dir=None)


def chain(importer: str, imported: str) -> tuple[str, ...] | None:
    """The shortest import chain from `importer` to `imported` (both as packages), if any."""
    found = graph().find_shortest_chains(importer=importer, imported=imported, as_packages=True)
    return min(found, key=len) if found else None


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("predlagator.bot", "telethon"),
        ("predlagator.bot", "predlagator.delivery"),
        ("predlagator.delivery", "aiogram"),
        ("predlagator.delivery", "predlagator.bot"),
        ("predlagator.queue", "predlagator.delivery"),
        ("predlagator.queue", "predlagator.bot"),
        ("predlagator.queue", "telethon"),
        ("predlagator.queue", "aiogram"),
        ("predlagator.db", "predlagator.bot"),
        ("predlagator.db", "predlagator.delivery"),
        ("predlagator.db", "predlagator.queue"),
        ("predlagator.db", "telethon"),
        ("predlagator.db", "aiogram"),
    ],
)
def test_a_layer_never_reaches_what_it_must_not(importer: str, forbidden: str) -> None:
    assert chain(importer, forbidden) is None


@pytest.mark.parametrize("base", BASE)
def test_the_base_modules_import_no_package_of_ours(base: str) -> None:
    reached = [package for package in PACKAGES if chain(base, package)]
    assert reached == []


@pytest.mark.parametrize(
    ("first", "second"),
    [*itertools.combinations(PACKAGES + BASE, 2), *itertools.combinations(FEATURES, 2)],
)
def test_no_package_imports_its_importer(first: str, second: str) -> None:
    there = graph().direct_import_exists(importer=first, imported=second, as_packages=True)
    back = graph().direct_import_exists(importer=second, imported=first, as_packages=True)
    assert not (there and back), f"{first} and {second} import each other"


@pytest.mark.parametrize("shared", BOT_SHARED)
def test_what_the_bot_shares_reaches_no_feature(shared: str) -> None:
    reached = [feature for feature in FEATURES if chain(shared, feature)]
    assert reached == []


def test_telethon_is_imported_only_by_the_telethon_modules() -> None:
    importers = graph().find_modules_that_directly_import("telethon")
    assert importers <= TELETHON_MODULES
    assert importers, "the worker's Telethon modules must import telethon"
