"""Accounts as screens name them: escaped, cut, simulated marked, a long list counted."""

from __future__ import annotations

from dataclasses import dataclass

from predlagator.bot.account_names import account_label, account_names


@dataclass
class Named:
    name: str
    kind: str = "telegram"


def test_names_are_escaped_cut_and_marked() -> None:
    assert account_label("en", Named("a<b>")) == "a&lt;b&gt;"
    assert account_label("ru", Named("sim", "simulated")) == "sim 🧪 симуляция"
    assert account_label("en", Named("x" * 40)) == "x" * 31 + "…"


def test_a_long_list_names_ten_and_counts_the_rest() -> None:
    many = [Named(f"a{i}") for i in range(15)]
    assert account_names("en", many) == ", ".join(f"a{i}" for i in range(10)) + " and 5 more"
    assert account_names("ru", many[:12]).endswith("a9 и ещё 2")
