"""Retry failed through the real Dispatcher, sent by the real worker over the Telethon fake:
what it offers, what it queues again (and through which account, with which random_id), who
may press it, and the report of every run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telethon import types
from telethon.tl.functions.messages import SendMessageRequest

from predlagator.bot.access.viewers import REFUSAL
from predlagator.bot.batches.keyboards import Reactivate
from predlagator.bot.campaigns import notices
from predlagator.bot.campaigns.keyboards import PickCampaign, RetryFailed
from predlagator.bot.campaigns.listing import OpenCampaign
from predlagator.db.pool import Pool
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.models import CampaignStatus, Role
from predlagator.queue.app import make_app
from tests.fakes.bot_api import OWNER, STRANGER, VIEWER, bot_harness
from tests.fakes.telethon_fake import Post, fake_client
from tests.retry_world import World
from tests.rig import Rig

S = CampaignStatus
REPORT = "📊"


@pytest.fixture
async def world(pool: Pool, rig: Rig) -> AsyncIterator[World]:
    async with bot_harness(pool) as h:
        await h.add(VIEWER, Role.VIEWER)
        notifier = make_app(notices.blueprint)
        await notifier.open_async(pool=pool)
        try:
            yield World(h, rig, notifier)
        finally:
            await notifier.close_async()


def retry_button(campaign_id: int, run: int, n: int) -> tuple[str, str]:
    return (f"🔁 Retry failed ({n})", RetryFailed(id=campaign_id, run=run).pack())


async def runs(world: World, campaign_id: int) -> list[dict[str, Any]]:
    return await world.h.rows(
        "SELECT run, kind, summary, finished_at IS NOT NULL AS finished, created_by "
        "FROM campaign_runs WHERE campaign_id = %s ORDER BY run",
        campaign_id,
    )


async def retry_audits(world: World) -> list[tuple[int | None, int | None, dict[str, Any]]]:
    found = await world.h.rows(
        "SELECT actor_id, object_id, details FROM audit_log WHERE action = 'campaign.retry' "
        "ORDER BY id"
    )
    return [(r["actor_id"], r["object_id"], r["details"]) for r in found]


async def drains(world: World) -> list[dict[str, Any]]:
    return [j for j in await world.h.jobs() if j["task_name"] == "drain" and j["status"] == "todo"]


# --- a channel-permanent failure: retried only once /channels reactivated the channel -------


async def test_a_closed_channel_is_retried_only_after_it_is_reactivated(world: World) -> None:
    campaign = await world.campaign(["alpha_shop", "beta_shop", "gamma_shop"])
    world.rig.telegram.fail_next(
        403, "CHAT_WRITE_FORBIDDEN", username="beta_shop", request_type=SendMessageRequest
    )
    await world.run(campaign)
    await world.notices()
    assert (await world.get(campaign.id)).status is S.COMPLETED
    [first_report] = world.reports()
    assert "Sent 2 · failed 1 of 3" in first_report.splitlines()
    before = await world.rows(campaign.id)
    assert before["beta_shop"]["error_code"] == "CHAT_WRITE_FORBIDDEN"

    # The channel is switched off: nothing to retry, so no button, and /retry says why.
    assert await world.card_buttons(campaign.id) == [("📊 Report", "rp:1")]
    world.h.session.reset()
    await world.h.send(OWNER, "/retry 1")
    assert world.h.session.sent_texts() == [
        "Campaign #1 has nothing to retry: no post of it failed for a reason a new try could "
        "get past. A channel that refused the account goes again once /channels reactivates it."
    ]
    assert await runs(world, campaign.id) == []

    # The operator switches it back on in /channels: now the card offers it.
    beta = await world.h.rows("SELECT id FROM channels WHERE ref = 'beta_shop'")
    await world.h.press(OWNER, Reactivate(id=beta[0]["id"], offset=0).pack())
    assert await world.card_buttons(campaign.id) == [
        ("📊 Report", "rp:1"),
        retry_button(campaign.id, 1, 1),
    ]

    world.h.session.reset()
    await world.h.press(OWNER, RetryFailed(id=campaign.id, run=1).pack(), message_id=501)
    assert world.h.session.answers() == ["Campaign #1: retrying 1 failed post (retry 1)."]
    # The live card shows it sending again, as its retry, with the controls of a running one.
    [edit] = world.h.session.edits()
    assert edit["text"].splitlines()[1:3] == ["🚀 Running", "🔁 Retry 1 of the failed posts"]
    labels = [b["text"] for row in edit["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [
        "⏸ Pause",
        "✖️ Cancel",
        "🔄 Refresh",
        "✏️ Edit",
        "🗑 Delete",
        "📌 Pin",
        "📊 Refresh reach",
    ]
    again = await world.get(campaign.id)
    assert (again.status, again.finished_at) == (S.RUNNING, None)
    queued = (await world.rows(campaign.id))["beta_shop"]
    assert (queued["status"], queued["run"], queued["attempts"]) == ("queued", 2, 1)
    # Its random_id and account are the ones it was tried with.
    kept = ("random_id", "account_id")
    assert {k: queued[k] for k in kept} == {k: before["beta_shop"][k] for k in kept}
    assert [j["args"] for j in await drains(world)] == [{"account_id": world.rig.account_id}]
    assert await retry_audits(world) == [(OWNER, campaign.id, {"run": 2, "requeued": 1})]

    await world.rig.settle()
    after = await world.rows(campaign.id)
    assert [(r["status"], r["run"]) for r in after.values()] == [
        ("sent", 1),
        ("sent", 2),
        ("sent", 1),
    ]
    assert len(world.posts("beta_shop")) == 1
    assert (await world.get(campaign.id)).status is S.COMPLETED

    # It reports again: the first send as it was, the retry, and the ledger as it is now.
    world.h.session.reset()
    await world.notices()
    [report] = world.reports()
    lines = report.splitlines()
    assert lines[2] == "Sent 3 · failed 0 of 3"
    assert lines[lines.index("<b>By run</b>") :][:3] == [
        "<b>By run</b>",
        "• First send: sent 2 · failed 1 of 3",
        "• Retry 1: sent 1 · failed 0 of 1",
    ]
    frozen = await runs(world, campaign.id)
    assert [(r["run"], r["kind"], r["finished"], r["created_by"]) for r in frozen] == [
        (1, "round", True, None),
        (2, "retry", False, OWNER),
    ]
    assert frozen[0]["summary"] == {
        "total": 3,
        "sent": 2,
        "failed": 1,
        "cancelled": 0,
        "errors": {"CHAT_WRITE_FORBIDDEN": 1},
    }
    # Nothing left to retry: the card has its report button only.
    assert await world.card_buttons(campaign.id) == [("📊 Report", "rp:1")]


# --- a transient failure whose post did reach Telegram ----------------------------------------


@pytest.fixture
async def quick(world: World) -> AsyncIterator[list[str]]:
    """A sender that gives up after 0.3 s, and a hook: name a channel in the list and the next
    post to it reaches the channel, but its answer never comes back (the send times out)."""
    sender = TelethonSender(fake_client(world.rig.telegram), timeout_s=0.3)
    await sender.start()
    world.rig.deps.sender = sender
    lost: list[str] = []
    never = asyncio.Event()
    telegram = world.rig.telegram

    async def lose_answer(request: Any) -> None:
        peer = request.peer
        channel = next(
            (c for c in telegram.channels.values() if isinstance(peer, types.InputPeerChannel)
             and c.id == peer.channel_id and c.username in lost),
            None,
        )  # fmt: skip
        if channel is None:
            return
        lost.remove(channel.username)
        posts = telegram.posts[channel.id]
        posts.append(Post(len(posts) + 1, request.message, [], request.random_id))
        await never.wait()

    telegram.on_send = lose_answer
    try:
        yield lost
    finally:
        await sender.close()


async def test_a_timed_out_post_comes_back_as_the_original_not_twice(
    world: World, quick: list[str]
) -> None:
    campaign = await world.campaign(["alpha_shop", "beta_shop"])
    quick.append("beta_shop")
    await world.run(campaign)
    failed = (await world.rows(campaign.id))["beta_shop"]
    assert (failed["status"], failed["error_code"], failed["attempts"]) == ("failed", "TIMEOUT", 1)
    [original] = world.posts("beta_shop")  # it got there; only its answer was lost

    await world.notices()
    world.h.session.reset()
    await world.h.send(OWNER, "/retry 1")
    assert world.h.session.sent_texts() == ["Campaign #1: retrying 1 failed post (retry 1)."]
    await world.rig.settle()

    sent = (await world.rows(campaign.id))["beta_shop"]
    assert (sent["status"], sent["run"], sent["message_id"]) == ("sent", 2, original.message_id)
    assert (sent["random_id"], sent["account_id"]) == (failed["random_id"], failed["account_id"])
    # Telegram answered the repeated random_id with the original: one post, nothing twice.
    assert world.posts("beta_shop") == [original]
    assert world.rig.telegram.duplicates == 0
    tries = [r for r in world.rig.telegram.sent if r.random_id == failed["random_id"]]
    assert len(tries) == 2
    assert (await world.get(campaign.id)).status is S.COMPLETED


# --- pressed twice, by a viewer, by a stranger ----------------------------------------------


async def finished_with_a_timeout(world: World, quick: list[str], lang: str = "en") -> int:
    """A completed campaign of two channels, one post lost to a timeout."""
    campaign = await world.campaign(["alpha_shop", "beta_shop"], lang=lang)
    quick.append("beta_shop")
    await world.run(campaign)
    await world.notices()
    world.h.session.reset()
    return campaign.id


async def test_pressed_twice_at_once_retries_once(world: World, quick: list[str]) -> None:
    campaign_id = await finished_with_a_timeout(world, quick)
    press = RetryFailed(id=campaign_id, run=1).pack()
    await asyncio.gather(world.h.press(OWNER, press), world.h.press(OWNER, press))
    assert sorted(world.h.session.answers(), key=str) == [
        "Campaign #1 is at retry 1 already; its card shows what is left to retry.",
        "Campaign #1: retrying 1 failed post (retry 1).",
    ]
    # Once more, later: the same answer, and still one retry.
    await world.h.press(OWNER, press)
    assert world.h.session.answers()[-1] == (
        "Campaign #1 is at retry 1 already; its card shows what is left to retry."
    )
    await world.h.send(OWNER, "/retry 1")
    assert world.h.session.sent_texts()[-1] == (
        "Campaign #1 is already retrying its failed posts (retry 1)."
    )
    assert [r["run"] for r in await runs(world, campaign_id)] == [1, 2]
    assert len(await retry_audits(world)) == 1
    assert len(await drains(world)) == 1


@pytest.mark.parametrize("who", [VIEWER, STRANGER])
async def test_viewers_and_strangers_retry_nothing(
    world: World, quick: list[str], who: int
) -> None:
    campaign_id = await finished_with_a_timeout(world, quick)
    before = await world.h.counts()
    await world.h.press(who, RetryFailed(id=campaign_id, run=1).pack())
    await world.h.send(who, f"/retry {campaign_id}")
    await world.h.press(who, PickCampaign(action="retry", id=campaign_id).pack())
    answers = world.h.session.answers()
    if who == VIEWER:
        assert answers == [REFUSAL, REFUSAL]
        assert world.h.session.sent_texts() == [REFUSAL]
    else:
        assert answers == [None, None]
    assert await world.h.counts() == before
    assert (await world.get(campaign_id)).status is S.COMPLETED


async def test_a_viewer_opening_the_card_sees_no_retry(world: World, quick: list[str]) -> None:
    campaign_id = await finished_with_a_timeout(world, quick)
    await world.h.press(VIEWER, OpenCampaign(id=campaign_id).pack())
    await world.h.press(OWNER, OpenCampaign(id=campaign_id).pack())
    shown = [
        [b["callback_data"] for row in m["reply_markup"]["inline_keyboard"] for b in row]
        for m in world.h.session.of("sendMessage")
    ]
    # A viewer gets the report only; the owner Retry failed too, then the actions over the posts.
    assert shown[0] == ["rp:1"]
    assert shown[1][:2] == ["rp:1", RetryFailed(id=campaign_id, run=1).pack()]
    assert all(data.startswith("pa:") for data in shown[1][2:])


# --- nothing to retry -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "nothing", "none_at_all"),
    [
        (
            "en",
            "Campaign #1 has nothing to retry: no post of it failed for a reason a new try "
            "could get past. A channel that refused the account goes again once /channels "
            "reactivates it.",
            "No finished campaign has failed posts to retry.",
        ),
        (
            "ru",
            "Кампании #1 нечего повторять: ни один её пост не сорвался по причине, которую может "
            "обойти новая попытка. Канал, отказавший аккаунту, получит пост снова, когда его "
            "включат в /channels.",
            "Ни у одной законченной кампании нет неудавшихся постов, которые можно повторить.",
        ),
    ],
)
async def test_a_campaign_with_nothing_to_retry(
    world: World, lang: str, nothing: str, none_at_all: str
) -> None:
    campaign = await world.campaign(["alpha_shop", "beta_shop"], lang=lang)
    await world.run(campaign)
    await world.notices()
    report_button = "📊 Report" if lang == "en" else "📊 Отчёт"
    assert await world.card_buttons(campaign.id) == [(report_button, "rp:1")]
    world.h.session.reset()
    await world.h.send(OWNER, "/retry 1", lang=lang)
    await world.h.send(OWNER, "/retry", lang=lang)
    assert world.h.session.sent_texts() == [nothing, none_at_all]
    assert await runs(world, campaign.id) == []
    assert await retry_audits(world) == []


async def test_a_campaign_still_sending_is_not_retried(world: World) -> None:
    campaign = await world.campaign(["alpha_shop", "beta_shop"], retry_limit=1)
    world.rig.telegram.fail_next(
        400, "SOME_NEW_ERROR", username="beta_shop", request_type=SendMessageRequest
    )
    await world.rig.start(campaign)
    await world.rig.work()  # beta_shop waits for its retry: the campaign still runs
    assert (await world.get(campaign.id)).status is S.RUNNING
    world.h.session.reset()
    await world.h.send(OWNER, "/retry 1")
    await world.h.send(OWNER, "/retry 2")
    assert world.h.session.sent_texts() == [
        "Campaign #1 has not finished; its failed posts can be retried once it has.",
        "No campaign #2.",
    ]
    # A forged button, past any id a campaign can have: an answer, not a traceback.
    await world.h.press(OWNER, RetryFailed(id=2**64, run=1).pack())
    assert world.h.session.answers() == [f"No campaign #{2**64}."]
    assert await runs(world, campaign.id) == []


# --- /retry alone, and the report in Russian ------------------------------------------------


async def test_retry_alone_offers_the_campaigns_with_something_to_retry(
    world: World, quick: list[str]
) -> None:
    campaign_id = await finished_with_a_timeout(world, quick, lang="ru")
    await world.h.send(OWNER, "/retry", lang="ru")
    [offer] = world.h.session.of("sendMessage")
    assert offer["text"] == "Неудавшиеся посты какой кампании повторить?"
    [[button]] = offer["reply_markup"]["inline_keyboard"]
    assert button["callback_data"] == PickCampaign(action="retry", id=campaign_id).pack()
    world.h.session.reset()
    await world.h.press(OWNER, button["callback_data"], lang="ru")
    assert world.h.session.sent_texts() == ["Кампания #1: повторяем 1 неудавшийся пост (повтор 1)."]
    await world.rig.settle()
    world.h.session.reset()
    await world.notices()
    [report] = world.reports()
    lines = report.splitlines()
    assert lines[lines.index("<b>По запускам</b>") :][:3] == [
        "<b>По запускам</b>",
        "• Первая отправка: отправлено 1 · ошибок 1 из 2",
        "• Повтор 1: отправлено 1 · ошибок 0 из 1",
    ]
