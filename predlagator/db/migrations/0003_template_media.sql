-- Media templates: the file itself is kept in PostgreSQL, so any worker can upload it to
-- Telegram without the bot; templates are archived instead of deleted, since campaigns and
-- their reports keep pointing at them.

ALTER TABLE templates ADD COLUMN archived_at timestamptz;
-- Lists and pickers show live templates, newest first.
CREATE INDEX templates_live ON templates (id DESC) WHERE archived_at IS NULL;

-- One file per media template, as the bot downloaded it (at most the Bot API's 20 MB).
CREATE TABLE template_media (
    template_id  bigint PRIMARY KEY REFERENCES templates ON DELETE CASCADE,
    file_name    text NOT NULL,
    mime_type    text NOT NULL,
    size         integer NOT NULL CHECK (size > 0),
    -- What Telegram shows a video with (DocumentAttributeVideo); NULL for photos and documents.
    width        integer,
    height       integer,
    duration     integer,
    data         bytea NOT NULL
);
-- Photos and videos are compressed already: storing them out of line without another
-- compression pass saves CPU on every write and read.
ALTER TABLE template_media ALTER COLUMN data SET STORAGE EXTERNAL;
