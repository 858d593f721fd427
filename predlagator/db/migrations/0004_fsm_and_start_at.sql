-- aiogram FSM state in PostgreSQL, so a dialog half done survives a bot restart; and the moment
-- a scheduled campaign is due to start, for lists and summaries.

-- One row per StorageKey. thread_id and business_connection_id are 0 and '' when absent, so the
-- key can be a primary key (NULLs never compare equal).
CREATE TABLE fsm_states (
    bot_id                  bigint NOT NULL,
    chat_id                 bigint NOT NULL,
    user_id                 bigint NOT NULL,
    thread_id               bigint NOT NULL DEFAULT 0,
    business_connection_id  text NOT NULL DEFAULT '',
    destiny                 text NOT NULL DEFAULT 'default',
    state                   text,
    data                    jsonb NOT NULL DEFAULT '{}',
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny)
);

ALTER TABLE campaigns ADD COLUMN start_at timestamptz;
