-- One row per run of a scheduled job (the daily recompute): when it started and ended, how it
-- ended, and why it failed. The scheduler reads the last success from here after a restart, and
-- the admin's audit page shows the last run.
CREATE TABLE job_runs (
    id SERIAL PRIMARY KEY,
    job TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    -- running, ok or failed
    outcome TEXT NOT NULL,
    error TEXT,
    -- what the run did, in words (merchants recomputed, notices marked overdue, ...)
    summary TEXT,
    -- the local date the run computed for
    as_of DATE NOT NULL
);
CREATE INDEX job_runs_job_started_idx ON job_runs (job, started_at);
