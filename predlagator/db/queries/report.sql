-- name: outcomes
-- The ledger's counts by status, and the batch's channels the snapshot left out because they
-- were switched off (counted only once the campaign has a ledger or has started: a draft's
-- batch is not "skipped").
SELECT count(d.id)::int AS total,
       (count(*) FILTER (WHERE d.status = 'sent'))::int AS sent,
       (count(*) FILTER (WHERE d.status = 'failed'))::int AS failed,
       (count(*) FILTER (WHERE d.status = 'cancelled'))::int AS cancelled,
       (count(*) FILTER (WHERE d.status IN ('queued', 'sending')))::int AS pending,
       CASE WHEN count(d.id) > 0 OR c.started_at IS NOT NULL THEN (
           SELECT count(*) FROM batch_channels bc
           JOIN channels ch ON ch.id = bc.channel_id AND NOT ch.active
           WHERE bc.batch_id = c.batch_id
             AND NOT EXISTS (SELECT 1 FROM deliveries x
                             WHERE x.campaign_id = c.id AND x.channel_id = bc.channel_id)
       ) ELSE 0 END::int AS skipped_inactive
FROM campaigns c
LEFT JOIN deliveries d ON d.campaign_id = c.id
WHERE c.id = %(campaign_id)s
GROUP BY c.id;

-- name: errors
-- Why deliveries failed, most common first (the code is the taxonomy's, telegram_errors.py).
SELECT coalesce(error_code, 'UNKNOWN') AS code, count(*)::int AS n
FROM deliveries
WHERE campaign_id = %(campaign_id)s AND status = 'failed'
GROUP BY 1
ORDER BY n DESC, code;

-- name: lines
-- Every delivery with what its CSV row needs, round by round in list order, in one statement
-- (the unique (campaign_id, round, channel_id) index finds the rows). The peer is the sending account's (the
-- delivery's own): a private channel's link needs its id as that account resolved it. The
-- time is formatted here, ISO 8601 in UTC: cheaper than ten thousand datetimes made and
-- formatted in Python.
SELECT d.position, ch.ref, ch.title, d.status, d.attempts, d.error_code,
       to_char(d.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS sent_at,
       d.message_id, p.peer_type, p.peer_id, d.account_id, d.run, d.round,
       d.views, d.forwards, d.reactions,
       to_char(d.reach_read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS reach_read_at
FROM deliveries d
JOIN channels ch ON ch.id = d.channel_id
LEFT JOIN account_peers p ON p.account_id = d.account_id AND p.channel_id = d.channel_id
WHERE d.campaign_id = %(campaign_id)s
ORDER BY d.round, d.position, d.id;

-- name: per_minute
-- Posts and failures per UTC minute: a post counts when it was sent, a failure when it was
-- recorded (its row's last update).
SELECT date_trunc('minute', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS minute,
       (count(*) FILTER (WHERE status = 'sent'))::int AS sent,
       (count(*) FILTER (WHERE status = 'failed'))::int AS failed
FROM (
    SELECT status, CASE WHEN status = 'sent' THEN sent_at ELSE updated_at END AS at
    FROM deliveries
    WHERE campaign_id = %(campaign_id)s AND status IN ('sent', 'failed')
) x
WHERE at IS NOT NULL
GROUP BY 1
ORDER BY 1;

-- name: wait_events
-- The engine's record of flood waits (per account) and of this campaign's resumes after them.
-- A wait may have begun before the campaign started (it then launched into it), so the window
-- reaches a week back, longer than any wait Telegram imposes; the bound keeps the scan on the
-- created_at index however long the audit log grows.
SELECT action, created_at, (details ->> 'until')::timestamptz AS until
FROM audit_log
WHERE created_at BETWEEN %(since)s::timestamptz - interval '7 days' AND %(till)s
  AND ((action = 'account.flood_wait' AND object_type = 'account'
        AND object_id = %(account_id)s)
    OR (action = 'campaign.resumed_after_wait' AND object_type = 'campaign'
        AND object_id = %(campaign_id)s))
ORDER BY created_at, id;

-- name: by_name
-- /report by name: exact, case-insensitive, newest first.
SELECT * FROM campaigns WHERE lower(name) = lower(%(name)s) ORDER BY id DESC LIMIT 10;

-- name: reportable
-- /report without an argument offers the latest campaigns that have something to report.
SELECT * FROM campaigns WHERE status NOT IN ('draft', 'scheduled')
ORDER BY id DESC LIMIT %(limit)s;

-- name: claim_send
-- A report goes into a chat once per request, not once per tap: the request claims the
-- (campaign, chat) pair, unless a report job for that pair waits or runs (`lock` is its queueing
-- lock and lock, kept on the row while it runs) or the pair was claimed less than `window_s` ago.
-- One statement, so two presses at once cannot both win.
INSERT INTO report_requests AS r (campaign_id, chat_id)
SELECT %(campaign_id)s, %(chat_id)s
WHERE NOT EXISTS (SELECT 1 FROM procrastinate_jobs j
                  WHERE j.queueing_lock = %(lock)s AND j.status IN ('todo', 'doing'))
ON CONFLICT (campaign_id, chat_id) DO UPDATE SET requested_at = now()
WHERE r.requested_at <= now() - make_interval(secs => %(window_s)s)
RETURNING r.campaign_id;

-- name: by_round
-- A recurring campaign's rows counted per round, as they stand now (a retry's rows count in
-- their own round): one pass over the campaign's rows.
SELECT d.round,
       count(*)::int AS total,
       (count(*) FILTER (WHERE d.status = 'sent'))::int AS sent,
       (count(*) FILTER (WHERE d.status = 'failed'))::int AS failed,
       (count(*) FILTER (WHERE d.status = 'cancelled'))::int AS cancelled
FROM deliveries d
WHERE d.campaign_id = %(campaign_id)s
GROUP BY d.round
ORDER BY d.round;
