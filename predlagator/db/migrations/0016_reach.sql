-- Reach (issue 11): views, forwards and reactions of every sent post, read back from Telegram
-- at +1 h and +24 h after it went out and on demand. Collections are `reach` actions (0013)
-- whose rows carry each read's figures; the post's latest figures live on the delivery, so a
-- channel whose read fails keeps what an earlier one found, and the report reads one row.
ALTER TABLE deliveries
    ADD COLUMN views         integer,
    ADD COLUMN forwards      integer,
    ADD COLUMN reactions     integer,
    ADD COLUMN reach_read_at timestamptz,
    -- The collections made for the post: 0 none, 1 the +1 h one, 2 the +24 h one. The
    -- reconcile's UPDATE … WHERE reach_stage < n makes each one once, however many run.
    ADD COLUMN reach_stage   smallint NOT NULL DEFAULT 0;
-- The reconcile looks once a minute for sent posts still owed a collection.
CREATE INDEX deliveries_reach_due ON deliveries (sent_at)
    WHERE status = 'sent' AND reach_stage < 2 AND message_id IS NOT NULL;

-- The last Refresh reach of the campaign: another is refused for 10 minutes after it.
ALTER TABLE campaigns ADD COLUMN reach_refreshed_at timestamptz;

-- Members as Telegram last told (participants_count in a resolve or a read); NULL when it
-- never said, and the report's views per 1,000 members skips the channel.
ALTER TABLE channels ADD COLUMN members integer;
