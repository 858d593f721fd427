-- name: get
SELECT state, data FROM fsm_states
WHERE bot_id = %(bot_id)s AND chat_id = %(chat_id)s AND user_id = %(user_id)s
  AND thread_id = %(thread_id)s AND business_connection_id = %(business_connection_id)s
  AND destiny = %(destiny)s;

-- name: set_state
INSERT INTO fsm_states (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny,
                        state)
VALUES (%(bot_id)s, %(chat_id)s, %(user_id)s, %(thread_id)s, %(business_connection_id)s,
        %(destiny)s, %(state)s)
ON CONFLICT (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny)
DO UPDATE SET state = EXCLUDED.state, updated_at = now();

-- name: set_data
INSERT INTO fsm_states (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny,
                        data)
VALUES (%(bot_id)s, %(chat_id)s, %(user_id)s, %(thread_id)s, %(business_connection_id)s,
        %(destiny)s, %(data)s)
ON CONFLICT (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny)
DO UPDATE SET data = EXCLUDED.data, updated_at = now();

-- name: prune
-- A key with no state and no data is the same as no row: drop it, so the table holds only
-- dialogs in progress.
DELETE FROM fsm_states
WHERE bot_id = %(bot_id)s AND chat_id = %(chat_id)s AND user_id = %(user_id)s
  AND thread_id = %(thread_id)s AND business_connection_id = %(business_connection_id)s
  AND destiny = %(destiny)s AND state IS NULL AND data = '{}'::jsonb;

-- name: finish
-- End a dialog only if it is still at `state` with the token `token` in its data. The row lock
-- makes a second, concurrent finish (a double press) wait and then find nothing.
DELETE FROM fsm_states
WHERE bot_id = %(bot_id)s AND chat_id = %(chat_id)s AND user_id = %(user_id)s
  AND thread_id = %(thread_id)s AND business_connection_id = %(business_connection_id)s
  AND destiny = %(destiny)s AND state = %(state)s AND data ->> 'token' = %(token)s
RETURNING data;

-- name: expire
-- Dialogs nobody touched for `hours` were abandoned (a wizard left half done): the retention
-- task drops them, so the table holds only dialogs in progress. A button of an expired wizard
-- then says the wizard is over.
DELETE FROM fsm_states WHERE updated_at < now() - make_interval(hours => %(hours)s);
