"""Campaigns: /new_campaign before batches and templates exist, and /campaigns.

The wizard is in test_bot_wizard.py; the controls and the card in test_bot_controls.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from predlagator.db import accounts, campaigns
from predlagator.db.pool import Pool
from predlagator.models import Campaign
from tests.fakes.bot_api import OWNER, BotHarness, bot_harness


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, default_rate_per_minute=2.0, retry_limit=4) as harness:
        yield harness


async def draft(h: BotHarness) -> Campaign:
    """Make a batch of 3 channels and a template by messages, then a draft campaign of them."""
    await h.send(OWNER, "name: Shops\n@alpha_shop\n@beta_shop\n@gamma_shop")
    await h.send(OWNER, "Big sale")
    async with h.pool.connection() as conn:
        account = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 2.0)
        campaign = await campaigns.create(
            conn,
            name="Shops · Big sale",
            batch_id=1,
            template_id=1,
            account_id=account.id,
            rate_per_minute=2.0,
            retry_limit=4,
            chat_id=OWNER,
            language="en",
            created_by=OWNER,
        )
    h.session.reset()
    return campaign


async def test_new_campaign_needs_a_batch_and_a_template(h: BotHarness) -> None:
    await h.send(OWNER, "/new_campaign")
    await h.send(OWNER, "@alpha_shop\n@beta_shop")
    await h.send(OWNER, "/new_campaign")
    assert h.session.sent_texts()[0] == "First send a list of channels: a campaign needs a batch."
    assert h.session.sent_texts()[2] == "First send the post: a campaign needs a template."


async def test_campaigns_command(h: BotHarness) -> None:
    await h.send(OWNER, "/campaigns")
    await draft(h)
    await h.send(OWNER, "/campaigns", lang="ru")
    assert h.session.sent_texts() == ["<b>Кампании</b>\n#1 Shops · Big sale: 📝 Черновик"]
