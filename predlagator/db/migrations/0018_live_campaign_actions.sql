-- The live actions on their own. Every drain turn looks for running actions (action_rows.sql,
-- claim) and for actions with nothing left to go (finishable), and each campaign leaves two
-- reach collections a round behind it: scanning every action ever made cost 6-7 ms a look at
-- 100,000 ended ones. What is live stays few.
CREATE INDEX campaign_actions_live ON campaign_actions (id)
    WHERE status IN ('running', 'paused', 'waiting')
       OR (status = 'cancelled' AND finished_at IS NULL);
ANALYZE campaign_actions;
