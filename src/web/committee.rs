//! The committee's pages: training sessions and attendance (培训), rewards and their ledger (奖励).
//! Browser forms and JSON share one validation function each.

use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDate;
use serde::Deserialize;

use super::error::FieldError;
use super::extract::{CsrfForm, Id};
use super::guard::{ApiRequire, Committee, CurrentUser, Require};
use super::{html, see_other, with_db, ApiError, AppError, AppState, Lang, PageCtx};
use crate::domain::money::{format_fen, parse_yuan};
use crate::services::rewards::{self, Grant, GrantError, Ledger};
use crate::services::trainings::{self, AttendanceError, TrainingDetails, TrainingRow};

fn field(field: &str, zh: &str, en: &str) -> FieldError {
    FieldError {
        field: field.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

fn parse_date(field_name: &str, s: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) if d.year_ce().1 >= 2000 => Some(d),
        _ => {
            errors.push(field(
                field_name,
                "日期格式应为 YYYY-MM-DD。",
                "Use a date like 2026-11-26.",
            ));
            None
        }
    }
}

use chrono::Datelike;

/// A training session as typed.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct TrainingInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub held_on: String,
    /// Hours as typed, e.g. "2.5".
    #[serde(default)]
    pub hours: String,
    /// Branch training: the place (optional).
    #[serde(default)]
    pub place: String,
    /// Branch training: the local start time, "HH:MM" (optional).
    #[serde(default)]
    pub starts_at: String,
    /// Branch training: seats as typed (empty = no limit).
    #[serde(default)]
    pub capacity: String,
    /// Branch training: a short description (optional).
    #[serde(default)]
    pub description: String,
}

fn fluent_field(name: &str, id: &str) -> FieldError {
    field(name, Lang::Zh.t(id), Lang::En.t(id))
}

/// Branch training: validates a training's place, start time, capacity and description.
pub fn validate_details(i: &TrainingInput) -> Result<TrainingDetails, Vec<FieldError>> {
    let mut e = Vec::new();
    let place = i.place.trim().to_string();
    if place.chars().count() > 100 {
        e.push(fluent_field("place", "signup-err-place"));
    }
    let starts_at = i.starts_at.trim();
    let starts_at = if starts_at.is_empty() {
        String::new()
    } else {
        match chrono::NaiveTime::parse_from_str(starts_at, "%H:%M") {
            Ok(t) => t.format("%H:%M").to_string(),
            Err(_) => {
                e.push(fluent_field("starts_at", "signup-err-starts"));
                String::new()
            }
        }
    };
    let capacity = match i.capacity.trim() {
        "" => None,
        c => match c.parse::<i32>() {
            Ok(n) if (1..=10_000).contains(&n) => Some(n),
            _ => {
                e.push(fluent_field("capacity", "signup-err-capacity"));
                None
            }
        },
    };
    let description = i.description.trim().to_string();
    if description.chars().count() > 500 {
        e.push(fluent_field("description", "signup-err-description"));
    }
    if e.is_empty() {
        Ok(TrainingDetails {
            place,
            starts_at,
            capacity,
            description,
        })
    } else {
        Err(e)
    }
}

/// Validates a training session: (title, date, hours in tenths).
pub fn validate_training(
    i: &TrainingInput,
    today: NaiveDate,
) -> Result<(String, NaiveDate, i32), Vec<FieldError>> {
    let mut e = Vec::new();
    let title = i.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 100 {
        e.push(field(
            "title",
            "请填写培训主题（不超过100字）。",
            "Enter a title (at most 100 characters).",
        ));
    }
    let date = parse_date("held_on", &i.held_on, &mut e);
    if date.is_some_and(|d| d > today + chrono::Duration::days(366)) {
        e.push(field("held_on", "日期太远。", "The date is too far ahead."));
    }
    // Hours with at most one decimal, stored in tenths: parse as money-like decimal exactly
    // (0.5 to 24 hours is 5 to 240 tenths).
    let hours = match parse_yuan(&i.hours) {
        Ok(fen) if (fen as u64).is_multiple_of(10) && (5..=240).contains(&(fen / 10)) => {
            Some((fen / 10) as i32)
        }
        _ => {
            e.push(field(
                "hours",
                "学时应在 0.5 到 24 之间，最多一位小数。",
                "Hours must be 0.5 to 24, one decimal at most.",
            ));
            None
        }
    };
    match (date, hours) {
        (Some(d), Some(h)) if e.is_empty() => Ok((title, d, h)),
        _ => Err(e),
    }
}

/// Entry (issue 16): a training's hours must fit its day: with a start time, it ends by
/// midnight (a session of 8 hours cannot start at 20:00). Hours are in tenths.
pub fn check_span(hours_tenths: i32, starts_at: &str) -> Result<(), FieldError> {
    let Ok(start) = chrono::NaiveTime::parse_from_str(starts_at, "%H:%M") else {
        return Ok(());
    };
    let start_minutes = chrono::Timelike::num_seconds_from_midnight(&start) as i32 / 60;
    let left_tenths = (24 * 60 - start_minutes) / 6;
    if hours_tenths > left_tenths {
        let max = format!("{}.{}", left_tenths / 10, left_tenths % 10);
        return Err(field(
            "hours",
            &Lang::Zh.tr(
                "entry-hours-span",
                &[
                    ("start", starts_at.to_string().into()),
                    ("max", max.clone().into()),
                ],
            ),
            &Lang::En.tr(
                "entry-hours-span",
                &[("start", starts_at.to_string().into()), ("max", max.into())],
            ),
        ));
    }
    Ok(())
}

/// A merchant to pick by name (search results on the rewards and attendance forms).
pub struct Pick {
    pub id: i32,
    pub name: String,
    pub credit_code: String,
    pub area: String,
    pub checked: bool,
}

/// Open merchants whose name or credit code contains `q` (at most `limit`), for the pickers.
fn pick_search(c: &mut crate::db::DbConn, q: &str, limit: i64) -> Result<Vec<Pick>, AppError> {
    let q = q.trim();
    let filter = crate::db::models::merchant::MerchantFilter {
        q: q.chars().take(50).collect(),
        status: "open".into(),
        ..Default::default()
    };
    let (found, _) = crate::db::models::merchant::Merchant::search(c, &filter, 0, limit)?;
    Ok(found.into_iter().map(pick_of).collect())
}

fn pick_of(m: crate::db::models::merchant::Merchant) -> Pick {
    Pick {
        id: m.id,
        name: m.name,
        credit_code: m.credit_code.unwrap_or_default(),
        area: m.area,
        checked: false,
    }
}

/// The query of the rewards and training pages: a name search, and what was just done.
#[derive(Deserialize, Default)]
pub struct PickQuery {
    #[serde(default)]
    pub q: String,
    /// Set after a reward is granted: its id.
    #[serde(default)]
    pub granted: Option<i32>,
    /// Set after attendance is recorded: how many merchants were added.
    #[serde(default)]
    pub recorded: Option<usize>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/trainings.html")]
pub struct TrainingsPage {
    page: PageCtx,
    /// (training, hours, branch training: "sign-ups / seats").
    trainings: Vec<(TrainingRow, String, String)>,
    errors: Vec<String>,
    input: TrainingInput,
}

fn messages(errors: &[FieldError], lang: Lang) -> Vec<String> {
    errors
        .iter()
        .map(|f| lang.pick(&f.zh, &f.en).to_string())
        .collect()
}

fn hours_text(tenths: i32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

async fn trainings_page(
    state: &AppState,
    page: PageCtx,
    errors: Vec<String>,
    input: TrainingInput,
) -> Result<TrainingsPage, AppError> {
    let (rows, signups) = with_db(state, |c| Ok((trainings::list(c)?, trainings::signup_counts(c)?))).await?;
    let trainings = rows
        .into_iter()
        .map(|t| {
            let h = hours_text(t.hours_tenths);
            let s = match signups.iter().find(|s| s.0 == t.id) {
                Some((_, n, Some(cap))) => format!("{n} / {cap}"),
                Some((_, n, None)) => n.to_string(),
                None => "0".to_string(),
            };
            (t, h, s)
        })
        .collect();
    Ok(TrainingsPage {
        page,
        trainings,
        errors,
        input,
    })
}

/// GET /staff/trainings
pub async fn trainings_index(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
) -> Result<TrainingsPage, AppError> {
    let input = TrainingInput {
        held_on: state.config.today().to_string(),
        hours: "2".into(),
        ..Default::default()
    };
    trainings_page(&state, page, vec![], input).await
}

/// POST /staff/trainings
pub async fn trainings_create(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    form: CsrfForm<TrainingInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let checked = match (
        validate_training(&input, state.config.today()),
        validate_details(&input),
    ) {
        (Ok(t), Ok(d)) => match check_span(t.2, &d.starts_at) {
            Ok(()) => Ok((t, d)),
            Err(e) => Err(vec![e]),
        },
        (Err(mut a), Err(b)) => {
            a.extend(b);
            Err(a)
        }
        (Err(a), _) | (_, Err(a)) => Err(a),
    };
    match checked {
        Err(errors) => {
            let lang = page.lang;
            let p = trainings_page(&state, page, messages(&errors, lang), input).await?;
            html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Ok(((title, date, hours), details)) => {
            let actor = user.actor();
            let id = with_db(&state, move |c| {
                Ok(trainings::create_with(c, &actor, &title, date, hours, &details)?)
            })
            .await?;
            Ok(see_other(format!("/staff/trainings/{id}")))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/training.html")]
pub struct TrainingPage {
    page: PageCtx,
    training: TrainingRow,
    hours: String,
    attendees: Vec<(i32, String)>,
    candidates: Vec<Pick>,
    errors: Vec<String>,
    /// Branch training: place, start time, capacity, description.
    details: TrainingDetails,
    /// Branch training: signed up and not yet recorded as attending (pre-ticked).
    signed_up: Vec<(i32, String)>,
    /// Branch training: how many are signed up (attending or not).
    signed_up_count: usize,
    /// Entry: the walk-in name search and what was just recorded.
    search_q: String,
    /// "已登记 3 家商家出勤……", or "".
    recorded: String,
    /// Why attendance cannot be recorded yet (the training is later), or "".
    not_held: String,
}

async fn training_page(
    state: &AppState,
    page: PageCtx,
    id: i32,
    errors: Vec<String>,
    query: PickQuery,
) -> Result<TrainingPage, AppError> {
    let search_q = query.q.trim().to_string();
    let q = search_q.clone();
    let (training, attendees, candidates) = with_db(state, move |c| {
        let t = trainings::list(c)?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(AppError::NotFound)?;
        let a = trainings::attendees(c, id)?;
        // Walk-ins: every open merchant, or those whose name or credit code matches the search.
        let all = pick_search(c, &q, 500)?;
        let s = trainings::signed_up(c, id)?;
        let d = trainings::details(c, id)?.unwrap_or_default();
        Ok((t, a, (all, s, d)))
    })
    .await?;
    let (candidates, signed, details) = candidates;
    let signed_up_count = signed.len();
    let signed_up: Vec<(i32, String)> = signed
        .into_iter()
        .filter(|m| !attendees.iter().any(|a| a.0 == m.0))
        .collect();
    let candidates = candidates
        .into_iter()
        .filter(|m| !attendees.iter().any(|a| a.0 == m.id) && !signed_up.iter().any(|s| s.0 == m.id))
        .collect();
    let not_held = if training.held_on > state.config.today() {
        page.lang.tr(
            "trainings-not-held",
            &[("date", training.held_on.to_string().into())],
        )
    } else {
        String::new()
    };
    Ok(TrainingPage {
        not_held,
        search_q,
        recorded: query
            .recorded
            .map(|n| {
                page.lang
                    .tr("entry-attendance-recorded", &[("count", (n as i64).into())])
            })
            .unwrap_or_default(),
        details,
        signed_up,
        signed_up_count,
        page,
        hours: hours_text(training.hours_tenths),
        training,
        attendees,
        candidates,
        errors,
    })
}

/// GET /staff/trainings/{id}
pub async fn training_show(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
    id: Id,
    query: web::Query<PickQuery>,
) -> Result<TrainingPage, AppError> {
    training_page(&state, page, *id, vec![], query.into_inner()).await
}

/// POST /staff/trainings/{id}/attendance — a form with repeated `merchant` fields (checkboxes).
pub async fn training_attend(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    id: Id,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let mut ids = Vec::new();
    let mut bad = false;
    for (k, v) in form.iter() {
        if k == "merchant" {
            match v.trim().parse::<i32>() {
                Ok(i) => ids.push(i),
                Err(_) => bad = true,
            }
        }
    }
    if bad || ids.is_empty() {
        let lang = page.lang;
        let msg = lang.t("trainings-choose-merchant").to_string();
        let p = training_page(&state, page, id, vec![msg], PickQuery::default()).await?;
        return html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let added = record_attendance(&state, &user, id, ids).await?;
    Ok(see_other(format!("/staff/trainings/{id}?recorded={added}")))
}

async fn record_attendance(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    ids: Vec<i32>,
) -> Result<usize, AppError> {
    let actor = user.actor();
    let today = state.config.today();
    with_db(state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        trainings::add_attendance(c, &policy, today, &actor, id, &ids).map_err(|e| match e {
            AttendanceError::NoTraining(_) => AppError::NotFound,
            AttendanceError::NoMerchants(m) => AppError::invalid(
                "merchant_ids",
                &format!("商家不存在：{m:?}"),
                &format!("No such merchants: {m:?}"),
            ),
            AttendanceError::NotYetHeld(d) => {
                let args = [("date", d.to_string().into())];
                AppError::invalid(
                    "merchant_ids",
                    &Lang::Zh.tr("trainings-not-held", &args),
                    &Lang::En.tr("trainings-not-held", &args),
                )
            }
            AttendanceError::Other(e) => AppError::Internal(e),
        })
    })
    .await
}

/// A reward as typed.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct RewardInput {
    #[serde(default)]
    pub merchant_id: String,
    /// Yuan as typed, e.g. "2000.00".
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub granted_on: String,
}

/// Validates a reward grant.
pub fn validate_reward(i: &RewardInput, today: NaiveDate) -> Result<Grant, Vec<FieldError>> {
    let mut e = Vec::new();
    let merchant_id = i.merchant_id.trim().parse::<i32>().ok().filter(|m| *m > 0);
    if merchant_id.is_none() {
        e.push(field(
            "merchant_id",
            "请选择商家（先按名称搜索）。",
            "Choose the merchant (search by name first).",
        ));
    }
    let amount = match parse_yuan(&i.amount) {
        Ok(0) => {
            e.push(field(
                "amount",
                "金额必须大于零。",
                "The amount must be more than zero.",
            ));
            None
        }
        Ok(f) => Some(f),
        Err(m) => {
            e.push(field(
                "amount",
                crate::i18n::words::money_error(m, Lang::Zh),
                crate::i18n::words::money_error(m, Lang::En),
            ));
            None
        }
    };
    let reason = i.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 200 {
        e.push(field(
            "reason",
            "请填写事由（不超过200字）。",
            "Enter a reason (at most 200 characters).",
        ));
    }
    let date = parse_date("granted_on", &i.granted_on, &mut e);
    if date.is_some_and(|d| d > today) {
        e.push(field(
            "granted_on",
            "发放日期不能晚于今天。",
            "The date cannot be in the future.",
        ));
    }
    match (merchant_id, amount, date) {
        (Some(merchant_id), Some(amount_fen), Some(granted_on)) if e.is_empty() => Ok(Grant {
            merchant_id,
            amount_fen,
            reason,
            granted_on,
        }),
        _ => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/rewards.html")]
pub struct RewardsPage {
    page: PageCtx,
    total: String,
    rows: Vec<(String, i32, String, String, String)>,
    by_year: Vec<(i32, String)>,
    by_merchant: Vec<(i32, String, String)>,
    errors: Vec<String>,
    input: RewardInput,
    /// Entry: the merchant name search, its results, and the reward just granted.
    search_q: String,
    found: Vec<Pick>,
    granted: Option<(String, String)>,
}

async fn rewards_page(
    state: &AppState,
    page: PageCtx,
    errors: Vec<String>,
    input: RewardInput,
    query: PickQuery,
) -> Result<RewardsPage, AppError> {
    let search_q = query.q.trim().to_string();
    let q = search_q.clone();
    let chosen = input.merchant_id.trim().parse::<i32>().ok();
    let (ledger, found) = with_db(state, move |c| {
        // Nothing is listed before a search: the committee types part of the name.
        let mut found = if q.is_empty() {
            Vec::new()
        } else {
            pick_search(c, &q, 20)?
        };
        // The merchant already chosen stays on the form (checked) when it comes back with errors.
        if let Some(id) = chosen {
            match found.iter_mut().find(|p| p.id == id) {
                Some(p) => p.checked = true,
                None => {
                    if let Some(m) = crate::db::models::merchant::Merchant::find(c, id)? {
                        let mut p = pick_of(m);
                        p.checked = true;
                        found.insert(0, p);
                    }
                }
            }
        }
        Ok((rewards::ledger(c)?, found))
    })
    .await?;
    let granted = query.granted.and_then(|id| {
        ledger
            .rewards
            .iter()
            .find(|r| r.id == id)
            .map(|r| (r.merchant_name.clone(), format_fen(r.amount_fen)))
    });
    Ok(RewardsPage {
        search_q,
        found,
        granted,
        page,
        total: format_fen(ledger.total_fen),
        rows: ledger
            .rewards
            .iter()
            .map(|r| {
                (
                    r.granted_on.to_string(),
                    r.merchant_id,
                    r.merchant_name.clone(),
                    format_fen(r.amount_fen),
                    r.reason.clone(),
                )
            })
            .collect(),
        by_year: ledger.by_year.iter().map(|(y, t)| (*y, format_fen(*t))).collect(),
        by_merchant: ledger
            .by_merchant
            .iter()
            .map(|(i, n, t)| (*i, n.clone(), format_fen(*t)))
            .collect(),
        errors,
        input,
    })
}

/// GET /staff/rewards
pub async fn rewards_index(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
    query: web::Query<PickQuery>,
) -> Result<RewardsPage, AppError> {
    let input = RewardInput {
        granted_on: state.config.today().to_string(),
        ..Default::default()
    };
    rewards_page(&state, page, vec![], input, query.into_inner()).await
}

async fn grant_reward(state: &AppState, user: &CurrentUser, g: Grant) -> Result<i32, AppError> {
    let actor = user.actor();
    with_db(state, move |c| {
        rewards::grant(c, &actor, &g).map_err(|e| match e {
            GrantError::NoMerchant(_) => {
                AppError::invalid("merchant_id", "商家不存在。", "No such merchant.")
            }
            GrantError::Other(e) => AppError::Internal(e),
        })
    })
    .await
}

/// POST /staff/rewards
pub async fn rewards_create(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    form: CsrfForm<RewardInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let lang = page.lang;
    let result = match validate_reward(&input, state.config.today()) {
        Ok(g) => grant_reward(&state, &user, g).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(id) => Ok(see_other(format!("/staff/rewards?granted={id}"))),
        Err(AppError::Invalid(errors)) => {
            let p = rewards_page(&state, page, messages(&errors, lang), input, PickQuery::default()).await?;
            html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(e),
    }
}

/// The ledger as JSON.
#[utoipa::path(get, path = "/api/v1/rewards", tag = "committee",
    responses((status = 200, body = Ledger), (status = 401), (status = 403)), security(("bearer" = [])))]
pub async fn api_rewards(
    state: web::Data<AppState>,
    _user: ApiRequire<Committee>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(with_db(&state, |c| Ok(rewards::ledger(c)?)).await?))
}

/// Grants a reward. `amount` is yuan as a string ("2000.00"), stored exactly in fen.
#[utoipa::path(post, path = "/api/v1/rewards", tag = "committee", request_body = RewardInput,
    responses((status = 201), (status = 401), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn api_grant(
    state: web::Data<AppState>,
    user: ApiRequire<Committee>,
    body: web::Json<RewardInput>,
) -> Result<HttpResponse, ApiError> {
    let g = validate_reward(&body, state.config.today()).map_err(AppError::Invalid)?;
    let amount = g.amount_fen;
    let id = grant_reward(&state, &user, g).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id, "amount_fen": amount })))
}

/// Records a training session.
#[utoipa::path(post, path = "/api/v1/trainings", tag = "committee", request_body = TrainingInput,
    responses((status = 201), (status = 401), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn api_training(
    state: web::Data<AppState>,
    user: ApiRequire<Committee>,
    body: web::Json<TrainingInput>,
) -> Result<HttpResponse, ApiError> {
    let (title, date, hours) = validate_training(&body, state.config.today()).map_err(AppError::Invalid)?;
    let details = validate_details(&body).map_err(AppError::Invalid)?;
    check_span(hours, &details.starts_at).map_err(|e| AppError::Invalid(vec![e]))?;
    let actor = user.actor();
    let id = with_db(&state, move |c| {
        Ok(trainings::create_with(c, &actor, &title, date, hours, &details)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

/// `POST /api/v1/trainings/{id}/attendance` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct AttendanceInput {
    #[serde(default)]
    pub merchant_ids: Vec<i32>,
}

/// Records attendance (recomputing the merchants' ratings).
#[utoipa::path(post, path = "/api/v1/trainings/{id}/attendance", tag = "committee", request_body = AttendanceInput,
    params(("id" = i32, Path, description = "training id")),
    responses((status = 200), (status = 401), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn api_attendance(
    state: web::Data<AppState>,
    user: ApiRequire<Committee>,
    id: Id,
    body: web::Json<AttendanceInput>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    if body.merchant_ids.is_empty() || body.merchant_ids.len() > 10_000 {
        return Err(AppError::invalid(
            "merchant_ids",
            "请提供1到10000个商家编号。",
            "Give 1 to 10,000 merchant IDs.",
        )
        .into());
    }
    let added = record_attendance(&state, &user, id, body.into_inner().merchant_ids).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "added": added })))
}

/// The committee's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/staff/trainings")
            .route(web::get().to(trainings_index))
            .route(web::post().to(trainings_create)),
    )
    .service(web::resource("/staff/trainings/{id}").route(web::get().to(training_show)))
    .service(web::resource("/staff/trainings/{id}/attendance").route(web::post().to(training_attend)))
    .service(
        web::resource("/staff/rewards")
            .route(web::get().to(rewards_index))
            .route(web::post().to(rewards_create)),
    )
    .service(
        web::resource("/api/v1/rewards")
            .route(web::get().to(api_rewards))
            .route(web::post().to(api_grant)),
    )
    .service(web::resource("/api/v1/trainings").route(web::post().to(api_training)))
    .service(web::resource("/api/v1/trainings/{id}/attendance").route(web::post().to(api_attendance)));
}
