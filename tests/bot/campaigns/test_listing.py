"""/campaigns: newest first with status, Prev / Next pages edited in place, a card per campaign."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from predlagator.bot.campaigns.listing import CampaignsPage, OpenCampaign
from predlagator.db import campaigns, schedules
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, Role
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER, VIEWER, BotHarness, bot_harness
from tests.wizard_steps import PRESSED, labels, last_answer, last_shown, press, press_data, text

S = CampaignStatus
START = datetime(2030, 3, 5, 6, 0, tzinfo=UTC)
# What an operator may do to the posts of a campaign that started (viewers may not).
OWNER_ACTIONS = ["✏️ Edit", "🗑 Delete", "📌 Pin"]


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, timezone="Europe/Moscow") as harness:
        yield harness


async def twelve_campaigns(h: BotHarness) -> None:
    """Campaigns #1..#12 named "Offer N"; #12 scheduled for later, #11 running."""
    first = await make_campaign(h.pool, ["alpha_shop", "beta_shop"])
    async with h.pool.connection() as conn:
        await conn.execute("UPDATE campaigns SET name = 'Offer 1'")
        for n in range(2, 13):
            await campaigns.create(
                conn,
                name=f"Offer {n}",
                batch_id=first.batch_id,
                template_id=first.template_id,
                account_id=first.account_id,
                rate_per_minute=20.0,
                retry_limit=3,
                chat_id=OWNER,
                language="en",
                created_by=OWNER,
            )
        await schedules.schedule(conn, 12, START)
        await campaigns.transition(conn, 11, S.RUNNING)


async def test_no_campaigns_yet(h: BotHarness) -> None:
    await h.send(OWNER, "/campaigns")
    await h.send(OWNER, "/campaigns", lang="ru")
    assert h.session.sent_texts() == [
        "No campaigns yet. /new_campaign prepares one.",
        "Кампаний пока нет. /new_campaign подготовит новую.",
    ]


async def test_pages_of_campaigns_newest_first(h: BotHarness) -> None:
    await twelve_campaigns(h)
    await h.send(OWNER, "/campaigns")
    first = last_shown(h)
    assert first["text"] == "\n".join(
        [
            "<b>Campaigns</b>",
            "#12 Offer 12: 🕐 Scheduled for 2030-03-05 09:00 Europe/Moscow",
            "#11 Offer 11: 🚀 Running",
            *[f"#{n} Offer {n}: 📝 Draft" for n in range(10, 2, -1)],
        ]
    )
    assert labels(first) == [*[[f"#{n} Offer {n}"] for n in range(12, 2, -1)], ["Next ▶️"]]

    await press(h, "Next ▶️")
    second = last_shown(h)
    assert second["message_id"] == PRESSED
    assert second["text"] == "<b>Campaigns</b>\n#2 Offer 2: 📝 Draft\n#1 Offer 1: 📝 Draft"
    assert labels(second) == [["#2 Offer 2"], ["#1 Offer 1"], ["◀️ Prev"]]

    await press(h, "◀️ Prev", lang="ru")
    back = last_shown(h)
    assert back["text"].startswith(
        "<b>Кампании</b>\n#12 Offer 12: 🕐 Запланирована на 2030-03-05 09:00 Europe/Moscow\n"
        "#11 Offer 11: 🚀 Идёт"
    )
    assert labels(back)[-1] == ["Следующие ▶️"]


async def test_open_shows_the_card(h: BotHarness) -> None:
    await twelve_campaigns(h)
    await h.send(OWNER, "/campaigns")
    await press(h, "#11 Offer 11")
    card = last_shown(h)
    assert card["text"].startswith("<b>Offer 11</b> · #11\n🚀 Running\n")
    # Refresh reach waits for a post out; Edit, Delete and Pin are there for the posts to come.
    assert labels(card) == [["⏸ Pause", "✖️ Cancel"], ["🔄 Refresh"], OWNER_ACTIONS]
    await press(h, "#12 Offer 12")
    assert text(h) == "<b>Offer 12</b> · #12\n🕐 Scheduled for 2030-03-05 09:00 Europe/Moscow"
    assert [c for c in await h.rows("SELECT card_message_id FROM campaigns WHERE id = 11")] == [
        {"card_message_id": None}  # a look at it: the live card (none yet) is not moved
    ]


async def test_a_long_name_is_cut_between_words_on_its_button(h: BotHarness) -> None:
    await make_campaign(h.pool, ["alpha_shop"], name="Black Friday offers for every partner shop")
    await h.send(OWNER, "/campaigns")
    assert labels(last_shown(h)) == [["#1 Black Friday offers for every…"]]


async def test_a_viewer_may_page_and_open(h: BotHarness) -> None:
    await twelve_campaigns(h)
    await h.add(VIEWER, Role.VIEWER)
    await h.send(VIEWER, "/campaigns")
    await h.press(VIEWER, CampaignsPage(offset=10).pack(), message_id=PRESSED)
    assert text(h).startswith("<b>Campaigns</b>\n#2 Offer 2")
    await h.press(VIEWER, OpenCampaign(id=1).pack(), message_id=PRESSED)
    assert text(h).startswith("<b>Offer 1</b> · #1\n📝 Draft")
    assert labels(last_shown(h)) == []  # Start is not a viewer's to press


async def test_a_viewer_opening_a_card_gets_only_the_buttons_it_may_press(h: BotHarness) -> None:
    await twelve_campaigns(h)
    async with h.pool.connection() as conn:
        await conn.execute(
            "UPDATE campaigns SET status = 'completed', started_at = now() - interval '1 min', "
            "finished_at = now() WHERE id = 10"
        )
        await campaigns.set_card(conn, 11, OWNER, 40)  # the live card, in the owner's chat
    await h.add(VIEWER, Role.VIEWER)
    await h.press(VIEWER, OpenCampaign(id=11).pack(), message_id=PRESSED)
    [running] = h.session.of("sendMessage")
    assert running["chat_id"] == VIEWER
    assert labels(running) == [["🔄 Refresh"]]
    await h.press(VIEWER, OpenCampaign(id=10).pack(), message_id=PRESSED)
    assert labels(last_shown(h)) == [["📊 Report"]]

    # Refresh on the viewer's copy redraws that copy, with the viewer's buttons; the live card
    # in the owner's chat is not touched.
    h.session.reset()
    await h.press(VIEWER, "c:11:refresh", message_id=8)
    [edit] = h.session.edits()
    assert (edit["chat_id"], edit["message_id"]) == (VIEWER, 8)
    assert edit["text"].startswith("<b>Offer 11</b> · #11\n🚀 Running\n")
    assert labels(edit) == [["🔄 Refresh"]]
    assert h.session.answers() == ["Updated"]
    # The owner's buttons stay the owner's.
    h.session.reset()
    await h.press(OWNER, OpenCampaign(id=11).pack(), message_id=PRESSED)
    assert labels(last_shown(h)) == [
        ["⏸ Pause", "✖️ Cancel"],
        ["🔄 Refresh"],
        OWNER_ACTIONS,
    ]


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (CampaignsPage(offset=-10).pack(), "This button is no longer valid"),
        (CampaignsPage(offset=500).pack(), "This button is no longer valid"),
        ("cl:abc", "This button is no longer valid"),
        (OpenCampaign(id=999).pack(), "No campaign #999."),
        (CampaignsPage(offset=10**19).pack(), "This button is no longer valid"),
        (OpenCampaign(id=10**19).pack(), f"No campaign #{10**19}."),
    ],
)
async def test_forged_list_presses(h: BotHarness, data: str, answer: str) -> None:
    await twelve_campaigns(h)
    before = await h.counts()
    await press_data(h, data)
    assert last_answer(h)["text"] == answer
    assert [name for name, _ in h.session.calls] == ["answerCallbackQuery"]
    assert await h.counts() == before
