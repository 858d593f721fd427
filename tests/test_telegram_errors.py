"""The error vocabulary: every code of the taxonomy has its class, its action and its words."""

from __future__ import annotations

import pytest

from predlagator import telegram_errors
from predlagator.delivery.telethon_media import STALE_MEDIA
from predlagator.models import PostAction
from predlagator.telegram_errors import (
    CODES,
    Action,
    ErrorClass,
    action,
    action_count_label,
    classify,
    count_label,
    describe,
    describe_action,
    parse,
)
from predlagator.telegram_words import ACTION_WORDS, WORDS, Words

# What DESIGN.md's table names, and what a media post can meet besides.
NAMED = {
    *("FLOOD_WAIT", "FLOOD_PREMIUM_WAIT", "SLOWMODE_WAIT", "MSG_WAIT_FAILED"),
    *("CHAT_WRITE_FORBIDDEN", "CHANNEL_PRIVATE", "USER_BANNED_IN_CHANNEL", "CHANNEL_INVALID"),
    *("PEER_ID_INVALID", "USERNAME_NOT_OCCUPIED", "USERNAME_INVALID", "CHAT_RESTRICTED"),
    *("CHAT_ADMIN_REQUIRED", "CHAT_SEND_PLAIN_FORBIDDEN", "ALLOW_PAYMENT_REQUIRED"),
    *("MESSAGE_TOO_LONG", "ENTITY_BOUNDS_INVALID", "PEER_FLOOD", "AUTH_KEY_UNREGISTERED"),
    *("SESSION_REVOKED", "USER_DEACTIVATED", "USER_DEACTIVATED_BAN", "AUTH_KEY_DUPLICATED"),
    "RANDOM_ID_DUPLICATE",
    *("CHAT_SEND_MEDIA_FORBIDDEN", "CHAT_SEND_PHOTOS_FORBIDDEN", "CHAT_SEND_VIDEOS_FORBIDDEN"),
    *("CHAT_SEND_DOCS_FORBIDDEN", "MEDIA_CAPTION_TOO_LONG", "MEDIA_MISSING", *STALE_MEDIA),
    # The engine's own names for what is not an answer from Telegram.
    *("TIMEOUT", "NETWORK", "SERVER", "UNKNOWN"),
}


def test_the_taxonomy_knows_every_code_named_and_has_words_for_exactly_those() -> None:
    assert sorted(NAMED - CODES) == []
    assert sorted(set(WORDS) ^ CODES) == []


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_words_in_both_languages_and_both_forms(code: str) -> None:
    forms = {
        (lang, form): text
        for lang in ("en", "ru")
        for form, text in (("event", describe(code, lang)), ("count", count_label(code, lang, 3)))
    }
    for (lang, form), text in forms.items():
        assert text.strip(), (lang, form)
        assert code not in text, f"{code} shows its raw code ({lang}, {form}): {text!r}"
    assert forms["ru", "event"] != forms["en", "event"]
    assert forms["ru", "count"] != forms["en", "count"]
    assert forms["en", "count"].endswith(": 3")
    assert forms["en", "event"][0].isupper() and forms["ru", "event"][0].isupper()


@pytest.mark.parametrize("code", sorted(c for c in CODES if WORDS[c].numbered_en))
def test_codes_with_a_number_say_it_in_both_languages(code: str) -> None:
    for lang in ("en", "ru"):
        text = describe(code, lang, 45)
        assert "45" in text and text != describe(code, lang)


def test_waits_are_said_as_spans_and_a_whole_code_is_split_first() -> None:
    assert describe("FLOOD_WAIT", "en", 30) == "Telegram asked the account to wait 30 s"
    assert describe("FLOOD_WAIT_3700", "ru") == "Telegram попросил аккаунт подождать 1 ч 2 мин"
    assert describe("SLOWMODE_WAIT_300", "en") == (
        "The chat is in slow mode: the next post can go in 5 min"
    )
    assert describe("ALLOW_PAYMENT_REQUIRED_300", "ru") == (
        "Чат берёт звёзды за каждое сообщение: 300 ⭐"
    )
    assert count_label("FLOOD_WAIT_30", "en", 2) == "flood waits: 2"


def test_an_unknown_code_gets_words_with_the_code_for_support() -> None:
    assert describe("SOME_NEW_ERROR", "en") == "Telegram refused it (SOME_NEW_ERROR)"
    assert describe("SOME_NEW_ERROR", "ru") == "Telegram отказал (SOME_NEW_ERROR)"
    assert count_label("SOME_NEW_ERROR", "en", 4) == "refused by Telegram (SOME_NEW_ERROR): 4"
    assert count_label("SOME_NEW_ERROR", "ru", 4) == "отказ Telegram (SOME_NEW_ERROR): 4"
    assert classify("SOME_NEW_ERROR") is ErrorClass.TRANSIENT


def test_other_languages_read_english() -> None:
    assert describe("CHAT_WRITE_FORBIDDEN", "de") == describe("CHAT_WRITE_FORBIDDEN", "en")
    assert describe("CHAT_WRITE_FORBIDDEN", "en") == "The account may not post in this channel"
    assert count_label("CHAT_WRITE_FORBIDDEN", "uk", 3) == "not allowed to post: 3"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("FLOOD_WAIT", Action.WAIT_ACCOUNT),
        ("SLOWMODE_WAIT", Action.RETRY_AFTER_WAIT),
        ("TIMEOUT", Action.RETRY),
        ("FILE_REFERENCE_EXPIRED", Action.RETRY),
        ("SOME_NEW_ERROR", Action.RETRY),
        ("CHAT_WRITE_FORBIDDEN", Action.FAIL_AND_DEACTIVATE),
        ("CHAT_SEND_PHOTOS_FORBIDDEN", Action.FAIL),
        # Refusals a retry cannot change: retrying them as transient only burned attempts.
        ("CHAT_SEND_GIFS_FORBIDDEN", Action.FAIL),
        ("TOPIC_CLOSED", Action.FAIL),
        ("CHAT_GUEST_SEND_FORBIDDEN", Action.FAIL),
        ("PEER_FLOOD", Action.STOP_ACCOUNT),
        ("USER_RESTRICTED", Action.STOP_ACCOUNT),
        ("RANDOM_ID_DUPLICATE", Action.COUNT_AS_SENT),
    ],
)
def test_each_code_says_what_happens(code: str, expected: Action) -> None:
    assert action(code) is expected
    assert set(telegram_errors.ACTIONS) == set(ErrorClass)


def test_parse_splits_the_number_off() -> None:
    assert (parse("FLOOD_WAIT_30").code, parse("FLOOD_WAIT_30").seconds) == ("FLOOD_WAIT", 30)
    assert (parse("PEER_FLOOD").code, parse("PEER_FLOOD").seconds) == ("PEER_FLOOD", None)


# --- actions over posts already out (edit, delete, pin, unpin, reach) ---------------------

ACTION_CODES = {
    *("MESSAGE_NOT_MODIFIED", "MESSAGE_EDIT_TIME_EXPIRED", "MESSAGE_ID_INVALID"),
    *("MESSAGE_DELETE_FORBIDDEN", "MESSAGE_AUTHOR_REQUIRED", "CHAT_NOT_MODIFIED"),
    "PIN_RESTRICTED",
}


@pytest.mark.parametrize("code", sorted(ACTION_CODES))
def test_an_actions_own_refusals_are_known_and_never_retried(code: str) -> None:
    assert code in CODES
    assert action(code) is Action.FAIL  # what a post would do with them; actions decide apart


@pytest.mark.parametrize(("key", "words"), sorted(ACTION_WORDS.items()))
def test_an_actions_own_words_exist_in_both_languages_and_forms(
    key: tuple[str, str], words: Words
) -> None:
    action_name, code = key
    assert action_name in set(PostAction) and code in CODES
    forms = {
        (lang, form): text
        for lang in ("en", "ru")
        for form, text in (
            ("event", describe_action(action_name, code, lang)),
            ("count", action_count_label(action_name, code, lang, 3)),
        )
    }
    for (lang, form), text in forms.items():
        assert text.strip() and code not in text, (lang, form, text)
    assert forms["ru", "event"] != forms["en", "event"]
    assert forms["en", "count"].endswith(": 3") and forms["ru", "count"].endswith(": 3")
    assert forms["en", "event"] != describe(code, "en")  # its own, not the post's


def test_an_action_says_a_code_in_its_own_words_or_else_a_posts() -> None:
    assert describe_action("delete", "CHAT_ADMIN_REQUIRED", "en") == (
        "Only admins may delete posts in this chat"
    )
    assert describe_action("pin", "CHAT_NOT_MODIFIED", "ru") == "Пост уже был закреплён"
    assert action_count_label("edit", "CHAT_ADMIN_REQUIRED", "en", 2) == ("only admins may edit: 2")
    # No words of the action's own: the post's, a number included.
    assert describe_action("edit", "FLOOD_WAIT_30", "en") == describe("FLOOD_WAIT", "en", 30)
    assert describe_action("edit", "MESSAGE_EDIT_TIME_EXPIRED", "en") == (
        "The post is too old to edit (Telegram allows 48 hours)"
    )
    assert action_count_label("reach", "SOME_NEW_ERROR", "en", 1) == (
        "refused by Telegram (SOME_NEW_ERROR): 1"
    )
