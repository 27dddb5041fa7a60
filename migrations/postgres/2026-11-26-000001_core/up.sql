-- The whole core schema of gongzhi. Keep migrations/sqlite in step: same tables, same columns.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE merchants (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    credit_code TEXT UNIQUE,
    category TEXT NOT NULL,
    address TEXT NOT NULL,
    area TEXT NOT NULL,
    contact_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    member_since DATE,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    external_source TEXT,
    external_id TEXT,
    current_score_tenths INTEGER,
    current_stars INTEGER,
    current_list TEXT NOT NULL DEFAULT 'none' CHECK (current_list IN ('none', 'red', 'black')),
    rated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (external_source, external_id)
);
CREATE INDEX merchants_name_idx ON merchants (name);
CREATE INDEX merchants_category_area_idx ON merchants (category, area);
CREATE INDEX merchants_list_idx ON merchants (current_list, current_stars);

CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'committee', 'inspector', 'merchant')),
    display_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    merchant_id INTEGER REFERENCES merchants (id),
    language TEXT NOT NULL DEFAULT 'zh-CN',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX users_merchant_idx ON users (merchant_id);

CREATE TABLE api_tokens (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE login_links (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX login_links_user_idx ON login_links (user_id);

CREATE TABLE policies (
    id SERIAL PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT FALSE,
    loaded_by INTEGER REFERENCES users (id),
    loaded_at TIMESTAMP NOT NULL
);
CREATE INDEX policies_loaded_by_idx ON policies (loaded_by);

CREATE TABLE inspections (
    id SERIAL PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    inspector_id INTEGER REFERENCES users (id),
    inspected_on DATE NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('routine', 'follow_up', 'complaint', 'self_check')),
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    notes TEXT NOT NULL DEFAULT '',
    fhrs_hygiene INTEGER,
    fhrs_structural INTEGER,
    fhrs_confidence INTEGER,
    published_rating TEXT,
    external_ref TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inspections_merchant_idx ON inspections (merchant_id, inspected_on);
CREATE INDEX inspections_inspector_idx ON inspections (inspector_id);

CREATE TABLE inspection_items (
    id SERIAL PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES inspections (id),
    item_code TEXT NOT NULL,
    deduction INTEGER NOT NULL CHECK (deduction >= 0),
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (inspection_id, item_code)
);

CREATE TABLE violations (
    id SERIAL PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES inspections (id),
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    code TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('minor', 'major', 'serious')),
    description TEXT NOT NULL DEFAULT '',
    legal_basis TEXT NOT NULL DEFAULT '',
    fine_fen BIGINT NOT NULL DEFAULT 0 CHECK (fine_fen >= 0),
    found_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX violations_inspection_idx ON violations (inspection_id);
CREATE INDEX violations_merchant_idx ON violations (merchant_id, found_on);

CREATE TABLE trainings (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    hours_tenths INTEGER NOT NULL CHECK (hours_tenths > 0),
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX trainings_created_by_idx ON trainings (created_by);

CREATE TABLE training_attendance (
    id SERIAL PRIMARY KEY,
    training_id INTEGER NOT NULL REFERENCES trainings (id),
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    UNIQUE (training_id, merchant_id)
);
CREATE INDEX training_attendance_merchant_idx ON training_attendance (merchant_id);

CREATE TABLE notices (
    id SERIAL PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    inspection_id INTEGER NOT NULL REFERENCES inspections (id),
    issued_by INTEGER REFERENCES users (id),
    required_actions TEXT NOT NULL,
    deadline DATE NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('issued', 'emailed', 'read', 'answered', 'verified', 'overdue')),
    issued_at TIMESTAMP NOT NULL,
    emailed_at TIMESTAMP,
    read_at TIMESTAMP,
    answered_at TIMESTAMP,
    verified_at TIMESTAMP,
    overdue_at TIMESTAMP,
    reminder_sent_at TIMESTAMP,
    UNIQUE (year, seq)
);
CREATE INDEX notices_merchant_idx ON notices (merchant_id, state);
CREATE INDEX notices_inspection_idx ON notices (inspection_id);
CREATE INDEX notices_issued_by_idx ON notices (issued_by);
CREATE INDEX notices_state_deadline_idx ON notices (state, deadline);

CREATE TABLE notice_violations (
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    violation_id INTEGER NOT NULL REFERENCES violations (id),
    PRIMARY KEY (notice_id, violation_id)
);
CREATE INDEX notice_violations_violation_idx ON notice_violations (violation_id);

CREATE TABLE notice_answers (
    id SERIAL PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    author_id INTEGER REFERENCES users (id),
    body TEXT NOT NULL,
    wants_follow_up BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    decision TEXT CHECK (decision IN ('accepted', 'rejected')),
    decided_by INTEGER REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_reason TEXT
);
CREATE INDEX notice_answers_notice_idx ON notice_answers (notice_id);
CREATE INDEX notice_answers_author_idx ON notice_answers (author_id);
CREATE INDEX notice_answers_decided_by_idx ON notice_answers (decided_by);

CREATE TABLE attachments (
    id SERIAL PRIMARY KEY,
    answer_id INTEGER NOT NULL REFERENCES notice_answers (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_answer_idx ON attachments (answer_id);

CREATE TABLE outbox (
    id SERIAL PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    notice_id INTEGER REFERENCES notices (id),
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TIMESTAMP,
    failed_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_pending_idx ON outbox (sent_at, failed_at, next_attempt_at);
CREATE INDEX outbox_notice_idx ON outbox (notice_id);

CREATE TABLE outbox_attempts (
    id SERIAL PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox (id),
    attempted_at TIMESTAMP NOT NULL,
    ok BOOLEAN NOT NULL,
    error TEXT
);
CREATE INDEX outbox_attempts_outbox_idx ON outbox_attempts (outbox_id);

CREATE TABLE rewards (
    id SERIAL PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    reason TEXT NOT NULL,
    granted_on DATE NOT NULL,
    granted_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX rewards_merchant_idx ON rewards (merchant_id, granted_on);
CREATE INDEX rewards_granted_by_idx ON rewards (granted_by);
CREATE INDEX rewards_granted_on_idx ON rewards (granted_on);

CREATE TABLE rating_snapshots (
    id SERIAL PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    as_of DATE NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    policy_version TEXT NOT NULL,
    score_tenths INTEGER,
    stars INTEGER,
    list_status TEXT NOT NULL CHECK (list_status IN ('none', 'red', 'black')),
    breakdown TEXT NOT NULL
);
CREATE INDEX rating_snapshots_merchant_idx ON rating_snapshots (merchant_id, as_of);

CREATE TABLE list_entries (
    id SERIAL PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    list TEXT NOT NULL CHECK (list IN ('red', 'black')),
    entered_on DATE NOT NULL,
    entered_reason TEXT NOT NULL,
    left_on DATE,
    left_reason TEXT
);
CREATE INDEX list_entries_merchant_idx ON list_entries (merchant_id, left_on);
CREATE INDEX list_entries_open_idx ON list_entries (list, left_on, entered_on);

CREATE TABLE editions (
    id SERIAL PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    published_on DATE NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by INTEGER REFERENCES users (id),
    policy_version TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX editions_published_by_idx ON editions (published_by);

CREATE TABLE edition_entries (
    id SERIAL PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id),
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    merchant_name TEXT NOT NULL,
    category TEXT NOT NULL,
    area TEXT NOT NULL,
    stars INTEGER,
    list TEXT NOT NULL CHECK (list IN ('red', 'black')),
    reason TEXT NOT NULL,
    since DATE NOT NULL
);
CREATE INDEX edition_entries_edition_idx ON edition_entries (edition_id, list, category, area);
CREATE INDEX edition_entries_merchant_idx ON edition_entries (merchant_id);

CREATE TABLE complaints (
    id SERIAL PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    body TEXT NOT NULL,
    contact TEXT,
    client_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'verified', 'dismissed')),
    created_at TIMESTAMP NOT NULL,
    triaged_by INTEGER REFERENCES users (id),
    triaged_at TIMESTAMP,
    triage_note TEXT
);
CREATE INDEX complaints_merchant_idx ON complaints (merchant_id, status);
CREATE INDEX complaints_status_idx ON complaints (status, created_at);
CREATE INDEX complaints_client_idx ON complaints (client_hash, created_at);
CREATE INDEX complaints_triaged_by_idx ON complaints (triaged_by);

CREATE TABLE merchant_replies (
    id SERIAL PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    author_id INTEGER REFERENCES users (id),
    body TEXT NOT NULL,
    visible BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX merchant_replies_merchant_idx ON merchant_replies (merchant_id, created_at);
CREATE INDEX merchant_replies_author_idx ON merchant_replies (author_id);

CREATE TABLE audit_log (
    id SERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
