-- Membership (issue 15): the charter (盟约) in versions, the members' confirmations, the online
-- applications to join, the requests to leave, and every step of a membership as an event with
-- its actor (applied, approved, declined, leave_requested, leave_withdrawn, left).

-- A version of the charter: numbered 1, 2, …; never changed once published.
CREATE TABLE charter_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    number INTEGER NOT NULL UNIQUE,
    title TEXT NOT NULL,
    -- Markdown, rendered safely (pulldown-cmark then ammonia) when shown.
    body_md TEXT NOT NULL,
    -- What changed from the version before (empty for the first).
    changes TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by INTEGER REFERENCES users (id)
);
CREATE INDEX charter_versions_published_by_idx ON charter_versions (published_by);

-- A member's confirmation that it read and accepts a version; one per version and merchant.
CREATE TABLE charter_confirmations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version_id INTEGER NOT NULL REFERENCES charter_versions (id),
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    -- The portal user who confirmed (none when accepted in the application that was approved).
    user_id INTEGER REFERENCES users (id),
    confirmed_at TIMESTAMP NOT NULL,
    UNIQUE (version_id, merchant_id)
);
CREATE INDEX charter_confirmations_merchant_idx ON charter_confirmations (merchant_id);
CREATE INDEX charter_confirmations_user_idx ON charter_confirmations (user_id);

-- An application to join, as typed on /join. A second application for a credit code that is
-- still pending updates this row (times_applied + 1) instead of adding one.
CREATE TABLE membership_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    category TEXT NOT NULL,
    area TEXT NOT NULL,
    address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    -- The page's language when applying ('zh-CN', 'en'): the emails are written in it.
    language TEXT NOT NULL,
    -- The charter version the applicant accepted (none when no charter was published yet).
    charter_version_id INTEGER REFERENCES charter_versions (id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'declined')),
    times_applied INTEGER NOT NULL DEFAULT 1,
    merchant_id INTEGER REFERENCES merchants (id),
    decided_by INTEGER REFERENCES users (id),
    decided_at TIMESTAMP,
    decline_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX membership_applications_pending_idx ON membership_applications (credit_code)
WHERE state = 'pending';
CREATE INDEX membership_applications_code_idx ON membership_applications (credit_code);
CREATE INDEX membership_applications_version_idx ON membership_applications (charter_version_id);
CREATE INDEX membership_applications_merchant_idx ON membership_applications (merchant_id);
CREATE INDEX membership_applications_decided_by_idx ON membership_applications (decided_by);

-- A member's request to leave: pending until the member withdraws it or the committee confirms.
CREATE TABLE leave_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'withdrawn', 'confirmed')),
    requested_by INTEGER REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX leave_requests_pending_idx ON leave_requests (merchant_id) WHERE state = 'pending';
CREATE INDEX leave_requests_merchant_idx ON leave_requests (merchant_id);
CREATE INDEX leave_requests_requested_by_idx ON leave_requests (requested_by);
CREATE INDEX leave_requests_decided_by_idx ON leave_requests (decided_by);

-- Each step of a membership, with the day it took effect and who took it.
CREATE TABLE membership_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    merchant_id INTEGER REFERENCES merchants (id),
    application_id INTEGER REFERENCES membership_applications (id),
    kind TEXT NOT NULL CHECK (kind IN ('applied', 'approved', 'declined', 'leave_requested',
        'leave_withdrawn', 'left')),
    happened_on DATE NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    -- The actor's name as it was ('applicant' for the public form).
    actor_name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX membership_events_merchant_idx ON membership_events (merchant_id);
CREATE INDEX membership_events_application_idx ON membership_events (application_id);
CREATE INDEX membership_events_actor_idx ON membership_events (actor_id);
