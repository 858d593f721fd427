"""/test asks for what is missing, refuses bad input plainly, and never sends a test late."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telethon import functions

from predlagator.bot.testsend.command import PickForTest, SendTestToMe
from predlagator.db.pool import Pool
from predlagator.delivery.serial_sender import SerialSender
from predlagator.delivery.session_lock import SessionLock
from predlagator.delivery.worker import LockedSender
from predlagator.queue import names
from tests.fakes.bot_api import OWNER
from tests.testsend_world import World, open_world

UNCHANGED = "no job deferred, nothing audited"
# The deadline's check, due now instead of in a minute: time is injected.
EXPIRY_DUE = "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE task_name = 'test_expiry'"


@pytest.fixture
async def world(pool: Pool, db_url: str) -> AsyncIterator[World]:
    async with open_world(pool, db_url) as opened:
        await opened.alive()
        yield opened


async def test_help_and_the_menu_say_what_me_means(world: World) -> None:
    await world.chat.send(OWNER, "/help")
    await world.chat.send(OWNER, "/help", lang="ru")
    english, russian = world.answers(OWNER)
    assert (
        "\n/test: Send a post once now: /test ID @channel, or me (the account's Saved Messages)\n"
        in english
    )
    assert (
        "\n/test: Отправить пост один раз сейчас: /test ID @channel или me "
        "(«Избранное» аккаунта)\n" in russian
    )


async def test_without_arguments_usage_and_a_template_picker(world: World) -> None:
    await world.chat.send(OWNER, "/test")
    older = await world.template("Older post")
    newer = await world.template("Newer post")
    await world.chat.send(OWNER, "/test", lang="ru")
    [empty, listed] = world.chat.session.of("sendMessage")
    assert empty["text"] == (
        "<b>Test a post</b>: one message now, outside any campaign.\n"
        "<code>/test 5 @channel</code>: template #5 (or its name) to a channel: @name, a t.me "
        "link or a -100… id.\n"
        "<code>/test 5 me</code>: to the sending account's Saved Messages.\n\n"
        "No templates yet: send me the post first."
    )
    assert listed["text"] == (
        "<b>Проверка поста</b>: одно сообщение сразу, вне кампаний.\n"
        "<code>/test 5 @channel</code>: шаблон #5 (или его имя) в канал: @name, ссылка t.me "
        "или id вида -100….\n"
        "<code>/test 5 me</code>: в «Избранное» отправляющего аккаунта.\n\n"
        "Или выберите шаблон:"
    )
    buttons = [row[0] for row in listed["reply_markup"]["inline_keyboard"]]
    assert [(b["text"], b["callback_data"]) for b in buttons] == [
        (f"#{newer.id} Newer post", PickForTest(template_id=newer.id).pack()),
        (f"#{older.id} Older post", PickForTest(template_id=older.id).pack()),
    ]
    assert await world.rows("SELECT id FROM procrastinate_jobs") == []


async def test_pick_the_template_then_saved_messages_by_buttons(world: World) -> None:
    template = await world.template()
    await world.chat.press(OWNER, PickForTest(template_id=template.id).pack(), message_id=7)
    [asked] = world.chat.session.edits()
    assert asked["message_id"] == 7
    assert asked["text"] == (
        f"Test #{template.id} «Big news»: where to? Press Saved Messages (the sending account's "
        f"own chat), or send <code>/test {template.id} @channel</code>."
    )
    [[button]] = asked["reply_markup"]["inline_keyboard"]
    assert button == {
        "text": "📥 Saved Messages",
        "callback_data": SendTestToMe(template_id=template.id).pack(),
    }
    await world.chat.press(OWNER, button["callback_data"], message_id=7)
    sending = world.chat.session.edits()[1]
    assert sending["text"] == f"📤 Sending #{template.id} «Big news» to Saved Messages…"
    assert "reply_markup" not in sending  # the button is gone: a second press cannot repeat it
    await world.run_due()
    assert len(world.telegram.posts[world.telegram.me.id]) == 1
    assert world.answers(OWNER) == [
        f"✅ Test of #{template.id} sent to the account's Saved Messages."
    ]


async def test_a_template_alone_asks_where_to_in_russian(world: World) -> None:
    template = await world.template()
    await world.chat.send(OWNER, f"/test #{template.id}", lang="ru")
    [asked] = world.chat.session.of("sendMessage")
    assert asked["text"] == (
        f"Проверка #{template.id} «Big news»: куда? Нажмите «Избранное» (собственный чат "
        f"отправляющего аккаунта) или пришлите <code>/test {template.id} @channel</code>."
    )
    [[button]] = asked["reply_markup"]["inline_keyboard"]
    assert button["text"] == "📥 Избранное"


@pytest.mark.parametrize(
    argnames=("lang", "command", "expected"),
    ids=["unknown id", "unknown name", "unknown name ru", "short", "not a ref ru", "bad id"],
    argvalues=[
        ("en", "/test 999 me", "There is no template #999. /templates lists them."),
        ("en", "/test Nope me", "No template is called «Nope». /templates lists them."),
        ("ru", "/test Nope me", "Шаблона с именем «Nope» нет. Список: /templates."),
        (
            "en",
            "/test {id} @ab",
            "«@ab» is not a channel: a username is 5 to 32 characters. Send @name, a t.me link, "
            "a -100… id, or me.",
        ),
        (
            "ru",
            "/test {id} hello",
            "«hello» — не канал: это не ссылка на канал. Пришлите @name, ссылку t.me, "
            "id вида -100… или me.",
        ),
        (
            "en",
            "/test {id} -42",
            "«-42» is not a channel: channel ids start with -100. Send "
            "@name, a t.me link, a -100… id, or me.",
        ),
    ],
)
async def test_bad_arguments_get_a_precise_answer_and_change_nothing(
    world: World, lang: str, command: str, expected: str
) -> None:
    template = await world.template()
    before = await world.chat.counts()
    await world.chat.send(OWNER, command.format(id=template.id), lang=lang)
    assert world.answers(OWNER) == [expected]
    assert await world.chat.counts() == before, UNCHANGED


async def test_a_name_two_templates_share_asks_for_the_id(world: World) -> None:
    first = await world.template("Promo")
    second = await world.template("promo")
    before = await world.chat.counts()
    await world.chat.send(OWNER, "/test PROMO @news_main")
    await world.chat.send(OWNER, "/test PROMO @news_main", lang="ru")
    assert world.answers(OWNER) == [
        f"Several templates are called «PROMO» (#{first.id}, #{second.id}): use the id, "
        f"e.g. /test {first.id} me.",
        f"Шаблонов с именем «PROMO» несколько (#{first.id}, #{second.id}): укажите id, "
        f"например /test {first.id} me.",
    ]
    assert await world.chat.counts() == before, UNCHANGED


async def test_stale_and_forged_presses_change_nothing(world: World) -> None:
    before = await world.chat.counts()
    await world.chat.press(OWNER, PickForTest(template_id=999).pack())
    await world.chat.press(OWNER, SendTestToMe(template_id=999).pack(), lang="ru")
    await world.chat.press(OWNER, "tm:not-a-number")
    assert world.chat.session.answers() == [
        "That template no longer exists.",
        "Этого шаблона больше нет.",
        "This button is no longer valid",
    ]
    assert world.chat.session.edits() == []
    assert await world.chat.counts() == before, UNCHANGED


async def test_a_test_no_worker_took_in_a_minute_is_dropped_with_an_answer(world: World) -> None:
    template = await world.template()
    world.telegram.add_channel("news_main")
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    await world.chat.send(OWNER, f"/test {template.id} @news_main", lang="ru")
    async with world.rig.pool.connection() as conn:
        await conn.execute(EXPIRY_DUE)
    await world.run_due([names.NOTIFICATIONS_QUEUE])  # the bot's side only: no worker took them
    assert world.answers(OWNER)[2:] == [
        f"⌛ Test of #{template.id} to @news_main dropped: no worker took it within a minute. "
        "Nothing was sent.",
        f"⌛ Проверка #{template.id} в @news_main отменена: ни один воркер не взял её за минуту. "
        "Ничего не отправлено.",
    ]
    assert await world.rows(
        "SELECT status FROM procrastinate_jobs WHERE task_name = 'test_send'"
    ) == [{"status": "cancelled"}, {"status": "cancelled"}]
    await world.run_due()  # a worker turning up later sends nothing
    assert world.telegram.flights == []
    assert len(world.answers(OWNER)) == 4


async def test_a_test_taken_after_its_deadline_is_not_sent_late(world: World) -> None:
    template = await world.template()
    world.telegram.add_channel("news_main")
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    async with world.rig.pool.connection() as conn:
        # The worker takes it a minute late (it was busy, or came back from a restart).
        await conn.execute(
            "UPDATE procrastinate_jobs SET args = jsonb_set(args, '{deadline}', "
            "to_jsonb((now() - interval '1 second')::text)) WHERE task_name = 'test_send'"
        )
    await world.run_due()
    async with world.rig.pool.connection() as conn:
        await conn.execute(EXPIRY_DUE)
    await world.run_due()
    assert world.telegram.flights == []
    assert world.answers(OWNER)[1:] == [
        f"⌛ Test of #{template.id} to @news_main dropped: no worker took it within a minute. "
        "Nothing was sent."
    ]


async def test_a_test_whose_worker_lost_its_session_is_answered_at_the_deadline(
    world: World, db_url: str
) -> None:
    # The worker's session lock went with its database connection: the sender refuses to reach
    # Telegram, the job fails, and the deadline's check tells the operator.
    world.rig.deps.sender = SerialSender(
        LockedSender(world.rig.sender, SessionLock(db_url, "main"))
    )
    template = await world.template()
    await world.chat.send(OWNER, f"/test {template.id} me")
    await world.run_due()
    async with world.rig.pool.connection() as conn:
        await conn.execute(EXPIRY_DUE)
    await world.run_due()
    assert world.telegram.flights == []
    assert world.answers(OWNER)[1:] == [
        f"❌ Test of #{template.id} to Saved Messages failed in the worker (its log says why); "
        "it may not have been sent."
    ]


async def test_a_test_still_running_at_its_deadline_is_looked_at_again(world: World) -> None:
    template = await world.template()
    world.telegram.add_channel("news_main")
    arrived, let_go = asyncio.Event(), asyncio.Event()

    async def hold(query: Any) -> None:
        if isinstance(query, functions.messages.SendMessageRequest):
            arrived.set()
            await let_go.wait()

    world.telegram.hold = hold
    world.start_worker([names.account_queue(world.rig.account_id)])
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    async with asyncio.timeout(30):
        await arrived.wait()  # the test's post is in flight: its job runs
    async with world.rig.pool.connection() as conn:
        await conn.execute(EXPIRY_DUE)
    await world.run_due([names.NOTIFICATIONS_QUEUE])
    [check] = await world.rows(
        "SELECT status, args->>'checks' AS checks FROM procrastinate_jobs "
        "WHERE task_name = 'test_expiry' AND status = 'todo'"
    )
    assert check == {"status": "todo", "checks": "1"}
    let_go.set()
    await world.stop_worker()  # once the test's job is done
    async with world.rig.pool.connection() as conn:
        await conn.execute(EXPIRY_DUE)
    await world.run_due([names.NOTIFICATIONS_QUEUE])
    assert world.answers(OWNER) == [
        f"📤 Sending #{template.id} «Big news» to @news_main…",
        f"✅ Test of #{template.id} sent: https://t.me/news_main/1",
    ]
    assert (
        await world.rows(
            "SELECT id FROM procrastinate_jobs WHERE task_name = 'test_expiry' AND status = 'todo'"
        )
        == []
    )
