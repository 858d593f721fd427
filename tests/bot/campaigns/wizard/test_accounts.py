"""The wizard over several accounts: tick them (all by default), no cap or a cap, and confirm."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from predlagator.bot.campaigns.wizard.keyboards import WizardPress
from predlagator.db import accounts
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.fakes.bot_api import OWNER, STRANGER, VIEWER, BotHarness, bot_harness
from tests.wizard_steps import (
    NOW,
    labels,
    last_answer,
    last_shown,
    material,
    press,
    press_data,
    press_of,
    text,
    to_step,
    wizard_row,
)

SETTINGS = {"default_rate_per_minute": 20.0, "retry_limit": 3}
TICKED = [["☑️ main · 20/min"], ["☑️ second · 15/min"], ["☑️ rehearsal · 10/min · 🧪 simulated"]]


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, **SETTINGS) as harness:
        harness.dp["clock"] = lambda: NOW
        await material(harness)
        async with pool.connection() as conn:
            await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 20.0)
            await accounts.ensure(conn, "second", 15.0)
            sim = await accounts.ensure(conn, "rehearsal", 10.0)
            gone = await accounts.ensure(conn, "gone", 20.0)
            stopped = await accounts.ensure(conn, "banned", 20.0)
            await accounts.stop(conn, stopped.id, "USER_DEACTIVATED_BAN")
        await harness.rows(
            "UPDATE accounts SET kind = 'simulated' WHERE id = %s RETURNING id", sim.id
        )
        await harness.rows(
            "UPDATE accounts SET removed_at = now() WHERE id = %s RETURNING id", gone.id
        )
        yield harness


async def campaign_accounts(h: BotHarness) -> list[str]:
    rows = await h.rows(
        "SELECT a.name FROM campaign_accounts ca JOIN accounts a ON a.id = ca.account_id "
        "ORDER BY a.id"
    )
    return [row["name"] for row in rows]


async def test_all_active_accounts_ticked_and_no_cap_by_default(h: BotHarness) -> None:
    await to_step(h, "account")
    assert text(h) == (
        "Which accounts send the posts? Press one to tick or untick it, then Done.\n"
        "Chosen: 3 of 3, together 45/min."
    )
    # Stopped and removed accounts are no choice; the simulated one says so.
    assert labels(last_shown(h)) == [*TICKED, ["➡️ Done"], ["⬅️ Back", "✖️ Cancel"]]
    await press(h, "➡️ Done")
    assert text(h) == (
        "How fast? By default there is no cap: the chosen accounts' paces together, 45/min. "
        "Or send a cap in posts per minute, from 0.1 to 180."
    )
    assert labels(last_shown(h)) == [
        ["✓ No cap · 45/min"],
        ["≤ 5", "≤ 10", "≤ 20", "≤ 30"],
        ["⬅️ Back", "✖️ Cancel"],
    ]
    await press(h, "✓ No cap · 45/min")
    await h.send(OWNER, "2")
    await press(h, "▶️ Now")
    summary = text(h)
    assert "\nAccounts (3): main, second, rehearsal 🧪 simulated\n" in summary
    assert "\nPace: no cap, the accounts' paces together: 45/min, about 4 s\n" in summary
    await press(h, "✅ Confirm")
    [row] = await h.rows("SELECT rate_per_minute, account_id FROM campaigns")
    assert row == {"rate_per_minute": None, "account_id": 1}
    assert await campaign_accounts(h) == ["main", "second", "rehearsal"]
    [entry] = await h.rows("SELECT details FROM audit_log WHERE action = 'campaign.create'")
    assert entry["details"]["more_accounts"] == [2, 3] and entry["details"]["pace_uncapped"] is True


async def test_untick_some_and_type_a_cap(h: BotHarness) -> None:
    await to_step(h, "account")
    await press(h, "☑️ second · 15/min")
    assert labels(last_shown(h))[:3] == [TICKED[0], ["⬜ second · 15/min"], TICKED[2]]
    assert text(h).endswith("Chosen: 2 of 3, together 30/min.")
    await press(h, "➡️ Done")
    await h.send(OWNER, "61")  # over one account's limit, within two accounts'
    await h.send(OWNER, "2")
    await press(h, "⬅️ Back")
    await press(h, "⬅️ Back")
    assert labels(last_shown(h))[:2] == [
        ["No cap · 30/min"],
        ["≤ 5", "≤ 10", "≤ 20", "≤ 30", "✓ ≤ 61"],
    ]
    await h.send(OWNER, "121")
    assert text(h).startswith("Rate must be between 0.1 and 120 posts per minute.")
    await h.send(OWNER, "25")
    await h.send(OWNER, "2")
    await press(h, "▶️ Now")
    assert "\nAccounts (2): main, rehearsal 🧪 simulated\n" in text(h)
    assert "\nPace: at most 25/min (the accounts together: 30/min), about 7 s\n" in text(h)
    await press(h, "✅ Confirm")
    [row] = await h.rows("SELECT rate_per_minute FROM campaigns")
    assert row == {"rate_per_minute": 25.0}
    assert await campaign_accounts(h) == ["main", "rehearsal"]


async def test_no_account_ticked_is_refused_with_the_reason(h: BotHarness) -> None:
    await to_step(h, "account")
    for label in TICKED:
        await press(h, label[0])
    assert text(h).endswith("Chosen: 0 of 3, together 0/min.")
    before = await wizard_row(h)
    await press(h, "➡️ Done")
    assert last_answer(h) == {
        "callback_query_id": last_answer(h)["callback_query_id"],
        "text": "Tick at least one account: the campaign needs one to send from.",
        "show_alert": True,
    }
    assert await wizard_row(h) == before
    await press(h, "⬜ second · 15/min")
    await press(h, "➡️ Done")
    # One account left ticked: its own pace, as a campaign of one account always had.
    assert text(h).startswith("How fast? Send the pace in posts per minute")


async def test_no_cap_then_all_but_one_unticked_asks_the_pace_again(h: BotHarness) -> None:
    await to_step(h, "account")
    await press(h, "➡️ Done")
    await press(h, "✓ No cap · 45/min")
    await press(h, "⬅️ Back")
    await press(h, "⬅️ Back")
    await press(h, "☑️ second · 15/min")
    await press(h, "☑️ rehearsal · 10/min · 🧪 simulated")
    await press(h, "➡️ Done")
    assert text(h).startswith("How fast? Send the pace")
    row = await wizard_row(h)
    assert row is not None and row["data"]["no_cap"] is False and row["data"]["rate"] is None


async def test_an_account_stopped_while_ticking_is_refused(h: BotHarness) -> None:
    await to_step(h, "account")
    await press(h, "☑️ second · 15/min")
    untick = press_of(h, "⬜ second · 15/min")
    async with h.pool.connection() as conn:
        await accounts.stop(conn, 2, "SESSION_REVOKED")
    await press_data(h, untick)
    assert last_answer(h)["text"] == "That account can't send any more. Choose again."
    assert labels(last_shown(h))[:2] == [TICKED[0], TICKED[2]]


async def test_a_chosen_account_stopped_before_confirm_goes_back(h: BotHarness) -> None:
    await to_step(h, "account")
    await press(h, "➡️ Done")
    await press(h, "✓ No cap · 45/min")
    await h.send(OWNER, "2")
    await press(h, "▶️ Now")
    async with h.pool.connection() as conn:
        await accounts.stop(conn, 2, "PEER_FLOOD")
    await press(h, "✅ Confirm")
    assert last_answer(h)["text"] == "That account can't send any more. Choose again."
    assert labels(last_shown(h))[:2] == [TICKED[0], TICKED[2]]
    assert await h.rows("SELECT id FROM campaigns") == []


async def test_viewers_strangers_and_stale_toggles_change_nothing(h: BotHarness) -> None:
    await h.add(VIEWER, Role.VIEWER)
    await to_step(h, "account")
    toggle = press_of(h, "☑️ second · 15/min")
    before = await wizard_row(h)
    await h.press(VIEWER, toggle.pack(), message_id=77)
    assert last_answer(h)["text"] == "You can look, but viewers can't change anything."
    await h.press(STRANGER, toggle.pack(), message_id=77)
    assert last_answer(h).get("text") is None  # a silent answer
    assert await wizard_row(h) == before
    forged = WizardPress(token=toggle.token, step="account", action="toggle", value="x")
    await press_data(h, forged)
    assert last_answer(h)["text"] == "This button is no longer valid"
    assert await wizard_row(h) == before

    await press(h, "➡️ Done")
    await press_data(h, toggle)  # the account step is done
    assert last_answer(h)["text"] == "That step is done: use the latest message."
    await press(h, "✓ No cap · 45/min")
    await h.send(OWNER, "2")
    await press(h, "▶️ Now")
    await press(h, "✅ Confirm")
    await press_data(h, toggle)  # the wizard is over
    assert last_answer(h)["text"] == "This wizard is over. /new_campaign starts a new one."
    assert await campaign_accounts(h) == ["main", "second", "rehearsal"]


async def test_a_draft_saved_before_several_accounts_still_finishes(h: BotHarness) -> None:
    # What an older version stored at its last step: one account id, a pace, no account list.
    await to_step(h, "account")
    await press(h, "➡️ Done")
    await h.send(OWNER, "10")
    await h.send(OWNER, "2")
    await press(h, "▶️ Now")
    row = await wizard_row(h)
    assert row is not None
    old = {
        key: value for key, value in row["data"].items() if key not in {"account_ids", "no_cap"}
    } | {"account_id": 2, "rate": 12.0}
    await h.rows(
        "UPDATE fsm_states SET data = %s::jsonb WHERE destiny = 'new_campaign' RETURNING 1",
        json.dumps(old),
    )
    await press(h, "✅ Confirm")
    [campaign] = await h.rows("SELECT rate_per_minute, account_id FROM campaigns")
    assert campaign == {"rate_per_minute": 12.0, "account_id": 2}
    assert await campaign_accounts(h) == ["second"]


async def test_an_old_single_pick_button_still_chooses_one_account(h: BotHarness) -> None:
    await to_step(h, "account")
    token = press_of(h, "➡️ Done").token
    await press_data(h, WizardPress(token=token, step="account", action="pick", value="3"))
    assert text(h).startswith("How fast? Send the pace")  # one account: its own pace
    row = await wizard_row(h)
    assert row is not None and row["data"]["account_ids"] == [3]


async def test_a_long_name_is_cut_but_keeps_its_simulated_mark(h: BotHarness) -> None:
    await h.rows("UPDATE accounts SET name = %s WHERE id = 3 RETURNING id", "r" * 60)
    await to_step(h, "account")
    assert labels(last_shown(h))[2] == ["☑️ " + "r" * 23 + "… · 10/min · 🧪 simulated"]
