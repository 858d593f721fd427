"""`predlagator worker` without TG_API_ID / TG_API_HASH, as a real subprocess: simulated accounts
need neither, a Telegram account to be served stops the start with one line naming the setting."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from predlagator.db.pool import Pool
from predlagator.session_vault import new_key
from tests.fakes.telethon_fake import FakeTelegram
from tests.fakes.worker_process import CampaignWatch, launch
from tests.pool_world import account_campaign, add_account, holders
from tests.test_cli import (
    STARTUP_TIMEOUT,
    STOP_TIMEOUT,
    Product,
    assert_clean_error,
    assert_no_traceback,
    login_anna,
    login_settings,
    product_env,
    run_cli,
    workdir,
)

__all__ = ["workdir"]  # the fixture, used by name

API_ID = "12345"
API_HASH = "0123456789abcdef0123456789abcdef"
FINISH_TIMEOUT = 60.0


def env_without(missing: str, workdir: Path, database_url: str, **more: str) -> dict[str, str]:
    """Settings for `worker` with a database and the app's credentials but `missing`."""
    app = {"TG_API_ID": API_ID, "TG_API_HASH": API_HASH}
    app.pop(missing, None)
    return product_env(DATA_DIR=str(workdir), DATABASE_URL=database_url, **app, **more)


async def test_a_worker_with_only_simulated_accounts_sends_a_campaign_without_the_app(
    workdir: Path, db_url: str, pool: Pool
) -> None:
    account = await add_account(pool, "rehearsal", rate=600.0, kind="simulated")
    campaign = await account_campaign(pool, account, ["@one", "@two", "@three"], rate=600.0)
    env = product_env(DATA_DIR=str(workdir), DATABASE_URL=db_url)  # no TG_*, no SESSION_KEY
    product = await Product.start("worker", env=env, cwd=workdir)
    try:
        served = await product.wait_for_line("account served", STARTUP_TIMEOUT)
        assert f"account_id={account.id}" in served and "kind=simulated" in served
        async with CampaignWatch(db_url) as watch:
            await launch(pool, campaign.id)
            assert await watch.until(campaign.id, "completed", FINISH_TIMEOUT)
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT status, count(*) FROM deliveries WHERE campaign_id = %s GROUP BY status",
                (campaign.id,),
            )
            assert await cur.fetchall() == [{"status": "sent", "count": 3}]
        product.signal(signal.SIGTERM)
        assert await product.exit_code(STOP_TIMEOUT) == 0
    finally:
        await product.kill()
    assert_no_traceback(product)
    assert "TG_API_ID" not in product.stderr


@pytest.mark.parametrize("missing", ["TG_API_ID", "TG_API_HASH"])
async def test_a_worker_to_serve_a_telegram_account_without_the_app_names_the_setting(
    workdir: Path, db_url: str, pool: Pool, missing: str
) -> None:
    key = new_key()
    await login_anna(login_settings(db_url, session_key=key), db_url, FakeTelegram())
    await add_account(pool, "rehearsal", rate=20.0, kind="simulated")

    result = await run_cli(
        "worker", env=env_without(missing, workdir, db_url, SESSION_KEY=key), cwd=workdir
    )

    last = assert_clean_error(result, f"{missing} is not set", "account 'anna'", "my.telegram.org")
    assert result.stderr_lines == [last]
    assert set((await holders(pool)).values()) == {None}  # nothing was taken meanwhile


async def test_tg_session_without_the_app_names_the_setting(workdir: Path, db_url: str) -> None:
    from tests.test_cli import unreachable_session  # noqa: PLC0415 - a real-looking session

    env = env_without("TG_API_ID", workdir, db_url, TG_SESSION=unreachable_session())
    env["SESSION_KEY"] = new_key()
    result = await run_cli("worker", env=env, cwd=workdir)

    last = assert_clean_error(result, "TG_API_ID is not set", "account 'main'", "my.telegram.org")
    assert result.stderr_lines[-1] == last


async def test_a_telegram_account_added_later_is_left_to_a_worker_with_the_app(
    workdir: Path, db_url: str, pool: Pool
) -> None:
    key = new_key()
    simulated = await add_account(pool, "rehearsal", rate=20.0, kind="simulated")
    env = env_without("TG_API_HASH", workdir, db_url, SESSION_KEY=key)
    product = await Product.start("worker", env=env, cwd=workdir)
    try:
        await product.wait_for_line(f"account served account_id={simulated.id}", STARTUP_TIMEOUT)
        anna = await login_anna(login_settings(db_url, session_key=key), db_url, FakeTelegram())
        line = await product.wait_for_line("left to a worker that has them", STARTUP_TIMEOUT)
        assert " WARNING " in line
        assert f"account_id={anna.id}" in line and "missing=TG_API_HASH" in line
        # A later round takes a newer simulated account; anna, listed before it, stays free.
        later = await add_account(pool, "later", rate=20.0, kind="simulated")
        await product.wait_for_line(f"account served account_id={later.id}", STARTUP_TIMEOUT)
        marks = await holders(pool)
        assert marks["anna"] is None
        assert marks["rehearsal"] is not None and marks["later"] is not None
        product.signal(signal.SIGTERM)
        assert await product.exit_code(STOP_TIMEOUT) == 0
    finally:
        await product.kill()
    assert_no_traceback(product)
    assert sum("left to a worker" in line for line in product.lines) == 1
