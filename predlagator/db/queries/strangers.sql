-- name: note_message
-- A stranger's message: refuse it if their last refusal is older than the window, else count
-- it. Two processes seeing the same stranger serialise on the row, and only the statement that
-- (re)sets refused_at to its own now() refuses. `ignored_before` is what the last window
-- counted (read before the update), for the refusal's log line.
WITH before AS (
    SELECT ignored FROM stranger_refusals WHERE user_id = %(user_id)s
)
INSERT INTO stranger_refusals AS r (user_id, refused_at) VALUES (%(user_id)s, now())
ON CONFLICT (user_id) DO UPDATE SET
    refused_at = CASE WHEN r.refused_at <= now() - %(window)s THEN now() ELSE r.refused_at END,
    ignored = CASE WHEN r.refused_at <= now() - %(window)s THEN 0 ELSE r.ignored + 1 END
RETURNING r.refused_at = now() AS refuse, coalesce((SELECT ignored FROM before), 0) AS ignored_before;

-- name: note_ignored
-- A stranger's button press is answered silently and only counted (once they have a row).
UPDATE stranger_refusals SET ignored = ignored + 1 WHERE user_id = %(user_id)s;

-- name: prune
-- Strangers refused long ago are forgotten (their next message is simply refused again), so a
-- flood of distinct ids does not grow the table for good; refused_at's index finds them.
DELETE FROM stranger_refusals WHERE refused_at < now() - %(keep)s;
