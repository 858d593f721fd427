-- name: servable
-- The accounts a worker may serve: not removed, not stopped, and with a session to use (a
-- stored one, when this worker can open it; TG_SESSION's for `settings_account`; none needed
-- for a simulated one). Paused accounts are held too: a resume then needs no takeover.
SELECT * FROM accounts
WHERE removed_at IS NULL AND status <> 'stopped'
  AND (kind = 'simulated'
       OR (%(sealed)s AND session_enc IS NOT NULL)
       OR name = %(settings_account)s)
ORDER BY id;

-- name: free
-- Which of these lock keys nobody holds, in the order given: one round trip for any number
-- of accounts, instead of a failed pg_try_advisory_lock each. A bigint advisory key shows in
-- pg_locks as classid (its high 32 bits) and objid (its low ones), with objsubid 1.
SELECT k.key FROM unnest(%(keys)s::bigint[]) WITH ORDINALITY AS k(key, n)
WHERE NOT EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = (k.key >> 32) & 4294967295
      AND l.objid::bigint = k.key & 4294967295
)
ORDER BY k.n;

-- name: set_holder
UPDATE accounts SET held_by = %(holder)s, held_since = now() WHERE id = %(id)s;

-- name: clear_holder
-- Only our own mark: another worker may have taken the account and written its own.
UPDATE accounts SET held_by = NULL, held_since = NULL WHERE id = %(id)s AND held_by = %(holder)s;
