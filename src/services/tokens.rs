//! API bearer tokens: shown once at creation, stored only as a SHA-256 hash, revocable, with
//! an optional expiry and the date they were last used.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::user::User;
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{api_tokens, users};
use crate::db::DbConn;

/// A token as listed (never the secret itself).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = api_tokens)]
pub struct TokenInfo {
    pub id: i32,
    pub user_id: i32,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token for `user`, working until `expires_at` (or until revoked when `None`);
/// returns (id, the plaintext token to show once).
pub fn create(
    conn: &mut DbConn,
    user: &User,
    name: &str,
    expires_at: Option<NaiveDateTime>,
) -> anyhow::Result<(i32, String)> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!("gz_{}", hex::encode(bytes));
    let hashed = hash(&token);
    let id = write_tx(conn, |c| -> anyhow::Result<i32> {
        let id: i32 = crate::db::dispatch!(c, |c| diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::user_id.eq(user.id),
                api_tokens::token_hash.eq(&hashed),
                api_tokens::name.eq(name),
                api_tokens::created_at.eq(now_utc()),
                api_tokens::expires_at.eq(expires_at),
            ))
            .returning(api_tokens::id)
            .get_result(c))?;
        audit::append(
            c,
            &Actor::user(user.id, &user.username),
            Change {
                action: "token.create",
                entity: "api_token",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(
                    serde_json::json!({ "user_id": user.id, "name": name, "expires_at": expires_at }),
                ),
            },
        )?;
        Ok(id)
    })?;
    Ok((id, token))
}

/// The active user a token belongs to, if the token is valid, not revoked and not expired.
/// Notes the use in `last_used_at` (at most once a minute, so a busy client does not write on
/// every request).
pub fn authenticate(conn: &mut DbConn, token: &str) -> QueryResult<Option<User>> {
    let now = now_utc();
    let found: Option<(i32, Option<NaiveDateTime>, User)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
        .filter(users::active.eq(true))
        .select((api_tokens::id, api_tokens::last_used_at, User::as_select()))
        .first(conn)
        .optional()?;
    let Some((id, last_used, user)) = found else {
        return Ok(None);
    };
    if last_used.is_none_or(|t| now - t >= chrono::Duration::seconds(60)) {
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::last_used_at.eq(Some(now)))
            .execute(conn)?;
    }
    Ok(Some(user))
}

/// A user's tokens, newest first (for the account page).
pub fn list_for_user(conn: &mut DbConn, user_id: i32) -> QueryResult<Vec<TokenInfo>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id.desc())
        .select(TokenInfo::as_select())
        .load(conn)
}

/// Revokes one of `actor`'s tokens (admins may revoke anyone's); false when there is no such
/// token for them.
pub fn revoke(conn: &mut DbConn, actor: &Actor, is_admin: bool, token_id: i32) -> anyhow::Result<bool> {
    write_tx(conn, |c| {
        let owner: Option<i32> = api_tokens::table
            .find(token_id)
            .filter(api_tokens::revoked_at.is_null())
            .select(api_tokens::user_id)
            .first(c)
            .optional()?;
        match owner {
            Some(o) if is_admin || Some(o) == actor.user_id => {
                diesel::update(api_tokens::table.find(token_id))
                    .set(api_tokens::revoked_at.eq(Some(now_utc())))
                    .execute(c)?;
                audit::append(
                    c,
                    actor,
                    Change {
                        action: "token.revoke",
                        entity: "api_token",
                        entity_id: Some(token_id.to_string()),
                        before: None,
                        after: None,
                    },
                )?;
                Ok(true)
            }
            _ => Ok(false),
        }
    })
}
