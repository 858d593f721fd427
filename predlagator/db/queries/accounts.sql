-- name: ensure
INSERT INTO accounts (name, rate_per_minute) VALUES (%(name)s, %(rate_per_minute)s)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING *;

-- name: get
SELECT * FROM accounts WHERE id = %(id)s;

-- name: of_campaign
-- Read before a campaign is started or resumed: its first active account, or its first one
-- if none is active. FOR SHARE of all its accounts makes a concurrent stop wait until the
-- change commits, and the stop's own pause then finds the campaign running and pauses it.
WITH locked AS MATERIALIZED (
    SELECT a.* FROM accounts a JOIN campaign_accounts ca ON ca.account_id = a.id
    WHERE ca.campaign_id = %(campaign_id)s
    FOR SHARE OF a
)
SELECT * FROM locked
ORDER BY (status = 'active' AND removed_at IS NULL) DESC, id
LIMIT 1;

-- name: list_all
SELECT * FROM accounts ORDER BY id;

-- name: set_flood
UPDATE accounts SET flood_until = %(flood_until)s WHERE id = %(id)s RETURNING *;

-- name: serialize_stops
-- Stops and pauses of accounts take turns (they are rare): each then sees the one before it
-- committed, so two accounts of one campaign stopping at the same moment cannot both leave it
-- running on the other.
SELECT pg_advisory_xact_lock(7242195113440111001);

-- name: stop
UPDATE accounts SET status = 'stopped', stop_reason = %(reason)s WHERE id = %(id)s RETURNING *;

-- name: pause
-- Held back by an operator: its drain claims nothing until it is resumed.
UPDATE accounts SET status = 'paused' WHERE id = %(id)s AND status = 'active' RETURNING *;

-- name: resume
UPDATE accounts SET status = 'active' WHERE id = %(id)s AND status = 'paused' RETURNING *;

-- name: active_of_campaign
-- The campaign's accounts that may send: the ones its launch assigns rows to and kicks.
SELECT a.* FROM accounts a JOIN campaign_accounts ca ON ca.account_id = a.id
WHERE ca.campaign_id = %(campaign_id)s AND a.status = 'active' AND a.removed_at IS NULL
ORDER BY a.id;
