"""A recurring campaign across bot and worker restarts: both stop after round 1, round 2's time
passes while they are down, and they come back (on the same Telegram and the same chat); then
again for round 3. No round is lost, none is doubled, each round's report reaches the chat."""

from __future__ import annotations

from collections import Counter
from contextlib import AbstractAsyncContextManager

from predlagator import recurrence
from predlagator.db import campaigns, deliveries, rounds
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, DeliveryStatus
from predlagator.queue import names
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER
from tests.fakes.bot_api_server import FakeBotApi
from tests.fakes.product import Product, running_product
from tests.fakes.telethon_fake import FakeTelegram

CHANNELS = [f"restartchan{i:02d}" for i in range(3)]
WAIT_S = 30.0
RULE = recurrence.Rule(kind=recurrence.Kind.HOURS, every=1, rounds=3)


async def missed_while_down(pool: Pool) -> None:
    """The round's time passes while nothing runs: its job waits, due, in the queue."""
    async with pool.connection() as conn:
        await conn.execute("UPDATE campaigns SET next_round_at = now() - interval '1 minute'")
        await conn.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() - interval '1 minute' "
            "WHERE task_name = %s AND status = 'todo'",
            (names.START_ROUND,),
        )


async def test_no_round_lost_or_doubled_across_restarts(db_url: str, pool: Pool) -> None:
    telegram = FakeTelegram()
    for ref in CHANNELS:
        telegram.add_channel(ref)
    async with FakeBotApi() as api:

        def again() -> AbstractAsyncContextManager[Product]:
            """The bot and a worker, on the same Telegram and chat as before."""
            return running_product(
                db_url, channels=CHANNELS, telegram=telegram, api=api, owner_ids=[OWNER]
            )

        async with again() as product:
            campaign = await make_campaign(
                product.pool, CHANNELS, rate=600.0, name="Daily", chat_id=OWNER
            )
            async with product.pool.connection() as conn:
                await rounds.set_rule(conn, campaign.id, RULE)
            chat = product.chat(OWNER)
            chat.say(f"/start_campaign {campaign.id}")
            await chat.said("• Round 1: sent 3 · failed 0 of 3", timeout=WAIT_S)
        for round_no in (2, 3):
            await missed_while_down(pool)
            async with again() as product:
                chat = product.chat(OWNER)
                await chat.said(f"• Round {round_no}: sent 3 · failed 0 of 3", timeout=WAIT_S)

    async with pool.connection() as conn:
        ended = await campaigns.get(conn, campaign.id)
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
    assert ended is not None and (ended.status, ended.round) == (CampaignStatus.COMPLETED, 3)
    assert Counter((d.round, d.channel_id) for d in ledger) == {
        (r, d.channel_id): 1 for r in (1, 2, 3) for d in ledger
    }
    assert {d.status for d in ledger} == {DeliveryStatus.SENT}
    # Each channel got exactly one post a round.
    assert sorted(len(posts) for posts in telegram.posts.values()) == [3, 3, 3]
