"""/accounts: every account not removed, in words, a page at a time, for every role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from predlagator.bot.accounts.keyboards import AccountsPage, AccountView
from predlagator.bot.accounts.login_keys import ADD_TELEGRAM
from predlagator.db.accounts import lock_key
from predlagator.db.pool import Pool
from predlagator.models import CampaignStatus, Role
from predlagator.session_vault import new_key
from tests.account_screens import act, buttons, labels, last_screen, make_account
from tests.factories import make_campaign
from tests.fakes.bot_api import OPERATOR, OWNER, VIEWER, BotHarness, bot_harness
from tests.fakes.bot_limits import MAX_TEXT, visible_length

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
async def h(pool: Pool) -> AsyncIterator[BotHarness]:
    async with bot_harness(pool, timezone="Europe/Moscow") as harness:
        await harness.add(OPERATOR, Role.OPERATOR)
        await harness.add(VIEWER, Role.VIEWER)
        yield harness


async def test_no_accounts_owners_may_add_one_viewers_only_read(h: BotHarness) -> None:
    await h.send(OWNER, "/accounts")
    owner = last_screen(h)
    assert owner["text"] == (
        "No accounts yet.\nAdd one: a Telegram account, or a simulated one to rehearse."
    )
    assert buttons(owner) == [
        ("➕ Add Telegram account", ADD_TELEGRAM),  # the chat login's own button
        ("🧪 Add simulated", act("add_simulated")),
    ]
    await h.send(VIEWER, "/accounts")
    assert last_screen(h)["text"] == "No accounts yet."
    assert "reply_markup" not in last_screen(h)
    await h.send(OPERATOR, "/accounts")
    assert "reply_markup" not in last_screen(h)


async def a_busy_pool(h: BotHarness) -> dict[str, int]:
    """main: held by a worker, in a flood wait, capped, 2 channels, a live and an ended campaign;
    sim: simulated and paused; gone: stopped by Telegram; old: removed."""
    now = datetime.now(UTC)
    running = await make_campaign(h.pool, ["@alpha_shop", "@beta_shop"], name="Spring sale")
    ended = await make_campaign(h.pool, ["@gamma_shop"], name="Winter")
    today = now.astimezone(MOSCOW).date()
    main = await make_account(
        h,
        "main",
        rate=30,
        held_by="worker-a 4242",
        flood_until=now + timedelta(hours=2),
        daily_cap=100,
        posts_day=today,
        posts_today=7,
    )
    sim = await make_account(
        h, "sim-1", rate=0.5, kind="simulated", status="paused", posts_day=today - timedelta(1)
    )
    sim_posts = 99  # of yesterday: today it has made none
    gone = await make_account(h, "gone", status="stopped", stop_reason="SESSION_REVOKED")
    old = await make_account(h, "old", removed_at=now)
    async with h.pool.connection() as conn:
        await conn.execute(
            "UPDATE accounts SET posts_today = %s WHERE id = %s", (sim_posts, sim.id)
        )
        await conn.execute(
            "INSERT INTO account_peers (account_id, channel_id, peer_type, peer_id) "
            "SELECT %s, id, 'channel', id FROM channels "
            "WHERE ref LIKE '%%alpha_shop' OR ref LIKE '%%beta_shop'",
            (main.id,),
        )
        await conn.execute(
            "UPDATE campaigns SET status = %s WHERE id = %s", (CampaignStatus.RUNNING, running.id)
        )
        await conn.execute(
            "UPDATE campaigns SET status = %s WHERE id = %s", (CampaignStatus.COMPLETED, ended.id)
        )
    return {"main": main.id, "sim": sim.id, "gone": gone.id, "old": old.id, "live": running.id}


async def test_every_account_in_words(h: BotHarness) -> None:
    ids = await a_busy_pool(h)
    [main] = await h.rows("SELECT flood_until FROM accounts WHERE id = %s", ids["main"])
    until = main["flood_until"].astimezone(MOSCOW)
    async with h.pool.connection() as holder:  # the worker holding main's session
        await holder.execute("SELECT pg_advisory_lock(%s)", (lock_key("main"),))
        await h.send(VIEWER, "/accounts")
        await holder.execute("SELECT pg_advisory_unlock(%s)", (lock_key("main"),))
    screen = last_screen(h)
    assert screen["text"] == (
        "<b>Accounts</b> 1–3 of 3:\n\n"
        "<b>1.</b> «main» · ✅ active · worker-a, pid 4242\n"
        "30 posts/min · 7 of 100 posts today · 2 channels resolved · "
        f"live campaigns: #{ids['live']}\n"
        f"⏳ Flood wait until {until:%Y-%m-%d %H:%M} Europe/Moscow (2 h left)\n\n"
        "<b>2.</b> «sim-1» 🧪 simulated · ⏸ paused · no worker\n"
        "0.5 posts/min · 0 posts today (no daily cap) · 0 channels resolved · "
        "no live campaigns\n\n"
        "<b>3.</b> «gone» · ⛔ stopped: The account's session was ended: log in again "
        "(predlagator login) · no worker\n"
        "20 posts/min · 0 posts today (no daily cap) · 0 channels resolved · "
        "no live campaigns\n\n"
        "Tap an account to open it."
    )
    assert "SESSION_REVOKED" not in screen["text"]
    # Viewers open accounts but get no buttons that change anything.
    assert buttons(screen) == [
        ("1. main", AccountView(id=ids["main"]).pack()),
        ("2. sim-1", AccountView(id=ids["sim"]).pack()),
        ("3. gone", AccountView(id=ids["gone"]).pack()),
    ]


async def test_a_held_by_left_behind_by_a_dead_worker_says_no_worker(h: BotHarness) -> None:
    await make_account(h, "main", held_by="worker-a 4242")
    await h.send(OWNER, "/accounts")
    assert "«main» · ✅ active · no worker" in last_screen(h)["text"]


async def test_an_account_screen_for_each_role(h: BotHarness) -> None:
    ids = await a_busy_pool(h)
    await h.press(VIEWER, AccountView(id=ids["main"]).pack())
    viewer = last_screen(h)
    lines = viewer["text"].split("\n")
    assert lines[:3] == ["<b>Account</b> «main»", "Status: ✅ active", "Worker: no worker"]
    assert lines[3].startswith("⏳ Flood wait until ")
    assert lines[4:] == [
        "Pace: 30 posts/min",
        "Today: 7 of 100 posts today",
        "Channels resolved: 2",
        f"Live campaigns: #{ids['live']} «Spring sale»",
    ]
    assert buttons(viewer) == [("⬅️ Back to accounts", AccountsPage(offset=0).pack())]

    await h.press(OPERATOR, AccountView(id=ids["sim"]).pack())
    operator = last_screen(h)
    assert operator["text"].split("\n")[0] == "<b>Account</b> «sim-1» 🧪 simulated"
    assert operator["text"].split("\n")[-1] == "Simulation: 300 ms a send, 0% of sends fail"
    assert labels(operator) == ["🐢 Change pace", "📅 Daily cap", "▶️ Resume", "⬅️ Back to accounts"]

    await h.press(OWNER, AccountView(id=ids["main"]).pack())
    assert buttons(last_screen(h)) == [
        ("🐢 Change pace", act("pace", ids["main"])),
        ("📅 Daily cap", act("cap", ids["main"])),
        ("⏸ Pause", act("pause", ids["main"])),
        ("⛔ Stop", act("stop", ids["main"])),
        ("🗑 Remove", act("remove", ids["main"])),
        ("⬅️ Back to accounts", AccountsPage(offset=0).pack()),
    ]
    # Stopped by Telegram: no Resume (it needs a new login), no Stop.
    await h.press(OWNER, AccountView(id=ids["gone"]).pack())
    assert labels(last_screen(h)) == [
        "🐢 Change pace",
        "📅 Daily cap",
        "🗑 Remove",
        "⬅️ Back to accounts",
    ]


async def test_a_removed_account_does_not_open(h: BotHarness) -> None:
    ids = await a_busy_pool(h)
    h.session.reset()
    await h.press(VIEWER, AccountView(id=ids["old"]).pack())
    assert h.session.answers() == ["This account was removed."]
    assert h.session.of("editMessageText") == []


async def test_a_hundred_accounts_come_a_page_at_a_time(h: BotHarness) -> None:
    # Each as long as an account can be said: a long name and host, the longest stop reason,
    # a flood wait, and more campaigns than are named.
    async with h.pool.connection() as conn:
        await conn.execute(
            "INSERT INTO accounts (name, kind, status, stop_reason, held_by, flood_until, "
            "daily_cap, posts_day, posts_today, rate_per_minute) "
            "SELECT 'account-with-a-rather-long-name-' || i || '-and-more', 'simulated', "
            "'stopped', 'MEDIA_CAPTION_TOO_LONG', "
            "'worker-host-with-a-very-long-name-in-a-big-cluster.example.com 4194304', "
            "now() + interval '23 hours', 1000000, %s, 999999, 5999.5 "
            "FROM generate_series(1, 100) i",
            (datetime.now(MOSCOW).date(),),
        )
    campaign = await make_campaign(h.pool, ["@alpha_shop"], name="Spring sale")
    async with h.pool.connection() as conn:
        # Seven live campaigns on every account (ids as long as they get in a big database).
        await conn.execute("SELECT setval('campaigns_id_seq', 9999990)")
        for n in range(7):
            made = await conn.execute(
                "INSERT INTO campaigns (name, batch_id, template_id, account_id, "
                "rate_per_minute, retry_limit, status, language) "
                "SELECT 'c' || %s, batch_id, template_id, account_id, 1, 0, 'running', 'en' "
                "FROM campaigns WHERE id = %s RETURNING id",
                (n, campaign.id),
            )
            row = await made.fetchone()
            assert row is not None
            await conn.execute(
                "INSERT INTO campaign_accounts (campaign_id, account_id) "
                "SELECT %s, id FROM accounts",
                (row["id"],),
            )
    async with h.pool.connection() as holder:  # every account held, host and pid shown
        keys = [lock_key(r["name"]) for r in await h.rows("SELECT name FROM accounts")]
        for key in keys:
            await holder.execute("SELECT pg_advisory_lock(%s)", (key,))
        for lang, head, of, more in [
            ("ru", "<b>Аккаунты</b>", "из", "Дальше ➡️"),
            ("en", "<b>Accounts</b>", "of", "Next ➡️"),
        ]:
            await h.send(OWNER, "/accounts", lang=lang)
            first = last_screen(h)
            assert first["text"].startswith(f"{head} 1–8 {of} 101:")
            assert "4194304" in first["text"] and "⏳" in first["text"]
            assert visible_length(first["text"], "html") <= MAX_TEXT
            assert [label for label in labels(first) if "➡️" in label or "⬅️" in label] == [more]
            for offset in range(8, 101, 8):
                await h.press(OWNER, AccountsPage(offset=offset).pack(), lang=lang)
                page = last_screen(h)
                last = min(offset + 8, 101)
                assert page["text"].startswith(f"{head} {offset + 1}–{last} {of} 101:")
                assert visible_length(page["text"], "html") <= MAX_TEXT
        await holder.execute("SELECT pg_advisory_unlock_all()")
    assert [label for label in labels(page) if "➡️" in label or "⬅️" in label] == ["⬅️ Prev"]
    # A page past the end (the list shrank) shows the last one.
    await h.press(OWNER, AccountsPage(offset=500).pack())
    assert last_screen(h)["text"].startswith("<b>Accounts</b> 97–101 of 101:")


async def test_russian(h: BotHarness) -> None:
    await a_busy_pool(h)
    await h.send(VIEWER, "/accounts", lang="ru")
    text = last_screen(h)["text"]
    assert "«sim-1» 🧪 симуляция · ⏸ на паузе · нет воркера" in text
    assert "«gone» · ⛔ остановлен: Сессия аккаунта завершена" in text
    assert "SESSION_REVOKED" not in text


async def test_back_to_accounts_returns_to_the_page_the_account_is_on(h: BotHarness) -> None:
    made = [await make_account(h, f"acc-{n:02d}") for n in range(10)]
    await h.press(VIEWER, AccountView(id=made[9].id).pack())
    assert buttons(last_screen(h)) == [("⬅️ Back to accounts", AccountsPage(offset=8).pack())]
    await h.press(VIEWER, AccountsPage(offset=8).pack())
    assert last_screen(h)["text"].startswith("<b>Accounts</b> 9–10 of 10:")


async def test_add_telegram_account_starts_the_chat_login(pool: Pool) -> None:
    async with bot_harness(pool, session_key=new_key()) as h:
        await h.send(OWNER, "/accounts")
        [data] = [d for label, d in buttons(last_screen(h)) if label == "➕ Add Telegram account"]
        await h.press(OWNER, data)
    assert last_screen(h)["text"].startswith("<b>Add a Telegram account</b>\nFirst a name for it")
