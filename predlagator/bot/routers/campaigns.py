"""Preparing campaigns: /new_campaign picks a batch and a template by buttons; /campaigns lists."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from predlagator.bot.card import card_keyboard
from predlagator.bot.keyboards import PickBatch, PickTemplate, batch_picker, template_picker
from predlagator.bot.texts import STATUS, Html, duration, t
from predlagator.config import Settings
from predlagator.db import accounts, audit, batches, campaigns, templates
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import Batch, Campaign, Operator, Template

PICK_LIMIT = 10


async def cmd_new_campaign(message: Message, pool: Pool, lang: str) -> None:
    """Offer the latest batches; the template comes next."""
    async with pool.connection() as conn:
        found = await batches.list_all(conn, limit=PICK_LIMIT)
        has_templates = bool(await templates.list_all(conn, limit=1))
    if not found:
        await message.answer(t(lang, "First send a list of channels: a campaign needs a batch."))
    elif not has_templates:
        await message.answer(t(lang, "First send the post: a campaign needs a template."))
    else:
        await message.answer(
            t(lang, "Pick the channels (batch):"), reply_markup=batch_picker(found)
        )


async def on_pick_batch(
    callback: CallbackQuery, callback_data: PickBatch, bot: Bot, pool: Pool, lang: str
) -> None:
    """Show the latest templates, carrying the chosen batch in their buttons."""
    async with pool.connection() as conn:
        batch = await batches.get(conn, callback_data.batch_id)
        found = await templates.list_all(conn, limit=PICK_LIMIT)
    if batch is None or not found or callback.message is None:
        await callback.answer(
            t(lang, "That batch or template no longer exists. Try /new_campaign again."),
            show_alert=True,
        )
        return
    await bot.edit_message_text(
        t(lang, "Batch «{batch}». Now pick the post (template):", batch=batch.name),
        chat_id=callback.message.chat.id,
        message_id=callback.message.message_id,
        reply_markup=template_picker(batch.id, found),
    )
    await callback.answer()


async def on_pick_template(
    callback: CallbackQuery,
    callback_data: PickTemplate,
    bot: Bot,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Create the draft campaign and show its summary with a Start button."""
    async with pool.connection() as conn:
        batch = await batches.get(conn, callback_data.batch_id)
        template = await templates.get(conn, callback_data.template_id)
    if batch is None or template is None or template.archived_at or callback.message is None:
        await callback.answer(
            t(lang, "That batch or template no longer exists. Try /new_campaign again."),
            show_alert=True,
        )
        return
    chat_id = callback.message.chat.id
    async with pool.connection() as conn, conn.transaction():
        campaign = await create_draft(conn, batch, template, settings, chat_id, operator, lang)
    eta = duration(lang, batch.channel_count / campaign.rate_per_minute)
    rate = f"{campaign.rate_per_minute:g}"
    summary = t(
        lang,
        "Campaign #{id} «{name}» is ready.\n{count} channels at {rate}/min, about {eta}.\n\n"
        "Start: /start_campaign {id}",
        id=campaign.id,
        name=campaign.name,
        count=batch.channel_count,
        rate=rate,
        eta=eta,
    )
    await bot.edit_message_text(
        summary,
        chat_id=chat_id,
        message_id=callback.message.message_id,
        reply_markup=card_keyboard(campaign),
    )
    await callback.answer()


async def create_draft(
    conn: Conn,
    batch: Batch,
    template: Template,
    settings: Settings,
    chat_id: int,
    operator: Operator,
    lang: str,
) -> Campaign:
    """Create a draft campaign from the main account at the default pace, and audit it."""
    rate = settings.default_rate_per_minute
    account = await accounts.ensure(conn, accounts.MAIN_ACCOUNT, rate)
    campaign = await campaigns.create(
        conn,
        name=f"{batch.name} · {template.name}",
        batch_id=batch.id,
        template_id=template.id,
        account_id=account.id,
        rate_per_minute=rate,
        retry_limit=settings.retry_limit,
        chat_id=chat_id,
        language=lang,
        created_by=operator.user_id,
    )
    details = {"batch_id": batch.id, "template_id": template.id}
    await audit.record(
        conn, operator.user_id, "campaign.create", "campaign", campaign.id, **details
    )
    return campaign


async def cmd_campaigns(message: Message, pool: Pool, lang: str) -> None:
    """List recent campaigns with their status."""
    async with pool.connection() as conn:
        found = await campaigns.list_recent(conn, limit=20)
    if not found:
        await message.answer(t(lang, "No campaigns yet. /new_campaign prepares one."))
        return
    rows = [
        t(
            lang,
            "#{id} {name}: {status}",
            id=c.id,
            name=c.name,
            status=Html(t(lang, STATUS[c.status.value])),
        )
        for c in found
    ]
    await message.answer("\n".join([t(lang, "<b>Campaigns</b>"), *rows]))


def make_router() -> Router:
    """Build this feature's router (a fresh one per dispatcher)."""
    router = Router(name=__name__)
    router.message.register(cmd_new_campaign, Command("new_campaign"))
    router.message.register(cmd_campaigns, Command("campaigns"))
    router.callback_query.register(on_pick_batch, PickBatch.filter())
    router.callback_query.register(on_pick_template, PickTemplate.filter())
    return router
