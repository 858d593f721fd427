"""Retention: finished queue jobs go after RETENTION_DAYS; the ledger and the audit log stay."""

from __future__ import annotations

from predlagator.db import audit, deliveries, fsm, template_media, templates
from predlagator.models import DeliveryStatus, MediaInfo
from predlagator.queue import names
from tests.fakes.bot_api import OWNER, bot_harness
from tests.rig import Rig
from tests.wizard_steps import PRESSED, data_of, material, text, to_step, wizard_row


async def test_retention_deletes_old_finished_jobs_only(rig: Rig) -> None:
    campaign = await rig.campaign(2)
    await rig.start(campaign)
    await rig.work()
    async with rig.pool.connection() as conn:
        await audit.record(conn, 1, "campaign.start", "campaign", campaign.id)
        # Two failed jobs: one finished eight days ago, one an hour ago.
        old = await rig.app.configure_task(names.NOTIFY).defer_async(campaign_id=0, event="x")
        new = await rig.app.configure_task(names.NOTIFY).defer_async(campaign_id=0, event="y")
        await conn.execute(
            "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = ANY(%s)", ([old, new],)
        )
        await conn.execute(
            "UPDATE procrastinate_events SET at = now() - interval '8 days' WHERE job_id = %s",
            (old,),
        )
        await conn.execute(
            "UPDATE procrastinate_events SET at = now() - interval '1 hour' WHERE job_id = %s",
            (new,),
        )
    await rig.app.configure_task("retention", queue=names.DELIVERY_QUEUE).defer_async(timestamp=0)
    await rig.app.run_worker_async(
        queues=[names.DELIVERY_QUEUE],
        wait=False,
        install_signal_handlers=False,
        additional_context={"pool": rig.pool, "drain_deps": rig.deps, "retention_days": 7},
    )
    async with rig.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id FROM procrastinate_jobs WHERE id = ANY(%s)", ([old, new],)
        )
        kept = [row["id"] for row in await cur.fetchall()]
        ledger = await deliveries.list_for_campaign(conn, campaign.id)
        entries = await audit.latest(conn)
    assert kept == [new]
    assert [d.status for d in ledger] == [DeliveryStatus.SENT] * 2
    assert [e.action for e in entries] == ["campaign.start"]


async def run_retention(rig: Rig, days: int = 7) -> None:
    await rig.app.configure_task("retention", queue=names.DELIVERY_QUEUE).defer_async(timestamp=0)
    await rig.app.run_worker_async(
        queues=[names.DELIVERY_QUEUE],
        wait=False,
        install_signal_handlers=False,
        additional_context={"pool": rig.pool, "drain_deps": rig.deps, "retention_days": days},
    )


async def test_dialogs_untouched_for_a_day_are_deleted(rig: Rig) -> None:
    key: dict[str, int | str] = {"bot_id": 1, "chat_id": 5, "thread_id": 0}
    key["business_connection_id"] = ""
    async with rig.pool.connection() as conn:
        for user_id, destiny in [(5, "default"), (5, "new_campaign"), (6, "new_campaign")]:
            columns: dict[str, int | str] = {**key, "user_id": user_id, "destiny": destiny}
            await fsm.set_state(conn, columns, "NewCampaign:rate")
            await fsm.set_data(conn, columns, {"token": "t"})
        await conn.execute(
            "UPDATE fsm_states SET updated_at = now() - interval '25 hours' "
            "WHERE user_id = 5 AND destiny = 'new_campaign'"
        )
        await conn.execute(
            "UPDATE fsm_states SET updated_at = now() - interval '23 hours' WHERE user_id = 6"
        )
    await run_retention(rig)
    async with rig.pool.connection() as conn:
        cur = await conn.execute("SELECT user_id, destiny FROM fsm_states ORDER BY user_id")
        kept = [(row["user_id"], row["destiny"]) for row in await cur.fetchall()]
    assert kept == [(5, "default"), (6, "new_campaign")]


async def test_an_operator_back_at_an_expired_wizard_is_told_it_is_over(rig: Rig) -> None:
    async with bot_harness(rig.pool) as h:
        await material(h)
        await to_step(h, "rate")
        assert await wizard_row(h) is not None
        await h.rows("UPDATE fsm_states SET updated_at = now() - interval '2 days' RETURNING 1")
        await run_retention(rig)
        assert await wizard_row(h) is None

        back = data_of(h, "⬅️ Back")
        await h.press(OWNER, back, message_id=PRESSED)
        assert h.session.answers()[-1] == "This wizard is over. /new_campaign starts a new one."
        # /new_campaign starts afresh, with no question about the one that expired.
        await h.send(OWNER, "/new_campaign")
        assert text(h).startswith("<b>New campaign</b>\nSend a name for it")


async def test_files_of_templates_deleted_long_ago_are_purged_unless_a_campaign_needs_them(
    rig: Rig,
) -> None:
    info = MediaInfo(file_name="offer.pdf", mime_type="application/pdf", size=3)
    ids = {}
    async with rig.pool.connection() as conn:
        for name in ("old", "old_draft", "old_done", "recent", "live"):
            made = await templates.create(conn, name, "", 1, media_kind="document")
            await template_media.save(conn, made.id, info, b"pdf")
            ids[name] = made.id
        draft = await rig.campaign(1)
        done = await rig.campaign(1)
        await conn.execute(
            "UPDATE campaigns SET template_id = %s WHERE id = %s", (ids["old_draft"], draft.id)
        )
        await conn.execute(
            "UPDATE campaigns SET template_id = %s, status = 'completed', finished_at = now() "
            "WHERE id = %s",
            (ids["old_done"], done.id),
        )
        await conn.execute(
            "UPDATE templates SET archived_at = now() - interval '8 days' WHERE name LIKE 'old%%'"
        )
        await conn.execute(
            "UPDATE templates SET archived_at = now() - interval '2 days' WHERE name = 'recent'"
        )
    await run_retention(rig, days=7)
    async with rig.pool.connection() as conn:
        kept = {name for name, i in ids.items() if await template_media.info(conn, i)}
        left = [await templates.get(conn, i) for i in ids.values()]
    assert kept == {"old_draft", "recent", "live"}
    assert all(template is not None for template in left)  # the templates themselves stay
