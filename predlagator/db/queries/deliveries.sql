-- name: snapshot
-- One statement for the whole list; each row draws its own 64-bit random_id, kept for life.
-- ON CONFLICT makes a repeated launch harmless.
INSERT INTO deliveries (campaign_id, channel_id, position, random_id)
SELECT c.id, bc.channel_id, bc.position,
       ('x' || translate(gen_random_uuid()::text, '-', ''))::bit(64)::bigint
FROM campaigns c
JOIN batch_channels bc ON bc.batch_id = c.batch_id
JOIN channels ch ON ch.id = bc.channel_id AND ch.active
WHERE c.id = %(campaign_id)s
ON CONFLICT (campaign_id, channel_id) DO NOTHING;

-- name: fail_switched_off
-- Run before each claim: queued rows of the account's running campaigns whose channel was
-- switched off after their ledger was made (by another campaign's error, say) are not tried.
-- They fail at once with the channel's reason (the code it was switched off with), no attempt
-- counted, so the report counts them with the other failures. Driven from the inactive
-- channels (few, on their partial index), each found through the ledger's unique key.
UPDATE deliveries d
SET status = 'failed', error_code = coalesce(ch.deactivated_code, 'UNKNOWN'),
    error_text = 'not tried: the channel was switched off', updated_at = now()
FROM campaigns c, channels ch
WHERE c.account_id = %(account_id)s AND c.status = 'running' AND NOT ch.active
  AND d.campaign_id = c.id AND d.channel_id = ch.id AND d.status = 'queued'
RETURNING d.campaign_id;

-- name: claim
-- Round-robin across the account's running campaigns: serve the one served least recently.
-- Within it, queued rows in list order over the partial index of unfinished rows; rows
-- waiting for a retry are skipped, and so are rows `sending` (posted, not yet recorded; a dead
-- drain's are given back when the next one starts). The batch holds about `batch_s` seconds of the slower of the two paces, so a
-- slow campaign claims one row at a time and a fast one saves round trips. The account's
-- session lock makes this drain the only claimer.
SELECT d.id AS delivery_id, d.campaign_id, d.channel_id, ch.ref AS channel_ref, d.random_id,
       d.attempts, t.html, p.peer_type, p.peer_id, p.access_hash, c.batch,
       t.id AS template_id, t.media_kind
FROM (
    SELECT c.id, c.template_id, c.account_id,
           greatest(1, least(%(limit)s, coalesce(
               floor(least(c.rate_per_minute, a.rate_per_minute) / 60.0 * %(batch_s)s::float8),
               %(limit)s)))::int AS batch
    FROM campaigns c JOIN accounts a ON a.id = c.account_id
    WHERE c.account_id = %(account_id)s AND c.status = 'running'
      AND EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.campaign_id = c.id AND d.status = 'queued'
                    AND d.next_attempt_at <= now())
    ORDER BY c.last_sent_at NULLS FIRST, c.id
    LIMIT 1
) c
JOIN LATERAL (
    SELECT * FROM deliveries d
    WHERE d.campaign_id = c.id AND d.status = 'queued' AND d.next_attempt_at <= now()
    ORDER BY d.position
    LIMIT c.batch
) d ON true
JOIN channels ch ON ch.id = d.channel_id AND ch.active
JOIN templates t ON t.id = c.template_id
LEFT JOIN account_peers p ON p.account_id = c.account_id AND p.channel_id = d.channel_id
ORDER BY d.position;

-- name: mark_sending
-- The last check before a send, in the same statement as the mark: the campaign must still be
-- running, so a pause or cancel that landed a moment ago stops this send.
UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1, updated_at = now()
FROM campaigns c
WHERE d.id = %(id)s AND c.id = d.campaign_id AND c.status = 'running'
  AND d.status IN ('queued', 'sending')
RETURNING d.id;

-- name: mark_sent_many
-- Record a batch of posts that went out; same rules as mark_sent, one round trip.
WITH v AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(message_ids)s::bigint[]) AS v(id, message_id)
), d AS (
    UPDATE deliveries d SET status = 'sent', message_id = v.message_id, sent_at = now(),
        updated_at = now(), error_code = NULL, error_text = NULL
    FROM v WHERE d.id = v.id AND d.status IN ('sending', 'cancelled')
    RETURNING d.campaign_id, d.channel_id
), ch AS (
    UPDATE channels SET consecutive_errors = 0
    WHERE id IN (SELECT channel_id FROM d) AND consecutive_errors <> 0
)
UPDATE campaigns SET last_sent_at = now() WHERE id IN (SELECT campaign_id FROM d)
RETURNING campaigns.id;

-- name: mark_sent
-- A post that went out is recorded as sent even if a cancel landed while it was in flight:
-- the ledger tells what happened, not what was wished.
WITH d AS (
    UPDATE deliveries SET status = 'sent', message_id = %(message_id)s, sent_at = now(),
        updated_at = now(), error_code = NULL, error_text = NULL
    WHERE id = %(id)s AND status IN ('sending', 'cancelled')
    RETURNING campaign_id, channel_id
), ch AS (
    UPDATE channels SET consecutive_errors = 0
    FROM d WHERE channels.id = d.channel_id AND channels.consecutive_errors <> 0
)
UPDATE campaigns SET last_sent_at = now() FROM d WHERE campaigns.id = d.campaign_id
RETURNING campaigns.id;

-- name: mark_failed
UPDATE deliveries SET status = 'failed', error_code = %(code)s, error_text = %(text)s,
    updated_at = now()
WHERE id = %(id)s AND status IN ('queued', 'sending')
RETURNING *;

-- name: retry_later
-- Back to the queue with a due time. A slow-mode wait is the channel's pace, not a failure, so
-- its attempt is given back (`refund`). A post of a campaign cancelled while it was in flight
-- is not tried again.
UPDATE deliveries SET status = CASE WHEN EXISTS (
        SELECT 1 FROM campaigns c WHERE c.id = deliveries.campaign_id AND c.status = 'cancelled')
    THEN 'cancelled' ELSE 'queued' END,
    error_code = %(code)s, error_text = %(text)s,
    next_attempt_at = now() + make_interval(secs => %(delay_s)s), updated_at = now(),
    attempts = CASE WHEN %(refund)s THEN greatest(attempts - 1, 0) ELSE attempts END
WHERE id = %(id)s AND status IN ('queued', 'sending')
RETURNING *;

-- name: requeue
-- Undo a claim that must not count as an attempt (a flood wait hit before the request); a
-- campaign cancelled meanwhile does not get it back.
UPDATE deliveries SET status = CASE WHEN EXISTS (
        SELECT 1 FROM campaigns c WHERE c.id = deliveries.campaign_id AND c.status = 'cancelled')
    THEN 'cancelled' ELSE 'queued' END,
    attempts = greatest(attempts - 1, 0), updated_at = now()
WHERE id = %(id)s AND status = 'sending';

-- name: cancel_pending
-- Rows `sending` are posts on their way: the drain records how they end (a retry or a
-- give-back of one becomes cancelled then), so the ledger tells what happened.
UPDATE deliveries SET status = 'cancelled', updated_at = now()
WHERE campaign_id = %(campaign_id)s AND status = 'queued';

-- name: list_for_campaign
SELECT * FROM deliveries WHERE campaign_id = %(campaign_id)s ORDER BY position;

-- name: next_due
-- When the drain finds nothing due now: the earliest future retry among running campaigns.
SELECT min(d.next_attempt_at) AS at
FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
WHERE c.account_id = %(account_id)s AND c.status = 'running'
  AND d.status IN ('queued', 'sending');

-- name: release_interrupted
-- When a drain starts (one per account, in the process holding its session), rows still
-- `sending` were left by a drain that died between a post and its record: give them back, the
-- attempt refunded (a crash is not the channel's fault). Their random_id stays, so a post that
-- did go out is answered with the original message when it is sent again.
-- Rows of a campaign cancelled meanwhile end cancelled: they are not sent again.
UPDATE deliveries d
SET status = CASE WHEN c.status = 'cancelled' THEN 'cancelled' ELSE 'queued' END,
    attempts = greatest(d.attempts - 1, 0), updated_at = now()
FROM campaigns c
WHERE c.id = d.campaign_id AND c.account_id = %(account_id)s AND d.status = 'sending';
