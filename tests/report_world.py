"""A finished campaign with every kind of outcome, and helpers to run and read its report."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import procrastinate
from PIL import Image

from predlagator.bot import notifications
from predlagator.bot.reports import chart as rc
from predlagator.db import accounts, batches, campaigns, channels, deliveries, templates
from predlagator.models import Campaign
from tests.fakes.bot_api import OWNER, BotHarness

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
REFS = [
    "alpha_shop",
    "+AbCdEf123",
    "-1009876543210",
    "beta_shop",
    "gamma_shop",
    "delta_shop",
    "eps_shop",
    "-4001234",
    "eta_shop",
    "theta_shop",
    "off_shop",  # switched off before the start: skipped
]
# (ref, status, attempts, message id, error code, error text, minute recorded, title)
LEDGER = [
    ("alpha_shop", "sent", 1, 101, None, None, "10:01:10", "Alpha Shop"),
    ("+AbCdEf123", "sent", 1, 102, None, None, "10:02", '=HYPERLINK("http://evil","x")'),
    ("-1009876543210", "sent", 1, 103, None, None, "10:03", "Ёлка «Север»"),
    ("beta_shop", "failed", 1, None, "CHAT_WRITE_FORBIDDEN", "You can't", "10:03", "+SUM(1,2)"),
    ("gamma_shop", "failed", 1, None, "CHANNEL_PRIVATE", "-private", "10:10", "@cmd"),
    ("delta_shop", "failed", 4, None, "FLAKY_ERROR", "flaky", "10:30", "-2+3"),
    ("eps_shop", "sent", 2, None, None, None, "10:30", None),  # RANDOM_ID_DUPLICATE: no id
    ("-4001234", "sent", 1, 7, None, None, "10:31", "Basic group"),
    ("eta_shop", "cancelled", 0, None, None, None, "10:52", None),
    ("theta_shop", "cancelled", 1, None, "TIMEOUT", "no answer", "10:52", None),
]
# How the account resolved some channels: a private channel by invite, a basic group, and a
# public channel (whose link uses its username, not the id).
PEERS = [("+AbCdEf123", "channel", 1234567890), ("-4001234", "chat", 4001234)]
PEERS += [("alpha_shop", "channel", 555000)]


async def work(h: BotHarness, worker: procrastinate.App) -> list[dict[str, Any]]:
    """Run every due notification job, then return the jobs left (failed or scheduled)."""
    await worker.run_worker_async(
        queues=["notifications"],
        wait=False,
        additional_context=notifications.make_bot_worker_context(h.bot, h.pool),
    )
    return await h.rows(
        "SELECT task_name, status, args, scheduled_at > now() AS later "
        "FROM procrastinate_jobs WHERE status <> 'succeeded' ORDER BY id"
    )


async def finished(h: BotHarness, *, language: str = "en", name: str = "Spring") -> Campaign:
    """A cancelled campaign of ten deliveries with every kind of outcome, and a flood wait."""
    async with h.pool.connection() as conn:
        batch, _ = await batches.create(conn, "Shops", REFS, OWNER)
        template = await templates.create(conn, "Sale", "<b>Sale</b>", OWNER)
        account = await accounts.ensure(conn, "main", 20.0)
        other = await accounts.ensure(conn, "other", 20.0)
        campaign = await campaigns.create(
            conn,
            name=name,
            batch_id=batch.id,
            template_id=template.id,
            account_id=account.id,
            rate_per_minute=0.2,
            retry_limit=3,
            chat_id=OWNER,
            language=language,
            created_by=OWNER,
        )
        ids = {c.ref: c.id for c in await batches.list_channels(conn, batch.id)}
        await channels.deactivate(conn, ids["off_shop"], "CHANNEL_PRIVATE")
        await deliveries.snapshot(conn, campaign.id)
        for ref, status, attempts, message_id, code, text, at, title in LEDGER:
            moment = datetime.fromisoformat(f"2026-03-01T{at}+00:00")
            await conn.execute(
                "UPDATE deliveries SET status = %(status)s, attempts = %(attempts)s, "
                "message_id = %(message_id)s, error_code = %(code)s, error_text = %(text)s, "
                "updated_at = %(at)s, "
                "sent_at = CASE WHEN %(status)s = 'sent' THEN %(at)s::timestamptz END "
                "WHERE campaign_id = %(campaign_id)s AND channel_id = %(channel_id)s",
                {
                    "status": status,
                    "attempts": attempts,
                    "message_id": message_id,
                    "code": code,
                    "text": text,
                    "at": moment,
                    "campaign_id": campaign.id,
                    "channel_id": ids[ref],
                },
            )
            if title is not None:
                await channels.set_title(conn, ids[ref], title)
        for ref, kind, peer_id in PEERS:
            await conn.execute(
                "INSERT INTO account_peers (account_id, channel_id, peer_type, peer_id) "
                "VALUES (%s, %s, %s, %s)",
                (account.id, ids[ref], kind, peer_id),
            )
        # The engine's audit trail: this account's wait from 10:20 until 10:25, resumed at
        # 10:25:40; an old wait long over; another account's wait, which is not ours.
        waits = [
            ("account.flood_wait", "account", account.id, "10:20", "10:25"),
            ("campaign.resumed_after_wait", "campaign", campaign.id, "10:25:40", None),
            ("account.flood_wait", "account", account.id, "02:00", "02:05"),
            ("account.flood_wait", "account", other.id, "10:40", "10:50"),
        ]
        for action, kind, object_id, at, until in waits:
            details = {"until": f"2026-03-01T{until}:00+00:00"} if until else {}
            await conn.execute(
                "INSERT INTO audit_log (action, object_type, object_id, details, created_at) "
                "VALUES (%s, %s, %s, %s::jsonb, %s)",
                (action, kind, object_id, json.dumps(details), f"2026-03-01T{at}+00:00"),
            )
        await conn.execute(
            "UPDATE campaigns SET status = 'cancelled', started_at = %s, "
            "finished_at = %s::timestamptz + interval '52 minutes' WHERE id = %s",
            (T0, T0, campaign.id),
        )
        await campaigns.set_card(conn, campaign.id, OWNER, 40)
        found = await campaigns.get(conn, campaign.id)
    assert found is not None
    return found


def csv_rows(h: BotHarness, delimiter: str = ",") -> list[list[str]]:
    """The one CSV uploaded, parsed back; checks its name and its byte order mark."""
    [(method, field, name, data)] = [u for u in h.session.uploads if u[0] == "sendDocument"]
    assert (method, field, name) == ("sendDocument", "document", "campaign-1-report.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def chart(h: BotHarness) -> Image.Image:
    """The one chart uploaded, as an image."""
    [(_, field, name, data)] = [u for u in h.session.uploads if u[0] == "sendPhoto"]
    assert (field, name) == ("photo", "campaign-1-chart.png")
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("PNG", (rc.WIDTH, rc.HEIGHT))
    return image.convert("RGB")


async def due_now(h: BotHarness) -> None:
    """Jobs scheduled for later become due: time is injected, never waited for."""
    async with h.pool.connection() as conn:
        await conn.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"
        )


def methods(h: BotHarness) -> list[str]:
    return [name for name, _ in h.session.calls]
