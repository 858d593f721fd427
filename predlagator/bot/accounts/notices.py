"""Notifications-queue task of the account pool: an account stopped, told to every owner."""

from __future__ import annotations

import procrastinate
from procrastinate import JobContext

from predlagator.bot import notifications
from predlagator.bot.texts import error, t
from predlagator.db import accounts, operators
from predlagator.queue import names

blueprint = procrastinate.Blueprint()


def stopped_text(lang: str, name: str, reason: str) -> str:
    """The alert: which account, why, and what became of its posts."""
    return t(
        lang,
        "⚠️ Account {name} stopped: {reason}. Posts it never tried went to the campaigns' other "
        "accounts; see /accounts.",
        name=name,
        reason=error(lang, reason),
    )


@blueprint.task(name=names.ACCOUNT_ALERT, **notifications.TASK)
async def account_alert(context: JobContext, account_id: int, reason: str) -> None:
    """Tell every owner, in their language, that an account stopped for good."""
    bot, pool = notifications.deps(context)
    async with pool.connection() as conn:
        account = await accounts.get(conn, account_id)
        owners = [o for o in await operators.list_all(conn) if o.role == "owner"]
    if account is None:
        return
    for owner in owners:
        await notifications.say(
            context, bot, owner.user_id, stopped_text(owner.language or "en", account.name, reason)
        )
