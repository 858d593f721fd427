"""What the bot says while a Telegram account is added: the questions and every step's outcome."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup

from predlagator.bot.accounts.login_keys import cancel_keyboard, resend_keyboard
from predlagator.bot.texts import N_, error, t, tn

MAX_NAME = 32

ASK_NAME = N_(
    "<b>Add a Telegram account</b>\n"
    "First a name for it, as campaigns and /accounts will show it: Latin letters, digits, _ or "
    "-, up to {max} characters (for example <code>sales-2</code>)."
)
ASK_PHONE = N_(
    "The phone number of the account «{name}», in international format: + and the country "
    "code, e.g. <code>+49 170 1234567</code>."
)
SENDING = N_("Asking Telegram to send a login code to {phone}…")
CODE_HOW = N_(
    "Send the code here typed with spaces, like <code>1 2 3 4 5</code>, because Telegram voids "
    "a code sent inside a message. I delete your message as soon as I have read it."
)
WAIT = N_("Wait a moment: Telegram is being asked. I deleted your message just in case.")
GONE = N_("This login is no longer under way. Send /add_account to add an account.")
ENDED = N_("Send /add_account to try again.")

# Outcomes after which the login is over (its row is gone): the dialog ends too.
FINAL = frozenset(
    {
        "added",
        "name_taken",
        "refused",
        "wrong_code_last",
        "wrong_password_last",
        "worker_key",
        "worker_api",
        "expired",
    }
)


def mask(phone: str) -> str:
    """A phone number as a reply repeats it: the country code and the last two digits."""
    digits = phone.lstrip("+")
    return f"+{digits[:2]}{'•' * max(len(digits) - 4, 0)}{digits[-2:]}"


def outcome_text(
    lang: str, name: str, outcome: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message for one step's outcome, and its buttons."""
    kind = outcome.get("kind")
    cancel = cancel_keyboard(lang)
    if kind == "code_sent":
        head = t(lang, "📨 Telegram sent a login code for «{name}».", name=name)
        return head + "\n" + t(lang, CODE_HOW), resend_keyboard(lang)
    if kind == "wrong_code":
        left = int(outcome.get("left") or 0)
        text = tn(
            lang, "That code is wrong; {n} try left.", "That code is wrong; {n} tries left.", left
        )
        return text + "\n" + t(lang, CODE_HOW), resend_keyboard(lang)
    if kind == "code_expired":
        return t(lang, "The code has expired: press the button for a new one."), resend_keyboard(
            lang
        )
    if kind == "password_needed":
        text = t(
            lang,
            "🔐 «{name}» has two-step verification: send its password. I delete your message "
            "as soon as I have read it.",
            name=name,
        )
        return text, cancel
    if kind == "wrong_password":
        left = int(outcome.get("left") or 0)
        text = tn(
            lang,
            "That password is wrong; {n} try left. Send it again.",
            "That password is wrong; {n} tries left. Send it again.",
            left,
        )
        return text, cancel
    if kind == "no_answer":
        return t(lang, "Telegram did not answer in time: send it again, please."), cancel
    if kind == "interrupted":
        return t(
            lang, "The check was interrupted (a worker stopped): send it again, please."
        ), cancel
    return _final_text(lang, name, kind, outcome), None


def _final_text(lang: str, name: str, kind: object, outcome: dict[str, Any]) -> str:
    if kind == "added":
        return t(
            lang,
            "✅ Account «{name}» added: {who}. It sends up to {rate} posts a minute; /accounts "
            "shows it.",
            name=name,
            who=str(outcome.get("who") or ""),
            rate=_number(outcome.get("rate")),
        )
    if kind == "name_taken":
        why = t(lang, "An account named «{name}» was added meanwhile; this login ended.", name=name)
    elif kind == "wrong_code_last":
        why = t(lang, "Three wrong codes: the login of «{name}» ended.", name=name)
    elif kind == "wrong_password_last":
        why = t(lang, "Three wrong passwords: the login of «{name}» ended.", name=name)
    elif kind == "worker_key":
        why = t(
            lang,
            "The worker cannot open this login: its SESSION_KEY is missing or is not the bot's. "
            "Give the bot and the workers the same SESSION_KEY.",
        )
    elif kind == "worker_api":
        why = t(lang, "The worker has no TG_API_ID and TG_API_HASH: set them (my.telegram.org).")
    elif kind == "expired":
        why = t(
            lang,
            "The login of «{name}» was not finished within 10 minutes and has been dropped.",
            name=name,
        )
    else:
        code = str(outcome.get("code") or "UNKNOWN")
        number = outcome.get("number")
        why = t(
            lang,
            "Telegram refused the login of «{name}»: {error}.",
            name=name,
            error=error(lang, code, int(number) if number is not None else None),
        )
    return "❌ " + why + " " + t(lang, ENDED)


def _number(value: object) -> str:
    number = float(value) if isinstance(value, int | float | str) else 0.0
    return f"{number:g}"
