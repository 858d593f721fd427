-- name: create
INSERT INTO batches (name, created_by) VALUES (%(name)s, %(created_by)s) RETURNING *, 0 AS channel_count;

-- name: add_channels
-- Channels already in the batch keep their place; the row count says how many were added.
INSERT INTO batch_channels (batch_id, channel_id, position)
SELECT %(batch_id)s, t.id,
       coalesce((SELECT max(position) FROM batch_channels WHERE batch_id = %(batch_id)s), 0) + t.ord
FROM unnest(%(channel_ids)s::bigint[]) WITH ORDINALITY AS t(id, ord)
ON CONFLICT DO NOTHING;

-- name: get
-- Archived (deleted) batches are gone for the bot: a stale button finds nothing.
SELECT b.*,
       (SELECT count(*) FROM batch_channels bc WHERE bc.batch_id = b.id) AS channel_count,
       (SELECT count(*) FROM batch_channels bc JOIN channels c ON c.id = bc.channel_id
        WHERE bc.batch_id = b.id AND c.active) AS active_count
FROM batches b WHERE b.id = %(id)s AND b.archived_at IS NULL;

-- name: lock_live
-- Taken before changing a batch's channels: concurrent edits of one batch queue up, and an
-- archived batch is not changed.
SELECT *, 0 AS channel_count FROM batches WHERE id = %(id)s AND archived_at IS NULL FOR UPDATE;

-- name: list_all
-- Newest first, archived ones hidden (this also feeds the /new_campaign batch picker).
SELECT b.*, count(bc.channel_id) AS channel_count
FROM batches b LEFT JOIN batch_channels bc ON bc.batch_id = b.id
WHERE b.archived_at IS NULL
GROUP BY b.id ORDER BY b.id DESC LIMIT %(limit)s OFFSET %(offset)s;

-- name: count_live
SELECT count(*) AS n FROM batches WHERE archived_at IS NULL;

-- name: latest_id
-- Archived batches count: default names follow ids, and ids are never reused.
SELECT coalesce(max(id), 0) AS n FROM batches;

-- name: channels
SELECT c.* FROM batch_channels bc JOIN channels c ON c.id = bc.channel_id
WHERE bc.batch_id = %(id)s ORDER BY bc.position;

-- name: channels_page
SELECT c.* FROM batch_channels bc JOIN channels c ON c.id = bc.channel_id
WHERE bc.batch_id = %(id)s ORDER BY bc.position, c.id LIMIT %(limit)s OFFSET %(offset)s;

-- name: remove_refs
DELETE FROM batch_channels bc USING channels c
WHERE bc.batch_id = %(batch_id)s AND c.id = bc.channel_id AND c.ref = ANY(%(refs)s::text[])
RETURNING c.ref;

-- name: rename
UPDATE batches SET name = %(name)s WHERE id = %(id)s AND archived_at IS NULL
RETURNING *, 0 AS channel_count;

-- name: archive
-- One statement checks and archives, so a campaign started a moment before is seen; campaigns
-- that are not finished still need the batch (a scheduled one has not made its ledger yet).
UPDATE batches b SET archived_at = now()
WHERE b.id = %(id)s AND b.archived_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.batch_id = b.id
                  AND c.status IN ('scheduled', 'running', 'paused', 'waiting'))
RETURNING *, 0 AS channel_count;

-- name: unfinished_campaigns
SELECT * FROM campaigns
WHERE batch_id = %(id)s AND status IN ('scheduled', 'running', 'paused', 'waiting')
ORDER BY id;

-- name: newer_count
-- How many listed batches come before this one in /batches (newest first): its page.
SELECT count(*) AS n FROM batches WHERE archived_at IS NULL AND id > %(id)s;

-- name: room_needed
-- Before adding: the batch's size and how many of the refs are not in it yet.
SELECT (SELECT count(*) FROM batch_channels WHERE batch_id = %(batch_id)s) AS has,
       (SELECT count(*) FROM unnest(%(refs)s::text[]) AS r(ref)
        WHERE NOT EXISTS (SELECT 1 FROM channels c
                          JOIN batch_channels bc ON bc.channel_id = c.id
                          WHERE bc.batch_id = %(batch_id)s AND c.ref = r.ref)) AS adding;
