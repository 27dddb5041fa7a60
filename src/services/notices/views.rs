//! What the notice pages show: the inspector's queue, a notice's full history, a merchant's
//! notices, and who may see an answer's photos.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::inspection::Violation;
use crate::db::models::notice::{Answer, Attachment, Notice};
use crate::db::schema::{
    audit_log, merchants, notice_answers, notice_violations, notices, outbox, users, violations,
};
use crate::db::DbConn;
use crate::domain::words::NoticeState;

/// The violations a notice concerns.
pub fn violations_of(conn: &mut DbConn, notice_id: i32) -> QueryResult<Vec<Violation>> {
    violations::table
        .inner_join(notice_violations::table)
        .filter(notice_violations::notice_id.eq(notice_id))
        .order(violations::id)
        .select(Violation::as_select())
        .load(conn)
}

/// A notice in a list, with its merchant's name.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub notice: Notice,
    pub merchant_name: String,
    /// Sent back: the last decided answer was rejected and the notice waits for a new one.
    pub sent_back: bool,
}

fn rows(conn: &mut DbConn, ns: Vec<Notice>) -> QueryResult<Vec<NoticeRow>> {
    let ids: Vec<i32> = ns.iter().map(|n| n.merchant_id).collect();
    let names: Vec<(i32, String)> = merchants::table
        .filter(merchants::id.eq_any(&ids))
        .select((merchants::id, merchants::name))
        .load(conn)?;
    // The latest decision on each notice's answers, oldest first so the last one wins.
    let notice_ids: Vec<i32> = ns.iter().map(|n| n.id).collect();
    let decisions: Vec<(i32, Option<String>)> = notice_answers::table
        .filter(notice_answers::notice_id.eq_any(&notice_ids))
        .filter(notice_answers::decision.is_not_null())
        .order((notice_answers::decided_at, notice_answers::id))
        .select((notice_answers::notice_id, notice_answers::decision))
        .load(conn)?;
    let mut last: std::collections::HashMap<i32, String> = std::collections::HashMap::new();
    for (id, d) in decisions {
        if let Some(d) = d {
            last.insert(id, d);
        }
    }
    Ok(ns
        .into_iter()
        .map(|n| NoticeRow {
            sent_back: !matches!(n.state, NoticeState::Verified | NoticeState::Answered)
                && last.get(&n.id).is_some_and(|d| d == "rejected"),
            merchant_name: names
                .iter()
                .find(|(id, _)| *id == n.merchant_id)
                .map(|(_, name)| name.clone())
                .unwrap_or_default(),
            notice: n,
        })
        .collect())
}

/// The inspector's work: answers to verify, overdue notices, other open notices, recently closed.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    /// Notices with an answer waiting for a decision, oldest answer first.
    pub to_verify: Vec<NoticeRow>,
    /// Overdue notices with no answer waiting.
    pub overdue: Vec<NoticeRow>,
    /// Other open notices, nearest deadline first.
    pub open: Vec<NoticeRow>,
    /// The latest verified notices.
    pub closed: Vec<NoticeRow>,
}

/// Loads the queue.
pub fn queue(conn: &mut DbConn) -> QueryResult<Queue> {
    let pending_ids: Vec<i32> = notice_answers::table
        .filter(notice_answers::decision.is_null())
        .order(notice_answers::created_at)
        .select(notice_answers::notice_id)
        .load(conn)?;
    let mut to_verify: Vec<Notice> = notices::table
        .filter(notices::id.eq_any(&pending_ids))
        .filter(notices::state.ne(NoticeState::Verified))
        .select(Notice::as_select())
        .load(conn)?;
    to_verify.sort_by_key(|n| pending_ids.iter().position(|p| *p == n.id));
    let overdue: Vec<Notice> = notices::table
        .filter(notices::state.eq(NoticeState::Overdue))
        .filter(notices::id.ne_all(&pending_ids))
        .order(notices::deadline)
        .limit(200)
        .select(Notice::as_select())
        .load(conn)?;
    let open: Vec<Notice> = notices::table
        .filter(notices::state.eq_any(super::NOT_ANSWERED))
        .order((notices::deadline, notices::id))
        .limit(200)
        .select(Notice::as_select())
        .load(conn)?;
    let closed: Vec<Notice> = notices::table
        .filter(notices::state.eq(NoticeState::Verified))
        .order(notices::verified_at.desc())
        .limit(20)
        .select(Notice::as_select())
        .load(conn)?;
    Ok(Queue {
        to_verify: rows(conn, to_verify)?,
        overdue: rows(conn, overdue)?,
        open: rows(conn, open)?,
        closed: rows(conn, closed)?,
    })
}

/// An answer with its photos and who decided on it.
#[derive(Debug, Clone)]
pub struct AnswerView {
    pub answer: Answer,
    pub photos: Vec<Attachment>,
    pub decided_by: Option<String>,
}

/// An email sent (or waiting) about a notice.
#[derive(Debug, Clone)]
pub struct MailLine {
    pub kind: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub sent_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// One line of a notice's history, from the audit log.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    pub at: NaiveDateTime,
    pub action: String,
    pub actor: String,
}

/// Everything about one notice.
#[derive(Debug, Clone)]
pub struct NoticeDetail {
    pub notice: Notice,
    pub merchant_name: String,
    pub issued_by: Option<String>,
    pub violations: Vec<Violation>,
    pub answers: Vec<AnswerView>,
    /// Emails about the notice (staff only).
    pub mails: Vec<MailLine>,
    /// Audit history (staff only).
    pub history: Vec<HistoryLine>,
}

fn user_label(conn: &mut DbConn, id: Option<i32>) -> QueryResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    let u: Option<(String, String)> = users::table
        .find(id)
        .select((users::display_name, users::username))
        .first(conn)
        .optional()?;
    Ok(u.map(|(d, n)| if d.is_empty() { n } else { d }))
}

/// Loads a notice with its violations and answers; `staff` adds emails and audit history.
pub fn detail(conn: &mut DbConn, id: i32, staff: bool) -> QueryResult<Option<NoticeDetail>> {
    let Some(notice) = Notice::find(conn, id)? else {
        return Ok(None);
    };
    let merchant_name: String = merchants::table
        .find(notice.merchant_id)
        .select(merchants::name)
        .first(conn)?;
    let issued_by = if staff {
        user_label(conn, notice.issued_by)?
    } else {
        None
    };
    let violations = violations_of(conn, id)?;
    let answers = Answer::for_notice(conn, id)?;
    let ids: Vec<i32> = answers.iter().map(|a| a.id).collect();
    let photos = Attachment::for_answers(conn, &ids)?;
    let mut views = Vec::new();
    for a in answers {
        let decided_by = if staff {
            user_label(conn, a.decided_by)?
        } else {
            None
        };
        views.push(AnswerView {
            photos: photos.iter().filter(|p| p.answer_id == a.id).cloned().collect(),
            answer: a,
            decided_by,
        });
    }
    let (mails, history) = if staff {
        let mails = outbox::table
            .filter(outbox::notice_id.eq(id))
            .order(outbox::id)
            .select((
                outbox::kind,
                outbox::created_at,
                outbox::attempts,
                outbox::sent_at,
                outbox::failed_at,
                outbox::last_error,
            ))
            .load::<(
                String,
                NaiveDateTime,
                i32,
                Option<NaiveDateTime>,
                Option<NaiveDateTime>,
                Option<String>,
            )>(conn)?
            .into_iter()
            .map(
                |(kind, created_at, attempts, sent_at, failed_at, last_error)| MailLine {
                    kind,
                    created_at,
                    attempts,
                    sent_at,
                    failed_at,
                    last_error,
                },
            )
            .collect();
        let history = audit_log::table
            .filter(audit_log::entity.eq("notice"))
            .filter(audit_log::entity_id.eq(id.to_string()))
            .order(audit_log::id)
            .select((audit_log::at, audit_log::action, audit_log::actor_label))
            .load::<(NaiveDateTime, String, String)>(conn)?
            .into_iter()
            .map(|(at, action, actor)| HistoryLine { at, action, actor })
            .collect();
        (mails, history)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Some(NoticeDetail {
        notice,
        merchant_name,
        issued_by,
        violations,
        answers: views,
        mails,
        history,
    }))
}

/// A merchant's notices, newest first.
pub fn for_merchant(conn: &mut DbConn, merchant_id: i32) -> QueryResult<Vec<Notice>> {
    Notice::for_merchant(conn, merchant_id)
}

/// Who is asking for a photo.
#[derive(Debug, Clone, Copy)]
pub enum Viewer {
    /// Inspectors, the committee and admins see every photo.
    Staff,
    /// A merchant sees only its own.
    Merchant(i32),
}

/// The photo `id` if `viewer` may see it (a merchant asking for another's gets `None`, the
/// same as for a photo that does not exist).
pub fn attachment_for(conn: &mut DbConn, id: i32, viewer: Viewer) -> QueryResult<Option<Attachment>> {
    Ok(
        Attachment::find_with_merchant(conn, id)?.and_then(|(a, owner)| match viewer {
            Viewer::Staff => Some(a),
            Viewer::Merchant(m) if m == owner => Some(a),
            Viewer::Merchant(_) => None,
        }),
    )
}

/// The inspection's violations not yet on any notice (what a new notice may concern).
pub fn free_violations(conn: &mut DbConn, inspection_id: i32) -> QueryResult<Vec<Violation>> {
    let taken = notice_violations::table.select(notice_violations::violation_id);
    violations::table
        .filter(violations::inspection_id.eq(inspection_id))
        .filter(violations::id.ne_all(taken))
        .order(violations::id)
        .select(Violation::as_select())
        .load(conn)
}
