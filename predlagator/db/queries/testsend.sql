-- name: templates_named
-- A template named by the operator: names need not be unique, so every match comes back.
SELECT * FROM templates WHERE lower(name) = lower(%(name)s) ORDER BY id LIMIT %(limit)s;

-- name: known_channel
-- A test target that is a known channel, with the peer the account stored for it, if any:
-- a stored peer saves a resolve (a flood-limited request).
SELECT c.id AS channel_id, c.active, c.deactivated_reason,
       p.peer_type, p.peer_id, p.access_hash
FROM channels c
LEFT JOIN account_peers p ON p.channel_id = c.id AND p.account_id = %(account_id)s
WHERE c.ref = %(ref)s;
