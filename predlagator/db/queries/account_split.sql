-- name: of_campaign
-- Each account of a campaign with its share of the ledger: the campaign's accounts
-- (campaign_accounts) and any other account a delivery of it names. The ledger is counted once,
-- grouped by account, through the (campaign_id, ...) unique index; the busiest account first.
WITH counts AS (
    SELECT account_id,
           count(*) FILTER (WHERE status = 'sent') AS sent,
           count(*) FILTER (WHERE status IN ('queued', 'sending')) AS pending,
           count(*) FILTER (WHERE status = 'failed') AS failed
    FROM deliveries WHERE campaign_id = %(id)s
    GROUP BY account_id
), members AS (
    SELECT account_id FROM campaign_accounts WHERE campaign_id = %(id)s
    UNION
    SELECT account_id FROM counts
)
SELECT a.id, a.name, a.kind, a.status, a.stop_reason, a.flood_until, a.rate_per_minute,
       a.removed_at, coalesce(n.sent, 0) AS sent, coalesce(n.pending, 0) AS pending,
       coalesce(n.failed, 0) AS failed
FROM members m
JOIN accounts a ON a.id = m.account_id
LEFT JOIN counts n ON n.account_id = a.id
ORDER BY coalesce(n.sent + n.pending + n.failed, 0) DESC, a.id;

-- name: lock_of_campaign
-- Read before a campaign is started or resumed; FOR SHARE makes a concurrent stop of any of
-- its accounts wait until the change commits (as accounts.of_campaign does for one account).
SELECT a.* FROM accounts a JOIN campaign_accounts ca ON ca.account_id = a.id
WHERE ca.campaign_id = %(campaign_id)s
ORDER BY a.id
FOR SHARE OF a;

-- name: by_ids
SELECT * FROM accounts WHERE id = ANY(%(ids)s) ORDER BY array_position(%(ids)s, id);
