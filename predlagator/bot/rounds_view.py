"""A recurring campaign in words: its rule, the round it is on and when the next one starts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from predlagator import recurrence
from predlagator.bot.texts import N_, t, tn
from predlagator.models import FINISHED, Campaign, CampaignStatus

# A recurring campaign whose round is done and whose next one waits for its time.
BETWEEN_ROUNDS = N_("🕒 Waiting for the next round")
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def describe(rule: recurrence.Rule, lang: str) -> str:
    """The rule as one line: "every 6 h · 10 rounds · the previous post is deleted first"."""
    if rule.kind is recurrence.Kind.HOURS:
        when = tn(lang, "every hour", "every {n} hours", rule.every)
    elif rule.kind is recurrence.Kind.DAYS:
        when = tn(lang, "every day", "every {n} days", rule.every)
    else:
        days = ", ".join(t(lang, WEEKDAYS[d]) for d in sorted(rule.weekdays))
        at = rule.at.strftime("%H:%M") if rule.at is not None else "?"
        when = t(lang, "on {days} at {at}", days=days, at=at)
    parts = [when]
    if rule.rounds is not None:
        parts.append(tn(lang, "{n} round", "{n} rounds", rule.rounds))
    if rule.until is not None:
        parts.append(t(lang, "until {date}", date=rule.until.isoformat()))
    if rule.delete_previous:
        parts.append(t(lang, "the previous post is deleted first"))
    return " · ".join(parts)


def moment(at: datetime, zone: ZoneInfo, lang: str) -> str:
    """A round's time as the card says it: "Thu 12-03 09:00" in TIMEZONE."""
    local = at.astimezone(zone)
    return f"{t(lang, WEEKDAYS[local.weekday()])} {local:%m-%d %H:%M}"


def between(campaign: Campaign) -> bool:
    """Waiting for its next round: scheduled once a round ran (the launch sets the next one's
    time; a campaign not launched yet has none)."""
    return campaign.status is CampaignStatus.SCHEDULED and campaign.next_round_at is not None


def round_line(campaign: Campaign, lang: str, zone: ZoneInfo) -> str | None:
    """ "🔁 Round 3 of 10 · next Thu 12-03 09:00"; None for a campaign sent once."""
    rule = recurrence.from_json(campaign.repeat)
    if rule is None:
        return None
    if rule.rounds is not None:
        line = t(lang, "🔁 Round {round} of {total}", round=campaign.round, total=rule.rounds)
    else:
        line = t(lang, "🔁 Round {round}", round=campaign.round)
    if campaign.next_round_at is not None and campaign.status not in FINISHED:
        at = moment(campaign.next_round_at, zone, lang)
        line += " · " + t(lang, "next {at}", at=at)
    return line
