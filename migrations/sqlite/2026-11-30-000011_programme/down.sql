DROP INDEX merchants_next_due_idx;
ALTER TABLE merchants DROP COLUMN next_due_reason;
ALTER TABLE merchants DROP COLUMN next_due_on;
