//! Creating users (the CLI's `user add`, the demo, and later the admin pages).

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::Merchant;
use crate::db::models::user::{NewUser, User};
use crate::db::models::{now_utc, write_tx};
use crate::db::DbConn;

/// The roles a user can have.
pub const ROLES: &[&str] = &["admin", "committee", "inspector", "merchant"];

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error("unknown role {0:?}: use one of admin, committee, inspector, merchant")]
    Role(String),
    #[error("user name must be 3–40 letters, digits, '.', '_' or '-'")]
    Username,
    #[error("user name {0:?} is taken")]
    Taken(String),
    #[error("password must be at least 10 characters")]
    Password,
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

/// Validates and creates a user, with its audit entry; returns the new id.
pub fn add_user(conn: &mut DbConn, actor: &Actor, spec: &UserSpec<'_>) -> Result<i32, AddUserError> {
    let UserSpec {
        username,
        password,
        role,
        merchant_id,
        display_name,
        email,
    } = *spec;
    if !ROLES.contains(&role) {
        return Err(AddUserError::Role(role.into()));
    }
    let ok_name = (3..=40).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok_name {
        return Err(AddUserError::Username);
    }
    if password.chars().count() < 10 {
        return Err(AddUserError::Password);
    }
    if (role == "merchant") != merchant_id.is_some() {
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
            role: role.into(),
            display_name: display_name.into(),
            email: email.into(),
            merchant_id,
            created_at: now_utc(),
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
