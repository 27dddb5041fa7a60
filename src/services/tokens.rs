//! API bearer tokens: shown once at creation, stored only as a SHA-256 hash, revocable.

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
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token for `user`; returns (id, the plaintext token to show once).
pub fn create(conn: &mut DbConn, user: &User, name: &str) -> anyhow::Result<(i32, String)> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!("gz_{}", hex::encode(bytes));
    let hashed = hash(&token);
    let id = write_tx(conn, |c| -> anyhow::Result<i32> {
        let id: i32 = crate::dispatch!(c, |c| diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::user_id.eq(user.id),
                api_tokens::token_hash.eq(&hashed),
                api_tokens::name.eq(name),
                api_tokens::created_at.eq(now_utc()),
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
                after: Some(serde_json::json!({ "user_id": user.id, "name": name })),
            },
        )?;
        Ok(id)
    })?;
    Ok((id, token))
}

/// The active user a token belongs to, if the token is valid and not revoked.
pub fn authenticate(conn: &mut DbConn, token: &str) -> QueryResult<Option<User>> {
    let found: Option<(i32, User)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::active.eq(true))
        .select((api_tokens::id, User::as_select()))
        .first(conn)
        .optional()?;
    let Some((id, user)) = found else { return Ok(None) };
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(Some(now_utc())))
        .execute(conn)?;
    Ok(Some(user))
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
