"""Campaign controls: what start, pause, resume and cancel do, whoever asks and however."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import procrastinate
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from predlagator.bot.campaigns import card
from predlagator.bot.campaigns.wizard.start_time import show
from predlagator.bot.texts import N_, Html, error, t
from predlagator.db import account_split, audit, campaign_lookup, campaigns
from predlagator.db.pool import Pool
from predlagator.models import FINISHED, Account, Campaign, CampaignStatus, Operator
from predlagator.queue import defer

log = logging.getLogger(__name__)
S = CampaignStatus
UNFINISHED = frozenset(S) - FINISHED


@dataclass(frozen=True)
class Control:
    """One control: its command, the states it applies to, the state it leads to, its texts."""

    action: str
    command: str
    to: CampaignStatus
    applies_to: frozenset[CampaignStatus]
    done: str  # said when it worked
    nothing: str  # said when no campaign is in a state it applies to
    which: str  # asks which campaign, over the candidates' buttons
    toast: str | None = None  # said under a card, whose redraw shows which campaign changed


START = Control(
    "start",
    "start_campaign",
    S.SCHEDULED,
    frozenset({S.DRAFT}),
    N_("Campaign #{id} is starting."),
    N_("No prepared campaign to start. /new_campaign prepares one."),
    N_("Which campaign to start?"),
)
PAUSE = Control(
    "pause",
    "pause",
    S.PAUSED,
    frozenset({S.SCHEDULED, S.RUNNING, S.WAITING}),
    N_("Campaign #{id} paused."),
    N_("No campaign is sending, so there is nothing to pause."),
    N_("Which campaign to pause?"),
    N_("Paused"),
)
RESUME = Control(
    "resume",
    "resume",
    S.RUNNING,
    frozenset({S.PAUSED}),
    N_("Campaign #{id} resumed."),
    N_("No campaign is paused, so there is nothing to resume."),
    N_("Which campaign to resume?"),
    N_("Resumed"),
)
CANCEL = Control(
    "cancel",
    "cancel",
    S.CANCELLED,
    UNFINISHED,
    N_("Campaign #{id} cancelled."),
    N_("No campaign is in progress, so there is nothing to cancel."),
    N_("Which campaign to cancel?"),
    N_("Cancelled"),
)
CONTROLS = {c.action: c for c in (START, PAUSE, RESUME, CANCEL)}
BY_COMMAND = {c.command: c for c in CONTROLS.values()}

# Why a control changed nothing, by the state the campaign was found in.
_NOT_STARTED = N_("Campaign #{id} has not started; /start_campaign {id} starts it.")
_REFUSALS: dict[str, dict[CampaignStatus, str]] = {
    "start": {
        S.PAUSED: N_("Campaign #{id} is paused; /resume {id} continues it."),
        S.SCHEDULED: N_("Campaign #{id} is already scheduled to start."),
    },
    "pause": {S.PAUSED: N_("Campaign #{id} is already paused."), S.DRAFT: _NOT_STARTED},
    "resume": {
        S.DRAFT: _NOT_STARTED,
        S.WAITING: N_("Campaign #{id} is waiting out a Telegram limit; it resumes by itself."),
    },
    "cancel": {},
}
_FALLBACK = {
    "start": N_("Campaign #{id} has already started."),
    "pause": N_("Campaign #{id} is not sending."),
    "resume": N_("Campaign #{id} is not paused."),
    "cancel": N_("Campaign #{id} has already finished."),
}
# Start and Resume make a campaign send: refused while its account cannot (it would show running
# while nothing drains it). An account stops on an account-fatal error, for good.
_ACCOUNT_STOPPED = {
    "start": N_(
        "Campaign #{id} can't start: its account {name} is stopped, so nothing would be sent. "
        "{reason}."
    ),
    "resume": N_(
        "Campaign #{id} can't resume: its account {name} is stopped, so nothing would be sent. "
        "{reason}."
    ),
}
_ALL_STOPPED = {
    "start": N_(
        "Campaign #{id} can't start: none of its {n} accounts can send (each is stopped or "
        "paused, see /status)."
    ),
    "resume": N_(
        "Campaign #{id} can't resume: none of its {n} accounts can send (each is stopped or "
        "paused, see /status)."
    ),
}
_PAUSED = N_("An operator paused the account")
_ENDED = {
    S.COMPLETED: N_("Campaign #{id} has already finished."),
    S.CANCELLED: N_("Campaign #{id} was cancelled."),
}


def why_not(control: Control, found: Campaign | None, campaign_id: int, lang: str) -> str:
    """Explain, in the operator's language, why the campaign did not change."""
    if found is None:
        return t(lang, "No campaign #{id}.", id=campaign_id)
    message = _ENDED.get(found.status) or _REFUSALS[control.action].get(found.status)
    return t(lang, message or _FALLBACK[control.action], id=campaign_id)


@dataclass
class Outcome:
    """What a control came to: whether the campaign changed, and what to tell the operator."""

    changed: bool
    text: str
    on_card: bool = False  # the campaign's card shows the change (or will in a moment)


@dataclass
class Tools:
    """What carrying out a control needs besides the campaign."""

    bot: Bot
    pool: Pool
    queue: procrastinate.App
    operator: Operator
    lang: str
    zone: ZoneInfo  # TIMEZONE, in which the card shows a start time


async def carry_out(control: Control, campaign_id: int, chat_id: int, tools: Tools) -> Outcome:
    """Move the campaign as `control` says, audited, then update its card and the workers."""
    moved = await _move(control, campaign_id, tools)
    if isinstance(moved, str):
        return Outcome(False, moved)
    campaign, text = moved, t(tools.lang, control.done, id=campaign_id)
    on_card = False
    if control is START:
        await _launch(campaign, chat_id, tools)
    elif control is CANCEL:
        on_card = await _after_cancel(campaign, tools)
    else:
        if campaign.status is S.RUNNING:  # resumed: every account of it drains again
            async with tools.pool.connection() as conn:
                shares = await account_split.of_campaign(conn, campaign.id)
            for account_id in sorted({s.id for s in shares} | {campaign.account_id}):
                await defer.kick_drain(tools.queue, account_id)
        elif campaign.status is S.SCHEDULED and campaign.next_round_at is not None:
            text = await _resumed_between_rounds(campaign, tools)
        elif campaign.status is S.SCHEDULED and campaign.start_at is not None:
            # Resumed before its start time: the launch deferred for then starts it.
            at = show(campaign.start_at, tools.zone)
            text = t(
                tools.lang, "Campaign #{id} resumed: it starts at {at}.", id=campaign_id, at=at
            )
        # Pausing needs nothing more: the drain reads the status before every post.
        await card.redraw(tools.bot, tools.pool, tools.queue, campaign.id, zone=tools.zone)
    return Outcome(True, text, on_card)


async def _resumed_between_rounds(campaign: Campaign, tools: Tools) -> str:
    """A recurring campaign resumed between rounds: the next round at its time, or now if its
    time passed during the pause (said so)."""
    assert campaign.next_round_at is not None
    at = show(campaign.next_round_at, tools.zone)
    following = campaign.round + 1
    if campaign.next_round_at > datetime.now(UTC):
        return t(
            tools.lang,
            "Campaign #{id} resumed: round {round} starts at {at}.",
            id=campaign.id,
            round=following,
            at=at,
        )
    await defer.start_round(tools.queue, campaign.id, None)
    return t(
        tools.lang,
        "Campaign #{id} resumed. Round {round} was due at {at}, so it starts now.",
        id=campaign.id,
        round=following,
        at=at,
    )


async def _move(control: Control, campaign_id: int, tools: Tools) -> Campaign | str:
    """Change the status and audit it in one transaction; the campaign, or why it did not."""
    async with tools.pool.connection() as conn, conn.transaction():
        details: dict[str, int] = {}
        if control.action in _ACCOUNT_STOPPED:
            # Refused only when no account of it can send: the others carry a stopped one's work.
            found_accounts = await account_split.lock_of_campaign(conn, campaign_id)
            if found_accounts and all(a.status != "active" for a in found_accounts):
                found = await campaigns.get(conn, campaign_id)
                if found is not None and found.status in control.applies_to:
                    return _stopped(control, campaign_id, found_accounts, tools.lang)
        if control is CANCEL:
            details["not_sent"] = await campaign_lookup.unsent(conn, campaign_id)
            changed = await campaigns.cancel(conn, campaign_id)
        elif control is RESUME:
            changed = await campaigns.resume(conn, campaign_id)
        else:
            changed = await campaigns.transition(
                conn, campaign_id, control.to, from_states=control.applies_to
            )
        if changed is None:
            found = await campaigns.get(conn, campaign_id)
            return why_not(control, found, campaign_id, tools.lang)
        action = f"campaign.{control.action}"
        await audit.record(conn, tools.operator.user_id, action, "campaign", campaign_id, **details)
    return changed


def _stopped(control: Control, campaign_id: int, found: list[Account], lang: str) -> str:
    """Why a campaign whose accounts are all stopped does not start or resume, in words."""
    if len(found) > 1:
        return t(lang, _ALL_STOPPED[control.action], id=campaign_id, n=len(found))
    account = found[0]
    stopped = account.status == "stopped"
    reason = error(lang, account.stop_reason) if stopped else Html(t(lang, _PAUSED))
    return t(
        lang, _ACCOUNT_STOPPED[control.action], id=campaign_id, name=account.name, reason=reason
    )


async def _launch(campaign: Campaign, chat_id: int, tools: Tools) -> None:
    """Put the card in the chat and ask a worker to launch the campaign."""
    try:
        await card.send(tools.bot, tools.pool, campaign, chat_id, zone=tools.zone)
    except TelegramAPIError:
        # Launching matters more than the card; the notifier draws one with the first progress.
        log.warning("card not sent", exc_info=True, extra={"campaign_id": campaign.id})
    await defer.launch_campaign(tools.queue, campaign.id)


async def _after_cancel(campaign: Campaign, tools: Tools) -> bool:
    """Show the cancel on the card; report it if it has ended and had ever started.

    True when a card shows it. The report's own redraw of the card then finds nothing new.
    """
    drawn = await card.redraw(
        tools.bot, tools.pool, tools.queue, campaign.id, zone=tools.zone, send_missing=False
    )
    # A post still on its way ends it when the drain records that post, and the drain reports
    # then; a campaign that never started has nothing to report.
    if campaign.finished_at is not None and campaign.started_at is not None:
        await defer.campaign_finished(tools.queue, campaign.id)
    return drawn is not card.Drawn.NONE


async def unsent(pool: Pool, campaign_id: int) -> tuple[Campaign | None, int]:
    """The campaign and how many of its posts a cancel would stop."""
    async with pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id)
        count = await campaign_lookup.unsent(conn, campaign_id) if campaign else 0
    return campaign, count
