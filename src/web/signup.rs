//! Branch training: the merchant portal's trainings (upcoming sessions, sign up and cancel, the
//! hours that count in the rating) and the way to the red list, criterion by criterion. The
//! sections are included in `templates/portal/home.html`; the data is loaded with the home page.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate, NaiveDateTime};

use super::extract::{CsrfForm, Id};
use super::guard::MerchantUser;
use super::public::points;
use super::{html, see_other, with_db, AppError, AppState, Lang, PageCtx};
use crate::db::DbConn;
use crate::domain::commendation::{evaluate, LevelResult};
use crate::domain::policy::Policy;
use crate::domain::rating::{window_start_exclusive, Rating, TermKey};
use crate::domain::way::{to_red_list, RedCriterion, Way};
use crate::i18n::words::long_date;
use crate::services::trainings::{self, SignupError, Upcoming};

/// An upcoming training, ready to print.
pub struct TrainingLine {
    pub id: i32,
    pub title: String,
    pub when: String,
    pub place: String,
    pub hours: String,
    pub seats: String,
    pub description: String,
    /// The merchant is signed up.
    pub mine: bool,
    /// No seat left (and the merchant is not signed up).
    pub full: bool,
}

/// The portal's trainings section.
#[derive(Default)]
pub struct PortalTrainings {
    pub lines: Vec<TrainingLine>,
    /// Whether the merchant may sign up (an alliance member).
    pub member: bool,
    /// "Training 3.0 hours (in the rating window) → +1.5 points (at most 3)".
    pub hours_line: String,
    /// Why the last sign-up or cancellation was refused.
    pub error: String,
}

/// One criterion, ready to print: met or lacking, and in words.
pub struct WayLine {
    pub met: bool,
    pub text: String,
    /// Sub-lines (e.g. each open notice).
    pub details: Vec<String>,
    /// A link to act on it (href, label), e.g. to `/join`.
    pub link: Option<(&'static str, String)>,
}

/// The way to the red list (and to the year's commendation), ready to print.
#[derive(Default)]
pub struct WayView {
    pub on_red: bool,
    pub lines: Vec<WayLine>,
    /// The way off the black list, when the merchant is on it.
    pub black: Vec<String>,
    /// The commendation level looked at, "so far this year" (empty when the policy has none).
    pub commend_title: String,
    pub commend_met: bool,
    pub commend: Vec<WayLine>,
}

/// What the sections read, loaded with the home page.
pub struct Loaded {
    upcoming: Vec<Upcoming>,
    member: bool,
    /// (hours in the window, tenths; points the rating's training term adds, tenths).
    hours: (i32, i32),
    policy: Policy,
    way: Way,
    /// Notice id → (number, year, seq).
    notices: HashMap<i64, (String, i32, i32)>,
    /// (year, level names zh/en, the level's result so far).
    commend: Option<(i32, String, String, LevelResult)>,
}

/// The local time now in the deployment's zone.
pub fn local_now(state: &AppState) -> NaiveDateTime {
    chrono::Utc::now()
        .with_timezone(&state.config.time_zone)
        .naive_local()
}

/// Loads the sections' data for `merchant_id` whose current rating is `rating`.
pub fn load(
    c: &mut DbConn,
    policy: &Policy,
    merchant_id: i32,
    rating: Option<&Rating>,
    now: NaiveDateTime,
) -> Result<Loaded, AppError> {
    let today = now.date();
    let upcoming = trainings::upcoming(c, merchant_id, now)?;
    let m = crate::db::models::merchant::Merchant::find(c, merchant_id)?.ok_or(AppError::NotFound)?;
    let member = m.status == "open" && m.is_member_on(today);
    let history = crate::services::histories::load_histories(c, Some(&[merchant_id]), today)?
        .remove(&merchant_id)
        .unwrap_or_default();
    // Hours in the rating window (as the engine counts them); the points come from the
    // rating's own training term.
    let lo = window_start_exclusive(today, policy.window_days);
    let hours: i32 = history
        .trainings
        .iter()
        .filter(|t| t.date > lo && t.date <= today)
        .map(|t| t.hours_tenths)
        .sum();
    let term_points = rating
        .and_then(|r| r.breakdown.iter().find(|t| t.key == TermKey::Training))
        .map_or(0, |t| t.points_tenths);
    let notices: HashMap<i64, (String, i32, i32)> = crate::services::notices::for_merchant(c, merchant_id)?
        .into_iter()
        .map(|n| (i64::from(n.id), (n.number, n.year, n.seq)))
        .collect();
    let overdue = history
        .notices
        .iter()
        .filter(|n| n.verified_on.is_none() && n.deadline < today)
        .count();
    let way = to_red_list(rating, &history, policy, today, overdue);
    let commend = if policy.commendation.levels.is_empty() {
        None
    } else {
        let year = today.year();
        let recs = crate::services::commendations::load_year_records(c, year, today, Some(&[merchant_id]))?;
        recs.get(&merchant_id).and_then(|rec| {
            let ev = evaluate(rec, &policy.commendation, year, today);
            // The level to aim at: the one just above the best met so far; the lowest when
            // none is met; the highest when it is met.
            let i = match ev.proposed {
                Some(0) => 0,
                Some(i) => i - 1,
                None => ev.levels.len().checked_sub(1)?,
            };
            let level = policy.commendation.levels.get(i)?;
            Some((
                year,
                level.name_zh.clone(),
                level.name_en.clone(),
                ev.levels.get(i)?.clone(),
            ))
        })
    };
    Ok(Loaded {
        upcoming,
        member,
        hours: (hours, term_points),
        policy: policy.clone(),
        way,
        notices,
        commend,
    })
}

fn hours_text(tenths: i32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn when(held_on: NaiveDate, starts_at: &str, lang: Lang) -> String {
    let day = long_date(held_on, lang);
    if starts_at.is_empty() {
        day
    } else {
        format!("{day} {starts_at}")
    }
}

/// The trainings section in `lang`.
pub fn trainings_view(l: &Loaded, lang: Lang) -> PortalTrainings {
    let lines = l
        .upcoming
        .iter()
        .map(|u| TrainingLine {
            id: u.id,
            title: u.title.clone(),
            when: when(u.held_on, &u.details.starts_at, lang),
            place: u.details.place.clone(),
            hours: hours_text(u.hours_tenths),
            seats: match u.seats_left {
                None => lang.t("signup-seats-unlimited").to_string(),
                Some(0) => lang.t("signup-full").to_string(),
                Some(n) => lang.tr("signup-seats-left", &[("n", n.into())]),
            },
            description: u.details.description.clone(),
            mine: u.mine,
            full: !u.mine && u.seats_left == Some(0),
        })
        .collect();
    let p = &l.policy;
    PortalTrainings {
        lines,
        member: l.member,
        hours_line: lang.tr(
            "signup-hours-line",
            &[
                ("hours", hours_text(l.hours.0).into()),
                ("points", points(l.hours.1, true).into()),
                ("cap", points(p.training.cap, false).into()),
                ("per_hour", points(p.training.per_hour, false).into()),
            ],
        ),
        error: String::new(),
    }
}

fn notice_number(l: &Loaded, id: i64, lang: Lang) -> String {
    match l.notices.get(&id) {
        Some((number, _, _)) if lang == Lang::Zh => number.clone(),
        Some((_, year, seq)) => lang.tr(
            "record-notice-number",
            &[("seq", (*seq).into()), ("year", year.to_string().into())],
        ),
        None => id.to_string(),
    }
}

/// The way to the red list in `lang`.
pub fn way_view(l: &Loaded, lang: Lang) -> WayView {
    let d = |x: NaiveDate| long_date(x, lang);
    let lines = l
        .way
        .steps
        .iter()
        .map(|s| {
            let mut details = Vec::new();
            let mut link = None;
            let text = match &s.criterion {
                RedCriterion::Stars {
                    need,
                    need_tenths,
                    have,
                    score_tenths,
                } => match (have, score_tenths) {
                    (Some(h), Some(sc)) if s.met => lang.tr(
                        "way-stars-met",
                        &[("have", (*h).into()), ("need", (*need).into())],
                    ),
                    (Some(h), Some(sc)) => lang.tr(
                        "way-stars-short",
                        &[
                            ("have", (*h).into()),
                            ("score", points(*sc, false).into()),
                            ("need", (*need).into()),
                            ("need_score", points(*need_tenths, false).into()),
                            ("short", points((need_tenths - sc).max(0), false).into()),
                        ],
                    ),
                    _ => lang.tr(
                        "way-stars-unrated",
                        &[
                            ("need", (*need).into()),
                            ("need_score", points(*need_tenths, false).into()),
                        ],
                    ),
                },
                RedCriterion::NoViolation {
                    count,
                    last_found,
                    leaves_on,
                } => match (last_found, leaves_on) {
                    (Some(f), Some(e)) => lang.tr(
                        "way-violation-lacking",
                        &[
                            ("count", (*count).into()),
                            ("found", d(*f).into()),
                            ("leaves", d(*e).into()),
                        ],
                    ),
                    _ => lang.t("way-violation-met").to_string(),
                },
                RedCriterion::NoOpenNotice { open } => {
                    for (id, deadline) in open {
                        details.push(lang.tr(
                            "way-notice-open",
                            &[
                                ("number", notice_number(l, *id, lang).into()),
                                ("deadline", d(*deadline).into()),
                            ],
                        ));
                    }
                    if open.is_empty() {
                        lang.t("way-notice-met").to_string()
                    } else {
                        lang.tr("way-notice-lacking", &[("count", open.len().into())])
                    }
                }
                RedCriterion::Member { member } => {
                    if *member {
                        lang.t("way-member-met").to_string()
                    } else {
                        link = Some(("/join", lang.t("way-join").to_string()));
                        lang.t("way-member-lacking").to_string()
                    }
                }
            };
            WayLine {
                met: s.met,
                text,
                details,
                link,
            }
        })
        .collect();
    let black = l
        .way
        .black
        .iter()
        .map(|s| crate::i18n::words::way_out_step(*s, lang))
        .collect();
    let (commend_title, commend_met, commend) = match &l.commend {
        None => (String::new(), false, Vec::new()),
        Some((year, zh, en, result)) => (
            lang.tr(
                "way-commend-title",
                &[
                    ("year", year.to_string().into()),
                    ("level", lang.pick(zh, en).into()),
                ],
            ),
            result.passed(),
            result
                .criteria
                .iter()
                .map(|c| {
                    let (ask, found) = super::commendations::words::criterion_lines(c, lang);
                    WayLine {
                        met: c.passed,
                        text: ask,
                        details: vec![lang.tr("way-commend-found", &[("found", found.into())])],
                        link: None,
                    }
                })
                .collect(),
        ),
    };
    WayView {
        on_red: l.way.on_red,
        lines,
        black,
        commend_title,
        commend_met,
        commend,
    }
}

/// The message for a refused sign-up or cancellation, with its status.
fn refusal(e: SignupError, lang: Lang) -> Result<(StatusCode, String), AppError> {
    let msg = match e {
        SignupError::NoTraining(_) => return Err(AppError::NotFound),
        SignupError::Other(e) => return Err(AppError::Internal(e)),
        SignupError::Started => lang.t("signup-err-started"),
        SignupError::Full => lang.t("signup-err-full"),
        SignupError::NotMember => lang.t("signup-err-not-member"),
        SignupError::AlreadySignedUp => lang.t("signup-err-already"),
        SignupError::NotSignedUp => lang.t("signup-err-not-signed-up"),
    };
    Ok((StatusCode::CONFLICT, msg.to_string()))
}

async fn change(
    state: web::Data<AppState>,
    page: PageCtx,
    user: MerchantUser,
    id: i32,
    cancel: bool,
) -> Result<HttpResponse, AppError> {
    let mid = user.merchant_id;
    let actor = user.actor();
    let now = local_now(&state);
    let res = with_db(&state, move |c| {
        Ok(if cancel {
            trainings::cancel(c, &actor, id, mid, now)
        } else {
            trainings::sign_up(c, &actor, id, mid, now).map(|_| ())
        })
    })
    .await?;
    match res {
        Ok(()) => Ok(see_other("/my#trainings")),
        Err(e) => {
            let lang = page.lang;
            let (status, msg) = refusal(e, lang)?;
            let mut p = super::portal::home_page(&state, page, mid, String::new(), Vec::new(), false).await?;
            p.training.error = msg;
            html(status, &p)
        }
    }
}

/// POST /my/trainings/{id}/signup
pub async fn sign_up(
    state: web::Data<AppState>,
    page: PageCtx,
    user: MerchantUser,
    id: Id,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    change(state, page, user, *id, false).await
}

/// POST /my/trainings/{id}/cancel
pub async fn cancel(
    state: web::Data<AppState>,
    page: PageCtx,
    user: MerchantUser,
    id: Id,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    change(state, page, user, *id, true).await
}

/// Registers the routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/my/trainings/{id}/signup").route(web::post().to(sign_up)))
        .service(web::resource("/my/trainings/{id}/cancel").route(web::post().to(cancel)));
}
