"""Campaign controls through the real Dispatcher: /start_campaign, /pause, /resume, /cancel by
id, by name or from a picker; Start, Pause, Resume, Cancel and Refresh on the card."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from predlagator.bot.campaigns.keyboards import CampaignAction, CancelAnswer, PickCampaign
from predlagator.bot.dispatcher import set_commands
from predlagator.db import campaigns, deliveries
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus, DeliveryStatus, Role
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness

S = CampaignStatus
D = DeliveryStatus
CARD = 500  # the card's message id in the owner's chat is CARD + campaign id


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def make(h: BotHarness, status: S, name: str = "Spring", *, card: bool = True) -> Campaign:
    """A campaign of three channels in `status`; past a draft it has a ledger (one sent, one
    failed, one queued) and a card in the owner's chat."""
    refs = ["alpha_shop", "beta_shop", "gamma_shop"]
    campaign = await make_campaign(h.pool, refs, rate=20.0, name=name, chat_id=OWNER)
    async with h.pool.connection() as conn:
        if status not in {S.DRAFT, S.SCHEDULED}:
            await campaigns.transition(conn, campaign.id, S.RUNNING)
            await deliveries.snapshot(conn, campaign.id)
            first, second, _ = await deliveries.list_for_campaign(conn, campaign.id)
            assert await deliveries.mark_sending(conn, first.id)
            assert await deliveries.mark_sent(conn, first.id, 555)
            await deliveries.mark_failed(conn, second.id, "CHANNEL_PRIVATE", "private")
        if status is not S.RUNNING:
            await campaigns.transition(conn, campaign.id, status, from_states=list(S))
        if card and status is not S.DRAFT:
            await campaigns.set_card(conn, campaign.id, OWNER, CARD + campaign.id)
        found = await campaigns.get(conn, campaign.id)
    assert found is not None
    return found


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback data) of every inline button in a recorded call."""
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def status_of(h: BotHarness, campaign_id: int) -> S | None:
    async with h.pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
    return None if campaign is None else campaign.status


async def audit_rows(h: BotHarness) -> list[tuple[int | None, str, int | None, dict[str, Any]]]:
    rows = await h.rows("SELECT actor_id, action, object_id, details FROM audit_log ORDER BY id")
    return [(r["actor_id"], r["action"], r["object_id"], r["details"]) for r in rows]


async def task_names(h: BotHarness) -> list[str]:
    return [j["task_name"] for j in await h.jobs()]


def pick(action: str, campaign_id: int) -> str:
    return PickCampaign(action=action, id=campaign_id).pack()


def card(action: str, campaign_id: int) -> str:
    return CampaignAction(id=campaign_id, action=action).pack()


def answer(campaign_id: int, sure: bool) -> str:
    return CancelAnswer(id=campaign_id, sure=sure).pack()


# --- by id ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "paused", "resumed"),
    [
        ("en", "Campaign #1 paused.", "Campaign #1 resumed."),
        ("ru", "Кампания #1 на паузе.", "Кампания #1 продолжается."),
    ],
)
async def test_pause_and_resume_by_id(h: BotHarness, lang: str, paused: str, resumed: str) -> None:
    await make(h, S.RUNNING)
    await h.send(OWNER, "/pause 1", lang=lang)
    assert await status_of(h, 1) is S.PAUSED
    assert h.session.sent_texts() == [paused]
    [edit] = h.session.edits()  # the card follows
    assert (edit["chat_id"], edit["message_id"]) == (OWNER, CARD + 1)
    assert buttons(edit)[0] == ("▶️ Resume", "c:1:resume")

    h.session.reset()
    await h.send(OWNER, "/resume #1", lang=lang)
    assert await status_of(h, 1) is S.RUNNING
    assert h.session.sent_texts() == [resumed]
    assert buttons(h.session.edits()[0])[0] == ("⏸ Pause", "c:1:pause")
    drains = [j for j in await h.jobs() if j["task_name"] == "drain"]
    assert [(j["queue_name"], j["args"]) for j in drains] == [("account-1", {"account_id": 1})]
    assert [(who, what, obj) for who, what, obj, _ in await audit_rows(h)] == [
        (OWNER, "campaign.pause", 1),
        (OWNER, "campaign.resume", 1),
    ]


async def test_start_by_id_sends_the_card_and_launches(h: BotHarness) -> None:
    await make(h, S.DRAFT)
    await h.send(OWNER, "/start_campaign 1")
    [sent] = h.session.of("sendMessage")
    assert sent["text"] == "<b>Spring</b> · #1\n🕐 Starting\nPreparing the channel list…"
    assert buttons(sent) == [
        ("⏸ Pause", "c:1:pause"),
        ("✖️ Cancel", "c:1:cancel"),
        ("🔄 Refresh", "c:1:refresh"),
    ]
    assert await status_of(h, 1) is S.SCHEDULED
    assert await task_names(h) == ["launch_campaign"]
    assert [what for _, what, _, _ in await audit_rows(h)] == ["campaign.start"]

    await h.send(OWNER, "/start_campaign 1", lang="ru")
    assert h.session.sent_texts()[-1] == "Кампания #1 уже запланирована к запуску."
    assert await task_names(h) == ["launch_campaign"]


@pytest.mark.parametrize(
    ("lang", "question", "yes", "no", "done"),
    [
        (
            "en",
            "Cancel campaign #1 «Spring»? 1 post not yet sent will not go out.",
            "✖️ Yes, cancel it",
            "No, keep it",
            "Cancelled",
        ),
        (
            "ru",
            "Отменить кампанию #1 «Spring»? 1 ещё не отправленный пост так и не уйдёт.",
            "✖️ Да, отменить",
            "Нет, оставить",
            "Отменена",
        ),
    ],
    ids=["en", "ru"],
)
async def test_cancel_by_id_asks_then_cancels(
    h: BotHarness, lang: str, question: str, yes: str, no: str, done: str
) -> None:
    await make(h, S.RUNNING)
    before = await h.counts()
    await h.send(OWNER, "/cancel 1", lang=lang)
    [asked] = h.session.of("sendMessage")
    assert asked["text"] == question
    assert buttons(asked) == [(yes, "cx:1:1"), (no, "cx:1:0")]
    assert await h.counts() == before  # asking changes nothing
    assert await status_of(h, 1) is S.RUNNING

    h.session.reset()
    await h.press(OWNER, answer(1, True), message_id=1, lang=lang)
    assert await status_of(h, 1) is S.CANCELLED
    async with h.pool.connection() as conn:
        ledger = await deliveries.list_for_campaign(conn, 1)
        cancelled = await campaigns.get(conn, 1)
    assert [d.status for d in ledger] == [D.SENT, D.FAILED, D.CANCELLED]
    assert cancelled is not None and cancelled.finished_at is not None
    # The card shows the end with the Report button (and the actions over the posts out); the
    # question goes, the report (queued) follows.
    [card_edit] = h.session.edits()
    assert [p["message_id"] for p in h.session.of("deleteMessage")] == [1]
    assert h.session.answers() == [done]
    assert card_edit["message_id"] == CARD + 1
    assert card_edit["text"].splitlines()[1] == "⛔ Cancelled"  # in the campaign's language
    [report], actions, [reach] = card_edit["reply_markup"]["inline_keyboard"]
    assert report["text"] == "📊 Report"
    assert [b["callback_data"] for b in actions] == [
        "pa:edit:1:0:0",
        "pa:delete:1:0:0",
        "pa:pin:1:0:0",
    ]
    assert reach["callback_data"] == "pa:reach:1:0:0"
    assert await audit_rows(h) == [(OWNER, "campaign.cancel", 1, {"not_sent": 1})]
    # It had started and nothing is on its way: the cancel report goes out, once.
    assert await task_names(h) == ["campaign_finished"]

    # A second Yes (a double press) only says so.
    h.session.reset()
    await h.press(OWNER, answer(1, True), message_id=1, lang=lang)
    assert h.session.answers() == [
        "Campaign #1 was cancelled." if lang == "en" else "Кампания #1 уже отменена."
    ]
    assert h.session.edits() == []
    assert len(await audit_rows(h)) == 1
    assert await task_names(h) == ["campaign_finished"]


async def test_no_keeps_the_campaign(h: BotHarness) -> None:
    await make(h, S.PAUSED)
    await h.send(OWNER, "/cancel 1")
    h.session.reset()
    await h.press(OWNER, answer(1, False), message_id=1)
    assert await status_of(h, 1) is S.PAUSED
    [edit] = h.session.edits()
    assert edit["text"] == "Campaign #1 was not cancelled."
    await h.press(OWNER, answer(1, False), message_id=1, lang="ru")
    assert h.session.edits()[-1]["text"] == "Кампания #1 не отменена."
    assert await audit_rows(h) == []


async def test_a_draft_or_scheduled_campaign_cancelled_before_its_start(h: BotHarness) -> None:
    await make(h, S.DRAFT)
    await h.send(OWNER, "/start_campaign 1")  # scheduled, its launch waits in the queue
    await make(h, S.DRAFT, "Autumn")
    h.session.reset()
    await h.send(OWNER, "/cancel 1")
    await h.send(OWNER, "/cancel Autumn")
    assert h.session.sent_texts() == [
        "Cancel campaign #1 «Spring»? 3 posts not yet sent will not go out.",
        "Cancel campaign #2 «Autumn»? 3 posts not yet sent will not go out.",
    ]
    h.session.reset()
    await h.press(OWNER, answer(1, True), message_id=5)
    await h.press(OWNER, answer(2, True), message_id=6)
    assert (await status_of(h, 1), await status_of(h, 2)) == (S.CANCELLED, S.CANCELLED)
    # The scheduled one's card says so (its question goes); the draft had none and gets none,
    # so its question turns into the answer.
    assert [e["text"] for e in h.session.edits()] == [
        "<b>Spring</b> · #1\n⛔ Cancelled\nCancelled before it started.",
        "Campaign #2 cancelled.",
    ]
    assert [p["message_id"] for p in h.session.of("deleteMessage")] == [5]
    assert h.session.answers() == ["Cancelled", None]
    assert h.session.sent_texts() == []
    # Never started: nothing to report, and the waiting launch will find it cancelled.
    assert await task_names(h) == ["launch_campaign"]
    details = [d for _, _, _, d in await audit_rows(h)][-2:]
    assert details == [{"not_sent": 3}, {"not_sent": 3}]


# --- by name --------------------------------------------------------------------------------


async def test_by_name_ignores_case(h: BotHarness) -> None:
    await make(h, S.RUNNING, "Spring Sale")
    await h.send(OWNER, "/pause  spring SALE ")
    assert h.session.sent_texts() == ["Campaign #1 paused."]
    assert await status_of(h, 1) is S.PAUSED


async def test_a_name_several_campaigns_share_offers_those_that_fit(h: BotHarness) -> None:
    for status in (S.RUNNING, S.COMPLETED, S.WAITING, S.PAUSED):
        await make(h, status, "Daily")
    await make(h, S.RUNNING, "Other")
    await h.send(OWNER, "/pause daily")
    [params] = h.session.of("sendMessage")
    assert params["text"] == "Several campaigns are called «daily». Which one?"
    assert buttons(params) == [
        ("#3 Daily · ⏳ Waiting (Telegram limit)", "cp:pause:3"),
        ("#1 Daily · 🚀 Running", "cp:pause:1"),
    ]
    await h.send(OWNER, "/pause daily", lang="ru")
    assert h.session.sent_texts()[-1] == "Кампаний с названием «daily» несколько. Какую?"
    assert await audit_rows(h) == []

    # One of them fits /resume: it is the one.
    await h.send(OWNER, "/resume Daily")
    assert h.session.sent_texts()[-1] == "Campaign #4 resumed."

    # None fits: all are offered, and each press says why not.
    await make(h, S.COMPLETED, "Done")
    await make(h, S.CANCELLED, "Done")
    await h.send(OWNER, "/cancel done")
    assert [b[1] for b in buttons(h.session.of("sendMessage")[-1])] == [
        "cp:cancel:7",
        "cp:cancel:6",
    ]
    await h.press(OWNER, pick("cancel", 7), message_id=9)
    assert h.session.answers() == ["Campaign #7 was cancelled."]


@pytest.mark.parametrize(
    ("lang", "text", "reply"),
    [
        ("en", "/pause 99", "No campaign #99."),
        ("en", "/resume Nope <b>", "No campaign called «Nope &lt;b&gt;»."),
        ("en", "/start_campaign 1.5", "No campaign called «1.5»."),
        ("ru", "/cancel #99", "Кампании #99 нет."),
        ("ru", "/pause nope", "Кампании «nope» нет."),
    ],
)
async def test_unknown_campaign(h: BotHarness, lang: str, text: str, reply: str) -> None:
    await make(h, S.RUNNING)
    before = await h.counts()
    await h.send(OWNER, text, lang=lang)
    assert h.session.sent_texts() == [reply]
    assert await h.counts() == before


# --- pickers ---------------------------------------------------------------------------------


async def test_without_an_argument_each_command_offers_its_candidates(h: BotHarness) -> None:
    statuses = [S.DRAFT, S.RUNNING, S.PAUSED, S.WAITING, S.COMPLETED, S.CANCELLED, S.SCHEDULED]
    for index, status in enumerate(statuses, start=1):
        await make(h, status, f"C{index}")
    offers = {}
    for command in ("pause", "resume", "cancel", "start_campaign"):
        h.session.reset()
        await h.send(OWNER, f"/{command}")
        [params] = h.session.of("sendMessage")
        offers[command] = (params["text"], [data for _, data in buttons(params)])
    assert offers == {
        "pause": ("Which campaign to pause?", ["cp:pause:7", "cp:pause:4", "cp:pause:2"]),
        "resume": ("Which campaign to resume?", ["cp:resume:3"]),
        "cancel": (
            "Which campaign to cancel?",
            ["cp:cancel:7", "cp:cancel:4", "cp:cancel:3", "cp:cancel:2", "cp:cancel:1"],
        ),
        "start_campaign": ("Which campaign to start?", ["cp:start:1"]),
    }
    h.session.reset()
    await h.send(OWNER, "/resume", lang="ru")
    [params] = h.session.of("sendMessage")
    assert (params["text"], buttons(params)) == (
        "Какую кампанию продолжить?",
        [("#3 C3 · ⏸ Пауза", "cp:resume:3")],
    )


async def test_a_long_name_is_cut_between_words_in_the_picker(h: BotHarness) -> None:
    await make(h, S.PAUSED, "Spring sale for every shop in the city")
    await h.send(OWNER, "/resume")
    [params] = h.session.of("sendMessage")
    assert buttons(params) == [("#1 Spring sale for every shop in… · ⏸ Paused", "cp:resume:1")]


async def test_a_long_list_shows_the_newest_ten(h: BotHarness) -> None:
    for index in range(12):
        await make(h, S.PAUSED, f"P{index}")
    await h.send(OWNER, "/resume")
    [params] = h.session.of("sendMessage")
    assert params["text"] == (
        "Which campaign to resume?\nOnly the newest 10 are shown; send the command with an id "
        "or a name for others."
    )
    assert [data for _, data in buttons(params)] == [f"cp:resume:{i}" for i in range(12, 2, -1)]


@pytest.mark.parametrize(
    ("command", "en", "ru"),
    [
        (
            "pause",
            "No campaign is sending, so there is nothing to pause.",
            "Ни одна кампания не рассылает, ставить на паузу нечего.",
        ),
        (
            "resume",
            "No campaign is paused, so there is nothing to resume.",
            "Нет кампаний на паузе, продолжать нечего.",
        ),
        (
            "cancel",
            "No campaign is in progress, so there is nothing to cancel.",
            "Нет незавершённых кампаний, отменять нечего.",
        ),
        (
            "start_campaign",
            "No prepared campaign to start. /new_campaign prepares one.",
            "Нет подготовленных кампаний. Подготовить: /new_campaign.",
        ),
    ],
)
async def test_no_candidates(h: BotHarness, command: str, en: str, ru: str) -> None:
    await make(h, S.COMPLETED)
    await h.send(OWNER, f"/{command}")
    await h.send(OWNER, f"/{command}", lang="ru")
    assert h.session.sent_texts() == [en, ru]
    assert h.session.of("sendMessage")[0].get("reply_markup") is None


async def test_picker_presses(h: BotHarness) -> None:
    await make(h, S.RUNNING)
    await make(h, S.DRAFT, "Autumn")
    await h.send(OWNER, "/pause")
    h.session.reset()

    # The picker turns into the result, and the card follows.
    await h.press(OWNER, pick("pause", 1), message_id=1)
    assert await status_of(h, 1) is S.PAUSED
    card_edit, picker_edit = h.session.edits()
    assert (picker_edit["message_id"], picker_edit["text"]) == (1, "Campaign #1 paused.")
    assert "reply_markup" not in picker_edit
    assert card_edit["message_id"] == CARD + 1
    assert h.session.answers() == [None]

    # A second press on the same picker only says why not.
    h.session.reset()
    await h.press(OWNER, pick("pause", 1), message_id=1, lang="ru")
    assert h.session.answers() == ["Кампания #1 уже на паузе."]
    assert h.session.edits() == []

    # Cancel from a picker: the picker becomes the question.
    h.session.reset()
    await h.press(OWNER, pick("cancel", 1), message_id=2)
    [question] = h.session.edits()
    assert question["text"] == "Cancel campaign #1 «Spring»? 1 post not yet sent will not go out."
    assert [data for _, data in buttons(question)] == ["cx:1:1", "cx:1:0"]
    assert await status_of(h, 1) is S.PAUSED

    # Start from a picker: the result replaces it, the card is sent below.
    h.session.reset()
    await h.press(OWNER, pick("start", 2), message_id=3)
    assert [e["text"] for e in h.session.edits()] == ["Campaign #2 is starting."]
    [new_card] = h.session.of("sendMessage")
    assert new_card["text"].startswith("<b>Autumn</b> · #2\n🕐 Starting")
    assert await status_of(h, 2) is S.SCHEDULED
    assert [what for _, what, _, _ in await audit_rows(h)] == ["campaign.pause", "campaign.start"]


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "command", "en", "ru"),
    [
        (S.COMPLETED, "pause", "Campaign #1 has already finished.", "Кампания #1 уже завершена."),
        (S.COMPLETED, "cancel", "Campaign #1 has already finished.", "Кампания #1 уже завершена."),
        (S.CANCELLED, "resume", "Campaign #1 was cancelled.", "Кампания #1 уже отменена."),
        (S.CANCELLED, "cancel", "Campaign #1 was cancelled.", "Кампания #1 уже отменена."),
        (
            S.CANCELLED,
            "start_campaign",
            "Campaign #1 was cancelled.",
            "Кампания #1 уже отменена.",
        ),
        (S.PAUSED, "pause", "Campaign #1 is already paused.", "Кампания #1 уже на паузе."),
        (
            S.PAUSED,
            "start_campaign",
            "Campaign #1 is paused; /resume 1 continues it.",
            "Кампания #1 на паузе; продолжить: /resume 1.",
        ),
        (
            S.DRAFT,
            "pause",
            "Campaign #1 has not started; /start_campaign 1 starts it.",
            "Кампания #1 ещё не запущена; запустить: /start_campaign 1.",
        ),
        (
            S.WAITING,
            "resume",
            "Campaign #1 is waiting out a Telegram limit; it resumes by itself.",
            "Кампания #1 пережидает лимит Telegram и продолжится сама.",
        ),
        (S.RUNNING, "resume", "Campaign #1 is not paused.", "Кампания #1 не на паузе."),
        (
            S.RUNNING,
            "start_campaign",
            "Campaign #1 has already started.",
            "Кампания #1 уже запущена.",
        ),
    ],
)
async def test_commands_that_change_nothing(
    h: BotHarness, status: S, command: str, en: str, ru: str
) -> None:
    await make(h, status)
    before = await h.counts()
    await h.send(OWNER, f"/{command} 1")
    await h.send(OWNER, f"/{command} Spring", lang="ru")
    assert h.session.sent_texts() == [en, ru]
    assert h.session.edits() == []
    assert await h.counts() == before
    assert await status_of(h, 1) is status


@pytest.mark.parametrize(
    ("status", "data", "reply"),
    [
        (S.COMPLETED, "c:1:pause", "Campaign #1 has already finished."),
        (S.COMPLETED, "c:1:cancel", "Campaign #1 has already finished."),
        (S.CANCELLED, "c:1:resume", "Campaign #1 was cancelled."),
        (S.DRAFT, "c:1:pause", "Campaign #1 has not started; /start_campaign 1 starts it."),
        (
            S.WAITING,
            "c:1:resume",
            "Campaign #1 is waiting out a Telegram limit; it resumes by itself.",
        ),
        (S.PAUSED, "c:1:pause", "Campaign #1 is already paused."),
        (S.RUNNING, "c:1:start", "Campaign #1 has already started."),
    ],
)
async def test_card_presses_that_change_nothing(
    h: BotHarness, status: S, data: str, reply: str
) -> None:
    await make(h, status)
    before = await h.counts()
    await h.press(OWNER, data, message_id=CARD + 1)
    assert h.session.answers() == [reply]
    assert [name for name, _ in h.session.calls] == ["answerCallbackQuery"]
    assert await h.counts() == before


# --- card buttons ----------------------------------------------------------------------------


async def test_card_pause_and_resume_with_double_presses(h: BotHarness) -> None:
    await make(h, S.RUNNING)
    await h.press(OWNER, card("pause", 1), message_id=CARD + 1)
    await h.press(OWNER, card("pause", 1), message_id=CARD + 1)
    assert h.session.answers() == ["Paused", "Campaign #1 is already paused."]
    [edit] = h.session.edits()
    assert "⏸ Paused" in edit["text"]
    assert buttons(edit)[:3] == [
        ("▶️ Resume", "c:1:resume"),
        ("✖️ Cancel", "c:1:cancel"),
        ("🔄 Refresh", "c:1:refresh"),
    ]
    h.session.reset()
    await h.press(OWNER, card("resume", 1), message_id=CARD + 1, lang="ru")
    await h.press(OWNER, card("resume", 1), message_id=CARD + 1, lang="ru")
    assert h.session.answers() == ["Продолжаем", "Кампания #1 не на паузе."]
    assert await status_of(h, 1) is S.RUNNING
    assert [what for _, what, _, _ in await audit_rows(h)] == ["campaign.pause", "campaign.resume"]


async def test_start_button_starts_once(h: BotHarness) -> None:
    await make(h, S.DRAFT)
    await h.press(OWNER, card("start", 1), message_id=50)  # under the draft's summary
    await h.press(OWNER, card("start", 1), message_id=50, lang="ru")
    assert h.session.answers() == [
        "Campaign #1 is starting.",
        "Кампания #1 уже запланирована к запуску.",
    ]
    [new_card] = h.session.of("sendMessage")
    assert new_card["text"].startswith("<b>Spring</b> · #1\n🕐 Starting")
    assert await task_names(h) == ["launch_campaign"]


async def test_card_edit_limits_are_tolerated(h: BotHarness) -> None:
    await make(h, S.RUNNING)
    h.session.fail_not_modified()
    await h.press(OWNER, card("pause", 1), message_id=CARD + 1)
    h.session.fail_flood("editMessageText", retry_after=7)
    await h.press(OWNER, card("resume", 1), message_id=CARD + 1)
    assert h.session.answers() == ["Paused", "Resumed"]
    assert await status_of(h, 1) is S.RUNNING
    [refresh] = [j for j in await h.jobs() if j["task_name"] == "refresh_progress"]
    assert (refresh["queue_name"], refresh["queueing_lock"]) == ("notifications", "progress-1")
    [late] = await h.rows(
        "SELECT scheduled_at > now() + interval '5 seconds' AS late FROM procrastinate_jobs "
        "WHERE task_name = 'refresh_progress'"
    )
    assert late == {"late": True}


async def test_card_cancel_asks_below_the_card(h: BotHarness) -> None:
    await make(h, S.WAITING)
    await h.press(OWNER, card("cancel", 1), message_id=CARD + 1, lang="ru")
    [asked] = h.session.of("sendMessage")
    assert asked["chat_id"] == OWNER
    assert asked["text"] == (
        "Отменить кампанию #1 «Spring»? 1 ещё не отправленный пост так и не уйдёт."
    )
    assert buttons(asked) == [("✖️ Да, отменить", "cx:1:1"), ("Нет, оставить", "cx:1:0")]
    assert h.session.answers() == [None]
    assert h.session.edits() == []  # the card stays as it is
    assert await status_of(h, 1) is S.WAITING

    h.session.reset()
    await h.press(OWNER, answer(1, True), message_id=1, lang="ru")
    assert await status_of(h, 1) is S.CANCELLED
    [card_edit] = h.session.edits()
    assert (card_edit["message_id"], card_edit["text"].splitlines()[1]) == (
        CARD + 1,
        "⛔ Cancelled",
    )
    assert [p["message_id"] for p in h.session.of("deleteMessage")] == [1]
    assert h.session.answers() == ["Отменена"]


async def test_a_question_too_old_to_delete_turns_into_the_answer(h: BotHarness) -> None:
    await make(h, S.RUNNING)
    await h.send(OWNER, "/cancel 1")
    h.session.reset()
    h.session.fail_next("deleteMessage", 400, "Bad Request: message can't be deleted")
    await h.press(OWNER, answer(1, True), message_id=1)
    card_edit, question_edit = h.session.edits()
    assert card_edit["message_id"] == CARD + 1
    assert (question_edit["message_id"], question_edit["text"]) == (1, "Campaign #1 cancelled.")
    assert h.session.answers() == [None]


async def test_a_stale_confirmation_changes_nothing(h: BotHarness) -> None:
    await make(h, S.RUNNING)
    await h.send(OWNER, "/cancel 1")
    # The campaign completes while the question waits.
    async with h.pool.connection() as conn:
        await conn.execute("UPDATE deliveries SET status = 'sent' WHERE status = 'queued'")
        assert await campaigns.complete_if_done(conn, 1) is not None
    h.session.reset()
    before = await h.counts()
    await h.press(OWNER, answer(1, True), message_id=1)
    await h.press(OWNER, answer(1, True), message_id=1, lang="ru")
    assert h.session.answers() == [
        "Campaign #1 has already finished.",
        "Кампания #1 уже завершена.",
    ]
    assert [name for name, _ in h.session.calls] == ["answerCallbackQuery"] * 2
    assert await h.counts() == before
    assert await status_of(h, 1) is S.COMPLETED


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_refresh(h: BotHarness, lang: str) -> None:
    await make(h, S.RUNNING)
    before = await h.counts()
    await h.press(OWNER, card("refresh", 1), message_id=CARD + 1, lang=lang)
    [edit] = h.session.edits()
    assert (edit["message_id"], edit["text"].splitlines()[3]) == (
        CARD + 1,
        "Sent 1 · failed 1 · queued 1 of 3",
    )
    h.session.fail_not_modified()  # nothing changed since: Telegram says so, which is fine
    await h.press(OWNER, card("refresh", 1), message_id=CARD + 1, lang=lang)
    assert h.session.answers() == (
        ["Updated", "Up to date"] if lang == "en" else ["Обновлено", "Уже актуально"]
    )
    assert await h.counts() == before


async def test_refresh_under_telegrams_limit_comes_back_later(h: BotHarness) -> None:
    await make(h, S.RUNNING)
    h.session.fail_flood("editMessageText", retry_after=9)
    await h.press(OWNER, card("refresh", 1), message_id=CARD + 1)
    assert h.session.answers() == ["Telegram asks to slow down; the card updates in a moment."]
    [job] = await h.jobs()
    assert (job["task_name"], job["queueing_lock"]) == ("refresh_progress", "progress-1")
    [late] = await h.rows(
        "SELECT scheduled_at > now() + interval '7 seconds' AS late FROM procrastinate_jobs"
    )
    assert late == {"late": True}


async def test_refresh_of_a_campaign_without_a_live_card_or_gone(h: BotHarness) -> None:
    await make(h, S.RUNNING, card=False)
    # The pressed message is a card too (one opened from /campaigns): it is redrawn in place.
    await h.press(OWNER, card("refresh", 1), message_id=7)
    await h.press(OWNER, card("refresh", 99), lang="ru")
    assert h.session.answers() == ["Updated", "Кампании #99 нет."]
    [edit] = h.session.edits()
    assert (edit["message_id"], edit["text"].splitlines()[1]) == (7, "🚀 Running")
    assert h.session.of("sendMessage") == []


# --- viewers and forged presses --------------------------------------------------------------


async def test_viewers_may_refresh_but_change_nothing(h: BotHarness) -> None:
    await make(h, S.RUNNING)
    await h.send(OWNER, "/cancel 1")  # a question a viewer might see in a group
    h.session.reset()
    before = await h.counts()
    for text in ("/pause 1", "/cancel 1", "/resume", "/start_campaign"):
        await h.send(VIEWER, text)
    for data in (card("pause", 1), card("cancel", 1), pick("pause", 1), answer(1, True)):
        await h.press(VIEWER, data, message_id=CARD + 1)
    assert h.session.sent_texts() == ["You can look, but viewers can't change anything."] * 4
    assert h.session.answers() == ["You can look, but viewers can't change anything."] * 4
    assert await h.counts() == before
    assert await status_of(h, 1) is S.RUNNING

    h.session.reset()
    await h.press(VIEWER, card("refresh", 1), message_id=CARD + 1, lang="ru")
    assert h.session.answers() == ["Обновлено"]
    assert len(h.session.edits()) == 1
    assert await h.counts() == before


@pytest.mark.parametrize(
    ("data", "reply"),
    [
        ("cp:pause:999", "No campaign #999."),
        ("cx:999:1", "No campaign #999."),
        ("cx:999:0", "No campaign #999."),
        ("c:999:cancel", "No campaign #999."),
        ("cp:delete:1", "This button is no longer valid"),
        ("cp:pause:abc", "This button is no longer valid"),
        ("cx:1:maybe", "This button is no longer valid"),
        ("cx:abc:1", "This button is no longer valid"),
        ("c:1:refreshx", "This button is no longer valid"),
        ("c:1:cancel_yes", "This button is no longer valid"),
    ],
)
async def test_forged_presses(h: BotHarness, data: str, reply: str) -> None:
    await make(h, S.RUNNING)
    before = await h.counts()
    await h.press(OWNER, data)
    assert h.session.answers() == [reply]
    assert [name for name, _ in h.session.calls] == ["answerCallbackQuery"]
    assert await h.counts() == before
    assert await status_of(h, 1) is S.RUNNING


# --- the menu ---------------------------------------------------------------------------------


async def test_commands_are_in_the_menu_and_help(h: BotHarness) -> None:
    await set_commands(h.bot)
    english, russian = h.session.of("setMyCommands")
    menu = {c["command"]: c["description"] for c in english["commands"]}
    assert (menu["pause"], menu["resume"], menu["cancel"]) == (
        "Pause a campaign",
        "Resume a paused campaign",
        "Cancel a campaign",
    )
    menu = {c["command"]: c["description"] for c in russian["commands"]}
    assert (menu["pause"], menu["resume"], menu["cancel"]) == (
        "Поставить кампанию на паузу",
        "Продолжить кампанию после паузы",
        "Отменить кампанию",
    )
    await h.send(OWNER, "/help")
    await h.send(OWNER, "/help", lang="ru")
    en_help, ru_help = h.session.sent_texts()
    assert "\n/pause: Pause a campaign\n/resume: Resume a paused campaign\n" in en_help
    assert "\n/cancel: Отменить кампанию\n" in ru_help
