"""kill -9 a worker in the middle of a photo campaign: each channel still gets the photo once.

The same real worker processes and shared fake Telegram as tests/delivery/test_crash.py; the new
process has no upload in memory, so it uploads the file again and re-sends what was left
`sending` with the stored random_id, which Telegram answers with the original message.
"""

from __future__ import annotations

import os

from predlagator.db import template_media
from predlagator.db.pool import Pool
from predlagator.models import MediaInfo
from tests.delivery.test_crash import (
    DONE_WITHIN_S,
    assert_each_channel_posted_once,
    new_campaign,
    start_worker,
)
from tests.fakes.worker_process import FROZEN, READY, CampaignWatch, launch, worker_processes

PHOTO = os.urandom(200_000)  # two upload parts


async def test_kill_mid_photo_campaign_then_restart_posts_each_photo_once(
    db_url: str, pool: Pool
) -> None:
    count = 60
    campaign = await new_campaign(db_url, pool, count)
    async with pool.connection() as conn:
        await conn.execute(
            "UPDATE templates SET media_kind = 'photo', media_file_id = 'AgAD' WHERE id = %s",
            (campaign.template_id,),
        )
        info = MediaInfo(file_name="photo.jpg", mime_type="image/jpeg", size=len(PHOTO))
        await template_media.save(conn, campaign.template_id, info, PHOTO)
    async with worker_processes() as workers, CampaignWatch(db_url) as watch:
        await launch(pool, campaign.id)
        first = await start_worker(db_url, count, freeze_after=15)
        workers.append(first)
        await first.expect(READY)
        await first.expect(FROZEN)
        await first.kill()

        second = await start_worker(db_url, count)
        workers.append(second)
        await second.expect(READY)
        assert await watch.until(campaign.id, "completed", DONE_WITHIN_S)
        assert await second.stop() == 0

    await assert_each_channel_posted_once(pool, campaign, count)
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT pid, name, count(*) AS n FROM fake_requests "
            "WHERE name IN ('SaveFilePartRequest', 'SendMediaRequest', 'SendMessageRequest') "
            "GROUP BY pid, name"
        )
        seen = {(row["pid"], row["name"]): row["n"] for row in await cur.fetchall()}
    # Each process uploaded the photo once (two parts) and sent only media posts.
    assert seen[first.pid, "SaveFilePartRequest"] == seen[second.pid, "SaveFilePartRequest"] == 2
    assert seen[first.pid, "SendMediaRequest"] >= 15
    assert (first.pid, "SendMessageRequest") not in seen
    assert (second.pid, "SendMessageRequest") not in seen
