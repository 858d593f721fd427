-- name: templates_named
-- A live template named by the operator: names need not be unique, so every match comes back.
SELECT * FROM templates
WHERE lower(name) = lower(%(name)s) AND archived_at IS NULL
ORDER BY id LIMIT %(limit)s;

-- name: known_channel
-- A test target that is a known channel, with the peer the account stored for it, if any:
-- a stored peer saves a resolve (a flood-limited request).
SELECT c.id AS channel_id, c.active,
       p.peer_type, p.peer_id, p.access_hash
FROM channels c
LEFT JOIN account_peers p ON p.channel_id = c.id AND p.account_id = %(account_id)s
WHERE c.ref = %(ref)s;

-- name: session_held
-- Whether a process holds the account's session lock (delivery/session_lock.py), that is a
-- worker able to send for it is up: the bot's own queue worker beats too, so a heartbeat alone
-- does not tell. A 64-bit advisory key shows in pg_locks as two 32-bit halves.
SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 1
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND classid::bigint = %(high)s AND objid::bigint = %(low)s
) AS held;
