-- name: create
INSERT INTO templates (name, html, media_kind, media_file_id, created_by)
VALUES (%(name)s, %(html)s, %(media_kind)s, %(media_file_id)s, %(created_by)s)
RETURNING *;

-- name: get
-- Archived ones too: campaigns and their reports still name them.
SELECT * FROM templates WHERE id = %(id)s;

-- name: list_all
-- Live templates only (the partial index templates_live), newest first.
SELECT * FROM templates WHERE archived_at IS NULL
ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s;

-- name: count_live
SELECT count(*) AS n FROM templates WHERE archived_at IS NULL;

-- name: rename
UPDATE templates SET name = %(name)s WHERE id = %(id)s AND archived_at IS NULL
RETURNING *;

-- name: in_use
-- Campaigns that will still send the template: deleting it is refused while any exists.
-- Drafts are not among them: a draft keeps the post it was prepared with.
SELECT * FROM campaigns
WHERE template_id = %(id)s AND status IN ('scheduled', 'running', 'paused', 'waiting')
ORDER BY id;

-- name: archive
-- The check and the change in one statement, so a double press archives once and a template
-- taken into use a moment ago is not archived.
UPDATE templates t SET archived_at = now()
WHERE t.id = %(id)s AND t.archived_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM campaigns c
      WHERE c.template_id = t.id AND c.status IN ('scheduled', 'running', 'paused', 'waiting'))
RETURNING *;
