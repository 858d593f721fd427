-- name: record
INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
VALUES (%(actor_id)s, %(action)s, %(object_type)s, %(object_id)s, %(details)s)
RETURNING *;

-- name: latest
SELECT * FROM audit_log ORDER BY id DESC LIMIT %(limit)s;

-- name: page
-- Newest first; the primary key orders entries made within the same transaction too.
SELECT * FROM audit_log ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s;
