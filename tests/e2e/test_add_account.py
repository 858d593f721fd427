"""Adding a Telegram account from the chat once over HTTP: the real bot long-polls the fake Bot
API, the real worker runs the login against the fake Telegram, and the code's message goes."""

from __future__ import annotations

from telethon.sessions import StringSession

from predlagator.session_vault import Vault, new_key
from tests.fakes.bot_api import OWNER
from tests.fakes.product import running_product
from tests.fakes.telethon_fake import LOGIN_CODE


async def test_an_owner_adds_a_telegram_account_from_the_chat(db_url: str) -> None:
    key = new_key()
    async with running_product(db_url, channels=[], owner_ids=[OWNER], session_key=key) as product:
        chat = product.chat(OWNER)
        chat.say("/add_account")
        await chat.said("Add a Telegram account")
        chat.say("backup_1")
        await chat.said("phone number of the account «backup_1»")
        chat.say("+7 912 345-67-89")
        await chat.said("typed with spaces")
        chat.mark = len(product.api.calls)
        typed = product.api.push_message(OWNER, " ".join(LOGIN_CODE))["message"]
        await chat.said("✅ Account «backup_1» added: Poster Account (@poster_account).")
        deletes = [p for name, p in product.api.calls if name == "deleteMessage"]
        assert [(int(p["chat_id"]), int(p["message_id"])) for p in deletes] == [
            (OWNER, typed["message_id"])
        ]
        assert product.api.message(OWNER, typed["message_id"]) is None
        async with product.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT kind, session_enc FROM accounts WHERE name = 'backup_1'"
            )
            [row] = await cur.fetchall()
        assert row["kind"] == "telegram"
        session = StringSession(Vault(key).open(row["session_enc"], "backup_1"))
        assert session.auth_key is not None
        assert session.auth_key.key in product.telegram.authorized_keys
