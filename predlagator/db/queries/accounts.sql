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

-- name: set_flood
UPDATE accounts SET flood_until = %(flood_until)s WHERE id = %(id)s RETURNING *;

-- name: stop
UPDATE accounts SET status = 'stopped', stop_reason = %(reason)s WHERE id = %(id)s RETURNING *;
