//! One file per aggregate: its row structs and the queries that read and write it.

pub mod audit;
pub mod bulletin;
pub mod inspection;
pub mod job_run;
pub mod merchant;
pub mod notice;
pub mod settings;
pub mod training;
pub mod user;

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConn;

/// Now, in UTC, cut to microseconds so it reads back from either backend exactly as written
/// (the audit chain hashes timestamps).
pub fn now_utc() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1000 * 1000).unwrap_or(now)
}

/// How many write transactions this process has ended (committed or rolled back). Caches of
/// public pages note it when they read the database and look again as soon as it moves, so a
/// write made here is seen by the next request; see `web::cache::Checked`.
static WRITES_ENDED: AtomicU64 = AtomicU64::new(0);

/// The number of write transactions this process has ended so far.
pub fn writes_ended() -> u64 {
    WRITES_ENDED.load(Ordering::Acquire)
}

/// The key of the PostgreSQL advisory lock that [`write_tx`] takes: one writer at a time, as on
/// SQLite (the readiness probe takes it too, to see that writes can get it).
pub const WRITE_LOCK_KEY: i64 = 742_801;

/// Runs `f` in a transaction that holds the write lock from its first statement, so that the
/// audit chain (read the last hash, append the next) cannot fork under concurrent writers.
///
/// On SQLite the writers of this process first queue for their turn ([`WriterTurn`]), so a
/// waiting writer starts as soon as the one before it commits instead of polling SQLite's lock.
pub fn write_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let outermost = OPEN_WRITES.with(|n| n.get() == 0);
    let in_shared = IN_SHARED_WRITE.with(|s| s.get());
    debug_assert!(
        !in_shared,
        "a write nested in a merchant's write, which changes that merchant's rows only"
    );
    // Dropped after the transaction has ended (locals drop in reverse order).
    let _turn = if outermost { WriterTurn::wait(conn)? } else { None };
    let _counted = CountWhenEnded::enter();
    conn.transaction(|c| {
        let lock = match c {
            // A write statement takes SQLite's write lock now rather than at the first real
            // write, so the transaction never reads a snapshot it later cannot write on.
            DbConn::Sqlite(_) => "UPDATE settings SET value = value WHERE key = 'write-lock'",
            // Nested in a merchant's write, which holds the lock shared: that write's own rows
            // are all a nested write may touch.
            DbConn::Postgresql(_) if in_shared => "SELECT 1",
            DbConn::Postgresql(_) => &format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"),
        };
        c.batch_execute(lock)?;
        f(c)
    })
}

/// The space of the PostgreSQL advisory locks (two-key form: this, the merchant's id) that
/// [`write_tx_for_merchant`] takes, one merchant's writes at a time.
pub const MERCHANT_LOCK_SPACE: i32 = 742_803;

/// The key of the PostgreSQL advisory lock held from a merchant's write's audit append to its
/// commit: the chain's appends one at a time.
pub const AUDIT_LOCK_KEY: i64 = 742_804;

/// [`write_tx`] for a write that changes one merchant's own rows only — its inspection, its
/// rating, its list entries and the audit entries of these (logging an inspection).
///
/// On PostgreSQL such writes do not wait for each other unless they are for the same merchant:
/// each holds the write lock *shared* (every other write holds it exclusively, and so still runs
/// alone), the merchant's own lock, and, from its audit entries to its commit, the audit chain's
/// lock. Its audit entries are appended at its end ([`audit::Deferral`]), so that lock is held
/// for the last statements only. 16 inspectors logging at once queued on the one lock (each
/// write held it ~8 ms; docs/performance.md). On SQLite, which writes one transaction at a time,
/// it is [`write_tx`] with the audit entries written at the end too.
///
/// Inside another write (nested), it is that write's savepoint and lock, as [`write_tx`].
pub fn write_tx_for_merchant<T, E>(
    conn: &mut DbConn,
    merchant_id: i32,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if OPEN_WRITES.with(|n| n.get() > 0) {
        return write_tx(conn, f);
    }
    let deferral = audit::Deferral::begin();
    match conn {
        DbConn::Sqlite(_) => write_tx(conn, |c| {
            let out = f(c)?;
            deferral.append_now(c, None)?;
            Ok(out)
        }),
        DbConn::Postgresql(_) => {
            let _counted = CountWhenEnded::enter();
            let _shared = SharedWrite::enter();
            conn.transaction(|c| {
                c.batch_execute(&format!(
                    "SELECT pg_advisory_xact_lock_shared({WRITE_LOCK_KEY}), \
                     pg_advisory_xact_lock({MERCHANT_LOCK_SPACE}, {merchant_id})"
                ))?;
                let out = f(c)?;
                deferral.append_now(
                    c,
                    Some(&format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})")),
                )?;
                Ok(out)
            })
        }
    }
}

/// Marks this thread as inside a merchant's write, which holds the write lock shared: a write
/// nested in it must not ask for it exclusively (it would wait for the other merchants' writes,
/// which may wait for it).
struct SharedWrite;

thread_local! {
    static IN_SHARED_WRITE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl SharedWrite {
    fn enter() -> Self {
        IN_SHARED_WRITE.with(|s| s.set(true));
        SharedWrite
    }
}

impl Drop for SharedWrite {
    fn drop(&mut self) {
        IN_SHARED_WRITE.with(|s| s.set(false));
    }
}

/// A SQLite writer's turn: held from before its transaction begins until after it ends.
///
/// SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps
/// 1, 2, 5, 10 … 100 ms between looks at the lock. Under 16 concurrent writers that polling,
/// not the writes, made the slowest writes wait 200 ms (scripts/write-load.sh). Writers of one
/// process therefore queue on a mutex per database file, handed to the next in line when
/// released (`unlock_fair`); other processes (an import, a second server) still meet SQLite's own
/// lock and busy timeout. A writer that waits longer than the connection's busy timeout gets
/// "database is locked", as SQLite would answer (a 503).
struct WriterTurn(Option<parking_lot::ArcMutexGuard<parking_lot::RawMutex, ()>>);

/// The writers' queue of each SQLite database file this process has written to.
static WRITER_QUEUES: std::sync::LazyLock<
    parking_lot::Mutex<std::collections::HashMap<String, std::sync::Arc<parking_lot::Mutex<()>>>>,
> = std::sync::LazyLock::new(Default::default);

impl WriterTurn {
    /// Waits for this writer's turn on a SQLite database file; `None` on PostgreSQL (whose
    /// writers queue on the advisory lock) and on an in-memory or temporary database (one
    /// connection's own).
    fn wait(conn: &mut DbConn) -> QueryResult<Option<WriterTurn>> {
        #[derive(QueryableByName)]
        struct Main {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            file: Option<String>,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            busy: i64,
        }
        let DbConn::Sqlite(c) = conn else { return Ok(None) };
        let main: Main = diesel::sql_query(
            "SELECT (SELECT file FROM pragma_database_list WHERE name = 'main') AS file, \
             (SELECT timeout FROM pragma_busy_timeout) AS busy",
        )
        .get_result(c)?;
        let Some(file) = main.file.filter(|f| !f.is_empty()) else {
            return Ok(None);
        };
        let queue = WRITER_QUEUES.lock().entry(file).or_default().clone();
        let wait = std::time::Duration::from_millis(main.busy.max(0) as u64);
        match queue.try_lock_arc_for(wait) {
            Some(turn) => Ok(Some(WriterTurn(Some(turn)))),
            None => Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::Unknown,
                Box::new("database is locked (another writer of this server held it too long)".to_string()),
            )),
        }
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        if let Some(turn) = self.0.take() {
            parking_lot::ArcMutexGuard::unlock_fair(turn);
        }
    }
}

thread_local! {
    /// How deep this thread is in `write_tx` calls.
    static OPEN_WRITES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Counts a write transaction in [`WRITES_ENDED`] when the outermost one on this thread ends
/// (a nested one commits with it), after its commit, even if it unwinds: a reader that noted the
/// old count before its read then looks again.
struct CountWhenEnded;

impl CountWhenEnded {
    fn enter() -> Self {
        OPEN_WRITES.with(|n| n.set(n.get() + 1));
        CountWhenEnded
    }
}

impl Drop for CountWhenEnded {
    fn drop(&mut self) {
        let outermost = OPEN_WRITES.with(|n| {
            n.set(n.get().saturating_sub(1));
            n.get() == 0
        });
        if outermost {
            WRITES_ENDED.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// Rows a bulk insert puts in one SQLite statement (the backends bound the parameters of one
/// statement).
pub(crate) const ROWS_PER_INSERT: usize = 1_000;

/// `n` ids of `table` taken from its sequence (`SERIAL`'s `{table}_id_seq`, named as a constant:
/// `pg_get_serial_sequence` per row cost 5 % of an import), for rows written by `COPY` (which
/// returns none).
pub(crate) fn next_ids(c: &mut diesel::PgConnection, table: &str, n: usize) -> QueryResult<Vec<i32>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    let rows: Vec<Id> = diesel::sql_query(format!(
        "SELECT CAST(nextval('{table}_id_seq'::regclass) AS INTEGER) AS id FROM generate_series(1, $1)"
    ))
    .bind::<diesel::sql_types::BigInt, _>(n as i64)
    .load(c)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
