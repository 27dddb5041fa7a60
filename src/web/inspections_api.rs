//! Inspections in the JSON API, for inspectors' tools: log one, read one with the rating change it
//! caused, correct one within 24 hours. Same services, same rules and messages as the form in
//! [`super::inspections`].

use actix_web::{http::header, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::extract::Id;
use super::guard::{ApiRequire, Loggers, Staff};
use super::inspections::app_error;
use super::Lang;
use super::{with_db, ApiError, AppError, AppState};
use crate::db::models::inspection::{Inspection, NewItem, Violation};
use crate::domain::rating::Rating;
use crate::domain::words::{InspectionKind, ListStatus, Severity};
use crate::i18n::words;
use crate::services::inspections::{
    self as svc, Draft, DraftDeduction, DraftViolation, Fine, InspectionError, Logged, RatingState,
};

/// `POST /api/v1/inspections` and `PUT /api/v1/inspections/{id}` body. Missing fields are
/// reported as field errors, like the form's.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct InspectionBody {
    /// The merchant inspected (on PUT it may be left out; it cannot change).
    #[serde(default)]
    pub merchant_id: Option<i64>,
    /// `YYYY-MM-DD`, not after today in the deployment's time zone, not before 2000.
    #[serde(default)]
    #[schema(example = "2026-03-01")]
    pub inspected_on: Option<String>,
    /// `routine`, `follow_up`, `complaint` or `self_check` (日常 / 复查 / 投诉 / 自查).
    #[serde(default)]
    pub kind: Option<String>,
    /// Checklist deductions of the active policy; items left out deduct nothing.
    #[serde(default)]
    pub deductions: Vec<DeductionBody>,
    /// Violations found. On PUT, send `id` to keep a violation; those left out are removed.
    #[serde(default)]
    pub violations: Vec<ViolationBody>,
    #[serde(default)]
    pub notes: Option<String>,
    /// POST only: log it even though the merchant already has an inspection that day (without it,
    /// such a POST is refused with 409 `same_day`, so a request sent twice is not logged twice).
    #[serde(default)]
    pub confirm_same_day: bool,
}

/// One checklist deduction, in whole points.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DeductionBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub points: i64,
}

/// One violation; the fine is in integer fen (分).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ViolationBody {
    /// An existing violation of this inspection (PUT only).
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub code: String,
    /// `minor`, `major` or `serious` (一般 / 较重 / 严重).
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub fine_fen: i64,
}

impl InspectionBody {
    fn to_draft(&self) -> Draft {
        Draft {
            merchant_id: self.merchant_id.map(|m| m.to_string()).unwrap_or_default(),
            inspected_on: self.inspected_on.clone().unwrap_or_default(),
            kind: self.kind.clone().unwrap_or_default(),
            deductions: self
                .deductions
                .iter()
                .map(|d| DraftDeduction {
                    code: d.code.clone(),
                    points: d.points.to_string(),
                })
                .collect(),
            violations: self
                .violations
                .iter()
                .enumerate()
                .map(|(row, v)| DraftViolation {
                    row,
                    id: v.id.map(|i| i.to_string()),
                    code: v.code.clone(),
                    severity: v.severity.clone(),
                    description: v.description.clone(),
                    legal_basis: v.legal_basis.clone(),
                    fine: Fine::Fen(v.fine_fen),
                })
                .collect(),
            notes: self.notes.clone().unwrap_or_default(),
        }
    }
}

/// A violation as stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ViolationOut {
    pub id: i32,
    pub code: String,
    #[schema(value_type = String)]
    pub severity: Severity,
    pub description: String,
    pub legal_basis: String,
    pub fine_fen: i64,
    pub found_on: NaiveDate,
}

/// An inspection as stored, with its deductions and violations.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InspectionOut {
    pub id: i32,
    pub merchant_id: i32,
    pub inspector_id: Option<i32>,
    pub inspected_on: NaiveDate,
    #[schema(value_type = String)]
    pub kind: InspectionKind,
    /// 0–100: 100 minus the checklist deductions.
    pub score: i32,
    pub notes: String,
    pub deductions: Vec<DeductionBody>,
    pub violations: Vec<ViolationOut>,
    /// UTC.
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub created_at: NaiveDateTime,
    /// UTC.
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub updated_at: NaiveDateTime,
    /// Until when (UTC) its inspector may still edit it.
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub editable_until: NaiveDateTime,
}

/// A merchant's rating as the lists use it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RatingOut {
    /// Tenths of a point; null = not yet rated (待评).
    pub score_tenths: Option<i32>,
    pub stars: Option<i32>,
    /// `red`, `black` or `none`.
    #[schema(value_type = String)]
    pub list: ListStatus,
}

impl From<&RatingState> for RatingOut {
    fn from(r: &RatingState) -> Self {
        RatingOut {
            score_tenths: r.score_tenths,
            stars: r.stars,
            list: r.list,
        }
    }
}

/// One breakdown term.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TermOut {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    /// Signed tenths of a point; the terms add up to the score.
    pub points_tenths: i32,
    pub record_ids: Vec<i64>,
}

/// What the inspection did to the merchant's rating.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RatingChangeOut {
    /// Before the inspection was logged (or last edited); null when not recorded.
    pub before: Option<RatingOut>,
    pub after: RatingOut,
    pub policy_version: String,
    pub as_of: NaiveDate,
    /// The breakdown of the rating as of `as_of`.
    pub breakdown: Vec<TermOut>,
}

/// An inspection and the merchant's rating.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InspectionResponse {
    pub inspection: InspectionOut,
    pub rating: RatingChangeOut,
}

fn inspection_out(i: &Inspection, items: &[NewItem], violations: &[Violation]) -> InspectionOut {
    InspectionOut {
        id: i.id,
        merchant_id: i.merchant_id,
        inspector_id: i.inspector_id,
        inspected_on: i.inspected_on,
        kind: i.kind,
        score: i.score,
        notes: i.notes.clone(),
        deductions: items
            .iter()
            .map(|x| DeductionBody {
                code: x.item_code.clone(),
                points: i64::from(x.deduction),
            })
            .collect(),
        violations: violations
            .iter()
            .map(|v| ViolationOut {
                id: v.id,
                code: v.code.clone(),
                severity: v.severity,
                description: v.description.clone(),
                legal_basis: v.legal_basis.clone(),
                fine_fen: v.fine_fen,
                found_on: v.found_on,
            })
            .collect(),
        created_at: i.created_at,
        updated_at: i.updated_at,
        editable_until: svc::editable_until(i),
    }
}

fn rating_out(before: Option<&RatingState>, after: &RatingState, r: &Rating) -> RatingChangeOut {
    RatingChangeOut {
        before: before.map(RatingOut::from),
        after: after.into(),
        policy_version: r.policy_version.clone(),
        as_of: r.as_of,
        breakdown: r
            .breakdown
            .iter()
            .map(|t| TermOut {
                key: t.key.as_str().to_string(),
                label_zh: words::term(t.key, &r.policy_version, Lang::Zh).to_string(),
                label_en: words::term(t.key, &r.policy_version, Lang::En).to_string(),
                points_tenths: t.points_tenths,
                record_ids: t.record_ids.clone(),
            })
            .collect(),
    }
}

fn logged_response(l: &Logged) -> InspectionResponse {
    let after = RatingState {
        score_tenths: l.rating.score_tenths,
        stars: l.rating.stars.map(i32::from),
        list: l.rating.list,
    };
    InspectionResponse {
        inspection: inspection_out(&l.inspection, &l.items, &l.violations),
        rating: rating_out(Some(&l.before), &after, &l.rating),
    }
}

fn api_too_late() -> HttpResponse {
    let (zh, en) = (
        Lang::Zh.t("inspections-too-late"),
        Lang::En.t("inspections-too-late"),
    );
    HttpResponse::Forbidden().json(serde_json::json!({
        "error": "forbidden",
        "message_zh": zh,
        "message_en": en,
    }))
}

/// Logs an inspection and recomputes the merchant's rating. Inspectors and administrators.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspections", request_body = InspectionBody,
    responses((status = 201, body = InspectionResponse), (status = 401), (status = 403),
        (status = 409, description = "`same_day`: the merchant already has an inspection that day; send `confirm_same_day: true` to log another"),
        (status = 422, description = "field errors in Chinese and English")),
    security(("bearer" = [])))]
pub async fn api_create(
    state: web::Data<AppState>,
    user: ApiRequire<Loggers>,
    body: web::Json<InspectionBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let confirmed = body.confirm_same_day;
    let draft = body.to_draft();
    let today = state.config.today();
    let actor = user.actor();
    let uid = user.id;
    let logged = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        if !confirmed {
            if let Ok(input) = svc::validate(&draft, &policy, today) {
                let found = svc::same_day(c, input.merchant_id, input.inspected_on)?;
                if !found.is_empty() {
                    return Ok(Err(found));
                }
            }
        }
        svc::log_inspection(c, &policy, &draft, today, &actor, uid)
            .map(Ok)
            .map_err(app_error)
    })
    .await?;
    let logged = match logged {
        Ok(logged) => logged,
        Err(found) => {
            let existing: Vec<serde_json::Value> = found
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "id": s.id,
                        "logged_at": crate::domain::utc::rfc3339(&s.created_at),
                        "inspector": s.inspector_name,
                    })
                })
                .collect();
            return Ok(HttpResponse::Conflict().json(serde_json::json!({
                "error": "same_day",
                "message_zh": Lang::Zh.t("form-same-day-api"),
                "message_en": Lang::En.t("form-same-day-api"),
                "existing": existing,
            })));
        }
    };
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/inspections/{}", logged.inspection.id),
        ))
        .json(logged_response(&logged)))
}

/// One inspection with the rating change it caused and the merchant's rating now. Staff.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections",
    params(("id" = i32, Path, description = "inspection id")),
    responses((status = 200, body = InspectionResponse), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn api_show(
    state: web::Data<AppState>,
    _user: ApiRequire<Staff>,
    id: Id,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let today = state.config.today();
    let v = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        Ok(svc::view(c, &policy, id, today)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let live = RatingState {
        score_tenths: v.rating.score_tenths,
        stars: v.rating.stars.map(i32::from),
        list: v.rating.list,
    };
    let (before, after) = match &v.change {
        Some((b, a)) => (Some(b), a),
        None => (None, &live),
    };
    Ok(HttpResponse::Ok().json(InspectionResponse {
        inspection: inspection_out(&v.inspection, &v.items, &v.violations),
        rating: rating_out(before, after, &v.rating),
    }))
}

/// Corrects an inspection: only its own inspector, within 24 hours of logging it.
#[utoipa::path(put, path = "/api/v1/inspections/{id}", tag = "inspections", request_body = InspectionBody,
    params(("id" = i32, Path, description = "inspection id")),
    responses((status = 200, body = InspectionResponse), (status = 401),
        (status = 403, description = "not your inspection, or logged more than 24 hours ago"),
        (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn api_update(
    state: web::Data<AppState>,
    user: ApiRequire<Loggers>,
    id: Id,
    body: web::Json<InspectionBody>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let draft = body.into_inner().to_draft();
    let today = state.config.today();
    let actor = user.actor();
    let uid = user.id;
    let outcome = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        let now = crate::db::models::now_utc();
        match svc::edit_inspection(c, &policy, id, &draft, today, &actor, uid, now) {
            Ok(l) => Ok(Some(l)),
            Err(InspectionError::TooLate) => Ok(None),
            Err(e) => Err(app_error(e)),
        }
    })
    .await?;
    match outcome {
        Some(l) => Ok(HttpResponse::Ok().json(logged_response(&l))),
        None => Ok(api_too_late()),
    }
}

/// The OpenAPI description of the inspection endpoints, merged into the crate's document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_create, api_show, api_update),
    components(schemas(
        InspectionBody,
        DeductionBody,
        ViolationBody,
        InspectionOut,
        ViolationOut,
        RatingOut,
        TermOut,
        RatingChangeOut,
        InspectionResponse
    ))
)]
pub struct InspectionsApi;

/// Registers `/api/v1/inspections` and `/api/v1/inspections/{id}`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/inspections").route(web::post().to(api_create)))
        .service(
            web::resource("/api/v1/inspections/{id}")
                .route(web::get().to(api_show))
                .route(web::put().to(api_update)),
        );
}
