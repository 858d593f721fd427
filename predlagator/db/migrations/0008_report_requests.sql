-- When a report was last asked for in a chat, so a second press of Report (or /report) moments
-- later says the report is on its way instead of sending it again.
CREATE TABLE report_requests (
    campaign_id   bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    chat_id       bigint NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, chat_id)
);
