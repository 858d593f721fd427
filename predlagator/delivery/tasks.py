"""The worker's tasks: launch a campaign, drain an account, send a test, reconcile, clean up."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import procrastinate
from procrastinate import JobContext
from procrastinate.jobs import Status

from predlagator.db import accounts, action_rows, campaigns, deliveries, fsm, reach, template_media
from predlagator.db import rounds as rounds_db
from predlagator.db.pool import Pool
from predlagator.delivery import login_steps, rounds
from predlagator.delivery.drain import Drain, DrainDeps
from predlagator.delivery.policy import Policy
from predlagator.delivery.served import ServedAccounts
from predlagator.delivery.testsend import Request, perform
from predlagator.models import FINISHED, CampaignStatus, PostAction
from predlagator.queue import defer, names

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# A job whose worker has not beaten for this long is dead (workers beat every 10 s).
STALLED_AFTER_S = 30.0
# Why a campaign none of whose accounts may send pauses at its launch (telegram_words).
NO_ACCOUNT = "NO_ACTIVE_ACCOUNT"
# A dialog (a wizard, a rename) untouched this long was abandoned.
DIALOG_TTL_H = 24


def _deps(context: JobContext, account_id: int) -> DrainDeps | None:
    """The account's deps in this process, or None when it does not serve the account (any
    more): a worker serving accounts has "accounts" (ServedAccounts); a single sender's set-up
    (tests, benches) passes its "drain_deps" for every account."""
    served = context.additional_context.get("accounts")
    if served is not None:
        assert isinstance(served, ServedAccounts)
        return served.deps(account_id)
    deps = context.additional_context["drain_deps"]
    assert isinstance(deps, DrainDeps)
    return deps


def _zone(context: JobContext) -> str:
    """The zone whose midnight starts an account's day: the drains' policy's, if any here."""
    policy = context.additional_context.get("policy")
    if isinstance(policy, Policy):
        return policy.timezone
    deps = context.additional_context.get("drain_deps")  # a context built the older way
    return deps.policy.timezone if isinstance(deps, DrainDeps) else "UTC"


def _pool(context: JobContext) -> Pool:
    pool: Pool = context.additional_context["pool"]
    return pool


@blueprint.task(name=names.LAUNCH_CAMPAIGN, queue=names.DELIVERY_QUEUE, pass_context=True)
async def launch_campaign(context: JobContext, campaign_id: int) -> None:
    """Snapshot the campaign's active channels into the ledger and start its account's drain."""
    await launch(context.app, _pool(context), campaign_id, tz=_zone(context))


@blueprint.task(name=names.START_ROUND, queue=names.DELIVERY_QUEUE, pass_context=True)
async def start_round(context: JobContext, campaign_id: int) -> None:
    """Start a recurring campaign's next round, if it waits for it and its time has come."""
    await rounds.start(context.app, _pool(context), campaign_id, _zone(context))


async def launch(
    app: procrastinate.App,
    pool: Pool,
    campaign_id: int,
    *,
    stranded: bool = False,
    tz: str = "UTC",
) -> bool:
    """Lay out the ledger and start the campaign; True if this call did either.

    `stranded`: only a campaign not yet started whose row no live launch holds.
    """
    async with pool.connection() as conn, conn.transaction():
        if stranded:
            campaign = await campaigns.lock_stranded_launch(conn, campaign_id)
        else:
            campaign = await campaigns.lock_for_launch(conn, campaign_id)
        if campaign is None or campaign.status in FINISHED:
            return False  # cancelled before it started (stranded: or a live launch has it)
        if await rounds_db.between(conn, campaign):
            return False  # a recurring campaign between rounds: the next is rounds.start's
        senders = [a.id for a in await accounts.active_of_campaign(conn, campaign_id)]
        if not senders and not await deliveries.has_ledger(conn, campaign_id):
            # Nobody may send it: no ledger, paused with the reason until an operator acts.
            paused = await campaigns.transition(
                conn,
                campaign_id,
                CampaignStatus.PAUSED,
                reason=NO_ACCOUNT,
                # Running: resumed since, still without a ledger (the reconcile's launch).
                from_states=[
                    CampaignStatus.DRAFT,
                    CampaignStatus.SCHEDULED,
                    CampaignStatus.RUNNING,
                ],
            )
            added, started = 0, None
        else:
            next_round_at = None
            # Whatever happened since /start_campaign (a pause, even a pause and a resume),
            # the ledger is made here; the snapshot is idempotent, so a repeated launch adds
            # nothing.
            paused = None
            added = await deliveries.snapshot(conn, campaign_id)
            started = await campaigns.transition(
                conn,
                campaign_id,
                CampaignStatus.RUNNING,
                from_states=[CampaignStatus.DRAFT, CampaignStatus.SCHEDULED],
            )
            # A recurring campaign: round 1's run, and when round 2 starts.
            planned = await rounds_db.open_first(conn, started or campaign, tz)
            next_round_at = planned.next_round_at if planned is not None else None
    if paused is not None:
        await defer.notify(app, campaign_id, "account_stopped", reason=NO_ACCOUNT)
        await defer.refresh_progress(app, campaign_id, delay_s=0)
        return True
    log.info("campaign launched", extra={"campaign_id": campaign_id, "deliveries": added})
    launched = bool(added) or started is not None
    status = started.status if started is not None else campaign.status
    if next_round_at is not None:
        await defer.start_round(app, campaign_id, next_round_at)
    if status is not CampaignStatus.RUNNING:
        return launched  # paused before its launch: it keeps its ledger and waits for Resume
    async with pool.connection() as conn:
        done = await campaigns.complete_if_done(conn, campaign_id)
    if done is not None:  # no active channel at all
        await rounds.ended(app, done)
        return launched
    for account_id in senders:
        await defer.kick_drain(app, account_id)
    await defer.refresh_progress(app, campaign_id, delay_s=0)
    return launched


async def relaunch_stranded(app: procrastinate.App, pool: Pool, tz: str = "UTC") -> None:
    """Launch campaigns whose launch job's worker died before the launch committed.

    Such a job stays `doing` until its worker's heartbeat is STALLED_AFTER_S old and a reconcile
    retries it, about a minute; the campaign's row lock tells at once whether a launch is alive.
    The job itself is left to that retry, which then finds the campaign started.
    """
    jobs = await app.job_manager.list_jobs_async(task=names.LAUNCH_CAMPAIGN, status="doing")
    for job in jobs:
        kwargs: dict[str, Any] = job.task_kwargs
        campaign_id = int(kwargs["campaign_id"])
        if await launch(app, pool, campaign_id, stranded=True, tz=tz):
            log.warning("stranded launch recovered", extra={"campaign_id": campaign_id})


@blueprint.task(name=names.DRAIN, pass_context=True)
async def drain(context: JobContext, account_id: int) -> None:
    """Send the account's due deliveries (runs only where the account's session lives)."""
    deps = _deps(context, account_id)
    if deps is None:
        # Taken from the account's queue just as this worker let the account go: the kick
        # goes back to the queue, for whoever holds the account now.
        log.info(
            "drain of an account not served here; kicked again", extra={"account_id": account_id}
        )
        await defer.kick_drain(context.app, account_id)
        return
    await Drain(deps, account_id).run()


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name=names.RECONCILE, queue=names.DELIVERY_QUEUE, pass_context=True)
async def reconcile(context: JobContext, timestamp: int) -> None:
    """Requeue jobs of dead workers and kick accounts that have due work."""
    await recover_stalled(context.app, STALLED_AFTER_S)
    await relaunch_stranded(context.app, _pool(context), _zone(context))
    await hand_over_stopped(context.app, _pool(context))
    async with _pool(context).connection() as conn:
        unlaid = await campaigns.running_unlaid(conn)
        account_ids = await campaigns.accounts_needing_drain(conn)
        # Actions over posts too: due rows kick their accounts, and one left with nothing to
        # go (a cancel of rows on a stopped account) ends here.
        # Reach collections come due here (+1 h, +24 h after each post), so a restart loses
        # none; their rows are due at once and kick their accounts with the rest.
        await reach.make_due(conn)
        account_ids = sorted({*account_ids, *await action_rows.accounts_due(conn)})
        finished = await campaigns.complete_all_done(conn)
        stranded = await campaigns.settle_stranded(conn, None, _zone(context))
    for campaign in finished:
        await rounds.ended(context.app, campaign)
    await rounds.start_due(context.app, _pool(context), _zone(context))
    await end_actions(context.app, _pool(context))
    for campaign in stranded:
        if campaign.status is CampaignStatus.PAUSED:
            reason = campaign.status_reason or ""
            await defer.notify(context.app, campaign.id, "account_stopped", reason=reason)
        await defer.refresh_progress(context.app, campaign.id, delay_s=0)
    for account_id in account_ids:
        await defer.kick_drain(context.app, account_id)
    for campaign_id in unlaid:  # lay out its ledger now, or pause it again if still nobody
        await launch(context.app, _pool(context), campaign_id, tz=_zone(context))


async def end_actions(app: procrastinate.App, pool: Pool) -> None:
    """End the actions over posts with nothing left to go that no drain ended (a cancel of
    rows waiting for a stopped account): the chat gets the summary and the card its redraw."""
    async with pool.connection() as conn:
        ended = await action_rows.finish_done(conn)
        for action in ended:
            await rounds.kick_released(app, conn, action)
        # A delete of a round's posts that ended in a process that died before this.
        for account_id in await rounds_db.release(conn, None):
            await defer.kick_drain(app, account_id)
    for action in ended:
        if action.kind is PostAction.REACH:
            if action.label == reach.MANUAL:  # its summary; the card shows no reads
                await defer.action_finished(app, action.id)
            continue
        await defer.action_finished(app, action.id)
        await defer.refresh_progress(app, action.campaign_id, delay_s=0)


async def hand_over_stopped(app: procrastinate.App, pool: Pool) -> None:
    """Hand the never-tried rows of accounts stopped without a drain's knowing (an operator's
    stop from the accounts screen) to their campaigns' other active accounts, and kick them."""
    async with pool.connection() as conn:
        stopped = await deliveries.stopped_holders(conn)
        kick: set[int] = set()
        for account_id in stopped:
            async with conn.transaction():
                kick.update(await deliveries.hand_over(conn, account_id))
    for account_id in sorted(kick):
        await defer.kick_drain(app, account_id)
    if stopped:
        log.info("rows handed over", extra={"from": stopped, "to": sorted(kick)})


@blueprint.periodic(cron="17 * * * *")
@blueprint.task(name="retention", queue=names.DELIVERY_QUEUE, pass_context=True)
async def retention(context: JobContext, timestamp: int) -> None:
    """Delete finished jobs and the files of deleted templates older than RETENTION_DAYS, and
    dialogs abandoned for a day; the ledger and audit log stay."""
    days: int = context.additional_context.get("retention_days", 7)
    await context.app.job_manager.delete_old_jobs(
        nb_hours=days * 24, include_failed=True, include_cancelled=True, include_aborted=True
    )
    async with _pool(context).connection() as conn:
        dialogs = await fsm.expire(conn, DIALOG_TTL_H)
        files = await template_media.purge_archived(conn, days)
    log.info("retention done", extra={"dialogs_expired": dialogs, "files_purged": files})


async def recover_stalled(
    app: procrastinate.App, seconds_since_heartbeat: float, queue: str | None = None
) -> int:
    """Finish dead drains and kick their accounts afresh; retry other dead jobs."""
    manager = app.job_manager
    stalled = list(
        await manager.get_stalled_jobs(queue=queue, seconds_since_heartbeat=seconds_since_heartbeat)
    )
    for job in stalled:
        if job.task_name == names.DRAIN:
            # A retried drain would collide with a waiting kick's queueing lock; the ledger
            # holds all its state, so a fresh kick is the same thing.
            await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            kwargs: dict[str, Any] = job.task_kwargs
            await defer.kick_drain(app, int(kwargs["account_id"]))
        else:
            await manager.retry_job(job)
        log.warning("stalled job recovered", extra={"job_id": job.id, "task": job.task_name})
    return len(stalled)


@blueprint.task(name=names.TEST_SEND, pass_context=True)
async def test_send(
    context: JobContext,
    account_id: int,
    template_id: int,
    target: str,
    random_id: int,
    deadline: str,
    chat_id: int,
    lang: str,
) -> None:
    """Send the test post (deferred to the account's queue, so it runs where its session is)."""
    deps = _deps(context, account_id)
    if deps is None:  # as for a drain: back to the queue, the same post (its random_id)
        await defer.test_send(
            context.app,
            account_id,
            template_id=template_id,
            target=target,
            random_id=random_id,
            deadline=deadline,
            chat_id=chat_id,
            lang=lang,
        )
        return
    request = Request(
        account_id=account_id,
        template_id=template_id,
        target=target,
        random_id=random_id,
        deadline=datetime.fromisoformat(deadline),
    )
    outcome = await perform(deps, request)
    await defer.test_result(
        context.app, chat_id, lang, template_id=template_id, target=target, **outcome
    )


def _login_deps(context: JobContext) -> login_steps.LoginDeps:
    deps = context.additional_context["login_deps"]
    assert isinstance(deps, login_steps.LoginDeps)
    return deps


# The steps of a login from the chat (delivery/login_steps.py): any worker runs any of them.
@blueprint.task(name=names.LOGIN_SEND_CODE, queue=names.DELIVERY_QUEUE, pass_context=True)
async def login_send_code(context: JobContext, login_id: int) -> None:
    """Ask Telegram to send the login code."""
    await login_steps.send_code(_login_deps(context), context.app, login_id)


@blueprint.task(name=names.LOGIN_RESEND_CODE, queue=names.DELIVERY_QUEUE, pass_context=True)
async def login_resend_code(context: JobContext, login_id: int) -> None:
    """Ask Telegram for another login code."""
    await login_steps.resend_code(_login_deps(context), context.app, login_id)


@blueprint.task(name=names.LOGIN_SIGN_IN, queue=names.DELIVERY_QUEUE, pass_context=True)
async def login_sign_in(context: JobContext, login_id: int) -> None:
    """Sign in with the code the operator typed (sealed in the login's row)."""
    await login_steps.sign_in(_login_deps(context), context.app, login_id)


@blueprint.task(name=names.LOGIN_CHECK_PASSWORD, queue=names.DELIVERY_QUEUE, pass_context=True)
async def login_check_password(context: JobContext, login_id: int) -> None:
    """Check the 2FA password the operator typed (sealed in the login's row)."""
    await login_steps.check_password(_login_deps(context), context.app, login_id)
