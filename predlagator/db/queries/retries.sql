-- name: retryable
-- What "Retry failed" would queue again: failed rows of the campaign whose error a new try may
-- get past (transient, slow mode, flood, needs the operator: `never` lists the codes that are
-- not), and those refused for good by a channel (`channel_codes`) that /channels switched back
-- on after they failed (a row's last update is its failure). Never a channel still switched
-- off, and never a row of an account that cannot send: the row stays with its account (its
-- random_id was sent from it), so nothing else could carry it. On the partial index of failed
-- rows.
SELECT count(*)::int AS n
FROM deliveries d
JOIN channels ch ON ch.id = d.channel_id AND ch.active
JOIN accounts a ON a.id = d.account_id AND a.status = 'active' AND a.removed_at IS NULL
WHERE d.campaign_id = %(campaign_id)s AND d.status = 'failed'
  AND (coalesce(d.error_code, 'UNKNOWN') <> ALL(%(never)s::text[])
       OR (d.error_code = ANY(%(channel_codes)s::text[]) AND ch.reactivated_at > d.updated_at));

-- name: requeue
-- The same rows as retryable, queued again in the new run, due now. Each keeps its random_id
-- and its account, so a post whose answer was lost (a timeout) comes back from Telegram as the
-- original message, not as a second one. Each comes back with one attempt on record, so it
-- counts as tried and a stop of its account never hands it to another (deliveries.sql,
-- handover_rows): a row failed untried may still have been sent once (a crash refunds the
-- attempt of a post that went out), and only the account that sent it is deduplicated. So
-- the retry makes max(1, retry limit) tries of it.
UPDATE deliveries d
SET status = 'queued', run = %(run)s, attempts = 1,
    next_attempt_at = now(), updated_at = now()
FROM channels ch, accounts a
WHERE d.campaign_id = %(campaign_id)s AND d.status = 'failed'
  AND ch.id = d.channel_id AND ch.active
  AND a.id = d.account_id AND a.status = 'active' AND a.removed_at IS NULL
  AND (coalesce(d.error_code, 'UNKNOWN') <> ALL(%(never)s::text[])
       OR (d.error_code = ANY(%(channel_codes)s::text[]) AND ch.reactivated_at > d.updated_at))
RETURNING d.account_id;

-- name: current_run
-- The campaign's latest run: 1 until a retry opened another.
SELECT coalesce(max(run), 1) AS run FROM campaign_runs WHERE campaign_id = %(campaign_id)s;

-- name: freeze
-- Run `run`'s numbers, as its report says them, frozen on its row (made now for run 1, the
-- first send, which has none until the first retry): the rows it queued, by outcome and error.
INSERT INTO campaign_runs AS r (campaign_id, run, kind, started_at, finished_at, summary)
SELECT c.id, %(run)s, CASE WHEN %(run)s = 1 THEN 'round' ELSE 'retry' END,
       coalesce(c.started_at, c.created_at), c.finished_at, n.summary
FROM campaigns c
CROSS JOIN LATERAL (
    SELECT jsonb_build_object(
        'total', count(*),
        'sent', count(*) FILTER (WHERE d.status = 'sent'),
        'failed', count(*) FILTER (WHERE d.status = 'failed'),
        'cancelled', count(*) FILTER (WHERE d.status = 'cancelled'),
        'errors', coalesce((
            SELECT jsonb_object_agg(e.code, e.n) FROM (
                SELECT coalesce(x.error_code, 'UNKNOWN') AS code, count(*) AS n
                FROM deliveries x
                WHERE x.campaign_id = c.id AND x.run = %(run)s AND x.status = 'failed'
                GROUP BY 1) e), '{}'::jsonb)) AS summary
    FROM deliveries d WHERE d.campaign_id = c.id AND d.run = %(run)s
) n
WHERE c.id = %(campaign_id)s
ON CONFLICT (campaign_id, run) DO UPDATE
SET summary = EXCLUDED.summary, finished_at = EXCLUDED.finished_at;

-- name: open_run
-- The retry's run; the primary key makes a second opening of the same run impossible. A
-- recurring campaign's retry is of its last round (its rows may be of any round).
INSERT INTO campaign_runs (campaign_id, run, round, kind, created_by)
SELECT c.id, %(run)s, c.round, 'retry', %(created_by)s FROM campaigns c
WHERE c.id = %(campaign_id)s;

-- name: run_again
-- A finished campaign sends again: running, not finished, no reason left from its end. Its
-- start becomes the retry's, so the card's "Took" is the run it shows; the first send's start
-- was frozen on run 1's row just before (freeze).
UPDATE campaigns
SET status = 'running', status_reason = NULL, resume_at = NULL, finished_at = NULL,
    started_at = now(), updated_at = now()
WHERE id = %(campaign_id)s AND status IN ('completed', 'cancelled')
RETURNING *;

-- name: runs
-- Every run of the campaign with its numbers: frozen ones as frozen, the latest counted from
-- the rows it queued (nothing is frozen until it finished and another run opened).
SELECT r.run, r.kind, r.round, r.started_at, r.finished_at,
       coalesce((r.summary ->> 'total')::int, l.total) AS total,
       coalesce((r.summary ->> 'sent')::int, l.sent) AS sent,
       coalesce((r.summary ->> 'failed')::int, l.failed) AS failed,
       coalesce((r.summary ->> 'cancelled')::int, l.cancelled) AS cancelled,
       r.summary IS NOT NULL AS frozen
FROM campaign_runs r
CROSS JOIN LATERAL (
    SELECT count(*)::int AS total,
           (count(*) FILTER (WHERE d.status = 'sent'))::int AS sent,
           (count(*) FILTER (WHERE d.status = 'failed'))::int AS failed,
           (count(*) FILTER (WHERE d.status = 'cancelled'))::int AS cancelled
    FROM deliveries d
    WHERE d.campaign_id = r.campaign_id AND d.run = r.run AND r.summary IS NULL
) l
WHERE r.campaign_id = %(campaign_id)s
ORDER BY r.run;

-- name: candidates
-- /retry alone offers the newest finished campaigns that have something to retry (as in
-- retryable; one probe of the partial index of failed rows each).
SELECT c.* FROM campaigns c
WHERE c.status IN ('completed', 'cancelled') AND c.finished_at IS NOT NULL
  AND c.started_at IS NOT NULL
  AND EXISTS (
      SELECT 1 FROM deliveries d
      JOIN channels ch ON ch.id = d.channel_id AND ch.active
      JOIN accounts a ON a.id = d.account_id AND a.status = 'active' AND a.removed_at IS NULL
      WHERE d.campaign_id = c.id AND d.status = 'failed'
        AND (coalesce(d.error_code, 'UNKNOWN') <> ALL(%(never)s::text[])
             OR (d.error_code = ANY(%(channel_codes)s::text[])
                 AND ch.reactivated_at > d.updated_at)))
ORDER BY c.id DESC
LIMIT %(limit)s;
