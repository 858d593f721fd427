"""Accounts of the pool and campaigns on each, as the tests of workers serving many need them."""

from __future__ import annotations

from predlagator.db import batches, campaigns, templates
from predlagator.db.accounts import lock_key
from predlagator.db.pool import Pool
from predlagator.models import Account, Campaign
from predlagator.session_vault import Vault
from tests.factories import POST_HTML


async def add_account(
    pool: Pool,
    name: str,
    *,
    rate: float,
    kind: str = "telegram",
    session: str | None = None,
    vault: Vault | None = None,
    latency_ms: int = 0,
    failure_share: float = 0.0,
) -> Account:
    """An active account: a telegram one with its session sealed in `vault`, or a simulated one."""
    sealed = vault.seal(session) if vault is not None and session is not None else None
    async with pool.connection() as conn:
        cur = await conn.execute(
            "INSERT INTO accounts (name, rate_per_minute, kind, session_enc, sim_latency_ms, "
            "sim_failure_share) VALUES (%s, %s, %s, %s, %s, %s) RETURNING *",
            (name, rate, kind, sealed, latency_ms, failure_share),
        )
        row = await cur.fetchone()
    assert row is not None
    return Account.model_validate(row)


async def account_campaign(
    pool: Pool,
    account: Account,
    refs: list[str],
    *,
    rate: float,
    retry_limit: int = 3,
    html: str = POST_HTML,
) -> Campaign:
    """A draft campaign over a new batch of `refs`, sent by `account` alone."""
    async with pool.connection() as conn:
        batch, _ = await batches.create(conn, f"batch {account.name}", refs, created_by=1)
        template = await templates.create(conn, f"post {account.name}", html, created_by=1)
        return await campaigns.create(
            conn,
            name=f"campaign {account.name}",
            batch_id=batch.id,
            template_id=template.id,
            account_id=account.id,
            rate_per_minute=rate,
            retry_limit=retry_limit,
            chat_id=10,
            language="en",
            created_by=1,
        )


async def holders(pool: Pool) -> dict[str, str | None]:
    """Account name → its `held_by` mark, counted only while pg_locks shows its lock held."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT name, held_by FROM accounts ORDER BY id")
        rows = await cur.fetchall()
        cur = await conn.execute(
            "SELECT classid::bigint AS hi, objid::bigint AS lo FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        locked = {(int(row["hi"]), int(row["lo"])) for row in await cur.fetchall()}

    def is_locked(name: str) -> bool:
        key = lock_key(name)
        return ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF) in locked

    return {row["name"]: row["held_by"] if is_locked(row["name"]) else None for row in rows}
