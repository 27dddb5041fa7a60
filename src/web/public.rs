//! What consumers see with no login: the home page, the red and black lists, a merchant's
//! public record, and the health check.

use actix_session::Session;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::connection::SimpleConnection;

use super::cache::{page_response, viewer_ctx, Checked, Rendered};
use super::extract::Id;
use super::{with_db, AppError, AppState, Lang, PageCtx};
use crate::db::models::merchant::Merchant;
use crate::domain::words::ListStatus;
use crate::services::lists::{self, PublishedList};

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
            let label = lang.tr("stars-label", &[("stars", s.into())]);
            (text, label)
        }
        None => {
            let t = lang.t("stars-unrated").to_string();
            (t.clone(), t)
        }
    }
}

/// A list entry (live or from an edition), ready to print.
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
    /// A list's or an edition's entry in `lang`, its reasons in words.
    pub fn new(e: &crate::services::lists::Entry, lang: Lang) -> Self {
        let (stars_text, stars_label) = stars_display(e.stars, lang);
        EntryRow {
            id: e.merchant_id,
            name: e.name.clone(),
            category: e.category.clone(),
            area: e.area.clone(),
            stars_text,
            stars_label,
            reason: crate::i18n::words::entered_reasons(&e.reasons, lang),
            since: e.since.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
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
            lang.t("editions-number-prefix"),
            lang.t("editions-number-suffix"),
            lang.t("editions-published-on")
        ),
        _ => lang.t("list-live").to_string(),
    }
}

/// A cacheable public page: served from [`super::cache::PageCache`] to visitors with no session
/// while the lists' version holds, rendered afresh (and `private`) for a logged-in user.
async fn cached_page<F>(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    key: String,
    wanted: &'static [ListStatus],
    with_count: bool,
    render: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(PageCtx, Vec<std::sync::Arc<PublishedList>>, i64) -> Result<(Rendered, bool), AppError>,
{
    let page = viewer_ctx(req, session);
    let public = page.user.is_none();
    if public {
        if let Some(hit) = state.pages.get_recent(&key, state.config.public_recheck) {
            return Ok(page_response(req, &hit, true));
        }
    }
    let cache = state.lists.clone();
    let pages = state.pages.clone();
    let probe = public.then(|| key.clone());
    let (version, checked, hit) = with_db(state, move |c| {
        let checked = Checked::now();
        let v = lists::version(c)?;
        let hit = probe.and_then(|k| pages.get(&k, &v, checked));
        Ok((v, checked, hit))
    })
    .await?;
    if let Some(hit) = hit {
        return Ok(page_response(req, &hit, true));
    }
    let v = version;
    let (loaded, count) = with_db(state, move |c| {
        let loaded = wanted
            .iter()
            .map(|l| cache.get_at(c, *l, v))
            .collect::<Result<Vec<_>, _>>()?;
        let count = if with_count { Merchant::count(c)? } else { 0 };
        Ok((loaded, count))
    })
    .await?;
    // `keep` is false for a page not worth keeping (a filter that matches nothing).
    let (rendered, keep) = render(page, loaded, count)?;
    if public && keep {
        state.pages.put(key, &version, checked, rendered.clone());
    }
    Ok(page_response(req, &rendered, public))
}

/// GET /: both lists at a glance.
pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_request_parts(&req);
    let key = format!("home:{}", lang.tag());
    cached_page(
        &req,
        &state,
        &session,
        key,
        &[ListStatus::Red, ListStatus::Black],
        true,
        |page, l, count| {
            let (red, black) = (&l[0], &l[1]);
            let lang = page.lang;
            let home = HomePage {
                page,
                merchant_count: count,
                edition: edition_label(red, lang),
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
            };
            Ok((Rendered::of(&home)?, true))
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "public/list.html")]
pub struct ListPage {
    page: PageCtx,
    list: String,
    title: &'static str,
    edition: String,
    /// "共 N 家商家 · 第 x/y 页".
    count_line: String,
    pages: usize,
    rows: Vec<EntryRow>,
    categories: Vec<String>,
    areas: Vec<String>,
    category: String,
    area: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// Entries per list page.
pub const LIST_PAGE_SIZE: usize = 100;
/// Longer filter values name no category or area.
const MAX_FILTER_CHARS: usize = 100;

/// Filters and page of a list page.
#[derive(serde::Deserialize, Default)]
pub struct ListFilter {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub page: String,
}

impl ListFilter {
    /// The page number: empty is 1; anything but a whole number from 1 is refused.
    fn page(&self) -> Result<usize, AppError> {
        // At most MAX_PAGE, so the conversion cannot fail.
        super::parse_page(&self.page).map(|n| usize::try_from(n).unwrap_or(1))
    }
}

fn list_href(list: &str, category: &str, area: &str, page: usize) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if !category.is_empty() {
        q.append_pair("category", category);
    }
    if !area.is_empty() {
        q.append_pair("area", area);
    }
    q.append_pair("page", &page.to_string());
    format!("/lists/{list}?{}", q.finish())
}

/// GET /lists/{red|black}?category=&area=&page=: the latest published edition of the list (the
/// live ratings before the first edition), 100 entries a page.
pub async fn list_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    filter: web::Query<ListFilter>,
) -> Result<HttpResponse, AppError> {
    let list: ListStatus = path.parse().map_err(|_| AppError::NotFound)?;
    let (title_key, wanted): (&str, &'static [ListStatus]) = match list {
        ListStatus::Red => ("list-red-title", &[ListStatus::Red]),
        ListStatus::Black => ("list-black-title", &[ListStatus::Black]),
        ListStatus::None => return Err(AppError::NotFound),
    };
    let number = filter.page()?;
    let ListFilter { category, area, .. } = filter.into_inner();
    let (category, area) = (category.trim().to_string(), area.trim().to_string());
    if category.chars().count() > MAX_FILTER_CHARS || area.chars().count() > MAX_FILTER_CHARS {
        return Err(AppError::invalid(
            "category",
            "筛选条件过长。",
            "The filter is too long.",
        ));
    }
    let lang = Lang::from_request_parts(&req);
    let key = format!("list:{list}:{}:{category}\u{1f}{area}:{number}", lang.tag());
    cached_page(&req, &state, &session, key, wanted, false, |page, l, _| {
        let published = &l[0];
        let lang = page.lang;
        let mut categories: Vec<String> = published.entries.iter().map(|e| e.category.clone()).collect();
        categories.sort();
        categories.dedup();
        let mut areas: Vec<String> = published.entries.iter().map(|e| e.area.clone()).collect();
        areas.sort();
        areas.dedup();
        // Filters that name no real value are not kept: the cache's keys stay those of real values.
        let known = (category.is_empty() || categories.contains(&category))
            && (area.is_empty() || areas.contains(&area));
        let matching: Vec<&lists::Entry> = published
            .entries
            .iter()
            .filter(|e| category.is_empty() || e.category == category)
            .filter(|e| area.is_empty() || e.area == area)
            .collect();
        let pages = matching.len().div_ceil(LIST_PAGE_SIZE).max(1);
        if number > pages {
            return Err(AppError::NotFound);
        }
        let rows = matching
            .iter()
            .skip((number - 1) * LIST_PAGE_SIZE)
            .take(LIST_PAGE_SIZE)
            .map(|e| EntryRow::new(e, lang))
            .collect();
        let page = ListPage {
            title: lang.t(title_key),
            edition: edition_label(published, lang),
            count_line: lang.tr(
                "list-count-line",
                &[
                    ("total", matching.len().into()),
                    ("page", number.into()),
                    ("pages", pages.into()),
                ],
            ),
            pages,
            prev_href: (number > 1).then(|| list_href(list.as_str(), &category, &area, number - 1)),
            next_href: (number < pages).then(|| list_href(list.as_str(), &category, &area, number + 1)),
            list: list.to_string(),
            rows,
            categories,
            areas,
            category: category.clone(),
            area: area.clone(),
            page,
        };
        Ok((Rendered::of(&page)?, known))
    })
    .await
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

impl InspectionRow {
    /// An inspection in `lang`.
    pub fn new(i: &crate::db::models::inspection::Inspection, lang: Lang) -> Self {
        InspectionRow {
            date: i.inspected_on.to_string(),
            kind: crate::i18n::words::inspection_kind(i.kind, lang),
            score: i.score,
        }
    }
}

/// A rating's breakdown, one row per term, in `lang` (the public record and the merchant portal).
pub fn term_rows(r: &crate::domain::rating::Rating, lang: Lang) -> Vec<TermRow> {
    r.breakdown
        .iter()
        .map(|t| TermRow {
            label: crate::i18n::words::term(t.key, &r.policy_version, lang).to_string(),
            points: points(t.points_tenths, true),
            records: t.record_ids.len(),
        })
        .collect()
}

/// Why a rating is on its list, in `lang`.
pub fn reason_lines(r: &crate::domain::rating::Rating, lang: Lang) -> Vec<String> {
    r.list_reasons
        .iter()
        .map(|x| crate::i18n::words::list_reason(x, lang))
        .collect()
}

/// One disclosed violation, ready to print.
pub struct ViolationRow {
    pub date: String,
    pub severity: &'static str,
    pub description: String,
}

#[derive(Template)]
#[template(path = "public/merchant.html")]
pub struct MerchantPage {
    page: PageCtx,
    m: ListRow,
    address: String,
    /// "Alliance member since …", "… from … to …" once it left, or empty.
    membership: String,
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
    /// The merchant's annual commendations as badges (title, badge), newest first.
    commendations: Vec<(String, super::commendations::Badge)>,
}

/// The record's membership line: since when, or from when to when once the merchant left.
fn membership_line(m: &crate::db::models::merchant::Merchant, lang: Lang) -> String {
    match (m.member_since, m.member_left_on) {
        (Some(since), Some(left)) => format!(
            "{} {since} {} {left}",
            lang.t("record-member-from"),
            lang.t("record-member-to")
        ),
        (Some(since), None) => format!("{} {since}", lang.t("record-member-since")),
        (None, _) => String::new(),
    }
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

/// GET /merchants/{id}: the public record, with the rating explained in plain words. Its ETag
/// is the hash of the page, so it changes with anything shown (rating, inspection, reply, user).
pub async fn merchant_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    id: Id,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let page = viewer_ctx(&req, &session);
    let public = page.user.is_none();
    // Visitors get the rendered record while nothing it shows has changed (one small query).
    let mut version = None;
    if public {
        let lang = page.lang;
        if let Some(hit) = state.records.get_recent(id, lang, state.config.public_recheck) {
            return Ok(page_response(&req, &hit, true));
        }
        let records = state.records.clone();
        let today = state.config.today();
        let hit = with_db(&state, move |c| {
            let checked = Checked::now();
            let v = crate::services::records::record_version(c, id, today)?.ok_or(AppError::NotFound)?;
            Ok(records.get(id, lang, &v, checked).ok_or((v, checked)))
        })
        .await?;
        match hit {
            Ok(cached) => return Ok(page_response(&req, &cached, true)),
            Err(v) => version = Some(v),
        }
    }
    let policy = state.policy.clone();
    let (rec, ks) = with_db(&state, move |c| {
        let policy = policy.current(c)?;
        let rec = crate::services::records::merchant_record(c, id, &policy)?;
        Ok((rec, crate::services::commendations::for_merchant(c, id)?))
    })
    .await?;
    let rec = rec.ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let m = &rec.merchant;
    let list = match m.current_list {
        ListStatus::Red => lang.t("list-red-title"),
        ListStatus::Black => lang.t("list-black-title"),
        ListStatus::None => "",
    };
    let (terms, total, reasons, policy_version, as_of) = match &rec.rating {
        Some(r) => (
            term_rows(r, lang),
            r.score_tenths.map(|s| points(s, false)).unwrap_or_default(),
            reason_lines(r, lang),
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
    let out = MerchantPage {
        address: m.address.clone(),
        membership: membership_line(m, lang),
        list: list.to_string(),
        list_since: rec.list.as_ref().map(|l| l.since.to_string()).unwrap_or_default(),
        list_reason: rec
            .list
            .as_ref()
            .map(|l| crate::i18n::words::entered_reasons(&l.reasons, lang))
            .unwrap_or_default(),
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
            .map(|i| InspectionRow::new(i, lang))
            .collect(),
        violations: rec
            .violations
            .iter()
            .map(|v| ViolationRow {
                date: v.found_on.to_string(),
                severity: crate::i18n::words::severity(v.severity, lang),
                description: v.description.clone(),
            })
            .collect(),
        replies: rec
            .replies
            .iter()
            .map(|(at, body)| (at.date().to_string(), body.clone()))
            .collect(),
        commendations: super::commendations::badges(&ks, state.config.today(), lang),
        m: ListRow::new(m, lang),
        page,
    };
    let rendered = Rendered::of(&out)?;
    if let Some((v, checked)) = version {
        state.records.put(id, lang, v, checked, rendered.clone());
    }
    Ok(page_response(&req, &rendered, public))
}

/// GET /livez: 200 while the process serves requests, without touching the database — for a
/// supervisor's liveness probe (restart when it stops answering), and the static baseline of
/// `scripts/load.sh`. Readiness, with the database, is `/healthz`.
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

/// How long `/healthz` waits for a connection and for SQLite's write lock: a probe with a
/// timeout of a few seconds gets an answer, 503 when the database is away.
const HEALTH_WAIT: std::time::Duration = std::time::Duration::from_millis(1000);

/// Checks that the database answers and can be written: a read, then a write statement in a
/// transaction that is rolled back (SQLite: the write lock, waiting at most [`HEALTH_WAIT`];
/// PostgreSQL: the same advisory lock as every write, and not a read-only server or a standby).
fn check_database(pool: &crate::db::Pool, busy_timeout: std::time::Duration) -> Result<(), AppError> {
    use diesel::Connection;
    let mut conn = pool.get_timeout(HEALTH_WAIT)?;
    conn.batch_execute("SELECT 1")?;
    match &mut *conn {
        crate::db::DbConn::Sqlite(c) => {
            c.batch_execute(&format!("PRAGMA busy_timeout = {}", HEALTH_WAIT.as_millis()))?;
            let res = c.transaction(|c| {
                c.batch_execute("UPDATE settings SET value = value WHERE key = 'write-lock'")?;
                Err::<(), _>(diesel::result::Error::RollbackTransaction)
            });
            c.batch_execute(&format!("PRAGMA busy_timeout = {}", busy_timeout.as_millis()))?;
            match res {
                Err(diesel::result::Error::RollbackTransaction) => Ok(()),
                Err(e) => Err(AppError::Unavailable(e.to_string())),
                Ok(()) => Ok(()),
            }
        }
        crate::db::DbConn::Postgresql(c) => {
            use diesel::sql_types::Bool;
            use diesel::RunQueryDsl;
            let res = c.transaction(|c| {
                // The write lock every write takes (see `write_tx`), waiting at most HEALTH_WAIT.
                c.batch_execute(&format!(
                    "SET LOCAL lock_timeout = {}; SELECT pg_advisory_xact_lock({})",
                    HEALTH_WAIT.as_millis(),
                    crate::db::models::WRITE_LOCK_KEY
                ))?;
                let writable: bool = diesel::select(diesel::dsl::sql::<Bool>(
                    "NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'",
                ))
                .get_result(c)?;
                Err::<(), _>(if writable {
                    diesel::result::Error::RollbackTransaction
                } else {
                    diesel::result::Error::QueryBuilderError("the database is read-only".into())
                })
            });
            match res {
                Err(diesel::result::Error::RollbackTransaction) | Ok(()) => Ok(()),
                Err(e) => Err(AppError::Unavailable(e.to_string())),
            }
        }
    }
}

/// GET /healthz: 200 when the database answers and can be written; 503 within about a second
/// when it cannot be reached, is read-only, or its write lock stays taken.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = match state.config.database.backend {
        crate::config::Backend::Sqlite => "sqlite",
        crate::config::Backend::Postgres => "postgres",
    };
    let pool = state.pool.clone();
    let busy = state.config.db_busy_timeout;
    let ok = web::block(move || check_database(&pool, busy))
        .await
        .map_err(AppError::from)
        .and_then(|r| r);
    match ok {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({"status": "ok", "database": backend})),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::RETRY_AFTER, super::error::RETRY_AFTER_SECS.to_string()))
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

const PLAQUE_STYLESHEET: &str = include_str!("../../templates/static/plaque.css");

/// GET /static/plaque.css: the plaque's paper size, cached by browsers for a day.
pub async fn plaque_stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(PLAQUE_STYLESHEET)
}

const CERTIFICATE_STYLESHEET: &str = include_str!("../../templates/static/certificate.css");

/// GET /static/certificate.css: the certificate's paper size, cached by browsers for a day.
pub async fn certificate_stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(CERTIFICATE_STYLESHEET)
}

const SCRIPT: &str = include_str!("../../templates/static/app.js");

/// GET /static/app.js: the site's one script (no inline scripts: see
/// [`super::security_headers`]), cached by browsers for a day.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(SCRIPT)
}

/// The site's icon (a red 共 on white), so browsers asking for `/favicon.ico` get no 404.
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#b3261e\"/><path d=\"M9 9h14M9 15h14M7 21h18M12 5v16M20 5v16M12 24l-3 4M20 24l3 4\" stroke=\"#fff\" stroke-width=\"2.5\" fill=\"none\" stroke-linecap=\"round\"/></svg>";

/// GET /favicon.ico, cached by browsers for a day.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON)
}
