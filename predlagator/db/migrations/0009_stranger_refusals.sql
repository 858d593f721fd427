-- Strangers get one refusal a day, whichever bot process they reach: the time of the last one
-- is kept per stranger, and what they send in between is only counted (for one log line).
CREATE TABLE stranger_refusals (
    user_id     bigint PRIMARY KEY,
    refused_at  timestamptz NOT NULL,
    ignored     bigint NOT NULL DEFAULT 0
);

-- Old rows are pruned by refusal time.
CREATE INDEX stranger_refusals_refused_at ON stranger_refusals (refused_at);
