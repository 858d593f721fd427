"""A NUL character (which PostgreSQL text cannot hold) gets one clear answer and stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.bot.batches.keyboards import BatchEdit
from predlagator.bot.campaigns.keyboards import CampaignAction
from predlagator.db.pool import Pool
from predlagator.models import Role
from tests.fakes.bot_api import OPERATOR, OWNER, BotHarness, bot_harness
from tests.wizard_steps import material, text, to_step, wizard_row

NUL = "That message contains a NUL character, which can't be stored; send it again without it."
NUL_RU = "В сообщении есть символ NUL, его нельзя сохранить; пришлите сообщение ещё раз без него."


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool) as harness:
        await material(harness)
        yield harness


@pytest.mark.parametrize(
    "sent",
    [
        "Buy\x00 now",  # a post
        "name: Sh\x00ops\n@delta_shop\n@epsilon_shop",  # a batch with its name
        "@delta_shop\n@eps\x00ilon_shop",  # a channel list
        "/report Spring\x00sale",
        "/pause Spring\x00sale",
        "/start_campaign \x00",
        "/test 1 @chan\x00nel",
        "/operators add 77\x0077",
    ],
)
async def test_a_message_with_a_nul_is_answered_and_stores_nothing(
    h: BotHarness, sent: str
) -> None:
    before = await h.counts()
    await h.send(OWNER, sent)
    assert h.session.sent_texts() == [NUL]
    assert await h.counts() == before


async def test_the_answer_is_in_the_operators_language(h: BotHarness) -> None:
    await h.add(OPERATOR, Role.OPERATOR)
    await h.send(OPERATOR, "Buy\x00 now", lang="ru")
    assert h.session.sent_texts() == [NUL_RU]


async def test_a_caption_or_file_name_with_a_nul_stores_nothing(h: BotHarness) -> None:
    before = await h.counts()
    photo = [{"file_id": "AgADp", "file_unique_id": "p1", "width": 1, "height": 1}]
    await h.send(OWNER, None, photo=photo, caption="Sale\x00!")
    document = {"file_id": "BQADd", "file_unique_id": "d1", "file_name": "list\x00.txt"}
    await h.send(OWNER, None, document=document)
    link = [{"type": "text_link", "offset": 0, "length": 4, "url": "https://x.example/\x00"}]
    await h.send(OWNER, "Shop here", entities=link)
    assert h.session.sent_texts() == [NUL] * 3
    assert await h.counts() == before


async def test_a_wizard_answer_with_a_nul_is_asked_again(h: BotHarness) -> None:
    await to_step(h, "name")
    asked = await wizard_row(h)
    await h.send(OWNER, "Spring\x00 sale")
    assert text(h) == NUL
    assert await wizard_row(h) == asked
    await h.send(OWNER, "Spring sale")
    assert text(h) == "Campaign «Spring sale». Pick the channels (batch):"


async def test_a_rename_answer_with_a_nul_keeps_the_old_name_and_the_question(
    h: BotHarness,
) -> None:
    await h.press(OWNER, BatchEdit(id=1, action="rename").pack())
    h.session.reset()
    before = await h.counts()
    await h.send(OWNER, "Sh\x00ops")
    assert h.session.sent_texts() == [NUL]
    assert await h.counts() == before
    await h.send(OWNER, "Stores")
    assert h.session.sent_texts()[-1] == "Batch #1 is now called «Stores»."


async def test_a_button_with_a_nul_is_stale(h: BotHarness) -> None:
    before = await h.counts()
    await h.press(OWNER, CampaignAction(id=1, action="pause").pack() + "\x00")
    assert h.session.answers() == ["This button is no longer valid"]
    assert h.session.sent_texts() == []
    assert await h.counts() == before


async def test_a_nul_in_what_the_message_answers_is_not_the_operators(h: BotHarness) -> None:
    quoted = {
        "message_id": 5,
        "date": 0,
        "chat": {"id": OWNER, "type": "private"},
        "text": "an old\x00 message",
    }
    await h.send(OWNER, "/batches", reply_to_message=quoted)
    assert h.session.sent_texts()[0].startswith("<b>Batches</b>")
