-- name: name_taken
-- An account keeps its name after removal (the ledger and the audit log name it), and a login
-- under way holds the name it will store.
SELECT EXISTS (SELECT 1 FROM accounts WHERE lower(name) = lower(%(name)s))
    OR EXISTS (SELECT 1 FROM account_logins WHERE lower(name) = lower(%(name)s)) AS taken;

-- name: start
-- Nothing when the name was taken meanwhile (by an account, or by another login: UNIQUE).
INSERT INTO account_logins (name, chat_id, user_id, lang, state_enc, expires_at)
SELECT %(name)s, %(chat_id)s, %(user_id)s, %(lang)s, %(state_enc)s,
       now() + make_interval(secs => %(ttl_s)s)
WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE lower(name) = lower(%(name)s))
ON CONFLICT (name) DO NOTHING
RETURNING *;

-- name: get
SELECT * FROM account_logins WHERE id = %(id)s;

-- name: move
-- A step taken by one process only: the row must still be at one of `from_steps`, and alive.
UPDATE account_logins SET step = %(step)s
WHERE id = %(id)s AND step = ANY(%(from_steps)s) AND expires_at > now()
RETURNING *;

-- name: answer
-- The operator's code or password, sealed, for a worker to check; only once per question.
UPDATE account_logins SET secret_enc = %(secret_enc)s, step = %(step)s
WHERE id = %(id)s AND step = %(from_step)s AND expires_at > now()
RETURNING *;

-- name: take_secret
-- The worker reads the typed secret and wipes it in the same statement (the subquery sees the
-- row as it was, FOR UPDATE keeps a second reader out until this commits).
UPDATE account_logins l SET secret_enc = NULL
FROM (SELECT id, secret_enc FROM account_logins WHERE id = %(id)s FOR UPDATE) AS old
WHERE l.id = old.id AND l.step = %(step)s
RETURNING old.secret_enc AS secret;

-- name: ask
-- A worker is done with a step: the operator is asked (again) at `step`.
UPDATE account_logins
SET step = %(step)s, tries = %(tries)s, state_enc = coalesce(%(state_enc)s, state_enc),
    code_length = coalesce(%(code_length)s, code_length), secret_enc = NULL
WHERE id = %(id)s AND expires_at > now()
RETURNING *;

-- name: finish
DELETE FROM account_logins WHERE id = %(id)s RETURNING *;

-- name: expire
-- Only a login whose time is up: one finished meanwhile is gone already.
DELETE FROM account_logins WHERE id = %(id)s AND expires_at <= now() RETURNING *;

-- name: add_account
-- A Telegram account logged in from the chat; nothing when the name was taken meanwhile.
INSERT INTO accounts (name, kind, session_enc, rate_per_minute)
VALUES (%(name)s, 'telegram', %(session_enc)s, %(rate_per_minute)s)
ON CONFLICT (name) DO NOTHING
RETURNING *;

-- name: purge_stale
-- Logins whose expiry job never ran (its defer was lost): a minute's grace, so the job
-- normally drops them first and tells the chat.
DELETE FROM account_logins WHERE expires_at <= now() - interval '1 minute';
