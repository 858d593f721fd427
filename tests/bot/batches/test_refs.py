"""The channel list parser: normalisation, duplicates, reasons, list-or-post."""

from __future__ import annotations

import pytest

from predlagator.bot.batches.refs import Invalid, parse, parse_one, split_name


@pytest.mark.parametrize(
    ("entry", "ref"),
    [
        ("@Some_Channel", "some_channel"),
        ("t.me/news_room", "news_room"),
        ("https://t.me/News_Room/", "news_room"),
        ("http://telegram.me/news_room", "news_room"),
        ("https://t.me/news_room/123", "news_room"),
        ("https://t.me/s/news_room", "news_room"),
        ("t.me/+AbCdEf123_-x", "+AbCdEf123_-x"),
        ("https://t.me/joinchat/AbCdEf123", "+AbCdEf123"),
        ("-1001234567890", "-1001234567890"),
    ],
)
def test_valid_references_are_normalised(entry: str, ref: str) -> None:
    assert parse_one(entry) == (ref, "", True)


@pytest.mark.parametrize(
    ("entry", "reason", "looks"),
    [
        ("@abc", "username_length", True),
        ("@" + "a" * 33, "username_length", True),
        ("@1channel", "username_start", True),
        ("@bad__name", "username_underscores", True),
        ("@trailing_", "username_underscores", True),
        ("@bad-name", "username_chars", True),
        ("t.me/+ab", "invite_invalid", True),
        ("t.me/joinchat/", "invite_invalid", True),
        ("t.me/", "not_a_reference", True),
        ("-12345", "numeric_id", True),
        ("hello", "not_a_reference", False),
        ("@channel is great", "not_a_reference", False),
    ],
)
def test_invalid_entries_say_why(entry: str, reason: str, looks: bool) -> None:
    assert parse_one(entry) == (None, reason, looks)


def test_duplicates_merge_and_order_is_kept() -> None:
    parsed = parse("@Alpha_one\nt.me/beta_two, @alpha_one\n\n  https://t.me/ALPHA_ONE  \nnope")
    assert parsed.refs == ["alpha_one", "beta_two"]
    assert parsed.duplicates == 2
    assert parsed.invalid == [Invalid("nope", "not_a_reference")]
    assert parsed.entries == 5
    assert parsed.is_channel_list


@pytest.mark.parametrize(
    ("text", "is_list"),
    [
        ("@single_channel", True),
        ("@abc", True),  # one broken reference is still a list, not a post
        ("@good_channel\nhello there", False),  # one ref and one sentence: a post
        ("@one_channel\n@two_channel\nsome note", True),
        ("@one_channel\n@two_channel\nnote one\nnote two", False),
        ("Hello!\nSubscribe to @our_channel today.", False),
        ("Just a post", False),
    ],
)
def test_list_or_post(text: str, is_list: bool) -> None:
    assert parse(text).is_channel_list is is_list


def test_optional_name_line() -> None:
    assert split_name("name: Crypto RU\n@a_channel") == ("Crypto RU", "@a_channel")
    assert split_name("Название:  Новости \n@a_channel") == ("Новости", "@a_channel")
    assert split_name("@a_channel\nname: x") == (None, "@a_channel\nname: x")
