-- Bulletins (政策宣传), issue 15: the committee's versioned notes to the members, each for an
-- audience chosen at send time, and one recipient row per member the audience held that day.
-- Read rate (知晓率) = recipients with read_at ÷ recipients.
CREATE TABLE bulletins (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    title TEXT NOT NULL,
    -- Markdown, rendered safely (mail::markdown) when shown.
    body TEXT NOT NULL,
    -- Who it is for: every member, the members of an area or a category, or the black-listed.
    audience_kind TEXT NOT NULL CHECK (audience_kind IN ('all', 'area', 'category', 'black')),
    -- The area or category name for those kinds, empty otherwise.
    audience_value TEXT NOT NULL,
    -- The optional file, stored in the upload directory under attachment_key.
    attachment_name TEXT,
    attachment_type TEXT,
    attachment_key TEXT UNIQUE,
    attachment_size BIGINT,
    -- Unread recipients get one reminder this many days after sending; 0: none.
    remind_after_days INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    sent_by INTEGER REFERENCES users (id)
);
CREATE INDEX bulletins_sent_by_idx ON bulletins (sent_by);
CREATE INDEX bulletins_sent_at_idx ON bulletins (sent_at);

-- One member in the audience at send time. address: where the email went (none when the merchant
-- had no address; it still reads in the portal). read_via: 'portal' or 'email' (the link).
-- reminded_at: the one reminder, from the daily job or the committee's button.
CREATE TABLE bulletin_recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    bulletin_id INTEGER NOT NULL REFERENCES bulletins (id),
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    address TEXT,
    language TEXT NOT NULL,
    read_at TIMESTAMP,
    read_via TEXT CHECK (read_via IN ('portal', 'email')),
    reminded_at TIMESTAMP,
    UNIQUE (bulletin_id, merchant_id)
);
CREATE INDEX bulletin_recipients_merchant_idx ON bulletin_recipients (merchant_id);
