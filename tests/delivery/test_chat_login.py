"""The Telethon side of a login from the chat, step by step on fresh clients, over the fake.

Each step builds its own client on the session the previous step handed back, as two workers
would; the fake binds a code to the auth key that asked for it, so a lost session shows.
"""

from __future__ import annotations

import pytest
from telethon import TelegramClient
from telethon.sessions import StringSession

from predlagator.delivery import chat_login
from predlagator.telegram_errors import TelegramFailure
from tests.fakes.telethon_fake import LOGIN_CODE, FakeTelegram, fake_client

PHONE = "+491701234567"


def _factory(telegram: FakeTelegram) -> chat_login.ClientFactory:
    def build(session: str) -> TelegramClient:
        return fake_client(telegram, session=session)

    return build


def _authorized(telegram: FakeTelegram, session: str) -> bool:
    key = StringSession(session).auth_key
    return key is not None and key.key in telegram.authorized_keys


async def test_a_code_then_a_sign_in_on_another_client_logs_the_account_in() -> None:
    telegram = FakeTelegram()
    build = _factory(telegram)
    sent = await chat_login.send_code(build, PHONE)
    assert sent.length == len(LOGIN_CODE)
    assert not _authorized(telegram, sent.session)
    signed = await chat_login.sign_in(build, sent.session, PHONE, sent.phone_code_hash, LOGIN_CODE)
    assert signed.who == "Poster Account (@poster_account)"
    assert _authorized(telegram, signed.session)


async def test_a_code_is_good_only_for_the_session_that_asked_for_it() -> None:
    telegram = FakeTelegram()
    build = _factory(telegram)
    sent = await chat_login.send_code(build, PHONE)
    with pytest.raises(TelegramFailure) as refused:
        await chat_login.sign_in(build, "", PHONE, sent.phone_code_hash, LOGIN_CODE)
    assert refused.value.code == "PHONE_CODE_EXPIRED"


@pytest.mark.parametrize("phone", ["+49170", "+1234567890123456"])
async def test_telegram_refuses_a_number_of_the_wrong_length(phone: str) -> None:
    with pytest.raises(TelegramFailure) as refused:
        await chat_login.send_code(_factory(FakeTelegram()), phone)
    assert refused.value.code == "PHONE_NUMBER_INVALID"


async def test_a_wrong_code_is_refused_and_the_right_one_still_works() -> None:
    telegram = FakeTelegram()
    build = _factory(telegram)
    sent = await chat_login.send_code(build, PHONE)
    with pytest.raises(TelegramFailure) as refused:
        await chat_login.sign_in(build, sent.session, PHONE, sent.phone_code_hash, "00000")
    assert refused.value.code == "PHONE_CODE_INVALID"
    await chat_login.sign_in(build, sent.session, PHONE, sent.phone_code_hash, LOGIN_CODE)


async def test_a_resent_code_replaces_the_old_one() -> None:
    telegram = FakeTelegram()
    build = _factory(telegram)
    first = await chat_login.send_code(build, PHONE)
    second = await chat_login.resend_code(build, first.session, PHONE, first.phone_code_hash)
    assert second.phone_code_hash != first.phone_code_hash
    assert "ResendCodeRequest" in telegram.request_names()
    with pytest.raises(TelegramFailure) as refused:
        await chat_login.sign_in(build, second.session, PHONE, first.phone_code_hash, LOGIN_CODE)
    assert refused.value.code == "PHONE_CODE_EXPIRED"
    await chat_login.sign_in(build, second.session, PHONE, second.phone_code_hash, LOGIN_CODE)


async def test_resending_an_expired_code_asks_for_a_new_one() -> None:
    telegram = FakeTelegram()
    build = _factory(telegram)
    first = await chat_login.send_code(build, PHONE)
    telegram.expire_codes()
    second = await chat_login.resend_code(build, first.session, PHONE, first.phone_code_hash)
    assert telegram.codes_sent == ["491701234567", "491701234567"]
    await chat_login.sign_in(build, second.session, PHONE, second.phone_code_hash, LOGIN_CODE)


async def test_two_step_verification_checks_the_password_by_srp() -> None:
    telegram = FakeTelegram(password="correct horse")
    build = _factory(telegram)
    sent = await chat_login.send_code(build, PHONE)
    with pytest.raises(TelegramFailure) as needed:
        await chat_login.sign_in(build, sent.session, PHONE, sent.phone_code_hash, LOGIN_CODE)
    assert needed.value.code == "SESSION_PASSWORD_NEEDED"
    with pytest.raises(TelegramFailure) as wrong:
        await chat_login.check_password(build, sent.session, "correct horse!")
    assert wrong.value.code == "PASSWORD_HASH_INVALID"
    assert not _authorized(telegram, sent.session)
    signed = await chat_login.check_password(build, sent.session, "correct horse")
    assert _authorized(telegram, signed.session)


async def test_a_password_without_the_right_code_first_gets_nowhere() -> None:
    telegram = FakeTelegram(password="correct horse")
    build = _factory(telegram)
    sent = await chat_login.send_code(build, PHONE)
    with pytest.raises(TelegramFailure) as refused:
        await chat_login.check_password(build, sent.session, "correct horse")
    assert refused.value.code == "AUTH_KEY_UNREGISTERED"
    assert telegram.authorized_keys == set()
