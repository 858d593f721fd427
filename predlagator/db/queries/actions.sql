-- name: targets
-- Posts an action would touch now: out (or on their way), with a message id once sent, not
-- taken down by a delete.
SELECT count(*)::int AS n FROM deliveries d
WHERE d.campaign_id = %(campaign_id)s
  AND (d.status = 'sending' OR (d.status = 'sent' AND d.message_id IS NOT NULL))
  AND NOT EXISTS (SELECT 1 FROM actions x
                  WHERE x.delivery_id = d.id AND x.kind = 'delete' AND x.status = 'done');

-- name: create
-- A double press meets the partial unique index of open actions and makes nothing; the caller
-- then reads the open one.
INSERT INTO campaign_actions (campaign_id, kind, template_id, silent, chat_id, created_by)
VALUES (%(campaign_id)s, %(kind)s, %(template_id)s, %(silent)s, %(chat_id)s, %(created_by)s)
ON CONFLICT (campaign_id, kind)
    WHERE status IN ('running', 'paused', 'waiting') AND kind <> 'reach'
DO NOTHING
RETURNING *;

-- name: open_of_kind
SELECT * FROM campaign_actions
WHERE campaign_id = %(campaign_id)s AND kind = %(kind)s
  AND status IN ('running', 'paused', 'waiting')
ORDER BY id DESC LIMIT 1;

-- name: snapshot
-- The action's ledger: one row per post that is out or on its way, made once (the unique key;
-- run again before an edit completes, for posts that went out with an older version while it
-- ran). A post on its way waits in the claim until it is recorded; a post out without a message
-- id (Telegram gave none back) cannot be acted on, so its row fails at once, untried. An edit
-- skips posts that already carry its version.
INSERT INTO actions (action_id, delivery_id, kind, account_id, status, error_code, error_text)
SELECT ca.id, d.id, ca.kind, d.account_id,
       CASE WHEN d.status = 'sent' AND d.message_id IS NULL THEN 'failed' ELSE 'queued' END,
       CASE WHEN d.status = 'sent' AND d.message_id IS NULL THEN 'MESSAGE_ID_UNKNOWN' END,
       CASE WHEN d.status = 'sent' AND d.message_id IS NULL
            THEN 'not tried: Telegram gave no message id for the post' END
FROM campaign_actions ca
JOIN deliveries d ON d.campaign_id = ca.campaign_id
WHERE ca.id = %(action_id)s AND d.status IN ('sent', 'sending')
  AND (ca.round IS NULL OR d.round = ca.round)  -- a round's delete-previous: that round only
  AND (ca.kind <> 'edit' OR d.template_id IS DISTINCT FROM ca.template_id)
  AND NOT EXISTS (SELECT 1 FROM actions x
                  WHERE x.delivery_id = d.id AND x.kind = 'delete' AND x.status = 'done')
ON CONFLICT (action_id, delivery_id) DO NOTHING;

-- name: point_campaign
-- An edit while the campaign may still post: posts not yet sent go out in the new version.
UPDATE campaigns SET template_id = %(template_id)s, updated_at = now()
WHERE id = %(campaign_id)s
  AND status IN ('draft', 'scheduled', 'running', 'paused', 'waiting');

-- name: get
SELECT * FROM campaign_actions WHERE id = %(id)s;

-- name: of_campaign
-- Reach collections are the worker's own (db/reach.py): never shown as an operator's action.
SELECT * FROM campaign_actions WHERE campaign_id = %(campaign_id)s AND kind <> 'reach'
ORDER BY id DESC;

-- name: open_of_campaigns
-- The open actions of the campaigns named (a campaign card shows its running one).
SELECT * FROM campaign_actions
WHERE campaign_id = ANY(%(campaign_ids)s::bigint[])
  AND status IN ('running', 'paused', 'waiting')
  AND kind <> 'reach'
ORDER BY id DESC;

-- name: progress
SELECT ca.id AS action_id, ca.kind, ca.status,
       count(x.id)::int AS total,
       count(*) FILTER (WHERE x.status = 'queued')::int AS queued,
       count(*) FILTER (WHERE x.status = 'sending')::int AS sending,
       count(*) FILTER (WHERE x.status = 'done')::int AS done,
       count(*) FILTER (WHERE x.status = 'failed')::int AS failed,
       count(*) FILTER (WHERE x.status = 'cancelled')::int AS cancelled,
       coalesce((SELECT jsonb_object_agg(e.code, e.n) FROM (
                    SELECT coalesce(CASE WHEN y.status = 'failed' THEN y.error_code
                                         ELSE y.note_code END, 'UNKNOWN') AS code,
                           count(*)::int AS n
                    FROM actions y
                    WHERE y.action_id = ca.id
                      AND (y.status = 'failed' OR (y.status = 'done' AND y.note_code IS NOT NULL))
                    GROUP BY 1) e), '{}'::jsonb) AS errors,
       count(*) FILTER (WHERE x.status IN ('queued', 'sending')
                          AND (a.status <> 'active' OR a.removed_at IS NOT NULL))::int
           AS waiting_for_account,
       max(a.flood_until) FILTER (WHERE x.status IN ('queued', 'sending')
                                    AND a.flood_until > now()) AS flood_until
FROM campaign_actions ca
LEFT JOIN actions x ON x.action_id = ca.id
LEFT JOIN accounts a ON a.id = x.account_id
WHERE ca.id = %(id)s
GROUP BY ca.id;

-- name: set_status
-- Pause, resume (running) or cancel an open action; a finished one is refused (no row). A
-- cancelled one ends (finished_at) in a drain's or the reconcile's sweep once nothing of it is
-- on its way, which also tells the chat (action_finished).
UPDATE campaign_actions SET status = %(status)s, status_reason = NULL
WHERE id = %(id)s AND status IN ('running', 'paused', 'waiting')
RETURNING *;

-- name: cancel_rows
-- Rows `sending` are on their way: the drain records how they end.
UPDATE actions SET status = 'cancelled', updated_at = now()
WHERE action_id = %(id)s AND status = 'queued';

-- name: report_rows
SELECT x.action_id, x.kind, ch.ref AS channel_ref, ch.title AS channel_title, x.status,
       x.error_code, x.note_code, x.done_at
FROM actions x
JOIN campaign_actions ca ON ca.id = x.action_id
JOIN deliveries d ON d.id = x.delivery_id
JOIN channels ch ON ch.id = d.channel_id
WHERE ca.campaign_id = %(campaign_id)s AND ca.kind <> 'reach'
ORDER BY x.action_id, d.position;

-- name: accounts_of
-- The accounts whose drains serve the action: those of its rows still to go, and the
-- campaign's own (an action with no row yet completes in one of their drains).
SELECT DISTINCT x.account_id AS id FROM actions x
WHERE x.action_id = %(id)s AND x.status IN ('queued', 'sending')
UNION
SELECT cacc.account_id FROM campaign_accounts cacc
JOIN campaign_actions ca ON ca.campaign_id = cacc.campaign_id
WHERE ca.id = %(id)s
ORDER BY 1;

-- name: rows_of
SELECT x.* FROM actions x WHERE x.action_id = %(id)s ORDER BY x.id;
