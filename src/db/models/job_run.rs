//! Runs of scheduled jobs (the daily recompute): one row per run with its start, end, outcome
//! and error. The scheduler reads its state from here after a restart, and the audit page shows
//! the last run to the admin.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::now_utc;
use crate::db::schema::job_runs;
use crate::db::DbConn;

/// The outcome of a run that has not ended (or whose process died before it could say).
pub const RUNNING: &str = "running";
/// The outcome of a run that did all its work.
pub const OK: &str = "ok";
/// The outcome of a run that stopped on an error (its `error` says which).
pub const FAILED: &str = "failed";

/// A run as stored.
#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = job_runs)]
pub struct JobRun {
    pub id: i32,
    pub job: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub outcome: String,
    pub error: Option<String>,
    pub summary: Option<String>,
    /// The local date the run computed for.
    pub as_of: NaiveDate,
}

/// Records that `job` starts now for `as_of`; returns the run's id.
pub fn start(conn: &mut DbConn, job: &str, as_of: NaiveDate) -> QueryResult<i32> {
    crate::db::dispatch!(conn, |c| diesel::insert_into(job_runs::table)
        .values((
            job_runs::job.eq(job),
            job_runs::started_at.eq(now_utc()),
            job_runs::outcome.eq(RUNNING),
            job_runs::as_of.eq(as_of),
        ))
        .returning(job_runs::id)
        .get_result(c))
}

/// Records how run `id` ended: `Ok(summary)` or `Err(error)`.
pub fn finish(conn: &mut DbConn, id: i32, result: Result<&str, &str>) -> QueryResult<()> {
    let (outcome, summary, error) = match result {
        Ok(s) => (OK, Some(s), None),
        Err(e) => (FAILED, None, Some(e)),
    };
    diesel::update(job_runs::table.find(id))
        .set((
            job_runs::finished_at.eq(Some(now_utc())),
            job_runs::outcome.eq(outcome),
            job_runs::summary.eq(summary),
            job_runs::error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the runs of `job` still `running` that started before `before` as failed: their
/// process died (or lost its database) before it could record the end.
pub fn abandon_stale(conn: &mut DbConn, job: &str, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        job_runs::table
            .filter(job_runs::job.eq(job))
            .filter(job_runs::outcome.eq(RUNNING))
            .filter(job_runs::started_at.lt(before)),
    )
    .set((
        job_runs::outcome.eq(FAILED),
        job_runs::error.eq(Some("interrupted: the run never recorded its end")),
    ))
    .execute(conn)
}

/// Whether a run of `job` started at or after `since` is still running (on another server).
pub fn running_since(conn: &mut DbConn, job: &str, since: NaiveDateTime) -> QueryResult<bool> {
    let n: i64 = job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::outcome.eq(RUNNING))
        .filter(job_runs::started_at.ge(since))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The newest run of `job`, whatever its outcome.
pub fn last(conn: &mut DbConn, job: &str) -> QueryResult<Option<JobRun>> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .order(job_runs::id.desc())
        .select(JobRun::as_select())
        .first(conn)
        .optional()
}

/// The newest successful run of `job`.
pub fn last_success(conn: &mut DbConn, job: &str) -> QueryResult<Option<JobRun>> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::outcome.eq(OK))
        .order(job_runs::id.desc())
        .select(JobRun::as_select())
        .first(conn)
        .optional()
}

/// The failed runs of `job` since its last success (newest first, at most `limit`): how many
/// times in a row it failed, and when the last one ended.
pub fn failures_since_success(conn: &mut DbConn, job: &str, limit: i64) -> QueryResult<Vec<JobRun>> {
    let last_ok = last_success(conn, job)?.map(|r| r.id).unwrap_or(0);
    job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::outcome.eq(FAILED))
        .filter(job_runs::id.gt(last_ok))
        .order(job_runs::id.desc())
        .limit(limit)
        .select(JobRun::as_select())
        .load(conn)
}
