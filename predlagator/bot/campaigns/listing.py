"""/campaigns: every campaign with its status, newest first, a page at a time; open one's card."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from predlagator.bot import rounds_view
from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.campaigns.card import compose, scheduled_for, waits_for_start
from predlagator.bot.redraw import not_modified
from predlagator.bot.texts import STATUS, Html, cut, t
from predlagator.config import Settings
from predlagator.db import campaigns
from predlagator.db.pool import Pool
from predlagator.models import Campaign, Operator, Role

PAGE = 10
# Numbers in forged callback data beyond PostgreSQL's bigint would fail the query.
MAX_ID = 2**63


class CampaignsPage(CallbackData, prefix="cl"):
    """Prev / Next under /campaigns: the page starting `offset` campaigns from the newest."""

    offset: int


class OpenCampaign(CallbackData, prefix="co"):
    """A campaign's button in /campaigns: show its card."""

    id: int


def status_of(campaign: Campaign, settings: Settings, lang: str) -> str:
    """The status as the list shows it; a campaign waiting for its start time says when, and a
    recurring one its round and its next run."""
    if waits_for_start(campaign) and campaign.start_at is not None:
        return scheduled_for(campaign.start_at, lang, settings.zone)
    between = rounds_view.between(campaign)
    status = t(lang, rounds_view.BETWEEN_ROUNDS if between else STATUS[campaign.status.value])
    # A recurring campaign says its round and when the next one runs.
    if (round_line := rounds_view.round_line(campaign, lang, settings.zone)) is not None:
        return f"{status} · {round_line}"
    return status


async def page(
    pool: Pool, settings: Settings, lang: str, offset: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The list's text and buttons from `offset`; None if nothing is there."""
    async with pool.connection() as conn:
        found = await campaigns.list_recent(conn, limit=PAGE + 1, offset=offset)
    if not found:
        return None
    rows = [
        t(
            lang,
            "#{id} {name}: {status}",
            id=c.id,
            name=c.name,
            status=Html(status_of(c, settings, lang)),
        )
        for c in found[:PAGE]
    ]
    buttons = [
        [
            InlineKeyboardButton(
                text=cut(f"#{c.id} {c.name}"), callback_data=OpenCampaign(id=c.id).pack()
            )
        ]
        for c in found[:PAGE]
    ]
    nav = []
    if offset > 0:
        back = CampaignsPage(offset=max(offset - PAGE, 0)).pack()
        nav.append(InlineKeyboardButton(text=t(lang, "◀️ Prev"), callback_data=back))
    if len(found) > PAGE:
        more = CampaignsPage(offset=offset + PAGE).pack()
        nav.append(InlineKeyboardButton(text=t(lang, "Next ▶️"), callback_data=more))
    markup = InlineKeyboardMarkup(inline_keyboard=[*buttons, *([nav] if nav else [])])
    return "\n".join([t(lang, "<b>Campaigns</b>"), *rows]), markup


async def cmd_campaigns(message: Message, pool: Pool, settings: Settings, lang: str) -> None:
    """The newest campaigns with their status, each with a button to its card."""
    shown = await page(pool, settings, lang, 0)
    if shown is None:
        await message.answer(t(lang, "No campaigns yet. /new_campaign prepares one."))
        return
    await message.answer(shown[0], reply_markup=shown[1])


async def on_page(
    callback: CallbackQuery,
    callback_data: CampaignsPage,
    bot: Bot,
    pool: Pool,
    settings: Settings,
    lang: str,
) -> None:
    """Prev / Next: the list's message shows another page."""
    offset = callback_data.offset
    shown = await page(pool, settings, lang, offset) if 0 <= offset < MAX_ID else None
    if shown is None or callback.message is None:
        await callback.answer(t(lang, "This button is no longer valid"))
        return
    try:
        await bot.edit_message_text(
            shown[0],
            chat_id=callback.message.chat.id,
            message_id=callback.message.message_id,
            reply_markup=shown[1],
        )
    except TelegramBadRequest as exc:
        if not not_modified(exc):
            raise
    await callback.answer()


async def view(
    pool: Pool, settings: Settings, campaign_id: int, lang: str, *, viewer: bool
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """A campaign's card as it is now, with the buttons the one looking may press."""
    if not 0 < campaign_id < MAX_ID:
        return None
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
        if campaign is None:
            return None
        return await compose(conn, campaign, zone=settings.zone, lang=lang, viewer=viewer)


async def on_open(
    callback: CallbackQuery,
    callback_data: OpenCampaign,
    bot: Bot,
    pool: Pool,
    settings: Settings,
    operator: Operator,
    lang: str,
) -> None:
    """Show the campaign's card as it is now (the live card stays where it is)."""
    viewer = operator.role is Role.VIEWER
    shown = await view(pool, settings, callback_data.id, lang, viewer=viewer)
    if shown is None:
        await callback.answer(t(lang, "No campaign #{id}.", id=callback_data.id))
        return
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    await bot.send_message(chat_id, shown[0], reply_markup=shown[1])
    await callback.answer()


def make_router() -> Router:
    """Build this feature's router; read-only, so viewers use it too."""
    router = Router(name=__name__)
    router.message.register(cmd_campaigns, Command("campaigns"), flags=READ_ONLY)
    router.callback_query.register(on_page, CampaignsPage.filter(), flags=READ_ONLY)
    router.callback_query.register(on_open, OpenCampaign.filter(), flags=READ_ONLY)
    return router
