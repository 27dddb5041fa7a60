-- The day a member left the alliance (退出联盟); empty while it is a member or never was one.
ALTER TABLE merchants ADD COLUMN member_left_on DATE;
