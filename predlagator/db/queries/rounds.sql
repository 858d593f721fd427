-- name: set_rule
-- The wizard's repeat rule, on a campaign not started yet.
UPDATE campaigns SET repeat = %(rule)s, updated_at = now()
WHERE id = %(id)s AND status IN ('draft', 'scheduled') AND round = 1
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = campaigns.id)
RETURNING *;

-- name: plan_next
-- When the round after the current one starts (NULL: none), set as the current one starts.
UPDATE campaigns SET next_round_at = %(at)s, updated_at = now()
WHERE id = %(id)s AND round = %(round)s
RETURNING *;

-- name: advance
-- Round `round` ends its wait and round + 1 begins: only from `round`, only between rounds
-- (scheduled, its time come), so of two starters (the round's job and the reconcile) one
-- finds the row moved on and starts nothing. In the same transaction as the round's ledger.
UPDATE campaigns
SET round = round + 1, status = 'running', status_reason = NULL, resume_at = NULL,
    started_at = now(), finished_at = NULL, next_round_at = %(next_at)s, updated_at = now()
WHERE id = %(id)s AND round = %(round)s AND status = 'scheduled'
  AND repeat IS NOT NULL AND next_round_at <= now()
RETURNING *;

-- name: due
-- Reconcile: recurring campaigns between rounds whose next round's time has come, and whose
-- current round has its ledger (a campaign not launched yet is the launch job's).
SELECT c.id, c.round FROM campaigns c
WHERE c.status = 'scheduled' AND c.next_round_at <= now() AND c.repeat IS NOT NULL
  AND EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id AND d.round = c.round)
ORDER BY c.next_round_at;

-- name: open_run
-- The round's run (a retry after the campaign ends opens one more): the primary key makes a
-- second opening of the same run impossible.
INSERT INTO campaign_runs (campaign_id, run, round, kind)
VALUES (%(campaign_id)s, %(run)s, %(round)s, 'round')
ON CONFLICT (campaign_id, run) DO NOTHING;

-- name: end_run
-- The round before, as it ended: when its last row was recorded.
UPDATE campaign_runs r SET finished_at = coalesce(
    (SELECT max(d.updated_at) FROM deliveries d
     WHERE d.campaign_id = r.campaign_id AND d.run = r.run), now())
WHERE r.campaign_id = %(campaign_id)s AND r.run = %(run)s AND r.finished_at IS NULL;

-- name: delete_round
-- Delete-previous: a delete of round `round`'s posts, opened as the next round starts. An
-- operator's delete still open (the partial unique index of open actions) makes none: the
-- new round then waits for nothing.
INSERT INTO campaign_actions (campaign_id, round, kind, chat_id)
SELECT c.id, %(round)s, 'delete', c.chat_id FROM campaigns c WHERE c.id = %(campaign_id)s
ON CONFLICT (campaign_id, kind)
    WHERE status IN ('running', 'paused', 'waiting') AND kind <> 'reach'
DO NOTHING
RETURNING id;

-- name: hold
-- The new round's rows wait for that delete: not due until it ends (release), so in every
-- channel the old post goes before the new one comes. A far retry time is what the claim
-- already skips; the delete sets it back long before.
UPDATE deliveries SET next_attempt_at = now() + interval '30 days', updated_at = now()
WHERE campaign_id = %(campaign_id)s AND round = %(round)s AND status = 'queued';

-- name: release
-- The delete of a round's posts ended (done, failed or cancelled, channel by channel): the
-- next round's rows are due now, in every channel, whatever the delete came to there. Without
-- ids, every ended one's (the reconcile's net, should a process die between the two).
UPDATE deliveries d SET next_attempt_at = now(), updated_at = now()
FROM campaign_actions ca
WHERE (%(ids)s::bigint[] IS NULL OR ca.id = ANY(%(ids)s::bigint[]))
  AND ca.finished_at IS NOT NULL AND ca.kind = 'delete' AND ca.round IS NOT NULL
  AND d.campaign_id = ca.campaign_id AND d.round = ca.round + 1
  -- Held rows only (never tried, due a month on): a retry's own wait stays as it is.
  AND d.status = 'queued' AND d.attempts = 0 AND d.next_attempt_at > now() + interval '1 day'
RETURNING d.account_id;
