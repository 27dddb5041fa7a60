-- Trainings the merchants sign up for in the portal: where, from when, how many seats, what about.
ALTER TABLE trainings ADD COLUMN place TEXT NOT NULL DEFAULT '';
-- Local start time "HH:MM"; empty = the training's day (sign-up closes when the day starts).
ALTER TABLE trainings ADD COLUMN starts_at TEXT NOT NULL DEFAULT '';
-- Seats; empty = no limit.
ALTER TABLE trainings ADD COLUMN capacity INTEGER;
ALTER TABLE trainings ADD COLUMN description TEXT NOT NULL DEFAULT '';

-- A merchant's sign-up for a training (报名). Cancelling keeps the row (cancelled_at); signing up
-- again makes a new one. reminded_at: the reminder the day before was queued (once).
CREATE TABLE training_signups (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    training_id INTEGER NOT NULL REFERENCES trainings (id),
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    user_id INTEGER REFERENCES users (id),
    signed_up_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    reminded_at TIMESTAMP
);
CREATE INDEX training_signups_training_idx ON training_signups (training_id);
CREATE INDEX training_signups_merchant_idx ON training_signups (merchant_id);
CREATE INDEX training_signups_user_idx ON training_signups (user_id);
