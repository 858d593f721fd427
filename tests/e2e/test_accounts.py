"""/accounts over real HTTP, in the whole product: the list, Add simulated, Change pace."""

from __future__ import annotations

from tests.fakes.bot_api import OWNER
from tests.fakes.product import running_product


async def test_add_a_simulated_account_and_change_its_pace(db_url: str) -> None:
    async with running_product(db_url, channels=[], owner_ids=[OWNER]) as product:
        chat = product.chat(OWNER)
        chat.say("/accounts")
        await chat.said("<b>Accounts</b> 1–1 of 1:")

        assert await chat.press("Add simulated") is None
        await chat.said("Send its name")
        chat.say("bad name")
        await chat.said("«bad name» is not a name")
        chat.say("rehearsal")
        await chat.said("How slow and how unreliable should «rehearsal» be?")
        chat.say("120 0.1")
        await chat.said("«rehearsal» 🧪 simulated added: 20 posts a minute, 120 ms a send")

        assert await chat.press("Open «rehearsal»") is None
        opened = await chat.said("<b>Account</b> «rehearsal» 🧪 simulated")
        assert "Pace: 20 posts/min" in opened["text"]
        assert "Simulation: 120 ms a send, 10% of sends fail" in opened["text"]

        assert await chat.press("Change pace") is None
        await chat.said("Send the new pace")
        chat.say("9000")
        await chat.said("The pace must be above 0 and at most 6000 posts a minute.")
        chat.say("45")
        await chat.said("«rehearsal» 🧪 simulated now sends 45 posts a minute.")

        chat.say("/accounts")
        listed = await chat.said("<b>Accounts</b> 1–2 of 2:")
        assert "<b>2.</b> «rehearsal» 🧪 simulated · ✅ active · no worker" in listed["text"]
        assert "45 posts/min" in listed["text"]
        async with product.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT kind, rate_per_minute, sim_latency_ms, sim_failure_share "
                "FROM accounts WHERE name = 'rehearsal'"
            )
            stored = await cur.fetchone()
        assert stored is not None
        assert dict(stored) == {
            "kind": "simulated",
            "rate_per_minute": 45.0,
            "sim_latency_ms": 120,
            "sim_failure_share": 0.1,
        }
