"""The fake Bot API server, driven over HTTP by aiogram's real Bot, session and Dispatcher."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramUnauthorizedError
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.fakes.bot_api_server import FakeBotApi

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A started fake server."""
    async with FakeBotApi() as fake:
        yield fake


def make_bot(url: str, token: str) -> Bot:
    """A Bot over aiogram's real HTTP session, as the product builds it."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    """A Bot with the fake's token on the fake's URL."""
    client = make_bot(api.url, api.token)
    yield client
    await client.session.close()


def is_get_updates(name: str, params: dict[str, Any]) -> bool:
    """Predicate: a long poll arrived."""
    return name == "getUpdates"


async def test_get_me_answers_the_bot_user(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == int(api.token.split(":")[0])
    assert me.username == "predlagator_fake_bot"
    assert api.calls == [("getMe", {})]


async def test_send_message_returns_real_messages_numbered_per_chat(
    api: FakeBotApi, bot: Bot
) -> None:
    first = await bot.send_message(5, "<b>one</b>", reply_markup=KEYBOARD)
    second = await bot.send_message(5, "two")
    elsewhere = await bot.send_message(6, "three")

    assert isinstance(first, Message)
    assert (first.message_id, second.message_id, elsewhere.message_id) == (1, 2, 1)
    assert first.chat.id == 5
    assert first.text == "<b>one</b>"  # parse_mode is not rendered
    assert first.reply_markup is not None
    assert first.reply_markup.inline_keyboard[0][0].callback_data == "go"
    assert second.reply_markup is None
    assert [m["text"] for m in api.sent_messages(5)] == ["<b>one</b>", "two"]
    # Form data decoded as Telegram reads it: ints, and nested JSON parsed.
    params = api.of("sendMessage")[0]
    assert params["chat_id"] == 5
    assert params["parse_mode"] == "HTML"
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}


async def test_long_polling_holds_the_request_until_an_update_is_pushed(
    api: FakeBotApi, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(offset=0, timeout=30))
    await api.wait_for(is_get_updates)
    assert not poll.done()
    pushed = api.push_message(77, "/start", lang="ru")

    updates = await asyncio.wait_for(poll, 5)

    assert [u.update_id for u in updates] == [pushed["update_id"]]
    message = updates[0].message
    assert message is not None
    assert message.text == "/start"
    assert message.from_user is not None
    assert message.from_user.id == 77
    assert message.from_user.language_code == "ru"
    assert message.entities is not None
    assert message.entities[0].type == "bot_command"
    # Not yet confirmed: handed out again; an offset past it confirms it.
    again = await bot.get_updates(offset=0, timeout=0)
    assert [u.update_id for u in again] == [pushed["update_id"]]
    assert await bot.get_updates(offset=pushed["update_id"] + 1, timeout=0) == []
    assert await bot.get_updates(offset=0, timeout=0) == []


async def test_long_polling_answers_empty_when_the_server_stops(api: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=60))
    await api.wait_for(is_get_updates)
    await asyncio.wait_for(api.stop(), 5)
    assert await asyncio.wait_for(poll, 5) == []


async def test_a_wrong_token_is_unauthorized(api: FakeBotApi) -> None:
    stranger = make_bot(api.url, "111:not-the-token")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    assert api.calls == []


async def test_unknown_methods_are_not_found_and_json_bodies_work(api: FakeBotApi) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.url}/bot{api.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.post(
            f"{api.url}/bot{api.token}/sendmessage",  # method names are case-insensitive
            json={"chat_id": 9, "text": "hi", "reply_markup": KEYBOARD.model_dump_json()},
        ) as resp:
            assert resp.status == 200
            body = await resp.json()
        async with http.get(f"{api.url}/bot{api.token}/getMe") as resp:
            assert (await resp.json())["ok"] is True
    assert body["ok"] is True
    assert body["result"]["message_id"] == 1
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "go"
    assert api.of("sendMessage")[0]["chat_id"] == 9


async def test_uploads_record_the_file_and_answer_a_document_or_photo(
    api: FakeBotApi, bot: Bot
) -> None:
    document = await bot.send_document(
        5, BufferedInputFile(b"x" * 1000, filename="report.csv"), caption="the report"
    )
    photo = await bot.send_photo(5, BufferedInputFile(b"p" * 321, filename="pic.jpg"))
    again = await bot.send_photo(5, photo.photo[-1].file_id if photo.photo else "")

    assert document.document is not None
    assert document.document.file_name == "report.csv"
    assert document.document.file_size == 1000
    assert document.caption == "the report"
    assert photo.photo is not None
    assert photo.photo[-1].file_size == 321
    assert again.photo is not None
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    assert [(u.method, u.field, u.filename, u.size) for u in api.uploads] == [
        ("sendDocument", "document", "report.csv", 1000),
        ("sendPhoto", "photo", "pic.jpg", 321),
    ]
    assert api.of("sendDocument")[0]["document"] == {"filename": "report.csv", "size": 1000}
    assert [m["message_id"] for m in api.sent_messages(5)] == [1, 2, 3]


async def test_edits_deletes_and_telegrams_errors(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(5, "card", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text(
        "card v2", chat_id=5, message_id=sent.message_id, reply_markup=KEYBOARD
    )
    assert isinstance(edited, Message)
    assert edited.text == "card v2"
    assert edited.message_id == sent.message_id
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "card v2", chat_id=5, message_id=sent.message_id, reply_markup=KEYBOARD
        )
    stripped = await bot.edit_message_reply_markup(chat_id=5, message_id=sent.message_id)
    assert isinstance(stripped, Message)
    assert stripped.reply_markup is None
    assert api.message(5, sent.message_id) == {
        **stripped.model_dump(mode="json", exclude_none=True, by_alias=True),
    }
    assert [m["text"] for m in api.sent_messages(5)] == ["card"]  # as sent

    assert await bot.delete_message(5, sent.message_id)
    assert api.message(5, sent.message_id) is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("gone", chat_id=5, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(5, sent.message_id)

    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(5, "too fast")
    assert caught.value.retry_after == 7
    assert (await bot.send_message(5, "later")).message_id == 2


async def test_commands_chats_and_callback_answers(api: FakeBotApi, bot: Bot) -> None:
    assert await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert await bot.set_my_commands(
        [BotCommand(command="start", description="Начать")], language_code="ru"
    )
    assert [c.description for c in await bot.get_my_commands(language_code="ru")] == ["Начать"]
    assert api.commands[("default", "")] == [{"command": "start", "description": "Start"}]
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert api.of("deleteWebhook") == [{"drop_pending_updates": True}]
    chat = await bot.get_chat(5)
    assert (chat.id, chat.type) == (5, "private")
    channel = await bot.get_chat("@news")
    assert (channel.type, channel.username) == ("channel", "news")
    assert await bot.answer_callback_query("42", text="done")


async def test_a_real_dispatcher_polls_answers_and_handles_buttons(
    api: FakeBotApi, bot: Bot
) -> None:
    async def start(message: Message) -> None:
        await message.answer("hello", reply_markup=KEYBOARD)

    async def go(query: CallbackQuery) -> None:
        await query.answer("went")
        assert isinstance(query.message, Message)
        await query.message.edit_text("gone")

    router = Router()
    router.message.register(start, CommandStart())
    router.callback_query.register(go, F.data == "go")
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        await api.wait_for(is_get_updates)
        api.push_message(7, "/start")
        reply = await api.wait_for_message(7)
        assert reply["text"] == "hello"
        # The user's /start took message id 1 in the chat; the reply is 2.
        (sent,) = api.sent_messages(7)
        assert sent["message_id"] == 2

        api.push_callback(7, "go", sent["message_id"])
        _, answer = await api.wait_for(lambda name, _: name == "answerCallbackQuery")
        assert answer["text"] == "went"
        await api.wait_for(lambda name, _: name == "editMessageText")
        assert (api.message(7, 2) or {})["text"] == "gone"
    finally:
        await dispatcher.stop_polling()
        await api.stop()  # releases the poll in flight
        await asyncio.wait_for(polling, 10)


async def test_wait_for_times_out_naming_the_calls_seen(api: FakeBotApi, bot: Bot) -> None:
    await bot.get_me()
    with pytest.raises(TimeoutError, match=r"\['getMe'\]"):
        await api.wait_for(lambda name, _: name == "sendMessage", timeout=0.2)
