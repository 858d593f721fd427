"""Edit through the real Dispatcher: Edit on the card or /edit, the new version asked for and
taken as a template is (formatting kept, limits checked), the action started once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.types import MessageEntity

from predlagator.db import actions, campaigns, template_media, templates
from predlagator.db.pool import Pool
from predlagator.models import ActionStatus, PostAction, Role
from tests.actions_world import CARD, PHOTO, S, audit_actions, buttons, drains, pa, posted
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness
from tests.fakes.bot_files import photo_field

STARTED = "Editing 3 posts of campaign #1; the card shows how it goes."


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def test_edit_from_the_card_asks_then_starts_the_edit(h: BotHarness) -> None:
    await posted(h)
    await h.press(OWNER, pa("edit"), message_id=CARD)
    assert h.session.answers() == [None]
    assert h.session.sent_texts() == [
        "Send the new text of campaign #1's post, formatted as it should read (up to 4096 "
        "characters). It replaces the post in 3 channels. /cancel keeps it as it is."
    ]
    h.session.reset()
    bold = [MessageEntity(type="bold", offset=0, length=4)]
    await h.send(OWNER, "Sale until Friday", entities=bold)

    assert h.session.sent_texts() == ["Editing 3 posts of campaign #1; the card shows how it goes."]
    async with h.pool.connection() as conn:
        [action] = await actions.of_campaign(conn, 1)
        version = await templates.get(conn, action.template_id or 0)
        campaign = await campaigns.get(conn, 1)
    assert action.kind is PostAction.EDIT and action.status is ActionStatus.RUNNING
    assert (action.chat_id, action.created_by) == (OWNER, OWNER)
    assert version is not None and version.html == "<b>Sale</b> until Friday"
    assert version.media_kind is None and version.name == "Sale until Friday"
    # Posts not yet out go out in the new version too.
    assert campaign is not None and campaign.template_id == version.id
    assert await drains(h) == [{"queue": "account-1", "args": {"account_id": 1}}]
    assert await audit_actions(h) == [
        ("template.create", "template", version.id, {"kind": "text", "edit_of": 1}),
        (
            "action.edit",
            "campaign",
            1,
            {"action_id": action.id, "posts": 3, "template_id": version.id},
        ),
    ]
    # The card shows the edit's progress and its controls.
    [card] = h.session.edits()
    assert card["message_id"] == CARD
    assert card["text"].splitlines()[-1] == "✏️ Editing: 0 of 3 done, 0 failed"
    assert buttons(card)[3:] == [
        ("⏸ Pause editing", pa("pause", action=action.id)),
        ("✖️ Cancel editing", pa("cancel", action=action.id)),
        ("✏️ Edit", pa("edit")),
        ("🗑 Delete", pa("delete")),
        ("📌 Pin", pa("pin")),
        ("📊 Refresh reach", pa("reach")),
    ]


async def test_a_second_edit_finds_the_open_one(h: BotHarness) -> None:
    await posted(h)
    await h.send(OWNER, "/edit 1")
    await h.send(OWNER, "New text")
    h.session.reset()
    before = await h.counts()
    await h.press(OWNER, pa("edit"), message_id=CARD)
    await h.send(OWNER, "/edit #1", lang="ru")
    assert h.session.answers() == [
        "Campaign #1's posts are already being edited: 0 of 3 done, 0 failed"
    ]
    assert h.session.sent_texts() == ["Посты кампании #1 уже правятся: готово 0 из 3, с ошибкой 0"]
    assert await h.counts() == before
    # Not waiting for a version: a text now is a new template, as always.
    await h.send(OWNER, "Another post")
    assert any(s.startswith("Template #3 «Another post» saved.") for s in h.session.sent_texts())


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "x" * 4097,
            "This post has 4097 characters; Telegram allows 4096. Shorten it and send again.",
        ),
        # Telegram counts UTF-16 units: 2049 emoji are 4098 of them.
        (
            "😀" * 2049,
            "This post has 4098 characters; Telegram allows 4096. Shorten it and send again.",
        ),
        ("<b>Sale</b> today", None),  # the post as it is
    ],
)
async def test_a_text_too_long_or_unchanged_is_asked_for_again(
    h: BotHarness, text: str, said: str | None
) -> None:
    await posted(h)
    await h.send(OWNER, "/edit 1")
    h.session.reset()
    bold = [MessageEntity(type="bold", offset=0, length=4)] if said is None else None
    await h.send(OWNER, "Sale today" if said is None else text, entities=bold)
    expected = said or "That is what the post already says. Send a changed version, or /cancel."
    assert h.session.sent_texts() == [expected]
    async with h.pool.connection() as conn:
        assert await actions.of_campaign(conn, 1) == []
    # Still waiting: the shortened version is taken.
    await h.send(OWNER, "Shorter")
    assert h.session.sent_texts()[-1] == STARTED


async def test_a_photo_for_a_text_post_and_cancel(h: BotHarness) -> None:
    await posted(h)
    await h.send(OWNER, "/edit 1", lang="ru")
    h.session.reset()
    await h.send(OWNER, None, lang="ru", photo=photo_field("p-1", 10), caption="New")
    assert h.session.sent_texts() == [
        "Это текстовый пост: пришлите новый текст или /cancel, чтобы оставить прежний."
    ]
    await h.send(OWNER, "/cancel", lang="ru")
    assert h.session.sent_texts()[-1] == "Отменено, ничего не изменилось."
    # The wait is over: the campaign stays untouched, and no template was made.
    async with h.pool.connection() as conn:
        assert await actions.of_campaign(conn, 1) == []
        assert await templates.count_live(conn) == 1


async def test_a_command_ends_the_wait_and_runs(h: BotHarness) -> None:
    await posted(h)
    await h.send(OWNER, "/edit 1")
    h.session.reset()
    await h.send(OWNER, "/pin 1")
    assert h.session.sent_texts()[0].startswith("Pin 3 posts of campaign #1 «Spring»")
    await h.send(OWNER, "Plain text now")
    assert any(s.startswith("Template #2 «Plain text now»") for s in h.session.sent_texts())


async def test_a_photo_post_gets_a_new_caption_and_keeps_its_photo(h: BotHarness) -> None:
    await posted(h, media=True)  # still posting: its posts to go need the photo
    await h.press(OWNER, pa("edit"), message_id=CARD)
    assert h.session.sent_texts() == [
        "Send the new caption of campaign #1's post (up to 1024 characters); the photo stays. "
        "It replaces the caption in 3 channels. /cancel keeps it as it is."
    ]
    h.session.reset()
    await h.send(OWNER, "y" * 1025)
    assert h.session.sent_texts() == [
        "This caption has 1025 characters; Telegram allows 1024 under a photo, video or file. "
        "Shorten it and send again."
    ]
    # A photo with a caption gives its caption; the post's own photo stays.
    italic = [{"type": "italic", "offset": 0, "length": 3}]
    await h.send(
        OWNER, None, photo=photo_field("p-2", 10), caption="New caption", caption_entities=italic
    )
    assert h.session.sent_texts()[-1] == (
        "Editing 3 posts of campaign #1; the card shows how it goes."
    )
    async with h.pool.connection() as conn:
        [action] = await actions.of_campaign(conn, 1)
        assert action.template_id is not None
        version = await templates.get(conn, action.template_id)
        assert version is not None
        assert (version.html, version.media_kind, version.media_file_id) == (
            "<i>New</i> caption",
            "photo",
            "ph-1",
        )
        assert await template_media.read(conn, version.id) == PHOTO
        campaign = await campaigns.get(conn, 1)
    assert campaign is not None and campaign.template_id == version.id


async def test_a_finished_photo_campaign_gets_its_caption_edited_only(h: BotHarness) -> None:
    await posted(h, media=True, status=S.COMPLETED)
    await h.send(OWNER, "/edit 1")
    await h.send(OWNER, "Only the caption")
    async with h.pool.connection() as conn:
        [action] = await actions.of_campaign(conn, 1)
        version = await templates.get(conn, action.template_id or 0)
        assert await template_media.info(conn, action.template_id or 0) is None
        campaign = await campaigns.get(conn, 1)
    # No file: the engine edits the caption only, and every post keeps its photo.
    assert version is not None and (version.html, version.media_kind) == ("Only the caption", None)
    assert campaign is not None and campaign.template_id != version.id


async def test_an_empty_caption_is_asked_for_again(h: BotHarness) -> None:
    await posted(h, media=True, language="ru")
    await h.send(OWNER, "/edit 1", lang="ru")
    h.session.reset()
    await h.send(OWNER, None, lang="ru", photo=photo_field("p-3", 10))
    assert h.session.sent_texts() == [
        "Пришлите новую подпись текстом или /cancel, чтобы оставить прежнюю."
    ]


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("/edit", "Send /edit with a campaign's id, e.g. /edit 12."),
        ("/edit abc", "«abc» is not a campaign id. Send /edit with one, e.g. /edit 12."),
        ("/edit ²", "«²» is not a campaign id. Send /edit with one, e.g. /edit 12."),
        ("/edit 99", "No campaign #99."),
        (
            "/edit 99999999999999999999",
            "«99999999999999999999» is not a campaign id. Send /edit with one, e.g. /edit 12.",
        ),
    ],
)
async def test_malformed_or_unknown_ids(h: BotHarness, command: str, said: str) -> None:
    await posted(h)
    await h.send(OWNER, command)
    assert h.session.sent_texts() == [said]


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (S.DRAFT, "Campaign #2 has no posts in any channel yet, so there is nothing to edit."),
        (S.SCHEDULED, "Campaign #2 has no posts in any channel yet, so there is nothing to edit."),
        (S.RUNNING, "Campaign #2 has no posts in any channel yet, so there is nothing to edit."),
    ],
)
async def test_a_campaign_with_no_posts_out(h: BotHarness, status: S, said: str) -> None:
    await posted(h)
    await posted(h, sent=0, failed=0, status=S.RUNNING)
    if status is not S.RUNNING:
        async with h.pool.connection() as conn:
            await conn.execute("DELETE FROM deliveries WHERE campaign_id = 2")
            await campaigns.transition(conn, 2, status, from_states=list(S))
    h.session.reset()
    await h.send(OWNER, "/edit 2")
    assert h.session.sent_texts() == [said]
    await h.press(OWNER, pa("edit", 2), message_id=CARD)
    assert h.session.answers() == [said]
