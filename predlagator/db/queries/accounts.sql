-- name: ensure
INSERT INTO accounts (name, rate_per_minute) VALUES (%(name)s, %(rate_per_minute)s)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING *;

-- name: get
SELECT * FROM accounts WHERE id = %(id)s;

-- name: of_campaign
-- Read before a campaign is started or resumed; FOR SHARE makes a concurrent stop wait until
-- the change commits, and the stop's own pause then finds the campaign running and pauses it.
SELECT a.* FROM accounts a JOIN campaigns c ON c.account_id = a.id
WHERE c.id = %(campaign_id)s
FOR SHARE OF a;

-- name: list_all
SELECT * FROM accounts ORDER BY id;

-- name: reserve_slots
-- Reserve `n` consecutive send moments at once for a batch. The first lies one interval of each
-- pace after that pace's last slot (or now, if later; greatest() skips a pace never used); the rest follow one gap apart, the gap
-- being the slower pace's interval, stretched by up to `jitter` of itself (never shortened, so
-- no window ever holds more posts than the rate). Rates are read now, so a changed rate applies
-- to the next post. `spacing` widens every interval a little, so posts that wake a moment late
-- never crowd a window. Returns the wait until the first slot and each slot's offset from it.
WITH slot AS (
    SELECT greatest(
               a.last_slot_at + make_interval(
                   secs => 60.0 / a.rate_per_minute * (1 + %(spacing)s::float8)),
               c.last_slot_at + make_interval(
                   secs => 60.0 / c.rate_per_minute * (1 + %(spacing)s::float8)
                           * (1 + %(jitter)s::float8 * random())),
               clock_timestamp()) AS at,
           greatest(60.0 / a.rate_per_minute, 60.0 / c.rate_per_minute)
               * (1 + %(spacing)s::float8) AS interval_s
    FROM accounts a JOIN campaigns c ON c.account_id = a.id
    WHERE a.id = %(account_id)s AND c.id = %(campaign_id)s
    FOR UPDATE OF a, c
), gaps AS (
    SELECT i, slot.interval_s * (1 + %(jitter)s::float8 * random()) AS gap
    FROM slot, generate_series(1, %(n)s - 1) AS i
), offsets AS (
    SELECT array_prepend(0::float8, coalesce(array_agg(o ORDER BY i), '{}')) AS offsets,
           coalesce(max(o), 0) AS last_o
    FROM (SELECT i, sum(gap) OVER (ORDER BY i) AS o FROM gaps) g
), acc AS (
    UPDATE accounts SET last_slot_at = slot.at + make_interval(secs => offsets.last_o)
    FROM slot, offsets WHERE id = %(account_id)s
), camp AS (
    UPDATE campaigns SET last_slot_at = slot.at + make_interval(secs => offsets.last_o)
    FROM slot, offsets WHERE id = %(campaign_id)s
)
SELECT greatest(extract(epoch FROM slot.at - clock_timestamp()), 0)::float8 AS wait_s,
       offsets.offsets::float8[] AS offsets, slot.interval_s::float8 AS interval_s
FROM slot, offsets;

-- name: set_flood
UPDATE accounts SET flood_until = %(flood_until)s WHERE id = %(id)s RETURNING *;

-- name: stop
UPDATE accounts SET status = 'stopped', stop_reason = %(reason)s WHERE id = %(id)s RETURNING *;
