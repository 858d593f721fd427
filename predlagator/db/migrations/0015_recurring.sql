-- Recurring campaigns (issue 11, item 3): a campaign repeats in rounds, each round its own set
-- of ledger rows, exactly once per round and channel.

-- The rule as predlagator/recurrence.py reads and writes it (NULL: the campaign is sent once):
-- {"kind": "hours"|"days"|"weekdays", "every": N, "weekdays": [0..6], "at": "HH:MM",
--  "rounds": N | null, "until": "YYYY-MM-DD" | null, "delete_previous": bool}
ALTER TABLE campaigns ADD COLUMN repeat jsonb;
-- The round the ledger is on now (1 for every campaign sent once), and when the next one
-- starts: set as a round starts, NULL when no round comes after it. Between rounds the
-- campaign is `scheduled` with its ledger made, so Pause and Cancel work as before a start.
ALTER TABLE campaigns ADD COLUMN round integer NOT NULL DEFAULT 1 CHECK (round > 0);
ALTER TABLE campaigns ADD COLUMN next_round_at timestamptz;
-- The once-a-minute reconcile looks for rounds that came due and did not start.
CREATE INDEX campaigns_next_round ON campaigns (next_round_at)
    WHERE next_round_at IS NOT NULL AND status = 'scheduled';

-- Every row is of one round; the ledger's key becomes (campaign, round, channel).
ALTER TABLE deliveries ADD COLUMN round integer NOT NULL DEFAULT 1;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_campaign_id_channel_id_key;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_campaign_round_channel
    UNIQUE (campaign_id, round, channel_id);
