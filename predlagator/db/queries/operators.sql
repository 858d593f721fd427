-- name: ensure_owner
-- Owners come from OWNER_IDS; re-applied at every start so the setting stays the truth.
INSERT INTO operators (user_id, role) VALUES (%(user_id)s, 'owner')
ON CONFLICT (user_id) DO UPDATE SET role = 'owner'
RETURNING *;

-- name: get
SELECT * FROM operators WHERE user_id = %(user_id)s;

-- name: list_all
SELECT * FROM operators ORDER BY role, created_at;

-- name: upsert
INSERT INTO operators (user_id, role, added_by) VALUES (%(user_id)s, %(role)s, %(added_by)s)
ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role
RETURNING *;

-- name: remove
DELETE FROM operators WHERE user_id = %(user_id)s AND role <> 'owner' RETURNING *;

-- name: set_language
UPDATE operators SET language = %(language)s
WHERE user_id = %(user_id)s AND language IS DISTINCT FROM %(language)s;
