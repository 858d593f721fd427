-- The account pool: accounts carry their own (encrypted) session and limits, a campaign sends
-- through several accounts, and each delivery row names the account that sends it.

ALTER TABLE accounts
    -- 'simulated' goes through the whole engine but never reaches Telegram.
    ADD COLUMN kind text NOT NULL DEFAULT 'telegram' CHECK (kind IN ('telegram', 'simulated')),
    -- The session string as a Fernet token under SESSION_KEY: a dump alone gives nothing away.
    -- NULL for simulated accounts, and for an account whose session lives in TG_SESSION.
    ADD COLUMN session_enc bytea,
    -- Posts a day at most (in TIMEZONE); NULL: no cap.
    ADD COLUMN daily_cap integer CHECK (daily_cap > 0),
    -- The day `posts_today` counts, so the counter restarts by itself at midnight.
    ADD COLUMN posts_day date,
    ADD COLUMN posts_today integer NOT NULL DEFAULT 0,
    -- A simulated account's send latency and the share of its sends that fail.
    ADD COLUMN sim_latency_ms integer NOT NULL DEFAULT 300 CHECK (sim_latency_ms >= 0),
    ADD COLUMN sim_failure_share double precision NOT NULL DEFAULT 0
        CHECK (sim_failure_share >= 0 AND sim_failure_share <= 1),
    -- Which worker serves it ("host pid"): trusted only while its advisory lock is held
    -- (pg_locks says so), since a killed worker cannot clear it.
    ADD COLUMN held_by text,
    ADD COLUMN held_since timestamptz,
    -- Removed accounts keep their row: the ledger and the audit log name them.
    ADD COLUMN removed_at timestamptz;

-- 'paused': held back by an operator, resumable; 'stopped': out of new campaigns, with a reason.
ALTER TABLE accounts DROP CONSTRAINT accounts_status_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_status_check
    CHECK (status IN ('active', 'paused', 'stopped'));

-- The accounts a campaign sends through, each with its share of the campaign's pace: every
-- share is paced by the one drain that sends it, so no slot is shared between processes.
CREATE TABLE campaign_accounts (
    campaign_id   bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    account_id    bigint NOT NULL REFERENCES accounts,
    last_slot_at  timestamptz,
    last_sent_at  timestamptz,
    PRIMARY KEY (campaign_id, account_id)
);
CREATE INDEX campaign_accounts_account ON campaign_accounts (account_id);
INSERT INTO campaign_accounts (campaign_id, account_id, last_slot_at, last_sent_at)
SELECT id, account_id, last_slot_at, last_sent_at FROM campaigns;

-- NULL: the campaign goes as fast as its accounts' paces together; a number caps it.
ALTER TABLE campaigns ALTER COLUMN rate_per_minute DROP NOT NULL;
-- The first account chosen; campaign_accounts is the whole list.
ALTER TABLE campaigns ALTER COLUMN account_id DROP NOT NULL;

ALTER TABLE deliveries ADD COLUMN account_id bigint REFERENCES accounts;
UPDATE deliveries d SET account_id = c.account_id FROM campaigns c WHERE c.id = d.campaign_id;
ALTER TABLE deliveries ALTER COLUMN account_id SET NOT NULL;
-- Each drain claims its own account's unfinished rows.
CREATE INDEX deliveries_account_pending ON deliveries (account_id, campaign_id, position)
    WHERE status IN ('queued', 'sending');
