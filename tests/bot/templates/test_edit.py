"""Rename (the bot asks for the name) and delete (confirmed, refused while a campaign uses it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from predlagator.bot.templates.keyboards import TemplateAction
from predlagator.db import accounts, batches, campaigns, templates
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, Role, Template
from tests.fakes.bot_api import OPERATOR, OWNER, VIEWER, BotHarness, bot_harness

S = CampaignStatus


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(OPERATOR, Role.OPERATOR)
        await harness.add(VIEWER, Role.VIEWER)
        await harness.send(OWNER, "Hello world")  # template #1
        harness.session.reset()
        yield harness


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def act(action: str, template_id: int = 1) -> str:
    return TemplateAction(id=template_id, action=action).pack()


async def template(h: BotHarness, template_id: int = 1) -> Template:
    async with h.pool.connection() as conn:
        found = await templates.get(conn, template_id)
    assert found is not None
    return found


async def audit_actions(h: BotHarness) -> list[tuple[str, dict[str, Any]]]:
    rows = await h.rows("SELECT action, details FROM audit_log ORDER BY id")
    return [(r["action"], r["details"]) for r in rows if r["action"] != "template.create"]


async def campaign_using(h: BotHarness, status: S) -> int:
    """A campaign of template #1 in `status`; returns its id."""
    async with h.pool.connection() as conn:
        account = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 20)
        batch, _ = await batches.create(conn, "Shops", ["alpha_shop"], OWNER)
        campaign = await campaigns.create(
            conn,
            name="Sale",
            batch_id=batch.id,
            template_id=1,
            account_id=account.id,
            rate_per_minute=20,
            retry_limit=3,
            chat_id=OWNER,
            language="en",
            created_by=OWNER,
        )
        await conn.execute("UPDATE campaigns SET status = %s WHERE id = %s", (status, campaign.id))
    return campaign.id


async def test_rename_asks_for_the_name_and_renames(h: BotHarness) -> None:
    await h.press(OPERATOR, act("rename"))
    await h.send(OPERATOR, "  Spring   sale  ")
    assert h.session.sent_texts() == [
        "Send the new name for template #1 «Hello world» (up to 64 characters), "
        "or /cancel to keep it.",
        "Template #1 is now «Spring sale».",
    ]
    assert (await template(h)).name == "Spring sale"
    assert await audit_actions(h) == [
        ("template.rename", {"old": "Hello world", "new": "Spring sale"})
    ]


async def test_rename_in_russian(h: BotHarness) -> None:
    await h.press(OWNER, act("rename"), lang="ru")
    await h.send(OWNER, "Весенняя распродажа", lang="ru")
    assert h.session.sent_texts() == [
        "Пришлите новое название для шаблона #1 «Hello world» (до 64 символов) "
        "или /cancel, чтобы оставить прежнее.",
        "Шаблон #1 теперь называется «Весенняя распродажа».",
    ]


async def test_a_wrong_name_is_asked_again_with_the_reason(h: BotHarness) -> None:
    await h.press(OWNER, act("rename"))
    h.session.reset()
    await h.send(OWNER, "x" * 65)
    await h.send(
        OWNER,
        None,
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    await h.send(OWNER, "x" * 65, lang="ru")
    assert h.session.sent_texts() == [
        "That name has 65 characters; 64 at most. Send a shorter one, or /cancel.",
        "Send the new name as text, or /cancel to keep the old one.",
        "В этом названии 65 символов; можно не больше 64. Пришлите покороче или /cancel.",
    ]
    assert (await template(h)).name == "Hello world"
    # Still waiting: a name that looks like a channel list is a name, not a new batch.
    await h.send(OWNER, "@alpha_shop")
    assert (await template(h)).name == "@alpha_shop"
    assert await h.rows("SELECT id FROM batches") == []


async def test_cancel_keeps_the_name_and_ends_the_wait(h: BotHarness) -> None:
    await h.press(OWNER, act("rename"))
    await h.send(OWNER, "/cancel", lang="ru")
    await h.send(OWNER, "Another post")
    assert h.session.sent_texts()[1] == "Переименование отменено; название осталось прежним."
    assert (await template(h)).name == "Hello world"
    assert (await template(h, 2)).name == "Another post"  # an ordinary post again


async def test_another_command_ends_the_rename_and_runs(h: BotHarness) -> None:
    await h.press(OWNER, act("rename"))
    await h.send(OWNER, "/templates")
    texts = h.session.sent_texts()
    assert texts[1] == "Rename cancelled; the name stays as it was."
    assert texts[2].startswith("<b>Templates</b>. Tap one to see it.")
    assert (await template(h)).name == "Hello world"


async def test_rename_of_a_template_deleted_meanwhile(h: BotHarness) -> None:
    await h.press(OWNER, act("rename"))
    async with h.pool.connection() as conn:
        await templates.archive(conn, 1)
    await h.send(OWNER, "New name")
    assert h.session.sent_texts()[-1] == "That template no longer exists."
    assert (await template(h)).name == "Hello world"


async def test_delete_asks_then_deletes_once(h: BotHarness) -> None:
    await h.press(OWNER, act("delete"), message_id=5)
    [question] = h.session.edits()
    assert question["text"] == (
        "Delete template #1 «Hello world»? Campaigns already sent with it keep their reports."
    )
    assert buttons(question) == [("🗑 Yes, delete", act("confirm")), ("Cancel", act("cancel"))]

    await h.press(OWNER, act("confirm"), message_id=5)
    await h.press(OWNER, act("confirm"), message_id=5)  # a double press
    assert h.session.answers() == [None, "Template #1 deleted", "That template no longer exists."]
    assert h.session.edits()[1]["text"] == "Template #1 «Hello world» deleted."
    assert "reply_markup" not in h.session.edits()[1] and len(h.session.edits()) == 2
    assert (await template(h)).archived_at is not None
    assert await audit_actions(h) == [("template.delete", {"name": "Hello world"})]
    await h.send(OWNER, "/templates")
    assert h.session.sent_texts()[-1] == "No templates yet. Send me the post you want to publish."


async def test_cancel_brings_the_preview_buttons_back(h: BotHarness) -> None:
    await h.press(OWNER, act("delete"), lang="ru")
    await h.press(OWNER, act("cancel"), lang="ru")
    back = h.session.edits()[-1]
    assert back["text"] == "Шаблон #1 «Hello world» (📝 текст). Вот как он будет выглядеть:"
    assert buttons(back) == [("✏️ Переименовать", act("rename")), ("🗑 Удалить", act("delete"))]
    assert (await template(h)).archived_at is None


@pytest.mark.parametrize("status", [S.SCHEDULED, S.RUNNING, S.PAUSED, S.WAITING])
async def test_delete_refused_while_a_campaign_in_progress_uses_it(
    h: BotHarness, status: S
) -> None:
    campaign_id = await campaign_using(h, status)
    before = await h.counts()
    await h.press(OWNER, act("delete"))
    await h.press(OWNER, act("confirm"))  # an old confirmation button
    await h.press(OWNER, act("delete"), lang="ru")
    assert h.session.answers() == [
        f"Campaign #{campaign_id} still uses this template; delete it once that campaign "
        "finishes or is cancelled.",
    ] * 2 + [
        f"Кампания #{campaign_id} ещё использует этот шаблон; удалите его, когда она "
        "завершится или будет отменена."
    ]
    assert all(p.get("show_alert") for p in h.session.of("answerCallbackQuery"))
    assert h.session.edits() == []
    assert await h.counts() == before
    assert (await template(h)).archived_at is None


@pytest.mark.parametrize("status", [S.DRAFT, S.COMPLETED, S.CANCELLED])
async def test_delete_allowed_when_no_campaign_will_send_it(h: BotHarness, status: S) -> None:
    await campaign_using(h, status)
    await h.press(OWNER, act("confirm"))
    assert h.session.answers() == ["Template #1 deleted"]
    assert (await template(h)).archived_at is not None


async def test_a_campaign_started_after_the_question_stops_the_delete(h: BotHarness) -> None:
    await h.press(OWNER, act("delete"))
    first = await campaign_using(h, S.RUNNING)
    await campaign_using(h, S.PAUSED)
    await h.press(OWNER, act("confirm"))
    assert h.session.answers()[-1] == (
        f"Campaigns #{first}, #{first + 1} still use this template; delete it once they finish "
        "or are cancelled."
    )
    assert (await template(h)).archived_at is None


async def test_viewer_can_neither_rename_nor_delete(h: BotHarness) -> None:
    before = await h.counts()
    for action in ("rename", "delete", "confirm", "cancel"):
        await h.press(VIEWER, act(action))
    await h.press(VIEWER, act("rename"), lang="ru")
    await h.send(VIEWER, "New name")
    assert h.session.answers() == ["You can look, but viewers can't change anything."] * 4 + [
        "Вы можете смотреть, но наблюдатели ничего не меняют."
    ]
    assert h.session.sent_texts() == ["You can look, but viewers can't change anything."]
    assert h.session.edits() == []
    assert await h.counts() == before
    assert (await template(h)).name == "Hello world"


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        ("ta:1:explode", "This button is no longer valid"),
        ("ta:x:rename", "This button is no longer valid"),
        ("ta:1", "This button is no longer valid"),
        (act("rename", 999), "That template no longer exists."),
        (act("delete", 999), "That template no longer exists."),
        (act("confirm", 999), "That template no longer exists."),
        (act("cancel", 999), "That template no longer exists."),
    ],
)
async def test_forged_presses_change_nothing(h: BotHarness, data: str, answer: str) -> None:
    before = await h.counts()
    await h.press(OWNER, data)
    await h.send(OWNER, "Not a name")  # no rename was started: this is a new post
    assert h.session.answers() == [answer]
    assert h.session.edits() == []
    assert (await template(h)).name == "Hello world"
    after = await h.counts()
    assert after["templates"] == before["templates"] + 1
