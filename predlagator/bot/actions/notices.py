"""An action over a campaign's posts ended: the card drawn once more, and its summary said."""

from __future__ import annotations

import procrastinate
from procrastinate import JobContext

from predlagator.bot import notifications
from predlagator.bot.actions import views
from predlagator.bot.campaigns import card
from predlagator.bot.reports import reach as report_reach
from predlagator.bot.texts import N_, t
from predlagator.db import actions, campaigns
from predlagator.models import ActionProgress, ActionReportRow, ActionStatus, Campaign, PostAction
from predlagator.models import CampaignAction as Action
from predlagator.queue import names

K = PostAction
A = ActionStatus

blueprint = procrastinate.Blueprint()

ENDED = {
    (K.EDIT, A.COMPLETED): N_("✏️ Campaign #{id} «{name}»: the edit is done."),
    (K.EDIT, A.CANCELLED): N_("✏️ Campaign #{id} «{name}»: the edit was cancelled."),
    (K.DELETE, A.COMPLETED): N_("🗑 Campaign #{id} «{name}»: the delete is done."),
    (K.DELETE, A.CANCELLED): N_("🗑 Campaign #{id} «{name}»: the delete was cancelled."),
    (K.PIN, A.COMPLETED): N_("📌 Campaign #{id} «{name}»: the pin is done."),
    (K.PIN, A.CANCELLED): N_("📌 Campaign #{id} «{name}»: the pin was cancelled."),
    (K.UNPIN, A.COMPLETED): N_("📍 Campaign #{id} «{name}»: the unpin is done."),
    (K.UNPIN, A.CANCELLED): N_("📍 Campaign #{id} «{name}»: the unpin was cancelled."),
}


@blueprint.task(name=names.ACTION_FINISHED, **notifications.TASK)
async def action_finished(context: JobContext, action_id: int) -> None:
    """Redraw the campaign's card (its action line goes) and send the action's summary."""
    bot, pool = notifications.deps(context)
    async with pool.connection() as conn:
        action = await actions.get(conn, action_id)
        campaign = await campaigns.get(conn, action.campaign_id) if action else None
        if action is None or campaign is None:
            return
        if action.kind is K.REACH:  # only a Refresh reach is announced (the worker's filter)
            figures = await report_reach.read(conn, campaign.id)
            chat_id = action.chat_id or campaign.chat_id
            if chat_id is not None:
                await notifications.say(context, bot, chat_id, reach_read(campaign, figures))
            return
        progress = await actions.progress(conn, action_id)
        rows = [r for r in await actions.report_rows(conn, campaign.id) if r.action_id == action_id]
    await card.redraw(bot, pool, context.app, campaign.id, zone=notifications.zone(context))
    chat_id = action.chat_id or campaign.chat_id
    # A recurring campaign's delete of the round before's posts: the round's report tells how
    # it went ("After the send"), so no message a round besides.
    if chat_id is None or action.round is not None:
        return
    await notifications.say(context, bot, chat_id, summary(campaign, action, progress, rows))


def reach_read(campaign: Campaign, figures: report_reach.Reach) -> str:
    """What a Refresh reach says once read: the totals, the rest in the report."""
    lang = campaign.language
    head = t(lang, "📊 Campaign #{id} «{name}»: reach read.", id=campaign.id, name=campaign.name)
    more = t(lang, "The whole report: /report {id}", id=campaign.id)
    return "\n".join([head, *report_reach.totals(figures, lang), more])


def summary(
    campaign: Campaign, action: Action, progress: ActionProgress, rows: list[ActionReportRow]
) -> str:
    """The summary: how the action ended, its counts, and its outcomes in words."""
    lang = campaign.language
    ended = A.CANCELLED if action.status is A.CANCELLED else A.COMPLETED
    lines = [
        t(lang, ENDED[action.kind, ended], id=campaign.id, name=campaign.name),
        views.counts(progress, lang),
    ]
    if progress.cancelled:
        lines[-1] += " · " + t(lang, "{n} not done", n=progress.cancelled)
    return "\n".join(lines + views.reasons(action.kind, rows, lang))
