"""/test: one post sent at once through the worker's account, the link or the error back.

Through the real Dispatcher and a real Procrastinate worker running the test-send job with the
real Telethon client over the fake Telegram (tests/testsend_world.py).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from telethon import functions, types

from predlagator.bot.testsend.command import SendTestToMe
from predlagator.db import batches, template_media
from predlagator.db.pool import Pool
from predlagator.models import MediaInfo, Role
from tests.fakes.bot_api import OWNER, VIEWER
from tests.testsend_world import TEXT, World, open_world

SEND = functions.messages.SendMessageRequest
# A refused or bad command leaves every table as it was: no job, no audit entry.
UNCHANGED = "no job deferred, nothing audited"


@pytest.fixture
async def world(pool: Pool, db_url: str) -> AsyncIterator[World]:
    async with open_world(pool, db_url) as opened:
        await opened.alive()
        yield opened


async def test_a_test_goes_to_a_channel_and_the_link_comes_back(world: World) -> None:
    template = await world.template()
    world.telegram.add_channel("news_main")
    await world.chat.send(OWNER, f"/test {template.id} @news_main")
    assert world.answers(OWNER) == [f"📤 Sending #{template.id} «Big news» to @news_main…"]
    [job] = await world.rows(
        "SELECT queue_name, args FROM procrastinate_jobs WHERE task_name = 'test_send'"
    )
    assert job["queue_name"] == f"account-{world.rig.account_id}"

    await world.run_due()

    [request] = world.telegram.sent
    assert request.message == TEXT and request.random_id == job["args"]["random_id"]
    assert [type(e) for e in request.entities] == [
        types.MessageEntityBold,
        types.MessageEntityTextUrl,
    ]
    assert world.answers(OWNER)[1:] == [f"✅ Test of #{template.id} sent: https://t.me/news_main/1"]
    # Outside any campaign: no ledger row, no channel made up, no pacing slot taken.
    assert await world.rows("SELECT id FROM deliveries") == []
    assert await world.rows("SELECT id FROM channels") == []
    assert await world.rows("SELECT last_slot_at, flood_until FROM accounts") == [
        {"last_slot_at": None, "flood_until": None}
    ]
    assert await world.rows(
        "SELECT actor_id, action, object_type, object_id, details FROM audit_log"
    ) == [
        {
            "actor_id": OWNER,
            "action": "template.test",
            "object_type": "template",
            "object_id": template.id,
            "details": {"target": "news_main", "account": "main"},
        }
    ]


async def test_me_is_the_accounts_saved_messages_and_a_name_finds_the_template(
    world: World,
) -> None:
    template = await world.template(name="Spring sale")
    await world.chat.send(OWNER, "/test spring SALE me", lang="ru")
    await world.run_due()
    [post] = world.telegram.posts[world.telegram.me.id]
    assert post.text == TEXT
    assert isinstance(world.telegram.sent[0].peer, types.InputPeerSelf)
    assert world.answers(OWNER) == [
        f"📤 Отправляю #{template.id} «Spring sale» в «Избранное»…",
        f"✅ Проверка #{template.id} отправлена в «Избранное» аккаунта.",
    ]


async def test_private_and_known_channels(world: World) -> None:
    template = await world.template()
    secret_id, _ = world.telegram.add_channel("secret_club")
    world.telegram.add_invite("AbCdEf12345", "secret_club")
    await world.known_channel("old_friend")
    await world.chat.send(OWNER, f"/test {template.id} https://t.me/+AbCdEf12345")
    await world.chat.send(OWNER, f"/test {template.id} t.me/old_friend")
    await world.run_due()
    assert world.answers(OWNER) == [
        f"📤 Sending #{template.id} «Big news» to t.me/+AbCdEf12345…",
        f"📤 Sending #{template.id} «Big news» to @old_friend…",
        f"✅ Test of #{template.id} sent: https://t.me/c/{secret_id}/1",
        f"✅ Test of #{template.id} sent: https://t.me/old_friend/1",
    ]
    # The channel a batch knows went out on the peer the account stored: no lookup.
    assert [(f.name, f.peer) for f in world.telegram.flights] == [
        ("CheckChatInviteRequest", None),
        ("SendMessageRequest", "secret_club"),
        ("SendMessageRequest", "old_friend"),
    ]


async def test_a_known_channel_resolved_by_a_test_keeps_its_peer(world: World) -> None:
    template = await world.template()
    world.telegram.add_channel("fresh_one")
    async with world.rig.pool.connection() as conn:
        await batches.create(conn, "list", ["fresh_one"], created_by=1)
    await world.chat.send(OWNER, f"/test {template.id} @fresh_one")
    await world.run_due()
    [peer] = await world.rows("SELECT peer_type, peer_id FROM account_peers")
    assert peer == {"peer_type": "channel", "peer_id": world.telegram.channels["fresh_one"].id}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "❌ Test of #{id} to @closed_news not sent. The account may not post in this "
            "channel.\n"
            "A test only reports; a campaign would deactivate this channel.",
        ),
        (
            "ru",
            "❌ Проверка #{id} в @closed_news не отправлена. Аккаунту нельзя публиковать в этом "
            "канале.\n"
            "Проверка только сообщает об ошибке; кампания отключила бы этот канал.",
        ),
    ],
)
async def test_a_classified_error_is_told_and_the_channel_stays_as_it_was(
    world: World, lang: str, expected: str
) -> None:
    template = await world.template()
    await world.known_channel("closed_news")
    world.telegram.fail_next(403, "CHAT_WRITE_FORBIDDEN", request_type=SEND)
    await world.chat.send(OWNER, f"/test {template.id} @closed_news", lang=lang)
    await world.run_due()
    assert world.answers(OWNER)[1:] == [expected.format(id=template.id)]
    assert await world.rows(
        "SELECT active, consecutive_errors, deactivated_code FROM channels"
    ) == [{"active": True, "consecutive_errors": 0, "deactivated_code": None}]
    assert await world.rows("SELECT action FROM audit_log") == [{"action": "template.test"}]


async def test_an_unknown_username_is_told_in_words(world: World) -> None:
    template = await world.template()
    await world.chat.send(OWNER, f"/test {template.id} @nobody_here")
    await world.run_due()
    assert world.answers(OWNER)[1:] == [
        f"❌ Test of #{template.id} to @nobody_here not sent. Nobody has this username.\n"
        "A test only reports; a campaign would deactivate this channel."
    ]
    assert world.telegram.sent == []


async def test_no_live_worker_holding_the_session_is_said_at_once(world: World) -> None:
    template = await world.template()
    before = await world.chat.counts()
    # A worker that stopped beating five minutes ago, session still held (hung).
    async with world.rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - '5 min'::interval"
        )
    await world.chat.send(OWNER, f"/test {template.id} me")
    # Beats (as the bot's own queue worker does), but nobody holds the account's session.
    async with world.rig.pool.connection() as conn:
        await conn.execute("UPDATE procrastinate_workers SET last_heartbeat = now()")
    await world.let_session_go()
    await world.chat.send(OWNER, f"/test {template.id} me", lang="ru")
    assert world.answers(OWNER) == [
        "⚠️ Not sent: no worker holds the account's session, so nothing can reach Telegram "
        "now. Start one (predlagator worker) and try again.",
        "⚠️ Не отправлено: ни один воркер не держит сессию аккаунта, сейчас ничего не дойдёт "
        "до Telegram. Запустите воркер (predlagator worker) и повторите.",
    ]
    assert await world.chat.counts() == before, UNCHANGED


async def test_viewers_cannot_send_tests(world: World) -> None:
    template = await world.template()
    await world.chat.add(VIEWER, Role.VIEWER)
    before = await world.chat.counts()
    await world.chat.send(VIEWER, f"/test {template.id} me")
    await world.chat.send(VIEWER, "/test", lang="ru")
    await world.chat.press(VIEWER, SendTestToMe(template_id=template.id).pack())
    assert world.answers(VIEWER) == [
        "You can look, but viewers can't change anything.",
        "Вы можете смотреть, но наблюдатели ничего не меняют.",
    ]
    assert len(world.chat.session.answers()) == 1
    assert await world.chat.counts() == before, UNCHANGED
    await world.run_due()
    assert world.telegram.flights == []


async def photo_template(world: World, photo: bytes) -> int:
    """A template that posts `photo` with the text as its caption; its id."""
    template = await world.template(name="Photo news")
    async with world.rig.pool.connection() as conn:
        await conn.execute(
            "UPDATE templates SET media_kind = 'photo', media_file_id = 'AgADx' WHERE id = %s",
            (template.id,),
        )
        info = MediaInfo(file_name="photo.jpg", mime_type="image/jpeg", size=len(photo))
        await template_media.save(conn, template.id, info, photo)
    return template.id


async def test_a_photo_template_is_tested_as_a_photo_with_its_caption(world: World) -> None:
    photo = os.urandom(50_000)
    template_id = await photo_template(world, photo)
    world.telegram.add_channel("news_photo")
    await world.chat.send(OWNER, f"/test {template_id} @news_photo")
    await world.run_due()

    [request] = world.telegram.sent
    assert isinstance(request, functions.messages.SendMediaRequest)
    [post] = world.telegram.posts[world.telegram.channels["news_photo"].id]
    assert post.media is not None and post.media.data == photo and post.text == TEXT
    assert world.answers(OWNER)[1:] == [
        f"✅ Test of #{template_id} sent: https://t.me/news_photo/1"
    ]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "❌ Test of #{id} to @no_photos not sent. The chat takes no photos."),
        ("ru", "❌ Проверка #{id} в @no_photos не отправлена. Чат не принимает фото."),
    ],
)
async def test_a_chat_refusing_photos_is_told_in_words(
    world: World, lang: str, expected: str
) -> None:
    template_id = await photo_template(world, os.urandom(1000))
    world.telegram.add_channel("no_photos")
    world.telegram.fail_next(
        403, "CHAT_SEND_PHOTOS_FORBIDDEN", request_type=functions.messages.SendMediaRequest
    )
    await world.chat.send(OWNER, f"/test {template_id} @no_photos", lang=lang)
    await world.run_due()
    assert world.answers(OWNER)[1:] == [expected.format(id=template_id)]


async def test_a_deleted_template_is_not_tested(world: World) -> None:
    template = await world.template(name="Old news")
    await world.rows(
        "UPDATE templates SET archived_at = now() WHERE id = %s RETURNING id", template.id
    )
    await world.chat.send(OWNER, f"/test {template.id} me")
    await world.chat.send(OWNER, "/test old news me")
    assert world.answers(OWNER) == [
        f"There is no template #{template.id}. /templates lists them.",
        "No template is called «old news». /templates lists them.",
    ]
    assert await world.rows("SELECT id FROM procrastinate_jobs") == []
