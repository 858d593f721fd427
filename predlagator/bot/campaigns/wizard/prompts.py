"""What the wizard shows at each step: the question and its buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiogram.types import InlineKeyboardMarkup

from predlagator.bot.campaigns.wizard import answers, start_time
from predlagator.bot.campaigns.wizard.keyboards import Buttons, minute_of
from predlagator.bot.campaigns.wizard.repeat_prompts import repeat_prompt
from predlagator.bot.campaigns.wizard.states import REPEAT_STEPS, Draft
from predlagator.bot.campaigns.wizard.summary import Picks, load_picks, summary
from predlagator.bot.texts import Html, cut, t
from predlagator.config import Settings
from predlagator.db import picks, templates
from predlagator.db.pool import Pool
from predlagator.models import Account

PAGE = 8
# How much of an account's name its button shows: the name is cut, never the mark after it.
NAME_CHARS = 24
# Telegram takes at most 100 buttons under a message; the account step shows this many.
ACCOUNTS_SHOWN = 90
RATES = (5.0, 10.0, 20.0, 30.0)
RETRIES = (0, 1, 3, 5)


@dataclass(frozen=True)
class Env:
    """What every step needs: the database, settings, the operator's language and the time."""

    pool: Pool
    settings: Settings
    lang: str
    now: datetime


@dataclass(frozen=True)
class Prompt:
    """A step's message: text and keyboard."""

    text: str
    markup: InlineKeyboardMarkup


def default_rate(settings: Settings, account: Account | None) -> float:
    """The suggested pace: the setting, no faster than the account, within the range."""
    rate = settings.default_rate_per_minute
    if account is not None:
        rate = min(rate, account.rate_per_minute)
    return min(max(rate, answers.RATE_MIN), answers.RATE_MAX)


def default_retry_limit(settings: Settings) -> int:
    """The suggested retry limit: RETRY_LIMIT, within the range."""
    return min(max(settings.retry_limit, answers.RETRY_MIN), answers.RETRY_MAX)


async def prompt(step: str, draft: Draft, env: Env, offset: int = 0) -> Prompt:
    """Render `step` for the draft (`offset`: the page of a picker)."""
    buttons = Buttons(draft.token, step, env.lang)
    if step == "name":
        return name_prompt(draft, buttons, env.lang)
    if step == "batch":
        return await batch_prompt(draft, buttons, env, offset)
    if step == "template":
        return await template_prompt(draft, buttons, env, offset)
    if step == "account":
        return await account_prompt(draft, buttons, env)
    if step == "retry":
        return retry_prompt(draft, buttons, env)
    if step == "start":
        return start_prompt(buttons, env)
    if step in REPEAT_STEPS:
        return Prompt(*repeat_prompt(step, draft, env.lang, env.settings.zone.key))
    async with env.pool.connection() as conn:
        chosen = await load_picks(conn, draft)
    if step == "rate":
        return rate_prompt(draft, buttons, env, chosen)
    text = summary(draft, chosen, env.settings.zone, env.lang)
    confirm = [[buttons.button(t(env.lang, "✅ Confirm"), "confirm")]]
    return Prompt(text, buttons.markup(confirm, buttons.nav()))


def name_prompt(draft: Draft, buttons: Buttons, lang: str) -> Prompt:
    """Ask for a name; offer to keep the one given before."""
    text = t(
        lang,
        "<b>New campaign</b>\nSend a name for it: one line, up to {max} characters.",
        max=answers.NAME_MAX,
    )
    keep = []
    if draft.name is not None:
        keep = [[buttons.button(t(lang, "Keep «{name}»", name=Html(draft.name)), "value")]]
    return Prompt(text, buttons.markup(keep, buttons.nav(back=False)))


async def batch_prompt(draft: Draft, buttons: Buttons, env: Env, offset: int) -> Prompt:
    """A page of batches, newest first, with their active and total channels."""
    async with env.pool.connection() as conn:
        found = await picks.batches_page(conn, PAGE + 1, offset)
    items = [(b.id, f"#{b.id} {b.name} ({count_label(b)})") for b in found[:PAGE]]
    text = t(env.lang, "Campaign «{name}». Pick the channels (batch):", name=draft.name or "")
    if not found and offset == 0:  # all deleted since the wizard began
        text = t(env.lang, "No batches yet. Send a list of channels to make one.")
    return Prompt(
        text,
        buttons.markup(
            buttons.picks(items, draft.batch_id),
            buttons.pages(offset, PAGE, len(found) > PAGE),
            buttons.nav(),
        ),
    )


def count_label(batch: picks.BatchPick) -> str:
    """ "12" when every channel is active, "10/12" when some are switched off."""
    if batch.active_count == batch.channel_count:
        return str(batch.channel_count)
    return f"{batch.active_count}/{batch.channel_count}"


async def template_prompt(draft: Draft, buttons: Buttons, env: Env, offset: int) -> Prompt:
    """A page of templates, newest first."""
    async with env.pool.connection() as conn:
        found = await templates.list_all(conn, limit=PAGE + 1, offset=offset)
    items = [(tpl.id, f"#{tpl.id} {tpl.name}") for tpl in found[:PAGE]]
    text = t(env.lang, "Now pick the post (template):")
    if not found and offset == 0:
        text = t(env.lang, "No templates yet. Send me the post you want to publish.")
    return Prompt(
        text,
        buttons.markup(
            buttons.picks(items, draft.template_id),
            buttons.pages(offset, PAGE, len(found) > PAGE),
            buttons.nav(),
        ),
    )


async def account_prompt(draft: Draft, buttons: Buttons, env: Env) -> Prompt:
    """The accounts that can send, each with its own pace, ticked or not."""
    async with env.pool.connection() as conn:
        found = await picks.active_accounts(conn)
    lang = env.lang
    items = [(a.id, pace_label(lang, a)) for a in found[:ACCOUNTS_SHOWN]]
    ticked = set(draft.chosen())
    together = sum(a.rate_per_minute for a in found if a.id in ticked)
    text = t(
        lang,
        "Which accounts send the posts? Press one to tick or untick it, then Done.\n"
        "Chosen: {n} of {total}, together {rate}/min.",
        n=len(ticked & {a.id for a in found}),
        total=len(found),
        rate=f"{together:g}",
    )
    if len(found) > ACCOUNTS_SHOWN:
        text += "\n" + t(lang, "(the first {n} are shown)", n=ACCOUNTS_SHOWN)
    return Prompt(text, buttons.markup(buttons.toggles(items, ticked), buttons.nav()))


def pace_label(lang: str, account: Account) -> str:
    """ "name · 20/min", marked when the account is simulated."""
    rate = f"{account.rate_per_minute:g}"
    label = t(lang, "{name} · {rate}/min", name=Html(cut(account.name, NAME_CHARS)), rate=rate)
    if account.kind == "simulated":  # the accounts screens' own mark
        label += " · " + t(lang, "🧪 simulated")
    return label


def rate_prompt(draft: Draft, buttons: Buttons, env: Env, chosen: Picks) -> Prompt:
    """Ask for the pace; suggest the default and a few common ones."""
    if len(chosen.accounts) > 1:
        return cap_prompt(draft, buttons, env, chosen)
    default = default_rate(env.settings, chosen.account)
    current = draft.rate if draft.rate is not None else default
    # The answer given before is among the choices, ticked, whatever it was.
    options = sorted(
        v for v in {default, current, *RATES} if answers.RATE_MIN <= v <= answers.RATE_MAX
    )
    text = t(
        env.lang,
        "How fast? Send the pace in posts per minute, from {min} to {max} (default {default}).",
        min=f"{answers.RATE_MIN:g}",
        max=f"{answers.RATE_MAX:g}",
        default=f"{default:g}",
    )
    values = buttons.values([(f"{v:g}", f"{v:g}") for v in options], f"{current:g}")
    return Prompt(text, buttons.markup(values, buttons.nav()))


NO_CAP = "nocap"  # the value of the "no cap" button


def cap_prompt(draft: Draft, buttons: Buttons, env: Env, chosen: Picks) -> Prompt:
    """Several accounts: no cap by default (their paces together), or a cap typed or pressed."""
    together = f"{chosen.together():g}"
    top = answers.rate_max(len(chosen.accounts))
    text = t(
        env.lang,
        "How fast? By default there is no cap: the chosen accounts' paces together, "
        "{rate}/min. Or send a cap in posts per minute, from {min} to {max}.",
        rate=together,
        min=f"{answers.RATE_MIN:g}",
        max=f"{top:g}",
    )
    capped = draft.rate is not None and not draft.no_cap
    current = f"{draft.rate:g}" if capped and draft.rate is not None else NO_CAP
    label = t(env.lang, "No cap · {rate}/min", rate=together)
    no_cap = buttons.values([(label, NO_CAP)], current)
    options = sorted(v for v in {*RATES, draft.rate or RATES[0]} if v <= top)
    caps = buttons.values([(f"≤ {v:g}", f"{v:g}") for v in options], current)
    return Prompt(text, buttons.markup(no_cap, caps, buttons.nav()))


def retry_prompt(draft: Draft, buttons: Buttons, env: Env) -> Prompt:
    """Ask for the retry limit; suggest the default and a few others."""
    default = default_retry_limit(env.settings)
    text = t(
        env.lang,
        "How many times to retry a post after a temporary error? "
        "Send a number from {min} to {max} (default {default}).",
        min=answers.RETRY_MIN,
        max=answers.RETRY_MAX,
        default=default,
    )
    current = draft.retry_limit if draft.retry_limit is not None else default
    options = [(str(n), n) for n in sorted({default, current, *RETRIES})]
    return Prompt(text, buttons.markup(buttons.values(options, current), buttons.nav()))


def start_prompt(buttons: Buttons, env: Env) -> Prompt:
    """Now, or a typed time in the configured zone; two handy times on buttons."""
    zone = env.settings.zone
    text = t(
        env.lang,
        "When to start? Press Now, or send a time as HH:MM or YYYY-MM-DD HH:MM ({zone}).",
        zone=zone.key,
    )
    now = [
        [
            buttons.button(t(env.lang, "▶️ Now"), "now"),
            buttons.button(t(env.lang, "🔁 Repeat…"), "repeat"),
        ]
    ]
    later = [
        [buttons.button(f"🕐 {at:%Y-%m-%d %H:%M}", "value", minute_of(at))]
        for at in start_time.suggestions(env.now, zone)
    ]
    return Prompt(text, buttons.markup(now, later, buttons.nav()))
