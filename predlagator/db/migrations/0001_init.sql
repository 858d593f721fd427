-- The first schema: operators, accounts, channels, batches, templates, campaigns, the delivery ledger, audit.

CREATE TABLE operators (
    user_id     bigint PRIMARY KEY,
    role        text NOT NULL CHECK (role IN ('owner', 'operator', 'viewer')),
    added_by    bigint,
    language    text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A sending user account. The session string itself never enters the database.
CREATE TABLE accounts (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL UNIQUE,
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'stopped')),
    stop_reason      text,
    flood_until      timestamptz,
    rate_per_minute  double precision NOT NULL DEFAULT 20 CHECK (rate_per_minute > 0),
    -- The moment of the last reserved send: pacing lives here so it holds across processes, and
    -- the next gap is computed from the rate at reservation time, so a rate change applies to
    -- the very next post. NULL until the first: greatest() skips it.
    last_slot_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE channels (
    id                   bigserial PRIMARY KEY,
    -- Normalised reference: a lower-case username, '+hash' for an invite, or a numeric id.
    ref                  text NOT NULL UNIQUE,
    title                text,
    active               boolean NOT NULL DEFAULT true,
    consecutive_errors   integer NOT NULL DEFAULT 0,
    deactivated_reason   text,
    deactivated_at       timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- An access hash is valid only for the account that obtained it, so peers are per account.
CREATE TABLE account_peers (
    account_id   bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    channel_id   bigint NOT NULL REFERENCES channels ON DELETE CASCADE,
    peer_type    text NOT NULL CHECK (peer_type IN ('channel', 'chat', 'user')),
    peer_id      bigint NOT NULL,
    access_hash  bigint NOT NULL DEFAULT 0,
    resolved_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, channel_id)
);

CREATE TABLE batches (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    created_by  bigint,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE batch_channels (
    batch_id    bigint NOT NULL REFERENCES batches ON DELETE CASCADE,
    channel_id  bigint NOT NULL REFERENCES channels ON DELETE CASCADE,
    position    integer NOT NULL,
    PRIMARY KEY (batch_id, channel_id)
);

-- The post as the operator sent it to the bot: HTML text, media to come.
CREATE TABLE templates (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL,
    html           text NOT NULL,
    media_kind     text CHECK (media_kind IN ('photo', 'video', 'document')),
    media_file_id  text,
    created_by     bigint,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL,
    batch_id         bigint NOT NULL REFERENCES batches,
    template_id      bigint NOT NULL REFERENCES templates,
    account_id       bigint NOT NULL REFERENCES accounts,
    rate_per_minute  double precision NOT NULL CHECK (rate_per_minute > 0),
    retry_limit      integer NOT NULL CHECK (retry_limit >= 0),
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN
                       ('draft', 'scheduled', 'running', 'paused', 'waiting', 'completed', 'cancelled')),
    status_reason    text,
    resume_at        timestamptz,
    last_slot_at     timestamptz,
    last_sent_at     timestamptz,
    chat_id          bigint,
    card_message_id  bigint,
    language         text NOT NULL DEFAULT 'en',
    created_by       bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_account_running ON campaigns (account_id) WHERE status = 'running';

-- The ledger: one row per (campaign, channel), so no channel gets a campaign's post twice.
CREATE TABLE deliveries (
    id               bigserial PRIMARY KEY,
    campaign_id      bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    channel_id       bigint NOT NULL REFERENCES channels,
    position         integer NOT NULL,
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN
                       ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,
    -- Reused by every retry and after a crash: Telegram answers a repeated random_id with the
    -- original message instead of posting again.
    random_id        bigint NOT NULL,
    message_id       bigint,
    error_code       text,
    error_text       text,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, channel_id)
);
-- The drain claims unfinished rows in list order; a partial index keeps that cheap
-- however large the finished part of the ledger grows.
CREATE INDEX deliveries_pending ON deliveries (campaign_id, position)
    WHERE status IN ('queued', 'sending');

CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    actor_id     bigint,
    action       text NOT NULL,
    object_type  text,
    object_id    bigint,
    details      jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created ON audit_log (created_at DESC);
