-- The inspection programme (检查计划): when each merchant's next inspection is due and why
-- (domain::programme's reason code: new, black_list, stars, unrated, complaint, follow_up).
-- Empty for closed merchants and until the first recompute fills it (startup / daily job).
ALTER TABLE merchants ADD COLUMN next_due_on DATE;
ALTER TABLE merchants ADD COLUMN next_due_reason TEXT;
CREATE INDEX merchants_next_due_idx ON merchants (next_due_on, area);
