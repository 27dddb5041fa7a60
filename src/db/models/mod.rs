//! One file per aggregate: its row structs and the queries that read and write it.

pub mod audit;
pub mod inspection;
pub mod merchant;
pub mod notice;
pub mod settings;
pub mod training;
pub mod user;

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

/// Runs `f` in a transaction that holds the write lock from its first statement, so that the
/// audit chain (read the last hash, append the next) cannot fork under concurrent writers.
pub fn write_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|c| {
        let lock = match c {
            // A write statement takes SQLite's write lock now rather than at the first real
            // write, so the transaction never reads a snapshot it later cannot write on.
            DbConn::Sqlite(_) => "UPDATE settings SET value = value WHERE key = 'write-lock'",
            DbConn::Postgresql(_) => "SELECT pg_advisory_xact_lock(742801)",
        };
        c.batch_execute(lock)?;
        f(c)
    })
}
