"""/operators: owners add, re-role and remove; others are refused; every change is audited."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from predlagator.bot.access.keyboards import OperatorAction
from predlagator.db import operators
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.fakes.bot_api import OPERATOR, OWNER, STRANGER, VIEWER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(OPERATOR, Role.OPERATOR)
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def op(user_id: int, action: str) -> str:
    return OperatorAction(user_id=user_id, action=action).pack()


async def role_of(h: BotHarness, user_id: int) -> Role | None:
    async with h.pool.connection() as conn:
        found = await operators.get(conn, user_id)
    return found.role if found else None


async def audit_rows(h: BotHarness) -> list[tuple[int | None, str, int | None, dict[str, Any]]]:
    rows = await h.rows("SELECT actor_id, action, object_id, details FROM audit_log ORDER BY id")
    return [(r["actor_id"], r["action"], r["object_id"], r["details"]) for r in rows]


async def test_owner_sees_the_list_with_buttons(h: BotHarness) -> None:
    await h.send(OWNER, "/operators")
    [params] = h.session.of("sendMessage")
    assert params["text"].split("\n")[:4] == [
        "<b>Operators</b>",
        f"• {OWNER}: owner",
        f"• {OPERATOR}: operator, added by {OWNER}",
        f"• {VIEWER}: viewer, added by {OWNER}",
    ]
    assert buttons(params) == [
        (f"👁 {OPERATOR}: make viewer", f"op:{OPERATOR}:role_viewer"),
        (f"🗑 Remove {OPERATOR}", f"op:{OPERATOR}:remove"),
        (f"🛠 {VIEWER}: make operator", f"op:{VIEWER}:role_operator"),
        (f"🗑 Remove {VIEWER}", f"op:{VIEWER}:remove"),
    ]


async def test_owner_sees_the_list_in_russian(h: BotHarness) -> None:
    await h.send(OWNER, "/operators", lang="ru")
    [params] = h.session.of("sendMessage")
    assert params["text"].split("\n")[:3] == [
        "<b>Операторы</b>",
        f"• {OWNER}: владелец",
        f"• {OPERATOR}: оператор, добавил {OWNER}",
    ]
    assert buttons(params)[0] == (
        f"👁 {OPERATOR}: сделать наблюдателем",
        op(OPERATOR, "role_viewer"),
    )


async def test_non_owners_are_refused(h: BotHarness) -> None:
    before = await h.counts()
    await h.send(OPERATOR, "/operators")
    await h.send(VIEWER, "/operators add 777")
    await h.send(OPERATOR, "/operators", lang="ru")
    await h.send(STRANGER, "/operators")
    await h.press(OPERATOR, op(VIEWER, "confirm"))
    await h.press(VIEWER, op(OPERATOR, "role_viewer"))
    assert h.session.sent_texts() == [
        "Only owners manage operators.",
        "Only owners manage operators.",
        "Операторами управляют только владельцы.",
        "This is a private bot. Ask its owner to add you.",
    ]
    assert h.session.answers() == ["Only owners manage operators."] * 2
    assert await h.counts() == before


async def test_add_by_id_is_audited_and_idempotent(h: BotHarness) -> None:
    await h.send(OWNER, "/operators add 777")
    await h.send(OWNER, "/operators add 778 viewer")
    await h.send(OWNER, "/operators add 777 viewer")
    await h.send(OWNER, f"/operators add {OWNER} viewer")
    await h.send(OWNER, "/operators add nobody")
    texts = h.session.sent_texts()
    assert texts[0] == "777 added as operator."
    assert texts[2] == "778 added as viewer."
    assert texts[4] == "777 is already listed as operator."
    assert texts[6] == f"{OWNER} is an owner (OWNER_IDS); owners are not managed here."
    assert texts[8] == "Send /operators add ID, or /operators add ID viewer."
    assert f"• 777: operator, added by {OWNER}" in texts[1]
    assert await role_of(h, 777) is Role.OPERATOR
    assert await role_of(h, 778) is Role.VIEWER
    assert await role_of(h, OWNER) is Role.OWNER
    assert await audit_rows(h) == [
        (OWNER, "operator.add", 777, {"role": "operator"}),
        (OWNER, "operator.add", 778, {"role": "viewer"}),
    ]


async def test_add_in_russian(h: BotHarness) -> None:
    await h.send(OWNER, "/operators add 777 viewer", lang="ru")
    assert h.session.sent_texts()[0] == "777 добавлен: наблюдатель."


async def test_role_change_and_double_press(h: BotHarness) -> None:
    await h.press(OWNER, op(OPERATOR, "role_viewer"), message_id=40)
    await h.press(OWNER, op(OPERATOR, "role_viewer"), message_id=40)
    assert h.session.answers() == ["Now viewer", "Already viewer"]
    [edit] = h.session.edits()
    assert edit["message_id"] == 40
    assert f"• {OPERATOR}: viewer, added by {OWNER}" in edit["text"]
    assert await role_of(h, OPERATOR) is Role.VIEWER
    assert await audit_rows(h) == [(OWNER, "operator.role", OPERATOR, {"role": "viewer"})]
    await h.press(OWNER, op(OPERATOR, "role_operator"), lang="ru")
    assert h.session.answers()[-1] == "Теперь оператор"
    assert await role_of(h, OPERATOR) is Role.OPERATOR


async def test_remove_asks_then_removes_once(h: BotHarness) -> None:
    await h.press(OWNER, op(VIEWER, "remove"), message_id=41)
    [ask] = h.session.edits()
    assert ask["text"] == f"Remove {VIEWER}? They will lose access to the bot."
    assert buttons(ask) == [
        ("🗑 Yes, remove", op(VIEWER, "confirm")),
        ("Cancel", op(VIEWER, "cancel")),
    ]
    assert await role_of(h, VIEWER) is Role.VIEWER
    await h.press(OWNER, op(VIEWER, "confirm"), message_id=41)
    await h.press(OWNER, op(VIEWER, "confirm"), message_id=41)
    assert h.session.answers() == [None, f"{VIEWER} removed", "Not in the list any more"]
    assert await role_of(h, VIEWER) is None
    assert f"• {VIEWER}" not in h.session.edits()[-1]["text"]
    assert await audit_rows(h) == [(OWNER, "operator.remove", VIEWER, {"role": "viewer"})]
    await h.send(VIEWER, "/status")
    assert h.session.sent_texts() == ["This is a private bot. Ask its owner to add you."]


async def test_cancel_goes_back_to_the_list(h: BotHarness) -> None:
    await h.press(OWNER, op(VIEWER, "remove"))
    await h.press(OWNER, op(VIEWER, "cancel"))
    assert h.session.edits()[-1]["text"].startswith("<b>Operators</b>")
    assert await role_of(h, VIEWER) is Role.VIEWER


async def test_forged_and_stale_presses_change_nothing(h: BotHarness) -> None:
    before = await h.counts()
    await h.press(OWNER, op(OWNER, "role_viewer"))
    await h.press(OWNER, op(OWNER, "remove"))
    await h.press(OWNER, op(OWNER, "confirm"))
    await h.press(OWNER, op(4242, "role_viewer"))
    await h.press(OWNER, op(4242, "confirm"))
    await h.press(OWNER, op(OPERATOR, "promote"))
    await h.press(OWNER, "op:abc:remove")
    await h.press(OWNER, op(OPERATOR, "role_owner"))
    assert h.session.answers() == [
        "Owners can't be changed here",
        "Owners can't be changed here",
        "Owners can't be changed here",
        "Not in the list any more",
        "Not in the list any more",
        "This button is no longer valid",
        "This button is no longer valid",
        "This button is no longer valid",
    ]
    assert h.session.edits() == []
    assert await h.counts() == before
    assert await role_of(h, OWNER) is Role.OWNER


def forwarded(origin: dict[str, Any]) -> dict[str, Any]:
    return {"forward_origin": {"date": int(time.time()), **origin}}


async def test_forward_from_a_person_offers_to_add_them(h: BotHarness) -> None:
    person = {"id": 8080, "is_bot": False, "first_name": "Ann", "last_name": "Lee"}
    await h.send(OWNER, "hi", **forwarded({"type": "user", "sender_user": person}))
    [params] = h.session.of("sendMessage")
    assert params["text"] == "Add Ann Lee (8080)?"
    assert buttons(params) == [
        ("Add as operator", op(8080, "add_operator")),
        ("Add as viewer", op(8080, "add_viewer")),
    ]
    await h.press(OWNER, op(8080, "add_viewer"))
    await h.press(OWNER, op(8080, "add_viewer"))
    assert h.session.answers() == ["8080 added as viewer.", "8080 is already listed as viewer."]
    assert await role_of(h, 8080) is Role.VIEWER
    assert await audit_rows(h) == [(OWNER, "operator.add", 8080, {"role": "viewer"})]


async def test_forward_edge_cases(h: BotHarness) -> None:
    bot = {"id": 9090, "is_bot": True, "first_name": "Spam"}
    await h.send(OWNER, "hi", **forwarded({"type": "user", "sender_user": bot}))
    hidden = {"type": "hidden_user", "sender_user_name": "Ghost"}
    await h.send(OWNER, "hi", lang="ru", **forwarded(hidden))
    assert h.session.sent_texts() == [
        "That is a bot; bots can't be operators.",
        "Этот человек скрывает аккаунт в пересылках. Узнайте его id и пришлите /operators add ID.",
    ]
    assert await role_of(h, 9090) is None


NOT_AN_ID = (
    "{id} is not a Telegram user id. Ask the person to send /start to @userinfobot: "
    "it tells them theirs."
)


@pytest.mark.parametrize("user_id", ["0", "-5", "00", str(2**52), "9" * 40])
async def test_a_number_that_is_no_user_id_is_refused(h: BotHarness, user_id: str) -> None:
    before = await h.counts()
    await h.send(OWNER, f"/operators add {user_id} viewer")
    shown = str(int(user_id))
    shown = shown if len(shown) <= 64 else shown[:63] + "…"
    assert h.session.sent_texts()[0] == NOT_AN_ID.format(id=shown)
    assert await h.counts() == before


async def test_the_largest_user_id_is_taken_and_odd_digits_are_not_numbers(
    h: BotHarness,
) -> None:
    await h.send(OWNER, f"/operators add {2**52 - 1}")
    await h.send(OWNER, "/operators add ²")
    texts = h.session.sent_texts()
    assert texts[0] == f"{2**52 - 1} added as operator."
    assert texts[2] == "Send /operators add ID, or /operators add ID viewer."
    assert await role_of(h, 2**52 - 1) is Role.OPERATOR


async def test_a_forged_add_button_with_no_user_id_adds_nobody(h: BotHarness) -> None:
    before = await h.counts()
    await h.press(OWNER, op(0, "add_operator"))
    await h.press(OWNER, op(-7, "add_viewer"), lang="ru")
    assert h.session.answers()[0] == NOT_AN_ID.format(id=0)
    assert h.session.answers()[1] is not None
    assert await h.counts() == before
