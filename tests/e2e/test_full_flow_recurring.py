"""A recurring campaign over HTTP, as an operator does it on a phone: the wizard's Repeat branch
(every hour, 2 rounds, delete the previous post), a report after each round, the card's round
line; a real worker posts each round through the real TelegramClient at the fake Telegram,
deleting the round before's post in every channel first."""

from __future__ import annotations

from predlagator.db import campaigns
from predlagator.models import CampaignStatus
from predlagator.queue import names
from tests.fakes.bot_api import OWNER
from tests.fakes.product import Chat, running_product

CHANNELS = [f"roundchan{i:02d}" for i in range(4)]
WAIT_S = 30.0


async def _wizard(chat: Chat) -> None:
    chat.say("/new_campaign")
    await chat.said("Send a name")
    chat.say("Weekly")
    await chat.said("Pick the channels")
    await chat.press("#1 partners")
    await chat.said("pick the post")
    await chat.press("#1 ")
    await chat.said("How fast?")
    chat.say("60")
    await chat.said("How many times")
    chat.say("1")
    await chat.said("When to start?")
    await chat.press("Repeat")
    await chat.said("Repeat the campaign in rounds?")
    await chat.press("Every N hours")
    await chat.said("Every how many hours?")
    chat.say("every hour")
    await chat.said("Send a whole number, like 6.")
    chat.say("1")
    await chat.said("How many rounds in all")
    chat.say("2")
    await chat.said("Delete the previous round's post")
    await chat.press("Yes, delete it")
    await chat.said("Repeat: every hour · 2 rounds · the previous post is deleted first")


async def test_a_recurring_campaign_from_the_chat(db_url: str) -> None:
    async with running_product(db_url, channels=CHANNELS, owner_ids=[OWNER]) as product:
        telegram, chat = product.telegram, product.chat(OWNER)
        chat.say("name: partners\n" + "\n".join(f"@{c}" for c in CHANNELS))
        await chat.said("Batch #1 «partners» saved")
        chat.say("Weekly offer")
        await chat.said("#1")
        await _wizard(chat)
        await chat.press("Confirm")
        await chat.said("created and starting")
        first = await chat.said("• Round 1: sent 4 · failed 0 of 4", timeout=WAIT_S)
        # The round's report: the campaign waits for its next round, and says when.
        assert first["text"].splitlines()[1:3] == [
            "🕒 Waiting for the next round",
            first["text"].splitlines()[2],
        ]
        assert first["text"].splitlines()[2].startswith("🔁 Round 1 of 2 · next ")
        assert "<b>By round</b>" in first["text"]
        await chat.said("🔁 Round 1 of 2 · next ", timeout=WAIT_S)  # the card, between rounds

        # The hour passes: the round's time comes for the campaign and its waiting job.
        chat.mark = len(product.api.calls)
        async with product.pool.connection() as conn:
            await conn.execute("UPDATE campaigns SET next_round_at = now()")
            await conn.execute(
                "UPDATE procrastinate_jobs SET scheduled_at = now() "
                "WHERE task_name = %s AND status = 'todo'",
                (names.START_ROUND,),
            )
        final = await chat.said("• Round 2: sent 4 · failed 0 of 4", timeout=WAIT_S)
        assert "Sent 8 · failed 0 of 8" in final["text"]
        assert final["text"].splitlines()[1:3] == ["✅ Completed", "🔁 Round 2 of 2"]
        async with product.pool.connection() as conn:
            [campaign] = await campaigns.list_recent(conn)
        assert (campaign.status, campaign.round) == (CampaignStatus.COMPLETED, 2)

        # The round's delete has no message of its own: the round's report tells of it.
        texts = [str(p.get("text")) for name, p in product.api.calls if name == "sendMessage"]
        assert not [text for text in texts if "the delete is done" in text]
        assert "🗑 Delete · ✅ Completed: 4 of 4 done, 0 failed" in final["text"]

        # Each channel got one post a round, and only the second is still there.
        deleted = telegram.post_actions.count("delete")
        for name in CHANNELS:
            chat_id = telegram.channels[name].id
            old, new = telegram.posts[chat_id]
            assert deleted[(chat_id, old.message_id)] == 1
            assert (chat_id, new.message_id) not in deleted
