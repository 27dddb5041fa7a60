//! Joining and leaving the alliance: the public application form `/join` (phone first; form
//! token, honeypot and throttle as on the complaint form), the committee's queue
//! `/staff/members` (approve, decline, confirm a member's leaving) with each merchant's
//! membership history, and the portal's membership section (ask to leave, withdraw).

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDate;
use serde::Deserialize;

use super::client::client_ip;
use super::extract::{CsrfForm, Id};
use super::guard::{Committee, MerchantUser, Require};
use super::throttle::Family;
use super::{html, see_other, with_db, AppError, AppState, FieldError, Lang, PageCtx};
use crate::db::models::merchant::Merchant;
use crate::db::models::now_utc;
use crate::services::charter;
use crate::services::complaints::{self, FormTiming};
use crate::services::membership::{self, ApplicationInput, Applied, MembershipError};

fn membership_error(e: MembershipError) -> AppError {
    match e {
        MembershipError::NotFound => AppError::NotFound,
        MembershipError::NotPending => AppError::Invalid(vec![FieldError {
            field: "state".into(),
            zh: Lang::Zh.t("join-error-decided").into(),
            en: Lang::En.t("join-error-decided").into(),
        }]),
        MembershipError::Invalid(p) => AppError::Invalid(p.into_iter().map(FieldError::from).collect()),
        MembershipError::Other(e) => AppError::Internal(e),
    }
}

/// A choice of a select: (stored value, words shown).
pub type Choice = (String, String);

/// The application form.
#[derive(Template, WebTemplate)]
#[template(path = "public/join.html")]
pub struct JoinPage {
    page: PageCtx,
    input: ApplicationInput,
    ts: String,
    errors: Vec<(String, String)>,
    /// The declared categories and areas (free text when empty).
    categories: Vec<Choice>,
    areas: Vec<Choice>,
    /// The charter in force: (number, title, safe HTML).
    charter: Option<(i32, String, String)>,
    /// "Read the charter (version N)" and "I have read and accept the charter (version N)".
    accept_read: String,
    accept_label: String,
}

impl JoinPage {
    /// The message for `field`, when it has one.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.0 == field).map(|e| e.1.as_str())
    }
}

async fn join_page(
    state: &AppState,
    page: PageCtx,
    input: ApplicationInput,
    ts: Option<String>,
    errors: Vec<FieldError>,
) -> Result<JoinPage, AppError> {
    let configured = state.config.session_secret.clone();
    let store = state.policy.clone();
    let (policy, current, secret) = with_db(state, move |c| {
        Ok((
            store.current(c)?,
            charter::current(c)?,
            crate::services::plaque::app_secret(c, configured.as_deref())?,
        ))
    })
    .await?;
    let lang = page.lang;
    let names = |ns: &[crate::domain::policy::DeclaredName]| -> Vec<Choice> {
        ns.iter()
            .map(|n| (n.name_zh.clone(), lang.pick(&n.name_zh, &n.name_en).to_string()))
            .collect()
    };
    let n = current.as_ref().map_or(0, |v| v.number);
    Ok(JoinPage {
        accept_read: lang.tr("join-charter-read", &[("n", n.into())]),
        accept_label: lang.tr("join-charter-accept", &[("n", n.into())]),
        ts: ts.unwrap_or_else(|| complaints::form_token(&secret, now_utc().and_utc().timestamp())),
        errors: errors
            .iter()
            .map(|f| (f.field.clone(), lang.pick(&f.zh, &f.en).to_string()))
            .collect(),
        categories: names(&policy.categories),
        areas: names(&policy.areas),
        charter: current.map(|v| (v.number, v.title, crate::mail::markdown::to_html(&v.body_md))),
        input,
        page,
    })
}

/// GET /join
pub async fn join_form(state: web::Data<AppState>, page: PageCtx) -> Result<JoinPage, AppError> {
    join_page(&state, page, ApplicationInput::default(), None, Vec::new()).await
}

/// The application form with its token and honeypot.
#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    ts: String,
    #[serde(default)]
    website: String,
    #[serde(flatten)]
    input: ApplicationInput,
}

/// The "come back later" page of the application form.
#[derive(Template)]
#[template(path = "public/join_limit.html")]
pub struct LimitPage {
    page: PageCtx,
    message: String,
}

/// The "come back later" answer (429) with its `Retry-After`.
fn throttled(page: PageCtx, secs: u64) -> Result<HttpResponse, AppError> {
    let secs = secs.max(1);
    let message = page.lang.tr("join-throttled", &[("secs", (secs as i64).into())]);
    let mut res = html(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        &LimitPage { page, message },
    )?;
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    Ok(res)
}

/// POST /join
pub async fn join_submit(
    state: web::Data<AppState>,
    page: PageCtx,
    req: HttpRequest,
    form: CsrfForm<JoinForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let ip = client_ip(&req, &state.config);
    match state
        .throttle
        .check(Family::Join, ip, Some(&form.input.credit_code))
    {
        Ok(()) => {}
        Err(AppError::TooManyRequests(secs)) => return throttled(page, secs),
        Err(e) => return Err(e),
    }
    if !form.website.trim().is_empty() {
        tracing::info!("join honeypot filled; discarded");
        return Ok(see_other("/join/thanks"));
    }
    let configured = state.config.session_secret.clone();
    let store = state.policy.clone();
    let (policy, current, secret) = with_db(&state, move |c| {
        Ok((
            store.current(c)?,
            charter::current(c)?,
            crate::services::plaque::app_secret(c, configured.as_deref())?,
        ))
    })
    .await?;
    let now = now_utc();
    let today = state.config.today();
    let timing = complaints::form_timing(&secret, &form.ts, now.and_utc().timestamp());
    let checked = membership::validate(
        &form.input,
        &policy,
        current.as_ref().map(|v| (v.id, v.number)),
        page.lang,
        today,
    );
    let mut errors: Vec<FieldError> = match &checked {
        Ok(_) => Vec::new(),
        Err(p) => p.iter().cloned().map(FieldError::from).collect(),
    };
    match timing {
        FormTiming::Ok => {}
        FormTiming::TooFast => errors.push(field_t("ts", "join-error-too-fast")),
        FormTiming::Expired => errors.push(field_t("ts", "join-error-expired")),
    }
    let valid = match checked {
        Ok(v) if errors.is_empty() => v,
        _ => return invalid(&state, page, form.input, form.ts, timing, errors).await,
    };
    let outcome = with_db(&state, move |c| Ok(membership::apply(c, &valid, today, now)?)).await?;
    match outcome {
        Applied::New(_) => Ok(see_other("/join/thanks")),
        Applied::Merged(_) => Ok(see_other("/join/thanks?again=1")),
        Applied::AlreadyMember(name, since) => {
            let e = FieldError {
                field: "credit_code".into(),
                zh: member_text(Lang::Zh, &name, since),
                en: member_text(Lang::En, &name, since),
            };
            invalid(&state, page, form.input, form.ts, timing, vec![e]).await
        }
    }
}

fn member_text(lang: Lang, name: &str, since: NaiveDate) -> String {
    lang.tr(
        "join-error-member",
        &[("name", name.to_string().into()), ("since", since.into())],
    )
}

fn field_t(field: &str, id: &str) -> FieldError {
    FieldError {
        field: field.into(),
        zh: Lang::Zh.t(id).into(),
        en: Lang::En.t(id).into(),
    }
}

async fn invalid(
    state: &AppState,
    page: PageCtx,
    input: ApplicationInput,
    ts: String,
    timing: FormTiming,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, AppError> {
    // A genuine render time is kept, so a form sent too fast is accepted when sent again.
    let ts = (timing != FormTiming::Expired).then_some(ts);
    let p = join_page(state, page, input, ts, errors).await?;
    html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
}

/// The thanks page: what happens next.
#[derive(Template, WebTemplate)]
#[template(path = "public/join_thanks.html")]
pub struct ThanksPage {
    page: PageCtx,
    again: bool,
}

/// `?again=1` of the thanks page.
#[derive(Deserialize)]
pub struct ThanksQuery {
    #[serde(default)]
    again: Option<String>,
}

/// GET /join/thanks
pub async fn join_thanks(page: PageCtx, q: web::Query<ThanksQuery>) -> ThanksPage {
    ThanksPage {
        page,
        again: q.again.is_some(),
    }
}

/// A pending application as the committee sees it.
pub struct ApplicationRow {
    pub a: membership::Application,
    /// The registered merchant with the same credit code: (id, name).
    pub registered: Option<(i32, String)>,
    pub applied_at: String,
    /// "Accepted charter version N", or empty.
    pub charter: String,
    /// "Applied N times".
    pub times: String,
    /// "Already registered as merchant".
    pub registered_text: String,
    /// The category and area in the page's language (a declared name's English on English
    /// pages), and whether each is text as typed (no declared name).
    pub category: (String, bool),
    pub area: (String, bool),
}

/// A decided application in the recent list.
pub struct DecidedRow {
    pub name: String,
    pub state: &'static str,
    pub at: String,
    pub merchant_id: Option<i32>,
    pub reason: String,
}

/// The committee's queue.
#[derive(Template, WebTemplate)]
#[template(path = "staff/members.html")]
pub struct MembersPage {
    page: PageCtx,
    applications: Vec<ApplicationRow>,
    leaves: Vec<(membership::LeaveRequest, String, String)>,
    decided: Vec<DecidedRow>,
    done: String,
}

/// `?done=` of the queue.
#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn done_text(done: &str, lang: Lang) -> String {
    match done {
        "approved" => lang.t("join-done-approved").into(),
        "declined" => lang.t("join-done-declined").into(),
        "left" => lang.t("join-done-left").into(),
        _ => String::new(),
    }
}

/// GET /staff/members
pub async fn members(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
    q: web::Query<DoneQuery>,
) -> Result<MembersPage, AppError> {
    let store = state.policy.clone();
    let (apps, leaves, decided, versions, policy) = with_db(&state, move |c| {
        let apps = membership::pending(c)?;
        let mut rows = Vec::new();
        for a in apps {
            let reg = Merchant::find_by_credit_code(c, &a.credit_code)?.map(|m| (m.id, m.name));
            rows.push((a, reg));
        }
        Ok((
            rows,
            membership::pending_leaves(c)?,
            membership::decided(c, 20)?,
            charter::all(c)?,
            store.current(c)?,
        ))
    })
    .await?;
    let lang = page.lang;
    let number_of = |id: Option<i32>| {
        id.and_then(|id| versions.iter().find(|v| v.id == id))
            .map(|v| lang.tr("join-accepted-version", &[("n", v.number.into())]))
            .unwrap_or_default()
    };
    Ok(MembersPage {
        applications: apps
            .into_iter()
            .map(|(a, registered)| ApplicationRow {
                applied_at: a.updated_at.format("%Y-%m-%d %H:%M").to_string(),
                charter: number_of(a.charter_version_id),
                times: lang.tr("join-staff-times", &[("n", a.times_applied.into())]),
                registered_text: lang.t("join-staff-registered").into(),
                category: policy
                    .category(&a.category)
                    .map_or((a.category.clone(), true), |n| {
                        (lang.pick(&n.name_zh, &n.name_en).to_string(), false)
                    }),
                area: policy.area(&a.area).map_or((a.area.clone(), true), |n| {
                    (lang.pick(&n.name_zh, &n.name_en).to_string(), false)
                }),
                registered,
                a,
            })
            .collect(),
        leaves: leaves
            .into_iter()
            .map(|(r, name)| {
                let at = r.requested_at.format("%Y-%m-%d").to_string();
                (r, name, at)
            })
            .collect(),
        decided: decided
            .into_iter()
            .map(|a| DecidedRow {
                state: if a.state == "approved" {
                    lang.t("join-state-approved")
                } else {
                    lang.t("join-state-declined")
                },
                at: a
                    .decided_at
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                merchant_id: a.merchant_id,
                reason: a.decline_reason.clone().unwrap_or_default(),
                name: a.name,
            })
            .collect(),
        done: done_text(&q.done, lang),
        page,
    })
}

/// POST /staff/members/applications/{id}/approve
pub async fn approve(
    state: web::Data<AppState>,
    user: Require<Committee>,
    id: Id,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let (id, actor, today, base) = (
        *id,
        user.actor(),
        state.config.today(),
        state.config.base_url.clone(),
    );
    with_db(&state, move |c| {
        membership::approve(c, &actor, id, today, now_utc(), &base).map_err(membership_error)
    })
    .await?;
    Ok(see_other("/staff/members?done=approved"))
}

/// The decline form.
#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// POST /staff/members/applications/{id}/decline
pub async fn decline(
    state: web::Data<AppState>,
    user: Require<Committee>,
    id: Id,
    form: CsrfForm<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let (id, actor, today, base) = (
        *id,
        user.actor(),
        state.config.today(),
        state.config.base_url.clone(),
    );
    let reason = form.into_inner().reason;
    with_db(&state, move |c| {
        membership::decline(c, &actor, id, &reason, today, now_utc(), &base).map_err(membership_error)
    })
    .await?;
    Ok(see_other("/staff/members?done=declined"))
}

/// POST /staff/members/leaves/{id}/confirm
pub async fn confirm_leave(
    state: web::Data<AppState>,
    user: Require<Committee>,
    id: Id,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let (id, actor, today, base) = (
        *id,
        user.actor(),
        state.config.today(),
        state.config.base_url.clone(),
    );
    with_db(&state, move |c| {
        membership::confirm_leave(c, &actor, id, today, now_utc(), &base).map_err(membership_error)
    })
    .await?;
    Ok(see_other("/staff/members?done=left"))
}

/// One step of a membership history, in words.
pub struct HistoryRow {
    pub on: String,
    pub kind: &'static str,
    pub actor: String,
    pub note: String,
}

fn kind_words(kind: &str, lang: Lang) -> &'static str {
    match kind {
        "applied" => lang.t("join-event-applied"),
        "approved" => lang.t("join-event-approved"),
        "declined" => lang.t("join-event-declined"),
        "leave_requested" => lang.t("join-event-leave-requested"),
        "leave_withdrawn" => lang.t("join-event-leave-withdrawn"),
        _ => lang.t("join-event-left"),
    }
}

fn history_rows(events: &[membership::Event], lang: Lang) -> Vec<HistoryRow> {
    events
        .iter()
        .map(|e| HistoryRow {
            on: e.happened_on.to_string(),
            kind: kind_words(&e.kind, lang),
            actor: if e.actor_id.is_none() {
                lang.t("join-actor-applicant").into()
            } else {
                e.actor_name.clone()
            },
            note: e.note.clone(),
        })
        .collect()
}

/// A merchant's membership history.
#[derive(Template, WebTemplate)]
#[template(path = "staff/member.html")]
pub struct MemberPage {
    page: PageCtx,
    merchant_id: i32,
    name: String,
    status: String,
    history: Vec<HistoryRow>,
}

/// The membership status of a merchant, in words: member since D, member from A to B, or not.
pub fn status_words(since: Option<NaiveDate>, left: Option<NaiveDate>, lang: Lang) -> String {
    match (since, left) {
        (Some(s), None) => lang.tr("join-status-member", &[("since", s.into())]),
        (Some(s), Some(l)) => lang.tr("join-status-left", &[("since", s.into()), ("left", l.into())]),
        _ => lang.t("join-status-none").into(),
    }
}

/// GET /staff/members/{id}
pub async fn member(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
    id: Id,
) -> Result<MemberPage, AppError> {
    let id = *id;
    let (m, events) = with_db(&state, move |c| {
        let m = Merchant::find(c, id)?.ok_or(AppError::NotFound)?;
        Ok((m, membership::history(c, id)?))
    })
    .await?;
    let lang = page.lang;
    Ok(MemberPage {
        merchant_id: m.id,
        status: status_words(m.member_since, m.member_left_on, lang),
        name: m.name,
        history: history_rows(&events, lang),
        page,
    })
}

/// The portal's banner of a charter version to confirm.
pub struct CharterBanner {
    pub number: i32,
    pub heading: String,
    pub title: String,
    pub changes: String,
    pub confirm: String,
}

/// What the portal shows about the membership and the charter.
#[derive(Default)]
pub struct PortalMembership {
    /// The charter version to confirm.
    pub charter: Option<CharterBanner>,
    /// "Member since D" and the like.
    pub status: String,
    /// Whether the merchant is a member today (may ask to leave).
    pub member: bool,
    /// "You asked to leave on D", while the request is pending.
    pub leave_pending: Option<String>,
}

/// Loads the portal's membership section for `merchant_id`.
pub async fn portal_membership(
    state: &AppState,
    merchant_id: i32,
    lang: Lang,
) -> Result<PortalMembership, AppError> {
    let today = state.config.today();
    let (m, to_confirm, pending) = with_db(state, move |c| {
        Ok((
            Merchant::find(c, merchant_id)?.ok_or(AppError::NotFound)?,
            charter::to_confirm(c, merchant_id, today)?,
            membership::pending_leave_of(c, merchant_id)?,
        ))
    })
    .await?;
    Ok(PortalMembership {
        charter: to_confirm.map(|v| CharterBanner {
            number: v.number,
            heading: lang.tr("charter-banner-title", &[("n", v.number.into())]),
            confirm: lang.tr("charter-banner-confirm", &[("n", v.number.into())]),
            title: v.title,
            changes: v.changes,
        }),
        status: status_words(m.member_since, m.member_left_on, lang),
        member: m.is_member_on(today),
        leave_pending: pending.map(|r| {
            lang.tr(
                "join-portal-leave-pending",
                &[("at", r.requested_at.format("%Y-%m-%d").to_string().into())],
            )
        }),
    })
}

/// POST /my/leave
pub async fn leave(
    state: web::Data<AppState>,
    user: MerchantUser,
    form: CsrfForm<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let (mid, actor, today) = (user.merchant_id, user.user.actor(), state.config.today());
    let reason = form.into_inner().reason;
    with_db(&state, move |c| {
        membership::request_leave(c, &actor, mid, &reason, today, now_utc()).map_err(membership_error)
    })
    .await?;
    Ok(see_other("/my#membership"))
}

/// POST /my/leave/withdraw
pub async fn withdraw(
    state: web::Data<AppState>,
    user: MerchantUser,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let (mid, actor, today) = (user.merchant_id, user.user.actor(), state.config.today());
    with_db(&state, move |c| {
        membership::withdraw_leave(c, &actor, mid, today, now_utc()).map_err(membership_error)
    })
    .await?;
    Ok(see_other("/my#membership"))
}

/// Registers the membership routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/join")
            .route(web::get().to(join_form))
            .route(web::post().to(join_submit)),
    )
    .service(web::resource("/join/thanks").route(web::get().to(join_thanks)))
    .service(web::resource("/staff/members").route(web::get().to(members)))
    .service(web::resource("/staff/members/{id}").route(web::get().to(member)))
    .service(web::resource("/staff/members/applications/{id}/approve").route(web::post().to(approve)))
    .service(web::resource("/staff/members/applications/{id}/decline").route(web::post().to(decline)))
    .service(web::resource("/staff/members/leaves/{id}/confirm").route(web::post().to(confirm_leave)))
    .service(web::resource("/my/leave").route(web::post().to(leave)))
    .service(web::resource("/my/leave/withdraw").route(web::post().to(withdraw)));
}
