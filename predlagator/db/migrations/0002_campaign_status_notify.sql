-- Every campaign status change is announced on channel predlagator_campaign ("<id> <status>"),
-- so whoever waits for a campaign to change (tests, tools) hears it instead of polling.

CREATE FUNCTION predlagator_campaign_status_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('predlagator_campaign', NEW.id::text || ' ' || NEW.status);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER campaigns_status_notify
    AFTER UPDATE OF status ON campaigns
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION predlagator_campaign_status_notify();
