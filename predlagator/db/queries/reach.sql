-- name: make_due
-- The posts owed collection `label` (sent `hours` ago or more, not at that stage yet, not
-- taken down by a delete) move to `stage` in the same statement that makes their collection:
-- one reach action per campaign and its rows. Rows a concurrent reconcile moved first are
-- skipped (the row lock and the re-checked WHERE), so each collection is made once.
WITH due AS (
    UPDATE deliveries d SET reach_stage = %(stage)s
    WHERE d.status = 'sent' AND d.message_id IS NOT NULL AND d.reach_stage < %(stage)s
      AND d.sent_at <= now() - make_interval(hours => %(hours)s)
      AND d.account_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM actions x
                      WHERE x.delivery_id = d.id AND x.kind = 'delete' AND x.status = 'done')
    RETURNING d.id, d.campaign_id, d.account_id
), made AS (
    INSERT INTO campaign_actions (campaign_id, kind, label)
    SELECT DISTINCT campaign_id, 'reach', %(label)s FROM due
    RETURNING id, campaign_id
)
INSERT INTO actions (action_id, delivery_id, kind, account_id)
SELECT made.id, due.id, 'reach', due.account_id FROM due JOIN made USING (campaign_id)
RETURNING account_id;

-- name: take_refresh
-- A Refresh reach is let through at most once per `every_s` per campaign: the stamp moves only
-- when the last one is older, in one statement, so a double press passes once.
UPDATE campaigns SET reach_refreshed_at = now()
WHERE id = %(id)s
  AND (reach_refreshed_at IS NULL
       OR reach_refreshed_at <= now() - make_interval(secs => %(every_s)s))
RETURNING reach_refreshed_at AS at;

-- name: refreshed_at
SELECT reach_refreshed_at AS at, now() AS now FROM campaigns WHERE id = %(id)s;

-- name: make_manual
-- A Refresh reach: one collection over every post of the campaign that is out.
WITH made AS (
    INSERT INTO campaign_actions (campaign_id, kind, label, chat_id, created_by)
    VALUES (%(id)s, 'reach', %(label)s, %(chat_id)s, %(created_by)s)
    RETURNING id
)
INSERT INTO actions (action_id, delivery_id, kind, account_id)
SELECT made.id, d.id, 'reach', d.account_id
FROM made, deliveries d
WHERE d.campaign_id = %(id)s AND d.status = 'sent' AND d.message_id IS NOT NULL
  AND d.account_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM actions x
                  WHERE x.delivery_id = d.id AND x.kind = 'delete' AND x.status = 'done')
RETURNING account_id;

-- name: readable
-- Posts a Refresh reach would read.
SELECT count(*)::int AS n FROM deliveries d
WHERE d.campaign_id = %(id)s AND d.status = 'sent' AND d.message_id IS NOT NULL
  AND d.account_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM actions x
                  WHERE x.delivery_id = d.id AND x.kind = 'delete' AND x.status = 'done');

-- name: figures
-- The report's reach: every post read at least once, with its channel's members.
SELECT d.channel_id, ch.ref AS channel_ref, ch.title AS channel_title, d.views, d.forwards,
       d.reactions, d.reach_read_at, ch.members
FROM deliveries d
JOIN channels ch ON ch.id = d.channel_id
WHERE d.campaign_id = %(id)s AND d.status = 'sent' AND d.reach_read_at IS NOT NULL
ORDER BY d.views DESC NULLS LAST, d.position;
