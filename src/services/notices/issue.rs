//! Issuing a notice, and the reminder before its deadline.

use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;

use super::{NoticeError, NOT_ANSWERED};
use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::inspection::Inspection;
use crate::db::models::merchant::Merchant;
use crate::db::models::notice::{format_number, NewNotice, Notice};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{notice_violations, notices};
use crate::db::DbConn;
use crate::domain::policy::Policy;
use crate::domain::words::NoticeState;
use crate::mail::outbox::{enqueue, NewMail};
use crate::mail::render::{self, NoticeMail, ViolationLine};
use crate::services::problem::Problem;
use crate::services::rating::recompute_in_tx;

/// The longest a deadline may be set ahead.
pub const MAX_DEADLINE_DAYS: i64 = 180;
/// How many days before the deadline the reminder goes out.
pub const REMINDER_DAYS: i64 = 3;
/// Shortest text of the required actions.
const MIN_ACTIONS_CHARS: usize = 5;
/// Longest text of the required actions.
pub const MAX_ACTIONS_CHARS: usize = 2000;

/// A notice as the inspector typed it, before validation.
#[derive(Debug, Clone, Default)]
pub struct IssueDraft {
    /// The inspection whose violations it concerns.
    pub inspection_id: i32,
    /// The violations (ids) it concerns.
    pub violation_ids: Vec<i32>,
    /// What must be done.
    pub required_actions: String,
    /// The last day to rectify, as typed (`YYYY-MM-DD`).
    pub deadline: String,
}

/// What issuing did.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The new notice's id.
    pub id: i32,
    /// Its number, e.g. `整改〔2026〕第0012号`.
    pub number: String,
    /// Where its email was queued to; `None` when the merchant has no address on file (the
    /// notice still shows in the portal).
    pub emailed_to: Option<String>,
}

/// Where a merchant's email goes: the merchant's own address, else its first portal user's.
pub fn merchant_address(conn: &mut DbConn, merchant: &Merchant) -> QueryResult<Option<String>> {
    merchant.mail_address(conn)
}

/// The link to a notice in the merchant portal.
pub fn portal_link(base_url: &str, notice_id: i32) -> String {
    format!("{}/my/notices/{notice_id}", base_url.trim_end_matches('/'))
}

/// The email content of a notice (for the issue email and the reminder).
pub(super) fn notice_mail(
    conn: &mut DbConn,
    notice: &Notice,
    merchant: &Merchant,
    base_url: &str,
    today: NaiveDate,
) -> QueryResult<NoticeMail> {
    let violations = super::views::violations_of(conn, notice.id)?;
    Ok(NoticeMail {
        merchant_name: merchant.name.clone(),
        number: notice.number.clone(),
        issued_on: notice.issued_at.date().to_string(),
        deadline: notice.deadline.to_string(),
        violations: violations
            .into_iter()
            .map(|v| ViolationLine::new(v.code, Some(v.severity), v.description))
            .collect(),
        required_actions: notice.required_actions.clone(),
        link: portal_link(base_url, notice.id),
        days_left: (notice.deadline - today).num_days(),
    })
}

/// Queues the email that carries notice `id` to its merchant (call inside the transaction that
/// issued it); returns the address, or `None` when the merchant has none on file.
pub fn queue_issue_email(
    c: &mut DbConn,
    id: i32,
    base_url: &str,
    today: NaiveDate,
) -> Result<Option<String>, NoticeError> {
    let notice = Notice::find(c, id)?.ok_or(NoticeError::NotFound)?;
    let merchant = Merchant::find(c, notice.merchant_id)?.ok_or(NoticeError::NotFound)?;
    let Some(to) = merchant_address(c, &merchant)? else {
        return Ok(None);
    };
    let mail = notice_mail(c, &notice, &merchant, base_url, today)?;
    enqueue(
        c,
        NewMail {
            kind: "notice.issued",
            to: &to,
            notice_id: Some(id),
            rendered: render::notice_issued(&mail)?,
        },
        base_url,
    )?;
    Ok(Some(to))
}

/// Checks a draft against the inspection's violations; returns the deadline and the trimmed
/// required actions, or every problem at once.
fn validate(
    draft: &IssueDraft,
    inspection: &Inspection,
    own_violations: &[i32],
    on_notices: &[i32],
    today: NaiveDate,
) -> Result<(NaiveDate, String), Vec<Problem>> {
    let mut problems = Vec::new();
    if draft.violation_ids.is_empty() {
        problems.push(Problem::at("violation_ids").t("problems-notice-no-violation"));
    }
    for v in &draft.violation_ids {
        if !own_violations.contains(v) {
            problems.push(Problem::at("violation_ids").tr(
                "problems-notice-violation-elsewhere",
                &[("violation", (*v).into()), ("inspection", inspection.id.into())],
            ));
        } else if on_notices.contains(v) {
            problems.push(Problem::at("violation_ids").tr(
                "problems-notice-violation-on-other-notice",
                &[("violation", (*v).into())],
            ));
        }
    }
    let actions = draft.required_actions.trim().to_string();
    let n = actions.chars().count();
    if n < MIN_ACTIONS_CHARS {
        problems.push(Problem::at("required_actions").tr(
            "problems-notice-actions-short",
            &[("min", MIN_ACTIONS_CHARS.into())],
        ));
    } else if n > MAX_ACTIONS_CHARS {
        problems.push(Problem::at("required_actions").tr(
            "problems-notice-actions-long",
            &[("max", MAX_ACTIONS_CHARS.into())],
        ));
    }
    let deadline = match NaiveDate::parse_from_str(draft.deadline.trim(), "%Y-%m-%d") {
        Err(_) => {
            problems.push(Problem::at("deadline").t("problems-notice-deadline-format"));
            None
        }
        Ok(d) if d <= today => {
            problems.push(Problem::at("deadline").t("problems-notice-deadline-past"));
            None
        }
        Ok(d) if d > today + Duration::days(MAX_DEADLINE_DAYS) => {
            problems.push(Problem::at("deadline").tr(
                "problems-notice-deadline-far",
                &[("days", MAX_DEADLINE_DAYS.into())],
            ));
            None
        }
        Ok(d) => Some(d),
    };
    match deadline {
        Some(d) if problems.is_empty() => Ok((d, actions)),
        _ => Err(problems),
    }
}

/// Issues a notice: the notice, its violations, its audit entry, the merchant's recomputed
/// rating (an open notice keeps a merchant off the red list) and the email's outbox row, in one
/// transaction.
pub fn issue(
    conn: &mut DbConn,
    policy: &Policy,
    base_url: &str,
    today: NaiveDate,
    actor: &Actor,
    draft: &IssueDraft,
) -> Result<Issued, NoticeError> {
    write_tx(conn, |c| {
        let inspection = Inspection::find(c, draft.inspection_id)?.ok_or(NoticeError::NotFound)?;
        let own: Vec<i32> = Inspection::violations_of(c, inspection.id)?
            .iter()
            .map(|v| v.id)
            .collect();
        let on_notices: Vec<i32> = notice_violations::table
            .filter(notice_violations::violation_id.eq_any(&own))
            .select(notice_violations::violation_id)
            .load(c)?;
        let (deadline, actions) =
            validate(draft, &inspection, &own, &on_notices, today).map_err(NoticeError::Invalid)?;
        let merchant = Merchant::find(c, inspection.merchant_id)?.ok_or(NoticeError::NotFound)?;
        let year = today.year();
        let seq = Notice::next_seq(c, year)?;
        let now = now_utc();
        let new = NewNotice {
            number: format_number(year, seq),
            year,
            seq,
            merchant_id: merchant.id,
            inspection_id: inspection.id,
            issued_by: actor.user_id,
            required_actions: actions,
            deadline,
            state: NoticeState::Issued,
            issued_at: now,
        };
        let mut ids = draft.violation_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let id = Notice::insert(c, &new, &ids)?;
        audit::append(
            c,
            actor,
            Change {
                action: "notice.issued",
                entity: "notice",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "notice": new, "violation_ids": ids })),
            },
        )?;
        let to = queue_issue_email(c, id, base_url, today)?;
        let notice = Notice::find(c, id)?.ok_or(NoticeError::NotFound)?;
        recompute_in_tx(c, policy, today, actor, Some(&[merchant.id]))?;
        Ok(Issued {
            id,
            number: notice.number,
            emailed_to: to,
        })
    })
}

/// Queues the reminder for every open notice due within [`REMINDER_DAYS`] that has not had one,
/// marking each reminded — in one transaction. Notices of merchants without an address are left
/// (the portal shows them). Returns how many reminders were queued.
pub fn send_reminders(
    conn: &mut DbConn,
    base_url: &str,
    today: NaiveDate,
    actor: &Actor,
) -> anyhow::Result<usize> {
    write_tx(conn, |c| {
        let due: Vec<Notice> = notices::table
            .filter(notices::state.eq_any(NOT_ANSWERED))
            .filter(notices::reminder_sent_at.is_null())
            .filter(notices::deadline.ge(today))
            .filter(notices::deadline.le(today + Duration::days(REMINDER_DAYS)))
            .select(Notice::as_select())
            .load(c)?;
        let now = now_utc();
        let mut queued = 0;
        for n in &due {
            let Some(merchant) = Merchant::find(c, n.merchant_id)? else {
                continue;
            };
            let Some(to) = merchant_address(c, &merchant)? else {
                continue;
            };
            let mail = notice_mail(c, n, &merchant, base_url, today)?;
            enqueue(
                c,
                NewMail {
                    kind: "notice.reminder",
                    to: &to,
                    notice_id: Some(n.id),
                    rendered: render::notice_reminder(&mail)?,
                },
                base_url,
            )?;
            diesel::update(notices::table.find(n.id))
                .set(notices::reminder_sent_at.eq(Some(now)))
                .execute(c)?;
            audit::append(
                c,
                actor,
                Change {
                    action: "notice.reminded",
                    entity: "notice",
                    entity_id: Some(n.id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({ "deadline": n.deadline, "reminder_sent_at": now })),
                },
            )?;
            queued += 1;
        }
        Ok(queued)
    })
}
