-- Actions over a campaign's posts once they are out (issue 11): edit, delete, pin, unpin. Each
-- is a small campaign of its own with its own ledger, one row per (action, delivery), sent by the
-- account that made the post, sharing that account's pace and flood state.

CREATE TABLE campaign_actions (
    id            bigserial PRIMARY KEY,
    campaign_id   bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    round         integer,                       -- NULL: every round's posts
    kind          text NOT NULL CHECK (kind IN ('edit', 'delete', 'pin', 'unpin', 'reach')),
    template_id   bigint REFERENCES templates,   -- an edit's new version (text, caption, file)
    silent        boolean NOT NULL DEFAULT true, -- a pin's: notify nobody
    label         text,                          -- reach: '1h', '24h', 'manual'
    status        text NOT NULL DEFAULT 'running' CHECK (status IN
                    ('running', 'paused', 'waiting', 'completed', 'cancelled')),
    status_reason text,
    resume_at     timestamptz,
    last_slot_at  timestamptz,
    -- The least recently served action goes first when an account has several open.
    last_sent_at  timestamptz,
    chat_id       bigint,
    card_message_id bigint,
    created_by    bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
-- A double press finds the open one instead of making a second.
CREATE UNIQUE INDEX campaign_actions_open ON campaign_actions (campaign_id, kind)
    WHERE status IN ('running', 'paused', 'waiting') AND kind <> 'reach';
CREATE INDEX campaign_actions_campaign ON campaign_actions (campaign_id, id DESC);

-- The ledger: one row per (action, delivery), made once, sent by the delivery's account.
CREATE TABLE actions (
    id               bigserial PRIMARY KEY,
    action_id        bigint NOT NULL REFERENCES campaign_actions ON DELETE CASCADE,
    delivery_id      bigint NOT NULL REFERENCES deliveries ON DELETE CASCADE,
    kind             text NOT NULL,              -- copied: the claim and "is it deleted" read it
    account_id       bigint NOT NULL REFERENCES accounts,  -- = deliveries.account_id
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN
                       ('queued', 'sending', 'done', 'failed', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    error_code       text,
    error_text       text,
    -- Done although Telegram refused (MESSAGE_NOT_MODIFIED, already gone): the report says so.
    note_code        text,
    views integer, forwards integer, reactions integer,   -- reach rows, later
    done_at          timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (action_id, delivery_id)
);
-- Each drain claims its own account's unfinished rows.
CREATE INDEX actions_account_pending ON actions (account_id, action_id, id)
    WHERE status IN ('queued', 'sending');
-- "Is this post deleted": targets skip posts a delete action took down.
CREATE INDEX actions_deleted ON actions (delivery_id) WHERE kind = 'delete' AND status = 'done';

-- The template a post went out with (set as it is marked sending): an edit made while the
-- campaign still posts finds the posts that went out with an older version.
ALTER TABLE deliveries ADD COLUMN template_id bigint REFERENCES templates;

-- Every action status change is announced on channel predlagator_action ("<id> <status>"), as
-- campaigns' are (0002), so whoever waits for an action to end hears it instead of polling.
CREATE FUNCTION predlagator_action_status_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('predlagator_action', NEW.id::text || ' ' || NEW.status);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER campaign_actions_status_notify
    AFTER UPDATE OF status ON campaign_actions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION predlagator_action_status_notify();
