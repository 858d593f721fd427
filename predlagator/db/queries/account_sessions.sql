-- name: by_name
-- Any case, as the chat's logins compare names; locked: a concurrent login of the same name
-- waits, then sees this one's session.
SELECT * FROM accounts WHERE lower(name) = lower(%(name)s) FOR UPDATE;

-- name: sealed
-- Every session a worker may open; a removed account's is never opened again.
SELECT * FROM accounts WHERE session_enc IS NOT NULL AND removed_at IS NULL ORDER BY id;

-- name: add
INSERT INTO accounts (name, kind, session_enc, rate_per_minute)
VALUES (%(name)s, 'telegram', %(session_enc)s, %(rate_per_minute)s)
RETURNING *;

-- name: set_session
-- A new login answers a stop Telegram made (a revoked session, a limit): the account is active
-- again, while its campaigns stay paused until an operator resumes them. A stop or a pause an
-- operator made stays. A removed account taken back under its name starts afresh.
UPDATE accounts
SET kind = 'telegram',
    session_enc = %(session_enc)s,
    status = CASE
        WHEN removed_at IS NOT NULL THEN 'active'
        WHEN status = 'stopped' AND stop_reason IS DISTINCT FROM %(operator_stop)s THEN 'active'
        ELSE status
    END,
    stop_reason = CASE
        WHEN removed_at IS NOT NULL THEN NULL
        WHEN status = 'stopped' AND stop_reason IS DISTINCT FROM %(operator_stop)s THEN NULL
        ELSE stop_reason
    END,
    flood_until = CASE WHEN removed_at IS NOT NULL THEN NULL ELSE flood_until END,
    removed_at = NULL
WHERE id = %(id)s
RETURNING *;

-- name: import_main
-- One statement, so two processes starting at once import the session once: the row comes
-- back only from the one that created the account or filled its empty session.
INSERT INTO accounts (name, kind, session_enc, rate_per_minute)
VALUES (%(name)s, 'telegram', %(session_enc)s, %(rate_per_minute)s)
ON CONFLICT (name) DO UPDATE SET session_enc = EXCLUDED.session_enc
WHERE accounts.session_enc IS NULL AND accounts.kind = 'telegram' AND accounts.removed_at IS NULL
RETURNING *;

-- name: get_by_name
-- The exact name first, should another case of it exist from before names were compared so.
SELECT * FROM accounts WHERE lower(name) = lower(%(name)s)
ORDER BY name = %(name)s DESC LIMIT 1;

-- name: chat_login_under_way
-- A login from the chat holds the name it will store (account_logins, bot/accounts/login.py).
SELECT EXISTS (
    SELECT FROM account_logins WHERE lower(name) = lower(%(name)s) AND expires_at > now()
) AS found;
