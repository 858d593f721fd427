-- name: create
-- The campaign and its accounts in one statement (the first one stays on the row).
WITH c AS (
    INSERT INTO campaigns (name, batch_id, template_id, account_id, rate_per_minute,
                           retry_limit, chat_id, language, created_by)
    VALUES (%(name)s, %(batch_id)s, %(template_id)s, %(account_id)s, %(rate_per_minute)s,
            %(retry_limit)s, %(chat_id)s, %(language)s, %(created_by)s)
    RETURNING *
), ca AS (
    INSERT INTO campaign_accounts (campaign_id, account_id)
    SELECT c.id, a.id FROM c
    CROSS JOIN LATERAL unnest(c.account_id || %(more_accounts)s::bigint[]) AS a(id)
)
SELECT * FROM c;

-- name: get
SELECT * FROM campaigns WHERE id = %(id)s;

-- name: is_running
-- Read before every post: a pause or cancel committed a moment ago must stop it.
SELECT status = 'running' AS running FROM campaigns WHERE id = %(id)s;

-- name: list_recent
SELECT * FROM campaigns ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s;

-- name: transition
-- The only way a status changes by request: the row moves only from an allowed state, so a
-- double press or a race with the worker finds nothing to update and says so.
UPDATE campaigns
SET status = %(to)s, status_reason = %(reason)s, updated_at = now(),
    resume_at = CASE WHEN %(to)s = 'waiting' THEN resume_at ELSE NULL END,
    started_at = CASE WHEN %(to)s = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
    -- A cancelled campaign ends when its last post in flight is recorded (complete_if_done).
    finished_at = CASE WHEN %(to)s = 'completed' THEN now() ELSE finished_at END
WHERE id = %(id)s AND status = ANY(%(from_states)s::text[])
RETURNING *;

-- name: resume
-- Back from a pause. A campaign whose start time is still ahead and that has not launched (no
-- ledger) goes back to its schedule: the launch job deferred for that time starts it, once.
-- A recurring campaign paused between rounds (its round's rows all done, another to come)
-- waits for its next round again: rounds.start starts it, at once if its time has passed.
-- Anything else runs again.
UPDATE campaigns c
SET status = CASE WHEN w.later THEN 'scheduled' ELSE 'running' END,
    status_reason = NULL, resume_at = NULL, updated_at = now(),
    started_at = CASE WHEN w.later THEN c.started_at ELSE coalesce(c.started_at, now()) END
FROM (SELECT x.id, (coalesce(x.start_at > now(), false)
                    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = x.id))
                   OR (x.next_round_at IS NOT NULL
                       AND EXISTS (SELECT 1 FROM deliveries d
                                   WHERE d.campaign_id = x.id AND d.round = x.round)
                       AND NOT EXISTS (SELECT 1 FROM deliveries d
                                       WHERE d.campaign_id = x.id AND d.round = x.round
                                         AND d.status IN ('queued', 'sending')))
                   AS later
      FROM campaigns x WHERE x.id = %(id)s) w
WHERE c.id = w.id AND c.status = 'paused'
RETURNING c.*;

-- name: set_card
UPDATE campaigns
SET card_message_id = %(message_id)s, chat_id = %(chat_id)s, card_digest = %(digest)s
WHERE id = %(id)s;

-- name: card_drawn
-- Only for the card that was drawn: a card sent meanwhile keeps its own digest.
UPDATE campaigns SET card_digest = %(digest)s
WHERE id = %(id)s AND card_message_id = %(message_id)s;

-- name: complete_if_done
-- Whoever flips the row sends the report, so it goes out exactly once. A cancelled campaign
-- ends (finished_at) once no post of it is in flight, so its report counts every post sent.
UPDATE campaigns c
SET status = CASE WHEN c.status = 'cancelled' THEN 'cancelled'
                   WHEN c.next_round_at IS NOT NULL THEN 'scheduled' ELSE 'completed' END,
    -- A recurring campaign's round ended with another to come: it waits for that one,
    -- scheduled (the reporter sends the round's report), and has not finished.
    finished_at = CASE WHEN c.status <> 'cancelled' AND c.next_round_at IS NOT NULL THEN NULL
                       ELSE now() END,
    updated_at = now()
WHERE c.id = %(id)s
  AND (c.status IN ('running', 'waiting') OR (c.status = 'cancelled' AND c.finished_at IS NULL))
  AND NOT EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.campaign_id = c.id AND d.status IN ('queued', 'sending'))
RETURNING *;

-- name: complete_all_done
-- A sweep for campaigns left running with nothing to send (the last batch of a campaign can end
-- it without knowing, a cancel can leave a post in flight): the drain runs it for the campaigns
-- its account sends for when it finds nothing due, the reconcile for all every minute.
UPDATE campaigns c
SET status = CASE WHEN c.status = 'cancelled' THEN 'cancelled'
                   WHEN c.next_round_at IS NOT NULL THEN 'scheduled' ELSE 'completed' END,
    -- A recurring campaign's round ended with another to come: it waits for that one,
    -- scheduled (the reporter sends the round's report), and has not finished.
    finished_at = CASE WHEN c.status <> 'cancelled' AND c.next_round_at IS NOT NULL THEN NULL
                       ELSE now() END,
    updated_at = now()
WHERE (c.status IN ('running', 'waiting') OR (c.status = 'cancelled' AND c.finished_at IS NULL))
  AND (%(account_id)s::bigint IS NULL OR EXISTS (
           SELECT 1 FROM campaign_accounts ca
           WHERE ca.campaign_id = c.id AND ca.account_id = %(account_id)s))
  AND EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id)
  AND NOT EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.campaign_id = c.id AND d.status IN ('queued', 'sending'))
RETURNING *;

-- name: progress
-- Everything a progress card shows, in one statement: ledger counts by status, rows waiting for
-- a retry, posts in the last minute (the pace actually achieved) and the account's wait.
SELECT c.id AS campaign_id, c.status, c.rate_per_minute, c.resume_at, c.started_at,
       c.finished_at, c.round, c.next_round_at,
       CASE WHEN a.flood_until > now() THEN a.flood_until END AS flood_until,
       count(d.id) AS total,
       count(*) FILTER (WHERE d.status = 'queued') AS queued,
       count(*) FILTER (WHERE d.status = 'queued' AND d.next_attempt_at > now()) AS retrying,
       count(*) FILTER (WHERE d.status = 'sending') AS sending,
       count(*) FILTER (WHERE d.status = 'sent') AS sent,
       count(*) FILTER (WHERE d.status = 'failed') AS failed,
       count(*) FILTER (WHERE d.status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE d.status = 'sent' AND d.sent_at > now() - interval '1 minute')
           AS sent_last_minute
FROM campaigns c
JOIN accounts a ON a.id = c.account_id
-- A recurring campaign's card counts the round it is on.
LEFT JOIN deliveries d ON d.campaign_id = c.id AND d.round = c.round
WHERE c.id = %(id)s
GROUP BY c.id, a.flood_until;

-- name: lock_for_launch
SELECT * FROM campaigns WHERE id = %(id)s FOR UPDATE;

-- name: lock_stranded_launch
-- A campaign whose launch job is `doing` and which may not have started (paused before its
-- launch, it has no ledger yet). A live launch holds this row's lock until it commits, so a
-- row SKIP LOCKED still finds is one whose launch died with its worker, or had committed, or
-- is about to lock it: launching twice adds nothing.
SELECT * FROM campaigns
WHERE id = %(id)s AND status IN ('draft', 'scheduled', 'paused')
FOR UPDATE SKIP LOCKED;

-- name: enter_waiting
-- The account cannot send until `until` (a flood wait, its daily cap): its running campaigns
-- that no other of their accounts can carry on wait with it. Another account carries one on if
-- it has rows of it pending and may send now (active, no flood wait, under its cap in `tz`);
-- otherwise the campaign waits until the first of its accounts may send again. Each probe
-- of the ledger is one look into the partial index of unfinished rows (account first).
WITH mine AS (
    SELECT c.id FROM campaign_accounts ca JOIN campaigns c ON c.id = ca.campaign_id
    WHERE ca.account_id = %(account_id)s AND c.status IN ('running', 'waiting')
), others AS (
    SELECT m.id AS campaign_id, o.free_at
    FROM mine m
    JOIN campaign_accounts oca ON oca.campaign_id = m.id AND oca.account_id <> %(account_id)s
    JOIN accounts a ON a.id = oca.account_id AND a.status = 'active' AND a.removed_at IS NULL
    CROSS JOIN LATERAL (
        SELECT greatest(now(), a.flood_until, CASE
            WHEN a.daily_cap IS NOT NULL AND a.posts_day = (now() AT TIME ZONE %(tz)s)::date
                 AND a.posts_today >= a.daily_cap
            THEN (a.posts_day + 1)::timestamp AT TIME ZONE %(tz)s END) AS free_at
    ) o
    WHERE EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.account_id = oca.account_id AND d.campaign_id = m.id
                    AND d.status IN ('queued', 'sending'))
), verdict AS (
    SELECT m.id, least(%(until)s::timestamptz, min(o.free_at)) AS resume_at,
           coalesce(bool_or(o.free_at <= now()), false) AS carried
    FROM mine m LEFT JOIN others o ON o.campaign_id = m.id
    GROUP BY m.id
)
UPDATE campaigns c SET status = 'waiting', resume_at = v.resume_at, status_reason = %(reason)s,
       updated_at = now()
FROM verdict v
WHERE c.id = v.id AND NOT v.carried
RETURNING c.*;

-- name: resume_waiting
-- Only campaigns still waiting come back: one paused by hand during the wait stays paused.
-- The account's drain asks once it may send: its campaigns whose wait has ended (the first
-- of their accounts may send again).
UPDATE campaigns c SET status = 'running', resume_at = NULL, status_reason = NULL,
       updated_at = now()
FROM campaign_accounts ca
WHERE ca.account_id = %(account_id)s AND c.id = ca.campaign_id
  AND c.status = 'waiting' AND c.resume_at <= now()
RETURNING c.*;

-- name: pause_for_account
-- The account stopped (or was paused): its live campaigns none of whose other accounts may
-- send pause with the reason; one that still has an active account goes on through it.
UPDATE campaigns c SET status = 'paused', status_reason = %(reason)s, resume_at = NULL,
    updated_at = now()
FROM campaign_accounts ca
WHERE ca.account_id = %(account_id)s AND c.id = ca.campaign_id
  AND c.status IN ('running', 'waiting', 'scheduled')
  AND NOT EXISTS (SELECT 1 FROM campaign_accounts oca
                  JOIN accounts a ON a.id = oca.account_id
                  WHERE oca.campaign_id = c.id AND oca.account_id <> %(account_id)s
                    AND a.status = 'active' AND a.removed_at IS NULL)
RETURNING c.*;

-- name: settle_stranded
-- Running campaigns (of one account, or all) none of whose accounts holding their pending rows
-- may send now: their other accounts finished. Rows already tried stay with the account that
-- tried them (Telegram deduplicates a random_id per sending account), so nothing carries them
-- on by itself. While one of those accounts is only waiting (a flood wait, its daily cap in
-- `tz`) the campaign waits until the first may send again; when all are stopped or paused it
-- pauses with a reason saying so, instead of hanging in running. A waiting campaign whose
-- accounts all stopped meanwhile pauses too.
WITH live AS (
    SELECT c.id FROM campaigns c
    WHERE c.status IN ('running', 'waiting')
      AND (%(account_id)s::bigint IS NULL OR EXISTS (
               SELECT 1 FROM campaign_accounts ca
               WHERE ca.campaign_id = c.id AND ca.account_id = %(account_id)s))
), holders AS (
    SELECT l.id AS campaign_id, a.status,
           CASE WHEN a.status = 'active' AND a.removed_at IS NULL THEN greatest(now(),
               a.flood_until, CASE
                   WHEN a.daily_cap IS NOT NULL
                        AND a.posts_day = (now() AT TIME ZONE %(tz)s)::date
                        AND a.posts_today >= a.daily_cap
                   THEN (a.posts_day + 1)::timestamp AT TIME ZONE %(tz)s END) END AS free_at
    FROM live l
    JOIN campaign_accounts ca ON ca.campaign_id = l.id
    JOIN accounts a ON a.id = ca.account_id
    WHERE EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.account_id = ca.account_id AND d.campaign_id = l.id
                    AND d.status IN ('queued', 'sending'))
), verdict AS (
    SELECT campaign_id, min(free_at) AS free_at,
           CASE WHEN bool_and(status = 'paused') THEN 'ACCOUNT_PAUSED'
                ELSE 'ACCOUNTS_UNAVAILABLE' END AS reason
    FROM holders
    GROUP BY campaign_id
    HAVING coalesce(bool_and(free_at > now()), true)
)
UPDATE campaigns c
SET status = CASE WHEN v.free_at IS NULL THEN 'paused' ELSE 'waiting' END,
    status_reason = CASE WHEN v.free_at IS NULL THEN v.reason ELSE c.status_reason END,
    resume_at = v.free_at, updated_at = now()
FROM verdict v
WHERE c.id = v.campaign_id
  AND (c.status = 'running' OR (c.status = 'waiting' AND v.free_at IS NULL))
RETURNING c.*;

-- name: running_unlaid
-- Running campaigns without a ledger: paused at their launch because none of their accounts
-- was active (NO_ACTIVE_ACCOUNT), then resumed. The reconcile launches them again.
SELECT c.id FROM campaigns c
WHERE c.status = 'running'
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id)
ORDER BY c.id;

-- name: accounts_needing_drain
-- Reconcile: active accounts with rows due in running campaigns (one probe of the partial
-- index of unfinished rows, account first, for each of a campaign's accounts), and every
-- active account of a campaign whose wait has ended.
SELECT DISTINCT ca.account_id
FROM campaigns c
JOIN campaign_accounts ca ON ca.campaign_id = c.id
JOIN accounts a ON a.id = ca.account_id AND a.status = 'active' AND a.removed_at IS NULL
WHERE (c.status = 'running' AND EXISTS (
           SELECT 1 FROM deliveries d
           WHERE d.account_id = ca.account_id AND d.campaign_id = c.id
             AND d.status IN ('queued', 'sending') AND d.next_attempt_at <= now()))
   OR (c.status = 'waiting' AND c.resume_at <= now())
ORDER BY ca.account_id;

