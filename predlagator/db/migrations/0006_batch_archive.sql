-- Deleting a batch archives it: campaigns (batch_id has no ON DELETE) and their ledgers keep
-- pointing at it, while lists and pickers hide it.
ALTER TABLE batches ADD COLUMN archived_at timestamptz;

-- /channels pages through inactive channels, latest deactivation first.
CREATE INDEX channels_inactive ON channels (deactivated_at DESC NULLS LAST, id) WHERE NOT active;
