-- name: ensure_owner
-- Owners come from OWNER_IDS; re-applied at every start so the setting stays the truth.
INSERT INTO operators (user_id, role) VALUES (%(user_id)s, 'owner')
ON CONFLICT (user_id) DO UPDATE SET role = 'owner'
RETURNING *;

-- name: get
SELECT * FROM operators WHERE user_id = %(user_id)s;

-- name: list_all
-- Owners first, then operators, then viewers (role text sorts "operator" before "owner").
SELECT * FROM operators
ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'operator' THEN 1 ELSE 2 END, created_at, user_id;

-- name: upsert
INSERT INTO operators (user_id, role, added_by) VALUES (%(user_id)s, %(role)s, %(added_by)s)
ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role
RETURNING *;

-- name: remove
DELETE FROM operators WHERE user_id = %(user_id)s AND role <> 'owner' RETURNING *;

-- name: set_language
UPDATE operators SET language = %(language)s
WHERE user_id = %(user_id)s AND language IS DISTINCT FROM %(language)s;

-- name: add
-- Adding never touches someone already listed: a role change is its own, audited, action.
INSERT INTO operators (user_id, role, added_by) VALUES (%(user_id)s, %(role)s, %(added_by)s)
ON CONFLICT (user_id) DO NOTHING
RETURNING *;

-- name: set_role
-- Owners come from OWNER_IDS and are never demoted here; an unchanged role returns no row, so a
-- double press changes (and audits) nothing.
UPDATE operators SET role = %(role)s
WHERE user_id = %(user_id)s AND role <> 'owner' AND role <> %(role)s
RETURNING *;
