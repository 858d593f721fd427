"""Confirm: check the choices still hold, then create the campaign exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram.fsm.storage.base import StorageKey

from predlagator import recurrence
from predlagator.bot.campaigns.wizard.start_time import show
from predlagator.bot.campaigns.wizard.states import Draft, stored
from predlagator.bot.campaigns.wizard.summary import Picks
from predlagator.bot.fsm_storage import key_columns
from predlagator.bot.texts import t
from predlagator.config import Settings
from predlagator.db import accounts, audit, campaigns, fsm, rounds, schedules
from predlagator.db.picks import BatchPick
from predlagator.db.pool import Pool
from predlagator.models import Campaign, Operator


def batch_refusal(batch: BatchPick | None, lang: str) -> str | None:
    """Why a batch can't carry a campaign (gone, empty, nothing active), or None if it can."""
    if batch is None:
        return t(lang, "That batch no longer exists. Pick another.")
    if batch.channel_count == 0:
        return t(lang, "Batch «{name}» has no channels. Pick another.", name=batch.name)
    if batch.active_count == 0:
        return t(
            lang,
            "Batch «{name}» has no active channels ({n} switched off). Pick another.",
            name=batch.name,
            n=batch.channel_count,
        )
    return None


def problem(
    draft: Draft, chosen: Picks, now: datetime, zone: ZoneInfo, lang: str
) -> tuple[str, str] | None:
    """The step to go back to and why, if something changed since it was answered."""
    refusal = batch_refusal(chosen.batch, lang)
    if refusal is not None:
        return "batch", refusal
    if chosen.template is None:
        return "template", t(lang, "That template no longer exists. Pick another.")
    usable = [a for a in chosen.accounts if a.status == "active" and a.removed_at is None]
    if len(usable) < len(draft.chosen()):
        return "account", t(lang, "That account can't send any more. Choose again.")
    if draft.rate is None and not draft.uncapped():  # "no cap", then all but one unticked
        return "rate", t(lang, "Choose the pace again.")
    if draft.start_at is not None and draft.start_at <= now:
        at = show(draft.start_at, zone)
        return "start", t(lang, "{at} has already passed. Choose the start again.", at=at)
    return None


def first_round(draft: Draft, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The campaign's start: the one chosen, or for a rule on weekdays the first of them from
    it (or from now)."""
    rule = recurrence.from_json(draft.repeat)
    if rule is None or rule.kind is not recurrence.Kind.WEEKDAYS:
        return draft.start_at
    return recurrence.first_at(rule, draft.start_at or now, zone.key).astimezone(zone)


def several(chosen: list[int], cap: float | None) -> dict[str, object]:
    """The audit's details of a campaign over several accounts (none for one)."""
    if len(chosen) < 2:
        return {}
    return {"more_accounts": chosen[1:], "pace_uncapped": cap is None}


async def create(
    pool: Pool,
    key: StorageKey,
    draft: Draft,
    settings: Settings,
    operator: Operator,
    chat_id: int,
    lang: str,
) -> Campaign | None:
    """End the wizard and create its campaign in one transaction; None if it had ended."""
    assert draft.batch_id and draft.template_id  # a draft reaches Confirm with every answer
    assert draft.retry_limit is not None
    assert draft.rate is not None or draft.uncapped()
    async with pool.connection() as conn, conn.transaction():
        # Ending the dialog in the same transaction makes a second Confirm find nothing.
        ended = await fsm.finish(conn, key_columns(key), stored("confirm"), draft.token)
        if ended is None:
            return None
        chosen = draft.chosen()
        if not chosen:  # no account yet: the one TG_SESSION signs in, as before
            rate = settings.default_rate_per_minute
            chosen = [(await accounts.ensure(conn, accounts.MAIN_ACCOUNT, rate)).id]
        account_id = chosen[0]
        # None: no cap, the campaign goes at its accounts' paces together.
        cap = None if draft.uncapped() else draft.rate
        campaign = await campaigns.create(
            conn,
            name=draft.name or "",
            batch_id=draft.batch_id,
            template_id=draft.template_id,
            account_id=account_id,
            rate_per_minute=cap,
            retry_limit=draft.retry_limit,
            chat_id=chat_id,
            language=lang,
            created_by=operator.user_id,
            more_accounts=chosen[1:],
        )
        start_at = draft.start_at.astimezone(UTC).isoformat() if draft.start_at else None
        details = draft.model_dump(include={"batch_id", "template_id", "retry_limit"})
        await audit.record(
            conn,
            operator.user_id,
            "campaign.create",
            "campaign",
            campaign.id,
            account_id=account_id,
            start_at=start_at,
            rate=cap,
            **details,
            **several(chosen, cap),
        )
        if draft.repeat is not None:
            rule = recurrence.from_json(draft.repeat)
            recurring = await rounds.set_rule(conn, campaign.id, rule)
            assert recurring is not None  # a draft made a moment ago in this transaction
            await audit.record(
                conn,
                operator.user_id,
                "campaign.repeat",
                "campaign",
                campaign.id,
                rule=draft.repeat,
            )
            campaign = recurring
        if draft.start_at is not None:
            scheduled = await schedules.schedule(conn, campaign.id, draft.start_at)
            assert scheduled is not None  # a draft made a moment ago in this transaction
            await audit.record(
                conn, operator.user_id, "campaign.schedule", "campaign", campaign.id, at=start_at
            )
            campaign = scheduled
    return campaign
