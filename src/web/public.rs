//! What consumers see with no login: the home page, the red and black lists, a merchant's
//! public record, and the health check.

use actix_web::{http::header, web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use diesel::connection::SimpleConnection;

use super::{with_db, AppError, AppState, Lang, PageCtx};
use crate::db::models::merchant::Merchant;

/// A merchant as the lists print it: every value ready to show.
pub struct ListRow {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub area: String,
    pub stars_text: String,
    pub stars_label: String,
    pub score_text: String,
}

impl ListRow {
    fn new(m: &Merchant, lang: Lang) -> Self {
        let (stars_text, stars_label) = stars_display(m.current_stars, lang);
        ListRow {
            id: m.id,
            name: m.name.clone(),
            category: m.category.clone(),
            area: m.area.clone(),
            stars_text,
            stars_label,
            score_text: m
                .current_score_tenths
                .map(|t| format!("{}.{}", t / 10, t % 10))
                .unwrap_or_else(|| "—".into()),
        }
    }
}

/// "★★★★☆" and its spoken form, or "not yet rated".
pub fn stars_display(stars: Option<i32>, lang: Lang) -> (String, String) {
    match stars {
        Some(s) => {
            let s = s.clamp(0, 5) as usize;
            let text = format!("{}{}", "★".repeat(s), "☆".repeat(5 - s));
            let label = match lang {
                Lang::Zh => format!("{s}星"),
                Lang::En => format!("{s} star{}", if s == 1 { "" } else { "s" }),
            };
            (text, label)
        }
        None => {
            let t = lang.t("stars.unrated").to_string();
            (t.clone(), t)
        }
    }
}

/// A list entry, ready to print.
pub struct EntryRow {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub area: String,
    pub stars_text: String,
    pub stars_label: String,
    pub reason: String,
    pub since: String,
}

impl EntryRow {
    fn new(e: &crate::services::lists::Entry, lang: Lang) -> Self {
        let (stars_text, stars_label) = stars_display(e.stars, lang);
        EntryRow {
            id: e.merchant_id,
            name: e.name.clone(),
            category: e.category.clone(),
            area: e.area.clone(),
            stars_text,
            stars_label,
            reason: e.reason.clone(),
            since: e.since.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    page: PageCtx,
    merchant_count: i64,
    edition: String,
    red: Vec<EntryRow>,
    red_total: usize,
    black: Vec<EntryRow>,
    black_total: usize,
}

fn edition_label(l: &crate::services::lists::PublishedList, lang: Lang) -> String {
    match (l.edition, l.published_on) {
        (Some(n), Some(d)) => format!(
            "{}{n}{} · {} {d}",
            lang.t("editions.number_prefix"),
            lang.t("editions.number_suffix"),
            lang.t("editions.published_on")
        ),
        _ => lang.t("list.live").to_string(),
    }
}

/// GET /
pub async fn home(state: web::Data<AppState>, page: PageCtx) -> Result<HomePage, AppError> {
    let cache = state.lists.clone();
    let (count, red, black) = with_db(&state, move |c| {
        Ok((Merchant::count(c)?, cache.get(c, "red")?, cache.get(c, "black")?))
    })
    .await?;
    let lang = page.lang;
    Ok(HomePage {
        page,
        merchant_count: count,
        edition: edition_label(&red, lang),
        red: red
            .entries
            .iter()
            .take(10)
            .map(|e| EntryRow::new(e, lang))
            .collect(),
        red_total: red.entries.len(),
        black: black
            .entries
            .iter()
            .take(10)
            .map(|e| EntryRow::new(e, lang))
            .collect(),
        black_total: black.entries.len(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public/list.html")]
pub struct ListPage {
    page: PageCtx,
    list: String,
    title: &'static str,
    edition: String,
    rows: Vec<EntryRow>,
    categories: Vec<String>,
    areas: Vec<String>,
    category: String,
    area: String,
}

/// Filters of a list page.
#[derive(serde::Deserialize, Default)]
pub struct ListFilter {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub area: String,
}

/// GET /lists/{red|black}?category=&area=: the latest published edition of the list (the live
/// ratings before the first edition).
pub async fn list_page(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
    filter: web::Query<ListFilter>,
) -> Result<ListPage, AppError> {
    let list = path.into_inner();
    let title_key = match list.as_str() {
        "red" => "list.red.title",
        "black" => "list.black.title",
        _ => return Err(AppError::NotFound),
    };
    let cache = state.lists.clone();
    let name = list.clone();
    let published = with_db(&state, move |c| Ok(cache.get(c, &name)?)).await?;
    let lang = page.lang;
    let mut categories: Vec<String> = published.entries.iter().map(|e| e.category.clone()).collect();
    categories.sort();
    categories.dedup();
    let mut areas: Vec<String> = published.entries.iter().map(|e| e.area.clone()).collect();
    areas.sort();
    areas.dedup();
    let ListFilter { category, area } = filter.into_inner();
    let rows = published
        .entries
        .iter()
        .filter(|e| category.is_empty() || e.category == category)
        .filter(|e| area.is_empty() || e.area == area)
        .map(|e| EntryRow::new(e, lang))
        .collect();
    Ok(ListPage {
        title: lang.t(title_key),
        edition: edition_label(&published, lang),
        list,
        rows,
        categories,
        areas,
        category,
        area,
        page,
    })
}

/// One line of a breakdown, ready to print.
pub struct TermRow {
    pub label: String,
    pub points: String,
    pub records: usize,
}

/// One inspection, ready to print.
pub struct InspectionRow {
    pub date: String,
    pub kind: &'static str,
    pub score: i32,
}

/// One disclosed violation, ready to print.
pub struct ViolationRow {
    pub date: String,
    pub severity: &'static str,
    pub description: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/merchant.html")]
pub struct MerchantPage {
    page: PageCtx,
    m: ListRow,
    address: String,
    member: bool,
    list: String,
    list_since: String,
    list_reason: String,
    reasons: Vec<String>,
    terms: Vec<TermRow>,
    total: String,
    policy_version: String,
    as_of: String,
    chart_points: String,
    chart_dots: Vec<(i32, i32, String)>,
    inspections: Vec<InspectionRow>,
    violations: Vec<ViolationRow>,
    replies: Vec<(String, String)>,
}

/// Tenths of a point as "85.3", signed when asked ("+85.3", "−20.0").
pub fn points(tenths: i32, signed: bool) -> String {
    let sign = if tenths < 0 {
        "−"
    } else if signed {
        "+"
    } else {
        ""
    };
    let a = tenths.abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

/// GET /merchants/{id}: the public record, with the rating explained in plain words.
pub async fn merchant_page(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
) -> Result<MerchantPage, AppError> {
    let id: i32 = path.parse().map_err(|_| AppError::NotFound)?;
    let policy = state.policy.clone();
    let rec = with_db(&state, move |c| {
        Ok(crate::services::records::merchant_record(c, id, &policy)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let m = &rec.merchant;
    let list = match m.current_list.as_str() {
        "red" => lang.t("list.red.title"),
        "black" => lang.t("list.black.title"),
        _ => "",
    };
    let (terms, total, reasons, policy_version, as_of) = match &rec.rating {
        Some(r) => (
            r.breakdown
                .iter()
                .map(|t| TermRow {
                    label: lang.pick(&t.label_zh, &t.label_en).to_string(),
                    points: points(t.points_tenths, true),
                    records: t.record_ids.len(),
                })
                .collect(),
            r.score_tenths.map(|s| points(s, false)).unwrap_or_default(),
            r.list_reasons
                .iter()
                .map(|x| lang.pick(&x.message_zh(), &x.message_en()).to_string())
                .collect(),
            r.policy_version.clone(),
            r.as_of.to_string(),
        ),
        None => (
            Vec::new(),
            String::new(),
            Vec::new(),
            String::new(),
            String::new(),
        ),
    };
    // Rating history as an inline SVG polyline: x by position, y by score (0–100).
    let rated: Vec<_> = rec
        .history
        .iter()
        .filter_map(|h| h.score_tenths.map(|s| (h.as_of, s)))
        .collect();
    let n = rated.len().max(2) as i32 - 1;
    let chart_dots: Vec<(i32, i32, String)> = rated
        .iter()
        .enumerate()
        .map(|(i, (d, s))| {
            (
                10 + i as i32 * 280 / n,
                110 - s / 10,
                format!("{d}: {}", points(*s, false)),
            )
        })
        .collect();
    let chart_points = chart_dots
        .iter()
        .map(|(x, y, _)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(MerchantPage {
        address: m.address.clone(),
        member: m.member_since.is_some(),
        list: list.to_string(),
        list_since: rec.list.as_ref().map(|l| l.since.to_string()).unwrap_or_default(),
        list_reason: rec.list.as_ref().map(|l| l.reason.clone()).unwrap_or_default(),
        reasons,
        terms,
        total,
        policy_version,
        as_of,
        chart_points,
        chart_dots,
        inspections: rec
            .inspections
            .iter()
            .map(|i| InspectionRow {
                date: i.inspected_on.to_string(),
                kind: i
                    .kind
                    .parse::<crate::domain::rating::InspectionKind>()
                    .map(|k| lang.pick(k.label_zh(), k.label_en()))
                    .unwrap_or(""),
                score: i.score,
            })
            .collect(),
        violations: rec
            .violations
            .iter()
            .map(|v| ViolationRow {
                date: v.found_on.to_string(),
                severity: lang.pick(v.severity.label_zh(), v.severity.label_en()),
                description: v.description.clone(),
            })
            .collect(),
        replies: rec
            .replies
            .iter()
            .map(|(at, body)| (at.date().to_string(), body.clone()))
            .collect(),
        m: ListRow::new(m, lang),
        page,
    })
}

/// GET /healthz: 200 when the database answers, 503 when it does not.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = match state.config.database.backend {
        crate::config::Backend::Sqlite => "sqlite",
        crate::config::Backend::Postgres => "postgres",
    };
    let ok = with_db(&state, |c| c.batch_execute("SELECT 1").map_err(AppError::from)).await;
    match ok {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({"status": "ok", "database": backend})),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(serde_json::json!({"status": "unavailable", "database": backend}))
        }
    }
}

const STYLESHEET: &str = include_str!("../../templates/static/app.css");

/// GET /static/app.css, cached by browsers for a day.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(STYLESHEET)
}
