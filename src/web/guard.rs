//! Who is asking: the logged-in user from the session, and the role check every staff handler
//! makes before doing anything.

use std::future::{ready, Ready};

use actix_session::SessionExt;
use actix_web::{dev::Payload, FromRequest, HttpRequest};

use super::{AppError, SESSION_ROLE, SESSION_USER, SESSION_USERNAME};
use crate::db::models::audit::Actor;

/// The logged-in user. Extracting it fails with 401 when nobody is logged in.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    pub role: String,
}

impl CurrentUser {
    /// Fails with 403 unless the user has one of `roles`.
    pub fn require(&self, roles: &[&str]) -> Result<(), AppError> {
        if roles.contains(&self.role.as_str()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The user as the audit log records them.
    pub fn actor(&self) -> Actor {
        Actor::user(self.id, &self.username)
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<CurrentUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let user = (|| {
            Some(CurrentUser {
                id: session.get::<i32>(SESSION_USER).ok()??,
                username: session.get::<String>(SESSION_USERNAME).ok()??,
                role: session.get::<String>(SESSION_ROLE).ok()??,
            })
        })();
        ready(user.ok_or(AppError::Unauthorized))
    }
}

/// Roles that run the alliance's lists.
pub const COMMITTEE: &[&str] = &["committee", "admin"];
