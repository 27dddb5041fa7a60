//! Administrators' pages: users (create, activate/deactivate) and the audit log (browse, filter,
//! verify).

use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use diesel::prelude::*;
use serde::Deserialize;

use super::error::FieldError;
use super::extract::{CsrfForm, Id};
use super::guard::{Admin, Require};
use super::{html, see_other, with_db, AppError, AppState, PageCtx};
use crate::db::models::audit::{self, AuditEntry, Verification};
use crate::db::schema::{audit_log, users};
use crate::domain::words::Role;
use crate::services::problem::Problem;
use crate::services::users::{self as accounts, add_user, AddUserError, UserChangeError, UserSpec};

/// The last run of the daily job as the audit page shows it (times in the deployment's zone).
pub struct DailyRunView {
    pub started: String,
    pub finished: String,
    /// The message key of the outcome.
    pub outcome_key: &'static str,
    pub failed: bool,
    pub as_of: String,
    pub summary: String,
    pub error: String,
}

impl DailyRunView {
    fn new(r: crate::db::models::job_run::JobRun, config: &crate::config::Config) -> Self {
        use crate::db::models::job_run::{FAILED, OK};
        let outcome_key = match r.outcome.as_str() {
            OK => "daily-ok",
            FAILED => "daily-failed",
            _ => "daily-running",
        };
        DailyRunView {
            started: config.local_time(r.started_at),
            finished: r.finished_at.map(|t| config.local_time(t)).unwrap_or_default(),
            outcome_key,
            failed: r.outcome == FAILED,
            as_of: r.as_of.to_string(),
            summary: r.summary.unwrap_or_default(),
            error: r.error.unwrap_or_default(),
        }
    }
}

/// A user as the admin list shows it.
pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub role: String,
    /// The role's catalogue key (`role.inspector`).
    pub role_key: String,
    pub merchant_id: String,
    pub active: bool,
    /// How many sessions of the user are live now.
    pub sessions: i64,
    /// The administrator looking at the list (their own account is changed on `/account`).
    pub own: bool,
}

/// The new-user form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct UserInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub merchant_id: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/users.html")]
pub struct UsersPage {
    page: PageCtx,
    users: Vec<UserRow>,
    errors: Vec<String>,
    /// What the last action did (a reset link sent, sessions ended).
    note: Option<String>,
    input: UserInput,
    roles: Vec<&'static str>,
    /// The roles a staff account can be given (a merchant account stays a merchant's).
    staff_roles: Vec<&'static str>,
}

async fn users_page(
    state: &AppState,
    page: PageCtx,
    errors: Vec<String>,
    input: UserInput,
) -> Result<UsersPage, AppError> {
    let limits = state.config.session_limits;
    type Row = (i32, String, Role, Option<i32>, bool);
    let (rows, counts) = with_db(state, move |c| {
        let rows: Vec<Row> = users::table
            .order(users::username.asc())
            .select((
                users::id,
                users::username,
                users::role,
                users::merchant_id,
                users::active,
            ))
            .load(c)?;
        let counts = crate::services::sessions::live_counts(c, crate::db::models::now_utc(), limits)?;
        Ok((rows, counts))
    })
    .await?;
    let me = page.user.clone().unwrap_or_default();
    let users = rows
        .into_iter()
        .map(|(id, username, role, merchant_id, active)| UserRow {
            own: username == me,
            id,
            username,
            role_key: format!("role-{role}"),
            role: role.to_string(),
            merchant_id: merchant_id.map(|m| m.to_string()).unwrap_or_default(),
            active,
            sessions: counts.get(&id).copied().unwrap_or(0),
        })
        .collect();
    Ok(UsersPage {
        page,
        users,
        errors,
        note: None,
        input,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        staff_roles: Role::ALL
            .iter()
            .filter(|r| r.is_staff())
            .map(|r| r.as_str())
            .collect(),
    })
}

/// GET /staff/users
pub async fn users_index(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Admin>,
) -> Result<UsersPage, AppError> {
    users_page(&state, page, vec![], UserInput::default()).await
}

fn user_error(e: &AddUserError) -> FieldError {
    let (field, zh) = match e {
        AddUserError::Role(_) => ("role", "请选择角色。"),
        AddUserError::Username => ("username", "用户名应为3到40个字母、数字或 . _ -。"),
        AddUserError::Taken(_) => ("username", "该用户名已被使用。"),
        AddUserError::Password(w) => {
            return Problem {
                field: "password".into(),
                message: w.message(),
            }
            .into()
        }
        AddUserError::MerchantLink => ("merchant_id", "商家用户必须填写所属商家编号，其他角色不填。"),
        AddUserError::NoMerchant(_) => ("merchant_id", "商家不存在。"),
        AddUserError::Other(_) => ("", ""),
    };
    FieldError {
        field: field.into(),
        zh: zh.into(),
        en: e.to_string(),
    }
}

/// POST /staff/users
pub async fn users_create(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Admin>,
    form: CsrfForm<UserInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let lang = page.lang;
    let merchant_id = match input.merchant_id.trim() {
        "" => Ok(None),
        s => s
            .parse::<i32>()
            .map(Some)
            .map_err(|_| AddUserError::NoMerchant(0)),
    };
    let actor = user.actor();
    let i = input.clone();
    let result = match merchant_id {
        Err(e) => Err(e),
        Ok(merchant_id) => {
            with_db(&state, move |c| {
                let spec = UserSpec {
                    username: i.username.trim(),
                    password: &i.password,
                    role: &i.role,
                    merchant_id,
                    display_name: "",
                    email: i.email.trim(),
                };
                Ok(add_user(c, &actor, &spec))
            })
            .await?
        }
    };
    match result {
        Ok(_) => Ok(see_other("/staff/users")),
        Err(AddUserError::Other(e)) => Err(AppError::Internal(e)),
        Err(e) => {
            let f = user_error(&e);
            let msg = lang.pick(&f.zh, &f.en).to_string();
            let input = UserInput {
                password: String::new(),
                ..input
            };
            let p = users_page(&state, page, vec![msg], input).await?;
            html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}

/// The activate/deactivate form.
#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

/// POST /staff/users/{id}/active: deactivation ends the user's sessions at once.
pub async fn users_set_active(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Admin>,
    id: Id,
    form: CsrfForm<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let active = match form.active.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(AppError::invalid(
                "active",
                "无效的取值。",
                "Must be true or false.",
            ))
        }
    };
    let actor = user.actor();
    let result = with_db(&state, move |c| Ok(accounts::set_active(c, &actor, id, active))).await?;
    user_change_done(&state, page, result.map(|_| None)).await
}

/// After an admin's change to a user: back to the list with a note, or the list with the
/// refusal (422).
async fn user_change_done(
    state: &AppState,
    page: PageCtx,
    result: Result<Option<String>, UserChangeError>,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(None) => Ok(see_other("/staff/users")),
        Ok(Some(note)) => {
            let mut p = users_page(state, page, vec![], UserInput::default()).await?;
            p.note = Some(note);
            html(actix_web::http::StatusCode::OK, &p)
        }
        Err(e) => {
            let msg = super::account::refused(page.lang, e)?;
            let p = users_page(state, page, vec![msg], UserInput::default()).await?;
            html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}

/// The change-role form.
#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// POST /staff/users/{id}/role: the user's sessions end; the new role applies at the next log-in.
pub async fn users_set_role(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Admin>,
    id: Id,
    form: CsrfForm<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let (actor, role) = (user.actor(), form.into_inner().role);
    let result = with_db(&state, move |c| Ok(accounts::set_role(c, &actor, id, &role))).await?;
    user_change_done(&state, page, result.map(|_| None)).await
}

/// POST /staff/users/{id}/sign-out: ends every session of the user.
pub async fn users_sign_out(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Admin>,
    id: Id,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let actor = user.actor();
    let lang = page.lang;
    let result = with_db(&state, move |c| Ok(accounts::sign_out_everywhere(c, &actor, id))).await?;
    let result = result.map(|n| Some(format!("{} {n}", lang.t("users-signed-out"))));
    user_change_done(&state, page, result).await
}

/// POST /staff/users/{id}/reset: the old password stops working, sessions end, and a link to
/// set a new one is emailed.
pub async fn users_force_reset(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Admin>,
    id: Id,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    if id == user.id {
        let e = UserChangeError::Own;
        return user_change_done(&state, page, Err(e)).await;
    }
    let actor = user.actor();
    let base = state.config.base_url.clone();
    let lang = page.lang;
    let result = with_db(&state, move |c| Ok(accounts::force_reset(c, &actor, id, &base))).await?;
    let result = result.map(|to| Some(format!("{} {to}", lang.t("users-reset-sent"))));
    user_change_done(&state, page, result).await
}

/// Audit log filters.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub actor: String,
    /// Show entries with ids below this (paging backwards).
    pub before: Option<i32>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/audit.html")]
pub struct AuditPage {
    page: PageCtx,
    verification: String,
    intact: bool,
    entries: Vec<super::staff_words::AuditRow>,
    q: AuditQuery,
    next: Option<i32>,
    daily: Option<DailyRunView>,
}

/// GET /staff/audit
pub async fn audit_index(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Admin>,
    q: web::Query<AuditQuery>,
) -> Result<AuditPage, AppError> {
    let q = q.into_inner();
    let (entity, action, actor, before) = (
        q.entity.trim().to_string(),
        q.action.trim().to_string(),
        q.actor.trim().to_string(),
        q.before,
    );
    let (entries, verification, daily) = with_db(&state, move |c| {
        let mut query = audit_log::table.into_boxed();
        if !entity.is_empty() {
            query = query.filter(audit_log::entity.eq(entity));
        }
        if !action.is_empty() {
            query = query.filter(audit_log::action.eq(action));
        }
        if !actor.is_empty() {
            query = query.filter(audit_log::actor_label.eq(actor));
        }
        if let Some(b) = before {
            query = query.filter(audit_log::id.lt(b));
        }
        let entries: Vec<AuditEntry> = query
            .order(audit_log::id.desc())
            .limit(100)
            .select(AuditEntry::as_select())
            .load(c)?;
        let daily = crate::services::daily::last_run(c)?;
        // The merchants' names, so the log says who rather than "merchant 14".
        let ids: Vec<i32> = entries
            .iter()
            .filter(|e| e.entity == "merchant")
            .filter_map(|e| e.entity_id.as_deref().and_then(|i| i.parse().ok()))
            .collect();
        let names: Vec<(i32, String)> = crate::db::schema::merchants::table
            .filter(crate::db::schema::merchants::id.eq_any(&ids))
            .select((
                crate::db::schema::merchants::id,
                crate::db::schema::merchants::name,
            ))
            .load(c)?;
        Ok(((entries, names), audit::verify(c)?, daily))
    })
    .await?;
    let daily = daily.map(|r| DailyRunView::new(r, &state.config));
    let lang = page.lang;
    let (intact, verification) = match verification {
        Verification::Intact { entries } => (true, format!("{} ({entries})", lang.t("audit-intact"))),
        Verification::Broken { entry_id, reason } => {
            (false, format!("{} {entry_id}: {reason}", lang.t("audit-broken")))
        }
    };
    let (entries, names) = entries;
    let next = if entries.len() == 100 {
        entries.last().map(|e| e.id)
    } else {
        None
    };
    let entries = entries
        .iter()
        .map(|e| super::staff_words::AuditRow::new(e, &names, lang, &state.config))
        .collect();
    Ok(AuditPage {
        page,
        verification,
        intact,
        entries,
        q,
        next,
        daily,
    })
}

/// The admin routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/staff/users")
            .route(web::get().to(users_index))
            .route(web::post().to(users_create)),
    )
    .service(web::resource("/staff/users/{id}/active").route(web::post().to(users_set_active)))
    .service(web::resource("/staff/users/{id}/role").route(web::post().to(users_set_role)))
    .service(web::resource("/staff/users/{id}/sign-out").route(web::post().to(users_sign_out)))
    .service(web::resource("/staff/users/{id}/reset").route(web::post().to(users_force_reset)))
    .service(web::resource("/staff/audit").route(web::get().to(audit_index)));
}
