-- name: by_name
-- A command may name a campaign instead of giving its id: exact name, any case, newest first.
-- Campaigns are few (hundreds), so no index on lower(name) is needed.
SELECT * FROM campaigns WHERE lower(name) = lower(%(name)s) ORDER BY id DESC LIMIT %(limit)s;

-- name: in_states
-- The candidates a command offers when it is given no campaign, newest first.
SELECT * FROM campaigns WHERE status = ANY(%(states)s::text[]) ORDER BY id DESC LIMIT %(limit)s;

-- name: unsent
-- What a cancel would stop: the queued part of the ledger, or, before the launch made one, the
-- batch's active channels (the ones the launch would take).
SELECT CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id)
    THEN (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.status = 'queued')
    ELSE (SELECT count(*) FROM batch_channels bc
          JOIN channels ch ON ch.id = bc.channel_id AND ch.active
          WHERE bc.batch_id = c.batch_id)
    END AS n
FROM campaigns c WHERE c.id = %(id)s;
