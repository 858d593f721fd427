-- name: settle
-- Claimed rows (`ids`) waiting for a post that has since ended (the claim's post_out false). A
-- post that failed or was cancelled has nothing to act on: its rows end cancelled. A post
-- recorded without a message id cannot be reached: its rows fail at once, untried, with their
-- own words. Only the claimed rows are looked at: a look over every pending row of the account
-- before each claim read all of them (34 ms a claim at 20,000), and right after a big action
-- the statistics count them as a handful, so the planner drove it from them. The status test
-- is wrapped so it proves nothing about the partial indexes of pending rows: with those
-- statistics the planner took one of them, read whole, over the primary key.
UPDATE actions x
SET status = CASE WHEN d.status = 'sent' THEN 'failed' ELSE 'cancelled' END,
    error_code = CASE WHEN d.status = 'sent' THEN 'MESSAGE_ID_UNKNOWN' END,
    error_text = CASE WHEN d.status = 'sent'
                      THEN 'not tried: Telegram gave no message id for the post' END,
    updated_at = now()
FROM deliveries d
WHERE x.id = ANY(%(ids)s::bigint[]) AND (x.status = 'queued') IS TRUE AND d.id = x.delivery_id
  AND (d.status IN ('failed', 'cancelled') OR (d.status = 'sent' AND d.message_id IS NULL));

-- name: claim
-- The account's next due rows of its running actions: with `reach`, of its reach collections,
-- oldest collection first (the drain asks only in a gap of its pace, so `limit` is what fits
-- there); else of its other actions, least recently served action first, as many as the
-- account's pace fits in `batch_s` (one at least). Only while the account may send (active, no
-- flood wait). Each running action's rows of the account are walked in order over the partial
-- index of pending rows, and the walk stops at what the batch takes: right after a big action
-- is laid out the statistics count its rows as a handful, and a plan driven from all the
-- account's pending rows read and sorted every one of them per claim (150 ms at 20,000). Rows
-- whose post is still on its way are passed over: they wait for its record. Rows whose post
-- ended without being out come with post_out false (and message id 0): the caller settles them
-- (settle) and claims again. Each carries the account's pace and the clock so the drain plans
-- the slots the way it plans posts.
WITH a AS (
    SELECT a.id, a.rate_per_minute, a.last_slot_at,
           coalesce(%(now)s::timestamptz, clock_timestamp()) AS now,
           greatest(1, least(%(limit)s, coalesce(ceil(%(batch_s)s::float8
               / (60.0 / a.rate_per_minute * (1 + %(spacing)s::float8))), %(limit)s)))::int
               AS take
    FROM accounts a
    WHERE a.id = %(account_id)s AND a.status = 'active' AND a.removed_at IS NULL
      AND (a.flood_until IS NULL OR a.flood_until <= now())
)
SELECT x.id AS row_id, ca.id AS action_id, ca.campaign_id, x.kind, x.delivery_id, x.channel_id,
       ch.ref AS channel_ref, coalesce(x.message_id, 0) AS message_id, x.post_out, x.attempts,
       c.retry_limit, ca.silent, ca.template_id, t.html, t.media_kind,
       ap.peer_type, ap.peer_id, ap.access_hash,
       a.rate_per_minute AS account_rate, a.last_slot_at AS account_slot_at, a.now
FROM a
JOIN campaign_actions ca ON ca.status = 'running' AND (ca.kind = 'reach') = %(reach)s
CROSS JOIN LATERAL (
    SELECT x.id, x.kind, x.delivery_id, x.attempts, d.channel_id, d.message_id,
           d.status = 'sent' AND d.message_id IS NOT NULL AS post_out
    FROM actions x
    JOIN deliveries d ON d.id = x.delivery_id AND d.status NOT IN ('queued', 'sending')
    WHERE x.action_id = ca.id AND x.account_id = a.id AND x.status = 'queued'
      AND x.next_attempt_at <= now()
    ORDER BY x.id
    LIMIT a.take
) x
JOIN campaigns c ON c.id = ca.campaign_id
JOIN channels ch ON ch.id = x.channel_id
-- A reach collection has no template: no text comes with its rows.
LEFT JOIN templates t ON t.id = ca.template_id
LEFT JOIN account_peers ap ON ap.account_id = a.id AND ap.channel_id = x.channel_id
ORDER BY CASE WHEN %(reach)s THEN NULL ELSE ca.last_sent_at END NULLS FIRST, ca.id, x.id
LIMIT (SELECT take FROM a);

-- name: record_reach
-- A read's figures: on its row, and as the post's latest on the delivery; the channel's
-- member count when Telegram gave one.
WITH x AS (
    UPDATE actions SET views = %(views)s, forwards = %(forwards)s, reactions = %(reactions)s
    WHERE id = %(id)s
    RETURNING delivery_id
), d AS (
    UPDATE deliveries dd SET views = %(views)s, forwards = %(forwards)s,
        reactions = %(reactions)s, reach_read_at = now()
    FROM x WHERE dd.id = x.delivery_id
    RETURNING dd.channel_id
)
UPDATE channels ch SET members = %(members)s
FROM d WHERE ch.id = d.channel_id AND %(members)s::int IS NOT NULL
  AND ch.members IS DISTINCT FROM %(members)s::int;

-- name: mark_sending
-- The last check before the request, in the same statement as the mark: the action must still
-- run (a pause or cancel a moment ago stops it) and the account must still be active. The row
-- is found by its primary key: a bare `x.status = 'queued'` lets the planner take a partial
-- index of pending rows instead, and right after a big action, the statistics counting that
-- index as empty, it did, reading every pending row of the account to find this one. `IS
-- TRUE` keeps the test but proves nothing about the index (so in retry_later and requeue;
-- the other marks' status lists take in ended rows, which no such index holds).
UPDATE actions x SET status = 'sending', attempts = x.attempts + 1, updated_at = now()
FROM campaign_actions ca, accounts a
WHERE x.id = %(id)s AND ca.id = x.action_id AND ca.status = 'running'
  AND a.id = x.account_id AND a.status = 'active' AND (x.status = 'queued') IS TRUE
RETURNING x.id;

-- name: mark_done
-- Done even if a cancel landed while it was in flight: the ledger tells what happened.
WITH x AS (
    UPDATE actions SET status = 'done', note_code = %(note)s, error_code = NULL,
        error_text = NULL, done_at = now(), updated_at = now()
    WHERE id = %(id)s AND status IN ('sending', 'cancelled')
    RETURNING action_id
)
UPDATE campaign_actions ca SET last_sent_at = now() FROM x WHERE ca.id = x.action_id
RETURNING ca.id;

-- name: mark_failed
WITH x AS (
    UPDATE actions SET status = 'failed', error_code = %(code)s, error_text = %(text)s,
        updated_at = now()
    WHERE id = %(id)s AND status IN ('queued', 'sending', 'cancelled')
    RETURNING action_id
)
UPDATE campaign_actions ca SET last_sent_at = now() FROM x WHERE ca.id = x.action_id
RETURNING ca.id;

-- name: retry_later
-- Back to the queue with a due time; an action cancelled while it was in flight ends the row.
UPDATE actions x SET status = CASE WHEN ca.status = 'cancelled' THEN 'cancelled' ELSE 'queued' END,
    error_code = %(code)s, error_text = %(text)s,
    next_attempt_at = now() + make_interval(secs => %(delay_s)s), updated_at = now()
FROM campaign_actions ca
WHERE x.id = %(id)s AND ca.id = x.action_id AND (x.status = 'sending') IS TRUE
RETURNING x.id;

-- name: requeue
-- Undo a mark that must not count as an attempt (a flood wait, the account stopping).
UPDATE actions x SET status = CASE WHEN ca.status = 'cancelled' THEN 'cancelled' ELSE 'queued' END,
    attempts = greatest(x.attempts - 1, 0), updated_at = now()
FROM campaign_actions ca
WHERE x.id = %(id)s AND ca.id = x.action_id AND (x.status = 'sending') IS TRUE;

-- name: release_interrupted
-- When a drain starts, the account's rows still `sending` were left by one that died between
-- the request and its record: back to the queue, the attempt refunded. Every action is
-- idempotent at Telegram (an edit to the same text is MESSAGE_NOT_MODIFIED, a delete of a post
-- gone is nothing deleted), so sending it again acts once.
UPDATE actions x SET status = CASE WHEN ca.status = 'cancelled' THEN 'cancelled' ELSE 'queued' END,
    attempts = greatest(x.attempts - 1, 0), updated_at = now()
FROM campaign_actions ca
WHERE ca.id = x.action_id AND x.account_id = %(account_id)s AND x.status = 'sending';

-- name: finishable
-- Open actions (or cancelled ones not yet ended) with nothing left to go, of campaigns this
-- account sends for or with rows of this account (or all, without an account).
SELECT ca.id, ca.kind FROM campaign_actions ca
WHERE (ca.status = 'running' OR (ca.status = 'cancelled' AND ca.finished_at IS NULL))
  AND (%(account_id)s::bigint IS NULL
       OR EXISTS (SELECT 1 FROM campaign_accounts cacc
                  WHERE cacc.campaign_id = ca.campaign_id
                    AND cacc.account_id = %(account_id)s)
       OR EXISTS (SELECT 1 FROM actions y
                  WHERE y.action_id = ca.id AND y.account_id = %(account_id)s))
  AND NOT EXISTS (SELECT 1 FROM actions y
                  WHERE y.action_id = ca.id AND y.status IN ('queued', 'sending'));

-- name: finish
-- One of several drains (or the reconcile) ends each: the status check makes the others skip.
UPDATE campaign_actions ca
SET status = CASE WHEN ca.status = 'cancelled' THEN 'cancelled' ELSE 'completed' END,
    finished_at = now()
WHERE ca.id = ANY(%(ids)s::bigint[])
  AND (ca.status = 'running' OR (ca.status = 'cancelled' AND ca.finished_at IS NULL))
  AND NOT EXISTS (SELECT 1 FROM actions y
                  WHERE y.action_id = ca.id AND y.status IN ('queued', 'sending'))
RETURNING *;

-- name: next_due
-- When the drain finds nothing due now: the earliest retry still to come of the account's rows
-- of running actions whose post is out. Rows waiting for their post are not counted: the post
-- is this account's too, and its drain claims them once it is recorded.
SELECT min(x.next_attempt_at) AS at
FROM actions x
JOIN campaign_actions ca ON ca.id = x.action_id AND ca.status = 'running'
JOIN deliveries d ON d.id = x.delivery_id AND d.status = 'sent'
WHERE x.account_id = %(account_id)s AND x.status = 'queued' AND x.next_attempt_at > now();

-- name: accounts_due
-- Active accounts with rows of running actions due now (the reconcile kicks their drains).
SELECT DISTINCT x.account_id AS id
FROM actions x
JOIN campaign_actions ca ON ca.id = x.action_id AND ca.status = 'running'
JOIN accounts a ON a.id = x.account_id AND a.status = 'active' AND a.removed_at IS NULL
JOIN deliveries d ON d.id = x.delivery_id AND d.status = 'sent'
WHERE x.status IN ('queued', 'sending') AND x.next_attempt_at <= now()
  AND (a.flood_until IS NULL OR a.flood_until <= now())
ORDER BY 1;
