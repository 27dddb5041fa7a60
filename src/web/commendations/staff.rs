//! The committee's review page: candidates with each criterion, adjustments, the decision.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::*;
use crate::services::commendations::{
    self as svc, AdjustAction, AdjustRequest, CommendationError, Decision, Proposal,
};
use crate::web::extract::{CsrfForm, MerchantSegment, PathId};
use crate::web::guard::{Committee, Require};
use crate::web::{html, see_other, with_db, AppError, AppState, Lang, PageCtx};

/// A candidate ready for the template.
pub struct CandidateView {
    pub merchant_id: i32,
    pub name: String,
    pub area: String,
    pub proposed: String,
    pub outcome: String,
    pub outcome_class: &'static str,
    /// (what the committee did, its reason).
    pub adjustment: Option<(String, String)>,
    pub can_exclude: bool,
    /// (met, what it asks, what was found).
    pub criteria: Vec<(bool, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/commendations.html")]
pub struct StaffPage {
    page: PageCtx,
    year: i32,
    years: Vec<i32>,
    as_of: String,
    decision: Option<Decision>,
    number: String,
    can_decide: bool,
    candidates: Vec<CandidateView>,
    /// (code, name).
    levels: Vec<(String, String)>,
    errors: Vec<String>,
}

fn staff_view(
    p: &Proposal,
    policy: &crate::domain::policy::Policy,
    lang: Lang,
    today: NaiveDate,
    errors: Vec<String>,
    page: PageCtx,
) -> StaffPage {
    let name = |i: usize| {
        let l = &policy.commendation.levels[i];
        lang.pick(&l.name_zh, &l.name_en).to_string()
    };
    let candidates = p
        .candidates
        .iter()
        .map(|k| {
            let shown = k.level.or(k.evaluation.proposed).unwrap_or(0);
            let criteria = k
                .evaluation
                .levels
                .get(shown)
                .map(|r| {
                    r.criteria
                        .iter()
                        .map(|c| {
                            let (ask, found) = criterion_lines(c, lang);
                            (c.passed, ask, found)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let (outcome, outcome_class) = match (k.level, &k.adjustment) {
                (Some(i), _) => (name(i), "ok"),
                (None, Some(_)) => (lang.t("commend-excluded").to_string(), "bad"),
                (None, None) => (lang.t("commend-none-level").to_string(), "bad"),
            };
            CandidateView {
                merchant_id: k.merchant_id,
                name: k.name.clone(),
                area: k.area.clone(),
                proposed: k
                    .evaluation
                    .proposed
                    .map(name)
                    .unwrap_or_else(|| lang.t("commend-none-level").to_string()),
                outcome,
                outcome_class,
                adjustment: k.adjustment.as_ref().map(|a| {
                    let what = if a.action == "exclude" {
                        lang.t("commend-exclude")
                    } else {
                        lang.t("commend-include")
                    };
                    (
                        lang.tr("commend-adjustment", &[("what", what.into())]),
                        a.reason.clone(),
                    )
                }),
                can_exclude: k.evaluation.proposed.is_some() && k.adjustment.is_none(),
                criteria,
            }
        })
        .collect();
    let current = today.year();
    StaffPage {
        page,
        year: p.year,
        years: ((current - 4).max(2000)..=current).rev().collect(),
        as_of: p.as_of.to_string(),
        number: p
            .decision
            .as_ref()
            .map(|d| super::words::decision_number(d, lang))
            .unwrap_or_default(),
        can_decide: p.decision.is_none() && p.year < current,
        decision: p.decision.clone(),
        candidates,
        levels: policy
            .commendation
            .levels
            .iter()
            .map(|l| (l.code.clone(), lang.pick(&l.name_zh, &l.name_en).to_string()))
            .collect(),
        errors,
    }
}

async fn staff_page(
    state: &AppState,
    page: PageCtx,
    year: i32,
    errors: Vec<String>,
) -> Result<StaffPage, AppError> {
    let today = state.config.today();
    let store = state.policy.clone();
    let (p, policy) = with_db(state, move |c| {
        let policy = store.current(c)?;
        let p = svc::propose(c, &policy, year, today).map_err(to_app)?;
        Ok((p, policy))
    })
    .await?;
    let lang = page.lang;
    Ok(staff_view(&p, &policy, lang, today, errors, page))
}

/// GET /staff/commendations: last year's review.
pub async fn staff_index(
    state: web::Data<AppState>,
    _user: Require<Committee>,
) -> Result<HttpResponse, AppError> {
    Ok(see_other(format!(
        "/staff/commendations/{}",
        state.config.today().year() - 1
    )))
}

/// GET /staff/commendations/{year}
pub async fn staff_year(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
    path: web::Path<String>,
) -> Result<StaffPage, AppError> {
    let year = parse_year(&path)?;
    staff_page(&state, page, year, vec![]).await
}

/// The adjustment form.
#[derive(Deserialize)]
pub struct AdjustForm {
    /// "exclude" or "include".
    #[serde(default)]
    action: String,
    #[serde(default)]
    merchant_id: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    reason: String,
}

async fn refused(state: &AppState, page: PageCtx, year: i32, e: AppError) -> Result<HttpResponse, AppError> {
    match e {
        AppError::Invalid(fields) => {
            let lang = page.lang;
            let msgs = fields
                .iter()
                .map(|f| lang.pick(&f.zh, &f.en).to_string())
                .collect();
            let p = staff_page(state, page, year, msgs).await?;
            html(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        other => Err(other),
    }
}

/// POST /staff/commendations/{year}/adjust
pub async fn staff_adjust(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    path: web::Path<String>,
    form: CsrfForm<AdjustForm>,
) -> Result<HttpResponse, AppError> {
    let year = parse_year(&path)?;
    let f = form.into_inner();
    let action = match f.action.as_str() {
        "exclude" => AdjustAction::Exclude,
        "include" => AdjustAction::Include(f.level.trim().to_string()),
        _ => {
            return refused(
                &state,
                page,
                year,
                AppError::invalid("action", "请选择排除或增补。", "Choose exclude or add."),
            )
            .await
        }
    };
    let Ok(mid) = f.merchant_id.trim().parse::<i32>() else {
        return refused(
            &state,
            page,
            year,
            AppError::invalid(
                "merchant_id",
                "请填写商家编号（数字）。",
                "Enter the merchant's ID (a number).",
            ),
        )
        .await;
    };
    let actor = user.actor();
    let today = state.config.today();
    let store = state.policy.clone();
    let r = with_db(&state, move |c| {
        let policy = store.current(c)?;
        svc::adjust(
            c,
            &policy,
            &actor,
            today,
            &AdjustRequest {
                year,
                merchant_id: mid,
                action,
                reason: f.reason,
            },
        )
        .map_err(|e| match e {
            CommendationError::NoMerchant(_) => {
                AppError::invalid("merchant_id", "没有这个编号的商家。", "No merchant has this ID.")
            }
            other => to_app(other),
        })
    })
    .await;
    match r {
        Ok(()) => Ok(see_other(format!("/staff/commendations/{year}"))),
        Err(e) => refused(&state, page, year, e).await,
    }
}

/// POST /staff/commendations/{year}/adjust/{merchant}/withdraw
pub async fn staff_withdraw(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    path: web::Path<(String, String)>,
    mid: PathId<MerchantSegment>,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let year = parse_year(&path.0)?;
    let mid = *mid;
    let actor = user.actor();
    let today = state.config.today();
    let r = with_db(&state, move |c| {
        svc::remove_adjustment(c, &actor, year, today, mid).map_err(to_app)
    })
    .await;
    match r {
        Ok(_) => Ok(see_other(format!("/staff/commendations/{year}"))),
        Err(e) => refused(&state, page, year, e).await,
    }
}

/// The decision form.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    note: String,
}

/// POST /staff/commendations/{year}/decide
pub async fn staff_decide(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    path: web::Path<String>,
    form: CsrfForm<DecideForm>,
) -> Result<HttpResponse, AppError> {
    let year = parse_year(&path)?;
    let note = form.into_inner().note;
    let actor = user.actor();
    let today = state.config.today();
    let base = state.config.base_url.clone();
    let store = state.policy.clone();
    let r = with_db(&state, move |c| {
        let policy = store.current(c)?;
        svc::decide(c, &policy, &actor, year, today, &note, &base).map_err(to_app)
    })
    .await;
    match r {
        Ok(_) => Ok(see_other(format!("/staff/commendations/{year}"))),
        Err(e) => refused(&state, page, year, e).await,
    }
}
