-- name: schedule
-- A draft becomes scheduled with its start time; the launch job deferred for that time does
-- the rest, and finds the campaign cancelled or paused if the operator changed their mind.
UPDATE campaigns SET status = 'scheduled', start_at = %(at)s, updated_at = now()
WHERE id = %(id)s AND status = 'draft'
RETURNING *;
