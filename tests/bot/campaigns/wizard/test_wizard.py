"""/new_campaign through the real Dispatcher: the whole way, now or later; Cancel; Confirm once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from predlagator.bot.campaigns.wizard.keyboards import WizardPress
from predlagator.db.pool import Pool
from predlagator.delivery import tasks
from predlagator.models import CampaignStatus
from predlagator.queue import names
from predlagator.queue.app import make_app
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness
from tests.wizard_steps import (
    NOW,
    PRESSED,
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

S = CampaignStatus

# What each step shows, in order, in both languages (the rate step edits the template pick).
EXPECTED = {
    "en": [
        "<b>New campaign</b>\nSend a name for it: one line, up to 100 characters.",
        "Campaign «Spring sale». Pick the channels (batch):",
        "Now pick the post (template):",
        "How fast? Send the pace in posts per minute, from 0.1 to 60 (default 20).",
        "How many times to retry a post after a temporary error? "
        "Send a number from 0 to 10 (default 3).",
        "When to start? Press Now, or send a time as HH:MM or YYYY-MM-DD HH:MM (UTC).",
        "<b>Check the campaign and confirm</b>\nName: Spring sale\n"
        "Batch: «Shops», 3 channels, 3 active\nPost: «Big sale»\nAccount: main\n"
        "Pace: 10/min, about 18 s\nRetries after a temporary error: 2\nStart: now",
        "Campaign #1 «Spring sale» created and starting.",
    ],
    "ru": [
        "<b>Новая кампания</b>\nПришлите её название: одна строка, до 100 символов.",
        "Кампания «Spring sale». Выберите каналы (пакет):",
        "Теперь выберите пост (шаблон):",
        "С какой скоростью? Пришлите число постов в минуту, от 0.1 до 60 (по умолчанию 20).",
        "Сколько раз повторять пост после временной ошибки? "
        "Пришлите число от 0 до 10 (по умолчанию 3).",
        "Когда запустить? Нажмите «Сейчас» или пришлите время как ЧЧ:ММ "
        "или ГГГГ-ММ-ДД ЧЧ:ММ (UTC).",
        "<b>Проверьте кампанию и подтвердите</b>\nНазвание: Spring sale\n"
        "Пакет: «Shops», 3 канала, активных 3\nПост: «Big sale»\nАккаунт: main\n"
        "Скорость: 10 в минуту, примерно 18 сек\nПовторов после временной ошибки: 2\n"
        "Запуск: сейчас",
        "Кампания #1 «Spring sale» создана и запускается.",
    ],
}
BUTTONS: dict[str, dict[str, Any]] = {
    "en": {
        "nav": ["⬅️ Back", "✖️ Cancel"],
        "now": "▶️ Now",
        "repeat": "🔁 Repeat…",
        "confirm": "✅ Confirm",
        "cancel": "✖️ Cancel",
    },
    "ru": {
        "nav": ["⬅️ Назад", "✖️ Отмена"],
        "now": "▶️ Сейчас",
        "repeat": "🔁 Повтор…",
        "confirm": "✅ Подтвердить",
        "cancel": "✖️ Отмена",
    },
}


async def harness(pool: Pool, **settings: object) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, default_rate_per_minute=20.0, retry_limit=3, **settings) as h:
        h.dp["clock"] = lambda: NOW
        await material(h)
        yield h


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async for opened in harness(pool):
        yield opened


@pytest.fixture
async def moscow(pool: Pool) -> AsyncIterator[BotHarness]:
    async for opened in harness(pool, timezone="Europe/Moscow"):
        yield opened


async def campaign_row(h: BotHarness) -> dict[str, object]:
    [row] = await h.rows(
        "SELECT id, name, batch_id, template_id, rate_per_minute, retry_limit, status, chat_id, "
        "language, created_by, start_at, (SELECT name FROM accounts a WHERE a.id = account_id) "
        "AS account FROM campaigns"
    )
    return row


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_the_whole_way_started_now(h: BotHarness, lang: str) -> None:
    expected, names_ = EXPECTED[lang], BUTTONS[lang]
    await h.send(OWNER, "/new_campaign", lang=lang)
    assert (text(h), labels(last_shown(h))) == (expected[0], [[names_["cancel"]]])
    await h.send(OWNER, "Spring sale", lang=lang)
    assert (text(h), labels(last_shown(h))) == (expected[1], [["#1 Shops (3)"], names_["nav"]])
    await press(h, "#1 Shops (3)", lang=lang)
    assert last_shown(h)["message_id"] == PRESSED  # a pick turns its message into the next step
    assert (text(h), labels(last_shown(h))) == (expected[2], [["#1 Big sale"], names_["nav"]])
    await press(h, "#1 Big sale", lang=lang)  # one account (none yet): no account step
    assert (text(h), labels(last_shown(h))) == (
        expected[3],
        [["5", "10", "✓ 20", "30"], names_["nav"]],
    )
    await h.send(OWNER, "10", lang=lang)
    assert (text(h), labels(last_shown(h))) == (
        expected[4],
        [["0", "1", "✓ 3", "5"], names_["nav"]],
    )
    await h.send(OWNER, "2", lang=lang)
    assert (text(h), labels(last_shown(h))) == (
        expected[5],
        [
            [names_["now"], names_["repeat"]],
            ["🕐 2030-03-01 13:00"],
            ["🕐 2030-03-02 09:00"],
            names_["nav"],
        ],
    )
    await press(h, names_["now"], lang=lang)
    assert (text(h), labels(last_shown(h))) == (expected[6], [[names_["confirm"]], names_["nav"]])
    assert [a.get("text") for a in h.session.of("answerCallbackQuery")] == [None] * 3
    confirm = press_of(h, names_["confirm"])
    h.session.reset()

    await press_data(h, confirm, lang=lang)
    [card] = h.session.of("sendMessage")
    assert card["text"].startswith("<b>Spring sale</b> · #1\n🕐")
    [done] = h.session.edits()
    assert (done["message_id"], done["text"], done.get("reply_markup")) == (
        PRESSED,
        expected[7],
        None,
    )
    assert await campaign_row(h) == {
        "id": 1,
        "name": "Spring sale",
        "batch_id": 1,
        "template_id": 1,
        "rate_per_minute": 10.0,
        "retry_limit": 2,
        "status": "scheduled",  # started: the launch job makes it running
        "chat_id": OWNER,
        "language": lang,
        "created_by": OWNER,
        "start_at": None,
        "account": "main",
    }
    [job] = await h.jobs()
    assert (job["task_name"], job["args"], job["scheduled_at"]) == (
        names.LAUNCH_CAMPAIGN,
        {"campaign_id": 1},
        None,
    )
    audit = await h.rows("SELECT actor_id, action, object_id, details FROM audit_log ORDER BY id")
    assert audit[-2:] == [
        {
            "actor_id": OWNER,
            "action": "campaign.create",
            "object_id": 1,
            "details": {
                "batch_id": 1,
                "template_id": 1,
                "account_id": 1,
                "rate": 10.0,
                "retry_limit": 2,
                "start_at": None,
            },
        },
        {"actor_id": OWNER, "action": "campaign.start", "object_id": 1, "details": {}},
    ]
    assert await wizard_row(h) is None

    # The deferred launch, run by a delivery worker, makes the campaign run.
    worker = make_app(tasks.blueprint)
    await worker.open_async(pool=h.pool)
    try:
        await worker.run_worker_async(
            queues=[names.DELIVERY_QUEUE],
            wait=False,
            install_signal_handlers=False,
            additional_context={"pool": h.pool},
        )
    finally:
        await worker.close_async()
    assert (await campaign_row(h))["status"] == "running"


@pytest.mark.parametrize(
    ("typed", "shown", "utc"),
    [
        ("2030-03-05 09:00", "2030-03-05 09:00", datetime(2030, 3, 5, 6, 0, tzinfo=UTC)),
        ("16:00", "2030-03-01 16:00", datetime(2030, 3, 1, 13, 0, tzinfo=UTC)),  # later today
        ("9:00", "2030-03-02 09:00", datetime(2030, 3, 2, 6, 0, tzinfo=UTC)),  # past: tomorrow
    ],
)
async def test_scheduled_for_a_typed_time(
    moscow: BotHarness, typed: str, shown: str, utc: datetime
) -> None:
    h = moscow
    await to_step(h, "start")
    assert text(h).endswith("(Europe/Moscow).")
    await h.send(OWNER, typed)
    assert text(h).endswith(f"\nStart: {shown} Europe/Moscow")
    confirm = press_of(h, "✅ Confirm")
    h.session.reset()
    await press_data(h, confirm)
    assert h.session.of("sendMessage") == []  # the card comes with the launch
    assert text(h) == (
        f"Campaign #1 «Spring sale» is scheduled for {shown} Europe/Moscow. "
        "Its card appears here when it starts."
    )
    row = await campaign_row(h)
    assert (row["status"], row["start_at"]) == ("scheduled", utc)
    [job] = await h.jobs()
    assert (job["task_name"], job["args"], job["status"], job["scheduled_at"]) == (
        names.LAUNCH_CAMPAIGN,
        {"campaign_id": 1},
        "todo",
        utc,
    )
    actions = await h.rows("SELECT action, details FROM audit_log ORDER BY id")
    assert actions[-1] == {"action": "campaign.schedule", "details": {"at": utc.isoformat()}}
    assert actions[-2]["details"]["start_at"] == utc.isoformat()


async def test_scheduled_by_a_suggested_time(moscow: BotHarness) -> None:
    h = moscow
    await to_step(h, "start", lang="ru")
    assert text(h) == (
        "Когда запустить? Нажмите «Сейчас» или пришлите время как ЧЧ:ММ или ГГГГ-ММ-ДД ЧЧ:ММ "
        "(Europe/Moscow)."
    )
    await press(h, "🕐 2030-03-01 16:00", lang="ru")  # the next full hour in Moscow
    assert text(h).endswith("\nЗапуск: 2030-03-01 16:00 Europe/Moscow")
    await press(h, "✅ Подтвердить", lang="ru")
    assert text(h) == (
        "Кампания #1 «Spring sale» запланирована на 2030-03-01 16:00 Europe/Moscow. "
        "Её карточка появится здесь при запуске."
    )
    [job] = await h.jobs()
    assert job["scheduled_at"] == datetime(2030, 3, 1, 13, 0, tzinfo=UTC)


async def test_confirm_twice_makes_one_campaign(h: BotHarness) -> None:
    await to_step(h, "confirm")
    confirm = press_of(h, "✅ Confirm")
    await press_data(h, confirm)
    await press_data(h, confirm)
    assert h.session.answers()[-2:] == [
        None,
        "This wizard is over. /new_campaign starts a new one.",
    ]
    assert len(await h.rows("SELECT id FROM campaigns")) == 1
    assert [j["task_name"] for j in await h.jobs()] == [names.LAUNCH_CAMPAIGN]
    assert len([t for t in h.session.sent_texts() if t.startswith("<b>Spring sale</b>")]) == 1


@pytest.mark.parametrize("step", ["name", "batch", "template", "rate", "retry", "start", "confirm"])
async def test_cancel_at_any_step_creates_nothing(h: BotHarness, step: str) -> None:
    before = await h.counts()
    await to_step(h, step)
    old = press_of(h, "✖️ Cancel")
    await press(h, "✖️ Cancel")
    assert (text(h), last_shown(h).get("reply_markup")) == ("Cancelled: nothing was created.", None)
    assert await wizard_row(h) is None
    assert await h.counts() == before
    # Buttons of the cancelled run change nothing any more.
    for action in ("back", "confirm", "now", "cancel"):
        await press_data(h, WizardPress(token=old.token, step=old.step, action=action))
        assert last_answer(h).get("text") == "This wizard is over. /new_campaign starts a new one."
    assert await h.counts() == before
    await h.send(OWNER, "/new_campaign")
    assert text(h).startswith("<b>New campaign</b>")
