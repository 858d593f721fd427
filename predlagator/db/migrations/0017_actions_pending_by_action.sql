-- The actions' ledger read action by action. Right after a big action is laid out the
-- statistics still count the ledger as nearly empty, and a claim planned from the account's
-- pending rows read every one of them and sorted them all (150 ms a claim at 20,000 queued
-- rows). The claims now take the running actions and walk each one's pending rows of the
-- account in order, stopping at what the batch takes (action_rows.sql, claim); the look for an
-- action with nothing left to go (finishable) can probe it too.
CREATE INDEX actions_pending_by_action ON actions (action_id, account_id, id)
    WHERE status IN ('queued', 'sending');
