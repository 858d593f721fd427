"""The progress card: text and buttons for every campaign status, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from predlagator.bot.actions.views import CardActions
from predlagator.bot.campaigns.card import card_keyboard, progress_bar, render_card
from predlagator.models import Campaign, CampaignStatus, Progress

S = CampaignStatus
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
# Once a campaign has started, its posts may be edited, deleted and pinned from the card, and
# their reach read again.
POST_ACTIONS = [
    ("✏️ Edit", "pa:edit:7:0:0"),
    ("🗑 Delete", "pa:delete:7:0:0"),
    ("📌 Pin", "pa:pin:7:0:0"),
    ("📊 Refresh reach", "pa:reach:7:0:0"),
]
ACTION_DATA = [data for _, data in POST_ACTIONS]


def campaign(status: S, **changes: object) -> Campaign:
    fields: dict[str, object] = {
        "id": 7,
        "name": "Shops & <friends>",
        "batch_id": 1,
        "template_id": 1,
        "account_id": 1,
        "rate_per_minute": 20.0,
        "retry_limit": 3,
        "status": status,
        "status_reason": None,
        "resume_at": None,
        "chat_id": 100,
        "card_message_id": 5,
        "language": "en",
        "created_by": 100,
        "created_at": T0,
        "started_at": T0,
        "finished_at": None,
        **changes,
    }
    return Campaign.model_validate(fields)


def progress(
    status: S,
    *,
    total: int = 100,
    sent: int = 30,
    failed: int = 10,
    cancelled: int = 0,
    sending: int = 0,
    rate: float = 20.0,
) -> Progress:
    """The ledger as the progress query reads it; `rate` is the campaign's, as in the row."""
    queued = total - sent - failed - cancelled - sending
    return Progress(
        campaign_id=7,
        status=status,
        total=total,
        queued=queued,
        retrying=0,
        sending=sending,
        sent=sent,
        failed=failed,
        cancelled=cancelled,
        sent_last_minute=0,
        rate_per_minute=rate,
        resume_at=None,
        flood_until=None,
        started_at=T0,
        finished_at=None,
    )


def labels(c: Campaign, posts: int = 30) -> list[tuple[str, str | None]]:
    """The card's buttons, with `posts` of the campaign out in their channels."""
    markup = card_keyboard(c, actions=CardActions(posts=posts))
    if markup is None:
        return []
    return [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]


def test_progress_bar() -> None:
    assert progress_bar(0, 0) == "░░░░░░░░░░ 0%"
    assert progress_bar(40, 100) == "████░░░░░░ 40%"
    assert progress_bar(99, 100) == "█████████░ 99%"
    assert progress_bar(7, 7) == "██████████ 100%"


def test_running_card() -> None:
    c = campaign(S.RUNNING)
    assert render_card(c, progress(S.RUNNING), "en") == (
        "<b>Shops &amp; &lt;friends&gt;</b> · #7\n"
        "🚀 Running\n"
        "████░░░░░░ 40%\n"
        "Sent 30 · failed 10 · queued 60 of 100\n"
        "20/min · about 3 min left"
    )
    assert labels(c) == [
        ("⏸ Pause", "c:7:pause"),
        ("✖️ Cancel", "c:7:cancel"),
        ("🔄 Refresh", "c:7:refresh"),
        *POST_ACTIONS,
    ]


def test_running_card_in_russian() -> None:
    c = campaign(S.RUNNING, language="ru", rate_per_minute=0.5)
    assert render_card(c, progress(S.RUNNING, rate=0.5), "ru").splitlines()[1:] == [
        "🚀 Идёт",
        "████░░░░░░ 40%",
        "Отправлено 30 · ошибок 10 · в очереди 60 из 100",
        "0.5 в минуту · осталось примерно 2 ч",
    ]
    assert labels(c) == [
        ("⏸ Пауза", "c:7:pause"),
        ("✖️ Отмена", "c:7:cancel"),
        ("🔄 Обновить", "c:7:refresh"),
        ("✏️ Править", "pa:edit:7:0:0"),
        ("🗑 Удалить", "pa:delete:7:0:0"),
        ("📌 Закрепить", "pa:pin:7:0:0"),
        ("📊 Обновить охват", "pa:reach:7:0:0"),
    ]


def test_scheduled_card_before_the_snapshot() -> None:
    c = campaign(S.SCHEDULED, started_at=None)
    text = render_card(c, progress(S.SCHEDULED, total=0, sent=0, failed=0), "en")
    assert text.splitlines()[1:] == ["🕐 Starting", "Preparing the channel list…"]
    assert [data for _, data in labels(c)] == ["c:7:pause", "c:7:cancel", "c:7:refresh"]


def test_scheduled_card_with_its_ledger_has_no_eta() -> None:
    c = campaign(S.SCHEDULED)
    lines = render_card(c, progress(S.SCHEDULED, sent=0, failed=0), "en").splitlines()
    assert lines[1:] == [
        "🕐 Starting",
        "░░░░░░░░░░ 0%",
        "Sent 0 · failed 0 · queued 100 of 100",
        "20/min",
    ]


def test_paused_card_shows_the_reason_in_words_and_resume() -> None:
    c = campaign(S.PAUSED, status_reason="PEER_FLOOD")
    lines = render_card(c, progress(S.PAUSED), "en").splitlines()
    assert lines[1:3] == [
        "⏸ Paused",
        "Reason: Telegram limited the account for spam (see @SpamBot)",
    ]
    assert render_card(c, progress(S.PAUSED), "ru").splitlines()[1:3] == [
        "⏸ Пауза",
        "Причина: Telegram ограничил аккаунт за спам (см. @SpamBot)",
    ]
    # A code without words of its own is said as a refusal, the code escaped beside it.
    odd = campaign(S.PAUSED, status_reason="NEW_<CODE>")
    assert render_card(odd, progress(S.PAUSED), "en").splitlines()[2] == (
        "Reason: Telegram refused it (NEW_&lt;CODE&gt;)"
    )
    # Nothing is sent while paused: no time left to promise, only the pace.
    assert lines[-1] == "20/min"
    ru = render_card(c.model_copy(update={"language": "ru"}), progress(S.PAUSED), "ru")
    assert ru.splitlines()[-1] == "20 в минуту"
    assert [data for _, data in labels(c)] == [
        "c:7:resume",
        "c:7:cancel",
        "c:7:refresh",
        *ACTION_DATA,
    ]
    assert labels(c)[0] == ("▶️ Resume", "c:7:resume")


def test_waiting_card_shows_the_wait_and_when_it_resumes() -> None:
    c = campaign(S.WAITING, resume_at=T0 + timedelta(minutes=65), status_reason="FLOOD_WAIT")
    now = T0 + timedelta(seconds=30)
    lines = render_card(c, progress(S.WAITING), "en", now=now).splitlines()
    # The wait's line says whose wait it is: no reason line besides.
    assert lines[1:3] == [
        "⏳ Waiting (Telegram limit)",
        "Telegram asked to wait: 1 h 5 min left, resumes at 13:05 UTC",
    ]
    ru = render_card(c.model_copy(update={"language": "ru"}), progress(S.WAITING), "ru", now=now)
    assert ru.splitlines()[1:3] == [
        "⏳ Ожидание (лимит Telegram)",
        "Telegram просит подождать: осталось 1 ч 5 мин, продолжится в 13:05 UTC",
    ]
    # The wait says when sending resumes; the pace line promises no time of its own.
    assert lines[-1] == "20/min"


def test_a_campaign_waiting_for_its_daily_cap_says_so_not_telegram() -> None:
    c = campaign(S.WAITING, resume_at=T0 + timedelta(hours=11), status_reason="DAILY_CAP")
    lines = render_card(c, progress(S.WAITING), "en", now=T0).splitlines()
    assert lines[1:3] == [
        "⏳ Waiting (daily cap)",
        "Daily cap reached: 11 h left, resumes at 23:00 UTC",
    ]
    ru = render_card(c.model_copy(update={"language": "ru"}), progress(S.WAITING), "ru", now=T0)
    assert ru.splitlines()[1:3] == [
        "⏳ Ожидание (дневной лимит)",
        "Дневной лимит исчерпан: осталось 11 ч, продолжится в 23:00 UTC",
    ]


def test_a_short_wait_is_shown_in_seconds() -> None:
    c = campaign(S.WAITING, resume_at=T0 + timedelta(seconds=40), status_reason="FLOOD_WAIT")
    lines = render_card(c, progress(S.WAITING), "en", now=T0 + timedelta(seconds=10)).splitlines()
    assert lines[2] == "Telegram asked to wait: 30 s left, resumes at 12:00 UTC"
    assert [data for _, data in labels(c)] == [
        "c:7:pause",
        "c:7:cancel",
        "c:7:refresh",
        *ACTION_DATA,
    ]


@pytest.mark.parametrize(
    ("status", "word"), [(S.COMPLETED, "✅ Completed"), (S.CANCELLED, "⛔ Cancelled")]
)
def test_finished_cards_offer_the_report(status: S, word: str) -> None:
    c = campaign(status, finished_at=T0 + timedelta(minutes=83))
    lines = render_card(c, progress(status, sent=90, failed=10), "en").splitlines()
    assert lines[1:] == [
        word,
        "██████████ 100%",
        "Sent 90 · failed 10 of 100",
        "Took 1 h 23 min",
    ]
    assert labels(c) == [("📊 Report", "rp:7"), *POST_ACTIONS]


def test_a_finished_card_whose_posts_are_all_deleted_offers_only_the_report() -> None:
    c = campaign(S.COMPLETED, finished_at=T0 + timedelta(minutes=5))
    assert labels(c, posts=0) == [("📊 Report", "rp:7")]


def test_a_running_card_offers_actions_before_its_first_post_is_out() -> None:
    # Edit, Delete and Pin for the posts to come; Refresh reach once one is out.
    assert [data for _, data in labels(campaign(S.RUNNING), posts=0)][-3:] == ACTION_DATA[:3]


def test_cancelled_card_counts_the_cancelled() -> None:
    c = campaign(S.CANCELLED, finished_at=T0 + timedelta(seconds=50))
    p = progress(S.CANCELLED, total=3, sent=1, failed=0, cancelled=2)
    # The bar shows the posts that went (1 of 3), not the ledger's rows that ended.
    assert render_card(c, p, "en").splitlines()[1:] == [
        "⛔ Cancelled",
        "███░░░░░░░ 33%",
        "Sent 1 · failed 0 · cancelled 2 of 3",
        "Took 50 s",
    ]
    assert render_card(c, p, "ru").splitlines()[1:] == [
        "⛔ Отменена",
        "███░░░░░░░ 33%",
        "Отправлено 1 · ошибок 0 · отменено 2 из 3",
        "Заняло 50 сек",
    ]


def test_draft_card_offers_start() -> None:
    c = campaign(S.DRAFT, started_at=None)
    assert render_card(c, progress(S.DRAFT, total=0, sent=0, failed=0), "en").splitlines()[1:] == [
        "📝 Draft",
        "░░░░░░░░░░ 0%",
        "Sent 0 · failed 0 · queued 0 of 0",
        "20/min",
    ]
    assert labels(c) == [("▶️ Start", "c:7:start")]


def test_cancelled_before_it_started() -> None:
    c = campaign(S.CANCELLED, started_at=None, finished_at=T0)
    text = render_card(c, progress(S.CANCELLED, total=0, sent=0, failed=0), "en")
    assert text.splitlines()[1:] == ["⛔ Cancelled", "Cancelled before it started."]
    ru = render_card(c, progress(S.CANCELLED, total=0, sent=0, failed=0), "ru")
    assert ru.splitlines()[1:] == ["⛔ Отменена", "Отменена до запуска."]
    assert card_keyboard(c) is None


def test_cancelled_with_a_post_still_on_its_way() -> None:
    c = campaign(S.CANCELLED)  # finished_at comes when the drain records the last post
    p = progress(S.CANCELLED, cancelled=59, sending=1)
    lines = render_card(c, p, "en").splitlines()
    assert lines[-2:] == [
        "Sent 30 · failed 10 · cancelled 59 · sending 1 of 100",
        "Stopping: waiting for the posts already on their way…",
    ]
    lines = render_card(c, p, "ru").splitlines()
    assert lines[-2:] == [
        "Отправлено 30 · ошибок 10 · отменено 59 · отправляется 1 из 100",
        "Останавливается: ждёт посты, которые уже отправляются…",
    ]
    # No report before the last post is recorded; the posts out may be acted on already.
    assert labels(c) == POST_ACTIONS


@pytest.mark.parametrize("status", [S.SCHEDULED, S.RUNNING, S.PAUSED, S.WAITING])
def test_a_viewer_sees_only_refresh_on_a_live_card(status: S) -> None:
    markup = card_keyboard(campaign(status), viewer=True)
    assert markup is not None
    assert [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row] == [
        ("🔄 Refresh", "c:7:refresh")
    ]


def test_a_viewer_sees_the_report_of_a_finished_card_and_nothing_on_a_draft() -> None:
    done = campaign(S.COMPLETED, finished_at=T0)
    markup = card_keyboard(done, viewer=True)
    assert markup is not None
    assert [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row] == [
        ("📊 Report", "rp:7")
    ]
    assert card_keyboard(campaign(S.DRAFT, started_at=None), viewer=True) is None
