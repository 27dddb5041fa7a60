//! The public honour rolls and their JSON.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::*;
use crate::domain::commendation::{display_until, Criterion, RevokeReason};
use crate::services::commendations::{self as svc, Decision, YearSummary};
use crate::web::{html, with_db, ApiError, AppError, AppState, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "public/commendations.html")]
pub struct IndexPage {
    page: PageCtx,
    years: Vec<YearSummary>,
    /// (level name, its rule in words).
    levels: Vec<(String, Vec<String>)>,
}

/// GET /commendations: every decided year and the rule.
pub async fn index(state: web::Data<AppState>, page: PageCtx) -> Result<IndexPage, AppError> {
    let policy_store = state.policy.clone();
    let (years, policy) = with_db(&state, move |c| Ok((svc::years(c)?, policy_store.current(c)?))).await?;
    let lang = page.lang;
    let levels = policy
        .commendation
        .levels
        .iter()
        .map(|l| {
            (
                lang.pick(&l.name_zh, &l.name_en).to_string(),
                level_rules(l, lang),
            )
        })
        .collect();
    Ok(IndexPage { page, years, levels })
}

/// `?area=&category=` of the honour roll.
#[derive(Deserialize, Default)]
pub struct RollQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    category: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/commendation_year.html")]
pub struct YearPage {
    page: PageCtx,
    /// "2025 年度表彰名单".
    heading: String,
    year: i32,
    decision: Option<Decision>,
    number: String,
    /// (level name, badges).
    groups: Vec<(String, Vec<Badge>)>,
    areas: Vec<String>,
    categories: Vec<String>,
    area: String,
    category: String,
    total: usize,
}

/// GET /commendations/{year}: the honour roll by level, with area and category filters.
pub async fn year_page(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
    query: web::Query<RollQuery>,
) -> Result<HttpResponse, AppError> {
    let year = parse_year(&path)?;
    let q = query.into_inner();
    let (area, category) = (q.area.trim().to_string(), q.category.trim().to_string());
    let (a2, c2) = (area.clone(), category.clone());
    let (roll, (areas, categories)) = with_db(&state, move |c| {
        let roll = svc::honour_roll(
            c,
            year,
            Some(a2.as_str()).filter(|s| !s.is_empty()),
            Some(c2.as_str()).filter(|s| !s.is_empty()),
        )?;
        Ok((roll, svc::roll_filters(c, year)?))
    })
    .await?;
    let lang = page.lang;
    let today = state.config.today();
    let (decision, list) = match roll {
        Some((d, l)) => (Some(d), l),
        None => (None, Vec::new()),
    };
    let mut groups: Vec<(String, Vec<Badge>)> = Vec::new();
    for k in &list {
        let b = Badge::new(k, today, lang);
        match groups.last_mut() {
            Some((name, v)) if v[0].level_rank == b.level_rank && *name == b.level => v.push(b),
            _ => groups.push((b.level.clone(), vec![b])),
        }
    }
    let status = if decision.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let number = decision
        .as_ref()
        .map(|d| super::words::decision_number(d, lang))
        .unwrap_or_default();
    let p = YearPage {
        heading: lang.tr("commend-roll-heading", &[("year", year.to_string().into())]),
        page,
        year,
        decision,
        number,
        groups,
        areas,
        categories,
        area,
        category,
        total: list.len(),
    };
    html(status, &p)
}

/// The honour roll as JSON.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RollResponse {
    pub year: i32,
    pub decision: Decision,
    pub commendations: Vec<RollEntry>,
}

/// One commended merchant in the JSON honour roll.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RollEntry {
    pub merchant_id: i32,
    pub merchant_name: String,
    pub area: String,
    pub category: String,
    pub level: String,
    pub level_rank: i32,
    pub level_name_zh: String,
    pub level_name_en: String,
    pub reward_fen: i64,
    /// Set when the committee added the merchant against the rule's proposal.
    pub committee_reason: Option<String>,
    /// Each criterion of the level: `{passed, detail: {code, ...}}`.
    #[schema(value_type = Vec<Object>)]
    pub criteria: Vec<Criterion>,
    pub revoked_on: Option<NaiveDate>,
    /// `{code: "serious_violation" | "black_list", ...}`.
    #[schema(value_type = Option<Object>)]
    pub revoked_reason: Option<RevokeReason>,
    /// Last day the commendation is displayed.
    pub displayed_until: NaiveDate,
}

/// A year's honour roll: the decision and every commended merchant with its criteria.
#[utoipa::path(get, path = "/api/v1/public/commendations/{year}", tag = "public",
    params(("year" = i32, Path)), responses((status = 200, body = RollResponse), (status = 404)))]
pub async fn api_year(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let year = parse_year(&path)?;
    let (decision, list) = with_db(&state, move |c| Ok(svc::honour_roll(c, year, None, None)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let commendations = list
        .iter()
        .map(|k| RollEntry {
            merchant_id: k.merchant_id,
            merchant_name: k.merchant_name.clone(),
            area: k.area.clone(),
            category: k.category.clone(),
            level: k.level.clone(),
            level_rank: k.level_rank,
            level_name_zh: k.level_name_zh.clone(),
            level_name_en: k.level_name_en.clone(),
            reward_fen: k.reward_fen,
            committee_reason: k.committee_reason.clone(),
            criteria: k.criteria(),
            revoked_on: k.revoked_on,
            revoked_reason: k.revocation().map(|r| r.reason),
            displayed_until: display_until(k.year),
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=60"))
        .json(RollResponse {
            year,
            decision,
            commendations,
        }))
}
