"""Task and queue names: the contract between the bot and worker processes."""

from __future__ import annotations

DELIVERY_QUEUE = "delivery"
NOTIFICATIONS_QUEUE = "notifications"

LAUNCH_CAMPAIGN = "launch_campaign"
# A recurring campaign's next round, deferred for its time (the reconcile starts any it missed).
START_ROUND = "start_round"
DRAIN = "drain"
RECONCILE = "reconcile"
REFRESH_PROGRESS = "refresh_progress"
CAMPAIGN_FINISHED = "campaign_finished"
# An action over a campaign's posts (edit, delete, pin, unpin) completed or was cancelled: the
# bot draws the card once more and sends the summary.
ACTION_FINISHED = "action_finished"
NOTIFY = "notify"
ACCOUNT_ALERT = "account_alert"
SEND_REPORT = "send_report"


def account_queue(account_id: int) -> str:
    """Drains of one account run only in the process holding that account's session."""
    return f"account-{account_id}"


# /test: one post sent at once from the account's worker, its outcome told in the chat, and a
# check at the deadline that answers for a test no worker took.
TEST_SEND = "test_send"
TEST_RESULT = "test_result"
TEST_EXPIRY = "test_expiry"

# A Telegram account added from the chat: each login step runs in any worker (the delivery
# queue), its outcome is told in the chat, and a login not finished in time is dropped.
LOGIN_SEND_CODE = "login_send_code"
LOGIN_RESEND_CODE = "login_resend_code"
LOGIN_SIGN_IN = "login_sign_in"
LOGIN_CHECK_PASSWORD = "login_check_password"
LOGIN_RESULT = "login_result"
LOGIN_EXPIRY = "login_expiry"
