//! Server-side sessions. The browser's cookie carries only a random session id; its SHA-256 hash,
//! the user, and the session's times live in the `sessions` table. So a session ends for good on
//! log-out, when its user is deactivated or changes password or role, when "sign out everywhere"
//! is used, after `idle` without a request, and `absolute` after it began — whatever the browser
//! (or someone who copied the cookie) still holds.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::models::user::User;
use crate::db::schema::{sessions, users};
use crate::db::DbConn;

pub use crate::config::SessionLimits;

/// `last_seen_at` is written at most this often per session, so a busy user's requests do not
/// each write a row.
const TOUCH_EVERY_SECS: i64 = 60;

/// Why sessions were ended (stored in `revoked_reason`, shown to admins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeReason {
    /// The user logged out.
    Logout,
    /// The user used "sign out everywhere".
    SignOutEverywhere,
    /// An administrator signed the user out everywhere.
    AdminSignOut,
    /// The account was deactivated.
    Deactivated,
    /// The password was changed (by its user or by a reset).
    PasswordChanged,
    /// An administrator forced a password reset.
    PasswordReset,
    /// The role was changed.
    RoleChanged,
}

impl RevokeReason {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            RevokeReason::Logout => "logout",
            RevokeReason::SignOutEverywhere => "sign_out_everywhere",
            RevokeReason::AdminSignOut => "admin_sign_out",
            RevokeReason::Deactivated => "deactivated",
            RevokeReason::PasswordChanged => "password_changed",
            RevokeReason::PasswordReset => "password_reset",
            RevokeReason::RoleChanged => "role_changed",
        }
    }
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session for `user`; returns the secret id to keep in the cookie (never stored).
pub fn start(
    conn: &mut DbConn,
    user_id: i32,
    user_agent: &str,
    now: NaiveDateTime,
    limits: SessionLimits,
) -> QueryResult<String> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let agent: String = user_agent.chars().take(200).collect();
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(hash(&token)),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(now + limits.absolute),
            sessions::user_agent.eq(agent),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The active user whose live session `token` names, or `None` when the session is unknown,
/// revoked, idle too long, past its absolute end, or its user is no longer active. Notes the
/// request in `last_seen_at` (at most once a minute).
pub fn validate(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
    limits: SessionLimits,
) -> QueryResult<Option<User>> {
    let found: Option<(i32, NaiveDateTime, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(hash(token)))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::active.eq(true))
        .select((sessions::id, sessions::last_seen_at, User::as_select()))
        .first(conn)
        .optional()?;
    let Some((id, last_seen, user)) = found else {
        return Ok(None);
    };
    if now - last_seen > limits.idle {
        return Ok(None);
    }
    if now - last_seen >= Duration::seconds(TOUCH_EVERY_SECS) {
        // A failed touch (a busy database) costs nothing but a slightly older `last_seen_at`.
        if let Err(e) = diesel::update(sessions::table.find(id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)
        {
            tracing::warn!(error = %e, "could not note the session's last request");
        }
    }
    Ok(Some(user))
}

/// Ends the session `token` names (log-out).
pub fn revoke(
    conn: &mut DbConn,
    token: &str,
    reason: RevokeReason,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::token_hash.eq(hash(token)))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Some(now)),
        sessions::revoked_reason.eq(Some(reason.code())),
    ))
    .execute(conn)
}

/// Ends every live session of `user_id`; returns how many. Call it inside the transaction that
/// made the change (deactivation, password, role) so both happen or neither.
pub fn revoke_all(
    conn: &mut DbConn,
    user_id: i32,
    reason: RevokeReason,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Some(now)),
        sessions::revoked_reason.eq(Some(reason.code())),
    ))
    .execute(conn)
}

/// A live session as its user or an administrator sees it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionInfo {
    pub id: i32,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub user_agent: String,
}

/// The sessions of `user_id` that are still live at `now`, newest first.
pub fn live_for_user(
    conn: &mut DbConn,
    user_id: i32,
    now: NaiveDateTime,
    limits: SessionLimits,
) -> QueryResult<Vec<SessionInfo>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - limits.idle))
        .order(sessions::last_seen_at.desc())
        .select(SessionInfo::as_select())
        .load(conn)
}

/// How many live sessions each user has (for the admin's user list).
pub fn live_counts(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limits: SessionLimits,
) -> QueryResult<std::collections::HashMap<i32, i64>> {
    let rows: Vec<(i32, i64)> = sessions::table
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - limits.idle))
        .group_by(sessions::user_id)
        .select((sessions::user_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Removes sessions that ended more than a week ago (the daily job calls it), so the table
/// holds live sessions and recent history only.
pub fn purge_old(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    let cutoff = now - Duration::days(7);
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(cutoff)
                .or(sessions::revoked_at.lt(cutoff))
                .or(sessions::last_seen_at.lt(cutoff)),
        ),
    )
    .execute(conn)
}
