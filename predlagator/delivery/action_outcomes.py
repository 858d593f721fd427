"""What a Telegram error means for an action over a post already out (edit, delete, pin, reach).

An action shares the taxonomy's account-wide answers with posts: a flood wait parks the account
(no attempt counted), an account-fatal error stops it, transient errors retry with backoff up to
the limit. It differs in two ways:

- Some refusals mean the action's goal already holds, so the row is *done*: an edit Telegram
  calls MESSAGE_NOT_MODIFIED (the post already reads so, e.g. the first try went through before
  a crash), a pin or unpin it calls CHAT_NOT_MODIFIED, a delete or unpin of a post that is gone.
- An action never deactivates a channel. A channel-permanent error (CHANNEL_PRIVATE after the
  account left, CHAT_WRITE_FORBIDDEN) fails that row with the reason, but the channel's standing
  for future posts is decided by posts: taking an offer down after a channel removed the
  account is common, and it must not silently shrink the next campaign's list.
"""

from __future__ import annotations

from enum import StrEnum

from predlagator.models import PostAction
from predlagator.telegram_errors import ErrorClass, classify, parse


class ActionOutcome(StrEnum):
    """What happens to an action's ledger row after Telegram's answer."""

    DONE = "done"  # the post is as the action wants it
    FAILED = "failed"  # failed at once, with the reason in the operator's words
    RETRY = "retry"  # backoff up to the retry limit, then failed
    WAIT_ACCOUNT = "wait_account"  # the account's flood wait: no attempt counted, resume after
    STOP_ACCOUNT = "stop_account"  # the account stops, as for a post


# Codes that mean the action's goal already holds, by action.
_DONE: dict[PostAction, frozenset[str]] = {
    PostAction.EDIT: frozenset({"MESSAGE_NOT_MODIFIED"}),
    # Telegram answers a delete of missing ids in a channel with nothing deleted, not an error;
    # if it does say the id is invalid, the post is not there either way.
    PostAction.DELETE: frozenset({"MESSAGE_ID_INVALID"}),
    PostAction.PIN: frozenset({"CHAT_NOT_MODIFIED"}),
    PostAction.UNPIN: frozenset({"CHAT_NOT_MODIFIED", "MESSAGE_ID_INVALID"}),
    PostAction.REACH: frozenset(),
}

_BY_CLASS = {
    ErrorClass.ACCOUNT_FLOOD: ActionOutcome.WAIT_ACCOUNT,
    # Slow mode binds new messages, not edits or deletes; should Telegram ever say it, the row
    # is tried again later like any passing refusal.
    ErrorClass.SLOWMODE: ActionOutcome.RETRY,
    ErrorClass.TRANSIENT: ActionOutcome.RETRY,
    ErrorClass.CHANNEL_PERMANENT: ActionOutcome.FAILED,
    ErrorClass.NEEDS_OPERATOR: ActionOutcome.FAILED,
    ErrorClass.ACCOUNT_FATAL: ActionOutcome.STOP_ACCOUNT,
    # RANDOM_ID_DUPLICATE belongs to sends (an action has no random_id): a server error then.
    ErrorClass.ALREADY_SENT: ActionOutcome.RETRY,
}


def action_outcome(action: PostAction, code: str) -> ActionOutcome:
    """What happens to an `action`'s row after Telegram answered with error `code`.

    `code` is a TelegramFailure's code (FLOOD_WAIT, not FLOOD_WAIT_30); a whole one is split.
    """
    name = parse(code).code
    if name in _DONE[action]:
        return ActionOutcome.DONE
    return _BY_CLASS[classify(name)]
