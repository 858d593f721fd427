"""The report over HTTP: the real bot and worker, the fake Bot API receiving real uploads."""

from __future__ import annotations

from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER
from tests.fakes.product import running_product

CHANNELS = [f"reportchan{i:02d}" for i in range(5)]


async def test_the_report_arrives_as_text_csv_and_chart_and_again_by_button(db_url: str) -> None:
    async with running_product(db_url, channels=CHANNELS, owner_ids=[OWNER]) as product:
        campaign = await make_campaign(product.pool, CHANNELS, rate=600.0)
        chat = product.chat(OWNER)
        chat.say(f"/start_campaign {campaign.id}")
        text = await chat.said(f"📊 <b>Report: campaign</b> · #{campaign.id}", timeout=60)
        assert "Sent 5 · failed 0 of 5" in text["text"]
        document = await chat.reply("sendDocument")
        assert document["document"]["filename"] == f"campaign-{campaign.id}-report.csv"
        assert document["caption"] == (
            f"Campaign #{campaign.id}: 5 deliveries with their status, error and link."
        )
        photo = await chat.reply("sendPhoto")
        assert photo["photo"]["filename"] == f"campaign-{campaign.id}-chart.png"
        uploads = [(u.method, u.filename) for u in product.api.uploads]
        assert uploads == [
            ("sendDocument", f"campaign-{campaign.id}-report.csv"),
            ("sendPhoto", f"campaign-{campaign.id}-chart.png"),
        ]
        assert all(u.size > 0 for u in product.api.uploads)

        # The finished card's button brings the report again.
        assert await chat.press("📊 Report") == "Sending the report…"
        await chat.reply("sendDocument")
        await chat.reply("sendPhoto")
        assert len(product.api.uploads) == 4
