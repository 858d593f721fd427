"""The wizard's last step: what was chosen, read back from the database, and the summary."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from predlagator import recurrence
from predlagator.bot import rounds_view
from predlagator.bot.account_names import account_label, account_names
from predlagator.bot.campaigns.wizard.start_time import show
from predlagator.bot.campaigns.wizard.states import Draft
from predlagator.bot.texts import Html, duration, t, tn
from predlagator.db import account_split, accounts, picks, templates
from predlagator.db.picks import BatchPick
from predlagator.db.rows import Conn
from predlagator.models import Account, Template


@dataclass(frozen=True)
class Picks:
    """The batch, template and account the draft names, as they are now (None if gone)."""

    batch: BatchPick | None
    template: Template | None
    account: Account | None  # the first account chosen
    accounts: list[Account]  # every account chosen that still exists, in the draft's order

    def together(self) -> float:
        """The chosen accounts' paces added up: a campaign without a cap goes this fast."""
        return sum(a.rate_per_minute for a in self.accounts)


async def load_picks(conn: Conn, draft: Draft) -> Picks:
    """Read the draft's choices afresh."""
    batch = await picks.batch(conn, draft.batch_id) if draft.batch_id else None
    template = await templates.get_live(conn, draft.template_id) if draft.template_id else None
    chosen = await account_split.by_ids(conn, draft.chosen()) if draft.chosen() else []
    return Picks(batch, template, chosen[0] if chosen else None, chosen)


def pace(draft: Draft, account: Account | None) -> float:
    """The pace posts will really go at: the campaign's, but never faster than its account."""
    rate = draft.rate or 0.0
    return min(rate, account.rate_per_minute) if account is not None else rate


def pace_of_many(draft: Draft, chosen: Picks) -> float:
    """The pace over several accounts: their paces together, or the cap if it is lower."""
    together = chosen.together()
    return together if draft.uncapped() or draft.rate is None else min(draft.rate, together)


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
    active = batch.active_count if batch is not None else 0
    if len(chosen.accounts) > 1:
        lines += several_accounts(draft, chosen, active, lang)
    else:
        lines += one_account(draft, account, active, lang)
    lines.append(t(lang, "Retries after a temporary error: {n}", n=draft.retry_limit or 0))
    when = show(draft.start_at, zone) if draft.start_at else t(lang, "now")
    lines.append(t(lang, "Start: {when}", when=when))
    rule = recurrence.from_json(draft.repeat)
    if rule is not None:
        lines.append(t(lang, "Repeat: {rule}", rule=rounds_view.describe(rule, lang)))
    return "\n".join(lines)


def one_account(draft: Draft, account: Account | None, active: int, lang: str) -> list[str]:
    """The account and pace lines of a campaign with one account."""
    # No account yet: the one TG_SESSION signs in is made with the campaign.
    name = account_label(lang, account) if account is not None else accounts.MAIN_ACCOUNT
    lines = [t(lang, "Account: {name}", name=Html(name))]
    speed = pace(draft, account)
    eta = duration(lang, active / speed) if speed else Html("?")
    rate = f"{draft.rate or 0:g}"
    lines.append(t(lang, "Pace: {rate}/min, about {eta}", rate=rate, eta=eta))
    if account is not None and speed < (draft.rate or 0):
        limit = f"{account.rate_per_minute:g}"
        lines.append(t(lang, "(the account sends at most {rate}/min)", rate=limit))
    return lines


def several_accounts(draft: Draft, chosen: Picks, active: int, lang: str) -> list[str]:
    """The accounts and pace lines of a campaign over several accounts."""
    names = Html(account_names(lang, chosen.accounts))
    lines = [t(lang, "Accounts ({n}): {names}", n=len(chosen.accounts), names=names)]
    speed = pace_of_many(draft, chosen)
    eta = duration(lang, active / speed) if speed else Html("?")
    together = f"{chosen.together():g}"
    if draft.uncapped() or draft.rate is None:
        lines.append(
            t(
                lang,
                "Pace: no cap, the accounts' paces together: {rate}/min, about {eta}",
                rate=together,
                eta=eta,
            )
        )
    else:
        lines.append(
            t(
                lang,
                "Pace: at most {rate}/min (the accounts together: {together}/min), about {eta}",
                rate=f"{draft.rate:g}",
                together=together,
                eta=eta,
            )
        )
    return lines
