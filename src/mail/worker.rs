//! The outbox worker inside `gongzhi serve`: every `GONGZHI_MAIL_POLL_SECS` it sends each due
//! outbox row, records every attempt, and decides what happens after a failure — retried with
//! exponential backoff (forever when the failure may heal, up to `GONGZHI_MAIL_MAX_ATTEMPTS`
//! when the server refused the email for good), or failed for the admin to look at.
//!
//! Delivery is at-least-once: a row is marked sent only after the server accepted it, so a crash
//! in between sends it again — with the same Message-ID.

use std::time::Duration;

use super::outbox::{self, OutboxRow};
use super::transport::{mask_addr, FailureKind, Mailer};
use crate::config::MailSettings;
use crate::db::models::now_utc;
use crate::db::{DbConn, Pool};

/// How many due rows one query fetches.
const BATCH: i64 = 50;

/// How long a claimed row is left alone by other workers while this one sends it. Longer than
/// an SMTP conversation can take (its timeout is 30 s); after a crash the row is due again then.
const LEASE: Duration = Duration::from_secs(300);

/// How long the worker keeps trying to record an attempt while the database is busy or away,
/// before it gives the row back (it is due again when its lease ends, and sent again: the one
/// case of a duplicate, with the same Message-ID). Well inside the lease.
const RECORD_FOR: Duration = Duration::from_secs(240);

/// The first pause between two tries at recording an attempt; it doubles up to [`RECORD_PAUSE_CAP`].
const RECORD_PAUSE: Duration = Duration::from_millis(250);

/// The longest pause between two tries at recording an attempt.
const RECORD_PAUSE_CAP: Duration = Duration::from_secs(15);

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Accepted by the server.
    pub sent: usize,
    /// Failed and due again later.
    pub retrying: usize,
    /// Failed for good (visible on the admin page, which can requeue them).
    pub failed: usize,
    /// Claimed by another worker first.
    pub skipped: usize,
}

impl Report {
    /// Whether the pass found nothing to do.
    pub fn is_empty(&self) -> bool {
        *self == Report::default()
    }
}

/// What happens to a row after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Due again after this wait.
    Retry(Duration),
    /// Marked failed; only an admin's requeue sends it again.
    Fail,
}

/// The wait after the `attempts`-th failure: `base · 2^(attempts−1)`, at most `cap`.
pub fn backoff(attempts: u32, settings: &MailSettings) -> Duration {
    let exp = attempts.saturating_sub(1).min(40) as i32;
    let secs = settings.retry_base.as_secs_f64() * 2f64.powi(exp);
    Duration::from_secs_f64(secs.min(settings.retry_cap.as_secs_f64()))
}

/// The retry policy: transient failures always come back (nothing is lost while the SMTP server
/// is down); permanent ones until `max_attempts` attempts were made; an email that cannot be
/// built never.
pub fn after_failure(kind: FailureKind, attempts: u32, settings: &MailSettings) -> AfterFailure {
    match kind {
        FailureKind::Invalid => AfterFailure::Fail,
        FailureKind::Permanent if attempts >= settings.max_attempts => AfterFailure::Fail,
        FailureKind::Permanent | FailureKind::Transient => AfterFailure::Retry(backoff(attempts, settings)),
    }
}

/// Runs `f` with a pooled connection on the blocking pool: diesel never runs on async threads.
async fn on_db<T, F>(pool: &Pool, f: F) -> anyhow::Result<T>
where
    F: FnOnce(&mut DbConn) -> anyhow::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Sends every row due now, oldest first, in batches: claim it, send it, record the outcome.
/// Rows that fail in this pass are due again only in a later one. With [`Mailer::Disabled`] it
/// does nothing and mail stays queued.
pub async fn run_once(
    pool: &Pool,
    mailer: &Mailer,
    settings: &MailSettings,
    on_sent: outbox::OnSent,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    if !mailer.is_enabled() {
        return Ok(report);
    }
    // Rows retried during this pass get a next_attempt_at after `started`, so the pass ends
    // even with a retry wait of a fraction of a second.
    let started = now_utc();
    loop {
        let batch = on_db(pool, move |c| Ok(outbox::due(c, started, BATCH)?)).await?;
        if batch.is_empty() {
            return Ok(report);
        }
        for row in batch {
            let r = row.clone();
            let claimed = on_db(pool, move |c| {
                Ok(outbox::claim(c, &r, outbox::after(now_utc(), LEASE))?)
            })
            .await?;
            if !claimed {
                report.skipped += 1;
                continue;
            }
            send_one(pool, mailer, settings, on_sent, row, &mut report).await?;
        }
    }
}

/// Runs `f` on the database until it succeeds, pausing between tries (doubling from
/// [`RECORD_PAUSE`]), for at most `budget`: recording that an email went out must survive a
/// database that is locked by an import or away for a minute, or the email is sent twice.
async fn on_db_retrying<F>(pool: &Pool, what: &'static str, budget: Duration, f: F) -> anyhow::Result<()>
where
    F: Fn(&mut DbConn) -> anyhow::Result<()> + Send + Sync + Clone + 'static,
{
    let started = std::time::Instant::now();
    let mut pause = RECORD_PAUSE;
    let mut tries = 1u32;
    loop {
        match on_db(pool, f.clone()).await {
            Ok(()) => {
                if tries > 1 {
                    tracing::info!(what, tries, "recorded after the database came back");
                }
                return Ok(());
            }
            Err(e) if started.elapsed() + pause < budget => {
                tracing::warn!(what, tries, error = %e, retry_in = ?pause, "cannot record; trying again");
            }
            Err(e) => return Err(e.context(format!("{what}: gave up after {tries} tries"))),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(RECORD_PAUSE_CAP);
        tries += 1;
    }
}

async fn send_one(
    pool: &Pool,
    mailer: &Mailer,
    settings: &MailSettings,
    on_sent: outbox::OnSent,
    row: OutboxRow,
    report: &mut Report,
) -> anyhow::Result<()> {
    let to = mask_addr(&row.to_addr);
    let result = mailer.send(&row).await;
    let at = now_utc();
    match result {
        Ok(()) => {
            let (id, kind, message_id) = (row.id, row.kind.clone(), row.message_id.clone());
            let row = std::sync::Arc::new(row);
            on_db_retrying(pool, "email sent", RECORD_FOR, move |c| {
                Ok(outbox::record_sent(c, &row, at, on_sent)?)
            })
            .await?;
            tracing::info!(id, kind, to, message_id, "email sent");
            report.sent += 1;
        }
        Err(e) => {
            let attempts = u32::try_from(row.attempts).unwrap_or(0).saturating_add(1);
            let next = after_failure(e.kind, attempts, settings);
            let retry_at = match next {
                AfterFailure::Retry(wait) => Some(outbox::after(at, wait)),
                AfterFailure::Fail => None,
            };
            let (id, kind) = (row.id, row.kind.clone());
            let (row, message) = (std::sync::Arc::new(row), std::sync::Arc::new(e.message.clone()));
            on_db_retrying(pool, "email failed", RECORD_FOR, move |c| {
                Ok(outbox::record_failure(c, &row, at, &message, retry_at)?)
            })
            .await?;
            match next {
                AfterFailure::Retry(wait) => {
                    tracing::warn!(id, kind, to, attempts, error = %e.message, retry_in = ?wait, "email not sent; will retry");
                    report.retrying += 1;
                }
                AfterFailure::Fail => {
                    tracing::error!(id, kind, to, attempts, error = %e.message, "email failed; an admin can requeue it at /staff/outbox");
                    report.failed += 1;
                }
            }
        }
    }
    Ok(())
}

/// Starts the worker on the current actix system: a pass over the outbox, then a pause of
/// `GONGZHI_MAIL_POLL_SECS`, for as long as the server runs. Without SMTP it logs that once and
/// does nothing, and mail waits in the outbox. `on_sent` is written with each sent email.
pub fn spawn(pool: crate::db::Pool, config: crate::config::Config, on_sent: outbox::OnSent) {
    let mailer = match Mailer::from_config(&config) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "cannot set up SMTP; emails stay queued in the outbox");
            return;
        }
    };
    if !mailer.is_enabled() {
        tracing::warn!("no SMTP configured (GONGZHI_SMTP_URL): emails stay queued in the outbox");
        return;
    }
    tracing::info!(smtp = %mailer.describe(), "outbox worker started");
    actix_web::rt::spawn(async move {
        let settings = config.mail.clone();
        loop {
            match run_once(&pool, &mailer, &settings, on_sent).await {
                Ok(r) if r.is_empty() => {}
                Ok(r) => tracing::debug!(?r, "outbox pass"),
                Err(e) => tracing::error!(error = %e, "outbox pass failed; trying again later"),
            }
            actix_web::rt::time::sleep(settings.poll).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, DatabaseUrl};
    use crate::mail::outbox::{enqueue, NewMail};
    use crate::mail::render::Rendered;
    use crate::mail::transport::{MemoryMailer, SendError};

    fn settings() -> MailSettings {
        MailSettings {
            poll: Duration::from_millis(100),
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(900),
            max_attempts: 3,
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = settings();
        let waits: Vec<u64> = (1..=8).map(|n| backoff(n, &s).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(backoff(u32::MAX, &s), Duration::from_secs(900));
    }

    #[test]
    fn transient_failures_never_give_up_permanent_ones_do() {
        let s = settings();
        assert!(matches!(
            after_failure(FailureKind::Transient, 10_000, &s),
            AfterFailure::Retry(_)
        ));
        assert!(matches!(
            after_failure(FailureKind::Permanent, 2, &s),
            AfterFailure::Retry(_)
        ));
        assert_eq!(after_failure(FailureKind::Permanent, 3, &s), AfterFailure::Fail);
        assert_eq!(after_failure(FailureKind::Invalid, 1, &s), AfterFailure::Fail);
    }

    fn pool() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("t.db").display())).unwrap();
        let pool = crate::db::build_pool(&url, 2).unwrap();
        crate::db::run_migrations(&mut pool.get().unwrap()).unwrap();
        (dir, pool)
    }

    fn queue(pool: &Pool, to: &str) -> i32 {
        let mail = NewMail {
            kind: "test",
            to,
            notice_id: None,
            rendered: Rendered {
                subject: "测试 / Test".into(),
                text: "你好".into(),
                html: "<p>你好</p>".into(),
            },
        };
        enqueue(&mut pool.get().unwrap(), mail, "http://gongzhi.test").unwrap()
    }

    fn memory() -> (Mailer, MemoryMailer) {
        let m = MemoryMailer::new("gongzhi <noreply@gongzhi.test>".parse().unwrap());
        (Mailer::Memory(m.clone()), m)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_pass_sends_each_due_row_once_and_a_claimed_row_is_left_alone() {
        let (_dir, pool) = pool();
        let a = queue(&pool, "a@x.cn");
        let b = queue(&pool, "b@x.cn");
        // Another worker claimed b.
        {
            let mut c = pool.get().unwrap();
            let row = outbox::find(&mut c, b).unwrap().unwrap();
            assert!(outbox::claim(&mut c, &row, outbox::after(now_utc(), LEASE)).unwrap());
            assert!(!outbox::claim(&mut c, &row, outbox::after(now_utc(), LEASE)).unwrap());
        }
        let (mailer, mem) = memory();
        let r = run_once(&pool, &mailer, &settings(), outbox::nothing_else)
            .await
            .unwrap();
        assert_eq!(
            r,
            Report {
                sent: 1,
                ..Report::default()
            }
        );
        assert_eq!(mem.sent.lock().unwrap().len(), 1);
        let mut c = pool.get().unwrap();
        let row = outbox::find(&mut c, a).unwrap().unwrap();
        assert!(row.sent_at.is_some());
        assert_eq!(row.attempts, 1);
        assert!(outbox::find(&mut c, b).unwrap().unwrap().sent_at.is_none());
        // Nothing is due any more: a second pass sends nothing.
        drop(c);
        assert!(run_once(&pool, &mailer, &settings(), outbox::nothing_else)
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn failures_are_recorded_and_permanent_ones_end_in_failed() {
        let (_dir, pool) = pool();
        let id = queue(&pool, "a@x.cn");
        let (mailer, mem) = memory();
        *mem.fail_with.lock().unwrap() = Some(SendError {
            kind: FailureKind::Permanent,
            message: "permanent error (550): no such user".into(),
        });
        let s = MailSettings {
            retry_base: Duration::from_millis(1),
            retry_cap: Duration::from_millis(1),
            ..settings()
        };
        for _ in 0..20 {
            run_once(&pool, &mailer, &s, outbox::nothing_else).await.unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut c = pool.get().unwrap();
        let row = outbox::find(&mut c, id).unwrap().unwrap();
        assert!(row.failed_at.is_some());
        assert_eq!(row.attempts, 3);
        assert!(row.last_error.unwrap().contains("550"));
        let attempts = outbox::attempts_of(&mut c, id).unwrap();
        assert_eq!(attempts.len(), 3);
        assert!(attempts.iter().all(|a| !a.ok));
        assert_eq!(outbox::counts(&mut c).unwrap().failed, 1);
        // The admin requeues it: due again, a fresh count, history kept, audited.
        let actor = crate::db::models::audit::Actor::system("test");
        assert_eq!(
            outbox::requeue(&mut c, id, &actor).unwrap(),
            outbox::Requeue::Done
        );
        assert_eq!(
            outbox::requeue(&mut c, id, &actor).unwrap(),
            outbox::Requeue::NotFailed
        );
        assert_eq!(
            outbox::requeue(&mut c, 9999, &actor).unwrap(),
            outbox::Requeue::NotFound
        );
        let row = outbox::find(&mut c, id).unwrap().unwrap();
        assert!(row.failed_at.is_none() && row.attempts == 0);
        assert_eq!(outbox::latest(&mut c, 10).unwrap()[0].1.len(), 3);
        drop(c);
        *mem.fail_with.lock().unwrap() = None;
        let r = run_once(&pool, &mailer, &s, outbox::nothing_else).await.unwrap();
        assert_eq!(r.sent, 1);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn without_smtp_nothing_moves() {
        let (_dir, pool) = pool();
        let id = queue(&pool, "a@x.cn");
        let config = Config::from_lookup(|_| None).unwrap();
        let mailer = Mailer::from_config(&config).unwrap();
        assert!(!mailer.is_enabled());
        assert!(run_once(&pool, &mailer, &settings(), outbox::nothing_else)
            .await
            .unwrap()
            .is_empty());
        let row = outbox::find(&mut pool.get().unwrap(), id).unwrap().unwrap();
        assert_eq!((row.attempts, row.sent_at), (0, None));
    }
}
