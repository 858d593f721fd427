-- name: launch_accounts
-- The campaign's accounts that may take rows at its launch (active, not removed), each with
-- its load: its pending rows across live campaigns (the partial index of unfinished rows,
-- account first), which with its pace tells when it would be done.
SELECT a.id, a.rate_per_minute AS pace,
       (SELECT count(*) FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
        WHERE d.account_id = a.id AND d.status IN ('queued', 'sending')
          AND c.status IN ('running', 'waiting'))::int AS pending
FROM campaign_accounts ca JOIN accounts a ON a.id = ca.account_id
WHERE ca.campaign_id = %(campaign_id)s AND a.status = 'active' AND a.removed_at IS NULL
ORDER BY a.id;

-- name: launch_channels
-- The campaign's active channels not yet in its ledger for its current round, in list order,
-- each with those of `account_ids` that know it already: resolved it, so its peer is stored
-- (an account's post always went to a peer it stored with the record, so this covers the
-- channels it posted to as well). Each channel is one index probe per table, whatever the
-- statistics say: right after a big campaign they still count its rows as a handful, and a
-- join of the list with the account's sent rows was planned as a loop over both (10,000
-- channels took 5-12 s to launch; bench/throughput.py's first_post_s).
WITH ch AS (
    SELECT bc.channel_id, bc.position
    FROM campaigns c
    JOIN batch_channels bc ON bc.batch_id = c.batch_id
    JOIN channels ch ON ch.id = bc.channel_id AND ch.active
    WHERE c.id = %(campaign_id)s
      AND NOT EXISTS (SELECT 1 FROM deliveries d
                      WHERE d.campaign_id = c.id AND d.round = c.round
                        AND d.channel_id = bc.channel_id)
)
SELECT ch.channel_id, ch.position,
       coalesce(array_agg(ap.account_id ORDER BY ap.account_id)
                    FILTER (WHERE ap.account_id IS NOT NULL), '{}') AS sticky
FROM ch LEFT JOIN account_peers ap
    ON ap.channel_id = ch.channel_id AND ap.account_id = ANY(%(account_ids)s::bigint[])
GROUP BY ch.channel_id, ch.position
ORDER BY ch.position;

-- name: lay_out
-- The whole planned list of the campaign's current round in one statement; each row draws its
-- own 64-bit random_id, kept for life (a new one each round: the same random_id would bring
-- back the round before's post). ON CONFLICT makes a repeated launch harmless.
INSERT INTO deliveries (campaign_id, round, run, channel_id, position, account_id, random_id)
SELECT c.id, c.round, %(run)s, v.channel_id, v.position, v.account_id,
       ('x' || translate(gen_random_uuid()::text, '-', ''))::bit(64)::bigint
FROM campaigns c,
     unnest(%(channel_ids)s::bigint[], %(positions)s::int[], %(account_ids)s::bigint[])
    AS v(channel_id, position, account_id)
WHERE c.id = %(campaign_id)s
ORDER BY v.position
ON CONFLICT (campaign_id, round, channel_id) DO NOTHING;

-- name: handover_rows
-- What a stopped account hands over: its rows never attempted (queued, attempts 0) of
-- campaigns not finished, save `keep`. Telegram deduplicates a random_id per sending account,
-- so a row already tried stays where it is. Each comes with the campaign's other accounts
-- that may take it and those of them that know its channel.
SELECT d.id, d.campaign_id, d.channel_id,
       coalesce(o.ids, '{}') AS candidates,
       -- An account's post always went to a peer it resolved and stored (the drain stores
       -- it with the record), so its peers cover the channels it posted to; the ledger has no
       -- index by channel to look there row by row.
       coalesce(array(SELECT x FROM unnest(o.ids) AS x
                      WHERE EXISTS (SELECT 1 FROM account_peers ap
                                    WHERE ap.account_id = x AND ap.channel_id = d.channel_id)),
                '{}') AS sticky
FROM deliveries d
JOIN campaigns c ON c.id = d.campaign_id AND c.status NOT IN ('completed', 'cancelled')
CROSS JOIN LATERAL (
    SELECT array_agg(a.id ORDER BY a.id) AS ids
    FROM campaign_accounts ca JOIN accounts a ON a.id = ca.account_id
    WHERE ca.campaign_id = d.campaign_id AND a.id <> d.account_id
      AND a.status = 'active' AND a.removed_at IS NULL
) o
WHERE d.account_id = %(account_id)s AND d.status = 'queued' AND d.attempts = 0
  AND d.id <> ALL(%(keep)s::bigint[])
ORDER BY d.campaign_id, d.position;

-- name: stopped_holders
-- Stopped or removed accounts (by an operator, say, from the accounts screen) that still hold
-- never-tried rows of live campaigns: the reconcile hands those over. One probe of the
-- partial index of unfinished rows (account first) per such account.
SELECT a.id FROM accounts a
WHERE (a.status = 'stopped' OR a.removed_at IS NOT NULL)
  AND EXISTS (SELECT 1 FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
              WHERE d.account_id = a.id AND d.status = 'queued' AND d.attempts = 0
                AND c.status NOT IN ('completed', 'cancelled'))
ORDER BY a.id;

-- name: account_loads
-- Pending rows of each of `account_ids` across live campaigns, with its pace.
SELECT a.id, a.rate_per_minute AS pace,
       (SELECT count(*) FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
        WHERE d.account_id = a.id AND d.status IN ('queued', 'sending')
          AND c.status IN ('running', 'waiting'))::int AS pending
FROM accounts a WHERE a.id = ANY(%(account_ids)s::bigint[])
ORDER BY a.id;

-- name: reassign
-- Move planned rows to their new account; only rows still never tried and still the old
-- account's (the stopped account's drain has ended, so nothing claims them meanwhile).
UPDATE deliveries d SET account_id = v.account_id, updated_at = now()
FROM unnest(%(ids)s::bigint[], %(account_ids)s::bigint[]) AS v(id, account_id)
WHERE d.id = v.id AND d.account_id = %(from_account)s AND d.status = 'queued'
  AND d.attempts = 0;

-- name: fail_switched_off
-- Claimed rows (`ids`) whose channel was switched off after their ledger was made (by another
-- campaign's error, say) are not tried. They fail at once with the channel's reason (the code
-- it was switched off with), no attempt counted, so the report counts them with the other
-- failures. Only the claimed rows are looked at: a look over all the account's pending rows
-- cost a scan of them per claim (20 ms at 10,000), and right after a launch the statistics
-- still count them as a handful, so the planner drove it from them.
UPDATE deliveries d
SET status = 'failed', error_code = coalesce(ch.deactivated_code, 'UNKNOWN'),
    error_text = 'not tried: the channel was switched off', updated_at = now()
FROM channels ch
WHERE d.id = ANY(%(ids)s::bigint[]) AND ch.id = d.channel_id AND NOT ch.active
  AND d.status = 'queued';

-- name: claim
-- The account's next batch, across its running campaigns, each at its own pace: every pace
-- binds its own scope only (DESIGN.md). A campaign sending through several accounts has its
-- pace split among them in proportion to their paces (no rate: no cap, each share its
-- account's pace), and each share is paced here, by the one drain of its account, from the
-- slot kept for that pair (campaign_accounts), so no pace state is shared between processes.
-- A share's next slot is one interval of its rate after its last reserved one (or now, if
-- later); its rows are estimated one gap apart from there, the gap being the slower of its own
-- and the account's interval. The batch spans `batch_s` from the earliest next slot: a share
-- whose next slot lies beyond gets no rows, so a slow campaign never holds up the others, and
-- one that comes due within it has its rows interleaved with theirs. Rows come in the order of
-- that estimate, ties going to the share served least recently, and no more than the
-- account's own pace fits in the span, nor more than what is left of its daily cap (none at
-- all once it is reached, until midnight in `tz`). Within a campaign, the account's queued rows
-- in list order over the partial index of unfinished rows (account first); rows waiting for a
-- retry are skipped, and so are rows `sending` (posted, not yet recorded; a dead drain's are
-- given back when the next one starts). The account's session lock makes this drain the only
-- claimer of its rows. Every row carries both paces and the clock (`now`, or the database's)
-- so the drain plans the exact slots; without `batch_s`, up to `limit` rows.
WITH a AS (
    SELECT a.id, a.rate_per_minute, a.last_slot_at,
           coalesce(%(now)s::timestamptz, clock_timestamp()) AS now,
           a.daily_cap - CASE WHEN a.posts_day = (now() AT TIME ZONE %(tz)s)::date
                              THEN a.posts_today ELSE 0 END AS cap_left
    FROM accounts a
    WHERE a.id = %(account_id)s AND a.status = 'active' AND a.removed_at IS NULL
), c AS (
    SELECT c.id, c.template_id, s.rate AS rate_per_minute, ca.last_slot_at, ca.last_sent_at,
           60.0 / least(s.rate, a.rate_per_minute) * (1 + %(spacing)s::float8) AS gap_s,
           -- greatest() skips NULL: a share that never posted is due now.
           greatest(a.now, ca.last_slot_at + make_interval(
               secs => 60.0 / s.rate * (1 + %(spacing)s::float8))) AS next_at
    FROM a
    JOIN campaign_accounts ca ON ca.account_id = a.id
    JOIN campaigns c ON c.id = ca.campaign_id
    CROSS JOIN LATERAL (
        -- The campaign's cap split by pace among its accounts that may send (this one too).
        SELECT coalesce(c.rate_per_minute * a.rate_per_minute
                            / nullif(sum(o.rate_per_minute), 0),
                        a.rate_per_minute)::float8 AS rate
        FROM campaign_accounts oca JOIN accounts o ON o.id = oca.account_id
        WHERE oca.campaign_id = c.id AND o.status = 'active' AND o.removed_at IS NULL
    ) s
    -- Whether a row is due: the first in list order over the partial index of the account's
    -- unfinished rows. A probe stopping at the first match in the table (what an EXISTS was
    -- planned as) read every row before it there: all of an earlier campaign's, every claim.
    CROSS JOIN LATERAL (
        SELECT 1 FROM deliveries d
        WHERE d.account_id = a.id AND d.campaign_id = c.id AND d.status = 'queued'
          AND d.next_attempt_at <= now()
        ORDER BY d.position
        LIMIT 1
    ) due
    WHERE c.status = 'running' AND (a.cap_left IS NULL OR a.cap_left > 0)
), w AS (
    SELECT c.*, extract(epoch FROM c.next_at - min(c.next_at) OVER ())::float8 AS behind_s
    FROM c
), n AS (
    -- How many of its rows fall within the span: none for a share due after it ends.
    SELECT w.*, greatest(0, least(%(limit)s, coalesce(
               ceil((%(batch_s)s::float8 - w.behind_s) / w.gap_s), %(limit)s)))::int AS batch
    FROM w
), picked AS (
    SELECT n.id AS campaign_id, n.template_id, n.rate_per_minute AS campaign_rate,
           n.last_slot_at AS campaign_slot_at, n.last_sent_at,
           d.id AS delivery_id, d.channel_id, d.random_id, d.attempts, d.position,
           n.behind_s + (d.rank - 1) * n.gap_s AS estimate_s
    FROM n
    CROSS JOIN LATERAL (
        SELECT d.*, row_number() OVER (ORDER BY d.position) AS rank
        FROM (SELECT d.id, d.channel_id, d.random_id, d.attempts, d.position
              FROM deliveries d
              WHERE d.account_id = %(account_id)s AND d.campaign_id = n.id
                AND d.status = 'queued' AND d.next_attempt_at <= now()
              ORDER BY d.position
              LIMIT n.batch) d
    ) d
    ORDER BY estimate_s, n.last_sent_at NULLS FIRST, n.id, d.position
    LIMIT (SELECT greatest(1, least(%(limit)s, coalesce(a.cap_left, %(limit)s),
                                    coalesce(ceil(%(batch_s)s::float8
               / (60.0 / a.rate_per_minute * (1 + %(spacing)s::float8))), %(limit)s)))::int
           FROM a)
)
SELECT p.delivery_id, p.campaign_id, p.channel_id, ch.ref AS channel_ref,
       ch.active AS channel_active, p.random_id, p.attempts, t.html, ap.peer_type, ap.peer_id, ap.access_hash,
       t.id AS template_id, t.media_kind, p.campaign_rate, p.campaign_slot_at,
       a.rate_per_minute AS account_rate, a.last_slot_at AS account_slot_at, a.now,
       -- The campaign's last claimed row, with nothing pending after it in the list: its
       -- record may end the campaign, so the drain writes it at once and asks (one probe of
       -- the partial index, in list order, for one row per campaign; CASE keeps it from the
       -- others). A probe stopping at the first match in the table (what NOT EXISTS was
       -- planned as) read every row before it there: all of an earlier campaign's.
       CASE WHEN p.position = max(p.position) OVER (PARTITION BY p.campaign_id)
            THEN (SELECT later.position FROM deliveries later
                  WHERE later.campaign_id = p.campaign_id
                    AND later.status IN ('queued', 'sending')
                    AND later.position > p.position
                  ORDER BY later.position
                  LIMIT 1) IS NULL
            ELSE false END AS last_pending
FROM picked p
CROSS JOIN a
-- A channel switched off since the ledger was made comes too (channel_active false): the
-- caller fails its row untried (fail_switched_off) and claims again.
JOIN channels ch ON ch.id = p.channel_id
JOIN templates t ON t.id = p.template_id
LEFT JOIN account_peers ap ON ap.account_id = a.id AND ap.channel_id = p.channel_id
ORDER BY p.estimate_s, p.last_sent_at NULLS FIRST, p.campaign_id, p.position;

-- name: mark_sending
-- The last check before a send, in the same statement as the mark: the campaign must still be
-- running, so a pause or cancel that landed a moment ago stops this send, and the channel must
-- still be on: one switched off earlier in this batch (another campaign's row to it found it
-- closed) is not tried, and the next claim fails the row untried (fail_switched_off). The
-- account must still be active: an operator's pause of it stops this send too. The post must
-- still be the campaign's version (`template_id`, the one claimed): an edit made meanwhile
-- pointed the campaign at a new one, and the row is claimed again with it. The version that
-- goes out is recorded, so the edit finds the posts that went out older (actions.snapshot).
UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1, updated_at = now(),
    template_id = c.template_id
FROM campaigns c, channels ch, accounts a
WHERE d.id = %(id)s AND c.id = d.campaign_id AND c.status = 'running'
  AND (%(template_id)s::bigint IS NULL OR c.template_id = %(template_id)s)
  AND ch.id = d.channel_id AND ch.active
  AND a.id = d.account_id AND a.status = 'active'
  AND d.status IN ('queued', 'sending')
RETURNING d.id;

-- name: mark_sent_many
-- Record a batch of posts that went out; same rules as mark_sent, one round trip. Each
-- sending account counts them in its posts of the day (in `tz`; a new day starts again at 0),
-- which its daily cap reads.
WITH v AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(message_ids)s::bigint[]) AS v(id, message_id)
), d AS (
    UPDATE deliveries d SET status = 'sent', message_id = v.message_id, sent_at = now(),
        updated_at = now(), error_code = NULL, error_text = NULL
    FROM v WHERE d.id = v.id AND d.status IN ('sending', 'cancelled')
    RETURNING d.campaign_id, d.channel_id, d.account_id
), ch AS (
    UPDATE channels SET consecutive_errors = 0
    WHERE id IN (SELECT channel_id FROM d) AND consecutive_errors <> 0
), share AS (
    -- Which share was served least recently: the claim's tie-break.
    UPDATE campaign_accounts ca SET last_sent_at = now()
    FROM (SELECT DISTINCT campaign_id, account_id FROM d) x
    WHERE ca.campaign_id = x.campaign_id AND ca.account_id = x.account_id
), per_account AS (
    SELECT account_id, count(*)::int AS n FROM d GROUP BY account_id
)
-- The campaign's row is not touched: a flood wait or a stop (a test send's, beside this drain)
-- locks the account and then its campaigns, so locking a campaign here before the account
-- could deadlock with it.
UPDATE accounts a
SET posts_today = CASE WHEN a.posts_day = (now() AT TIME ZONE %(tz)s)::date
                       THEN a.posts_today ELSE 0 END + p.n,
    posts_day = (now() AT TIME ZONE %(tz)s)::date
FROM per_account p WHERE a.id = p.account_id
RETURNING a.id;

-- name: mark_sent
-- A post that went out is recorded as sent even if a cancel landed while it was in flight:
-- the ledger tells what happened, not what was wished. It counts in the account's day too.
WITH d AS (
    UPDATE deliveries SET status = 'sent', message_id = %(message_id)s, sent_at = now(),
        updated_at = now(), error_code = NULL, error_text = NULL
    WHERE id = %(id)s AND status IN ('sending', 'cancelled')
    RETURNING campaign_id, channel_id, account_id
), ch AS (
    UPDATE channels SET consecutive_errors = 0
    FROM d WHERE channels.id = d.channel_id AND channels.consecutive_errors <> 0
), share AS (
    UPDATE campaign_accounts ca SET last_sent_at = now()
    FROM d WHERE ca.campaign_id = d.campaign_id AND ca.account_id = d.account_id
)
-- Not the campaign's row, as in mark_sent_many.
UPDATE accounts a
SET posts_today = CASE WHEN a.posts_day = (now() AT TIME ZONE %(tz)s)::date
                       THEN a.posts_today ELSE 0 END + 1,
    posts_day = (now() AT TIME ZONE %(tz)s)::date
FROM d WHERE a.id = d.account_id
RETURNING a.id;

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

-- name: has_ledger
SELECT 1 AS found FROM deliveries WHERE campaign_id = %(campaign_id)s LIMIT 1;

-- name: list_for_campaign
SELECT * FROM deliveries WHERE campaign_id = %(campaign_id)s ORDER BY round, position;

-- name: next_due
-- When the drain finds nothing due now: the earliest future retry of the account's rows
-- among running campaigns.
SELECT min(d.next_attempt_at) AS at
FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
WHERE d.account_id = %(account_id)s AND c.status = 'running'
  AND d.status IN ('queued', 'sending');

-- name: next_retry
-- The earliest retry of the account's rows still to come among running campaigns, while the
-- drain hands a long wait for a slow pace to the queue: rows due now wait for their share's
-- slot, not counted here.
SELECT min(d.next_attempt_at) AS at
FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
WHERE d.account_id = %(account_id)s AND c.status = 'running'
  AND d.status = 'queued' AND d.next_attempt_at > now();

-- name: release_interrupted
-- When a drain starts (one per account, in the process holding its session), the account's
-- rows still `sending` were left by a drain of it that died between a post and its record:
-- give them back, the attempt refunded (a crash is not the channel's fault) but never below
-- one: the post may be out, and a row with no attempt counts as never tried, which an account
-- stop would hand to another account (handover_rows) to post a second time. Their random_id
-- stays, and so does their account (Telegram deduplicates a random_id per sending account),
-- so a post that did go out is answered with the original message when it is sent again.
-- Rows of a campaign cancelled meanwhile end cancelled: they are not sent again.
UPDATE deliveries d
SET status = CASE WHEN c.status = 'cancelled' THEN 'cancelled' ELSE 'queued' END,
    attempts = greatest(d.attempts - 1, 1), updated_at = now()
FROM campaigns c
WHERE c.id = d.campaign_id AND d.account_id = %(account_id)s AND d.status = 'sending';
