-- name: batches_page
-- Batches for a picker, newest first, with how many of their channels can still receive posts.
SELECT b.id, b.name, count(c.id) AS channel_count,
       count(c.id) FILTER (WHERE c.active) AS active_count
FROM batches b
LEFT JOIN batch_channels bc ON bc.batch_id = b.id
LEFT JOIN channels c ON c.id = bc.channel_id
WHERE b.archived_at IS NULL
GROUP BY b.id ORDER BY b.id DESC LIMIT %(limit)s OFFSET %(offset)s;

-- name: batch
-- A deleted (archived) batch is no pick: a stale button or draft finds nothing.
SELECT b.id, b.name, count(c.id) AS channel_count,
       count(c.id) FILTER (WHERE c.active) AS active_count
FROM batches b
LEFT JOIN batch_channels bc ON bc.batch_id = b.id
LEFT JOIN channels c ON c.id = bc.channel_id
WHERE b.id = %(id)s AND b.archived_at IS NULL
GROUP BY b.id;

-- name: active_accounts
-- A removed account keeps its row (the ledger names it) but is no pick.
SELECT * FROM accounts WHERE status = 'active' AND removed_at IS NULL ORDER BY id;
