//! Key/value settings the program keeps for itself (the generated session secret).

use diesel::prelude::*;

use crate::db::schema::settings;
use crate::db::DbConn;

/// Reads a setting.
pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .filter(settings::key.eq(key))
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Stores `value` under `key` unless the key already has one; returns the stored value, so
/// two processes starting at once agree on the first writer's value.
pub fn get_or_insert(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<String> {
    conn.transaction(|c| {
        if let Some(v) = get(c, key)? {
            return Ok(v);
        }
        crate::db::dispatch!(c, |c| diesel::insert_into(settings::table)
            .values((settings::key.eq(key), settings::value.eq(value)))
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(get(c, key)?.unwrap_or_else(|| value.to_string()))
    })
}
