-- Every campaign status change is announced, so a drain sending a fast batch hears a pause or a
-- cancel before its next post without asking the database before each one.

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
