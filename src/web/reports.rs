//! The year in review (年度总结): `/reports` (the years), `/reports/{year}` (public), one CSV
//! file per chart, the JSON API `/api/v1/public/reports/{year}`, and the staff's year to date at
//! `/staff/stats`. The charts' numbers and words are [`super::report_charts`].

use actix_session::Session;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use utoipa::OpenApi;

use super::cache::{cached_response, page_response, viewer_ctx, Rendered};
use super::charts;
use super::guard::{Require, Staff};
use super::report_charts::{chart_data, csv_bytes, ChartData, CHART_IDS};
use super::{html, with_db, AppError, AppState, Lang, PageCtx};
use crate::domain::money::format_fen;
use crate::services::reports::{self, YearReport, FIRST_YEAR};

/// A catalogue text with its `{ $name }`s filled in.
fn fill(lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let args: Vec<(&str, super::i18n::Arg)> = args.iter().map(|(n, v)| (*n, v.to_string().into())).collect();
    lang.tr(key, &args)
}

/// Registers the report routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports").route(web::get().to(index)))
        .service(web::resource("/reports/{year}").route(web::get().to(show)))
        .service(web::resource("/reports/{year}/{chart}.csv").route(web::get().to(chart_csv)))
        .service(web::resource("/api/v1/public/reports/{year}").route(web::get().to(api_report)))
        .service(web::resource("/staff/stats").route(web::get().to(staff_stats)));
}

// ---------------------------------------------------------------------------------------------
// Years

/// Why a year in a path names no report, in both languages.
#[derive(Debug, Clone)]
pub struct NoReport {
    zh: String,
    en: String,
}

impl NoReport {
    fn new(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> Self {
        NoReport {
            zh: fill(Lang::Zh, key, args),
            en: fill(Lang::En, key, args),
        }
    }
}

/// The year of a path: a whole number from [`FIRST_YEAR`] to next year.
pub fn parse_year(raw: &str, today: NaiveDate) -> Result<i32, NoReport> {
    let last = today.year() + 1;
    match raw.trim().parse::<i32>() {
        Ok(y) if reports::year_in_range(y, today) => Ok(y),
        Ok(y) => Err(NoReport::new(
            "reports-bad-year",
            &[("year", &y), ("first", &FIRST_YEAR), ("last", &last)],
        )),
        Err(_) => {
            let shown: String = raw.chars().take(20).collect();
            Err(NoReport::new(
                "reports-not-a-year",
                &[("text", &shown), ("first", &FIRST_YEAR), ("last", &last)],
            ))
        }
    }
}

/// The day a report of `year` is counted up to: the year's end, or today for this year.
fn upto(year: i32, today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).map_or(today, |end| end.min(today))
}

#[derive(Template)]
#[template(path = "public/report_missing.html")]
struct MissingPage {
    page: PageCtx,
    message: String,
}

/// The 404 page for a year or chart with no report, in the reader's language.
fn missing(page: PageCtx, why: &NoReport) -> Result<HttpResponse, AppError> {
    let message = page.lang.pick(&why.zh, &why.en).to_string();
    html(StatusCode::NOT_FOUND, &MissingPage { page, message })
}

// ---------------------------------------------------------------------------------------------
// The charts on the page

/// A chart as the page shows it.
pub struct ChartView {
    pub id: &'static str,
    pub title: String,
    /// The inline `<svg>` (server-made, already escaped).
    pub svg: String,
    /// The header; a column of numbers is flagged `num` like its cells.
    pub columns: Vec<Cell>,
    pub rows: Vec<Vec<Cell>>,
    pub csv_href: String,
}

/// A table cell; numbers are set right-aligned, dates on one line.
pub struct Cell {
    pub text: String,
    pub num: bool,
    pub date: bool,
}

impl Cell {
    fn of(text: String) -> Self {
        let num = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.');
        let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d").is_ok();
        Cell { text, num, date }
    }
}

fn chart_view(c: ChartData, year: i32, lang: Lang) -> Result<ChartView, AppError> {
    let empty = lang.t("chart-empty");
    let svg = charts::svg(&charts::Spec {
        id: c.id,
        title: &c.title,
        category_desc: &c.category_desc,
        value_desc: &c.value_desc,
        labels: &c.labels,
        series: &c.series,
        shape: c.shape,
        empty_text: empty,
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let rows: Vec<Vec<Cell>> = c
        .rows
        .into_iter()
        .map(|r| r.into_iter().map(Cell::of).collect())
        .collect();
    let columns = c
        .columns
        .into_iter()
        .enumerate()
        .map(|(i, text)| Cell {
            text,
            num: !rows.is_empty() && rows.iter().all(|r| r.get(i).is_some_and(|cell| cell.num)),
            date: false,
        })
        .collect();
    Ok(ChartView {
        id: c.id,
        svg,
        csv_href: format!("/reports/{year}/{}.csv?lang={}", c.id, lang_param(lang)),
        title: c.title,
        columns,
        rows,
    })
}

fn lang_param(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

// ---------------------------------------------------------------------------------------------
// The page

/// A commended merchant, ready to print.
pub struct CommendedRow {
    pub merchant_id: i32,
    pub name: String,
    pub level: String,
    pub category: String,
    pub area: String,
    /// Empty unless revoked: "Revoked 2026-03-01".
    pub revoked: String,
}

/// One of the key figures: a label, a value and, for some, a note under the value.
pub struct Figure {
    pub label: String,
    pub value: String,
    pub note: String,
}

/// A whole report as the page prints it (the public page and the staff's year to date).
pub struct ReportView {
    pub year: i32,
    pub heading: String,
    pub period: String,
    pub figures: Vec<Figure>,
    pub charts: Vec<ChartView>,
    pub commended: Vec<CommendedRow>,
    pub prev: Option<i32>,
    pub next: Option<i32>,
}

/// Tenths as "12.5".
fn tenths(t: i64) -> String {
    format!("{}.{}", t / 10, t % 10)
}

fn days_text(d: Option<f64>, lang: Lang) -> String {
    match d {
        Some(d) => fill(lang, "reports-days", &[("days", &format!("{d:.1}"))]),
        None => "—".to_string(),
    }
}

/// The report in `lang`, charts drawn.
pub fn report_view(r: &YearReport, lang: Lang, today: NaiveDate) -> Result<ReportView, AppError> {
    let heading = fill(lang, "reports-heading", &[("year", &r.year)]);
    let period = if r.to < r.from {
        lang.t("reports-not-begun").to_string()
    } else if r.complete {
        format!("{} – {}", r.from, r.to)
    } else {
        fill(lang, "reports-year-to-date", &[("from", &r.from), ("to", &r.to)])
    };
    let figure = |key: &str, value: String| Figure {
        label: lang.t(key).to_string(),
        value,
        note: String::new(),
    };
    let rewarded = match r.rewards.merchants {
        1 => lang.t("fig-rewarded-one").to_string(),
        n => fill(lang, "fig-rewarded", &[("n", &n)]),
    };
    let figures = vec![
        figure("fig-members-end", r.members.at_end.to_string()),
        figure("fig-joined", r.members.joined.to_string()),
        figure("fig-left", r.members.left.to_string()),
        figure("fig-inspections", r.inspections.to_string()),
        figure("fig-violations", r.violations.total.to_string()),
        figure("fig-notices", r.notices.issued.to_string()),
        figure(
            "fig-verify-days",
            days_text(r.notices.median_days_to_verify, lang),
        ),
        figure("fig-complaints", r.complaints.verified.to_string()),
        figure(
            "fig-triage-days",
            days_text(r.complaints.median_days_to_triage, lang),
        ),
        figure("fig-trainings", r.trainings.held.to_string()),
        figure("fig-hours", tenths(r.trainings.attendance_hours_tenths)),
        Figure {
            note: rewarded,
            ..figure("fig-rewards", format!("¥{}", format_fen(r.rewards.paid_fen)))
        },
        figure("fig-repairs", r.credit_repairs.to_string()),
    ];
    let charts = chart_data(r, lang)
        .into_iter()
        .map(|c| chart_view(c, r.year, lang))
        .collect::<Result<Vec<_>, _>>()?;
    let revoked = lang.t("reports-revoked");
    let commended = r
        .commendations
        .iter()
        .map(|c| CommendedRow {
            merchant_id: c.merchant_id,
            name: c.merchant_name.clone(),
            level: lang.pick(&c.level_name_zh, &c.level_name_en).to_string(),
            category: c.category.clone(),
            area: c.area.clone(),
            revoked: c.revoked_on.map(|d| format!("{revoked} {d}")).unwrap_or_default(),
        })
        .collect();
    Ok(ReportView {
        year: r.year,
        heading,
        period,
        figures,
        charts,
        commended,
        prev: (r.year > FIRST_YEAR).then_some(r.year - 1),
        next: (r.year < today.year()).then_some(r.year + 1),
    })
}

#[derive(Template)]
#[template(path = "public/report.html")]
struct ReportPage {
    page: PageCtx,
    view: ReportView,
}

#[derive(Template)]
#[template(path = "public/reports.html")]
struct IndexPage {
    page: PageCtx,
    /// (year, whether it is the year to date)
    years: Vec<(i32, bool)>,
}

/// GET /reports: the years that have data, newest first.
pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let page = viewer_ctx(&req, &session);
    let public = page.user.is_none();
    let today = state.config.today();
    let found = with_db(&state, |c| Ok(reports::years_with_data(c)?)).await?;
    let years = found
        .into_iter()
        .filter(|y| reports::year_in_range(*y, today) && *y <= today.year())
        .map(|y| (y, y == today.year()))
        .collect();
    let rendered = Rendered::of(&IndexPage { page, years })?;
    Ok(page_response(&req, &rendered, public))
}

async fn load(state: &AppState, year: i32, upto: NaiveDate) -> Result<YearReport, AppError> {
    let policy = state.policy.clone();
    with_db(state, move |c| {
        let policy = policy.current(c)?;
        Ok(reports::year_report(c, &policy, year, upto)?)
    })
    .await
}

/// GET /reports/{year}: the year in review, public.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = viewer_ctx(&req, &session);
    let today = state.config.today();
    let year = match parse_year(&path, today) {
        Ok(y) => y,
        Err(why) => return missing(page, &why),
    };
    let report = load(&state, year, upto(year, today)).await?;
    let view = report_view(&report, page.lang, today)?;
    let public = page.user.is_none();
    let rendered = Rendered::of(&ReportPage { page, view })?;
    Ok(page_response(&req, &rendered, public))
}

/// GET /reports/{year}/{chart}.csv: one chart's numbers, in the reader's language.
pub async fn chart_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let page = viewer_ctx(&req, &session);
    let today = state.config.today();
    let (raw_year, chart) = path.into_inner();
    let year = match parse_year(&raw_year, today) {
        Ok(y) => y,
        Err(why) => return missing(page, &why),
    };
    if !CHART_IDS.contains(&chart.as_str()) {
        let shown: String = chart.chars().take(20).collect();
        return missing(page, &NoReport::new("reports-no-chart", &[("text", &shown)]));
    }
    let report = load(&state, year, upto(year, today)).await?;
    let data = chart_data(&report, page.lang)
        .into_iter()
        .find(|c| c.id == chart)
        .ok_or(AppError::NotFound)?;
    let body = csv_bytes(&data)?;
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"gongzhi-{year}-{chart}-{}.csv\"",
        lang_param(page.lang)
    ))
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(cached_response(
        &req,
        "text/csv; charset=utf-8",
        body,
        &[
            (header::CONTENT_DISPOSITION, disposition),
            (
                HeaderName::from_static("vary"),
                HeaderValue::from_static("Accept-Language, Cookie"),
            ),
        ],
    ))
}

/// The JSON body of a year with no report (the API's error shape).
fn api_missing(why: &NoReport) -> HttpResponse {
    HttpResponse::NotFound().json(serde_json::json!({
        "error": "not_found",
        "message_zh": why.zh,
        "message_en": why.en,
    }))
}

/// The year's figures as JSON: the whole year, or the year to date for this year.
#[utoipa::path(get, path = "/api/v1/public/reports/{year}", tag = "public",
    params(("year" = i32, Path, description = "2000 to next year")),
    responses((status = 200, body = YearReport),
        (status = 404, description = "Not a year, or outside 2000 to next year")))]
pub async fn api_report(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, super::ApiError> {
    let today = state.config.today();
    let year = match parse_year(&path, today) {
        Ok(y) => y,
        Err(why) => return Ok(api_missing(&why)),
    };
    let report = load(&state, year, upto(year, today)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(report))
}

/// The report API's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(api_report),
    components(schemas(
        YearReport,
        reports::MemberFigures,
        reports::SeverityCounts,
        reports::ChecklistCount,
        reports::NoticeFigures,
        reports::ComplaintFigures,
        reports::TrainingFigures,
        reports::RewardFigures,
        reports::StarCounts,
        reports::EditionSize,
        reports::Commended,
    ))
)]
pub struct ReportsApi;

#[derive(Template)]
#[template(path = "staff/stats.html")]
struct StatsPage {
    page: PageCtx,
    view: ReportView,
    /// The bulletins' read rate over time (branch bulletins).
    bulletin_rates: super::bulletins::RateStats,
}

/// GET /staff/stats: this year's figures up to today, for inspectors and the committee.
pub async fn staff_stats(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
) -> Result<HttpResponse, AppError> {
    let today = state.config.today();
    let report = load(&state, today.year(), today).await?;
    let view = report_view(&report, page.lang, today)?;
    let bulletin_rates = super::bulletins::rate_stats(&state, page.lang).await?;
    html(
        StatusCode::OK,
        &StatsPage {
            page,
            view,
            bulletin_rates,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn years_from_2000_to_next_year() {
        assert_eq!(parse_year("2025", today()).unwrap(), 2025);
        assert_eq!(parse_year("2027", today()).unwrap(), 2027);
        let e = parse_year("1999", today()).unwrap_err();
        assert!(
            e.zh.contains("2000 到 2027") && e.en.contains("2000 to 2027"),
            "{e:?}"
        );
        assert!(parse_year("2028", today()).is_err());
        let e = parse_year("<script>", today()).unwrap_err();
        assert!(e.en.contains("is not a year"));
        assert_eq!(upto(2025, today()).to_string(), "2025-12-31");
        assert_eq!(upto(2026, today()), today());
    }

    #[test]
    fn every_text_of_the_page_is_in_the_catalogue() {
        let r = reports::YearReport {
            year: 2026,
            from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            to: today(),
            complete: false,
            members: Default::default(),
            inspections_by_month: vec![0; 12],
            inspections: 0,
            violations: Default::default(),
            checklist_top: vec![],
            notices: reports::NoticeFigures {
                median_days_to_verify: Some(2.5),
                ..Default::default()
            },
            complaints: Default::default(),
            trainings: Default::default(),
            rewards: Default::default(),
            stars: reports::StarCounts {
                by_stars: vec![0; 5],
                unrated: 0,
            },
            editions: vec![],
            credit_repairs: 0,
            commendations: vec![],
        };
        for lang in [Lang::Zh, Lang::En] {
            let v = report_view(&r, lang, today()).unwrap();
            let text = format!("{} {}", v.heading, v.period)
                + &v.figures
                    .iter()
                    .map(|f| format!("{} {} {}", f.label, f.value, f.note))
                    .collect::<String>();
            assert!(!text.contains("??") && !text.contains('{'), "{text}");
        }
        let v = report_view(&r, Lang::En, today()).unwrap();
        assert_eq!(v.heading, "2026 year in review");
        assert_eq!(v.period, "Year to date: 2026-01-01 – 2026-11-30");
        assert_eq!(v.figures[6].value, "2.5 days");
        assert_eq!(v.figures[11].note, "to 0 merchants");
    }
}
