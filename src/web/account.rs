//! Every user's own account: change the password, see the live sessions and API tokens, sign
//! out everywhere; and the page a forced password reset's emailed link opens.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::auth::{end_session, start_session};
use super::extract::CsrfForm;
use super::guard::CurrentUser;
use super::{html, see_other, with_db, AppError, AppState, Lang, PageCtx};
use crate::db::models::now_utc;
use crate::services::users::{self, UserChangeError};

/// A live session as listed.
pub struct SessionRow {
    pub started: String,
    pub last_seen: String,
    pub expires: String,
    pub agent: String,
}

/// An API token as listed.
pub struct TokenRow {
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    pub expires: Option<String>,
    pub revoked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/account.html")]
pub struct AccountPage {
    page: PageCtx,
    username: String,
    role: String,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    errors: Vec<String>,
    changed: bool,
}

async fn account_page(
    state: &AppState,
    page: PageCtx,
    user: &CurrentUser,
    errors: Vec<String>,
    changed: bool,
) -> Result<AccountPage, AppError> {
    let (uid, limits) = (user.id, state.config.session_limits);
    let (sessions, tokens) = with_db(state, move |c| {
        Ok((
            crate::services::sessions::live_for_user(c, uid, now_utc(), limits)?,
            crate::services::tokens::list_for_user(c, uid)?,
        ))
    })
    .await?;
    let cfg = &state.config;
    Ok(AccountPage {
        username: user.username.clone(),
        role: page.lang.t(&format!("role-{}", user.role)).to_string(),
        sessions: sessions
            .into_iter()
            .map(|s| SessionRow {
                started: cfg.local_time(s.created_at),
                last_seen: cfg.local_time(s.last_seen_at),
                expires: cfg.local_time(s.expires_at),
                agent: s.user_agent,
            })
            .collect(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                name: t.name,
                created: cfg.local_time(t.created_at),
                last_used: t.last_used_at.map(|d| cfg.local_time(d)),
                expires: t.expires_at.map(|d| cfg.local_time(d)),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        page,
        errors,
        changed,
    })
}

/// `?changed=1` after a password change.
#[derive(Deserialize, Default)]
pub struct AccountQuery {
    #[serde(default)]
    changed: String,
}

/// GET /account
pub async fn show(
    state: web::Data<AppState>,
    page: PageCtx,
    user: CurrentUser,
    q: web::Query<AccountQuery>,
) -> Result<AccountPage, AppError> {
    account_page(&state, page, &user, vec![], q.changed == "1").await
}

/// The password-change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// The message for a refused change, in the page's language.
fn change_message(lang: Lang, e: &UserChangeError) -> String {
    let (zh, en) = match e {
        UserChangeError::WrongPassword => ("当前密码不正确。", "The current password is wrong."),
        UserChangeError::Mismatch => ("两次输入的新密码不一致。", "The two new passwords differ."),
        UserChangeError::Weak(w) => return w.message().render(lang),
        UserChangeError::NotFound => ("用户不存在。", "No such user."),
        UserChangeError::Role => ("无效的角色。", "Not a valid role for this account."),
        UserChangeError::Own => (
            "管理员不能对自己的账号执行此操作。",
            "An administrator cannot do this to their own account.",
        ),
        UserChangeError::NoEmail => (
            "该用户没有邮箱地址，无法发送重置链接。请先为其填写邮箱。",
            "The user has no email address to send the reset link to.",
        ),
        UserChangeError::Other(_) => ("", ""),
    };
    lang.pick(zh, en).to_string()
}

/// Turns a refused change into a 422 with its message, and anything else into an error.
pub fn refused(lang: Lang, e: UserChangeError) -> Result<String, AppError> {
    match e {
        UserChangeError::Other(e) => Err(AppError::Internal(e)),
        UserChangeError::NotFound => Err(AppError::NotFound),
        e => Ok(change_message(lang, &e)),
    }
}

/// POST /account/password: the other sessions end; this browser gets a fresh one.
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    page: PageCtx,
    user: CurrentUser,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let uid = user.id;
    let result = with_db(&state, move |c| {
        Ok(users::change_password(c, uid, &f.current, &f.new, &f.confirm))
    })
    .await?;
    match result {
        Ok(()) => {
            let fresh = with_db(&state, move |c| {
                crate::db::models::user::User::find(c, uid)?.ok_or(AppError::NotFound)
            })
            .await?;
            start_session(&state, &req, &session, &fresh).await?;
            Ok(see_other("/account?changed=1"))
        }
        Err(e) => {
            let msg = refused(page.lang, e)?;
            let p = account_page(&state, page, &user, vec![msg], false).await?;
            html(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}

/// POST /account/sign-out-everywhere: every session of the user ends, this one included.
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let (actor, uid) = (user.actor(), user.id);
    with_db(&state, move |c| {
        users::sign_out_everywhere(c, &actor, uid).map_err(|e| match e {
            UserChangeError::NotFound => AppError::NotFound,
            e => AppError::Internal(anyhow::anyhow!(e)),
        })
    })
    .await?;
    end_session(&state, &session).await?;
    Ok(see_other("/login"))
}

#[derive(Template, WebTemplate)]
#[template(path = "account/reset.html")]
pub struct ResetPage {
    page: PageCtx,
    token: String,
    username: String,
    live: bool,
    done: bool,
    errors: Vec<String>,
}

/// A reset token as it appears in links: 64 hex digits.
fn token_ok(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// GET /login/reset/{token}: the new-password form, or 410 when the link no longer works.
pub async fn reset_form(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let user = if token_ok(&token) {
        let t = token.clone();
        with_db(&state, move |c| {
            Ok(crate::services::login_links::peek_reset(c, &t, now_utc())?)
        })
        .await?
    } else {
        None
    };
    let status = if user.is_some() {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    html(
        status,
        &ResetPage {
            page,
            live: user.is_some(),
            username: user.map(|u| u.username).unwrap_or_default(),
            token,
            done: false,
            errors: vec![],
        },
    )
}

/// The new-password form.
#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// POST /login/reset/{token}: sets the new password and uses the link up.
pub async fn reset_submit(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
    form: CsrfForm<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let f = form.into_inner();
    let t = token.clone();
    let result = if token_ok(&token) {
        with_db(&state, move |c| {
            Ok(users::reset_password(c, &t, &f.new, &f.confirm))
        })
        .await?
    } else {
        Ok(None)
    };
    let lang = page.lang;
    let (status, live, done, username, errors) = match result {
        Ok(Some(u)) => (StatusCode::OK, false, true, u.username, vec![]),
        Ok(None) => (StatusCode::GONE, false, false, String::new(), vec![]),
        Err(e) => {
            let msg = refused(lang, e)?;
            let t = token.clone();
            let name = with_db(&state, move |c| {
                Ok(crate::services::login_links::peek_reset(c, &t, now_utc())?)
            })
            .await?
            .map(|u| u.username)
            .unwrap_or_default();
            (StatusCode::UNPROCESSABLE_ENTITY, true, false, name, vec![msg])
        }
    };
    html(
        status,
        &ResetPage {
            page,
            token,
            username,
            live,
            done,
            errors,
        },
    )
}

/// Registers the account routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account").route(web::get().to(show)))
        .service(web::resource("/account/password").route(web::post().to(change_password)))
        .service(web::resource("/account/sign-out-everywhere").route(web::post().to(sign_out_everywhere)))
        .service(
            web::resource("/login/reset/{token}")
                .route(web::get().to(reset_form))
                .route(web::post().to(reset_submit)),
        );
}
