"""Building accounts and reading what /accounts showed, for the tests of the accounts screens."""

from __future__ import annotations

from typing import Any

from predlagator.bot.accounts.keyboards import AccountAction
from predlagator.db import accounts
from predlagator.models import Account
from tests.fakes.bot_api import BotHarness


def act(action: str, account_id: int = 0) -> str:
    """The callback data of an account button."""
    return AccountAction(action=action, id=account_id).pack()


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback data) of every button of a sent or edited message, row by row."""
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def labels(params: dict[str, Any]) -> list[str]:
    """The labels of a message's buttons."""
    return [label for label, _ in buttons(params)]


def last_screen(h: BotHarness) -> dict[str, Any]:
    """The latest message the bot sent or edited."""
    screens = [p for name, p in h.session.calls if name in ("sendMessage", "editMessageText")]
    return screens[-1]


async def make_account(h: BotHarness, name: str, rate: float = 20, **columns: Any) -> Account:
    """An account called `name`, with any columns of accounts set as given."""
    async with h.pool.connection() as conn:
        account = await accounts.ensure(conn, name, rate)
        columns = {"rate_per_minute": rate, **columns}
        for column, value in columns.items():
            assert column.isidentifier()
            await conn.execute(
                f"UPDATE accounts SET {column} = %s WHERE id = %s",
                (value, account.id),
            )
        found = await accounts.get(conn, account.id)
    assert found is not None
    return found


async def account_row(h: BotHarness, account_id: int) -> dict[str, Any]:
    """The account's row as stored."""
    [row] = await h.rows("SELECT * FROM accounts WHERE id = %s", account_id)
    return row


async def audit_rows(h: BotHarness) -> list[tuple[int | None, str, int | None, dict[str, Any]]]:
    """(actor, action, object id, details) of every audit entry, oldest first."""
    rows = await h.rows("SELECT actor_id, action, object_id, details FROM audit_log ORDER BY id")
    return [(r["actor_id"], r["action"], r["object_id"], r["details"]) for r in rows]
