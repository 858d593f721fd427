-- name: ensure
INSERT INTO accounts (name, rate_per_minute) VALUES (%(name)s, %(rate_per_minute)s)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING *;

-- name: get
SELECT * FROM accounts WHERE id = %(id)s;

-- name: list_all
SELECT * FROM accounts ORDER BY id;

-- name: reserve_slot
-- Reserve the next send moment of both the account and the campaign in one statement, so two
-- processes can never take the same slot. The slot is the later of the two paces and now; each
-- pace then moves one interval past the slot.
WITH slot AS (
    SELECT greatest(a.next_send_at, c.next_send_at, clock_timestamp()) AS at
    FROM accounts a JOIN campaigns c ON c.account_id = a.id
    WHERE a.id = %(account_id)s AND c.id = %(campaign_id)s
    FOR UPDATE OF a, c
), acc AS (
    UPDATE accounts a SET next_send_at = slot.at + make_interval(secs => 60.0 / a.rate_per_minute)
    FROM slot WHERE a.id = %(account_id)s
)
UPDATE campaigns c SET next_send_at = slot.at + make_interval(secs => 60.0 / c.rate_per_minute)
FROM slot WHERE c.id = %(campaign_id)s
RETURNING slot.at AS slot,
    -- Waiting is measured on the database's clock, so host clock skew cannot break the pace.
    greatest(extract(epoch FROM slot.at - clock_timestamp()), 0)::float8 AS wait_s;

-- name: set_flood
UPDATE accounts SET flood_until = %(flood_until)s WHERE id = %(id)s RETURNING *;

-- name: stop
UPDATE accounts SET status = 'stopped', stop_reason = %(reason)s WHERE id = %(id)s RETURNING *;
