DROP TABLE membership_events;
DROP TABLE leave_requests;
DROP TABLE membership_applications;
DROP TABLE charter_confirmations;
DROP TABLE charter_versions;
