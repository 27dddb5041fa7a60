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

/// An API caller, authenticated by `Authorization: Bearer gz_…` (see `POST /api/v1/tokens`).
/// Cookies are not accepted on the API, so API writes need no CSRF token.
#[derive(Debug, Clone)]
pub struct ApiUser(pub CurrentUser);

impl std::ops::Deref for ApiUser {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

impl FromRequest for ApiUser {
    type Error = super::ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<ApiUser, super::ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let state = req.app_data::<actix_web::web::Data<super::AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(AppError::Unauthorized.into());
            };
            let user = super::with_db(&state, move |c| {
                Ok(crate::services::tokens::authenticate(c, &token)?)
            })
            .await?
            .ok_or(AppError::Unauthorized)?;
            Ok(ApiUser(CurrentUser {
                id: user.id,
                username: user.username,
                role: user.role,
            }))
        })
    }
}

/// Roles that run the alliance's lists.
pub const COMMITTEE: &[&str] = &["committee", "admin"];
/// Roles that inspect merchants and log inspections.
pub const STAFF: &[&str] = &["inspector", "committee", "admin"];
/// Administrators only.
pub const ADMIN: &[&str] = &["admin"];
