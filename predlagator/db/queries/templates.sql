-- name: create
INSERT INTO templates (name, html, media_kind, media_file_id, created_by)
VALUES (%(name)s, %(html)s, %(media_kind)s, %(media_file_id)s, %(created_by)s)
RETURNING *;

-- name: get
SELECT * FROM templates WHERE id = %(id)s;

-- name: list_all
SELECT * FROM templates ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s;
