//! The formal rectification notice (整改通知书) as an A4 page to print and sign: for staff
//! (`/staff/notices/{id}/print`) and for the merchant it was issued to
//! (`/my/notices/{id}/print`, only its own). Its paper size is in `templates/static/notice-print.css`.
//!
//! The document's language: `?in=zh-CN|en`, else the page's `?lang=`, else the language of the
//! merchant's portal user, else Chinese. Both languages render the whole document.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::extract::Id;
use super::guard::{MerchantUser, Require, Staff};
use super::{html, with_db, AppError, AppState, Lang};
use crate::db::models::inspection::Inspection;
use crate::db::models::merchant::Merchant;
use crate::db::schema::users;
use crate::services::notices::{self, NoticeDetail};

/// The legal basis a notice prints for a violation: what was recorded with it (the catalogue's
/// basis is copied in when the inspector picks from it), else the policy's violation catalogue
/// (`[[violation_types]]`) for its code, else nothing.
pub fn legal_basis_for(policy: &crate::domain::policy::Policy, code: &str, stored: &str) -> String {
    if !stored.trim().is_empty() {
        return stored.to_string();
    }
    policy
        .violation_type(code)
        .map(|t| t.legal_basis.clone())
        .unwrap_or_default()
}

/// A violation as the notice prints it.
pub struct PrintViolation {
    pub code: String,
    pub severity: &'static str,
    pub description: String,
    pub legal_basis: String,
    pub found_on: String,
}

#[derive(Template)]
#[template(path = "staff/notices/print.html")]
pub struct PrintPage {
    /// The document's language (not necessarily the reader's usual one).
    pub lang: Lang,
    pub other: Lang,
    /// Where "back" goes: the staff or the portal notice page.
    pub back: String,
    pub here: String,
    pub number: String,
    pub issued_on: String,
    pub merchant_name: String,
    pub credit_code: String,
    pub address: String,
    pub inspected_on: String,
    pub inspector: String,
    pub violations: Vec<PrintViolation>,
    pub required_actions: String,
    pub deadline: String,
    pub portal_url: String,
}

/// Query of the print page.
#[derive(Deserialize, Default)]
pub struct PrintQuery {
    /// The document's language, `zh-CN` or `en`.
    #[serde(default, rename = "in")]
    pub doc: Option<String>,
}

/// Everything the print page needs from the database.
struct Loaded {
    detail: NoticeDetail,
    merchant: Merchant,
    inspection: Option<Inspection>,
    inspector: Option<String>,
    merchant_lang: Option<String>,
}

fn load(c: &mut crate::db::DbConn, id: i32) -> Result<Option<Loaded>, AppError> {
    let Some(detail) = notices::detail(c, id, false)? else {
        return Ok(None);
    };
    let merchant = Merchant::find(c, detail.notice.merchant_id)?.ok_or(AppError::NotFound)?;
    let inspection = Inspection::find(c, detail.notice.inspection_id)?;
    let inspector = match inspection.as_ref().and_then(|i| i.inspector_id) {
        Some(uid) => users::table
            .find(uid)
            .select((users::display_name, users::username))
            .first::<(String, String)>(c)
            .optional()?
            .map(|(d, u)| if d.trim().is_empty() { u } else { d }),
        None => None,
    };
    let merchant_lang = users::table
        .filter(users::merchant_id.eq(merchant.id))
        .filter(users::active.eq(true))
        .order(users::id)
        .select(users::language)
        .first::<String>(c)
        .optional()?;
    Ok(Some(Loaded {
        detail,
        merchant,
        inspection,
        inspector,
        merchant_lang,
    }))
}

/// The document's language: `?in=`, else an explicit `?lang=`, else the merchant's, else Chinese.
pub fn doc_lang(req: &HttpRequest, q: &PrintQuery, merchant_lang: Option<&str>) -> Lang {
    q.doc
        .as_deref()
        .and_then(Lang::from_tag)
        .or_else(|| super::i18n::query_lang(req.query_string()))
        .or_else(|| merchant_lang.and_then(Lang::from_tag))
        .unwrap_or(Lang::Zh)
}

fn page(state: &AppState, l: Loaded, lang: Lang, back: String, here: String) -> PrintPage {
    let n = &l.detail.notice;
    let policy = state.policy.latest();
    PrintPage {
        other: if lang == Lang::Zh { Lang::En } else { Lang::Zh },
        back,
        here,
        number: n.number.clone(),
        issued_on: crate::i18n::words::long_date(
            chrono::TimeZone::from_utc_datetime(&state.config.time_zone, &n.issued_at).date_naive(),
            lang,
        ),
        merchant_name: l.merchant.name.clone(),
        credit_code: l.merchant.credit_code.clone().unwrap_or_default(),
        address: l.merchant.address.clone(),
        inspected_on: l
            .inspection
            .as_ref()
            .map(|i| crate::i18n::words::long_date(i.inspected_on, lang))
            .unwrap_or_default(),
        inspector: l.inspector.clone().unwrap_or_default(),
        violations: l
            .detail
            .violations
            .iter()
            .map(|v| PrintViolation {
                code: v.code.clone(),
                severity: crate::i18n::words::severity(v.severity, lang),
                description: v.description.clone(),
                legal_basis: legal_basis_for(&policy, &v.code, &v.legal_basis),
                found_on: v.found_on.to_string(),
            })
            .collect(),
        required_actions: n.required_actions.clone(),
        deadline: crate::i18n::words::long_date(n.deadline, lang),
        portal_url: notices::portal_link(&state.config.base_url, n.id),
        lang,
    }
}

/// GET /staff/notices/{id}/print
pub async fn staff_print(
    state: web::Data<AppState>,
    req: HttpRequest,
    _user: Require<Staff>,
    id: Id,
    q: web::Query<PrintQuery>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let l = with_db(&state, move |c| load(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = doc_lang(&req, &q, l.merchant_lang.as_deref());
    let p = page(
        &state,
        l,
        lang,
        format!("/staff/notices/{id}"),
        format!("/staff/notices/{id}/print"),
    );
    html(StatusCode::OK, &p)
}

/// GET /my/notices/{id}/print: only the merchant's own notices (another's is a 404).
pub async fn portal_print(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: MerchantUser,
    id: Id,
    q: web::Query<PrintQuery>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let mid = user.merchant_id;
    let l = with_db(&state, move |c| load(c, id))
        .await?
        .filter(|l| l.detail.notice.merchant_id == mid)
        .ok_or(AppError::NotFound)?;
    let lang = doc_lang(&req, &q, l.merchant_lang.as_deref());
    let p = page(
        &state,
        l,
        lang,
        format!("/my/notices/{id}"),
        format!("/my/notices/{id}/print"),
    );
    html(StatusCode::OK, &p)
}

const STYLESHEET: &str = include_str!("../../templates/static/notice-print.css");

/// GET /static/notice-print.css: the notice's A4 paper, cached by browsers for a day.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=86400"))
        .body(STYLESHEET)
}

/// Registers the print routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/notice-print.css").route(web::get().to(stylesheet)))
        .service(web::resource("/staff/notices/{id}/print").route(web::get().to(staff_print)))
        .service(web::resource("/my/notices/{id}/print").route(web::get().to(portal_print)));
}
