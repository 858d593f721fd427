-- "Retry failed": a campaign's runs over its ledger. Run 1 is the first send; each press of
-- Retry failed opens the next, after freezing the report's numbers of the one before into
-- `summary`, so the first report stays readable however often the failures are retried.
CREATE TABLE campaign_runs (
    campaign_id  bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    run          integer NOT NULL CHECK (run > 0),
    round        integer NOT NULL DEFAULT 1,  -- recurring campaigns' round (issue 11)
    kind         text NOT NULL CHECK (kind IN ('round', 'retry')),
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    created_by   bigint,
    -- The run's numbers as its report said them, frozen when the next run opened.
    summary      jsonb,
    PRIMARY KEY (campaign_id, run)
);

-- The run that last queued the row: a retry moves its rows to the new run, so each run's own
-- numbers are a count of its rows, and the CSV says which rows were retried.
ALTER TABLE deliveries ADD COLUMN run integer NOT NULL DEFAULT 1;
-- The card of every finished campaign counts what a retry would take: failed rows only.
CREATE INDEX deliveries_failed ON deliveries (campaign_id) WHERE status = 'failed';

-- When /channels last switched the channel back on: a delivery that failed for good before
-- that (the channel had closed to the account) may be retried, one after it may not.
ALTER TABLE channels ADD COLUMN reactivated_at timestamptz;
