DROP INDEX complaints_reference_idx;
ALTER TABLE complaints DROP COLUMN photo_type;
ALTER TABLE complaints DROP COLUMN photo_key;
ALTER TABLE complaints DROP COLUMN reference;
ALTER TABLE complaints DROP COLUMN visited_on;
ALTER TABLE complaints DROP COLUMN category;
