-- name: worker
-- Procrastinate's workers beat every few seconds. A worker killed in a restart leaves its row
-- behind until another prunes it, so only rows that beat within %(fresh_s)s seconds are live;
-- the freshest beat (of any row) says how long all have been silent when none is.
SELECT (count(*) FILTER (
            WHERE last_heartbeat > now() - make_interval(secs => %(fresh_s)s)))::int AS workers,
       extract(epoch FROM now() - max(last_heartbeat))::float8 AS heartbeat_age_s
FROM procrastinate_workers;

-- name: queue_depth
-- Jobs waiting to be picked, per queue (procrastinate_jobs_queue_name_idx-friendly filter).
SELECT queue_name, count(*)::int AS todo
FROM procrastinate_jobs
WHERE status = 'todo'
GROUP BY queue_name
ORDER BY queue_name;

-- name: active_campaigns
-- Campaigns that are sending or about to, with their ledger's sent and total counts.
SELECT c.id, c.name, c.status,
       count(d.id)::int AS total,
       (count(*) FILTER (WHERE d.status = 'sent'))::int AS sent
FROM campaigns c
LEFT JOIN deliveries d ON d.campaign_id = c.id
WHERE c.status IN ('scheduled', 'running', 'waiting')
GROUP BY c.id
ORDER BY c.id;
