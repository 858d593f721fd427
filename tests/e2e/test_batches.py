"""Batches over real HTTP, in the whole product: an uploaded list file is downloaded and becomes
a batch, which opens, grows, is renamed and deleted by its buttons."""

from __future__ import annotations

from tests.fakes.bot_api import OWNER
from tests.fakes.bot_api_server import FakeBotApi
from tests.fakes.bot_files import document_field
from tests.fakes.product import running_product


def upload(api: FakeBotApi, file_id: str, data: bytes, name: str, mime: str) -> None:
    """The operator sends `data` as a document."""
    api.add_file(file_id, data)
    document = document_field(file_id, len(data), file_name=name, mime_type=mime)
    api.push_message(OWNER, None, document=document)


async def test_a_batch_from_an_uploaded_file_to_its_deletion(db_url: str) -> None:
    async with running_product(db_url, channels=[], owner_ids=[OWNER]) as product:
        api, chat = product.api, product.chat(OWNER)
        data = "\ufeffchannel;title\n@alpha_news;Alpha\nt.me/beta_news;Beta\n".encode()
        chat.push(lambda: upload(api, "f1", data, "partners.csv", "text/csv"))
        assert (await chat.reply())["text"] == (
            "Batch #1 «partners» saved: 2 channels (2 new, 0 already known)."
        )
        assert api.of("getFile") == [{"file_id": "f1"}]

        chat.say("/batches")
        await chat.said("Tap a batch to open it.")
        assert await chat.press("#1 partners") is None
        opened = await chat.said("<b>Batch #1 «partners»</b>")
        assert opened["text"].split("\n")[1:] == [
            "2 channels: 2 active, 0 inactive.",
            "",
            "1. @alpha_news",
            "2. @beta_news",
        ]

        await chat.press("Add channels")
        await chat.said("Send the channels to add")
        more = b"@gamma_news\n@alpha_news\n"
        chat.push(lambda: upload(api, "f2", more, "more.txt", "text/plain"))
        await chat.said("Added 1 channel to «partners» (1 new to the bot); 1 already in it.")

        await chat.press("Rename")
        await chat.said("Send the new name")
        chat.say("Partners 2026")
        await chat.said("Batch #1 is now called «Partners 2026».")

        await chat.press("Open «Partners 2026»")
        await chat.said("3 channels: 3 active, 0 inactive.")
        await chat.press("Delete")
        await chat.said("Delete batch #1 «Partners 2026» (3 channels)?")
        assert await chat.press("Yes, delete") == "Batch «Partners 2026» deleted."
        await chat.said("No batches yet.")
