//! The notices in the JSON API, for inspectors' tools: issue a notice, read one with its answers,
//! record the decision. Same services, same rules and messages as the forms.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::extract::Id;
use super::guard::{ApiRequire, Staff};
use super::notices::notice_error;
use super::{with_db, ApiError, AppError, AppState};
use crate::domain::words::NoticeState;
use crate::services::notices::{self, DecisionDraft, IssueDraft, NoticeDetail};

/// The notices part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(api_issue, api_show, api_decide),
    components(schemas(IssueBody, DecisionBody, NoticeJson, AnswerJson))
)]
pub struct NoticesApi;

/// A notice to issue.
#[derive(Deserialize, ToSchema)]
pub struct IssueBody {
    /// The inspection whose violations it concerns.
    #[serde(default)]
    pub inspection_id: i32,
    /// The violations (ids, from the inspection) it concerns.
    #[serde(default)]
    pub violation_ids: Vec<i32>,
    /// What must be done (5–2,000 characters).
    #[serde(default)]
    pub required_actions: String,
    /// Last day to rectify, `YYYY-MM-DD`, after today and within 180 days.
    #[serde(default)]
    pub deadline: String,
}

/// The inspector's decision on the answer waiting.
#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    /// `accept` (verified, closed) or `reject` (back to the merchant).
    #[serde(default)]
    pub decision: String,
    /// Why; required for `reject`.
    #[serde(default)]
    pub reason: String,
    /// A new deadline with a rejection (`YYYY-MM-DD`), optional; not for overdue notices.
    #[serde(default)]
    pub new_deadline: String,
}

/// A merchant's answer.
#[derive(Serialize, ToSchema)]
pub struct AnswerJson {
    pub id: i32,
    pub body: String,
    pub wants_follow_up: bool,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub created_at: NaiveDateTime,
    pub photos: usize,
    /// `accepted`, `rejected`, or null while waiting.
    pub decision: Option<String>,
    pub decision_reason: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::option::serialize")]
    pub decided_at: Option<NaiveDateTime>,
}

/// A notice with its timeline (UTC) and answers.
#[derive(Serialize, ToSchema)]
pub struct NoticeJson {
    pub id: i32,
    /// e.g. `整改〔2026〕第0012号`.
    pub number: String,
    pub merchant_id: i32,
    pub inspection_id: i32,
    /// issued, emailed, read, answered, verified or overdue.
    #[schema(value_type = String)]
    pub state: NoticeState,
    pub deadline: NaiveDate,
    pub required_actions: String,
    pub violation_ids: Vec<i32>,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub issued_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::option::serialize")]
    pub emailed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::option::serialize")]
    pub read_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::option::serialize")]
    pub answered_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::option::serialize")]
    pub verified_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::option::serialize")]
    pub overdue_at: Option<NaiveDateTime>,
    pub answers: Vec<AnswerJson>,
}

impl From<NoticeDetail> for NoticeJson {
    fn from(d: NoticeDetail) -> Self {
        let n = d.notice;
        NoticeJson {
            id: n.id,
            number: n.number,
            merchant_id: n.merchant_id,
            inspection_id: n.inspection_id,
            state: n.state,
            deadline: n.deadline,
            required_actions: n.required_actions,
            violation_ids: d.violations.iter().map(|v| v.id).collect(),
            issued_at: n.issued_at,
            emailed_at: n.emailed_at,
            read_at: n.read_at,
            answered_at: n.answered_at,
            verified_at: n.verified_at,
            overdue_at: n.overdue_at,
            answers: d
                .answers
                .into_iter()
                .map(|a| AnswerJson {
                    id: a.answer.id,
                    body: a.answer.body,
                    wants_follow_up: a.answer.wants_follow_up,
                    created_at: a.answer.created_at,
                    photos: a.photos.len(),
                    decision: a.answer.decision,
                    decision_reason: a.answer.decision_reason,
                    decided_at: a.answer.decided_at,
                })
                .collect(),
        }
    }
}

async fn load(state: &AppState, id: i32) -> Result<NoticeJson, AppError> {
    with_db(state, move |c| Ok(notices::detail(c, id, false)?))
        .await?
        .map(NoticeJson::from)
        .ok_or(AppError::NotFound)
}

/// POST /api/v1/notices
#[utoipa::path(post, path = "/api/v1/notices", tag = "notices", request_body = IssueBody,
    responses((status = 201, body = NoticeJson), (status = 401), (status = 403), (status = 404, description = "no such inspection"),
        (status = 422, description = "field errors in Chinese and English")),
    security(("bearer" = [])))]
pub async fn api_issue(
    state: web::Data<AppState>,
    user: ApiRequire<Staff>,
    body: web::Json<IssueBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let draft = IssueDraft {
        inspection_id: b.inspection_id,
        violation_ids: b.violation_ids,
        required_actions: b.required_actions,
        deadline: b.deadline,
    };
    let actor = user.actor();
    let today = state.config.today();
    let base = state.config.base_url.clone();
    let issued = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        notices::issue(c, &policy, &base, today, &actor, &draft).map_err(notice_error)
    })
    .await?;
    let json = load(&state, issued.id).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/notices/{}", issued.id)))
        .json(json))
}

/// GET /api/v1/notices/{id}
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "notices",
    params(("id" = i32, Path, description = "notice id")),
    responses((status = 200, body = NoticeJson), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn api_show(
    state: web::Data<AppState>,
    _user: ApiRequire<Staff>,
    id: Id,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    Ok(HttpResponse::Ok().json(load(&state, id).await?))
}

/// POST /api/v1/notices/{id}/decision
#[utoipa::path(post, path = "/api/v1/notices/{id}/decision", tag = "notices", request_body = DecisionBody,
    params(("id" = i32, Path, description = "notice id")),
    responses((status = 200, body = NoticeJson), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "no answer waiting, a missing reason, or a bad deadline")),
    security(("bearer" = [])))]
pub async fn api_decide(
    state: web::Data<AppState>,
    user: ApiRequire<Staff>,
    id: Id,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let b = body.into_inner();
    let accept = match b.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => {
            return Err(AppError::invalid(
                "decision",
                "decision 必须是 accept 或 reject。",
                "decision must be accept or reject.",
            )
            .into())
        }
    };
    let draft = DecisionDraft {
        accept,
        reason: b.reason,
        new_deadline: b.new_deadline,
    };
    let actor = user.actor();
    let today = state.config.today();
    let base = state.config.base_url.clone();
    with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        notices::decide(c, &policy, &base, today, id, &actor, &draft).map_err(notice_error)
    })
    .await?;
    Ok(HttpResponse::Ok().json(load(&state, id).await?))
}

/// Registers the notice API routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/notices").route(web::post().to(api_issue)))
        .service(web::resource("/api/v1/notices/{id}").route(web::get().to(api_show)))
        .service(web::resource("/api/v1/notices/{id}/decision").route(web::post().to(api_decide)));
}
