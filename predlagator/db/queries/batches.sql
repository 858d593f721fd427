-- name: create
INSERT INTO batches (name, created_by) VALUES (%(name)s, %(created_by)s) RETURNING *, 0 AS channel_count;

-- name: add_channels
INSERT INTO batch_channels (batch_id, channel_id, position)
SELECT %(batch_id)s, t.id,
       coalesce((SELECT max(position) FROM batch_channels WHERE batch_id = %(batch_id)s), 0) + t.ord
FROM unnest(%(channel_ids)s::bigint[]) WITH ORDINALITY AS t(id, ord)
ON CONFLICT DO NOTHING;

-- name: get
SELECT b.*, (SELECT count(*) FROM batch_channels bc WHERE bc.batch_id = b.id) AS channel_count
FROM batches b WHERE b.id = %(id)s;

-- name: list_all
SELECT b.*, count(bc.channel_id) AS channel_count
FROM batches b LEFT JOIN batch_channels bc ON bc.batch_id = b.id
GROUP BY b.id ORDER BY b.id DESC LIMIT %(limit)s OFFSET %(offset)s;

-- name: channels
SELECT c.* FROM batch_channels bc JOIN channels c ON c.id = bc.channel_id
WHERE bc.batch_id = %(id)s ORDER BY bc.position;
