//! One-time links, stored only as a SHA-256 hash and sent through the outbox like every other
//! email: sign-in links for the merchant portal (purpose `login`, valid 15 minutes), and the
//! links an administrator's forced password reset sends to any user (purpose `reset`, valid
//! 24 hours). Both are single use.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::Merchant;
use crate::db::models::user::User;
use crate::db::models::write_tx;
use crate::db::schema::{login_links, users};
use crate::db::DbConn;
use crate::domain::words::Role;
use crate::mail::outbox::{enqueue, NewMail};
use crate::mail::render::{self, LoginLinkMail};

/// How long a link works.
pub const VALID_MINUTES: i64 = 15;
/// How long a password-reset link works.
pub const RESET_VALID_HOURS: i64 = 24;
/// At most this many unused, unexpired links per account (so the form cannot flood a mailbox).
pub const MAX_ACTIVE: i64 = 3;

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What happened to a request (the page says the same thing in every case, so the form does not
/// reveal which accounts exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// A link was queued to this address.
    Sent(String),
    /// No active merchant account with an address matches.
    NoSuchAccount,
    /// Too many links are already out.
    TooMany,
}

/// Finds the active merchant account `ident` names (user name or email, case-insensitive for
/// the email) and the address the link goes to.
fn find_account(conn: &mut DbConn, ident: &str) -> QueryResult<Option<(User, String)>> {
    let ident = ident.trim();
    if ident.is_empty() {
        return Ok(None);
    }
    let candidates: Vec<User> = users::table
        .filter(users::role.eq(Role::Merchant))
        .filter(users::active.eq(true))
        .filter(
            users::username
                .eq(ident)
                .or(users::email.eq(ident.to_lowercase()))
                .or(users::email.eq(ident)),
        )
        .order(users::id)
        .select(User::as_select())
        .limit(2)
        .load(conn)?;
    let Some(user) = candidates.into_iter().next() else {
        return Ok(None);
    };
    Ok(address_of(conn, &user)?.map(|a| (user, a)))
}

/// Where a user's links go: the account's email, or for a merchant account without one, its
/// merchant's.
pub fn address_of(conn: &mut DbConn, user: &User) -> QueryResult<Option<String>> {
    if !user.email.trim().is_empty() {
        return Ok(Some(user.email.trim().to_string()));
    }
    Ok(match user.merchant_id {
        Some(m) => Merchant::find(conn, m)?
            .map(|m| m.email.trim().to_string())
            .filter(|e| !e.is_empty()),
        None => None,
    })
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Creates a password-reset link for `user` and queues its email to `address`; call it inside
/// the transaction that forces the reset. Earlier unused reset links stop working.
pub fn send_reset(
    c: &mut DbConn,
    user: &User,
    address: &str,
    base_url: &str,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    diesel::update(
        login_links::table
            .filter(login_links::user_id.eq(user.id))
            .filter(login_links::purpose.eq("reset"))
            .filter(login_links::used_at.is_null()),
    )
    .set(login_links::used_at.eq(Some(now)))
    .execute(c)?;
    let token = new_token();
    diesel::insert_into(login_links::table)
        .values((
            login_links::user_id.eq(user.id),
            login_links::token_hash.eq(hash(&token)),
            login_links::expires_at.eq(now + Duration::hours(RESET_VALID_HOURS)),
            login_links::purpose.eq("reset"),
        ))
        .execute(c)?;
    let rendered = render::password_reset(&render::PasswordResetMail {
        username: user.username.clone(),
        link: format!("{}/login/reset/{token}", base_url.trim_end_matches('/')),
        valid_hours: RESET_VALID_HOURS,
    })?;
    enqueue(
        c,
        NewMail {
            kind: "password.reset",
            to: address,
            notice_id: None,
            rendered,
        },
        base_url,
    )?;
    Ok(())
}

fn live_reset(c: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<Option<(i32, User)>> {
    let found: Option<(i32, i32)> = login_links::table
        .filter(login_links::token_hash.eq(hash(token)))
        .filter(login_links::purpose.eq("reset"))
        .filter(login_links::used_at.is_null())
        .filter(login_links::expires_at.gt(now))
        .select((login_links::id, login_links::user_id))
        .first(c)
        .optional()?;
    let Some((link_id, user_id)) = found else {
        return Ok(None);
    };
    Ok(User::find(c, user_id)?.filter(|u| u.active).map(|u| (link_id, u)))
}

/// The active user a live reset link belongs to (does not use it up).
pub fn peek_reset(c: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<Option<User>> {
    Ok(live_reset(c, token, now)?.map(|(_, u)| u))
}

/// Uses up a live reset link; of two concurrent uses only one wins.
pub fn use_reset(c: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<Option<User>> {
    let Some((link_id, user)) = live_reset(c, token, now)? else {
        return Ok(None);
    };
    Ok(use_up(c, link_id, now)?.then_some(user))
}

/// Marks a link used; false when another request used it first (the update is conditional on
/// `used_at IS NULL`, so of two concurrent uses only one wins).
fn use_up(c: &mut DbConn, link_id: i32, now: NaiveDateTime) -> QueryResult<bool> {
    let used = diesel::update(
        login_links::table
            .find(link_id)
            .filter(login_links::used_at.is_null()),
    )
    .set(login_links::used_at.eq(Some(now)))
    .execute(c)?;
    Ok(used == 1)
}

/// Creates a link for the account `ident` names and queues its email, in one transaction.
pub fn request(
    conn: &mut DbConn,
    ident: &str,
    base_url: &str,
    now: NaiveDateTime,
) -> anyhow::Result<Requested> {
    write_tx(conn, |c| {
        let Some((user, address)) = find_account(c, ident)? else {
            return Ok(Requested::NoSuchAccount);
        };
        let active: i64 = login_links::table
            .filter(login_links::user_id.eq(user.id))
            .filter(login_links::purpose.eq("login"))
            .filter(login_links::used_at.is_null())
            .filter(login_links::expires_at.gt(now))
            .count()
            .get_result(c)?;
        if active >= MAX_ACTIVE {
            return Ok(Requested::TooMany);
        }
        let token = new_token();
        let expires = now + Duration::minutes(VALID_MINUTES);
        diesel::insert_into(login_links::table)
            .values((
                login_links::user_id.eq(user.id),
                login_links::token_hash.eq(hash(&token)),
                login_links::expires_at.eq(expires),
            ))
            .execute(c)?;
        let rendered = render::login_link(&LoginLinkMail {
            username: user.username.clone(),
            link: format!("{}/login/link/{token}", base_url.trim_end_matches('/')),
            valid_minutes: VALID_MINUTES,
        })?;
        enqueue(
            c,
            NewMail {
                kind: "login.link",
                to: &address,
                notice_id: None,
                rendered,
            },
            base_url,
        )?;
        audit::append(
            c,
            &Actor::user(user.id, &user.username),
            Change {
                action: "login_link.requested",
                entity: "user",
                entity_id: Some(user.id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "expires_at": expires })),
            },
        )?;
        Ok(Requested::Sent(address))
    })
}

/// Whether `token` is a live link (for the confirmation page; does not use it up).
pub fn is_live(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n: i64 = login_links::table
        .filter(login_links::token_hash.eq(hash(token)))
        .filter(login_links::purpose.eq("login"))
        .filter(login_links::used_at.is_null())
        .filter(login_links::expires_at.gt(now))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Uses up `token` and returns its account, if the link is live and the account active. Only
/// one of two concurrent uses wins (the update is conditional on `used_at IS NULL`).
pub fn consume(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> anyhow::Result<Option<User>> {
    write_tx(conn, |c| {
        let h = hash(token);
        let link: Option<(i32, i32)> = login_links::table
            .filter(login_links::token_hash.eq(&h))
            .filter(login_links::purpose.eq("login"))
            .filter(login_links::used_at.is_null())
            .filter(login_links::expires_at.gt(now))
            .select((login_links::id, login_links::user_id))
            .first(c)
            .optional()?;
        let Some((link_id, user_id)) = link else {
            return Ok(None);
        };
        if !use_up(c, link_id, now)? {
            return Ok(None);
        }
        let Some(user) = User::find(c, user_id)?.filter(|u| u.active && u.role == Role::Merchant) else {
            return Ok(None);
        };
        audit::append(
            c,
            &Actor::user(user.id, &user.username),
            Change {
                action: "login_link.used",
                entity: "user",
                entity_id: Some(user.id.to_string()),
                before: None,
                after: None,
            },
        )?;
        Ok(Some(user))
    })
}

/// How long the sign-in link in the email approving a membership works: the merchant may read
/// it days later, and it is the account's first way in.
pub const WELCOME_VALID_DAYS: i64 = 7;

/// Creates a sign-in link for `user_id` valid until `expires_at`, inside the caller's
/// transaction (which queues the email that carries it); returns the link's token.
pub fn issue(c: &mut DbConn, user_id: i32, expires_at: NaiveDateTime) -> QueryResult<String> {
    let token = new_token();
    diesel::insert_into(login_links::table)
        .values((
            login_links::user_id.eq(user_id),
            login_links::token_hash.eq(hash(&token)),
            login_links::expires_at.eq(expires_at),
        ))
        .execute(c)?;
    Ok(token)
}
