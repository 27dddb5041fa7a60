//! The public pages that explain what consumers see: what the rating means (from the active
//! policy, with the real inspection figures) and where the open data is.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::{with_db, AppError, AppState, Lang, PageCtx};
use crate::domain::policy::Policy;
use crate::services::about::Frequency;

/// Registers `/about/ratings` and `/about/data`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/about/ratings").route(web::get().to(ratings)))
        .service(web::resource("/about/data").route(web::get().to(data)));
}

/// One level of the colour scale: its stars, words and score range.
pub struct LevelRow {
    pub level: &'static str,
    pub stars_text: String,
    pub stars_label: String,
    pub words: &'static str,
    pub range: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/about_ratings.html")]
pub struct RatingsPage {
    page: PageCtx,
    version: String,
    levels: Vec<LevelRow>,
    unrated_text: String,
    unrated_words: &'static str,
    /// How the score is made, one sentence per term.
    score: Vec<String>,
    red: Vec<String>,
    black: Vec<String>,
    repair: Vec<String>,
    frequency: Vec<String>,
}

/// Points from tenths, without a needless ".0": 90, 79.9.
fn pts(tenths: i32) -> String {
    if tenths % 10 == 0 {
        (tenths / 10).to_string()
    } else {
        super::public::points(tenths, false)
    }
}

/// The five levels, best first, with the score range the policy's thresholds give each.
fn levels(p: &Policy, lang: Lang) -> Vec<LevelRow> {
    let t = p.star_thresholds;
    (1..=5)
        .rev()
        .map(|stars: i32| {
            let range = match stars {
                5 => lang.tr("about-range-from", &[("min", pts(t[0]).into())]),
                1 => lang.tr("about-range-below", &[("max", pts(t[3]).into())]),
                s => {
                    // Level s covers [t[5-s], t[4-s]) in tenths.
                    let i = (5 - s) as usize;
                    lang.tr(
                        "about-range-between",
                        &[("min", pts(t[i]).into()), ("max", pts(t[i - 1] - 1).into())],
                    )
                }
            };
            let (stars_text, stars_label) = super::public::stars_display(Some(stars), lang);
            LevelRow {
                level: super::public::stars_level(Some(stars)),
                stars_text,
                stars_label,
                words: super::public::stars_words(Some(stars), lang),
                range,
            }
        })
        .collect()
}

fn score_lines(p: &Policy, lang: Lang) -> Vec<String> {
    let mut out = vec![
        lang.tr("about-score-window", &[("days", p.window_days.into())]),
        lang.t("about-score-mean").to_string(),
        lang.tr(
            "about-score-violations",
            &[
                ("minor", pts(p.violations.minor).into()),
                ("major", pts(p.violations.major).into()),
                ("serious", pts(p.violations.serious).into()),
            ],
        ),
    ];
    if p.complaints.each > 0 {
        out.push(lang.tr(
            "about-score-complaints",
            &[
                ("each", pts(p.complaints.each).into()),
                ("cap", pts(p.complaints.cap).into()),
            ],
        ));
    }
    if p.notices.overdue_each > 0 {
        out.push(lang.tr(
            "about-score-notices",
            &[("each", pts(p.notices.overdue_each).into())],
        ));
    }
    if p.training.per_hour > 0 && p.training.cap > 0 {
        out.push(lang.tr(
            "about-score-training",
            &[
                ("per_hour", pts(p.training.per_hour).into()),
                ("cap", pts(p.training.cap).into()),
            ],
        ));
    }
    out.push(lang.t("about-score-clamp").to_string());
    out
}

fn red_lines(p: &Policy, lang: Lang) -> Vec<String> {
    let mut out = vec![lang.tr("about-red-stars", &[("stars", i32::from(p.red.min_stars).into())])];
    if p.red.require_no_violation {
        out.push(lang.tr("about-red-no-violation", &[("days", p.window_days.into())]));
    }
    if p.red.require_no_open_notice {
        out.push(lang.t("about-red-no-open-notice").to_string());
    }
    if p.red.require_alliance_member {
        out.push(lang.t("about-red-member").to_string());
    }
    out
}

fn black_lines(p: &Policy, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    if p.black.on_serious_violation {
        out.push(lang.tr("about-black-serious", &[("days", p.window_days.into())]));
    }
    if p.black.on_overdue_notice {
        out.push(lang.t("about-black-overdue").to_string());
    }
    if p.black.max_stars > 0 {
        out.push(lang.tr(
            "about-black-stars",
            &[("stars", i32::from(p.black.max_stars).into())],
        ));
    }
    if out.is_empty() {
        out.push(lang.t("about-black-none").to_string());
    }
    out
}

fn repair_lines(p: &Policy, lang: Lang) -> Vec<String> {
    let r = p.black.repair;
    let mut out = vec![lang.t("about-repair-intro").to_string()];
    if p.black.on_serious_violation && r.min_stay_days > 0 {
        out.push(lang.tr("about-repair-stay", &[("days", r.min_stay_days.into())]));
    }
    if p.black.on_overdue_notice {
        out.push(lang.t("about-repair-notices").to_string());
    }
    if r.require_follow_up {
        out.push(lang.tr(
            "about-repair-follow-up",
            &[("score", r.follow_up_pass_score.into())],
        ));
    }
    if p.black.max_stars > 0 {
        out.push(lang.tr(
            "about-repair-stars",
            &[("stars", (i32::from(p.black.max_stars) + 1).into())],
        ));
    }
    out
}

fn frequency_lines(p: &Policy, f: &Frequency, lang: Lang) -> Vec<String> {
    let mut out = vec![lang.tr("about-often-window", &[("days", p.window_days.into())])];
    match (f.per_rated_tenths(), f.inspected_percent()) {
        (Some(per), Some(share)) => {
            let per = i32::try_from(per).map(pts).unwrap_or_default();
            out.push(lang.tr(
                "about-often-figures",
                &[
                    ("upto", f.upto.into()),
                    ("inspections", f.inspections.into()),
                    ("rated", f.rated.into()),
                    ("per", per.into()),
                    ("share", share.into()),
                ],
            ));
        }
        _ => out.push(lang.t("about-often-none").to_string()),
    }
    out
}

/// GET /about/ratings: what the stars and the lists mean, from the policy in force.
pub async fn ratings(state: web::Data<AppState>, page: PageCtx) -> Result<RatingsPage, AppError> {
    let policy = state.policy.clone();
    let today = state.config.today();
    let (policy, freq) = with_db(&state, move |c| {
        let p = policy.current(c)?;
        Ok((p, crate::services::about::inspection_frequency(c, today)?))
    })
    .await?;
    let lang = page.lang;
    let (unrated_text, _) = super::public::stars_display(None, lang);
    Ok(RatingsPage {
        version: policy.version.clone(),
        levels: levels(&policy, lang),
        unrated_text,
        unrated_words: super::public::stars_words(None, lang),
        score: score_lines(&policy, lang),
        red: red_lines(&policy, lang),
        black: black_lines(&policy, lang),
        repair: repair_lines(&policy, lang),
        frequency: frequency_lines(&policy, &freq, lang),
        page,
    })
}

/// One download or endpoint of the open data.
pub struct DataLink {
    pub href: String,
    pub title: &'static str,
    pub what: &'static str,
    pub format: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/about_data.html")]
pub struct DataPage {
    page: PageCtx,
    downloads: Vec<DataLink>,
    api: Vec<DataLink>,
}

/// GET /about/data: the exports and the public API, linked.
pub async fn data(state: web::Data<AppState>, page: PageCtx) -> Result<DataPage, AppError> {
    let lang = page.lang;
    let newest = with_db(&state, |c| {
        Ok(crate::services::editions::list(c)?.first().map(|e| e.number))
    })
    .await?;
    let link = |href: String, title: &str, what: &str, format: &'static str| DataLink {
        href,
        title: lang.t(title),
        what: lang.t(what),
        format,
    };
    let downloads = vec![
        link(
            "/export/merchants.csv".into(),
            "about-data-merchants",
            "about-data-merchants-what",
            "CSV",
        ),
        link(
            "/export/lives.zip".into(),
            "about-data-lives",
            "about-data-lives-what",
            "ZIP (LIVES)",
        ),
        link(
            "/export/fhrs.xml".into(),
            "about-data-fhrs",
            "about-data-fhrs-what",
            "XML (FHRS)",
        ),
    ];
    let mut api = vec![
        link(
            "/api/v1/openapi.json".into(),
            "about-data-openapi",
            "about-data-openapi-what",
            "JSON (OpenAPI 3)",
        ),
        link(
            "/api/v1/public/lists/red".into(),
            "about-data-list-red",
            "about-data-list-what",
            "JSON",
        ),
        link(
            "/api/v1/public/lists/black".into(),
            "about-data-list-black",
            "about-data-list-what",
            "JSON",
        ),
        link(
            "/api/v1/public/editions".into(),
            "about-data-editions",
            "about-data-editions-what",
            "JSON",
        ),
        link(
            "/api/v1/public/merchants".into(),
            "about-data-merchants-api",
            "about-data-merchants-api-what",
            "JSON",
        ),
    ];
    if let Some(n) = newest {
        api.insert(
            4,
            link(
                format!("/api/v1/public/editions/{n}"),
                "about-data-edition",
                "about-data-edition-what",
                "JSON",
            ),
        );
    }
    Ok(DataPage { page, downloads, api })
}
