-- Why a channel was switched off, as data: the error's code and how many times in a row it came
-- (1 for an error that switches a channel off at once), instead of a string such as
-- 'TIMEOUT ×5' that every reader had to split.
ALTER TABLE channels
    ADD COLUMN deactivated_code  text,
    ADD COLUMN deactivated_count integer CHECK (deactivated_count > 0);

UPDATE channels
SET deactivated_code = regexp_replace(deactivated_reason, ' ×\d+$', ''),
    deactivated_count = coalesce(substring(deactivated_reason FROM ' ×(\d+)$')::integer, 1)
WHERE deactivated_reason IS NOT NULL;

ALTER TABLE channels DROP COLUMN deactivated_reason;
