"""A campaign with posts out, and the presses of its post actions, for the bot's action tests."""

from __future__ import annotations

from typing import Any

from predlagator.bot.actions.keyboards import PostActionButton
from predlagator.db import campaigns, deliveries, template_media, templates
from predlagator.models import Campaign, CampaignStatus, MediaInfo
from tests.factories import make_campaign
from tests.fakes.bot_api import OWNER, BotHarness

S = CampaignStatus
CARD = 700  # the card's message id in the owner's chat
REFS = ["alpha_shop", "beta_shop", "gamma_shop", "delta_shop", "eps_shop"]
PHOTO = b"\x89PNG fake photo bytes"


async def posted(
    h: BotHarness,
    *,
    sent: int = 3,
    failed: int = 1,
    status: S = S.RUNNING,
    media: bool = False,
    language: str = "en",
) -> Campaign:
    """A campaign of five channels whose first `sent` posts went out (message ids 100..), the
    next `failed` failed and the rest wait, in `status`, with its card in the owner's chat."""
    campaign = await make_campaign(
        h.pool, REFS, name="Spring", chat_id=OWNER, language=language, html="<b>Sale</b> today"
    )
    async with h.pool.connection() as conn:
        if media:
            await _make_media(conn, campaign)
        await deliveries.snapshot(conn, campaign.id)
        await campaigns.transition(conn, campaign.id, S.RUNNING)
        claims = await deliveries.claim(conn, campaign.account_id, limit=sent + failed)
        for index, claim in enumerate(claims):
            assert await deliveries.mark_sending(conn, claim.delivery_id)
            if index < sent:
                assert await deliveries.mark_sent(conn, claim.delivery_id, 100 + index)
            else:
                await deliveries.mark_failed(conn, claim.delivery_id, "CHANNEL_PRIVATE", "x")
        if status is S.COMPLETED:
            await conn.execute(
                "UPDATE deliveries SET status = 'cancelled' WHERE campaign_id = %s "
                "AND status = 'queued'",
                (campaign.id,),
            )
        if status is not S.RUNNING:
            await campaigns.transition(conn, campaign.id, status, from_states=list(S))
        await campaigns.set_card(conn, campaign.id, OWNER, CARD)
        found = await campaigns.get(conn, campaign.id)
    assert found is not None
    return found


async def _make_media(conn: Any, campaign: Campaign) -> None:
    """Make the campaign's post a photo with a caption, its file stored."""
    photo = await templates.create(
        conn, "photo post", "<b>Sale</b> today", 1, media_kind="photo", media_file_id="ph-1"
    )
    info = MediaInfo(file_name="photo.jpg", mime_type="image/jpeg", size=len(PHOTO))
    await template_media.save(conn, photo.id, info, PHOTO)
    await conn.execute(
        "UPDATE campaigns SET template_id = %s WHERE id = %s", (photo.id, campaign.id)
    )


def pa(do: str, campaign_id: int = 1, action: int = 0, loud: bool = False) -> str:
    """The callback data of a post-action button."""
    return PostActionButton(do=do, campaign=campaign_id, action=action, loud=loud).pack()


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback data) of every inline button in a recorded call."""
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def audit_actions(h: BotHarness) -> list[tuple[str, str | None, int | None, dict[str, Any]]]:
    rows = await h.rows("SELECT action, object_type, object_id, details FROM audit_log ORDER BY id")
    return [(r["action"], r["object_type"], r["object_id"], r["details"]) for r in rows]


async def drains(h: BotHarness) -> list[dict[str, Any]]:
    """The drain kicks deferred, as (queue, args)."""
    return [
        {"queue": j["queue_name"], "args": j["args"]}
        for j in await h.jobs()
        if j["task_name"] == "drain"
    ]


async def end_rows(h: BotHarness, action_id: int, outcomes: list[tuple[str, str | None]]) -> None:
    """Record the action's rows, in order, as (status, code) the way a drain would: a failed
    row's code is its error, a done row's its note."""
    rows = await h.rows("SELECT id FROM actions WHERE action_id = %s ORDER BY id", action_id)
    async with h.pool.connection() as conn:
        for row, (status, code) in zip(rows, outcomes, strict=False):
            await conn.execute(
                "UPDATE actions SET status = %s, error_code = CASE WHEN %s = 'failed' THEN %s "
                "END, note_code = CASE WHEN %s = 'done' THEN %s END, done_at = now() "
                "WHERE id = %s",
                (status, status, code, status, code, row["id"]),
            )


async def finish(h: BotHarness, action_id: int, status: str = "completed") -> None:
    """End the action as the drain does once no row of it is left to go."""
    async with h.pool.connection() as conn:
        await conn.execute(
            "UPDATE campaign_actions SET status = %s, finished_at = now() WHERE id = %s",
            (status, action_id),
        )
