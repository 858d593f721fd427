"""Edit over HTTP, as an operator does it on a phone: the campaign has posted, the operator taps
Edit on its card, sends the new text (formatted), watches the card and gets the summary; a real
worker edits every post through the real TelegramClient at the fake Telegram, once each."""

from __future__ import annotations

from predlagator.db import actions, campaigns, templates
from predlagator.models import ActionStatus, PostAction
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER
from tests.fakes.product import running_product

CHANNELS = [f"editchan{i:02d}" for i in range(4)]
WAIT_S = 30.0


async def test_edit_a_campaigns_posts_from_the_chat(db_url: str) -> None:
    async with running_product(
        db_url, channels=CHANNELS, owner_ids=[OWNER], default_rate_per_minute=600
    ) as product:
        telegram, chat = product.telegram, product.chat(OWNER)
        campaign = await make_campaign(
            product.pool, CHANNELS, rate=600.0, name="Spring", chat_id=OWNER
        )
        chat.say(f"/start_campaign {campaign.id}")
        await chat.said("Report: Spring</b>", timeout=WAIT_S)

        assert await chat.press("Edit") is None
        await chat.said("Send the new text of campaign #1's post")
        bold = [{"type": "bold", "offset": 0, "length": 5}]
        chat.mark = len(product.api.calls)
        product.api.push_message(OWNER, "Fixed offer, now cheaper", "en", entities=bold)
        await chat.said("Editing 4 posts of campaign #1; the card shows how it goes.")
        # The card shows the edit under way (drawn as it starts, then as it goes).
        await chat.said("✏️ Editing: ")
        summary = await chat.said("✏️ Campaign #1 «Spring»: the edit is done.", timeout=WAIT_S)
        assert summary["text"].splitlines()[1] == "4 of 4 done, 0 failed"

        # Every post reads the new version, edited once each by the account that made it.
        edited = telegram.post_actions.count("edit")
        assert sorted(edited.values()) == [1] * len(CHANNELS)
        for name in CHANNELS:
            chat_id = telegram.channels[name].id
            [post] = telegram.posts[chat_id]
            assert telegram.post_actions.text(chat_id, post.message_id) == (
                "Fixed offer, now cheaper"
            )
        async with product.pool.connection() as conn:
            [action] = await actions.of_campaign(conn, campaign.id)
            version = await templates.get(conn, action.template_id or 0)
            ended = await campaigns.get(conn, campaign.id)
        assert action.kind is PostAction.EDIT and action.status is ActionStatus.COMPLETED
        assert version is not None and version.html == "<b>Fixed</b> offer, now cheaper"
        # The card lost the edit's line once it ended, and offers Edit again.
        assert ended is not None and ended.card_message_id is not None
        card = product.api.message(OWNER, ended.card_message_id)
        assert card is not None and "Editing" not in card["text"]
        labels = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["📊 Report", "✏️ Edit", "🗑 Delete", "📌 Pin", "📊 Refresh reach"]
