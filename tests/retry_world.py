"""Retry failed end to end: the real Dispatcher for the operator, the real worker with the
Telethon fake for the sends, the notifier's tasks for cards and reports, on one database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import procrastinate

from predlagator.bot.actions.keyboards import PostActionButton
from predlagator.bot.campaigns.keyboards import CampaignAction
from predlagator.db import campaigns
from predlagator.models import Campaign
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER, BotHarness
from tests.report_world import work
from tests.rig import Rig


@dataclass
class World:
    """The bot, the worker and the notifier over one database and one fake Telegram."""

    h: BotHarness
    rig: Rig
    notifier: procrastinate.App

    async def campaign(
        self, refs: list[str], *, retry_limit: int = 0, lang: str = "en"
    ) -> Campaign:
        """A draft over `refs` (each a channel the fake knows), its card in the owner's chat."""
        for ref in refs:
            self.rig.telegram.add_channel(ref)
        return await make_campaign(
            self.h.pool,
            refs,
            rate=6000.0,
            retry_limit=retry_limit,
            chat_id=OWNER,
            language=lang,
        )

    async def run(self, campaign: Campaign) -> None:
        """Start it as /start_campaign does and let the worker send until nothing is due."""
        await self.rig.start(campaign)
        await self.rig.settle()

    async def notices(self) -> list[dict[str, Any]]:
        """Run the notifier's due jobs (cards, notices, reports); the jobs left over."""
        return await work(self.h, self.notifier)

    async def get(self, campaign_id: int) -> Campaign:
        async with self.h.pool.connection() as conn:
            found = await campaigns.get(conn, campaign_id)
        assert found is not None
        return found

    async def card_buttons(self, campaign_id: int) -> list[tuple[str, str]]:
        """The live card's buttons as a Refresh on it draws them now, but for the actions over
        its posts (Edit, Delete, Pin: tests/bot/actions tests those)."""
        campaign = await self.get(campaign_id)
        assert campaign.card_message_id is not None
        self.h.session.reset()
        refresh = CampaignAction(id=campaign_id, action="refresh").pack()
        await self.h.press(OWNER, refresh, message_id=campaign.card_message_id)
        edits = self.h.session.edits()
        markup = edits[-1].get("reply_markup", {}) if edits else {}
        return [
            (b["text"], b["callback_data"])
            for row in markup.get("inline_keyboard", [])
            for b in row
            if not b["callback_data"].startswith(f"{PostActionButton.__prefix__}:")
        ]

    async def rows(self, campaign_id: int) -> dict[str, dict[str, Any]]:
        """The ledger by channel ref: status, attempts, run, random_id, account, message id."""
        found = await self.h.rows(
            "SELECT ch.ref, d.status, d.attempts, d.run, d.random_id, d.account_id, "
            "d.message_id, d.error_code FROM deliveries d JOIN channels ch ON ch.id = d.channel_id "
            "WHERE d.campaign_id = %s ORDER BY d.position",
            campaign_id,
        )
        return {row.pop("ref"): row for row in found}

    def posts(self, ref: str) -> list[Any]:
        """What the fake channel `ref` holds."""
        return self.rig.telegram.posts[self.rig.telegram.channels[ref].id]

    def reports(self) -> list[str]:
        """The report texts the notifier sent."""
        return [text for text in self.h.session.sent_texts() if text.startswith(("📊",))]
