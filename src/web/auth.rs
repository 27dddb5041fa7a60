//! Log-in and log-out pages, the session, and CSRF tokens.

use actix_session::Session;
use actix_web::{http::header, web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::client::client_ip;
use super::extract::CsrfForm;
use super::throttle::Family;
use super::{with_db, AppError, AppState, PageCtx, SESSION_CSRF, SESSION_ID};
use crate::domain::words::Role;
use crate::services::auth::{login, LoginError};

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    page: PageCtx,
    message: Option<&'static str>,
    username: String,
}

/// GET /login
pub async fn login_form(page: PageCtx) -> LoginPage {
    LoginPage {
        page,
        message: None,
        username: String::new(),
    }
}

/// The log-in form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// POST /login. Throttled per client address and per (address, user name) before the name is
/// looked up, so a name that exists and one that does not get the same answers.
pub async fn login_submit(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    session: Session,
    page: PageCtx,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let username = form.username.trim().to_string();
    let lang = page.lang;
    let fail = |page: PageCtx, key: &str, status: actix_web::http::StatusCode, username: String| {
        let body = LoginPage {
            message: Some(lang.t(key)),
            page,
            username,
        }
        .render()
        .map_err(|e| AppError::Internal(e.into()))?;
        Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body))
    };
    if username.is_empty() || form.password.is_empty() {
        return fail(
            page,
            "login-required",
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            username,
        );
    }
    let ip = client_ip(&req, &state.config);
    state.throttle.check(Family::Password, ip, Some(&username))?;
    let name = username.clone();
    let outcome = with_db(&state, move |c| Ok(login(c, &name, &form.password)?)).await?;
    match outcome {
        Ok(user) => {
            start_session(&state, &req, &session, &user).await?;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, home_of(user.role)))
                .finish())
        }
        Err(LoginError::BadCredentials) => fail(
            page,
            "login-failed",
            actix_web::http::StatusCode::UNAUTHORIZED,
            username,
        ),
    }
}

/// Starts a fresh server-side session for `user` (a new session row, a new cookie, a new CSRF
/// token); the cookie keeps only the session's secret id.
pub async fn start_session(
    state: &AppState,
    req: &actix_web::HttpRequest,
    session: &Session,
    user: &crate::db::models::user::User,
) -> Result<(), AppError> {
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (uid, limits) = (user.id, state.config.session_limits);
    let token = with_db(state, move |c| {
        Ok(crate::services::sessions::start(
            c,
            uid,
            &agent,
            crate::db::models::now_utc(),
            limits,
        )?)
    })
    .await?;
    session.renew();
    session
        .insert(SESSION_ID, &token)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    let _ = session.remove(SESSION_CSRF);
    Ok(())
}

/// Ends the browser's server-side session, if any (the row is revoked; a copy of the cookie
/// kept elsewhere no longer works), and forgets it in the browser.
pub async fn end_session(state: &AppState, session: &Session) -> Result<(), AppError> {
    if let Some(token) = session.get::<String>(SESSION_ID).unwrap_or(None) {
        with_db(state, move |c| {
            Ok(crate::services::sessions::revoke(
                c,
                &token,
                crate::services::sessions::RevokeReason::Logout,
                crate::db::models::now_utc(),
            )?)
        })
        .await?;
    }
    session.purge();
    Ok(())
}

/// Where a role lands after logging in: merchants in their portal, staff on their work queue.
pub fn home_of(role: Role) -> &'static str {
    if role == Role::Merchant {
        "/my"
    } else {
        "/staff"
    }
}

/// POST /logout
pub async fn logout(
    state: web::Data<AppState>,
    session: Session,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    end_session(&state, &session).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish())
}
