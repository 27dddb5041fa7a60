ALTER TABLE merchants DROP COLUMN member_left_on;
