"""What the system is doing right now: worker heartbeat, queue depth, active campaigns."""

from __future__ import annotations

from pydantic import BaseModel

from predlagator.db.rows import Conn, many, one
from predlagator.models import CampaignStatus

_Q = "status"


class WorkerState(BaseModel):
    """How many workers beat lately and how old the freshest heartbeat is (None: no worker)."""

    workers: int
    heartbeat_age_s: float | None


class QueueDepth(BaseModel):
    """Jobs waiting in one Procrastinate queue."""

    queue_name: str
    todo: int


class ActiveCampaign(BaseModel):
    """A campaign that is sending or about to, with its progress."""

    id: int
    name: str
    status: CampaignStatus
    total: int
    sent: int


async def worker(conn: Conn, fresh_s: float) -> WorkerState:
    """Return the workers' heartbeat state; live ones beat within the last `fresh_s` seconds."""
    state = await one(conn, WorkerState, _Q, "worker", fresh_s=fresh_s)
    assert state is not None  # an aggregate always yields one row
    return state


async def queue_depth(conn: Conn) -> list[QueueDepth]:
    """Return waiting jobs per queue (queues with none are left out)."""
    return await many(conn, QueueDepth, _Q, "queue_depth")


async def active_campaigns(conn: Conn) -> list[ActiveCampaign]:
    """Return scheduled, running and waiting campaigns with sent/total."""
    return await many(conn, ActiveCampaign, _Q, "active_campaigns")
