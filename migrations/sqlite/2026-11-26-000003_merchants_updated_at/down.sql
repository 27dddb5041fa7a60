DROP INDEX merchants_updated_at_idx;
