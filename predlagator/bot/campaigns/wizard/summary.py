"""The wizard's last step: what was chosen, read back from the database, and the summary."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from predlagator.bot.campaigns.wizard.start_time import show
from predlagator.bot.campaigns.wizard.states import Draft
from predlagator.bot.texts import Html, duration, t, tn
from predlagator.db import accounts, picks, templates
from predlagator.db.picks import BatchPick
from predlagator.db.rows import Conn
from predlagator.models import Account, Template


@dataclass(frozen=True)
class Picks:
    """The batch, template and account the draft names, as they are now (None if gone)."""

    batch: BatchPick | None
    template: Template | None
    account: Account | None


async def load_picks(conn: Conn, draft: Draft) -> Picks:
    """Read the draft's choices afresh."""
    batch = await picks.batch(conn, draft.batch_id) if draft.batch_id else None
    template = await templates.get_live(conn, draft.template_id) if draft.template_id else None
    account = await accounts.get(conn, draft.account_id) if draft.account_id else None
    return Picks(batch, template, account)


def pace(draft: Draft, account: Account | None) -> float:
    """The pace posts will really go at: the campaign's, but never faster than its account."""
    rate = draft.rate or 0.0
    return min(rate, account.rate_per_minute) if account is not None else rate


def summary(draft: Draft, chosen: Picks, zone: ZoneInfo, lang: str) -> str:
    """Every answer on one screen, with the channel counts and how long it will take."""
    batch, template, account = chosen.batch, chosen.template, chosen.account
    lines = [
        t(lang, "<b>Check the campaign and confirm</b>"),
        t(lang, "Name: {name}", name=draft.name or ""),
    ]
    if batch is not None:
        channels = Html(tn(lang, "{n} channel", "{n} channels", batch.channel_count))
        lines.append(
            t(
                lang,
                "Batch: «{name}», {channels}, {active} active",
                name=batch.name,
                channels=channels,
                active=batch.active_count,
            )
        )
    if template is not None:
        lines.append(t(lang, "Post: «{name}»", name=template.name))
    # No account yet: the one TG_SESSION signs in is made with the campaign.
    account_name = account.name if account is not None else accounts.MAIN_ACCOUNT
    lines.append(t(lang, "Account: {name}", name=account_name))
    speed = pace(draft, account)
    active = batch.active_count if batch is not None else 0
    eta = duration(lang, active / speed) if speed else Html("?")
    rate = f"{draft.rate or 0:g}"
    lines.append(t(lang, "Pace: {rate}/min, about {eta}", rate=rate, eta=eta))
    if account is not None and speed < (draft.rate or 0):
        limit = f"{account.rate_per_minute:g}"
        lines.append(t(lang, "(the account sends at most {rate}/min)", rate=limit))
    lines.append(t(lang, "Retries after a temporary error: {n}", n=draft.retry_limit or 0))
    when = show(draft.start_at, zone) if draft.start_at else t(lang, "now")
    lines.append(t(lang, "Start: {when}", when=when))
    return "\n".join(lines)
