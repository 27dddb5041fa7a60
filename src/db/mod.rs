//! The database: one connection type over SQLite and PostgreSQL, the pool, the embedded
//! migrations, the schema, and the queries per aggregate (`models`).
//!
//! Most queries are written once against [`DbConn`] (a diesel `MultiConnection`). Where
//! MultiConnection cannot express a query (upsert, `RETURNING`), [`dispatch!`] compiles the same
//! query once per backend.

pub mod models;
pub mod schema;

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
#[macro_export]
macro_rules! dispatch {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Postgresql($c) => $body,
        }
    };
}

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
}

impl ConnManager {
    /// A manager for `url`.
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

/// Opens one connection of the backend `url` selects, with SQLite's pragmas applied.
pub fn establish(url: &DatabaseUrl) -> Result<DbConn, diesel::ConnectionError> {
    match url.backend {
        Backend::Sqlite => {
            let mut c = diesel::SqliteConnection::establish(&url.target)?;
            // WAL lets readers run beside the writer; the busy timeout makes a second writer
            // wait instead of failing; foreign keys are off in SQLite unless asked for.
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;",
            )
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(DbConn::Sqlite(c))
        }
        Backend::Postgres => {
            let mut c = diesel::PgConnection::establish(&url.target)?;
            c.batch_execute("SET TIME ZONE 'UTC'")
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(DbConn::Postgresql(c))
        }
    }
}

impl ManageConnection for ConnManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        establish(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
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

/// Builds the pool and checks that a connection can be made, returning the backend's own error
/// when it cannot.
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, DbSetupError> {
    // Try one connection by hand first: r2d2 only reports "timed out" when it cannot connect.
    establish(url).map_err(|e| DbSetupError::Connect(e.to_string().trim().to_string()))?;
    let size = match url.backend {
        Backend::Sqlite => max_size.max(2),
        Backend::Postgres => max_size,
    };
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(30))
        .build(ConnManager::new(url.clone()))
        .map_err(|e| DbSetupError::Connect(e.to_string()))
}

/// Runs every pending migration of the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, DbSetupError> {
    let ran = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
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

/// Which backend a connection talks to.
pub fn backend_of(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Sqlite(_) => Backend::Sqlite,
        DbConn::Postgresql(_) => Backend::Postgres,
    }
}
