-- Complaint form tokens already used to file a complaint: a token is accepted once. A form
-- expires a day after it was shown, so rows older than that are deleted as new ones arrive.
CREATE TABLE used_form_tokens (
    token TEXT PRIMARY KEY NOT NULL,
    used_at TIMESTAMP NOT NULL
);
CREATE INDEX used_form_tokens_used_at_idx ON used_form_tokens (used_at);
