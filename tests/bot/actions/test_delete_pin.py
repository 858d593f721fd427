"""Delete, Pin and Unpin through the real Dispatcher: the question first (how many posts,
whether queued posts are cancelled, whether members are notified), then the action, once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.db import actions, deliveries
from predlagator.db.pool import Pool
from predlagator.models import DeliveryStatus, PostAction, Role
from tests.actions_world import CARD, S, audit_actions, buttons, drains, finish, pa, posted
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness

D = DeliveryStatus
QUESTION = 900  # the question's message id, where its answer is drawn


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


def answer_drawn(h: BotHarness) -> str:
    """The text the pressed question turned into."""
    [edit] = [e for e in h.session.edits() if e["message_id"] == QUESTION]
    assert "reply_markup" not in edit  # answered: no buttons left to press
    return str(edit["text"])


@pytest.mark.parametrize(
    ("lang", "question", "yes", "started"),
    [
        (
            "en",
            "Delete 3 posts of campaign #1 «Spring» from their channels? This can't be undone.\n"
            "The campaign is still posting: its 1 queued post is cancelled too.",
            "🗑 Yes, delete them",
            "Deleting 3 posts of campaign #1; the card shows how it goes.",
        ),
        (
            "ru",
            "Удалить 3 поста кампании #1 «Spring» из каналов? Это не отменить.\n"
            "Кампания ещё публикует: её 1 пост в очереди тоже отменяется.",
            "🗑 Да, удалить",
            "Удаляю 3 поста кампании #1; ход виден на карточке.",
        ),
    ],
)
async def test_delete_asks_with_the_count_then_deletes_once(
    h: BotHarness, lang: str, question: str, yes: str, started: str
) -> None:
    await posted(h)
    await h.press(OWNER, pa("delete"), message_id=CARD, lang=lang)
    [asked] = h.session.of("sendMessage")
    assert asked["text"] == question
    assert buttons(asked)[0] == (yes, pa("delete_yes"))
    async with h.pool.connection() as conn:
        assert await actions.of_campaign(conn, 1) == []  # asking changes nothing

    h.session.reset()
    await h.press(OWNER, pa("delete_yes"), message_id=QUESTION, lang=lang)
    assert answer_drawn(h) == started
    async with h.pool.connection() as conn:
        [action] = await actions.of_campaign(conn, 1)
        ledger = await deliveries.list_for_campaign(conn, 1)
    assert action.kind is PostAction.DELETE
    # The queued post will not go out now.
    assert [d.status for d in ledger] == [D.SENT] * 3 + [D.FAILED, D.CANCELLED]
    assert await drains(h) == [{"queue": "account-1", "args": {"account_id": 1}}]
    assert await audit_actions(h) == [
        ("action.delete", "campaign", 1, {"action_id": action.id, "posts": 3})
    ]

    # A second Yes (a double press) finds the delete under way, and changes nothing.
    before = await h.counts()
    h.session.reset()
    await h.press(OWNER, pa("delete_yes"), message_id=QUESTION)
    assert answer_drawn(h) == (
        "Campaign #1's posts are already being deleted: 0 of 3 done, 0 failed"
    )
    assert await h.counts() == before


async def test_delete_of_a_finished_campaign_says_nothing_of_queued_posts(h: BotHarness) -> None:
    await posted(h, status=S.COMPLETED)
    await h.send(OWNER, "/delete 1")
    assert h.session.sent_texts() == [
        "Delete 3 posts of campaign #1 «Spring» from their channels? This can't be undone."
    ]
    h.session.reset()
    await h.press(OWNER, pa("no"), message_id=QUESTION)
    assert answer_drawn(h) == "Nothing changed: the posts of campaign #1 stay as they are."
    async with h.pool.connection() as conn:
        assert await actions.of_campaign(conn, 1) == []


async def test_delete_of_one_post(h: BotHarness) -> None:
    await posted(h, sent=1, status=S.COMPLETED)
    await h.send(OWNER, "/delete 1")
    assert h.session.sent_texts() == [
        "Delete 1 post of campaign #1 «Spring» from its channel? This can't be undone."
    ]


async def test_pin_is_silent_unless_switched(h: BotHarness) -> None:
    await posted(h, status=S.COMPLETED)
    await h.press(OWNER, pa("pin"), message_id=CARD)
    [asked] = h.session.of("sendMessage")
    assert asked["text"] == (
        "Pin 3 posts of campaign #1 «Spring» in their channels? Members get no notification."
    )
    assert buttons(asked) == [
        ("📌 Pin them", pa("pin_yes")),
        ("🔔 Notify members", pa("loud", loud=True)),
        ("No, leave them", pa("no")),
    ]
    # The toggle asks again with the other setting, and back.
    h.session.reset()
    await h.press(OWNER, pa("loud", loud=True), message_id=QUESTION)
    [loud] = h.session.edits()
    assert loud["text"] == (
        "Pin 3 posts of campaign #1 «Spring» in their channels? Members are notified."
    )
    assert buttons(loud)[:2] == [
        ("📌 Pin them", pa("pin_yes", loud=True)),
        ("🔕 Pin silently", pa("loud", loud=False)),
    ]
    h.session.reset()
    await h.press(OWNER, pa("pin_yes", loud=True), message_id=QUESTION)
    assert answer_drawn(h) == "Pinning 3 posts of campaign #1; the card shows how it goes."
    async with h.pool.connection() as conn:
        [action] = await actions.of_campaign(conn, 1)
    assert action.kind is PostAction.PIN and not action.silent
    [(what, _, _, details)] = await audit_actions(h)
    assert (what, details["silent"]) == ("action.pin", False)


async def test_pin_then_unpin(h: BotHarness) -> None:
    await posted(h, status=S.COMPLETED)
    await h.send(OWNER, "/pin 1")
    await h.press(OWNER, pa("pin_yes"), message_id=QUESTION)
    async with h.pool.connection() as conn:
        [pin] = await actions.of_campaign(conn, 1)
    assert pin.silent
    # While the pin runs, an unpin waits for it.
    h.session.reset()
    await h.send(OWNER, "/unpin 1")
    assert h.session.sent_texts() == [
        "Campaign #1's posts are being pinned; cancel that on the card first."
    ]
    await finish(h, pin.id)
    # Once pinned, the card offers Unpin, which goes at once.
    h.session.reset()
    await h.press(OWNER, "c:1:refresh", message_id=CARD)
    [card] = h.session.edits()
    assert buttons(card)[-2:] == [("📍 Unpin", pa("unpin")), ("📊 Refresh reach", pa("reach"))]
    h.session.reset()
    await h.press(OWNER, pa("unpin"), message_id=CARD)
    assert h.session.answers() == ["Unpinning 3 posts of campaign #1; the card shows how it goes."]
    async with h.pool.connection() as conn:
        unpin, _ = await actions.of_campaign(conn, 1)
    assert unpin.kind is PostAction.UNPIN
    [card] = h.session.edits()
    assert card["text"].splitlines()[-1] == "📍 Unpinning: 0 of 3 done, 0 failed"


@pytest.mark.parametrize("kind", ["delete", "pin", "unpin"])
async def test_no_posts_out(h: BotHarness, kind: str) -> None:
    await posted(h, sent=0, failed=2)
    await h.send(OWNER, f"/{kind} 1", lang="ru")
    verb = {"delete": "удалять", "pin": "закреплять", "unpin": "откреплять"}[kind]
    [said] = h.session.sent_texts()
    assert said.startswith("У кампании #1") and said.endswith(f": {verb} нечего.")
    await h.press(OWNER, pa(kind), message_id=CARD)
    assert len(h.session.answers()) == 1 and "nothing to" in str(h.session.answers()[0])


async def test_after_a_delete_there_is_nothing_left_to_pin(h: BotHarness) -> None:
    await posted(h, status=S.COMPLETED)
    await h.send(OWNER, "/delete 1")
    await h.press(OWNER, pa("delete_yes"), message_id=QUESTION)
    async with h.pool.connection() as conn:
        [delete] = await actions.of_campaign(conn, 1)
        await conn.execute("UPDATE actions SET status = 'done' WHERE action_id = %s", (delete.id,))
    await finish(h, delete.id)
    h.session.reset()
    await h.send(OWNER, "/pin 1")
    assert h.session.sent_texts() == [
        "Campaign #1 has no posts in any channel yet, so there is nothing to pin."
    ]
