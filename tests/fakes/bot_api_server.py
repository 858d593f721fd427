"""A fake Telegram Bot API over HTTP, for end-to-end tests of the real `predlagator` process.

The product reaches it through BOT_API_URL: aiogram's `TelegramAPIServer.from_base(url)` builds
`{url}/bot{token}/{method}`, and this server answers there the way Telegram does: `{"ok": true,
"result": ...}` or `{"ok": false, "error_code": ..., "description": ...}`. It runs in the test's
event loop; tests queue updates (`push_message`, `push_callback`), which `getUpdates` hands out
with real long polling, and read what the bot did (`calls`, `sent_messages`, `wait_for`).

Unlike `tests.fakes.bot_api.RecordingSession` (in-process, no network), this one is reached
over real HTTP, so it exercises aiogram's real session, form encoding and polling loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final

from aiohttp import web

from tests.fakes.bot_files import FileError, FileStore
from tests.fakes.bot_limits import too_long

Params = dict[str, Any]
Call = tuple[str, Params]
Predicate = Callable[[str, Params], bool]
ChatKey = int

FAKE_BOT_ID: Final = 424242
FAKE_TOKEN: Final = f"{FAKE_BOT_ID}:fake-bot-api-token"
MAX_UPLOAD: Final = 50 * 1024 * 1024  # Telegram's limit for files bots upload

# Fields whose values are JSON objects or arrays; form data carries them as JSON strings.
JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
        "message_ids",
    }
)
# Fields Telegram reads as integers (chat_id may also be "@username").
INT_FIELDS: Final = frozenset(
    {
        "chat_id",
        "message_id",
        "from_chat_id",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
    }
)
BOOL_FIELDS: Final = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "show_caption_above_media",
        "has_spoiler",
        "show_alert",
        "drop_pending_updates",
        "revoke_messages",
    }
)
_INTEGER = re.compile(r"-?\d+")
NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer: HTTP status, Telegram's description, optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    method: str
    field: str
    filename: str
    size: int
    content_type: str


class FakeBotApi:
    """A Bot API server on 127.0.0.1 that records every request and answers like Telegram."""

    def __init__(self, token: str = FAKE_TOKEN, username: str = "predlagator_fake_bot") -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.partition(":")[0]),
            "is_bot": True,
            "first_name": "Predlagator",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.uploads: list[Upload] = []
        self.files = FileStore()  # what getFile and downloads find (`add_file`)
        # setMyCommands, by (scope type, language code); "" is the default language.
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.url = ""
        self._failures: dict[str, list[ApiError]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._message_ids: dict[ChatKey, itertools.count[int]] = {}
        self._messages: dict[tuple[ChatKey, int], dict[str, Any]] = {}
        self._sent: list[dict[str, Any]] = []
        self._usernames: dict[str, int] = {}
        self._calls_changed = asyncio.Condition()
        self._updates_arrived = asyncio.Event()  # replaced by a fresh one after each set
        self._closing = False
        self._runner: web.AppRunner | None = None
        handlers: list[Callable[[Params], Any]] = [
            self.getUpdates,
            self.getMe,
            self.deleteWebhook,
            self.setMyCommands,
            self.getMyCommands,
            self.sendMessage,
            self.editMessageText,
            self.editMessageReplyMarkup,
            self.answerCallbackQuery,
            self.sendDocument,
            self.sendPhoto,
            self.sendVideo,
            self.getFile,
            self.deleteMessage,
            self.getChat,
        ]
        # Telegram matches method names case-insensitively.
        self._methods = {handler.__name__.lower(): handler for handler in handlers}

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; return the base URL for BOT_API_URL."""
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Release pending long polls (they answer with no updates) and close the server."""
        self._closing = True
        self._wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---- what tests do ----------------------------------------------------------------------

    def push_message(
        self,
        user_id: int,
        text: str | None,
        lang: str | None = "en",
        chat_id: int | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Queue an update: `user_id` writes `text` in a private chat (commands get an entity);
        `fields` adds to the message, e.g. photo=bot_files.photo_field(...), caption=..."""
        chat = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat),
            "date": int(time.time()),
            "chat": self._chat(chat),
            "from": _user(user_id, lang),
            **fields,
        }
        if text is not None:
            message["text"] = text
        if text is not None and text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self._messages[chat, message["message_id"]] = message
        return self._push({"message": message})

    def push_callback(
        self,
        user_id: int,
        data: str,
        message_id: int,
        lang: str | None = "en",
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """Queue an update: `user_id` presses a button with `data` under message `message_id`."""
        chat = chat_id if chat_id is not None else user_id
        message = self._messages.get((chat, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat),
            "from": self.bot_user,
            "text": "…",
        }
        query = {
            "id": str(next(self._query_ids)),
            "from": _user(user_id, lang),
            "chat_instance": str(chat),
            "message": message,
            "data": data,
        }
        return self._push({"callback_query": query})

    def add_file(
        self, file_id: str, data: bytes, *, path: str | None = None, size: int | None = None
    ) -> None:
        """Hold a file the bot may fetch with getFile and download (see `bot_files`)."""
        self.files.add(file_id, data, path=path, size=size)

    def fail_next(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        """Answer the next call of `method` with an error, e.g. 429 with retry_after."""
        self._failures.setdefault(method.lower(), []).append(
            ApiError(status, description, retry_after)
        )

    def of(self, method: str) -> list[Params]:
        """Params of every recorded call of `method`, in order."""
        return [params for name, params in self.calls if name == method]

    def sent_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """Messages the bot sent to `chat_id` (sendMessage, sendDocument, sendPhoto), as sent."""
        chat = self._chat_key(chat_id)
        return [message for message in self._sent if message["chat"]["id"] == chat]

    def message(self, chat_id: int | str, message_id: int) -> dict[str, Any] | None:
        """A message as it is now (after edits), or None once deleted or never sent."""
        return self._messages.get((self._chat_key(chat_id), message_id))

    async def wait_for(
        self,
        predicate: Predicate,
        timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the whole wait
        *,
        since: int = 0,
    ) -> Call:
        """Wait until a call recorded at index `since` or later satisfies `predicate(name, params)`.

        Woken by every recorded call, so it never polls; raises TimeoutError naming the calls
        seen so far.
        """

        async def scan() -> Call:
            seen = since
            async with self._calls_changed:
                while True:
                    for call in self.calls[seen:]:
                        if predicate(*call):
                            return call
                    seen = max(seen, len(self.calls))
                    await self._calls_changed.wait()

        try:
            return await asyncio.wait_for(scan(), timeout)
        except TimeoutError:
            names = [name for name, _ in self.calls[since:]]
            raise TimeoutError(f"no matching Bot API call in {timeout} s; calls: {names}") from None

    async def wait_for_message(
        self,
        chat_id: int | str,
        timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the whole wait
        *,
        since: int = 0,
    ) -> Params:
        """Wait for a sendMessage to `chat_id`; return its params."""
        chat = self._chat_key(chat_id)

        def sent_to_chat(name: str, params: Params) -> bool:
            return name == "sendMessage" and params.get("chat_id") == chat

        return (await self.wait_for(sent_to_chat, timeout, since=since))[1]

    # ---- HTTP -----------------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error(ApiError(404, "Not Found"))

    async def _download(self, request: web.Request) -> web.Response:
        """A file's bytes at the path getFile gave, as Telegram's file server sends them."""
        data = self.files.content(request.match_info["path"])
        if request.match_info["token"] != self.token or data is None:
            return _error(ApiError(404, "Not Found"))
        return web.Response(body=data, content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        handler = self._methods.get(request.match_info["method"].lower())
        if handler is None:
            return _error(ApiError(404, "Not Found"))
        name = handler.__name__
        try:
            params = await self._read_params(request, name)
            failures = self._failures.get(name.lower())
            refused = too_long(name, params)
            if refused is not None:
                await self._record(name, params)
                raise ApiError(400, refused)
            if failures:
                await self._record(name, params)
                raise failures.pop(0)
            if name == "getUpdates":
                await self._record(name, params)
                result = await self.getUpdates(params)
            else:
                result = handler(params)
                await self._record(name, params)
        except ApiError as error:
            return _error(error)
        return web.json_response({"ok": True, "result": result})

    async def _record(self, name: str, params: Params) -> None:
        async with self._calls_changed:
            self.calls.append((name, params))
            self._calls_changed.notify_all()

    async def _read_params(self, request: web.Request, method: str) -> Params:
        raw: dict[str, Any] = dict(request.query)
        parts: dict[str, tuple[str, int, str]] = {}  # file parts: name → filename, size, type
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except json.JSONDecodeError:
                    raise ApiError(400, "Bad Request: can't parse JSON") from None
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON object expected")
                raw.update(body)
            else:
                form = await request.post()  # multipart or urlencoded
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        size = len(value.file.read())
                        parts[key] = (value.filename, size, value.content_type)
                    elif isinstance(value, str):
                        raw[key] = value
                    else:
                        raw[key] = bytes(value).decode()
        params = {key: _decode(key, value) for key, value in raw.items()}
        # A file goes either in a part named by "attach://<part>" or in a part named as the field.
        fields = {
            key: value.removeprefix("attach://")
            for key, value in params.items()
            if isinstance(value, str) and value.startswith("attach://")
        }
        attached = set(fields.values())
        fields.update({key: key for key in parts if key not in params and key not in attached})
        for field, part in fields.items():
            if part not in parts:
                raise ApiError(400, f"Bad Request: file attach://{part} not found in the request")
            filename, size, content_type = parts[part]
            self.uploads.append(Upload(method, field, filename, size, content_type))
            params[field] = {"filename": filename, "size": size}
        return params

    # ---- methods (named as in the Bot API) ----------------------------------------------------

    async def getUpdates(self, params: Params) -> list[dict[str, Any]]:
        """Long polling: answer at once when updates wait, else hold up to `timeout` seconds."""
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if offset > 0:  # confirms every update before it
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:  # the last -offset updates; the older ones are forgotten
            self._updates = self._updates[offset:]
        while not self._updates and not self._closing:
            arrived = self._updates_arrived
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(arrived.wait(), remaining)
            except TimeoutError:
                break
        return self._updates[:limit]

    def getMe(self, params: Params) -> Any:
        return self.bot_user

    def deleteWebhook(self, params: Params) -> Any:
        return True

    def setMyCommands(self, params: Params) -> Any:
        commands = _require(params, "commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        self.commands[_commands_key(params)] = commands
        return True

    def getMyCommands(self, params: Params) -> Any:
        return self.commands.get(_commands_key(params), [])

    def sendMessage(self, params: Params) -> Any:
        text = params.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        return self._send(params, {"text": text})

    def sendDocument(self, params: Params) -> Any:
        document = self._file(params, "document")
        document["file_name"] = params["document"].get("filename", "document")
        return self._send(params, {"document": document, **_caption(params)})

    def sendPhoto(self, params: Params) -> Any:
        photo = {**self._file(params, "photo"), "width": 1280, "height": 720}
        return self._send(params, {"photo": [photo], **_caption(params)})

    def sendVideo(self, params: Params) -> Any:
        video = {**self._file(params, "video"), "width": 1280, "height": 720, "duration": 1}
        return self._send(params, {"video": video, **_caption(params)})

    def getFile(self, params: Params) -> Any:
        try:
            return self.files.get_file(str(_require(params, "file_id")))
        except FileError as error:
            raise ApiError(400, error.description) from None

    def editMessageText(self, params: Params) -> Any:
        text = params.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        return self._edit(params, {"text": text})

    def editMessageReplyMarkup(self, params: Params) -> Any:
        return self._edit(params, {})

    def answerCallbackQuery(self, params: Params) -> Any:
        _require(params, "callback_query_id")
        return True

    def deleteMessage(self, params: Params) -> Any:
        chat = self._chat_key(_require(params, "chat_id"))
        if self._messages.pop((chat, int(_require(params, "message_id"))), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def getChat(self, params: Params) -> Any:
        chat = self._chat(self._chat_key(_require(params, "chat_id")))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    # ---- helpers ----------------------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._wake_pollers()
        return update

    def _wake_pollers(self) -> None:
        arrived, self._updates_arrived = self._updates_arrived, asyncio.Event()
        arrived.set()

    def _chat_key(self, value: object) -> ChatKey:
        if isinstance(value, int):
            return value
        text = str(value)
        if _INTEGER.fullmatch(text):
            return int(text)
        if text.startswith("@") and len(text) > 1:
            return self._usernames.setdefault(text[1:], -1_000_000_000_000 - len(self._usernames))
        raise ApiError(400, "Bad Request: chat not found")

    def _chat(self, chat: ChatKey) -> dict[str, Any]:
        if chat > 0:
            return {"id": chat, "type": "private", "first_name": f"User{chat}"}
        found: dict[str, Any] = {"id": chat, "type": "supergroup", "title": f"Chat {chat}"}
        for username, known in self._usernames.items():
            if known == chat:
                found.update(type="channel", username=username)
        return found

    def _next_message_id(self, chat: ChatKey) -> int:
        return next(self._message_ids.setdefault(chat, itertools.count(1)))

    def _send(self, params: Params, content: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_key(_require(params, "chat_id"))
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat),
            "date": int(time.time()),
            "chat": self._chat(chat),
            "from": self.bot_user,
            **content,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes inline keyboards only
        self._messages[chat, message["message_id"]] = message
        self._sent.append(json.loads(json.dumps(message)))
        return message

    def _edit(self, params: Params, content: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        chat = self._chat_key(_require(params, "chat_id"))
        message = self._messages.get((chat, int(_require(params, "message_id"))))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"].get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        edited = {key: value for key, value in message.items() if key != "reply_markup"}
        edited.update(content)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            edited["reply_markup"] = markup
        if edited == message:
            raise ApiError(400, NOT_MODIFIED)
        edited["edit_date"] = int(time.time())
        self._messages[chat, edited["message_id"]] = edited
        return edited

    def _file(self, params: Params, field: str) -> dict[str, Any]:
        value = _require(params, field)
        number = next(self._file_ids)
        if isinstance(value, dict):  # an upload
            return {
                "file_id": f"{field}-{number}",
                "file_unique_id": f"u{field}{number}",
                "file_size": value["size"],
            }
        return {"file_id": str(value), "file_unique_id": f"u{field}{number}"}


def _decode(key: str, value: Any) -> Any:
    """Read a parameter the way Telegram does: JSON fields parsed, numbers and flags typed."""
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
    if key in INT_FIELDS and _INTEGER.fullmatch(value):
        return int(value)
    if key in BOOL_FIELDS and value in ("true", "false"):
        return value == "true"
    return value


def _require(params: Params, name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise ApiError(400, f"Bad Request: {name} is empty")
    return value


def _caption(params: Params) -> dict[str, Any]:
    return {key: params[key] for key in ("caption", "caption_entities") if key in params}


def _commands_key(params: Params) -> tuple[str, str]:
    scope = params.get("scope")
    scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
    return scope_type, str(params.get("language_code") or "")


def _user(user_id: int, lang: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    if lang is not None:
        user["language_code"] = lang
    return user


def _error(error: ApiError) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.status,
        "description": error.description,
    }
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.json_response(body, status=error.status)
