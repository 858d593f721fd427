"""/report and the Report button: a campaign's report again, for anyone who may look."""

from __future__ import annotations

import procrastinate
from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from predlagator.bot.access.viewers import READ_ONLY
from predlagator.bot.reports import sending
from predlagator.bot.reports.keyboards import ReportCampaign, report_buttons
from predlagator.bot.texts import N_, echo, t
from predlagator.db import campaigns
from predlagator.db import report as db_report
from predlagator.db.pool import Pool
from predlagator.models import Campaign, CampaignStatus

# Campaigns offered as buttons when /report comes without an id or a name.
OFFERED = 8
# A campaign that has not launched yet has no ledger: nothing to report.
NOT_STARTED = frozenset({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED})
# Longest id we read as a number: past bigint it is a name, and one that matches nothing.
_ID_DIGITS = 18
_MAX_ID = 2**63 - 1
# Said when the report was asked for again while it is on its way (or has just arrived).
ON_ITS_WAY = N_("The report is on its way.")


def parse_ref(args: str | None) -> int | str | None:
    """The campaign of `/report 12`, `/report #12` or `/report Spring sale` (None if empty)."""
    text = " ".join((args or "").split())
    digits = text.removeprefix("#")
    if digits.isascii() and digits.isdigit() and len(digits) <= _ID_DIGITS:  # not "²"
        return int(digits)
    return text.strip("\"'«»“”") or None


async def find(pool: Pool, ref: int | str, lang: str) -> tuple[Campaign | None, str]:
    """The campaign `ref` names, or None and why not, in the operator's words."""
    async with pool.connection() as conn:
        if isinstance(ref, int):
            # A forged button may carry any number; one past bigint names no campaign.
            found = await campaigns.get(conn, ref) if 0 < ref <= _MAX_ID else None
            if found is None:
                return None, t(lang, "There is no campaign #{id}.", id=ref)
        else:
            named = await db_report.by_name(conn, ref)
            if not named:
                return None, t(lang, "There is no campaign named “{name}”.", name=echo(ref))
            if len(named) > 1:
                ids = ", ".join(f"#{c.id}" for c in named)
                return None, t(
                    lang,
                    "Several campaigns are named “{name}”: {ids}. Send /report with the id.",
                    name=echo(ref),
                    ids=ids,
                )
            found = named[0]
    if found.status in NOT_STARTED:
        return None, t(lang, "Campaign #{id} has not started yet: nothing to report.", id=found.id)
    return found, ""


async def cmd_report(
    message: Message,
    command: CommandObject,
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    lang: str,
) -> None:
    """/report ID or NAME: the report into this chat; without either, buttons to pick one."""
    ref = parse_ref(command.args)
    if ref is None:
        await _offer(message, pool, lang)
        return
    campaign, why = await find(pool, ref, lang)
    if campaign is None:
        await message.answer(why)
        return
    if not await sending.claim(pool, campaign.id, message.chat.id):
        await message.answer(t(lang, ON_ITS_WAY))
        return
    await sending.send(queue, bot, pool, campaign.id, message.chat.id, lang)


async def _offer(message: Message, pool: Pool, lang: str) -> None:
    async with pool.connection() as conn:
        recent = await db_report.reportable(conn, OFFERED)
    usage = t(lang, "Send /report with a campaign's id or name, e.g. /report 12.")
    if not recent:
        await message.answer(usage)
        return
    buttons = report_buttons([(c.id, f"📊 #{c.id} {c.name}") for c in recent])
    await message.answer(t(lang, "Which campaign's report?") + "\n" + usage, reply_markup=buttons)


async def on_report(
    callback: CallbackQuery,
    callback_data: ReportCampaign,
    bot: Bot,
    pool: Pool,
    queue: procrastinate.App,
    lang: str,
) -> None:
    """The Report button: check the campaign is still there, then send its report."""
    campaign, why = await find(pool, callback_data.id, lang)
    if campaign is None:
        await callback.answer(why)
        return
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    if not await sending.claim(pool, campaign.id, chat_id):
        await callback.answer(t(lang, ON_ITS_WAY))
        return
    await callback.answer(t(lang, "Sending the report…"))
    await sending.send(queue, bot, pool, campaign.id, chat_id, lang)


def make_router() -> Router:
    """Build this feature's router; it changes nothing, so viewers may use it too."""
    router = Router(name=__name__)
    router.message.register(cmd_report, Command("report"), flags=READ_ONLY)
    router.callback_query.register(on_report, ReportCampaign.filter(), flags=READ_ONLY)
    return router
