//! Users and their roles; passwords are stored only as argon2 hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::users;
use crate::db::DbConn;
use crate::domain::words::Role;

/// A user as stored. `password_hash` never leaves the server.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub display_name: String,
    pub email: String,
    pub merchant_id: Option<i32>,
    pub language: String,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The fields a new user is created with.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub username: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub display_name: String,
    pub email: String,
    pub merchant_id: Option<i32>,
    pub created_at: NaiveDateTime,
    pub password_changed_at: Option<NaiveDateTime>,
}

impl User {
    /// Inserts a user and returns its id.
    pub fn insert(conn: &mut DbConn, u: &NewUser) -> QueryResult<i32> {
        crate::db::dispatch!(conn, |c| diesel::insert_into(users::table)
            .values(u)
            .returning(users::id)
            .get_result(c))
    }

    /// One user by user name.
    pub fn find_by_username(conn: &mut DbConn, name: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::username.eq(name))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    /// One user by id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    /// Records the outcome of a log-in attempt: a success clears the failure count, a failure
    /// increments it and, from the fifth in a row, locks the account for a growing while.
    pub fn record_login(
        conn: &mut DbConn,
        id: i32,
        ok: bool,
        failed_logins: i32,
        locked_until: Option<NaiveDateTime>,
    ) -> QueryResult<usize> {
        let (count, until) = if ok {
            (0, None)
        } else {
            (failed_logins, locked_until)
        };
        diesel::update(users::table.find(id))
            .set((users::failed_logins.eq(count), users::locked_until.eq(until)))
            .execute(conn)
    }
}
