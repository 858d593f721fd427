-- name: count_listed
SELECT count(*) AS n FROM accounts WHERE removed_at IS NULL;

-- name: page
-- The accounts not removed, oldest first, each with what /accounts says about it. The live
-- campaigns come through campaign_accounts (its account index), so each row costs two index
-- scans however long the ledger is.
SELECT a.*,
       CASE WHEN a.posts_day = %(today)s THEN a.posts_today ELSE 0 END AS today_posts,
       (SELECT count(*) FROM account_peers p WHERE p.account_id = a.id) AS peers,
       coalesce(live.ids, '{}') AS live_ids,
       coalesce(live.names, '{}') AS live_names
FROM accounts a
LEFT JOIN LATERAL (
    SELECT array_agg(c.id ORDER BY c.id) AS ids, array_agg(c.name ORDER BY c.id) AS names
    FROM campaign_accounts ca JOIN campaigns c ON c.id = ca.campaign_id
    WHERE ca.account_id = a.id AND c.status IN ('running', 'waiting', 'paused', 'scheduled')
) live ON true
WHERE a.removed_at IS NULL
ORDER BY a.id
LIMIT %(limit)s OFFSET %(offset)s;

-- name: one
-- One account as /accounts shows it, removed or not (a stale screen says it was removed).
SELECT a.*,
       CASE WHEN a.posts_day = %(today)s THEN a.posts_today ELSE 0 END AS today_posts,
       (SELECT count(*) FROM account_peers p WHERE p.account_id = a.id) AS peers,
       coalesce(live.ids, '{}') AS live_ids,
       coalesce(live.names, '{}') AS live_names
FROM accounts a
LEFT JOIN LATERAL (
    SELECT array_agg(c.id ORDER BY c.id) AS ids, array_agg(c.name ORDER BY c.id) AS names
    FROM campaign_accounts ca JOIN campaigns c ON c.id = ca.campaign_id
    WHERE ca.account_id = a.id AND c.status IN ('running', 'waiting', 'paused', 'scheduled')
) live ON true
WHERE a.id = %(id)s;

-- name: older_count
-- How many listed accounts come before this one: the list page it is on.
SELECT count(*) AS n FROM accounts WHERE removed_at IS NULL AND id < %(id)s;

-- name: held_keys
-- Which of the given session lock keys a process holds now (1-based positions in the arrays).
-- A 64-bit advisory key shows in pg_locks as its high and low 32 bits, objsubid 1; held_by
-- alone is not trusted, since a killed worker cannot clear it.
SELECT k.i AS position
FROM unnest(%(high)s::bigint[], %(low)s::bigint[]) WITH ORDINALITY AS k(high, low, i)
WHERE EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = k.high AND l.objid::bigint = k.low
);

-- name: set_pace
UPDATE accounts SET rate_per_minute = %(rate)s
WHERE id = %(id)s AND removed_at IS NULL
RETURNING *;

-- name: set_cap
UPDATE accounts SET daily_cap = %(cap)s
WHERE id = %(id)s AND removed_at IS NULL
RETURNING *;

-- name: pause
UPDATE accounts SET status = 'paused'
WHERE id = %(id)s AND status = 'active' AND removed_at IS NULL
RETURNING *;

-- name: resume
UPDATE accounts SET status = 'active'
WHERE id = %(id)s AND status = 'paused' AND removed_at IS NULL
RETURNING *;

-- name: restart
-- Only a stop made by hand is undone by hand: an account Telegram stopped needs a new login.
UPDATE accounts SET status = 'active', stop_reason = NULL
WHERE id = %(id)s AND status = 'stopped' AND stop_reason = %(reason)s AND removed_at IS NULL
RETURNING *;

-- name: stop
UPDATE accounts SET status = 'stopped', stop_reason = %(reason)s
WHERE id = %(id)s AND status <> 'stopped' AND removed_at IS NULL
RETURNING *;

-- name: lock
-- Taken before `remove`, in its transaction: FOR UPDATE waits for a campaign being created or
-- started with the account (its foreign key check and `of_campaign` lock the row too), so the
-- next statement's snapshot sees that campaign, and a start after it finds the account stopped.
SELECT id FROM accounts WHERE id = %(id)s FOR UPDATE;

-- name: remove
-- One statement, so the check for live campaigns and the removal see the same rows. The
-- session goes at once: a removed account can never be served again. The row stays, since
-- the ledger and the audit log name it.
UPDATE accounts a
SET removed_at = now(),
    session_enc = NULL,
    stop_reason = CASE WHEN a.status = 'stopped' THEN a.stop_reason ELSE %(reason)s END,
    status = 'stopped'
WHERE a.id = %(id)s AND a.removed_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM campaign_accounts ca JOIN campaigns c ON c.id = ca.campaign_id
      WHERE ca.account_id = a.id AND c.status IN ('running', 'waiting', 'paused', 'scheduled')
  )
RETURNING a.*;

-- name: add_simulated
-- A name taken (even by a removed account, whose history keeps it) inserts nothing.
INSERT INTO accounts (name, kind, rate_per_minute, sim_latency_ms, sim_failure_share)
VALUES (%(name)s, 'simulated', %(rate)s, %(latency_ms)s, %(failure_share)s)
ON CONFLICT (name) DO NOTHING
RETURNING *;

-- name: by_name
-- Case aside: "Sim" beside "sim" would only confuse whoever reads the list.
SELECT * FROM accounts WHERE lower(name) = lower(%(name)s) ORDER BY id LIMIT 1;
