-- Logins of Telegram accounts started from the bot chat. Each step runs in whichever worker
-- takes its job, so the state between steps lives here, sealed with the session vault (a dump
-- alone gives neither a session nor a code away); the row goes when the login ends.
CREATE TABLE account_logins (
    id          bigserial PRIMARY KEY,
    -- The account the login makes: one login per name at a time (the accounts' own names are
    -- checked when the login starts, and again when the account is stored).
    name        text NOT NULL UNIQUE,
    chat_id     bigint NOT NULL,
    user_id     bigint NOT NULL,
    lang        text NOT NULL,
    -- sending: a worker asks Telegram for a code; code / password: the operator is asked;
    -- checking_code / checking_password: a worker checks what was typed; expired: the code
    -- expired, the operator may ask for a new one.
    step        text NOT NULL DEFAULT 'sending' CHECK (step IN (
        'sending', 'code', 'checking_code', 'password', 'checking_password', 'expired')),
    -- Wrong answers given at this step.
    tries       integer NOT NULL DEFAULT 0,
    -- How many digits the code Telegram sent has (not secret: it only checks the typing).
    code_length integer,
    -- A vault token of the JSON {phone, session, phone_code_hash}: the unauthorized session
    -- and what signing in needs.
    state_enc   bytea NOT NULL,
    -- The code or password as typed, sealed by the bot; the worker wipes it as it reads it.
    secret_enc  bytea,
    started_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
