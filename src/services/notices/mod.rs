//! Rectification notices (整改通知书): issuing one from an inspection's violations, the merchant
//! opening and answering it, the inspector's decision, the reminder before the deadline, and the
//! scheduled move to `overdue` (which feeds the black-list rule). Every transition is one
//! transaction with its audit entry and, where an email is due, its outbox row; the rules of which
//! transition is allowed live in [`crate::domain::notice`].

mod answer;
mod issue;
mod views;

pub use answer::*;
pub use issue::*;
pub use views::*;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::notices;
use crate::db::DbConn;
use crate::domain::notice::{apply, Event, NoticeState};
use crate::domain::policy::Policy;
use crate::services::rating::recompute_in_tx;

/// States a notice can still go overdue from.
const OPEN_STATES: [NoticeState; 4] = [
    NoticeState::Issued,
    NoticeState::Emailed,
    NoticeState::Read,
    NoticeState::Answered,
];

/// Open states in which the merchant has not answered yet: reminders go to these, and the
/// inspectors' queue lists them as open.
const NOT_ANSWERED: [NoticeState; 3] = [NoticeState::Issued, NoticeState::Emailed, NoticeState::Read];

/// Marks every open notice whose deadline has passed as overdue, with an audit entry each, and
/// recomputes the merchants concerned — in one transaction. Returns how many went overdue.
pub fn mark_overdue(
    conn: &mut DbConn,
    policy: &Policy,
    today: NaiveDate,
    actor: &Actor,
) -> anyhow::Result<usize> {
    write_tx(conn, |c| {
        let due: Vec<(i32, i32, NoticeState)> = notices::table
            .filter(notices::state.eq_any(OPEN_STATES))
            .filter(notices::deadline.lt(today))
            .select((notices::id, notices::merchant_id, notices::state))
            .load(c)?;
        if due.is_empty() {
            return Ok(0);
        }
        let now = now_utc();
        // 500 notices a statement and the audit entries in one pass: the daily job of a large
        // town marks thousands at once (19,414 took 1.7 s one by one at 500,000 merchants).
        for chunk in due.chunks(500) {
            let ids: Vec<i32> = chunk.iter().map(|(id, _, _)| *id).collect();
            diesel::update(notices::table.filter(notices::id.eq_any(&ids)))
                .set((
                    notices::state.eq(NoticeState::Overdue),
                    notices::overdue_at.eq(Some(now)),
                ))
                .execute(c)?;
        }
        audit::append_many(
            c,
            actor,
            due.iter()
                .map(|(id, _, state)| Change {
                    action: "notice.overdue",
                    entity: "notice",
                    entity_id: Some(id.to_string()),
                    before: Some(serde_json::json!({ "state": state })),
                    after: Some(serde_json::json!({ "state": NoticeState::Overdue })),
                })
                .collect(),
        )?;
        let mut merchants: Vec<i32> = due.iter().map(|(_, mid, _)| *mid).collect();
        merchants.sort_unstable();
        merchants.dedup();
        recompute_in_tx(c, policy, today, actor, Some(&merchants))?;
        Ok(due.len())
    })
}

/// The outbox worker's hook ([`crate::mail::outbox::OnSent`]): a notice's first email, once the
/// server accepted it, marks the notice emailed; other emails change nothing else.
pub fn on_email_sent(
    conn: &mut DbConn,
    row: &crate::mail::outbox::OutboxRow,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    match (row.notice_id, row.kind.as_str()) {
        (Some(notice_id), "notice.issued") => mark_emailed(conn, notice_id, at),
        _ => Ok(()),
    }
}

/// Records that a notice's email was accepted by the SMTP server: `issued` → `emailed`, with the
/// time and an audit entry. Called by the outbox worker inside the transaction that marks the
/// outbox row sent; a notice already further along keeps its state and only gains `emailed_at`.
pub fn mark_emailed(conn: &mut DbConn, notice_id: i32, at: chrono::NaiveDateTime) -> QueryResult<()> {
    let Some((state, emailed_at)) = notices::table
        .find(notice_id)
        .select((notices::state, notices::emailed_at))
        .first::<(NoticeState, Option<chrono::NaiveDateTime>)>(conn)
        .optional()?
    else {
        return Ok(());
    };
    if emailed_at.is_some() {
        return Ok(());
    }
    // The state machine decides: `issued` becomes `emailed`; a notice already read keeps its state.
    let new_state = apply(state, Event::EmailAccepted, false).unwrap_or(state);
    diesel::update(notices::table.find(notice_id))
        .set((notices::state.eq(new_state), notices::emailed_at.eq(Some(at))))
        .execute(conn)?;
    audit::append(
        conn,
        &Actor::system("mail"),
        Change {
            action: "notice.emailed",
            entity: "notice",
            entity_id: Some(notice_id.to_string()),
            before: Some(serde_json::json!({ "state": state })),
            after: Some(serde_json::json!({ "state": new_state, "emailed_at": at })),
        },
    )?;
    Ok(())
}
