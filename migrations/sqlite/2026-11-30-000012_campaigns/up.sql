-- Star-rating campaigns (不定期星级评比): a round of inspections the committee opens for the members
-- in scope, each merchant assigned to an inspector. scope: 'all' | 'areas' | 'categories';
-- scope_values: the JSON array of the stored area or category names. status: 'open' | 'closed'.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    scope TEXT NOT NULL,
    scope_values TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'open',
    opened_by INTEGER REFERENCES users (id),
    opened_at TIMESTAMP NOT NULL,
    closed_by INTEGER REFERENCES users (id),
    closed_at TIMESTAMP
);

-- The merchants in a campaign's scope when it was opened (a snapshot), with their area then and
-- the inspector each is assigned to.
CREATE TABLE campaign_merchants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    area TEXT NOT NULL,
    inspector_id INTEGER REFERENCES users (id),
    UNIQUE (campaign_id, merchant_id)
);
CREATE INDEX campaign_merchants_inspector_idx ON campaign_merchants (inspector_id);
CREATE INDEX campaign_merchants_merchant_idx ON campaign_merchants (merchant_id);
CREATE INDEX campaigns_opened_by_idx ON campaigns (opened_by);
CREATE INDEX campaigns_closed_by_idx ON campaigns (closed_by);
