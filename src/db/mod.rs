//! The database: one connection type over SQLite and PostgreSQL, the pool, the embedded
//! migrations, the schema, and the queries per aggregate (`models`).
//!
//! Most queries are written once against [`DbConn`] (a diesel `MultiConnection`). Where
//! MultiConnection cannot express a query (upsert, `RETURNING`), [`dispatch!`] compiles the same
//! query once per backend.

pub mod models;
pub mod schema;
pub mod words;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{Backend, DatabaseUrl};

/// A connection to either backend; every query in the program runs on one of these.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// PostgreSQL, chosen by a `postgres://` URL.
    Postgresql(diesel::PgConnection),
    /// SQLite, the embedded default.
    Sqlite(diesel::SqliteConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection, compiling it once per backend:
/// the escape hatch for upsert and `RETURNING`, which `MultiConnection` cannot express.
macro_rules! dispatch {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Postgresql($c) => $body,
        }
    };
}
pub(crate) use dispatch;

/// Runs the reads of `f` as one read transaction on SQLite: one snapshot for all of them (a page
/// drawn from several queries shows one moment of the database) and one shared lock on the log
/// instead of one per statement. On PostgreSQL `f` runs as it is (each statement sees what was
/// committed when it began; a transaction would add two round trips). Not for writes: they go
/// through [`models::write_tx`].
pub fn reading<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    match conn {
        DbConn::Sqlite(_) => conn.transaction(f),
        DbConn::Postgresql(_) => f(conn),
    }
}

/// A query whose SQL text depends on how many values it binds (`eq_any` of a list: on SQLite
/// `IN (?, ?, …)`), kept prepared by its text. diesel prepares such a query anew on every run
/// (a quarter of a search's time went to preparing its page's `IN`); keyed by its text, a
/// connection keeps one statement per list length instead.
#[derive(Debug, Clone, Copy)]
pub struct KeepPrepared<Q>(pub Q);

impl<Q> diesel::query_builder::QueryId for KeepPrepared<Q> {
    type QueryId = ();
    // No type id: the statement cache keys the query by its text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for KeepPrepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, DB> diesel::query_builder::QueryFragment<DB> for KeepPrepared<Q>
where
    DB: diesel::backend::Backend,
    Q: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for KeepPrepared<Q> {}

/// The pool every request and job draws from.
pub type Pool = r2d2::Pool<ConnManager>;
/// A connection checked out of the [`Pool`].
pub type PooledConn = r2d2::PooledConnection<ConnManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Opens connections of the backend the URL names, so a wrong password shows PostgreSQL's own
/// error (diesel's derived `establish` tries every backend and hides the real cause).
#[derive(Clone, Debug)]
pub struct ConnManager {
    url: DatabaseUrl,
    options: PoolOptions,
}

impl ConnManager {
    /// A manager for `url`, with the default [`PoolOptions`].
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            options: PoolOptions::default(),
        }
    }
}

/// How the pool behaves when the database is slow or away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolOptions {
    /// Connections kept open (SQLite gets at least two).
    pub max_size: u32,
    /// How long a request waits for a free connection before it is answered 503: short, so that
    /// while the database is unreachable requests fail fast instead of hanging
    /// (`GONGZHI_DB_WAIT_MS`).
    pub wait: Duration,
    /// How long a SQLite writer waits for another's write lock before "database is locked", a
    /// 503 (`GONGZHI_DB_BUSY_TIMEOUT_MS`).
    pub busy_timeout: Duration,
    /// How much of a SQLite database file each connection reads through memory mapping
    /// (`PRAGMA mmap_size`; 0 = none). The server maps it (`GONGZHI_SQLITE_MMAP_MB`): its
    /// connections then read pages straight from the operating system's cache, shared by all of
    /// them, instead of copying them into each connection's own cache (with SQLite's scalar
    /// version query, uncached records 2.6 → 3.9 % of `/livez` on the 100,000-merchant database;
    /// docs/performance.md). Commands run from the shell do not:
    /// a full recompute reads the whole file, whose mapped pages would count in its resident
    /// memory.
    pub sqlite_mmap_bytes: u64,
    /// The size in pages past which a SQLite writer copies the write-ahead log into the database
    /// at its commit, fsyncs included, while every other writer waits (`PRAGMA
    /// wal_autocheckpoint`; SQLite's default is 1,000). The server sets it to
    /// [`SERVER_WAL_AUTOCHECKPOINT`].
    pub sqlite_wal_autocheckpoint: u32,
}

/// [`PoolOptions::sqlite_wal_autocheckpoint`] of the server, whose own thread copies the log
/// (`spawn_wal_checkpoints`) as it grows: past 65,536 pages (256 MiB) a committing writer
/// checkpoints too, and by then little is left for it to copy. 16 inspectors logging at once
/// write ~25 pages a logged inspection. At 1,000 pages a writer checkpointed many times a second;
/// at 16,384, with the thread copying only every 200 ms, the writers' checkpoints (and their
/// fsyncs, in a request's turn) were the slowest requests' wait (scripts/write-load.sh,
/// docs/performance.md).
pub const SERVER_WAL_AUTOCHECKPOINT: u32 = 65_536;

impl PoolOptions {
    /// The settings `config` asks for, with `max_size` connections.
    pub fn from_config(config: &crate::config::Config, max_size: u32) -> Self {
        Self {
            max_size,
            wait: config.db_wait,
            busy_timeout: config.db_busy_timeout,
            ..Self::default()
        }
    }
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 8,
            wait: Duration::from_millis(1000),
            busy_timeout: Duration::from_millis(10_000),
            sqlite_mmap_bytes: 0,
            sqlite_wal_autocheckpoint: 1_000,
        }
    }
}

/// Opens one connection of the backend `url` selects, with SQLite's pragmas applied.
pub fn establish(url: &DatabaseUrl) -> Result<DbConn, diesel::ConnectionError> {
    establish_with(url, &PoolOptions::default())
}

/// SQLite's page cache per connection, in KiB (`PRAGMA cache_size = -N`).
pub const SQLITE_CACHE_KIB: i64 = 64 * 1024;

/// Opens one connection with the busy (lock) timeout of `options` and, on SQLite, its memory
/// mapping and checkpoint size.
pub fn establish_with(url: &DatabaseUrl, options: &PoolOptions) -> Result<DbConn, diesel::ConnectionError> {
    let PoolOptions {
        busy_timeout,
        sqlite_mmap_bytes,
        sqlite_wal_autocheckpoint,
        ..
    } = *options;
    match url.backend {
        Backend::Sqlite => {
            let mut c = diesel::SqliteConnection::establish(&url.target)?;
            // WAL lets readers run beside the writer; the busy timeout makes a second writer
            // wait instead of failing; foreign keys are off in SQLite unless asked for; the
            // statement journals of multi-row writes stay in memory instead of temporary files
            // (a tenth of a 1,000,000-row import's time went to writing them).
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -{SQLITE_CACHE_KIB}; \
                 PRAGMA temp_store = MEMORY; PRAGMA mmap_size = {sqlite_mmap_bytes}; \
                 PRAGMA wal_autocheckpoint = {sqlite_wal_autocheckpoint};",
                busy_timeout.as_millis()
            ))
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(DbConn::Sqlite(c))
        }
        Backend::Postgres => {
            let mut c = diesel::PgConnection::establish(&url.target)?;
            // The lock timeout is PostgreSQL's busy timeout: a writer waiting longer than that
            // for the write lock (`write_tx`'s advisory lock) gives up with a 503 rather than
            // hanging for as long as an import holds it. (0 would mean "wait forever".)
            c.batch_execute(&format!(
                "SET TIME ZONE 'UTC'; SET lock_timeout = {}",
                busy_timeout.as_millis().max(1)
            ))
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(DbConn::Postgresql(c))
        }
    }
}

impl ManageConnection for ConnManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        establish_with(&self.url, &self.options).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    /// A connection left inside a transaction (a rollback that failed, e.g. while the database
    /// was locked or away) is dropped, never handed to the next request.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

/// Errors opening the database, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    /// The pool could not open a first connection.
    #[error("cannot open the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(String),
}

/// Builds the pool with the default [`PoolOptions`] and `max_size` connections.
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, DbSetupError> {
    build_pool_with(
        url,
        PoolOptions {
            max_size,
            ..PoolOptions::default()
        },
    )
}

/// Builds the pool and checks that a connection can be made, returning the backend's own error
/// when it cannot. Afterwards the pool reconnects by itself when the database comes back.
pub fn build_pool_with(url: &DatabaseUrl, options: PoolOptions) -> Result<Pool, DbSetupError> {
    // Try one connection by hand first: r2d2 only reports "timed out" when it cannot connect.
    establish_with(url, &options).map_err(|e| DbSetupError::Connect(e.to_string().trim().to_string()))?;
    let size = match url.backend {
        Backend::Sqlite => options.max_size.max(2),
        Backend::Postgres => options.max_size.max(1),
    };
    // Not `build`: it waits `options.wait` (1 s) for *every* connection to open, and on a busy
    // machine (a CI run's parallel tests on two cores) eight PostgreSQL connections took longer
    // than that, so a healthy database failed to start with "timed out waiting for connection".
    // The pool fills itself in the background; the start waits for one connection only, with
    // time enough for a loaded machine (the database answered a moment ago).
    let pool = r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(options.wait)
        .build_unchecked(ConnManager {
            url: url.clone(),
            options,
        });
    pool.get_timeout(options.wait.max(FIRST_CONNECTION_WAIT))
        .map_err(|e| DbSetupError::Connect(e.to_string()))?;
    Ok(pool)
}

/// How long [`build_pool_with`] waits at least for the pool's first connection.
const FIRST_CONNECTION_WAIT: Duration = Duration::from_secs(30);

/// Runs every pending migration of the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, DbSetupError> {
    let ran = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
    };
    ran.map_err(|e| DbSetupError::Migrate(e.to_string()))
}

/// Runs the pending migrations up to and including `version` (the folder name's date part,
/// `2026-11-30-000005`), so a test can write rows in that schema's format before the next
/// migration converts them. Returns how many ran.
pub fn run_migrations_to(conn: &mut DbConn, version: &str) -> Result<usize, DbSetupError> {
    fn up_to<DB: diesel::backend::Backend, C: MigrationHarness<DB>>(
        c: &mut C,
        source: EmbeddedMigrations,
        version: &str,
    ) -> diesel::migration::Result<usize> {
        let wanted = version.replace('-', "");
        let mut ran = 0;
        for m in c.pending_migrations(source)? {
            if m.name().version().to_string().replace('-', "") > wanted {
                break;
            }
            c.run_migration(&*m)?;
            ran += 1;
        }
        Ok(ran)
    }
    let ran = match conn {
        DbConn::Sqlite(c) => up_to(c, SQLITE_MIGRATIONS, version),
        DbConn::Postgresql(c) => up_to(c, POSTGRES_MIGRATIONS, version),
    };
    ran.map_err(|e| DbSetupError::Migrate(e.to_string()))
}

/// Reverts every migration (used by the migration round-trip test).
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<(), DbSetupError> {
    let res = match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConn::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    res.map_err(|e| DbSetupError::Migrate(e.to_string()))
}

#[derive(QueryableByName)]
struct Mark {
    #[diesel(sql_type = diesel::sql_types::Text)]
    mark: String,
}

/// A mark that changes whenever anyone commits a change to the database after the last call on
/// this connection: on SQLite `PRAGMA data_version`, which moves when another connection (of this
/// process or another) commits — so `conn` must be a connection of its own that writes nothing;
/// on PostgreSQL the current snapshot (`xmin:xmax:running`), which moves when a transaction that
/// wrote gets its id or ends. It can also move without a change (PostgreSQL's `ANALYZE` writes
/// statistics): a mark that stays the same is what counts. Outside any transaction.
pub fn change_mark(conn: &mut DbConn) -> diesel::QueryResult<String> {
    let sql = match conn {
        DbConn::Sqlite(_) => "SELECT CAST(data_version AS TEXT) AS mark FROM pragma_data_version",
        DbConn::Postgresql(_) => "SELECT pg_current_snapshot()::text AS mark",
    };
    let m: Mark = diesel::sql_query(sql).get_result(conn)?;
    Ok(m.mark)
}

/// Which backend a connection talks to.
pub fn backend_of(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Sqlite(_) => Backend::Sqlite,
        DbConn::Postgresql(_) => Backend::Postgres,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds SQLite with the query planner stability guarantee: without it
    /// every statement diesel binds a `LIMIT` to is parsed again on each run.
    #[test]
    fn sqlite_is_built_with_a_stable_query_planner() {
        let mut c = diesel::SqliteConnection::establish(":memory:").unwrap();
        let opts: Vec<CompileOption> = diesel::sql_query("PRAGMA compile_options").load(&mut c).unwrap();
        assert!(
            opts.iter().any(|o| o.compile_options == "ENABLE_QPSG"),
            "SQLite was built without SQLITE_ENABLE_QPSG (LIBSQLITE3_FLAGS in .cargo/config.toml)"
        );
    }

    /// A short wait for a free connection must not make a healthy database fail to open while
    /// the pool is still filling: r2d2's `build` waited that long for all of them, and a CI run
    /// on a busy machine failed to start with "timed out waiting for connection".
    #[test]
    fn a_pool_opens_even_when_filling_it_takes_longer_than_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let url =
            crate::config::DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("p.db").display()))
                .unwrap();
        // 64 connections, each with its pragmas, cannot all open within a millisecond.
        let options = PoolOptions {
            max_size: 64,
            wait: Duration::from_millis(1),
            ..PoolOptions::default()
        };
        let pool = build_pool_with(&url, options).expect("the pool opens");
        let mut conn = pool.get_timeout(Duration::from_secs(30)).expect("a connection");
        conn.batch_execute("SELECT 1").unwrap();
    }
}
