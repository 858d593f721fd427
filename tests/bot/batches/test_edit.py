"""Add, remove, rename and delete on an open batch: replies, audit, refusals, stale presses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.bot.batches.keyboards import BatchEdit, BatchesPage, BatchView
from predlagator.db import batches, campaigns
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, Role
from tests.batch_screens import (
    audit_rows,
    batch_refs,
    buttons,
    last_screen,
    make_batch,
    send_document,
)
from tests.factories import make_campaign
from tests.fakes.bot_api import OPERATOR, OWNER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await harness.add(OPERATOR, Role.OPERATOR)
        yield harness


def edit(batch_id: int, action: str) -> str:
    return BatchEdit(id=batch_id, action=action).pack()


async def set_status(h: BotHarness, campaign_id: int, status: CampaignStatus) -> None:
    async with h.pool.connection() as conn:
        await conn.execute("UPDATE campaigns SET status = %s WHERE id = %s", (status, campaign_id))


async def test_add_a_list_reports_counts_and_is_audited(h: BotHarness) -> None:
    batch_id = await make_batch(h, "News", ["alpha_news", "beta_news"])
    await make_batch(h, "Other", ["known_chan"])
    await h.press(OPERATOR, edit(batch_id, "add"))
    prompt = last_screen(h)
    assert prompt["text"] == (
        "Send the channels to add to «News»: a list (one per line or comma-separated) "
        "or a .txt/.csv file."
    )
    assert buttons(prompt) == [("Cancel", edit(batch_id, "cancel"))]
    await h.send(OPERATOR, "@beta_news, @known_chan\n@gamma_news\n@GAMMA_NEWS\n@bad")
    assert h.session.sent_texts()[-1] == (
        "Added 2 channels to «News» (1 new to the bot); 1 already in it.\n"
        "Duplicates merged: 1.\n\n"
        "Skipped 1 invalid lines:\n"
        "• @bad: a username is 5 to 32 characters"
    )
    assert buttons(last_screen(h)) == [("Open «News»", BatchView(id=batch_id, offset=0).pack())]
    assert await batch_refs(h, batch_id) == ["alpha_news", "beta_news", "known_chan", "gamma_news"]
    assert (await audit_rows(h))[-1] == (
        OPERATOR,
        "batch.add",
        batch_id,
        {"added": 2, "in_batch": 1, "new": 1, "invalid": 1},
    )
    # The wait is over: the next list is a new batch again.
    await h.send(OPERATOR, "@delta_news\n@epsilon_news")
    assert h.session.sent_texts()[-1].startswith("Batch #3 «Batch 3» saved: 2 channels")


async def test_add_a_csv_file_in_russian(h: BotHarness) -> None:
    batch_id = await make_batch(h, "Новости", ["alpha_news"])
    await h.press(OWNER, edit(batch_id, "add"), lang="ru")
    assert last_screen(h)["text"].startswith("Пришлите каналы, которые добавить в «Новости»")
    data = "\ufeffname,link\nA,@alpha_news\nB,@beta_news\nC,@gamma_news\n".encode()
    await send_document(h, OWNER, data, "more.csv", lang="ru")
    assert h.session.sent_texts()[-1] == (
        "В «Новости» добавлено 2 канала (новых для бота: 2); уже были в пакете: 1."
    )
    assert await batch_refs(h, batch_id) == ["alpha_news", "beta_news", "gamma_news"]


async def test_add_with_nothing_valid_or_a_bad_file_keeps_waiting(h: BotHarness) -> None:
    batch_id = await make_batch(h, "News", ["alpha_news"])
    await h.press(OWNER, edit(batch_id, "add"))
    before = await h.counts()
    await h.send(OWNER, "@x")
    await send_document(h, OWNER, b"\x00\x01binary", "list.txt")
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
    assert h.session.sent_texts()[-3:] == [
        "No valid channels in this list, so nothing changed. Send another one.\n\n"
        "Skipped 1 invalid lines:\n• @x: a username is 5 to 32 characters",
        "This file isn't UTF-8 text, so I can't read it. Save it as UTF-8 (.txt or .csv) "
        "and send it again.",
        "Send a list of channels or a .txt/.csv file, or press Cancel.",
    ]
    assert await h.counts() == before
    await h.send(OWNER, "@beta_news")  # still waiting: merged, not a new batch
    assert h.session.sent_texts()[-1] == (
        "Added 1 channel to «News» (1 new to the bot); 0 already in it."
    )


async def test_add_that_would_pass_the_cap_changes_nothing(h: BotHarness) -> None:
    batch_id = await make_batch(h, "Big", [f"chan_{i:05d}" for i in range(9_999)])
    await h.press(OWNER, edit(batch_id, "add"))
    before = await h.counts()
    await h.send(OWNER, "@chan_00001\n@new_one_a\n@new_one_b")
    assert h.session.sent_texts()[-1] == (
        "«Big» has 9999 channels and this list adds 2; a batch holds at most 10000. "
        "Nothing was added.\nSend a list of channels or a .txt/.csv file, or press Cancel."
    )
    assert await h.counts() == before  # still waiting: a shorter list is taken
    await h.send(OWNER, "@new_one_a")
    assert h.session.sent_texts()[-1] == (
        "Added 1 channel to «Big» (1 new to the bot); 0 already in it."
    )


async def test_changes_to_a_batch_of_a_started_campaign_apply_to_later_ones(
    h: BotHarness,
) -> None:
    campaign = await make_campaign(h.pool, ["alpha_news", "beta_news"])
    await set_status(h, campaign.id, CampaignStatus.RUNNING)
    await h.press(OWNER, edit(campaign.batch_id, "add"))
    await h.send(OWNER, "@gamma_news")
    assert h.session.sent_texts()[-1] == (
        "Added 1 channel to «batch» (1 new to the bot); 0 already in it.\n\n"
        "Campaign #1 has already started and keeps its channel list; "
        "this change applies to campaigns that start from now on."
    )
    await h.press(OWNER, edit(campaign.batch_id, "remove"), lang="ru")
    await h.send(OWNER, "@alpha_news", lang="ru")
    assert h.session.sent_texts()[-1] == (
        "Из «batch» удалён 1 канал.\n\n"
        "Кампания #1 уже запущена и сохраняет свой список каналов; "
        "изменение коснётся кампаний, которые начнутся теперь."
    )


async def test_remove_reports_removed_and_not_in_batch(h: BotHarness) -> None:
    batch_id = await make_batch(h, "News", ["alpha_news", "beta_news", "gamma_news"])
    other = await make_batch(h, "Other", ["alpha_news"])
    await h.press(OWNER, edit(batch_id, "remove"))
    assert last_screen(h)["text"] == (
        "Send the channels to remove from «News»: a list or a .txt/.csv file. "
        "They stay in your other batches."
    )
    await h.send(OWNER, "@alpha_news\nt.me/Gamma_News\n@nowhere_news\n@bad")
    assert h.session.sent_texts()[-1] == (
        "Removed 2 channels from «News».\n\n"
        "Not in this batch (1):\n• @nowhere_news\n\n"
        "Skipped 1 invalid lines:\n• @bad: a username is 5 to 32 characters"
    )
    assert await batch_refs(h, batch_id) == ["beta_news"]
    assert await batch_refs(h, other) == ["alpha_news"]
    assert (await audit_rows(h))[-1] == (
        OWNER,
        "batch.remove",
        batch_id,
        {"removed": 2, "not_in_batch": 1},
    )


async def test_rename_checks_the_name(h: BotHarness) -> None:
    batch_id = await make_batch(h, "Old", ["alpha_news"])
    await h.press(OWNER, edit(batch_id, "rename"))
    assert last_screen(h)["text"] == "Send the new name for «Old» (up to 64 characters)."
    await h.send(OWNER, "   ")
    await h.send(OWNER, "x" * 65, lang="ru")
    await send_document(h, OWNER, b"@alpha_news", "a.txt")
    assert h.session.sent_texts()[-3:] == [
        "A name can't be empty. Send the new name.",
        "В этом названии 65 символов, а помещается не больше 64. Пришлите покороче.",
        "Send the new name as text, or press Cancel.",
    ]
    await h.send(OWNER, "  New\n<name>  ")
    assert h.session.sent_texts()[-1] == "Batch #1 is now called «New &lt;name&gt;»."
    async with h.pool.connection() as conn:
        batch = await batches.get(conn, batch_id)
    assert batch is not None and batch.name == "New <name>"
    assert (await audit_rows(h))[-1] == (
        OWNER,
        "batch.rename",
        batch_id,
        {"old": "Old", "new": "New <name>"},
    )


async def test_cancel_and_commands_end_the_wait(h: BotHarness) -> None:
    batch_id = await make_batch(h, "News", ["alpha_news"])
    await h.press(OWNER, edit(batch_id, "add"))
    await h.press(OWNER, edit(batch_id, "cancel"), lang="ru")
    assert h.session.edits()[-1]["text"] == "Отменено, ничего не изменилось."
    await h.press(OWNER, edit(batch_id, "rename"))
    await h.send(OWNER, "/cancel")
    assert h.session.sent_texts()[-1] == "Cancelled; nothing changed."
    await h.press(OWNER, edit(batch_id, "add"))
    await h.send(OWNER, "/batches")
    assert h.session.sent_texts()[-1].startswith("<b>Batches</b> 1–1 of 1:")
    await h.send(OWNER, "@beta_news\n@gamma_news")  # a new batch, not an addition
    assert h.session.sent_texts()[-1].startswith("Batch #2 «Batch 2» saved")
    assert await batch_refs(h, batch_id) == ["alpha_news"]


async def test_delete_asks_then_archives_and_a_second_press_is_harmless(h: BotHarness) -> None:
    campaign = await make_campaign(h.pool, ["alpha_news", "beta_news"])
    await set_status(h, campaign.id, CampaignStatus.COMPLETED)
    batch_id = campaign.batch_id
    keep = await make_batch(h, "Keep", ["alpha_news"])
    await h.press(OWNER, edit(batch_id, "delete"))
    confirm = last_screen(h)
    assert confirm["text"] == (
        "Delete batch #1 «batch» (2 channels)? Campaigns that used it keep their history, "
        "and the channels stay in your other batches."
    )
    assert buttons(confirm) == [
        ("🗑 Yes, delete", edit(batch_id, "confirm")),
        ("Cancel", BatchView(id=batch_id, offset=0).pack()),
    ]
    await h.press(OWNER, edit(batch_id, "confirm"))
    await h.press(OWNER, edit(batch_id, "confirm"), lang="ru")
    assert h.session.answers()[-2:] == ["Batch «batch» deleted.", "Этот пакет уже удалён."]
    assert last_screen(h)["text"].startswith("<b>Batches</b> 1–1 of 1:\n#2 Keep")
    assert [row[1] for row in await audit_rows(h)] == ["batch.delete"]
    # Gone from its old buttons and from list_all (which /new_campaign's picker reads); the
    # campaign still has it, channels and all.
    await h.press(OWNER, BatchView(id=batch_id, offset=0).pack())
    assert h.session.answers()[-1] == "This batch no longer exists."
    async with h.pool.connection() as conn:
        assert [b.id for b in await batches.list_all(conn)] == [keep]
        kept = await campaigns.get(conn, campaign.id)
    assert kept is not None and kept.batch_id == batch_id
    assert await batch_refs(h, batch_id) == ["alpha_news", "beta_news"]


@pytest.mark.parametrize(
    "status",
    [
        CampaignStatus.SCHEDULED,
        CampaignStatus.RUNNING,
        CampaignStatus.PAUSED,
        CampaignStatus.WAITING,
    ],
)
async def test_delete_is_refused_while_a_campaign_needs_the_batch(
    h: BotHarness, status: CampaignStatus
) -> None:
    campaign = await make_campaign(h.pool, ["alpha_news"])
    await set_status(h, campaign.id, status)
    before = await h.counts()
    await h.press(OWNER, edit(campaign.batch_id, "delete"))
    await h.press(OWNER, edit(campaign.batch_id, "confirm"), lang="ru")  # an old confirmation
    assert h.session.answers() == [
        "Campaign #1 uses this batch and has not finished, so the batch can't be deleted now. "
        "Try again once it completes or is cancelled.",
        "Кампания #1 использует этот пакет и ещё не закончилась, поэтому удалить его сейчас "
        "нельзя. Попробуйте, когда она завершится или будет отменена.",
    ]
    assert h.session.edits() == []
    assert await h.counts() == before
    async with h.pool.connection() as conn:
        assert await batches.get(conn, campaign.batch_id) is not None


async def test_presses_on_a_gone_batch_and_forged_actions(h: BotHarness) -> None:
    batch_id = await make_batch(h, "News", ["alpha_news"])
    await h.press(OWNER, edit(batch_id, "add"))
    async with h.pool.connection() as conn:
        await batches.archive(conn, batch_id)
    before = {**await h.counts(), "fsm_states": 0}  # the wait ends with its batch; nothing else
    h.session.reset()
    await h.send(OWNER, "@beta_news")
    assert h.session.sent_texts()[-1] == "This batch no longer exists."
    for action in ("add", "remove", "rename", "delete"):
        await h.press(OWNER, edit(batch_id, action))
    await h.press(OWNER, edit(batch_id, "explode"))
    await h.press(OWNER, edit(999, "confirm"))
    assert h.session.answers() == ["This batch no longer exists."] * 4 + [
        "This button is no longer valid",
        "This batch was already deleted.",
    ]
    assert await h.counts() == before
    await h.send(OWNER, "@gamma_news\n@delta_news")  # no wait was started by the presses
    assert h.session.sent_texts()[-1].startswith("Batch #2 «Batch 2» saved")


async def test_back_from_a_prompt_screen_is_the_list(h: BotHarness) -> None:
    await make_batch(h, "News", ["alpha_news"])
    await h.press(OWNER, BatchesPage(offset=0).pack())
    assert last_screen(h)["text"].startswith("<b>Batches</b> 1–1 of 1:")
