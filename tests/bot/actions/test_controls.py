"""Pause, Resume and Cancel of an action under way, from the card, through the Dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.db import actions
from predlagator.db.pool import Pool
from predlagator.models import ActionRowStatus, ActionStatus, Role
from tests.actions_world import (
    CARD,
    S,
    audit_actions,
    buttons,
    drains,
    end_rows,
    finish,
    pa,
    posted,
)
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness

A = ActionStatus
QUESTION = 900  # the cancel question's message id, where its answer is drawn


def answer_drawn(h: BotHarness) -> str:
    """The text the pressed question turned into, its buttons gone."""
    [edit] = [e for e in h.session.edits() if e["message_id"] == QUESTION]
    assert "reply_markup" not in edit
    return str(edit["text"])


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def editing(h: BotHarness) -> int:
    """A finished campaign whose three posts are being edited; the edit's id."""
    await posted(h, status=S.COMPLETED)
    await h.send(OWNER, "/edit 1")
    await h.send(OWNER, "Fixed text")
    async with h.pool.connection() as conn:
        [action] = await actions.of_campaign(conn, 1)
    h.session.reset()
    return action.id


async def status_of(h: BotHarness, action_id: int) -> A:
    async with h.pool.connection() as conn:
        found = await actions.get(conn, action_id)
    assert found is not None
    return found.status


async def test_pause_resume_and_cancel_an_edit(h: BotHarness) -> None:
    action_id = await editing(h)
    await end_rows(h, action_id, [("done", None), ("failed", "MESSAGE_EDIT_TIME_EXPIRED")])
    jobs_before = len(await drains(h))

    await h.press(OWNER, pa("pause", action=action_id), message_id=CARD)
    await h.press(OWNER, pa("pause", action=action_id), message_id=CARD)
    assert h.session.answers() == ["Paused", "That action is already paused."]
    assert await status_of(h, action_id) is A.PAUSED
    [card] = h.session.edits()
    assert card["text"].splitlines()[-1] == "✏️ Editing: 1 of 3 done, 1 failed · paused"
    assert (buttons(card)[1]) == ("▶️ Resume editing", pa("resume", action=action_id))

    h.session.reset()
    await h.press(OWNER, pa("resume", action=action_id), message_id=CARD, lang="ru")
    assert h.session.answers() == ["Продолжаем"]
    assert await status_of(h, action_id) is A.RUNNING
    # Resumed: the account's drain is woken (its kick may have waited already).
    assert len(await drains(h)) >= jobs_before

    # Cancel asks first, below the card, with what is done so far; Yes cancels.
    h.session.reset()
    await h.press(OWNER, pa("cancel", action=action_id), message_id=CARD)
    [asked] = h.session.of("sendMessage")
    assert asked["text"] == (
        "Cancel the edit of campaign #1 «Spring»'s posts? So far 1 of 3 done, 1 failed; "
        "posts not reached yet keep their old version."
    )
    assert buttons(asked) == [
        ("✖️ Yes, cancel it", pa("cancel_yes", action=action_id)),
        ("No, let it go on", pa("keep", action=action_id)),
    ]
    assert await status_of(h, action_id) is A.RUNNING  # asking changes nothing
    h.session.reset()
    await h.press(OWNER, pa("cancel_yes", action=action_id), message_id=QUESTION)
    assert answer_drawn(h) == "✖️ Cancelled. The card shows where it stopped."
    assert await status_of(h, action_id) is A.CANCELLED
    async with h.pool.connection() as conn:
        rows = await actions.rows_of(conn, action_id)
    # The row still to go is cancelled; those done and failed keep their outcome.
    assert [r.status for r in rows] == [
        ActionRowStatus.DONE,
        ActionRowStatus.FAILED,
        ActionRowStatus.CANCELLED,
    ]
    # The card loses the edit's line and controls.
    [card] = [e for e in h.session.edits() if e["message_id"] == CARD]
    assert "Editing" not in card["text"]
    assert [label for label, _ in buttons(card)] == [
        "📊 Report",
        "✏️ Edit",
        "🗑 Delete",
        "📌 Pin",
        "📊 Refresh reach",
    ]
    assert [(a[0], a[1], a[2]) for a in await audit_actions(h)][-3:] == [
        ("action.pause", "action", action_id),
        ("action.resume", "action", action_id),
        ("action.cancel", "action", action_id),
    ]

    # A second Cancel, or a Resume of the cancelled edit, only says it has ended; so does a
    # second Yes to the question.
    before = await h.counts()
    h.session.reset()
    await h.press(OWNER, pa("cancel", action=action_id), message_id=CARD)
    await h.press(OWNER, pa("resume", action=action_id), message_id=CARD)
    assert h.session.answers() == ["That action has already ended."] * 2
    h.session.reset()
    await h.press(OWNER, pa("cancel_yes", action=action_id), message_id=QUESTION)
    assert answer_drawn(h) == "That action has already ended."
    assert await h.counts() == before


@pytest.mark.parametrize(
    ("lang", "question", "kept"),
    [
        (
            "en",
            "Cancel the edit of campaign #1 «Spring»'s posts? So far 0 of 3 done, 0 failed; "
            "posts not reached yet keep their old version.",
            "Not cancelled: the edit goes on.",
        ),
        (
            "ru",
            "Отменить правку постов кампании #1 «Spring»? Пока готово 0 из 3, с ошибкой 0; "
            "посты, до которых не дошло, сохранят старую версию.",
            "Не отменено: правка продолжается.",
        ),
    ],
)
async def test_no_to_the_cancel_question_lets_the_action_go_on(
    h: BotHarness, lang: str, question: str, kept: str
) -> None:
    action_id = await editing(h)
    await h.press(OWNER, pa("cancel", action=action_id), message_id=CARD, lang=lang)
    assert h.session.sent_texts() == [question]
    h.session.reset()
    await h.press(OWNER, pa("keep", action=action_id), message_id=QUESTION, lang=lang)
    assert answer_drawn(h) == kept
    assert await status_of(h, action_id) is A.RUNNING
    assert [a[0] for a in await audit_actions(h)][-1] != "action.cancel"


async def test_the_cancel_question_of_a_delete_says_what_stays(h: BotHarness) -> None:
    await posted(h, status=S.COMPLETED)
    await h.send(OWNER, "/delete 1")
    await h.press(OWNER, pa("delete_yes"), message_id=QUESTION)
    h.session.reset()
    await h.press(OWNER, pa("cancel", action=1), message_id=CARD)
    assert h.session.sent_texts() == [
        "Cancel the delete of campaign #1 «Spring»'s posts? So far 0 of 3 done, 0 failed; "
        "posts not reached yet stay in their channels."
    ]


async def test_resume_of_a_running_action_and_an_ended_one(h: BotHarness) -> None:
    action_id = await editing(h)
    await h.press(OWNER, pa("resume", action=action_id), message_id=CARD)
    await finish(h, action_id)
    await h.press(OWNER, pa("pause", action=action_id), message_id=CARD)
    assert h.session.answers() == ["That action is not paused.", "That action has already ended."]


@pytest.mark.parametrize(
    "data",
    [
        pa("pause", campaign_id=2, action=1),  # the action is another campaign's
        pa("pause", action=99),
        pa("cancel", action=2**63),  # past bigint
    ],
)
async def test_forged_controls_change_nothing(h: BotHarness, data: str) -> None:
    await editing(h)
    before = await h.counts()
    await h.press(OWNER, data, message_id=CARD)
    assert h.session.answers() == ["This button is no longer valid"]
    assert await h.counts() == before


async def test_the_audit_log_tells_the_actions_in_words(h: BotHarness) -> None:
    action_id = await editing(h)
    await h.press(OWNER, pa("pause", action=action_id), message_id=CARD)
    h.session.reset()
    await h.send(OWNER, "/audit", lang="ru")
    [page] = h.session.sent_texts()
    lines = page.splitlines()
    assert any(
        line.endswith(f"action.pause · action #{action_id} (вид: правка, кампания #1)")
        for line in lines
    )
    assert any(
        line.endswith(f"action.edit · campaign #1 (шаблон #2, действие #{action_id}, постов: 3)")
        for line in lines
    )
    assert any(line.endswith("(вид: текст, новая версия шаблона #1)") for line in lines)
