DROP INDEX job_runs_job_started_idx;
DROP TABLE job_runs;
