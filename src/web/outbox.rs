//! The admin's view of outgoing email (`/staff/outbox`): whether SMTP is configured, how many
//! emails are queued, sent and failed, the latest rows with every attempt, and the requeue
//! button for a failed one.

use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDateTime;

use super::extract::{CsrfForm, Id};
use super::guard::{Admin, Require};
use super::{see_other, with_db, AppError, AppState, PageCtx};
use crate::mail::outbox::{self, Counts, Requeue};
use crate::mail::transport::{mask_addr, SmtpEndpoint};

/// How many rows the page lists.
const SHOWN: i64 = 100;

/// One attempt as the page shows it.
pub struct AttemptView {
    pub at: String,
    pub ok: bool,
    pub error: String,
}

/// One outbox row as the page shows it: the recipient masked, times local.
pub struct RowView {
    pub id: i32,
    pub kind: String,
    /// The kind in words (`notice.issued` → "整改通知书").
    pub kind_label: String,
    pub to: String,
    pub subject: String,
    pub created: String,
    pub attempts: i32,
    pub last_error: String,
    /// `outbox.queued`, `outbox.sent` or `outbox.failed`.
    pub state_key: &'static str,
    /// When it was sent or failed; for a queued row, its next attempt.
    pub state_at: String,
    pub failed: bool,
    pub history: Vec<AttemptView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/outbox.html")]
pub struct OutboxPage {
    page: PageCtx,
    /// The SMTP server (no password), or `None` when mail stays queued.
    smtp: Option<String>,
    counts: Counts,
    rows: Vec<RowView>,
}

/// GET /staff/outbox
pub async fn index(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Admin>,
) -> Result<OutboxPage, AppError> {
    let lang = page.lang;
    let (counts, latest) = with_db(&state, |c| Ok((outbox::counts(c)?, outbox::latest(c, SHOWN)?))).await?;
    let tz = state.config.time_zone;
    let local = |t: NaiveDateTime| {
        t.and_utc()
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let rows = latest
        .into_iter()
        .map(|(r, attempts)| {
            let (state_key, state_at) = match (r.sent_at, r.failed_at) {
                (Some(t), _) => ("outbox-sent", local(t)),
                (None, Some(t)) => ("outbox-failed", local(t)),
                (None, None) => ("outbox-queued", local(r.next_attempt_at)),
            };
            RowView {
                id: r.id,
                kind_label: super::staff_words::mail_kind(&r.kind, lang),
                kind: r.kind,
                to: mask_addr(&r.to_addr),
                subject: r.subject,
                created: local(r.created_at),
                attempts: r.attempts,
                last_error: r.last_error.unwrap_or_default(),
                state_key,
                state_at,
                failed: state_key == "outbox-failed",
                history: attempts
                    .into_iter()
                    .map(|a| AttemptView {
                        at: local(a.attempted_at),
                        ok: a.ok,
                        error: a.error.unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect();
    let smtp = state
        .config
        .smtp
        .as_ref()
        .map(|s| match SmtpEndpoint::parse(&s.url) {
            Ok(e) => e.describe(),
            Err(_) => "?".to_string(),
        });
    Ok(OutboxPage {
        page,
        smtp,
        counts,
        rows,
    })
}

/// POST /staff/outbox/{id}/retry: a failed email goes back into the queue, due now.
pub async fn retry(
    state: web::Data<AppState>,
    user: Require<Admin>,
    id: Id,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let actor = user.actor();
    match with_db(&state, move |c| Ok(outbox::requeue(c, id, &actor)?)).await? {
        Requeue::Done => Ok(see_other("/staff/outbox")),
        Requeue::NotFound => Err(AppError::NotFound),
        Requeue::NotFailed => Err(AppError::invalid(
            "id",
            "这封邮件没有发送失败，无需重新发送。",
            "This email has not failed; there is nothing to send again.",
        )),
    }
}

/// The outbox routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/staff/outbox").route(web::get().to(index)))
        .service(web::resource("/staff/outbox/{id}/retry").route(web::post().to(retry)));
}
