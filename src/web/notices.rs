//! The inspector's side of rectification notices: issuing one from an inspection's violations,
//! the queue (answers to verify, overdue, open), a notice's full history, and the decision.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::extract::{CsrfForm, Id};
use super::guard::{Require, Staff};
use super::{html, see_other, with_db, AppError, AppState, FieldError, Lang, PageCtx};
use crate::db::models::inspection::{Inspection, Violation};
use crate::db::models::notice::Notice;
use crate::domain::notice::NoticeState;
use crate::services::notices::{self, DecisionDraft, IssueDraft, NoticeDetail, NoticeError, NoticeRow};

fn state_label(lang: Lang, state: NoticeState) -> &'static str {
    crate::i18n::words::notice_state(state, lang)
}

/// A notice in a list, ready to print.
pub struct Row {
    pub id: i32,
    pub number: String,
    pub merchant_id: i32,
    pub merchant_name: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub deadline: String,
}

impl Row {
    fn new(r: &NoticeRow, lang: Lang) -> Self {
        Row {
            id: r.notice.id,
            number: r.notice.number.clone(),
            merchant_id: r.notice.merchant_id,
            merchant_name: r.merchant_name.clone(),
            // As on the notice's own page: "退回整改" while a sent-back notice waits.
            state: if r.sent_back && r.notice.state != NoticeState::Overdue {
                lang.t("entry-badge-sent-back")
            } else {
                state_label(lang, r.notice.state)
            },
            state_class: if r.sent_back && r.notice.state != NoticeState::Overdue {
                "warn"
            } else {
                state_class(r.notice.state)
            },
            deadline: r.notice.deadline.to_string(),
        }
    }
}

/// The CSS class of a state badge.
pub fn state_class(state: NoticeState) -> &'static str {
    match state {
        NoticeState::Verified => "ok",
        NoticeState::Overdue => "bad",
        NoticeState::Answered => "warn",
        NoticeState::Issued | NoticeState::Emailed | NoticeState::Read => "",
    }
}

#[derive(Template)]
#[template(path = "staff/notices/index.html")]
pub struct QueuePage {
    page: PageCtx,
    to_verify: Vec<Row>,
    overdue: Vec<Row>,
    open: Vec<Row>,
    closed: Vec<Row>,
}

/// GET /staff/notices
pub async fn index(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
) -> Result<HttpResponse, AppError> {
    let q = with_db(&state, |c| Ok(notices::queue(c)?)).await?;
    let lang = page.lang;
    let rows = |v: &[NoticeRow]| v.iter().map(|r| Row::new(r, lang)).collect();
    html(
        actix_web::http::StatusCode::OK,
        &QueuePage {
            to_verify: rows(&q.to_verify),
            overdue: rows(&q.overdue),
            open: rows(&q.open),
            closed: rows(&q.closed),
            page,
        },
    )
}

/// One violation, ready to print.
pub struct ViolationLine {
    pub id: i32,
    pub code: String,
    pub severity: &'static str,
    pub description: String,
    pub found_on: String,
}

impl ViolationLine {
    pub fn new(v: &Violation, lang: Lang) -> Self {
        ViolationLine {
            id: v.id,
            code: v.code.clone(),
            severity: crate::i18n::words::severity(v.severity, lang),
            description: v.description.clone(),
            found_on: v.found_on.to_string(),
        }
    }
}

/// One answer, ready to print.
pub struct AnswerLine {
    pub at: String,
    pub body: String,
    pub follow_up: bool,
    pub photos: Vec<(i32, String)>,
    /// "accepted", "rejected" or "" (pending).
    pub decision: String,
    pub decision_label: &'static str,
    pub decided: String,
    pub reason: String,
}

/// A timeline line: label and local time (or "not yet").
pub struct Stamp {
    pub key: &'static str,
    pub at: String,
}

/// What both the staff and the merchant notice pages print.
pub struct NoticeBody {
    pub id: i32,
    pub number: String,
    pub merchant_id: i32,
    pub merchant_name: String,
    pub state: NoticeState,
    pub state_label: &'static str,
    pub state_class: &'static str,
    pub deadline: String,
    pub required_actions: String,
    pub violations: Vec<ViolationLine>,
    pub answers: Vec<AnswerLine>,
    pub stamps: Vec<Stamp>,
    pub pending: bool,
}

impl NoticeBody {
    /// Builds the printable notice from its detail.
    pub fn new(d: &NoticeDetail, lang: Lang, state: &AppState) -> Self {
        let n: &Notice = &d.notice;
        let t = |at: Option<chrono::NaiveDateTime>| {
            at.map(|a| state.config.local_time(a))
                .unwrap_or_else(|| lang.t("notice-not-yet").to_string())
        };
        let mut stamps = vec![
            Stamp {
                key: "notice-issued-at",
                at: t(Some(n.issued_at)),
            },
            Stamp {
                key: "notice-emailed-at",
                at: t(n.emailed_at),
            },
            Stamp {
                key: "notice-read-at",
                at: t(n.read_at),
            },
            Stamp {
                key: "notice-answered-at",
                at: t(n.answered_at),
            },
            Stamp {
                key: "notice-verified-at",
                at: t(n.verified_at),
            },
        ];
        if n.overdue_at.is_some() {
            stamps.push(Stamp {
                key: "notice-overdue-at",
                at: t(n.overdue_at),
            });
        }
        if n.reminder_sent_at.is_some() {
            stamps.push(Stamp {
                key: "notice-reminder-at",
                at: t(n.reminder_sent_at),
            });
        }
        let answers: Vec<AnswerLine> = d
            .answers
            .iter()
            .map(|a| {
                let decision = a.answer.decision.clone().unwrap_or_default();
                AnswerLine {
                    at: state.config.local_time(a.answer.created_at),
                    body: a.answer.body.clone(),
                    follow_up: a.answer.wants_follow_up,
                    photos: a.photos.iter().map(|p| (p.id, p.file_name.clone())).collect(),
                    decision_label: match decision.as_str() {
                        "accepted" => lang.t("notice-accepted"),
                        "rejected" => lang.t("notice-rejected"),
                        _ => lang.t("notice-pending"),
                    },
                    decision,
                    decided: a
                        .answer
                        .decided_at
                        .map(|at| {
                            let who = a.decided_by.clone().unwrap_or_default();
                            format!("{} {who}", state.config.local_time(at))
                                .trim()
                                .to_string()
                        })
                        .unwrap_or_default(),
                    reason: a.answer.decision_reason.clone().unwrap_or_default(),
                }
            })
            .collect();
        // The badge says what happened (Entry, issue 16): "退回整改" while a sent-back notice
        // waits for a new answer, "已通过验收" once accepted.
        let sent_back = n.state != NoticeState::Verified
            && n.state != NoticeState::Answered
            && answers.last().is_some_and(|a| a.decision == "rejected");
        let (badge, badge_class) = if n.state == NoticeState::Verified {
            (lang.t("entry-badge-accepted"), "ok")
        } else if sent_back && n.state != NoticeState::Overdue {
            (lang.t("entry-badge-sent-back"), "warn")
        } else {
            (state_label(lang, n.state), state_class(n.state))
        };
        NoticeBody {
            id: n.id,
            number: n.number.clone(),
            merchant_id: n.merchant_id,
            merchant_name: d.merchant_name.clone(),
            state: n.state,
            state_label: badge,
            state_class: badge_class,
            deadline: n.deadline.to_string(),
            required_actions: n.required_actions.clone(),
            violations: d.violations.iter().map(|v| ViolationLine::new(v, lang)).collect(),
            pending: answers.iter().any(|a| a.decision.is_empty()) && n.state != NoticeState::Verified,
            answers,
            stamps,
        }
    }
}

/// An email line on the staff notice page.
pub struct MailRow {
    pub kind: String,
    /// The kind in words.
    pub kind_label: String,
    pub status: &'static str,
    pub attempts: i32,
    pub at: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "staff/notices/show.html")]
pub struct ShowPage {
    page: PageCtx,
    n: NoticeBody,
    inspection_id: i32,
    issued_by: String,
    mails: Vec<MailRow>,
    /// (local time, action code, actor in words, action in words).
    history: Vec<(String, String, String, String)>,
    issued_number: String,
    emailed_to: String,
    no_email: bool,
    /// After a decision: what happened and what was sent (Entry, issue 16).
    decided: String,
}

/// Query of the notice page: set after issuing, to confirm what happened.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    issued: Option<String>,
    #[serde(default)]
    to: Option<String>,
    /// Set after a decision: `accepted` or `rejected`.
    #[serde(default)]
    decided: Option<String>,
}

/// The confirmation after a decision: what happened and what was sent to whom.
fn decided_message(lang: Lang, decided: Option<&str>, to: &str, deadline: chrono::NaiveDate) -> String {
    let what = match decided {
        Some("accepted") => lang.t("entry-decided-accepted").to_string(),
        Some("rejected") => lang.tr(
            "entry-decided-rejected",
            &[("deadline", deadline.to_string().into())],
        ),
        _ => return String::new(),
    };
    let sent = if to.is_empty() {
        lang.t("entry-decided-no-email").to_string()
    } else {
        lang.tr("entry-decided-emailed", &[("to", to.to_string().into())])
    };
    format!("{what} {sent}")
}

/// GET /staff/notices/{id}: the notice, its timeline, answers, emails and audit history.
pub async fn show(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
    id: Id,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let d = with_db(&state, move |c| Ok(notices::detail(c, id, true)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let mails = d
        .mails
        .iter()
        .map(|m| MailRow {
            kind_label: super::staff_words::mail_kind(&m.kind, lang),
            kind: m.kind.clone(),
            status: if m.sent_at.is_some() {
                lang.t("notice-mail-sent")
            } else if m.failed_at.is_some() {
                lang.t("notice-mail-failed")
            } else {
                lang.t("notice-mail-queued")
            },
            attempts: m.attempts,
            at: state
                .config
                .local_time(m.sent_at.or(m.failed_at).unwrap_or(m.created_at)),
            error: m.last_error.clone().unwrap_or_default(),
        })
        .collect();
    let history = d
        .history
        .iter()
        .map(|h| {
            (
                state.config.local_time(h.at),
                h.action.clone(),
                super::staff_words::actor(&h.actor, lang).0,
                super::staff_words::action(&h.action, lang),
            )
        })
        .collect();
    let q = query.into_inner();
    let decided = decided_message(
        lang,
        q.decided.as_deref(),
        q.to.as_deref().unwrap_or(""),
        d.notice.deadline,
    );
    html(
        actix_web::http::StatusCode::OK,
        &ShowPage {
            decided,
            inspection_id: d.notice.inspection_id,
            issued_by: d.issued_by.clone().unwrap_or_default(),
            mails,
            history,
            no_email: q.issued.is_some() && q.decided.is_none() && q.to.as_deref().unwrap_or("").is_empty(),
            issued_number: if q.issued.is_some() {
                d.notice.number.clone()
            } else {
                String::new()
            },
            emailed_to: q.to.unwrap_or_default(),
            n: NoticeBody::new(&d, lang, &state),
            page,
        },
    )
}

#[derive(Template)]
#[template(path = "staff/notices/new.html")]
pub struct NewPage {
    page: PageCtx,
    inspection_id: i32,
    merchant_name: String,
    inspected_on: String,
    violations: Vec<ViolationLine>,
    chosen: Vec<i32>,
    required_actions: String,
    deadline: String,
    errors: Vec<FieldError>,
}

/// What the issue form shows: the inspection and its violations not yet on a notice.
async fn new_page(
    state: &AppState,
    page: PageCtx,
    inspection_id: i32,
    values: (Vec<i32>, String, String),
    errors: Vec<FieldError>,
) -> Result<NewPage, AppError> {
    let (inspection, merchant_name, free) = with_db(state, move |c| {
        let i = Inspection::find(c, inspection_id)?.ok_or(AppError::NotFound)?;
        let name = crate::services::inspections::merchant_name(c, i.merchant_id)?.unwrap_or_default();
        let free = notices::free_violations(c, inspection_id)?;
        Ok((i, name, free))
    })
    .await?;
    let lang = page.lang;
    Ok(NewPage {
        inspection_id,
        merchant_name,
        inspected_on: inspection.inspected_on.to_string(),
        violations: free.iter().map(|v| ViolationLine::new(v, lang)).collect(),
        chosen: values.0,
        required_actions: values.1,
        deadline: values.2,
        errors,
        page,
    })
}

/// GET /staff/inspections/{id}/notice: the form to issue a notice from this inspection.
pub async fn new_form(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
    id: Id,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let default_deadline = (state.config.today() + chrono::Duration::days(14)).to_string();
    let p = new_page(
        &state,
        page,
        id,
        (Vec::new(), String::new(), default_deadline),
        Vec::new(),
    )
    .await?;
    // Every free violation is pre-selected: the usual notice covers them all.
    let p = NewPage {
        chosen: p.violations.iter().map(|v| v.id).collect(),
        ..p
    };
    html(actix_web::http::StatusCode::OK, &p)
}

/// POST /staff/inspections/{id}/notice: issues the notice (form fields `csrf`,
/// `violation_ids` repeated, `required_actions`, `deadline`).
pub async fn issue_submit(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Staff>,
    id: Id,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    // Repeated checkbox fields do not fit a form struct: read the pairs.
    let pairs = form.into_inner();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for (_, v) in pairs.iter().filter(|(n, _)| n == "violation_ids") {
        match v.trim().parse::<i32>() {
            Ok(i) => ids.push(i),
            Err(_) => errors.push(FieldError {
                field: "violation_ids".into(),
                zh: "违规记录编号无效。".into(),
                en: "Not a violation id.".into(),
            }),
        }
    }
    let draft = IssueDraft {
        inspection_id: id,
        violation_ids: ids.clone(),
        required_actions: get("required_actions"),
        deadline: get("deadline"),
    };
    let values = (ids, draft.required_actions.clone(), draft.deadline.clone());
    if !errors.is_empty() {
        let p = new_page(&state, page, id, values, errors).await?;
        return html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let actor = user.actor();
    let today = state.config.today();
    let base = state.config.base_url.clone();
    let res = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        Ok(notices::issue(c, &policy, &base, today, &actor, &draft))
    })
    .await?;
    match res {
        Ok(issued) => {
            let to = issued.emailed_to.unwrap_or_default();
            Ok(see_other(format!(
                "/staff/notices/{}?issued=1&to={}",
                issued.id,
                url::form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>()
            )))
        }
        Err(NoticeError::Invalid(problems)) => {
            let errors = problems.into_iter().map(FieldError::from).collect();
            let p = new_page(&state, page, id, values, errors).await?;
            html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(notice_error(e)),
    }
}

/// Maps a notice error to the web's.
pub fn notice_error(e: NoticeError) -> AppError {
    match e {
        NoticeError::NotFound => AppError::NotFound,
        NoticeError::Invalid(p) => AppError::Invalid(p.into_iter().map(FieldError::from).collect()),
        NoticeError::Refused(r) => AppError::invalid(
            "state",
            crate::i18n::words::refusal(r, Lang::Zh),
            crate::i18n::words::refusal(r, Lang::En),
        ),
        NoticeError::Other(e) => AppError::Internal(e),
    }
}

/// The decision form's fields.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    new_deadline: String,
}

/// POST /staff/notices/{id}/decide: accept (verified) or reject (back to the merchant).
pub async fn decide(
    state: web::Data<AppState>,
    user: Require<Staff>,
    id: Id,
    form: CsrfForm<DecideForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => {
            return Err(AppError::invalid(
                "decision",
                "请选择验收通过或退回。",
                "Choose accept or send back.",
            ))
        }
    };
    let draft = DecisionDraft {
        accept,
        reason: form.reason.clone(),
        new_deadline: form.new_deadline.clone(),
    };
    let actor = user.actor();
    let today = state.config.today();
    let base = state.config.base_url.clone();
    let to = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        notices::decide(c, &policy, &base, today, id, &actor, &draft).map_err(notice_error)?;
        // Who the decision was emailed to, for the confirmation (the service writes to the
        // merchant's address on file, else its portal user's).
        let n = Notice::find(c, id)?.ok_or(AppError::NotFound)?;
        let m = crate::db::models::merchant::Merchant::find(c, n.merchant_id)?;
        Ok(match m {
            Some(m) => m.mail_address(c)?.unwrap_or_default(),
            None => String::new(),
        })
    })
    .await?;
    Ok(see_other(format!(
        "/staff/notices/{id}?decided={}&to={}",
        if accept { "accepted" } else { "rejected" },
        url::form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>()
    )))
}

/// Registers the staff notice routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/staff/notices").route(web::get().to(index)))
        .service(web::resource("/staff/notices/{id}").route(web::get().to(show)))
        .service(web::resource("/staff/notices/{id}/decide").route(web::post().to(decide)))
        .service(
            web::resource("/staff/inspections/{id}/notice")
                .route(web::get().to(new_form))
                .route(web::post().to(issue_submit)),
        );
}
