"""The drain's looks for actions read the live ones only, however many have ended: each
campaign leaves two reach collections a round behind it (+1 h, +24 h), and a claim, a reach
claim or the look for actions with nothing left to go scanned them all (at 100,000 ended, 6 ms
and 7 ms per turn of every drain)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from predlagator.db import action_rows, actions, reach
from predlagator.models import PostAction
from tests.db.test_stale_statistics import tuples_read
from tests.factories import make_ended_collections, make_posted
from tests.rig import Rig

ENDED = 3000


async def test_the_looks_for_actions_pass_over_the_ended_ones(rig: Rig) -> None:
    campaign = await make_posted(rig.pool, [f"chan_{i:03d}" for i in range(20)])
    async with rig.pool.connection() as conn:
        await make_ended_collections(conn, campaign.id, ENDED)
        await conn.execute("ANALYZE campaign_actions")
        await actions.start(conn, campaign_id=campaign.id, kind=PostAction.PIN)
        assert await reach.refresh(conn, campaign.id, chat_id=None, created_by=None)
        looks: dict[str, Callable[[], Awaitable[object]]] = {
            "claim": lambda: action_rows.claim(conn, rig.account_id, limit=5, batch_s=1.0),
            "claim_reach": lambda: action_rows.claim_reach(conn, rig.account_id, limit=5),
            "finish_done": lambda: action_rows.finish_done(conn, rig.account_id),
        }
        read = {}
        for name, look in looks.items():
            async with conn.transaction(force_rollback=True):
                before = await tuples_read(conn, "campaign_actions")
                await look()
                read[name] = await tuples_read(conn, "campaign_actions") - before
    # The two live actions only (3,002 rows before the index of live ones).
    assert max(read.values()) <= 10, read
