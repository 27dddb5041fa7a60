//! Who is asking: the logged-in user of the request's server-side session, and the role check
//! every staff handler makes before doing anything — as extractors, so that the check is part
//! of the handler's signature: [`Require`] for a session user with one of a [`RoleSet`],
//! [`ApiRequire`] for an API caller, [`MerchantUser`] for a merchant's portal.
//!
//! [`load_user`] (middleware) looks the session id from the cookie up in the `sessions` table
//! once per request, together with the user's row, and puts the [`CurrentUser`] in the request's
//! extensions; a revoked, idle or expired session, or a deactivated user, leaves nobody logged in
//! and the cookie is cleared. Requests without a session id (visitors) never touch the database.

use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_session::SessionExt;
use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};

use super::{AppError, AppState, SESSION_ID};
use crate::db::models::audit::Actor;
use crate::domain::words::Role;

/// The logged-in user. Extracting it fails with 401 when nobody is logged in.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    pub role: Role,
}

impl CurrentUser {
    /// Fails with 403 unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
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

/// The roles a handler allows: the type parameter of [`Require`] and [`ApiRequire`].
pub trait RoleSet {
    /// The allowed roles.
    const ROLES: &'static [Role];

    /// Whether `role` is one of them (for pages that only show a button to some roles).
    fn allows(role: Role) -> bool {
        Self::ROLES.contains(&role)
    }
}

/// Roles that inspect merchants and see everything staff see: inspectors, the committee,
/// administrators.
pub struct Staff;
impl RoleSet for Staff {
    const ROLES: &'static [Role] = &[Role::Inspector, Role::Committee, Role::Admin];
}

/// Roles that run the alliance's lists, rewards, trainings and commendations.
pub struct Committee;
impl RoleSet for Committee {
    const ROLES: &'static [Role] = &[Role::Committee, Role::Admin];
}

/// Roles that log and correct inspections: inspectors and administrators.
pub struct Loggers;
impl RoleSet for Loggers {
    const ROLES: &'static [Role] = &[Role::Inspector, Role::Admin];
}

/// Administrators only.
pub struct Admin;
impl RoleSet for Admin {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// The logged-in user, when their role is one of `R`: a handler that takes `Require<Staff>`
/// cannot run for a visitor (401) or for a merchant (403). Derefs to the [`CurrentUser`].
#[derive(Debug, Clone)]
pub struct Require<R: RoleSet>(pub CurrentUser, PhantomData<R>);

impl<R: RoleSet> Require<R> {
    /// `user`, when `R` allows their role; 403 otherwise.
    pub fn check(user: CurrentUser) -> Result<Self, AppError> {
        user.require(R::ROLES)?;
        Ok(Require(user, PhantomData))
    }
}

impl<R: RoleSet> std::ops::Deref for Require<R> {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

impl<R: RoleSet> FromRequest for Require<R> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            CurrentUser::of(req)
                .ok_or(AppError::Unauthorized)
                .and_then(Self::check),
        )
    }
}

/// An API caller (bearer token) whose role is one of `R`; fails as JSON with 401 or 403.
#[derive(Debug, Clone)]
pub struct ApiRequire<R: RoleSet>(pub ApiUser, PhantomData<R>);

impl<R: RoleSet> std::ops::Deref for ApiRequire<R> {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

impl<R: RoleSet + 'static> FromRequest for ApiRequire<R> {
    type Error = super::ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, super::ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = ApiUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            user.require(R::ROLES)?;
            Ok(ApiRequire(user, PhantomData))
        })
    }
}

/// A merchant's portal user with the merchant they belong to: 401 for a visitor, 403 for staff
/// or for a merchant account that lost its merchant.
#[derive(Debug, Clone)]
pub struct MerchantUser {
    /// The logged-in user.
    pub user: CurrentUser,
    /// Their merchant.
    pub merchant_id: i32,
}

impl std::ops::Deref for MerchantUser {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}

impl FromRequest for MerchantUser {
    type Error = AppError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = CurrentUser::of(req);
        let state = req.app_data::<actix_web::web::Data<AppState>>().cloned();
        Box::pin(async move {
            let user = user.ok_or(AppError::Unauthorized)?;
            if user.role != Role::Merchant {
                return Err(AppError::Forbidden);
            }
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
            let merchant_id = merchant_of(&state, &user).await?;
            Ok(MerchantUser { user, merchant_id })
        })
    }
}

/// The merchant the logged-in user belongs to; 403 for anyone else.
pub async fn merchant_of(state: &AppState, user: &CurrentUser) -> Result<i32, AppError> {
    if user.role != Role::Merchant {
        return Err(AppError::Forbidden);
    }
    let uid = user.id;
    super::with_db(state, move |c| Ok(crate::db::models::user::User::find(c, uid)?))
        .await?
        .filter(|u| u.active)
        .and_then(|u| u.merchant_id)
        .ok_or(AppError::Forbidden)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::test::TestRequest;
    use actix_web::ResponseError;

    fn as_role(role: Option<Role>) -> HttpRequest {
        let req = TestRequest::default().to_http_request();
        if let Some(role) = role {
            req.extensions_mut().insert(CurrentUser {
                id: 7,
                username: "someone".into(),
                role,
            });
        }
        req
    }

    async fn status<R: RoleSet>(role: Option<Role>) -> StatusCode {
        match Require::<R>::extract(&as_role(role)).await {
            Ok(user) => {
                assert_eq!(user.id, 7);
                StatusCode::OK
            }
            Err(e) => e.status_code(),
        }
    }

    /// The statuses `Require<R>` answers for admin, committee, inspector, merchant, and nobody.
    async fn answers<R: RoleSet>() -> Vec<u16> {
        let mut out = Vec::new();
        for role in Role::ALL.map(Some).into_iter().chain([None]) {
            out.push(status::<R>(role).await.as_u16());
        }
        out
    }

    #[actix_web::test]
    async fn require_lets_in_exactly_its_roles() {
        assert_eq!(answers::<Staff>().await, [200, 200, 200, 403, 401]);
        assert_eq!(answers::<Committee>().await, [200, 200, 403, 403, 401]);
        assert_eq!(answers::<Loggers>().await, [200, 403, 200, 403, 401]);
        assert_eq!(answers::<Admin>().await, [200, 403, 403, 403, 401]);
        assert!(Committee::allows(Role::Admin) && !Committee::allows(Role::Inspector));
    }

    #[actix_web::test]
    async fn a_merchant_user_must_be_a_logged_in_merchant() {
        // Refused before any database is needed: nobody, or a staff role.
        let e = MerchantUser::extract(&as_role(None)).await.unwrap_err();
        assert_eq!(e.status_code(), StatusCode::UNAUTHORIZED);
        let e = MerchantUser::extract(&as_role(Some(Role::Admin)))
            .await
            .unwrap_err();
        assert_eq!(e.status_code(), StatusCode::FORBIDDEN);
    }
}
