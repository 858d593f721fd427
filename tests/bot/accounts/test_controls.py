"""The buttons of an account: pace, daily cap, pause and resume, stop and remove; who may press
them, what they refuse, and a second or stale press."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.bot.accounts.keyboards import AccountView
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, Role
from predlagator.queue import names
from tests.account_screens import (
    account_row,
    act,
    audit_rows,
    buttons,
    labels,
    last_screen,
    make_account,
)
from tests.factories import make_campaign
from tests.fakes.bot_api import OPERATOR, OWNER, STRANGER, VIEWER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(OPERATOR, Role.OPERATOR)
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def test_change_pace_refuses_bad_numbers_then_sets_it(h: BotHarness) -> None:
    account = await make_account(h, "sim-1", kind="simulated")
    await h.press(OPERATOR, act("pace", account.id))
    prompt = last_screen(h)
    assert prompt["text"] == (
        "«sim-1» 🧪 simulated sends 20 posts a minute. Send the new pace (above 0, at most 6000)."
    )
    assert buttons(prompt) == [("Cancel", act("cancel", account.id))]
    for typed, refusal in [
        ("fast", "«fast» is not a number. Send the pace in posts a minute, e.g. 20."),
        ("0", "The pace must be above 0 and at most 6000 posts a minute."),
        ("6000.5", "The pace must be above 0 and at most 6000 posts a minute."),
        ("-5", "«-5» is not a number. Send the pace in posts a minute, e.g. 20."),
    ]:
        await h.send(OPERATOR, typed)
        assert h.session.sent_texts()[-1] == refusal
    assert (await account_row(h, account.id))["rate_per_minute"] == 20
    await h.send(OPERATOR, "7,5")
    assert h.session.sent_texts()[-1] == "«sim-1» 🧪 simulated now sends 7.5 posts a minute."
    assert labels(last_screen(h)) == ["Open the account"]
    assert (await account_row(h, account.id))["rate_per_minute"] == 7.5
    assert await audit_rows(h) == [
        (OPERATOR, "account.pace", account.id, {"name": "sim-1", "rate": 7.5, "rate_was": 20.0})
    ]
    # The question is over: the next number is not a pace (nor a channel list).
    await h.send(OPERATOR, "30")
    assert (await account_row(h, account.id))["rate_per_minute"] == 7.5


async def test_daily_cap_set_then_cleared(h: BotHarness) -> None:
    account = await make_account(h, "main")
    await h.press(OPERATOR, act("cap", account.id))
    assert last_screen(h)["text"] == (
        "«main» has no daily cap. Send the most posts it may make a day (1 to 1000000), "
        "or press No cap."
    )
    await h.send(OPERATOR, "0")
    assert h.session.sent_texts()[-1] == (
        "The daily cap must be a whole number from 1 to 1000000, or press No cap."
    )
    await h.send(OPERATOR, "150")
    assert h.session.sent_texts()[-1] == "«main» sends at most 150 posts a day now."
    assert (await account_row(h, account.id))["daily_cap"] == 150
    await h.press(OWNER, act("cap", account.id))
    assert last_screen(h)["text"].startswith("«main» has a daily cap of 150 posts.")
    await h.press(OWNER, act("nocap", account.id))
    assert last_screen(h)["text"] == "«main» has no daily cap now."
    await h.press(OWNER, act("nocap", account.id))  # pressed twice: recorded once
    assert (await account_row(h, account.id))["daily_cap"] is None
    assert [(a, action, d["daily_cap"]) for a, action, _, d in await audit_rows(h)] == [
        (OPERATOR, "account.cap", 150),
        (OWNER, "account.cap", None),
    ]
    # In /audit, in words.
    await h.send(OWNER, "/audit")
    rows = h.session.sent_texts()[-1].split("\n")[1:]
    assert [row.split(" · ", 2)[-1] for row in rows] == [
        f"account.cap · account #{account.id} («main», no daily cap)",
        f"account.cap · account #{account.id} («main», daily cap 150)",
    ]


async def test_pause_twice_then_resume_kicks_the_drain(h: BotHarness) -> None:
    account = await make_account(h, "main")
    await h.press(OPERATOR, act("pause", account.id))
    assert h.session.answers()[-1] == "«main» paused: it sends nothing until resumed."
    assert (await account_row(h, account.id))["status"] == "paused"
    assert "⏸ paused" in last_screen(h)["text"]  # the screen redrawn
    assert "▶️ Resume" in labels(last_screen(h))
    # The stale Pause pressed again: said, nothing changes.
    await h.press(OPERATOR, act("pause", account.id))
    assert h.session.answers()[-1] == "«main» is already paused."
    assert await h.jobs() == []
    await h.press(OPERATOR, act("resume", account.id))
    assert h.session.answers()[-1] == "«main» is active again."
    assert (await account_row(h, account.id))["status"] == "active"
    [job] = await h.jobs()
    assert (job["task_name"], job["queue_name"], job["args"]) == (
        names.DRAIN,
        names.account_queue(account.id),
        {"account_id": account.id},
    )
    await h.press(OPERATOR, act("resume", account.id))
    assert h.session.answers()[-1] == "«main» is already active."
    assert [action for _, action, _, _ in await audit_rows(h)] == [
        "account.pause",
        "account.resume",
    ]


async def test_stop_asks_first_and_a_second_yes_says_so(h: BotHarness) -> None:
    account = await make_account(h, "main")
    await h.press(OWNER, act("stop", account.id))
    question = last_screen(h)
    assert question["text"] == (
        "Stop «main»? New campaigns leave it out until an owner resumes it."
    )
    assert buttons(question) == [
        ("⛔ Yes, stop", act("stop_yes", account.id)),
        ("No", AccountView(id=account.id).pack()),
    ]
    assert (await account_row(h, account.id))["status"] == "active"
    await h.press(OWNER, act("stop_yes", account.id))
    assert h.session.answers()[-1] == "«main» stopped: new campaigns leave it out."
    row = await account_row(h, account.id)
    assert (row["status"], row["stop_reason"]) == ("stopped", "OPERATOR_STOPPED")
    assert "Status: ⛔ stopped: Stopped by an operator" in last_screen(h)["text"]
    await h.press(OWNER, act("stop_yes", account.id))
    assert h.session.answers()[-1] == "«main» is already stopped."
    # Operators may not undo an owner's stop; owners may.
    await h.press(OPERATOR, act("restart", account.id))
    assert h.session.answers()[-1] == "Only owners add, stop, resume a stopped or remove accounts."
    await h.press(OPERATOR, act("resume", account.id))
    assert h.session.answers()[-1] == "«main» is stopped; an owner can resume it."
    await h.press(OWNER, act("restart", account.id))
    assert h.session.answers()[-1] == "«main» is active again."
    assert (await account_row(h, account.id))["stop_reason"] is None
    assert [action for _, action, _, _ in await audit_rows(h)] == [
        "account.stop",
        "account.restart",
    ]


async def test_an_account_telegram_stopped_is_not_resumed_by_hand(h: BotHarness) -> None:
    account = await make_account(h, "main", status="stopped", stop_reason="USER_DEACTIVATED_BAN")
    await h.press(OWNER, act("restart", account.id))
    answer = h.session.answers()[-1]
    assert answer is not None and answer.startswith("«main» is stopped: ")
    assert "USER_DEACTIVATED_BAN" not in answer
    assert (await account_row(h, account.id))["status"] == "stopped"
    assert await audit_rows(h) == []


async def test_remove_is_refused_while_live_campaigns_use_it(h: BotHarness) -> None:
    first = await make_campaign(h.pool, ["@alpha_shop"], name="Spring sale")
    second = await make_campaign(h.pool, ["@beta_shop"], name="Autumn")
    finished = await make_campaign(h.pool, ["@gamma_shop"], name="Old")
    async with h.pool.connection() as conn:
        for campaign, status in [
            (first, CampaignStatus.RUNNING),
            (second, CampaignStatus.SCHEDULED),
            (finished, CampaignStatus.CANCELLED),
        ]:
            await conn.execute(
                "UPDATE campaigns SET status = %s WHERE id = %s", (status, campaign.id)
            )
    account_id = first.account_id
    await h.press(OWNER, act("remove", account_id))
    assert h.session.sent_texts()[-1] == (
        f"«main» is not removed: live campaigns use it (#{first.id} «Spring sale», "
        f"#{second.id} «Autumn»). Cancel them, or wait until they end."
    )
    # Even a forged Yes does not remove it.
    await h.press(OWNER, act("remove_yes", account_id))
    assert (await account_row(h, account_id))["removed_at"] is None
    assert await audit_rows(h) == []


async def test_remove_asks_first_wipes_the_session_and_leaves_the_list(h: BotHarness) -> None:
    account = await make_account(h, "spare", session_enc=b"sealed session")
    await make_account(h, "main")
    await h.press(OWNER, act("remove", account.id))
    assert last_screen(h)["text"] == (
        "Remove «spare»? Its session is wiped and it can't send again; its history stays."
    )
    assert labels(last_screen(h)) == ["🗑 Yes, remove", "No"]
    await h.press(OWNER, act("remove_yes", account.id))
    assert h.session.answers()[-1] == "«spare» removed; its session is wiped."
    row = await account_row(h, account.id)
    assert row["removed_at"] is not None and row["session_enc"] is None
    assert row["status"] == "stopped"
    assert last_screen(h)["text"].startswith("<b>Accounts</b> 1–1 of 1:")
    await h.press(OWNER, act("remove_yes", account.id))
    assert h.session.answers()[-1] == "This account was removed."
    await h.press(OPERATOR, act("pause", account.id))
    assert h.session.answers()[-1] == "This account was removed."
    assert [action for _, action, _, _ in await audit_rows(h)] == ["account.remove"]


@pytest.mark.parametrize("action", ["stop", "stop_yes", "remove", "remove_yes", "add_simulated"])
async def test_operators_may_not_press_owners_buttons(h: BotHarness, action: str) -> None:
    account = await make_account(h, "main")
    before = await h.counts()
    await h.press(OPERATOR, act(action, account.id))
    assert h.session.answers() == ["Only owners add, stop, resume a stopped or remove accounts."]
    assert await h.counts() == before
    assert (await account_row(h, account.id))["status"] == "active"


@pytest.mark.parametrize(
    "action", ["pace", "cap", "nocap", "pause", "resume", "stop_yes", "remove_yes", "add_simulated"]
)
async def test_viewers_and_strangers_change_nothing(h: BotHarness, action: str) -> None:
    account = await make_account(h, "main", daily_cap=10, status="paused")
    before = await h.counts()
    row = await account_row(h, account.id)
    await h.press(VIEWER, act(action, account.id))
    await h.press(STRANGER, act(action, account.id))
    assert h.session.answers() == ["You can look, but viewers can't change anything.", None]
    assert h.session.sent_texts() == []
    assert await h.counts() == before
    assert await account_row(h, account.id) == row
    # Nor does a viewer's typed number become a pace.
    await h.send(VIEWER, "50")
    assert (await account_row(h, account.id))["rate_per_minute"] == 20


async def test_a_pace_question_left_open_is_ended_by_a_command(h: BotHarness) -> None:
    account = await make_account(h, "main")
    await h.press(OPERATOR, act("pace", account.id))
    await h.send(OPERATOR, "/cancel")
    assert h.session.sent_texts()[-1] == "Cancelled; nothing changed."
    await h.press(OPERATOR, act("pace", account.id))
    await h.send(OPERATOR, "/accounts")
    assert h.session.sent_texts()[-1].startswith("<b>Accounts</b>")
    await h.send(OPERATOR, "40")
    assert (await account_row(h, account.id))["rate_per_minute"] == 20


async def test_answers_under_a_button_are_plain_text(h: BotHarness) -> None:
    # A name from `predlagator login --account` may hold what HTML escapes.
    account = await make_account(h, "R&D <main>")
    await h.press(OPERATOR, act("pause", account.id))
    assert h.session.answers()[-1] == "«R&D <main>» paused: it sends nothing until resumed."
    assert "<b>Account</b> «R&amp;D &lt;main&gt;»" in last_screen(h)["text"]


async def test_forged_and_stale_presses_change_nothing(h: BotHarness) -> None:
    account = await make_account(h, "main")
    before = await h.counts()
    for data in [
        AccountView(id=999).pack(),
        act("pause", 999),
        f"av:{2**64}",
        f"aa:pause:{2**63}",
        "aa:pause:-1",
        "ap:-10",
        "ap:one",
        act("explode", account.id),
    ]:
        await h.press(OWNER, data)
    assert h.session.answers() == [
        "This account was removed.",
        "This account was removed.",
        *["This button is no longer valid"] * 6,
    ]
    assert await h.counts() == before
