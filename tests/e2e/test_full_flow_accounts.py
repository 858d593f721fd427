"""A campaign over three accounts once over HTTP: the wizard's account step picks all three,
the campaign starts, and the card shows the split per account exactly as the ledger holds it
(whichever account the engine gave each delivery), with the real bot long-polling the fake
Bot API and a real worker posting to the fake Telegram."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, LiteralString

from psycopg.rows import dict_row

from predlagator.db import accounts, campaigns
from predlagator.models import CampaignStatus
from tests.fakes.bot_api import OWNER
from tests.fakes.bot_api_server import Params
from tests.fakes.product import Chat, Product, running_product

CHANNELS = [f"splitflow{i:02d}" for i in range(6)]
WAIT_S = 30.0


async def test_three_accounts_from_the_wizard_to_the_card(db_url: str) -> None:
    async with running_product(db_url, channels=CHANNELS, owner_ids=[OWNER]) as product:
        telegram, chat = product.telegram, product.chat(OWNER)
        async with product.pool.connection() as conn:
            main = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, 20.0)  # the worker's
            second = await accounts.ensure(conn, "second", 15.0)
            sim = await accounts.ensure(conn, "rehearsal", 10.0)
            await conn.execute("UPDATE accounts SET kind = 'simulated' WHERE id = %s", (sim.id,))
        names = {main.id: "main", second.id: "second", sim.id: "rehearsal 🧪 simulated"}
        chat.say("name: Shops\n" + "\n".join(f"@{c}" for c in CHANNELS))
        await chat.said("saved: 6 channels")
        chat.say("Big sale")
        await chat.said("Big sale")

        await _wizard(chat)

        # Posts are held on their way while the operator pauses from the card.
        telegram.gate = asyncio.Event()
        arrived: asyncio.Queue[Any] = asyncio.Queue()

        async def on_send(request: Any) -> None:
            await arrived.put(request)

        telegram.on_send = on_send
        await chat.press("Confirm")
        await chat.said("created and starting")
        async with asyncio.timeout(WAIT_S):
            await arrived.get()
        assert await chat.press("Pause") == "Paused"
        telegram.gate.set()
        await chat.said("⏸ Paused")

        async with product.pool.connection() as conn:
            made = await campaigns.get(conn, 1)
        assert made is not None and made.rate_per_minute == 60.0
        assert made.status is CampaignStatus.PAUSED
        members = await _rows(product, "SELECT account_id FROM campaign_accounts ORDER BY 1")
        assert [m["account_id"] for m in members] == sorted(names)
        await _card_shows_the_ledger(product, chat, names)


async def _wizard(chat: Chat) -> None:
    """Through /new_campaign with all three accounts, once with none ticked, to the summary."""
    chat.say("/new_campaign")
    await chat.said("Send a name")
    chat.say("Three accounts")
    await chat.said("Pick the channels")
    await chat.press("#1 Shops")
    await chat.said("pick the post")
    await chat.press("#1 ")
    await chat.said("Chosen: 3 of 3, together 45/min.")
    # None ticked is refused with the reason; ticked again, all three go.
    for name in ("main", "second", "rehearsal"):
        await chat.press(f"☑️ {name}")
    assert await chat.press("Done") == (
        "Tick at least one account: the campaign needs one to send from."
    )
    for name in ("main", "second", "rehearsal"):
        await chat.press(f"⬜ {name}")
    await chat.said("Chosen: 3 of 3, together 45/min.")
    await chat.press("Done")
    await chat.said("By default there is no cap")
    # A cap, typed: main's drain can't pace a campaign without one (rate NULL) until the
    # engine's account assignment lands; the wizard's no-cap path is tested through the
    # Dispatcher (tests/bot/campaigns/wizard/test_accounts.py).
    chat.say("60")
    await chat.said("How many times")
    chat.say("2")
    await chat.said("When to start?")
    await chat.press("Now")
    summary = await chat.said("Check the campaign")
    assert "Accounts (3): main, second, rehearsal 🧪 simulated" in summary["text"]


async def _card_shows_the_ledger(product: Product, chat: Chat, names: dict[int, str]) -> None:
    """Once the paused ledger holds still, the card comes to show its split per account."""
    for _ in range(10):
        before = await _split(product, names)
        await chat.press("Refresh")  # a round trip through the bot, no sleep
        if await _split(product, names) == before and not _sending(before):
            break
    else:
        raise AssertionError("the ledger kept changing while paused")
    expected = _expected_lines(before, names)

    def shows(name: str, params: Params) -> bool:
        lines = str(params.get("text") or "").splitlines()
        return name in {"sendMessage", "editMessageText"} and all(e in lines for e in expected)

    # Counts only grow towards the end, so a card that showed these lines shows the ledger now.
    await product.api.wait_for(shows, WAIT_S, since=0)
    async with product.pool.connection() as conn:
        made = await campaigns.get(conn, 1)
    assert made is not None and made.card_message_id is not None
    card = product.api.message(OWNER, made.card_message_id)
    assert card is not None
    for line in expected:
        assert line in card["text"].splitlines(), (line, card["text"])


def _sending(split: dict[int, Counter[str]]) -> int:
    return sum(n["sending"] for n in split.values())


async def _split(product: Product, names: dict[int, str]) -> dict[int, Counter[str]]:
    rows = await _rows(product, "SELECT account_id, status FROM deliveries WHERE campaign_id = 1")
    split: dict[int, Counter[str]] = {account: Counter() for account in names}
    for row in rows:
        split[row["account_id"]][row["status"]] += 1
    return split


async def _rows(product: Product, sql: LiteralString) -> list[dict[str, Any]]:
    async with product.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql)
        return await cur.fetchall()


def _expected_lines(split: dict[int, Counter[str]], names: dict[int, str]) -> list[str]:
    return [
        f"• {names[account]}: sent {n['sent']} · failed {n['failed']} "
        f"· queued {n['queued'] + n['sending']}"
        for account, n in split.items()
    ]
