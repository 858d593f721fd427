"""The account pool's changes where two transactions meet: a removal and a new campaign."""

from __future__ import annotations

import psycopg
import pytest

from predlagator.db import account_pool, accounts, campaigns
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus
from tests.factories import make_campaign


async def test_a_removal_waits_for_a_campaign_being_made_with_the_account(pool: Pool) -> None:
    draft = await make_campaign(pool, ["@alpha_shop"], name="first")
    async with pool.connection() as conn:
        spare = await accounts.ensure(conn, "spare", 20)
    async with pool.connection() as maker, pool.connection() as remover:
        async with maker.transaction():
            # A campaign started with the spare account, not yet committed.
            await maker.execute(
                "INSERT INTO campaign_accounts (campaign_id, account_id) VALUES (%s, %s)",
                (draft.id, spare.id),
            )
            await campaigns.transition(maker, draft.id, CampaignStatus.RUNNING)
            await remover.execute("SET lock_timeout = '200ms'")
            # Without the lock the removal would not see that campaign and go through.
            with pytest.raises(psycopg.errors.LockNotAvailable):
                async with remover.transaction():
                    await account_pool.remove(remover, spare.id)
        async with remover.transaction():
            assert await account_pool.remove(remover, spare.id) is None  # in use now
        found = await accounts.get(remover, spare.id)
    assert found is not None and found.removed_at is None
