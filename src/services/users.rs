//! Users: creating them (the CLI's `user add`, the demo, the admin page), their passwords
//! (change, forced reset), roles and activation. Every change that affects what a user may do
//! ends the user's sessions in the same transaction as its audit entry.

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::Merchant;
use crate::db::models::user::{NewUser, User};
use crate::db::models::{now_utc, write_tx};
use crate::db::DbConn;
use crate::domain::words::Role;
use crate::services::sessions::{self, RevokeReason};

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error("unknown role {0:?}: use one of admin, committee, inspector, merchant")]
    Role(String),
    #[error("user name must be 3–40 letters, digits, '.', '_' or '-'")]
    Username,
    #[error("user name {0:?} is taken")]
    Taken(String),
    #[error("{0}")]
    Password(crate::services::auth::WeakPassword),
    #[error("a merchant user needs --merchant ID (and only merchant users have one)")]
    MerchantLink,
    #[error("no merchant with id {0}")]
    NoMerchant(i32),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for AddUserError {
    fn from(e: diesel::result::Error) -> Self {
        AddUserError::Other(e.into())
    }
}

/// What a new user is made of, before validation.
#[derive(Clone, Copy, Debug)]
pub struct UserSpec<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: &'a str,
    pub merchant_id: Option<i32>,
    pub display_name: &'a str,
    pub email: &'a str,
}

/// Validates and creates a user, with its audit entry; returns the new id. The password must
/// pass [`check_password_strength`](crate::services::auth::check_password_strength).
pub fn add_user(conn: &mut DbConn, actor: &Actor, spec: &UserSpec<'_>) -> Result<i32, AddUserError> {
    create(conn, actor, spec, true)
}

/// Creates a user without judging the password's strength: only for the demo town, whose
/// password is published anyway (and which `serve` refuses to expose on a public address).
pub(crate) fn add_user_unchecked_password(
    conn: &mut DbConn,
    actor: &Actor,
    spec: &UserSpec<'_>,
) -> Result<i32, AddUserError> {
    create(conn, actor, spec, false)
}

fn create(conn: &mut DbConn, actor: &Actor, spec: &UserSpec<'_>, strong: bool) -> Result<i32, AddUserError> {
    let UserSpec {
        username,
        password,
        role,
        merchant_id,
        display_name,
        email,
    } = *spec;
    let Ok(role) = role.parse::<Role>() else {
        return Err(AddUserError::Role(role.into()));
    };
    let ok_name = (3..=40).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok_name {
        return Err(AddUserError::Username);
    }
    if strong {
        crate::services::auth::check_password_strength(password, username).map_err(AddUserError::Password)?;
    } else if password.chars().count() < crate::services::auth::MIN_PASSWORD_CHARS {
        return Err(AddUserError::Password(
            crate::services::auth::WeakPassword::TooShort,
        ));
    }
    if (role == Role::Merchant) != merchant_id.is_some() {
        return Err(AddUserError::MerchantLink);
    }
    let hash = crate::services::auth::hash_password(password)?;
    write_tx(conn, |c| {
        if let Some(mid) = merchant_id {
            if Merchant::find(c, mid)?.is_none() {
                return Err(AddUserError::NoMerchant(mid));
            }
        }
        if User::find_by_username(c, username)?.is_some() {
            return Err(AddUserError::Taken(username.into()));
        }
        let new = NewUser {
            username: username.into(),
            password_hash: hash,
            role,
            display_name: display_name.into(),
            email: email.into(),
            merchant_id,
            created_at: now_utc(),
            password_changed_at: Some(now_utc()),
        };
        let id = User::insert(c, &new)?;
        audit::append(
            c,
            actor,
            Change {
                action: "user.create",
                entity: "user",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::to_value(&new).map_err(anyhow::Error::from)?),
            },
        )?;
        Ok(id)
    })
}

/// Why a user change was refused.
#[derive(Debug, thiserror::Error)]
pub enum UserChangeError {
    /// No such user.
    #[error("no such user")]
    NotFound,
    /// The current password given was wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    /// The new password is too weak.
    #[error("{0}")]
    Weak(crate::services::auth::WeakPassword),
    /// The two new passwords differ.
    #[error("the two new passwords differ")]
    Mismatch,
    /// An unknown role.
    #[error("unknown role")]
    Role,
    /// An administrator may not demote or deactivate their own account.
    #[error("an administrator cannot do this to their own account")]
    Own,
    /// A password reset needs an email address to send the link to.
    #[error("the user has no email address")]
    NoEmail,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for UserChangeError {
    fn from(e: diesel::result::Error) -> Self {
        UserChangeError::Other(e.into())
    }
}

fn find_user(c: &mut DbConn, id: i32) -> Result<User, UserChangeError> {
    User::find(c, id)?.ok_or(UserChangeError::NotFound)
}

fn set_hash(c: &mut DbConn, id: i32, hash: &str, now: chrono::NaiveDateTime) -> diesel::QueryResult<usize> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::password_changed_at.eq(Some(now)),
        ))
        .execute(c)
}

/// A user changes their own password: the current one must be right and the new one strong.
/// Every session of the user ends (the caller starts a fresh one for the browser that asked),
/// in one transaction with the audit entry.
pub fn change_password(
    conn: &mut DbConn,
    user_id: i32,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), UserChangeError> {
    let user = find_user(conn, user_id)?;
    if !crate::services::auth::verify_password(current, &user.password_hash) {
        return Err(UserChangeError::WrongPassword);
    }
    if new != confirm {
        return Err(UserChangeError::Mismatch);
    }
    crate::services::auth::check_password_strength(new, &user.username).map_err(UserChangeError::Weak)?;
    let hash = crate::services::auth::hash_password(new)?;
    let now = now_utc();
    write_tx(conn, |c| {
        set_hash(c, user_id, &hash, now)?;
        let ended = sessions::revoke_all(c, user_id, RevokeReason::PasswordChanged, now)?;
        audit::append(
            c,
            &Actor::user(user.id, &user.username),
            Change {
                action: "user.password_changed",
                entity: "user",
                entity_id: Some(user_id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "sessions_ended": ended })),
            },
        )?;
        Ok(())
    })
}

/// Activates or deactivates a user; deactivation ends every session at once.
pub fn set_active(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i32,
    active: bool,
) -> Result<(), UserChangeError> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    if actor.user_id == Some(user_id) && !active {
        return Err(UserChangeError::Own);
    }
    let now = now_utc();
    write_tx(conn, |c| {
        let before = find_user(c, user_id)?.active;
        diesel::update(users::table.find(user_id))
            .set(users::active.eq(active))
            .execute(c)?;
        let ended = if active {
            0
        } else {
            sessions::revoke_all(c, user_id, RevokeReason::Deactivated, now)?
        };
        audit::append(
            c,
            actor,
            Change {
                action: "user.set_active",
                entity: "user",
                entity_id: Some(user_id.to_string()),
                before: Some(serde_json::json!({ "active": before })),
                after: Some(serde_json::json!({ "active": active, "sessions_ended": ended })),
            },
        )?;
        Ok(())
    })
}

/// Changes a user's role; the user's sessions end, so the new role applies from the next log-in.
pub fn set_role(conn: &mut DbConn, actor: &Actor, user_id: i32, role: &str) -> Result<(), UserChangeError> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    let Ok(role) = role.parse::<Role>() else {
        return Err(UserChangeError::Role);
    };
    if actor.user_id == Some(user_id) {
        return Err(UserChangeError::Own);
    }
    let now = now_utc();
    write_tx(conn, |c| {
        let user = find_user(c, user_id)?;
        // A merchant account belongs to one merchant, and only merchant accounts do.
        if (role == Role::Merchant) != user.merchant_id.is_some() {
            return Err(UserChangeError::Role);
        }
        if user.role == role {
            return Ok(());
        }
        diesel::update(users::table.find(user_id))
            .set(users::role.eq(role))
            .execute(c)?;
        let ended = sessions::revoke_all(c, user_id, RevokeReason::RoleChanged, now)?;
        audit::append(
            c,
            actor,
            Change {
                action: "user.set_role",
                entity: "user",
                entity_id: Some(user_id.to_string()),
                before: Some(serde_json::json!({ "role": user.role })),
                after: Some(serde_json::json!({ "role": role, "sessions_ended": ended })),
            },
        )?;
        Ok(())
    })
}

/// Ends every session of a user: "sign out everywhere", by the user (`actor` is the user) or by
/// an administrator acting on them. Returns how many sessions ended.
pub fn sign_out_everywhere(conn: &mut DbConn, actor: &Actor, user_id: i32) -> Result<usize, UserChangeError> {
    let reason = if actor.user_id == Some(user_id) {
        RevokeReason::SignOutEverywhere
    } else {
        RevokeReason::AdminSignOut
    };
    let now = now_utc();
    write_tx(conn, |c| {
        find_user(c, user_id)?;
        let ended = sessions::revoke_all(c, user_id, reason, now)?;
        audit::append(
            c,
            actor,
            Change {
                action: "user.signed_out_everywhere",
                entity: "user",
                entity_id: Some(user_id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "sessions_ended": ended })),
            },
        )?;
        Ok(ended)
    })
}

/// An administrator forces a password reset: the old password stops working at once, every
/// session ends, and a one-time link to set a new password is emailed to the user — all in one
/// transaction with its audit entry and outbox row. Returns the address the link went to.
pub fn force_reset(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i32,
    base_url: &str,
) -> Result<String, UserChangeError> {
    let now = now_utc();
    write_tx(conn, |c| {
        let user = find_user(c, user_id)?;
        let address = crate::services::login_links::address_of(c, &user)?.ok_or(UserChangeError::NoEmail)?;
        // No password verifies against this value: the account can only be entered through the
        // link until its user sets a new password.
        set_hash(c, user_id, "!reset", now)?;
        let ended = sessions::revoke_all(c, user_id, RevokeReason::PasswordReset, now)?;
        crate::services::login_links::send_reset(c, &user, &address, base_url, now)?;
        audit::append(
            c,
            actor,
            Change {
                action: "user.password_reset_forced",
                entity: "user",
                entity_id: Some(user_id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "sessions_ended": ended })),
            },
        )?;
        Ok(address)
    })
}

/// Sets a new password through a reset link: the link is used up, the password set, every
/// session ended, in one transaction. `Ok(None)` when the link is not live.
pub fn reset_password(
    conn: &mut DbConn,
    token: &str,
    new: &str,
    confirm: &str,
) -> Result<Option<User>, UserChangeError> {
    let now = now_utc();
    let Some(user) = crate::services::login_links::peek_reset(conn, token, now)? else {
        return Ok(None);
    };
    if new != confirm {
        return Err(UserChangeError::Mismatch);
    }
    crate::services::auth::check_password_strength(new, &user.username).map_err(UserChangeError::Weak)?;
    let hash = crate::services::auth::hash_password(new)?;
    write_tx(conn, |c| {
        let Some(user) = crate::services::login_links::use_reset(c, token, now)? else {
            return Ok(None);
        };
        set_hash(c, user.id, &hash, now)?;
        sessions::revoke_all(c, user.id, RevokeReason::PasswordChanged, now)?;
        audit::append(
            c,
            &Actor::user(user.id, &user.username),
            Change {
                action: "user.password_reset",
                entity: "user",
                entity_id: Some(user.id.to_string()),
                before: None,
                after: None,
            },
        )?;
        Ok(Some(user))
    })
}
