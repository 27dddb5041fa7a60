//! The inspection programme for staff: the due list (`/staff/programme`), its printable route
//! sheet and CSV, and the work queue in the JSON API (`/api/v1/staff/queue`).

use actix_web::{http::header, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::guard::{ApiRequire, Require, Staff};
use super::public::declared_name;
use super::{html, with_db, ApiError, AppError, AppState, PageCtx};
use crate::i18n::Lang;
use crate::services::programme::{self as svc, DueRow};
use crate::services::queue::{self, Queue};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/staff/programme").route(web::get().to(due_list)))
        .service(web::resource("/staff/programme/print").route(web::get().to(route_sheet)))
        .service(web::resource("/staff/programme.csv").route(web::get().to(due_csv)))
        .service(web::resource("/api/v1/staff/queue").route(web::get().to(api_queue)));
}

/// `?area=` (a stored area name; empty = all) and `?within=` days ahead (default 14, 0–365).
#[derive(Debug, Default, Deserialize)]
pub struct DueParams {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub within: Option<String>,
}

impl DueParams {
    fn within(&self) -> i64 {
        self.within
            .as_deref()
            .and_then(|w| w.trim().parse::<i64>().ok())
            .map_or(svc::DUE_SOON_DAYS, |w| w.clamp(0, 365))
    }
    fn area(&self) -> Option<String> {
        Some(self.area.trim().to_string()).filter(|a| !a.is_empty())
    }
}

/// A due-list row in the reader's words.
pub struct RowView {
    pub order: usize,
    pub id: i32,
    pub name: String,
    pub address: String,
    pub area: String,
    pub area_typed: bool,
    pub contact: String,
    pub due_on: String,
    pub reason: String,
    pub days_overdue: i64,
    pub overdue: String,
}

/// An area to filter by.
pub struct AreaOption {
    pub value: String,
    pub label: String,
    /// The name as stored (no English name declared): typed text, not translated.
    pub typed: bool,
    pub selected: bool,
}

/// The reason of a stored code, in words.
pub fn reason_text(lang: Lang, code: &str) -> String {
    let (id, stars) = svc::reason_words(code);
    lang.tr(id, &[("stars", stars.into())])
}

fn views(lang: Lang, policy: &crate::domain::policy::Policy, rows: Vec<DueRow>) -> Vec<RowView> {
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| {
            let (area, area_typed) = declared_name(policy.area(&r.area), &r.area, lang);
            RowView {
                order: i + 1,
                id: r.id,
                reason: reason_text(lang, &r.reason),
                overdue: if r.days_overdue > 0 {
                    lang.tr("queue-days-overdue", &[("days", r.days_overdue.into())])
                } else {
                    String::new()
                },
                days_overdue: r.days_overdue,
                name: r.name,
                address: r.address,
                area,
                area_typed,
                contact: [r.contact_name, r.phone]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                due_on: r.due_on.to_string(),
            }
        })
        .collect()
}

/// Sorted for the list: most overdue first, then by due date and name (the query's order).
fn sorted(mut rows: Vec<DueRow>) -> Vec<DueRow> {
    rows.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.due_on.cmp(&b.due_on))
            .then(a.name.cmp(&b.name))
    });
    rows
}

struct Loaded {
    rows: Vec<RowView>,
    areas: Vec<AreaOption>,
    area_label: String,
}

async fn load(state: &AppState, lang: Lang, p: &DueParams) -> Result<Loaded, AppError> {
    let today = state.config.today();
    let (within, area) = (p.within(), p.area());
    let chosen = area.clone();
    let (policy, rows, stored_areas) = with_db(state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        let rows = svc::due_list(c, today, within, area.as_deref())?;
        let (_, areas) = crate::db::models::merchant::Merchant::categories_and_areas(c)?;
        Ok((policy, rows, areas))
    })
    .await?;
    let areas = stored_areas
        .iter()
        .map(|a| {
            let (label, typed) = declared_name(policy.area(a), a, lang);
            AreaOption {
                value: a.clone(),
                label,
                typed,
                selected: chosen.as_deref() == Some(a.as_str()),
            }
        })
        .collect();
    let area_label = match &chosen {
        Some(a) => declared_name(policy.area(a), a, lang).0,
        None => lang.t("queue-all-areas").to_string(),
    };
    Ok(Loaded {
        rows: views(lang, &policy, sorted(rows)),
        areas,
        area_label,
    })
}

#[derive(Template)]
#[template(path = "staff/programme.html")]
pub struct DuePage {
    page: PageCtx,
    rows: Vec<RowView>,
    areas: Vec<AreaOption>,
    within: i64,
    query: String,
}

fn query_of(p: &DueParams) -> String {
    let mut q = format!("within={}", p.within());
    if let Some(a) = p.area() {
        q.push_str("&area=");
        q.extend(url::form_urlencoded::byte_serialize(a.as_bytes()));
    }
    q
}

/// GET /staff/programme: merchants due within `within` days or overdue, most overdue first.
pub async fn due_list(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
    params: web::Query<DueParams>,
) -> Result<HttpResponse, AppError> {
    let l = load(&state, page.lang, &params).await?;
    html(
        actix_web::http::StatusCode::OK,
        &DuePage {
            rows: l.rows,
            areas: l.areas,
            within: params.within(),
            query: query_of(&params),
            page,
        },
    )
}

#[derive(Template)]
#[template(path = "staff/programme_print.html")]
pub struct RouteSheet {
    page: PageCtx,
    rows: Vec<RowView>,
    area: String,
    today: String,
}

/// GET /staff/programme/print: the route sheet (A4) of the due list.
pub async fn route_sheet(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
    params: web::Query<DueParams>,
) -> Result<HttpResponse, AppError> {
    let l = load(&state, page.lang, &params).await?;
    html(
        actix_web::http::StatusCode::OK,
        &RouteSheet {
            rows: l.rows,
            area: l.area_label,
            today: state.config.today().to_string(),
            page,
        },
    )
}

/// The due list as CSV (UTF-8 with BOM); the text cells a spreadsheet could take for a formula
/// are neutralised (`services::export::safe_cell`); order, id, due date and days are numbers.
pub fn csv_bytes(lang: Lang, rows: &[RowView]) -> anyhow::Result<Vec<u8>> {
    let neutralise = |cell: &str| crate::services::export::safe_cell(cell).into_owned();
    let mut out = crate::services::export::UTF8_BOM.to_vec();
    {
        let mut w = csv::WriterBuilder::new().from_writer(&mut out);
        w.write_record([
            lang.t("queue-col-order"),
            lang.t("queue-col-id"),
            lang.t("queue-col-name"),
            lang.t("queue-col-address"),
            lang.t("queue-col-area"),
            lang.t("queue-col-contact"),
            lang.t("queue-col-reason"),
            lang.t("queue-col-due"),
            lang.t("queue-col-overdue"),
        ])?;
        for r in rows {
            w.write_record([
                r.order.to_string(),
                r.id.to_string(),
                neutralise(&r.name),
                neutralise(&r.address),
                neutralise(&r.area),
                neutralise(&r.contact),
                neutralise(&r.reason),
                r.due_on.clone(),
                r.days_overdue.to_string(),
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// GET /staff/programme.csv
pub async fn due_csv(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
    params: web::Query<DueParams>,
) -> Result<HttpResponse, AppError> {
    let l = load(&state, page.lang, &params).await?;
    let body = csv_bytes(page.lang, &l.rows).map_err(AppError::Internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"programme.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// What waits for the caller: the same counts as the start page's.
#[utoipa::path(get, path = "/api/v1/staff/queue", tag = "staff",
    responses((status = 200, body = Queue), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn api_queue(
    state: web::Data<AppState>,
    user: ApiRequire<Staff>,
) -> Result<HttpResponse, ApiError> {
    let today = state.config.today();
    let (role, uid) = (user.role, user.id);
    let q = with_db(&state, move |c| Ok(queue::of(c, role, uid, today)?)).await?;
    Ok(HttpResponse::Ok().json(q))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_queue), components(schemas(Queue)))]
pub struct QueueApi;
