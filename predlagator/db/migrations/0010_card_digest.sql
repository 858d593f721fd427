-- What the campaign's card last showed (a digest of its text and buttons): a redraw that would
-- show the same is not sent, so a burst of refreshes, a cancel and its report edit it once.
ALTER TABLE campaigns ADD COLUMN card_digest text;
