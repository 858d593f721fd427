"""The account step's presses: tick or untick an account, then Done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from predlagator.bot.campaigns.wizard.flow import advance, edit
from predlagator.bot.campaigns.wizard.keyboards import as_id
from predlagator.bot.campaigns.wizard.states import next_step
from predlagator.bot.texts import t
from predlagator.db import picks

if TYPE_CHECKING:
    from predlagator.bot.campaigns.wizard.presses import Turn


async def on_toggle(turn: Turn) -> None:
    """Tick or untick an account that can send, and show the step again."""
    item_id = as_id(turn.press.value)
    if item_id is None or turn.press.step != "account":
        await turn.stale()
        return
    chosen = turn.draft.chosen()
    if item_id in chosen:
        chosen.remove(item_id)
    else:
        async with turn.env.pool.connection() as conn:
            active = {a.id for a in await picks.active_accounts(conn)}
        if item_id not in active:
            shown = await advance(turn.wizard, "account", turn.draft, turn.env)
            await edit(turn.bot, turn.callback, shown)
            await turn.refuse(t(turn.lang, "That account can't send any more. Choose again."))
            return
        chosen.append(item_id)
    turn.draft.account_ids = chosen
    await turn.go("account")


async def on_done(turn: Turn) -> None:
    """The accounts are chosen: at least one that can still send."""
    if turn.press.step != "account":
        await turn.stale()
        return
    async with turn.env.pool.connection() as conn:
        active = [a.id for a in await picks.active_accounts(conn)]
    chosen = [a for a in active if a in set(turn.draft.chosen())]
    if not chosen:
        await turn.refuse(
            t(turn.lang, "Tick at least one account: the campaign needs one to send from.")
        )
        return
    turn.draft.account_ids, turn.draft.account_id = chosen, chosen[0]
    if len(chosen) == 1:
        turn.draft.no_cap = False  # one account: its own pace, asked again
    await turn.go(next_step("account"))
