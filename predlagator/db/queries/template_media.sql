-- name: save
INSERT INTO template_media (template_id, file_name, mime_type, size, width, height, duration, data)
VALUES (%(template_id)s, %(file_name)s, %(mime_type)s, %(size)s, %(width)s, %(height)s,
        %(duration)s, %(data)s);

-- name: info
-- Everything but the bytes, which are read only when an account must upload them.
SELECT template_id, file_name, mime_type, size, width, height, duration
FROM template_media WHERE template_id = %(template_id)s;

-- name: read
SELECT data FROM template_media WHERE template_id = %(template_id)s;
