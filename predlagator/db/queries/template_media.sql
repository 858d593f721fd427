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

-- name: purge_archived
-- The files of templates deleted more than `days` ago, once no campaign that may still send
-- them (any not finished: a draft too, which keeps the post it was prepared with, and a
-- cancelled one with a post still on its way) points at them. The template rows stay, for the
-- campaigns and reports that name them.
DELETE FROM template_media m
USING templates t
WHERE t.id = m.template_id
  AND t.archived_at < now() - make_interval(days => %(days)s)
  AND NOT EXISTS (SELECT 1 FROM campaigns c
                  WHERE c.template_id = t.id AND c.finished_at IS NULL);
