"""The worker's task for /test: send one post now, then have the bot tell the operator."""

from __future__ import annotations

from datetime import datetime

import procrastinate
from procrastinate import JobContext

from predlagator.delivery.drain import DrainDeps
from predlagator.delivery.testsend import Request, perform
from predlagator.queue import defer, names

blueprint = procrastinate.Blueprint()


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
    deps = context.additional_context["drain_deps"]
    assert isinstance(deps, DrainDeps)
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
