"""Starting an action over a campaign's posts, and controlling one: checked, audited, kicked."""

from __future__ import annotations

from dataclasses import dataclass

from predlagator.bot.actions import views
from predlagator.bot.campaigns import card
from predlagator.bot.campaigns.lifecycle import Tools
from predlagator.bot.texts import N_, t, tn
from predlagator.db import actions, audit, campaigns
from predlagator.db.rows import Conn
from predlagator.models import ActionStatus, Campaign, CampaignAction, PostAction
from predlagator.queue import defer

K = PostAction
A = ActionStatus
# Ids past bigint are forged (or typed by mistake): they name no campaign.
MAX_ID = 2**63 - 1

NO_POSTS = {
    K.EDIT: N_("Campaign #{id} has no posts in any channel yet, so there is nothing to edit."),
    K.DELETE: N_("Campaign #{id} has no posts in any channel, so there is nothing to delete."),
    K.PIN: N_("Campaign #{id} has no posts in any channel yet, so there is nothing to pin."),
    K.UNPIN: N_("Campaign #{id} has no posts in any channel, so there is nothing to unpin."),
}
ALREADY = {
    K.EDIT: N_("Campaign #{id}'s posts are already being edited: {line}"),
    K.DELETE: N_("Campaign #{id}'s posts are already being deleted: {line}"),
    K.PIN: N_("Campaign #{id}'s posts are already being pinned: {line}"),
    K.UNPIN: N_("Campaign #{id}'s posts are already being unpinned: {line}"),
}
# Pin and unpin undo each other: one waits for the other to end.
CLASH = {
    K.PIN: N_("Campaign #{id}'s posts are being unpinned; cancel that on the card first."),
    K.UNPIN: N_("Campaign #{id}'s posts are being pinned; cancel that on the card first."),
}
_OTHER = {K.PIN: K.UNPIN, K.UNPIN: K.PIN}


def started(kind: PostAction, lang: str, n: int, campaign_id: int) -> str:
    """ "Editing 412 posts of campaign #5; the card shows how it goes." """
    if kind is K.EDIT:
        return tn(
            lang,
            "Editing {n} post of campaign #{id}; the card shows how it goes.",
            "Editing {n} posts of campaign #{id}; the card shows how it goes.",
            n,
            id=campaign_id,
        )
    if kind is K.DELETE:
        return tn(
            lang,
            "Deleting {n} post of campaign #{id}; the card shows how it goes.",
            "Deleting {n} posts of campaign #{id}; the card shows how it goes.",
            n,
            id=campaign_id,
        )
    if kind is K.PIN:
        return tn(
            lang,
            "Pinning {n} post of campaign #{id}; the card shows how it goes.",
            "Pinning {n} posts of campaign #{id}; the card shows how it goes.",
            n,
            id=campaign_id,
        )
    return tn(
        lang,
        "Unpinning {n} post of campaign #{id}; the card shows how it goes.",
        "Unpinning {n} posts of campaign #{id}; the card shows how it goes.",
        n,
        id=campaign_id,
    )


@dataclass(frozen=True)
class Found:
    """A campaign an action may start on, and how many of its posts it would touch."""

    campaign: Campaign
    posts: int


async def _open(conn: Conn, campaign_id: int, kind: PostAction) -> CampaignAction | None:
    found = await actions.of_campaign(conn, campaign_id)
    return next((a for a in found if a.kind is kind and a.status in views.OPEN), None)


async def already(conn: Conn, action: CampaignAction, lang: str) -> str:
    """What a second press says: the open action and how far it got."""
    progress = await actions.progress(conn, action.id)
    line = views.counts(progress, lang)
    return t(lang, ALREADY[action.kind], id=action.campaign_id, line=line)


async def look(tools: Tools, campaign_id: int, kind: PostAction) -> Found | str:
    """The campaign and its posts, or why the action does not start (said in words)."""
    lang = tools.lang
    if not 0 < campaign_id <= MAX_ID:
        return t(lang, "No campaign #{id}.", id=campaign_id)
    async with tools.pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
        if campaign is None:
            return t(lang, "No campaign #{id}.", id=campaign_id)
        open_one = await _open(conn, campaign_id, kind)
        if open_one is not None:
            return await already(conn, open_one, lang)
        if kind in _OTHER and await _open(conn, campaign_id, _OTHER[kind]) is not None:
            return t(lang, CLASH[kind], id=campaign_id)
        posts = await actions.targets(conn, campaign_id) if views.may_act(campaign) else 0
    if not posts:
        return t(lang, NO_POSTS[kind], id=campaign_id)
    return Found(campaign, posts)


async def start(
    conn: Conn,
    tools: Tools,
    campaign_id: int,
    kind: PostAction,
    chat_id: int,
    *,
    template_id: int | None = None,
    silent: bool = True,
) -> tuple[CampaignAction, str]:
    """Start the action (audited) inside the caller's transaction; it and what to say.

    A second start while one of its kind is open finds that one and says so.
    """
    action, made_now = await actions.start(
        conn,
        campaign_id=campaign_id,
        kind=kind,
        template_id=template_id,
        silent=silent,
        chat_id=chat_id,
        created_by=tools.operator.user_id,
    )
    if not made_now:
        return action, await already(conn, action, tools.lang)
    posts = (await actions.progress(conn, action.id)).total
    details: dict[str, object] = {"action_id": action.id, "posts": posts}
    if template_id is not None:
        details["template_id"] = template_id
    if kind is K.PIN:
        details["silent"] = silent
    await audit.record(
        conn, tools.operator.user_id, f"action.{kind.value}", "campaign", campaign_id, **details
    )
    return action, started(kind, tools.lang, posts, campaign_id)


async def kick(tools: Tools, action: CampaignAction) -> None:
    """Wake the drains of the accounts that made the action's posts, then redraw the card."""
    async with tools.pool.connection() as conn:
        accounts = await actions.accounts_of(conn, action.id)
    for account_id in accounts:
        await defer.kick_drain(tools.queue, account_id)
    await card.redraw(
        tools.bot, tools.pool, tools.queue, action.campaign_id, zone=tools.zone, send_missing=False
    )


async def begin(
    tools: Tools, campaign_id: int, kind: PostAction, chat_id: int, *, silent: bool = True
) -> str:
    """Start a delete, pin or unpin now: checked, audited, kicked; what to tell the operator."""
    found = await look(tools, campaign_id, kind)
    if isinstance(found, str):
        return found
    async with tools.pool.connection() as conn, conn.transaction():
        action, text = await start(conn, tools, campaign_id, kind, chat_id, silent=silent)
    await kick(tools, action)
    return text
