//! The daily job: marks notices past their deadline overdue, queues the reminders for notices
//! due soon, and recomputes every rating (time decay) — once per local date.
//!
//! When it runs is a pure function, [`next_run`], of the time, the deployment's zone, the date
//! of the last successful run and the failures since: at local midnight; at once when today has
//! no successful run yet (a start after a missed midnight); after a failure, again after a wait
//! that doubles from [`RETRY_BASE`] up to [`RETRY_CAP`]. Each run is a row in `job_runs` (start,
//! end, outcome, error), which is also where a restarted server reads its state from.
//!
//! Several servers on one PostgreSQL database: the run holds a session advisory lock
//! ([`LOCK_KEY`]) and looks again whether today's run already succeeded, so only one server does
//! the work. On SQLite (one machine), the check and the `running` row are written under the
//! write lock, and a run still `running` for less than [`STALE_AFTER`] makes the others skip.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::config::Config;
use crate::db::models::audit::Actor;
use crate::db::models::job_run::{self, JobRun};
use crate::db::models::{now_utc, write_tx};
use crate::db::{DbConn, Pool};

/// The job's name in `job_runs`.
pub const JOB: &str = "daily";

/// The wait after a first failure; it doubles with each further one.
pub const RETRY_BASE: Duration = Duration::from_secs(60);

/// The longest wait between two tries, however many failed.
pub const RETRY_CAP: Duration = Duration::from_secs(3600);

/// On SQLite, a run recorded as `running` for longer than this is taken for dead (its process
/// crashed). On PostgreSQL the advisory lock tells: a `running` row found while holding it is dead.
pub const STALE_AFTER: Duration = Duration::from_secs(30 * 60);

/// The key of the PostgreSQL advisory lock that lets one server run the job (not
/// [`crate::db::models::WRITE_LOCK_KEY`], which every write takes).
pub const LOCK_KEY: i64 = 742_802;

/// What the scheduler knows when it decides: read from `job_runs`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobState {
    /// The local date of the last successful run.
    pub last_success: Option<NaiveDate>,
    /// Failed runs in a row since then.
    pub failures: u32,
    /// When the last of those ended (UTC).
    pub last_failure_at: Option<NaiveDateTime>,
}

/// The wait after the `failures`-th failure in a row: `RETRY_BASE · 2^(failures−1)`, at most
/// `RETRY_CAP`.
pub fn retry_wait(failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(30);
    RETRY_BASE.saturating_mul(1u32 << exp).min(RETRY_CAP)
}

/// The first instant of local date `day` in `tz` (midnight, or the first time that exists when
/// a daylight-saving change skips it).
pub fn start_of_day(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let mut local = day.and_time(chrono::NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        local += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&local)
}

/// When the job should run next, given `now`: at once (or `now`) when today's local date has no
/// successful run and no failure asks to wait; after the backoff wait when the last tries failed;
/// otherwise at the next local midnight.
pub fn next_run(now: DateTime<Utc>, tz: Tz, state: &JobState) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    if state.last_success.is_some_and(|d| d >= today) {
        let tomorrow = today.succ_opt().unwrap_or(today);
        return start_of_day(tz, tomorrow);
    }
    match (state.failures, state.last_failure_at) {
        (n, Some(at)) if n > 0 => {
            let wait = chrono::Duration::from_std(retry_wait(n)).unwrap_or(chrono::Duration::hours(1));
            let retry = Utc.from_utc_datetime(&at) + wait;
            retry.max(now)
        }
        _ => now,
    }
}

/// Reads the scheduler's state from `job_runs`.
pub fn load_state(conn: &mut DbConn) -> QueryResult<JobState> {
    let last_success = job_run::last_success(conn, JOB)?.map(|r| r.as_of);
    let failures = job_run::failures_since_success(conn, JOB, 64)?;
    Ok(JobState {
        last_success,
        failures: u32::try_from(failures.len()).unwrap_or(u32::MAX),
        last_failure_at: failures.first().map(|r| r.finished_at.unwrap_or(r.started_at)),
    })
}

/// The last run of the daily job, for the admin page.
pub fn last_run(conn: &mut DbConn) -> QueryResult<Option<JobRun>> {
    job_run::last(conn, JOB)
}

/// How a call to [`run_job`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// The work ran and succeeded; the summary is recorded.
    Done(String),
    /// The work ran and failed; the error is recorded.
    Failed(String),
    /// Another server runs it now, or today's run already succeeded: nothing was done.
    Skipped,
}

/// Runs `work` as today's (`as_of`) run of `job`, recording its start, end and outcome, unless
/// another server is running it or already did it for `as_of`. The work gets the same
/// connection, which on PostgreSQL holds the job's advisory lock until it returns.
pub fn run_job(
    conn: &mut DbConn,
    job: &str,
    as_of: NaiveDate,
    work: impl FnOnce(&mut DbConn) -> anyhow::Result<String>,
) -> anyhow::Result<RunOutcome> {
    let locked = match conn {
        DbConn::Postgresql(_) => {
            let got: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                "pg_try_advisory_lock({LOCK_KEY})"
            )))
            .get_result(conn)?;
            if !got {
                return Ok(RunOutcome::Skipped);
            }
            true
        }
        DbConn::Sqlite(_) => false,
    };
    let result = run_locked(conn, job, as_of, work);
    if locked {
        if let Err(e) = conn.batch_execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})")) {
            tracing::warn!(error = %e, "could not release the daily job's advisory lock");
        }
    }
    result
}

fn run_locked(
    conn: &mut DbConn,
    job: &str,
    as_of: NaiveDate,
    work: impl FnOnce(&mut DbConn) -> anyhow::Result<String>,
) -> anyhow::Result<RunOutcome> {
    let stale = match conn {
        DbConn::Postgresql(_) => now_utc(),
        DbConn::Sqlite(_) => {
            now_utc() - chrono::Duration::from_std(STALE_AFTER).unwrap_or(chrono::Duration::hours(1))
        }
    };
    let id = write_tx(conn, |c| -> anyhow::Result<Option<i32>> {
        job_run::abandon_stale(c, job, stale)?;
        if job_run::last_success(c, job)?.is_some_and(|r| r.as_of >= as_of)
            || job_run::running_since(c, job, stale)?
        {
            return Ok(None);
        }
        Ok(Some(job_run::start(c, job, as_of)?))
    })?;
    let Some(id) = id else {
        return Ok(RunOutcome::Skipped);
    };
    let outcome = match work(conn) {
        Ok(summary) => {
            finish_with_retries(conn, id, Ok(&summary))?;
            RunOutcome::Done(summary)
        }
        Err(e) => {
            let error = format!("{e:#}");
            // The database may be what failed: the end is recorded when it can be, and a run
            // left `running` is marked failed by a later one (see STALE_AFTER).
            if let Err(rec) = finish_with_retries(conn, id, Err(&error)) {
                tracing::error!(error = %rec, "could not record the daily job's failure");
            }
            RunOutcome::Failed(error)
        }
    };
    Ok(outcome)
}

/// Records the end of run `id`, trying again for a few seconds when the database is busy or
/// away, so that a short outage does not leave the run `running`.
fn finish_with_retries(conn: &mut DbConn, id: i32, result: Result<&str, &str>) -> QueryResult<()> {
    let mut wait = Duration::from_millis(200);
    for _ in 0..5 {
        match job_run::finish(conn, id, result) {
            Ok(()) => return Ok(()),
            Err(e) => tracing::warn!(error = %e, "daily job: recording the end failed; trying again"),
        }
        std::thread::sleep(wait);
        wait *= 2;
    }
    job_run::finish(conn, id, result)
}

/// The daily work as of `today`: overdue notices, reminders, every rating, and removing
/// sessions that ended more than a week ago. Returns a summary.
pub fn daily_work(conn: &mut DbConn, config: &Config, today: NaiveDate) -> anyhow::Result<String> {
    let policy = crate::services::policy::active_policy(conn)?;
    let actor = Actor::system("daily-recompute");
    let overdue = crate::services::notices::mark_overdue(conn, &policy, today, &actor)?;
    let reminders = crate::services::notices::send_reminders(conn, &config.base_url, today, &actor)?;
    let r = crate::services::rating::recompute_all(conn, &policy, today, &actor)?;
    let purged = crate::services::sessions::purge_old(conn, crate::db::models::now_utc())?;
    Ok(format!(
        "{overdue} notice(s) overdue, {reminders} reminder(s) queued, {} merchant(s) recomputed, {} changed, \
         {purged} old session(s) removed",
        r.merchants, r.changed
    ))
}

/// One run of the daily job for today's local date, recorded in `job_runs`.
pub fn run_daily(conn: &mut DbConn, config: &Config) -> anyhow::Result<RunOutcome> {
    let today = config.today();
    let outcome = run_job(conn, JOB, today, |c| daily_work(c, config, today))?;
    // The reminders the day before a training, a job of their own.
    match run_job(conn, crate::services::trainings::REMINDER_JOB, today, |c| {
        training_reminders(c, config, today)
    }) {
        Ok(o) => tracing::info!(outcome = ?o, "training reminders"),
        Err(e) => tracing::error!(error = %e, "training reminders could not run"),
    }
    // The programme's due dates, recomputed under the active policy (a policy change moves them).
    match run_job(
        conn,
        crate::services::programme::JOB,
        today,
        crate::services::programme::refresh_all,
    ) {
        Ok(RunOutcome::Failed(e)) => tracing::error!(error = %e, "programme due dates failed"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "programme due dates could not run"),
    }
    // Bulletin reminders are a job of their own: they do not wait for the ratings, and a failure
    // of one does not undo the other. A missed day is caught up the next (reminders are due "on
    // or after" their day, and each recipient is reminded once).
    match bulletin_reminders(conn, config, today) {
        Ok(RunOutcome::Failed(e)) => tracing::error!(error = %e, "bulletin reminders failed"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "bulletin reminders could not run"),
    }
    Ok(outcome)
}

/// The reminders for tomorrow's trainings: each sign-up once.
pub fn training_reminders(conn: &mut DbConn, config: &Config, today: NaiveDate) -> anyhow::Result<String> {
    let actor = Actor::system("training-reminders");
    let n = crate::services::trainings::send_reminders(conn, &config.base_url, today, &actor)?;
    Ok(format!("{n} training reminder(s) queued"))
}

/// The bulletin reminders' name in `job_runs`.
pub const BULLETIN_JOB: &str = "bulletin-reminders";

/// Today's run of the bulletin reminders ([`crate::services::bulletins::reads::send_due_reminders`]),
/// recorded in `job_runs`: once per local date; a second call the same day does nothing.
pub fn bulletin_reminders(
    conn: &mut DbConn,
    config: &Config,
    today: NaiveDate,
) -> anyhow::Result<RunOutcome> {
    run_job(conn, BULLETIN_JOB, today, |c| {
        let secret = crate::services::plaque::app_secret(c, config.session_secret.as_deref())?;
        let n = crate::services::bulletins::reads::send_due_reminders(
            c,
            &config.base_url,
            &secret,
            config.time_zone,
            today,
            &Actor::system("daily-bulletins"),
        )?;
        Ok(format!("{n} bulletin reminder(s) queued"))
    })
}

/// Runs `f` with a pooled connection on the blocking pool.
async fn on_db<T: Send + 'static>(
    pool: &Pool,
    f: impl FnOnce(&mut DbConn) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// The longest the scheduler sleeps before it looks again (the clock may jump, another server
/// may have run the job, the database may be back).
const LOOK_AGAIN: Duration = Duration::from_secs(300);

/// The scheduler loop: wait for [`next_run`], run, record, repeat. When even reading the state
/// fails (database down), it backs off with the failures it counted itself.
pub async fn schedule(pool: Pool, config: Config) {
    let mut local = JobState::default();
    loop {
        let state = match on_db(&pool, |c| Ok(load_state(c)?)).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "daily job: cannot read its state; backing off");
                local.failures = local.failures.saturating_add(1);
                local.last_failure_at = Some(now_utc());
                local
            }
        };
        let now = Utc::now();
        let next = next_run(now, config.time_zone, &state);
        let wait = (next - now).to_std().unwrap_or(Duration::ZERO);
        if !wait.is_zero() {
            tracing::debug!(next = %next, "daily job: next run");
            actix_web::rt::time::sleep(wait.min(LOOK_AGAIN)).await;
            continue;
        }
        let cfg = config.clone();
        match on_db(&pool, move |c| run_daily(c, &cfg)).await {
            Ok(RunOutcome::Done(summary)) => {
                local = JobState::default();
                tracing::info!(summary, "daily job done");
            }
            Ok(RunOutcome::Failed(error)) => {
                tracing::error!(error, "daily job failed; it will be retried");
                local.failures = state.failures.saturating_add(1);
                local.last_failure_at = Some(now_utc());
            }
            Ok(RunOutcome::Skipped) => {
                tracing::info!("daily job: another server runs it or it already ran today");
                // Let the other server finish before looking again.
                actix_web::rt::time::sleep(RETRY_BASE).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "daily job could not start; it will be retried");
                local.failures = state.failures.saturating_add(1);
                local.last_failure_at = Some(now_utc());
                // The failure may not be recorded: wait here by what this process counted.
                actix_web::rt::time::sleep(retry_wait(local.failures)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        Utc.from_utc_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn after_todays_run_the_next_is_at_local_midnight() {
        // 10:00 in Shanghai is 02:00 UTC; the next local midnight is 16:00 UTC the same day.
        let now = utc("2026-12-01 02:00:00");
        let state = JobState {
            last_success: Some(day("2026-12-01")),
            ..Default::default()
        };
        assert_eq!(next_run(now, SHANGHAI, &state), utc("2026-12-01 16:00:00"));
        // 23:59 local: still tomorrow's midnight, a minute away.
        let now = utc("2026-12-01 15:59:00");
        assert_eq!(next_run(now, SHANGHAI, &state), utc("2026-12-01 16:00:00"));
        // In UTC the same state waits for UTC midnight.
        assert_eq!(
            next_run(utc("2026-12-01 10:00:00"), chrono_tz::UTC, &state),
            utc("2026-12-02 00:00:00")
        );
    }

    #[test]
    fn a_start_after_a_missed_midnight_runs_at_once() {
        // Last success was yesterday's date (local): run now.
        let now = utc("2026-12-01 16:00:01"); // 00:00:01 on 2 December in Shanghai
        let state = JobState {
            last_success: Some(day("2026-12-01")),
            ..Default::default()
        };
        assert_eq!(next_run(now, SHANGHAI, &state), now);
        // Never ran: run now.
        assert_eq!(next_run(now, SHANGHAI, &JobState::default()), now);
        // Days behind: once, now (the run computes as of today).
        let old = JobState {
            last_success: Some(day("2026-11-20")),
            ..Default::default()
        };
        assert_eq!(next_run(now, SHANGHAI, &old), now);
    }

    #[test]
    fn failures_retry_with_a_doubling_wait_up_to_the_cap() {
        let waits: Vec<u64> = (1..=9).map(|n| retry_wait(n).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(retry_wait(u32::MAX), RETRY_CAP);
        let failed_at = utc("2026-12-01 16:00:05");
        let state = JobState {
            last_success: Some(day("2026-12-01")),
            failures: 3,
            last_failure_at: Some(failed_at.naive_utc()),
        };
        // Third failure in a row: four minutes after it.
        let now = utc("2026-12-01 16:01:00");
        assert_eq!(next_run(now, SHANGHAI, &state), utc("2026-12-01 16:04:05"));
        // A server that starts long after the failure runs at once.
        let now = utc("2026-12-01 18:00:00");
        assert_eq!(next_run(now, SHANGHAI, &state), now);
    }

    #[test]
    fn a_skipped_midnight_is_the_first_time_of_the_day() {
        // America/Santiago skipped 00:00–01:00 on 2026-09-06 (clocks went to 01:00).
        let tz: Tz = "America/Santiago".parse().unwrap();
        let t = start_of_day(tz, day("2026-09-06"));
        let local = t.with_timezone(&tz);
        assert_eq!(local.date_naive(), day("2026-09-06"));
        assert!(local.time() <= chrono::NaiveTime::from_hms_opt(1, 0, 0).unwrap());
    }
}
