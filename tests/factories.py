"""Rows the tests need, made through the repositories."""

from __future__ import annotations

from predlagator.db import accounts, batches, campaigns, deliveries, templates
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import Campaign, CampaignStatus

POST_HTML = '<b>Big</b> news, <a href="https://example.com">read</a>'


async def make_campaign(
    pool: Pool,
    refs: list[str],
    *,
    rate: float = 60.0,
    retry_limit: int = 3,
    html: str = POST_HTML,
    name: str = "campaign",
    chat_id: int = 10,
    language: str = "en",
) -> Campaign:
    """A draft campaign of one template over a new batch of `refs`."""
    async with pool.connection() as conn:
        account = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, rate)
        batch, _ = await batches.create(conn, "batch", refs, created_by=1)
        template = await templates.create(conn, "post", html, created_by=1)
        return await campaigns.create(
            conn,
            name=name,
            batch_id=batch.id,
            template_id=template.id,
            account_id=account.id,
            rate_per_minute=rate,
            retry_limit=retry_limit,
            chat_id=chat_id,
            language=language,
            created_by=1,
        )


async def make_posted(pool: Pool, refs: list[str], *, rate: float = 60.0) -> Campaign:
    """A running campaign over `refs` whose posts are all out (message ids 100 on, in list
    order), recorded straight into the ledger: for what comes after the posting."""
    campaign = await make_campaign(pool, refs, rate=rate)
    async with pool.connection() as conn:
        await campaigns.transition(conn, campaign.id, CampaignStatus.RUNNING)
        await deliveries.snapshot(conn, campaign.id)
        await conn.execute(
            "UPDATE deliveries SET status = 'sent', message_id = 100 + position, sent_at = now(),"
            " attempts = 1 WHERE campaign_id = %s",
            (campaign.id,),
        )
    return campaign


async def make_ended_collections(conn: Conn, campaign_id: int, count: int) -> None:
    """`count` reach collections of the campaign that ended long ago, as months of rounds
    leave them behind."""
    await conn.execute(
        "INSERT INTO campaign_actions (campaign_id, kind, label, status, finished_at)"
        " SELECT %s, 'reach', '24h', 'completed', now() FROM generate_series(1, %s)",
        (campaign_id, count),
    )
