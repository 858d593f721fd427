"""How /test talks: the target, the post's link, and each outcome in the operator's words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from predlagator.bot.texts import N_, Html, duration, error, t
from predlagator.telegram_errors import Action, action

# The target meaning the sending account's own Saved Messages (delivery/testsend.py: ME).
ME = "me"
# What a failed test means beyond itself, by what the error does to a campaign.
FOLLOW_UP = {
    Action.FAIL_AND_DEACTIVATE: N_(
        "A test only reports; a campaign would deactivate this channel."
    ),
    Action.STOP_ACCOUNT: N_("The account is stopped and its campaigns are paused."),
    Action.RETRY: N_("It may pass: try again in a moment."),
}


def target_label(lang: str, target: str) -> str:
    """A normalised target as the operator would write it."""
    if target == ME:
        return t(lang, "Saved Messages")
    if target.startswith("+"):
        return f"t.me/{target}"
    if target.lstrip("-").isdigit():
        return target
    return f"@{target}"


def post_link(target: str, outcome: dict[str, Any]) -> str | None:
    """The post's t.me link: public by username, private by channel id; None for others."""
    message_id, peer_id = outcome.get("message_id"), outcome.get("peer_id")
    if outcome.get("peer_type") != "channel" or not message_id or not peer_id:
        return None
    if target.startswith("+") or target.lstrip("-").isdigit():
        return f"https://t.me/c/{peer_id}/{message_id}"
    return f"https://t.me/{target}/{message_id}"


def flood_wait(lang: str, until: datetime) -> str:
    """Not sent for a flood wait: how long it still runs and when it ends."""
    left = max((until - datetime.now(UTC)).total_seconds(), 0) / 60
    at = until.astimezone(UTC).strftime("%H:%M")
    return t(
        lang,
        "the account is in a Telegram flood wait for {wait} more, until {at} UTC",
        wait=duration(lang, left),
        at=at,
    )


def outcome_text(lang: str, outcome: dict[str, Any]) -> str:
    """What the worker reported, as one message."""
    kind, tid = outcome.get("kind"), outcome.get("template_id")
    target = str(outcome.get("target") or "")
    where = target_label(lang, target)
    if kind == "sent":
        link = post_link(target, outcome)
        if target == ME:
            return t(lang, "✅ Test of #{id} sent to the account's Saved Messages.", id=tid)
        if link is not None:
            return t(lang, "✅ Test of #{id} sent: {link}", id=tid, link=link)
        return t(lang, "✅ Test of #{id} sent to {target}.", id=tid, target=where)
    if kind == "failed":
        return _failed(lang, tid, where, outcome)
    if kind == "flood":
        until = datetime.fromisoformat(str(outcome.get("until")))
        text = t(
            lang, "⏳ Test of #{id} not sent: {why}.", id=tid, why=Html(flood_wait(lang, until))
        )
        if outcome.get("new"):
            text += "\n" + t(
                lang,
                "Telegram asked for this wait just now: the account's campaigns wait too and "
                "resume by themselves.",
            )
        return text
    if kind == "expired":
        return expired_text(lang, tid, where)
    if kind == "account_stopped":
        return t(
            lang,
            "❌ Test of #{id} not sent: the account is stopped. {reason}.",
            id=tid,
            reason=error(lang, outcome.get("reason")),
        )
    return t(lang, "❌ Test of #{id} not sent: the template was deleted meanwhile.", id=tid)


def _failed(lang: str, tid: object, where: str, outcome: dict[str, Any]) -> str:
    code = str(outcome.get("code") or "UNKNOWN")
    why = error(lang, code, outcome.get("seconds"))
    text = t(lang, "❌ Test of #{id} to {target} not sent. {why}.", id=tid, target=where, why=why)
    follow_up = FOLLOW_UP.get(action(code))
    return text + "\n" + t(lang, follow_up) if follow_up else text


def expired_text(lang: str, template_id: object, where: str) -> str:
    """Dropped: no worker took the test in time."""
    return t(
        lang,
        "⌛ Test of #{id} to {target} dropped: no worker took it within a minute. "
        "Nothing was sent.",
        id=template_id,
        target=where,
    )


def worker_failed_text(lang: str, template_id: object, where: str) -> str:
    """The worker's job failed: nothing is known about the post."""
    return t(
        lang,
        "❌ Test of #{id} to {target} failed in the worker (its log says why); "
        "it may not have been sent.",
        id=template_id,
        target=where,
    )
