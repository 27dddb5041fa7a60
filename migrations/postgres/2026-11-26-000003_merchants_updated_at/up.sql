-- The public lists' cache compares max(updated_at) on every request: keep it an index lookup.
CREATE INDEX merchants_updated_at_idx ON merchants (updated_at);
