-- name: set_slots
-- Store a batch's reservation, or give back what it did not use: the account's last slot and
-- its share of each campaign's (campaign_accounts; the drain plans them from the values its
-- claim read). Only the drain holding the account's session writes them, so that plan still
-- holds; each pace moves only its own slot, so a slow campaign's interval never moves the
-- account's, and one account's share never moves another's.
WITH acc AS (
    UPDATE accounts SET last_slot_at = %(account_slot)s WHERE id = %(account_id)s
)
UPDATE campaign_accounts ca SET last_slot_at = v.slot
FROM unnest(%(campaign_ids)s::bigint[], %(campaign_slots)s::timestamptz[]) AS v(id, slot)
WHERE ca.campaign_id = v.id AND ca.account_id = %(account_id)s;

-- name: release_ahead
-- When a drain starts, no batch of the account is under way (one drain per account, in the
-- process holding its session): slots lying ahead of now were reserved by a drain that died
-- before it used them, or by an older version that reserved a slow campaign's next slot for
-- the whole account. Back to now, so they hold nothing: the next post is still at least one
-- interval after every post that went out. Other accounts' shares are theirs to release.
WITH acc AS (
    UPDATE accounts SET last_slot_at = coalesce(%(now)s::timestamptz, clock_timestamp())
    WHERE id = %(account_id)s
      AND last_slot_at > coalesce(%(now)s::timestamptz, clock_timestamp())
)
UPDATE campaign_accounts SET last_slot_at = coalesce(%(now)s::timestamptz, clock_timestamp())
WHERE account_id = %(account_id)s
  AND last_slot_at > coalesce(%(now)s::timestamptz, clock_timestamp());
