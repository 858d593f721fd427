-- name: ensure
INSERT INTO accounts (name, rate_per_minute) VALUES (%(name)s, %(rate_per_minute)s)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING *;

-- name: get
SELECT * FROM accounts WHERE id = %(id)s;

-- name: list_all
SELECT * FROM accounts ORDER BY id;

-- name: reserve_slots
-- Reserve `n` consecutive send moments at once for a batch. The first is the later of both
-- paces and now; each gap is the slower pace's interval, stretched by up to `jitter` of itself
-- (never shortened, so no window ever holds more posts than the rate). Both paces then move
-- one gap past the last slot. Returns the wait until the first slot and each slot's offset.
WITH slot AS (
    SELECT greatest(a.next_send_at, c.next_send_at, clock_timestamp()) AS at,
           greatest(60.0 / a.rate_per_minute, 60.0 / c.rate_per_minute) AS interval_s
    FROM accounts a JOIN campaigns c ON c.account_id = a.id
    WHERE a.id = %(account_id)s AND c.id = %(campaign_id)s
    FOR UPDATE OF a, c
), gaps AS (
    SELECT i, slot.interval_s * (1 + %(jitter)s::float8 * random()) AS gap
    FROM slot, generate_series(1, %(n)s) AS i
), offsets AS (
    -- Slot i lies after the gaps of slots 1..i-1; gap n reaches the campaign's next slot.
    SELECT array_agg(coalesce(o, 0) ORDER BY i) AS offsets,
           max(coalesce(o, 0)) AS last_o, max(gap) FILTER (WHERE i = %(n)s) AS last_gap
    FROM (SELECT i, gap, sum(gap) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING
                                                         AND 1 PRECEDING) AS o
          FROM gaps) g
), acc AS (
    -- The account's own pace follows the last slot, so its other campaigns are not held back
    -- by a slow one.
    UPDATE accounts a SET next_send_at = slot.at + make_interval(secs => offsets.last_o
        + 60.0 / a.rate_per_minute * (1 + %(jitter)s::float8 * random()))
    FROM slot, offsets WHERE a.id = %(account_id)s
), camp AS (
    UPDATE campaigns c SET next_send_at = slot.at
        + make_interval(secs => offsets.last_o + offsets.last_gap)
    FROM slot, offsets WHERE c.id = %(campaign_id)s
)
SELECT greatest(extract(epoch FROM slot.at - clock_timestamp()), 0)::float8 AS wait_s,
       offsets.offsets::float8[] AS offsets, slot.interval_s::float8 AS interval_s
FROM slot, offsets;

-- name: set_flood
UPDATE accounts SET flood_until = %(flood_until)s WHERE id = %(id)s RETURNING *;

-- name: stop
UPDATE accounts SET status = 'stopped', stop_reason = %(reason)s WHERE id = %(id)s RETURNING *;
