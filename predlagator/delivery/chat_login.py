"""The Telethon side of a login from the chat: one step per call, on a fresh client each time.

Each step connects a client to the login's own (not yet authorized) session, makes one
request and hands the session back, so the next step may run in any worker. What Telegram
refuses comes back as a TelegramFailure named by the error vocabulary's code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from telethon import TelegramClient, errors, functions, types, utils
from telethon.sessions import StringSession

from predlagator.delivery.telethon_failures import to_failure
from predlagator.delivery.telethon_sender import make_client

T = TypeVar("T")

# Every call to Telegram ends in this long, answered or not.
CALL_TIMEOUT_S = 30.0

# Builds a client on a session string (tests put the fake Telegram behind it).
ClientFactory = Callable[[str], TelegramClient]


@dataclass(frozen=True)
class SentCode:
    """A code Telegram sent: the hash signing in needs, and how many digits the code has."""

    session: str
    phone_code_hash: str
    length: int | None


@dataclass(frozen=True)
class SignedIn:
    """The account logged in: its session (the whole account) and a name to show for it."""

    session: str
    who: str


def client_factory(api_id: int, api_hash: str) -> ClientFactory:
    """The production factory: a real TelegramClient on Telegram's network."""

    def build(session: str) -> TelegramClient:
        return make_client(api_id, api_hash, session)

    return build


async def send_code(build: ClientFactory, phone: str) -> SentCode:
    """Ask Telegram to send a login code to `phone`, from a fresh session."""

    async def step(client: TelegramClient) -> Any:
        return await client.send_code_request(phone)

    client, sent = await _run(build, "", step)
    return _sent(client, sent)


async def resend_code(build: ClientFactory, session: str, phone: str, code_hash: str) -> SentCode:
    """Ask for another code (auth.resendCode); an expired hash gets a code afresh."""

    async def step(client: TelegramClient) -> Any:
        try:
            # Digits only, as Telethon's own requests send it (utils.parse_phone).
            digits = utils.parse_phone(phone) or phone
            return await client(functions.auth.ResendCodeRequest(digits, code_hash))
        except errors.PhoneCodeExpiredError:
            return await client.send_code_request(phone)

    client, sent = await _run(build, session, step)
    return _sent(client, sent)


async def sign_in(
    build: ClientFactory, session: str, phone: str, code_hash: str, code: str
) -> SignedIn:
    """Sign in with the code; SESSION_PASSWORD_NEEDED comes as a TelegramFailure too."""

    async def step(client: TelegramClient) -> Any:
        return await client.sign_in(phone, code, phone_code_hash=code_hash)

    client, user = await _run(build, session, step)
    return SignedIn(session=StringSession.save(client.session), who=_describe(user))


async def check_password(build: ClientFactory, session: str, password: str) -> SignedIn:
    """Finish a login with the account's two-step verification password (SRP)."""

    async def step(client: TelegramClient) -> Any:
        return await client.sign_in(password=password)

    client, user = await _run(build, session, step)
    return SignedIn(session=StringSession.save(client.session), who=_describe(user))


async def _run(
    build: ClientFactory, session: str, step: Callable[[TelegramClient], Awaitable[T]]
) -> tuple[TelegramClient, T]:
    """Connect a client on `session`, run `step`, disconnect; failures named by their code."""
    client = build(session)
    try:
        async with asyncio.timeout(CALL_TIMEOUT_S):
            await client.connect()
            return client, await step(client)
    except Exception as exc:
        # Never the exception itself: a Telethon error's text may repeat the request.
        raise to_failure(exc) from None
    finally:
        await client.disconnect()


def _sent(client: TelegramClient, sent: Any) -> SentCode:
    length = getattr(sent.type, "length", None)
    return SentCode(
        session=StringSession.save(client.session),
        phone_code_hash=sent.phone_code_hash,
        length=length if isinstance(sent, types.auth.SentCode) else None,
    )


def _describe(user: Any) -> str:
    name = " ".join(part for part in (user.first_name, user.last_name) if part) or "(no name)"
    return f"{name} (@{user.username})" if user.username else name
