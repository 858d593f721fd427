"""Asking for a test send: which template and target, whether it can go now, and the job.

Everything that can be known here is answered at once, without a job: an unknown template, a
bad target, no account, a stopped account, a flood wait still running, no live worker holding
the account's session. Only a test with a fair chance goes to that worker, with a deadline: a
test that waited longer than TEST_WITHIN_S would surprise whoever asked, so it is dropped then,
with an answer, instead of being sent late.

The account is the one the operator picked when several can send (testsend/account_pick.py),
else the default one (accounts.MAIN_ACCOUNT, the session TG_SESSION names; the first account
otherwise). The job goes to that account's queue, served only where its session is held.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import procrastinate

from predlagator.bot.batches.refs import parse_one
from predlagator.bot.home.status import STALE_HEARTBEAT_S
from predlagator.bot.testsend.texts import ME, flood_wait, target_label
from predlagator.bot.texts import REASON, Html, echo, error, t
from predlagator.db import accounts, audit, status, templates
from predlagator.db import testsend as lookups
from predlagator.db.accounts import lock_key
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import Account, Operator, Template
from predlagator.queue import defer

TEST_WITHIN_S = 60.0


def split_args(args: str | None) -> tuple[str | None, str | None]:
    """(template, target) of `/test <template> <target>`: the target is the last word."""
    words = (args or "").split()
    if not words:
        return None, None
    if len(words) == 1:
        return words[0], None
    return " ".join(words[:-1]), words[-1]


def parse_target(lang: str, word: str) -> tuple[str | None, str]:
    """A normalised target (a channel ref, or ME), or None and why not."""
    if word.lower() == ME:
        return ME, ""
    ref, reason, _ = parse_one(word)
    if ref is not None:
        return ref, ""
    why = t(lang, REASON.get(reason, REASON["not_a_reference"]))
    return None, t(
        lang,
        "«{word}» is not a channel: {why}. Send @name, a t.me link, a -100… id, or me.",
        word=echo(word),
        why=Html(why),
    )


async def find_template(conn: Conn, lang: str, spec: str) -> tuple[Template | None, str]:
    """The template named by id (5 or #5) or by name, or None and why not."""
    key = spec.strip().removeprefix("#")
    if key.isascii() and key.isdigit() and len(key) < 19:  # isdigit() alone takes "²"
        found = await templates.get_live(conn, int(key))
        if found is None:
            return None, t(lang, "There is no template #{id}. /templates lists them.", id=key)
        return found, ""
    named = await lookups.templates_named(conn, spec.strip())
    if not named:
        return None, t(
            lang, "No template is called «{name}». /templates lists them.", name=echo(spec)
        )
    if len(named) > 1:
        ids = ", ".join(f"#{tpl.id}" for tpl in named)
        return None, t(
            lang,
            "Several templates are called «{name}» ({ids}): use the id, e.g. /test {id} me.",
            name=echo(spec),
            ids=ids,
            id=named[0].id,
        )
    return named[0], ""


def default_account(everyone: list[Account]) -> Account | None:
    """The account tests go from: the main one, else the first."""
    main = [a for a in everyone if a.name == accounts.MAIN_ACCOUNT]
    return next(iter(main or everyone), None)


async def request(
    pool: Pool,
    queue: procrastinate.App,
    operator: Operator,
    template: Template,
    target: str,
    chat_id: int,
    lang: str,
    *,
    account_id: int | None = None,
) -> str:
    """Ask the account's worker to send the test, or say at once why it can't go now.

    `account_id`: the account picked; None for the default one.
    """
    async with pool.connection() as conn:
        if account_id is None:
            account = default_account(await accounts.list_all(conn))
        else:
            account = await accounts.get(conn, account_id)
            if account is None or account.removed_at is not None:
                return t(lang, "Not sent: that account no longer exists. /test asks again.")
        worker = await status.worker(conn, STALE_HEARTBEAT_S)
        held = account is not None and await lookups.session_held(conn, lock_key(account.name))
    if account is None:
        return t(
            lang, "Not sent: there is no sending account yet. Start the worker with a session."
        )
    refusal = _refusal(lang, account, worker, held)
    if refusal is not None:
        return refusal
    deadline = datetime.now(UTC) + timedelta(seconds=TEST_WITHIN_S)
    async with pool.connection() as conn:
        await audit.record(
            conn,
            operator.user_id,
            "template.test",
            "template",
            template.id,
            target=target,
            account=account.name,
        )
    job_id = await defer.test_send(
        queue,
        account.id,
        template_id=template.id,
        target=target,
        # Chosen here, so a job run twice (a worker died mid-send) posts once.
        random_id=secrets.randbits(63),
        deadline=deadline.isoformat(),
        chat_id=chat_id,
        lang=lang,
    )
    await defer.test_expiry(
        queue, job_id, deadline, chat_id, lang, template_id=template.id, target=target
    )
    return t(
        lang,
        "📤 Sending #{id} «{name}» to {target}…",
        id=template.id,
        name=template.name,
        target=target_label(lang, target),
    )


def _refusal(lang: str, account: Account, worker: status.WorkerState, held: bool) -> str | None:
    """Why the test cannot go from `account` now, or None when it can.

    A worker can send for the account when it holds the account's session (its lock) and
    beats; the beat alone may be the bot's own queue worker's.
    """
    if account.status == "paused":
        return t(
            lang,
            "Not sent: the account {name} is paused by an operator; resume it in /accounts.",
            name=account.name,
        )
    if account.status != "active":
        return t(
            lang,
            "Not sent: the account {name} is stopped. {reason}.",
            name=account.name,
            reason=error(lang, account.stop_reason),
        )
    if account.flood_until is not None and account.flood_until > datetime.now(UTC):
        return t(lang, "⏳ Not sent: {why}.", why=Html(flood_wait(lang, account.flood_until)))
    age = worker.heartbeat_age_s
    if not held or age is None or age > STALE_HEARTBEAT_S:
        return t(
            lang,
            "⚠️ Not sent: no worker holds the account's session, so nothing can reach Telegram "
            "now. Start one (predlagator worker) and try again.",
        )
    return None
