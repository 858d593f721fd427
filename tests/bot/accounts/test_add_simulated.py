"""Add simulated: a name (checked, free), then latency and failures (or the defaults)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.bot.accounts.keyboards import AccountView
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.account_screens import act, audit_rows, buttons, last_screen, make_account
from tests.fakes.bot_api import OPERATOR, OWNER, STRANGER, VIEWER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, default_rate_per_minute=25) as harness:
        await harness.add(OPERATOR, Role.OPERATOR)
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def simulated(h: BotHarness) -> list[dict[str, object]]:
    return await h.rows(
        "SELECT name, kind, rate_per_minute, sim_latency_ms, sim_failure_share, status "
        "FROM accounts WHERE kind = 'simulated' ORDER BY id"
    )


async def test_a_name_checked_then_latency_and_failures(h: BotHarness) -> None:
    await make_account(h, "Rehearsal")
    await h.press(OWNER, act("add_simulated"))
    assert last_screen(h)["text"] == (
        "A simulated account goes through the whole engine (pace, ledger, card, report) but "
        "never reaches Telegram. Send its name: Latin letters, digits, _ or -, up to 32 characters."
    )
    for typed, refusal in [
        ("two words", "«two words» is not a name: only Latin letters, digits, _ and -."),
        ("имя", "«имя» is not a name: only Latin letters, digits, _ and -."),
        ("x" * 33, "The name is too long: 33 characters, at most 32."),
        ("MAIN", "«main» is kept for the account of TG_SESSION. Choose another name."),
        ("rehearsal", "An account called «Rehearsal» already exists (removed accounts keep "
         "their names). Send another name."),
    ]:  # fmt: skip
        await h.send(OWNER, typed)
        assert h.session.sent_texts()[-1] == refusal
    await h.send(OWNER, "sim-1")
    question = last_screen(h)
    assert question["text"] == (
        "How slow and how unreliable should «sim-1» be? Send the latency of a send in ms and "
        "the share of sends that fail, e.g. «300 0.05», or press Defaults (300 ms a send, 5% "
        "of sends fail)."
    )
    assert [label for label, _ in buttons(question)] == ["Defaults", "Cancel"]
    for typed in ["slow", "300 2", "70000 0.1", "300 0.1 7"]:
        await h.send(OWNER, typed)
        assert h.session.sent_texts()[-1].startswith("Send the latency in ms and the share")
    assert await simulated(h) == []
    await h.send(OWNER, "50 10%")
    [made] = await h.rows("SELECT id FROM accounts WHERE name = 'sim-1'")
    assert h.session.sent_texts()[-1] == (
        "«sim-1» 🧪 simulated added: 25 posts a minute, 50 ms a send, 10% of sends fail. "
        "Campaigns can use it now; it never reaches Telegram."
    )
    assert buttons(last_screen(h)) == [("Open «sim-1»", AccountView(id=made["id"]).pack())]
    assert await simulated(h) == [
        {
            "name": "sim-1",
            "kind": "simulated",
            "rate_per_minute": 25.0,
            "sim_latency_ms": 50,
            "sim_failure_share": 0.1,
            "status": "active",
        }
    ]
    assert (await audit_rows(h))[-1] == (
        OWNER,
        "account.add",
        made["id"],
        {
            "name": "sim-1",
            "kind": "simulated",
            "rate": 25.0,
            "latency_ms": 50,
            "failure_share": 0.1,
        },
    )


async def test_defaults_once_and_a_second_press_is_stale(h: BotHarness) -> None:
    await h.press(OWNER, act("add_simulated"), lang="ru")
    await h.send(OWNER, "rehearsal", lang="ru")
    await h.press(OWNER, act("sim_defaults"), lang="ru")
    rows = await simulated(h)
    assert [(r["name"], r["sim_latency_ms"], r["sim_failure_share"]) for r in rows] == [
        ("rehearsal", 300, 0.05)
    ]
    assert "🧪" in h.session.sent_texts()[-1]
    await h.press(OWNER, act("sim_defaults"), lang="ru")
    assert len(await simulated(h)) == 1
    assert h.session.answers()[-1] != h.session.answers()[-2]


async def test_a_name_taken_meanwhile_is_said_at_the_end(h: BotHarness) -> None:
    await h.press(OWNER, act("add_simulated"))
    await h.send(OWNER, "twin")
    await make_account(h, "twin")  # another owner was quicker
    await h.send(OWNER, "100 0")
    assert h.session.sent_texts()[-1].startswith("An account called «twin» already exists")
    assert await simulated(h) == []
    # As asked, another name: then the question about the simulation again.
    await h.send(OWNER, "twin-2")
    assert h.session.sent_texts()[-1].startswith("How slow and how unreliable should «twin-2»")
    await h.send(OWNER, "100 0")
    assert [row["name"] for row in await simulated(h)] == ["twin-2"]


async def test_only_owners_add(h: BotHarness) -> None:
    before = await h.counts()
    await h.press(OPERATOR, act("add_simulated"))
    await h.press(VIEWER, act("add_simulated"))
    await h.press(STRANGER, act("add_simulated"))
    assert h.session.answers() == [
        "Only owners add, stop, resume a stopped or remove accounts.",
        "You can look, but viewers can't change anything.",
        None,
    ]
    for user in (VIEWER, STRANGER):
        await h.send(user, "sneaky")
    assert await h.counts() == before
    # An owner demoted to operator while the question waited.
    await h.press(OWNER, act("add_simulated"))
    await h.add(OWNER + 1, Role.OWNER)
    async with h.pool.connection() as conn:
        await conn.execute("UPDATE operators SET role = 'operator' WHERE user_id = %s", (OWNER,))
    await h.send(OWNER, "late")
    assert h.session.sent_texts()[-1] == (
        "Only owners add, stop, resume a stopped or remove accounts."
    )
    assert await simulated(h) == []
