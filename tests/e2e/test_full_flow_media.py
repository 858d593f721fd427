"""A photo campaign once over HTTP: the operator's photo is fetched by the real bot, renamed,
and posted by a real worker into every channel with the same bytes, uploaded once."""

from __future__ import annotations

import os

from tests.fakes.bot_api import OWNER
from tests.fakes.bot_files import photo_field
from tests.fakes.product import running_product

CHANNELS = [f"flowpic{i:02d}" for i in range(5)]
PHOTO = os.urandom(250_000)


async def test_a_photo_campaign_from_the_chat(db_url: str) -> None:
    async with running_product(
        db_url, channels=CHANNELS, owner_ids=[OWNER], default_rate_per_minute=600
    ) as product:
        api, chat = product.api, product.chat(OWNER)
        chat.say("\n".join(f"@{name}" for name in CHANNELS))
        await chat.reply()
        api.add_file("AgADphoto", PHOTO)
        field = photo_field("AgADphoto", len(PHOTO))
        chat.push(lambda: api.push_message(OWNER, None, photo=field, caption="Fresh offer"))
        preview = await chat.reply("sendPhoto")
        assert (preview["photo"], preview["caption"]) == ("AgADphoto", "Fresh offer")

        await chat.press("Rename")
        assert "Send the new name" in (await chat.reply())["text"]
        chat.say("Spring photo")
        await chat.said("Template #1 is now «Spring photo».")

        chat.say("/new_campaign")
        await chat.said("Send a name")
        chat.say("Photo campaign")
        await chat.said("Pick the channels")
        await chat.press("#1 ")
        await chat.said("pick the post")
        await chat.press("Spring photo")
        await chat.said("How fast?")
        chat.say("60")
        await chat.said("How many times")
        chat.say("0")
        await chat.said("When to start?")
        await chat.press("Now")
        await chat.said("Check the campaign")
        await chat.press("Confirm")
        await chat.said("created and starting")
        await chat.said("✅ Completed", timeout=60)

        telegram = product.telegram
        assert telegram.uploaded() == [PHOTO]
        for posts in telegram.posts.values():
            [post] = posts
            assert post.media is not None and post.media.data == PHOTO
            assert post.text == "Fresh offer"
