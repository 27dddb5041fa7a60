DROP TABLE training_signups;
ALTER TABLE trainings DROP COLUMN description;
ALTER TABLE trainings DROP COLUMN capacity;
ALTER TABLE trainings DROP COLUMN starts_at;
ALTER TABLE trainings DROP COLUMN place;
