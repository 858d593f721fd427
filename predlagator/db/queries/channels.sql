-- name: upsert_refs
-- The inserted rows are invisible to a plain join on channels within the same statement, so
-- ids come from the INSERT's RETURNING for new refs and from the table for known ones.
WITH input AS (
    SELECT ref, ord FROM unnest(%(refs)s::text[]) WITH ORDINALITY AS t(ref, ord)
), ins AS (
    INSERT INTO channels (ref) SELECT ref FROM input ORDER BY ord
    ON CONFLICT (ref) DO NOTHING
    RETURNING id, ref
)
SELECT coalesce(ins.id, c.id) AS id, i.ref, ins.id IS NOT NULL AS created
FROM input i LEFT JOIN ins USING (ref) LEFT JOIN channels c USING (ref)
ORDER BY i.ord;

-- name: get
SELECT * FROM channels WHERE id = %(id)s;

-- name: list_inactive
SELECT * FROM channels WHERE NOT active ORDER BY deactivated_at DESC NULLS LAST, id;

-- name: get_peer
SELECT * FROM account_peers WHERE account_id = %(account_id)s AND channel_id = %(channel_id)s;

-- name: save_peer
INSERT INTO account_peers (account_id, channel_id, peer_type, peer_id, access_hash)
VALUES (%(account_id)s, %(channel_id)s, %(peer_type)s, %(peer_id)s, %(access_hash)s)
ON CONFLICT (account_id, channel_id) DO UPDATE
SET peer_type = EXCLUDED.peer_type, peer_id = EXCLUDED.peer_id,
    access_hash = EXCLUDED.access_hash, resolved_at = now()
RETURNING *;

-- name: save_peers
-- Peers resolved during a batch, stored in one statement; titles go to the channels too.
WITH v AS (
    SELECT * FROM unnest(%(channel_ids)s::bigint[], %(peer_types)s::text[],
                         %(peer_ids)s::bigint[], %(access_hashes)s::bigint[], %(titles)s::text[])
        AS v(channel_id, peer_type, peer_id, access_hash, title)
), peers AS (
    INSERT INTO account_peers (account_id, channel_id, peer_type, peer_id, access_hash)
    SELECT %(account_id)s, channel_id, peer_type, peer_id, access_hash FROM v
    ON CONFLICT (account_id, channel_id) DO UPDATE
    SET peer_type = EXCLUDED.peer_type, peer_id = EXCLUDED.peer_id,
        access_hash = EXCLUDED.access_hash, resolved_at = now()
)
UPDATE channels c SET title = v.title
FROM v WHERE c.id = v.channel_id AND v.title IS NOT NULL AND c.title IS DISTINCT FROM v.title;

-- name: set_title
UPDATE channels SET title = %(title)s WHERE id = %(id)s AND title IS DISTINCT FROM %(title)s;

-- name: deactivate
UPDATE channels
SET active = false, deactivated_code = %(code)s, deactivated_count = 1, deactivated_at = now()
WHERE id = %(id)s AND active
RETURNING *;

-- name: count_error
-- Consecutive errors decide deactivation; the count and the decision are one statement. The
-- channel is switched off with the error that crossed the limit and the count it reached.
UPDATE channels
SET consecutive_errors = consecutive_errors + 1,
    active = active AND consecutive_errors + 1 < %(limit)s,
    deactivated_code = CASE WHEN active AND consecutive_errors + 1 >= %(limit)s
                            THEN %(code)s ELSE deactivated_code END,
    deactivated_count = CASE WHEN active AND consecutive_errors + 1 >= %(limit)s
                             THEN consecutive_errors + 1 ELSE deactivated_count END,
    deactivated_at = CASE WHEN active AND consecutive_errors + 1 >= %(limit)s
                          THEN now() ELSE deactivated_at END
WHERE id = %(id)s
RETURNING *;

-- name: reactivate
-- reactivated_at lets Retry failed take back what failed here for good before (retries.sql).
UPDATE channels SET active = true, consecutive_errors = 0, deactivated_code = NULL,
    deactivated_count = NULL, deactivated_at = NULL, reactivated_at = now()
WHERE id = %(id)s AND NOT active
RETURNING *;

-- name: inactive_page
-- Over the partial index channels_inactive, latest deactivation first.
SELECT * FROM channels WHERE NOT active
ORDER BY deactivated_at DESC NULLS LAST, id LIMIT %(limit)s OFFSET %(offset)s;

-- name: count_inactive
SELECT count(*) AS n FROM channels WHERE NOT active;

-- name: reactivate_many
-- As reactivate, for a page of them.
UPDATE channels SET active = true, consecutive_errors = 0, deactivated_code = NULL,
    deactivated_count = NULL, deactivated_at = NULL, reactivated_at = now()
WHERE id = ANY(%(ids)s::bigint[]) AND NOT active
RETURNING *;
