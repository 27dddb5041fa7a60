//! Who is asking: the logged-in user of the request's server-side session, and the role check
//! every staff handler makes before doing anything.
//!
//! [`load_user`] (middleware) looks the session id from the cookie up in the `sessions` table
//! once per request, together with the user's row, and puts the [`CurrentUser`] in the request's
//! extensions; a revoked, idle or expired session, or a deactivated user, leaves nobody logged in
//! and the cookie is cleared. Requests without a session id (visitors) never touch the database.

use std::future::{ready, Ready};

use actix_session::SessionExt;
use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};

use super::{AppError, AppState, SESSION_ID};
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

impl CurrentUser {
    /// The logged-in user of this request, as [`load_user`] found them.
    pub fn of(req: &HttpRequest) -> Option<CurrentUser> {
        req.extensions().get::<CurrentUser>().cloned()
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<CurrentUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(CurrentUser::of(req).ok_or(AppError::Unauthorized))
    }
}

/// Middleware (via `from_fn`, inside the session middleware): resolves the session id in the
/// cookie to its live session and active user, or forgets it.
pub async fn load_user(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    // Static files and probes need no user: no database round trip for them.
    let path = req.path();
    let needs_user =
        !(path.starts_with("/static/") || path == "/favicon.ico" || path == "/livez" || path == "/healthz");
    let session = req.get_session();
    let token = if needs_user {
        session.get::<String>(SESSION_ID).unwrap_or(None)
    } else {
        None
    };
    if let Some(token) = token {
        let state = req
            .app_data::<actix_web::web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
        let limits = state.config.session_limits;
        let found = super::with_db(&state, move |c| {
            Ok(crate::services::sessions::validate(
                c,
                &token,
                crate::db::models::now_utc(),
                limits,
            )?)
        })
        .await?;
        match found {
            Some(user) => {
                req.extensions_mut().insert(CurrentUser {
                    id: user.id,
                    username: user.username,
                    role: user.role,
                });
            }
            None => {
                // Ended elsewhere (log-out, revocation, timeout): the browser forgets the id.
                session.remove(SESSION_ID);
            }
        }
    }
    next.call(req).await
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

/// The merchant the logged-in user belongs to; 403 for anyone else.
pub async fn merchant_of(state: &AppState, user: &CurrentUser) -> Result<i32, AppError> {
    if user.role != "merchant" {
        return Err(AppError::Forbidden);
    }
    let uid = user.id;
    super::with_db(state, move |c| Ok(crate::db::models::user::User::find(c, uid)?))
        .await?
        .filter(|u| u.active)
        .and_then(|u| u.merchant_id)
        .ok_or(AppError::Forbidden)
}
