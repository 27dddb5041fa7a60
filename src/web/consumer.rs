//! What consumers do without an account beyond reading the lists: search merchants, print or
//! check a storefront plaque, and file a complaint; and the inspectors' triage of complaints.

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Datelike, TimeZone};
use serde::{Deserialize, Serialize};

use super::cache::Checked;
use super::client::client_ip;
use super::error::FieldError;
use super::extract::{CsrfForm, Id};
use super::guard::{Require, Staff};
use super::public::stars_display;
use super::throttle::Family;
use super::{html, parse_id, with_db, ApiError, AppError, AppState, Lang, PageCtx};
use crate::db::models::merchant::Merchant;
use crate::db::models::now_utc;
use crate::domain::words::ListStatus;
use crate::services::complaints::{self, Decision, FileError, FormTiming, NewComplaint, TriageError};
use crate::services::plaque::{self, PlaqueFacts, Verdict};
use crate::services::search;

fn field(name: &str, zh: &str, en: &str) -> FieldError {
    FieldError {
        field: name.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

fn list_label(list: ListStatus, lang: Lang) -> &'static str {
    match list {
        ListStatus::Red => lang.t("list-red-title"),
        ListStatus::Black => lang.t("list-black-title"),
        ListStatus::None => lang.t("consumer-list-none"),
    }
}

/// The application secret (configured, or generated and stored at first start).
async fn secret(state: &AppState) -> Result<Vec<u8>, AppError> {
    let configured = state.config.session_secret.clone();
    with_db(state, move |c| Ok(plaque::app_secret(c, configured.as_deref())?)).await
}

// ---------------------------------------------------------------------------------------------
// Search

/// Results per page.
const PER_PAGE: i64 = 50;
/// Longer queries are cut: no merchant name or address is this long.
const MAX_QUERY_CHARS: usize = 100;

/// `?q=&page=` of the search page and the search API.
#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

impl SearchQuery {
    fn text(&self) -> String {
        self.q.trim().chars().take(MAX_QUERY_CHARS).collect()
    }

    fn page(&self) -> Result<i64, AppError> {
        super::parse_page(&self.page)
    }
}

/// The open merchants matching the query's text, a page of them, and how many match; with no
/// text, every open merchant (`all_when_empty`, the open-data listing) or none (the search page's
/// empty form).
async fn run_search(
    state: &AppState,
    q: &SearchQuery,
    page: i64,
    all_when_empty: bool,
) -> Result<(Vec<Merchant>, i64), AppError> {
    let text = q.text();
    let offset = (page - 1) * PER_PAGE;
    if text.is_empty() && all_when_empty {
        return with_db(state, move |c| Ok(search::list_open(c, offset, PER_PAGE)?)).await;
    }
    if text.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let recent = state.search.get_recent(state.config.public_recheck);
    let cache = state.search.clone();
    with_db(state, move |c| {
        let index = match recent {
            Some(index) => index,
            None => {
                let checked = Checked::now();
                let v = search::version(c)?;
                cache.at(c, v, checked)?
            }
        };
        let ids = index.matching(&text);
        let page: Vec<i32> = ids
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(PER_PAGE as usize)
            .copied()
            .collect();
        let total = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        Ok((search::open_merchants(c, &page)?, total))
    })
    .await
}

/// A search hit, ready to print.
pub struct HitRow {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub address: String,
    pub stars_text: String,
    pub stars_label: String,
    pub list: &'static str,
    pub list_class: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/search.html")]
pub struct SearchPage {
    page: PageCtx,
    q: String,
    searched: bool,
    total: i64,
    hits: Vec<HitRow>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

fn search_href(q: &str, page: i64) -> String {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    format!("/search?q={q}&page={page}")
}

/// GET /search?q=&page=: open merchants by part of their name, credit code or address.
pub async fn search_page(
    state: web::Data<AppState>,
    page: PageCtx,
    query: web::Query<SearchQuery>,
) -> Result<SearchPage, AppError> {
    let q = query.into_inner();
    let text = q.text();
    let n = q.page()?;
    let (rows, total) = run_search(&state, &q, n, false).await?;
    let lang = page.lang;
    let hits = rows
        .iter()
        .map(|m| {
            let (stars_text, stars_label) = stars_display(m.current_stars, lang);
            HitRow {
                id: m.id,
                name: m.name.clone(),
                category: m.category.clone(),
                address: m.address.clone(),
                stars_text,
                stars_label,
                list: list_label(m.current_list, lang),
                list_class: m.current_list.to_string(),
            }
        })
        .collect();
    Ok(SearchPage {
        page,
        searched: !text.is_empty(),
        total,
        hits,
        prev_href: (n > 1).then(|| search_href(&text, n - 1)),
        next_href: (n * PER_PAGE < total).then(|| search_href(&text, n + 1)),
        q: text,
    })
}

/// A search hit in the API: public facts only, never contact details.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchItem {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub address: String,
    pub area: String,
    pub alliance_member: bool,
    pub stars: Option<i32>,
    pub score: Option<f64>,
    #[schema(value_type = String)]
    pub list: ListStatus,
}

/// Open merchants, 50 a page: those whose name, credit code or address contains `q`, ordered by
/// name; with no `q`, every open merchant, ordered by id (new merchants come last, so paging
/// through all of them is stable).
#[utoipa::path(get, path = "/api/v1/public/merchants", tag = "public",
    params(("q" = Option<String>, Query, description = "part of a name, credit code or address"),
        ("page" = Option<i64>, Query, description = "from 1 (the default) to 100000")),
    responses((status = 200, description = "{\"items\": [SearchItem], \"page\", \"per_page\", \"total\"}"),
        (status = 422, description = "a page that is not a whole number from 1 to 100000")))]
pub async fn api_search(
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = q.page()?;
    let (rows, total) = run_search(&state, &q, page, true).await?;
    let today = state.config.today();
    let items: Vec<SearchItem> = rows
        .into_iter()
        .map(|m| SearchItem {
            id: m.id,
            alliance_member: m.is_member_on(today),
            name: m.name,
            category: m.category,
            address: m.address,
            area: m.area,
            stars: m.current_stars,
            score: m.current_score_tenths.map(|t| f64::from(t) / 10.0),
            list: m.current_list,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(serde_json::json!({
            "items": items,
            "page": page,
            "per_page": PER_PAGE,
            "total": total,
        })))
}

// ---------------------------------------------------------------------------------------------
// Plaque

#[derive(Template, WebTemplate)]
#[template(path = "consumer/plaque.html")]
pub struct PlaquePage {
    page: PageCtx,
    id: i32,
    name: String,
    stars_text: String,
    stars_label: String,
    list: &'static str,
    list_class: String,
    member: bool,
    year_text: String,
    /// "2025 年度示范商家" when the merchant holds a commendation in force.
    commendation: Option<String>,
    issued: String,
    check_url: String,
    qr_svg: String,
}

/// GET /merchants/{id}/plaque: a printable A5 plaque whose QR code checks itself.
pub async fn plaque_page(state: web::Data<AppState>, page: PageCtx, id: Id) -> Result<PlaquePage, AppError> {
    let id = *id;
    let configured = state.config.session_secret.clone();
    let today = state.config.today();
    let (m, secret, commended) = with_db(&state, move |c| {
        let m = Merchant::find(c, id)?.ok_or(AppError::NotFound)?;
        let k = crate::services::commendations::in_force_for(c, id, today)?;
        Ok((m, plaque::app_secret(c, configured.as_deref())?, k))
    })
    .await?;
    if m.status != "open" {
        return Err(AppError::NotFound);
    }
    let code = plaque::sign(
        &plaque::plaque_key(&secret),
        &PlaqueFacts {
            merchant_id: id,
            stars: m.current_stars,
            list: m.current_list,
            issued_on: today,
            commendation: commended.as_ref().map(|k| (k.year, k.level.clone())),
        },
    );
    let check_url = plaque::check_url(&state.config.base_url, id, &code);
    let qr_svg = plaque::qr_svg(&check_url)?;
    let lang = page.lang;
    let (stars_text, stars_label) = stars_display(m.current_stars, lang);
    let member = m.is_member_on(today);
    Ok(PlaquePage {
        page,
        id,
        name: m.name,
        stars_text,
        stars_label,
        list: list_label(m.current_list, lang),
        list_class: m.current_list.to_string(),
        member,
        year_text: lang.tr("consumer-year", &[("year", today.year().to_string().into())]),
        commendation: commended.map(|k| super::commendations::Badge::new(&k, today, lang).title(lang)),
        issued: today.to_string(),
        check_url,
        qr_svg,
    })
}

/// `?code=` of the plaque check.
#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    code: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/check.html")]
pub struct CheckPage {
    page: PageCtx,
    id: i32,
    name: String,
    /// "valid", "outdated" or "forged".
    verdict: &'static str,
    message: &'static str,
    /// What the plaque states (when genuine).
    plaque_says: Option<String>,
    current: String,
    /// The merchant is on the black list now: said first, whatever the plaque shows.
    black: bool,
    /// What the plaque's commendation is now: ("valid" | "revoked" | "past", text).
    commendation: Option<(&'static str, String)>,
}

fn rating_text(stars: Option<i32>, list: ListStatus, lang: Lang) -> String {
    let (_, label) = stars_display(stars, lang);
    format!("{label} · {}", list_label(list, lang))
}

/// GET /merchants/{id}/plaque/check?code=: is this plaque genuine and current?
pub async fn plaque_check(
    state: web::Data<AppState>,
    page: PageCtx,
    id: Id,
    query: web::Query<CodeQuery>,
) -> Result<CheckPage, AppError> {
    let id = *id;
    let configured = state.config.session_secret.clone();
    let (m, secret, ks) = with_db(&state, move |c| {
        let m = Merchant::find(c, id)?.ok_or(AppError::NotFound)?;
        let ks = crate::services::commendations::for_merchant(c, id)?;
        Ok((m, plaque::app_secret(c, configured.as_deref())?, ks))
    })
    .await?;
    let lang = page.lang;
    let today = state.config.today();
    let key = plaque::plaque_key(&secret);
    let current = rating_text(m.current_stars, m.current_list, lang);
    let (verdict, message, says) = match plaque::check(&key, id, &query.code, m.current_stars, m.current_list)
    {
        Verdict::Current(f) => ("valid", lang.t("consumer-check-valid"), Some(f)),
        Verdict::Outdated(f) => ("outdated", lang.t("consumer-check-outdated"), Some(f)),
        Verdict::Forged => ("forged", lang.t("consumer-check-forged"), None),
    };
    // The commendation a genuine code states, compared with what became of it.
    let commendation = says
        .as_ref()
        .and_then(|f| f.commendation.clone())
        .map(|(year, level)| {
            match ks.iter().find(|k| k.year == year && k.level == level) {
                Some(k) => {
                    let b = super::commendations::Badge::new(k, today, lang);
                    let title = b.title(lang);
                    match b.state {
                        "in-force" => (
                            "valid",
                            lang.tr(
                                "consumer-check-commended-state",
                                &[
                                    ("title", title.as_str().into()),
                                    ("state", b.state_text.as_str().into()),
                                ],
                            ),
                        ),
                        "revoked" => (
                            "revoked",
                            lang.tr(
                                "consumer-check-revoked-state",
                                &[
                                    ("title", title.as_str().into()),
                                    ("state", b.state_text.as_str().into()),
                                ],
                            ),
                        ),
                        _ => (
                            "past",
                            format!("{}{}", lang.t("consumer-check-commendation-past"), title),
                        ),
                    }
                }
                // Signed by us, yet no such commendation: the key leaked or the record is gone.
                None => (
                    "revoked",
                    lang.t("consumer-check-commendation-unknown").to_string(),
                ),
            }
        });
    Ok(CheckPage {
        page,
        id,
        name: m.name,
        verdict,
        message,
        plaque_says: says.map(|f| format!("{} ({})", rating_text(f.stars, f.list, lang), f.issued_on)),
        current,
        black: m.current_list == ListStatus::Black,
        commendation,
    })
}

// ---------------------------------------------------------------------------------------------
// Complaints

/// The longest complaint, in characters.
const BODY_MAX: usize = 1000;
/// The shortest complaint, in characters.
const BODY_MIN: usize = 10;
/// The longest contact, in characters.
const CONTACT_MAX: usize = 100;

/// The complaint form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct ComplaintInput {
    #[serde(default)]
    merchant: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    contact: String,
}

/// Validates a complaint: (merchant id, body, contact).
pub fn validate_complaint(i: &ComplaintInput) -> Result<(i32, String, Option<String>), Vec<FieldError>> {
    let mut e = Vec::new();
    let merchant = i.merchant.trim().parse::<i32>().ok();
    if merchant.is_none() {
        e.push(field("merchant", "请选择被投诉的商家。", "Choose the merchant."));
    }
    let body = i.body.trim().to_string();
    let n = body.chars().count();
    if !(BODY_MIN..=BODY_MAX).contains(&n) {
        e.push(field(
            "body",
            "投诉内容应为 10 到 1000 个字。",
            "The complaint must be 10 to 1000 characters.",
        ));
    }
    let contact = i.contact.trim().to_string();
    if contact.chars().count() > CONTACT_MAX {
        e.push(field(
            "contact",
            "联系方式不能超过 100 个字。",
            "The contact must be at most 100 characters.",
        ));
    }
    match merchant {
        Some(m) if e.is_empty() => Ok((m, body, (!contact.is_empty()).then_some(contact))),
        _ => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/complaint.html")]
pub struct ComplaintPage {
    page: PageCtx,
    merchant_name: String,
    input: ComplaintInput,
    ts: String,
    errors: Vec<(String, String)>,
}

/// `?merchant=` of the complaint form.
#[derive(Deserialize)]
pub struct MerchantQuery {
    #[serde(default)]
    merchant: String,
}

async fn complaint_page(
    state: &AppState,
    page: PageCtx,
    input: ComplaintInput,
    ts: Option<String>,
    errors: Vec<FieldError>,
) -> Result<ComplaintPage, AppError> {
    let id = parse_id(&input.merchant)?;
    let configured = state.config.session_secret.clone();
    let (m, secret) = with_db(state, move |c| {
        let m = Merchant::find(c, id)?.ok_or(AppError::NotFound)?;
        Ok((m, plaque::app_secret(c, configured.as_deref())?))
    })
    .await?;
    let ts = ts.unwrap_or_else(|| complaints::form_token(&secret, now_utc().and_utc().timestamp()));
    let lang = page.lang;
    Ok(ComplaintPage {
        page,
        merchant_name: m.name,
        input,
        ts,
        errors: errors
            .iter()
            .map(|f| (f.field.clone(), lang.pick(&f.zh, &f.en).to_string()))
            .collect(),
    })
}

/// GET /complaints/new?merchant={id}
pub async fn complaint_form(
    state: web::Data<AppState>,
    page: PageCtx,
    query: web::Query<MerchantQuery>,
) -> Result<ComplaintPage, AppError> {
    let input = ComplaintInput {
        merchant: query.into_inner().merchant,
        ..Default::default()
    };
    complaint_page(&state, page, input, None, vec![]).await
}

/// The complaint form with its token, render time and honeypot.
#[derive(Deserialize)]
pub struct ComplaintForm {
    /// The signed render time ([`complaints::form_token`]).
    #[serde(default)]
    ts: String,
    /// The honeypot: hidden from people, filled by bots.
    #[serde(default)]
    website: String,
    #[serde(flatten)]
    input: ComplaintInput,
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/limit.html")]
pub struct LimitPage {
    page: PageCtx,
    message: &'static str,
    merchant_id: i32,
}

/// POST /complaints
pub async fn complaint_submit(
    state: web::Data<AppState>,
    page: PageCtx,
    req: HttpRequest,
    form: CsrfForm<ComplaintForm>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req, &state.config);
    state
        .throttle
        .check(Family::Complaint, ip, Some(&form.input.merchant))?;
    let form = form.into_inner();
    let thanks = |id: &str| {
        let id: String = url::form_urlencoded::byte_serialize(id.trim().as_bytes()).collect();
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/complaints/thanks?merchant={id}")))
            .finish()
    };
    if !form.website.trim().is_empty() {
        // A bot: let it believe it succeeded, and store nothing.
        tracing::info!("complaint honeypot filled; discarded");
        return Ok(thanks(&form.input.merchant));
    }
    let secret = secret(&state).await?;
    let now = now_utc();
    let timing = complaints::form_timing(&secret, &form.ts, now.and_utc().timestamp());
    let mut errors = match validate_complaint(&form.input) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    match timing {
        FormTiming::Ok => {}
        FormTiming::TooFast => errors.push(field(
            "ts",
            "请稍后再提交。",
            "Please wait a moment before submitting.",
        )),
        FormTiming::Expired => errors.push(field(
            "ts",
            "表单已过期，请重新提交。",
            "The form has expired; please submit it again.",
        )),
    }
    if !errors.is_empty() {
        if form.input.merchant.trim().parse::<i32>().is_err() {
            return Err(AppError::Invalid(errors));
        }
        // Keep a genuine render time, so a form sent too fast is accepted when sent again.
        let ts = (timing != FormTiming::Expired).then_some(form.ts);
        let p = complaint_page(&state, page, form.input, ts, errors).await?;
        return html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let (merchant_id, body, contact) = validate_complaint(&form.input).map_err(AppError::Invalid)?;
    let form_token = complaints::form_token_id(&secret, &form.ts).ok_or_else(|| {
        AppError::invalid(
            "ts",
            "表单已过期，请重新提交。",
            "The form has expired; please submit it again.",
        )
    })?;
    let today = state.config.today();
    let day_start = today
        .and_hms_opt(0, 0, 0)
        .and_then(|d| state.config.time_zone.from_local_datetime(&d).earliest())
        .map(|d| d.naive_utc())
        .unwrap_or(now - chrono::Duration::days(1));
    let new = NewComplaint {
        merchant_id,
        body,
        contact,
        client_hash: complaints::client_hash(&secret, &ip.to_string(), today),
        form_token,
    };
    let outcome = with_db(&state, move |c| Ok(complaints::file(c, &new, now, day_start))).await?;
    let lang = page.lang;
    let limited = |page: PageCtx, message: &'static str| {
        html(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            &LimitPage {
                message,
                merchant_id,
                page,
            },
        )
    };
    match outcome {
        Ok(_) => Ok(thanks(&merchant_id.to_string())),
        Err(FileError::NoMerchant(_)) => Err(AppError::NotFound),
        Err(FileError::FormUsed) => {
            // Sent twice (a replayed post, or a second click): show a fresh form.
            let used = field(
                "ts",
                "此表单已提交过。如需再次投诉，请重新填写。",
                "This form was already sent. To complain again, fill in this new form.",
            );
            let p = complaint_page(&state, page, form.input, None, vec![used]).await?;
            html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(FileError::ClientLimit) => limited(page, lang.t("consumer-complaint-limit-client")),
        Err(FileError::MerchantLimit) => limited(page, lang.t("consumer-complaint-limit-merchant")),
        Err(FileError::Other(e)) => Err(AppError::Internal(e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/thanks.html")]
pub struct ThanksPage {
    page: PageCtx,
    merchant_id: Option<i32>,
}

/// GET /complaints/thanks?merchant={id}
pub async fn complaint_thanks(page: PageCtx, query: web::Query<MerchantQuery>) -> ThanksPage {
    ThanksPage {
        page,
        merchant_id: query.merchant.trim().parse().ok(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/triage.html")]
pub struct TriagePage {
    page: PageCtx,
    pending: Vec<(complaints::PendingComplaint, String)>,
}

/// GET /staff/complaints: complaints waiting for an inspector's decision.
pub async fn staff_complaints(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
) -> Result<TriagePage, AppError> {
    let rows = with_db(&state, |c| Ok(complaints::pending(c)?)).await?;
    let tz = state.config.time_zone;
    let pending = rows
        .into_iter()
        .map(|p| {
            let at = p
                .created_at
                .and_utc()
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string();
            (p, at)
        })
        .collect();
    Ok(TriagePage { page, pending })
}

/// The triage form.
#[derive(Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// POST /staff/complaints/{id}/triage: verified (counts in the rating) or dismissed.
pub async fn triage(
    state: web::Data<AppState>,
    user: Require<Staff>,
    id: Id,
    form: CsrfForm<TriageForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let mut errors = Vec::new();
    let decision = Decision::parse(&form.decision);
    if decision.is_none() {
        errors.push(field(
            "decision",
            "请选择处理结果（属实或不属实）。",
            "Choose verified or dismissed.",
        ));
    }
    let note = form.note.trim().to_string();
    if note.chars().count() > 500 {
        errors.push(field(
            "note",
            "处理说明不能超过 500 个字。",
            "The note must be at most 500 characters.",
        ));
    }
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let actor = user.actor();
    let today = state.config.today();
    with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        complaints::triage(c, &policy, today, now_utc(), &actor, id, decision, &note).map_err(|e| match e {
            TriageError::NotFound(_) => AppError::NotFound,
            TriageError::AlreadyTriaged(_) => AppError::invalid(
                "decision",
                "该投诉已处理。",
                "This complaint was already triaged.",
            ),
            TriageError::Other(e) => AppError::Internal(e),
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/staff/complaints"))
        .finish())
}

/// Registers the consumer routes and the triage pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/search").route(web::get().to(search_page)))
        .service(web::resource("/api/v1/public/merchants").route(web::get().to(api_search)))
        .service(web::resource("/merchants/{id}/plaque").route(web::get().to(plaque_page)))
        .service(web::resource("/merchants/{id}/plaque/check").route(web::get().to(plaque_check)))
        .service(web::resource("/complaints/new").route(web::get().to(complaint_form)))
        .service(web::resource("/complaints").route(web::post().to(complaint_submit)))
        .service(web::resource("/complaints/thanks").route(web::get().to(complaint_thanks)))
        .service(web::resource("/staff/complaints").route(web::get().to(staff_complaints)))
        .service(web::resource("/staff/complaints/{id}/triage").route(web::post().to(triage)));
}
