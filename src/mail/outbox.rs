//! The transactional outbox: an email is a row written in the same transaction as the fact that
//! caused it; the worker sends it later and marks it sent only after the server accepted it.
//! Below `enqueue`: the worker's queries (due rows, the optimistic claim, recording an attempt)
//! and the admin page's (counts, the latest rows with their attempts, requeue).

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;
use rand::RngCore;

use super::render::Rendered;
use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{outbox, outbox_attempts};
use crate::db::DbConn;

/// An email to queue.
pub struct NewMail<'a> {
    /// What the email is for, e.g. `notice.issued`, `notice.reminder`, `notice.answered`,
    /// `login.link` (shown on the admin page; the worker uses it to mark a notice emailed).
    pub kind: &'a str,
    /// The recipient's address.
    pub to: &'a str,
    /// The notice the email is about, if any.
    pub notice_id: Option<i32>,
    /// Subject and bodies.
    pub rendered: Rendered,
}

/// A Message-ID unique to this email and kept with it, so a resend after a crash carries the
/// same id and the recipient's mail system can recognise the duplicate.
pub fn new_message_id(base_url: &str) -> String {
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "gongzhi.localhost".to_string());
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "<{}.{}@{}>",
        now_utc().format("%Y%m%d%H%M%S"),
        hex::encode(bytes),
        host
    )
}

/// Queues `mail` (call inside the transaction that made it due); returns the outbox row's id.
pub fn enqueue(conn: &mut DbConn, mail: NewMail<'_>, base_url: &str) -> QueryResult<i32> {
    let now = now_utc();
    crate::db::dispatch!(conn, |c| diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(new_message_id(base_url)),
            outbox::kind.eq(mail.kind),
            outbox::to_addr.eq(mail.to),
            outbox::subject.eq(&mail.rendered.subject),
            outbox::body_text.eq(&mail.rendered.text),
            outbox::body_html.eq(&mail.rendered.html),
            outbox::notice_id.eq(mail.notice_id),
            outbox::created_at.eq(now),
            outbox::next_attempt_at.eq(now),
            outbox::attempts.eq(0),
        ))
        .returning(outbox::id)
        .get_result(c))
}

/// An outbox row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i32,
    /// The Message-ID every attempt sends, angle brackets included.
    pub message_id: String,
    pub kind: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub notice_id: Option<i32>,
    pub created_at: NaiveDateTime,
    /// Not before this time; while a worker is sending, its lease.
    pub next_attempt_at: NaiveDateTime,
    /// Attempts since the row was queued (or requeued by an admin).
    pub attempts: i32,
    pub sent_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// One try at sending a row: when, and the server's answer when it failed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_attempts)]
pub struct Attempt {
    pub id: i32,
    pub outbox_id: i32,
    pub attempted_at: NaiveDateTime,
    pub ok: bool,
    pub error: Option<String>,
}

/// How many emails are waiting, sent, and given up on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

/// `at + d`, cut to microseconds like every stored timestamp, so that the optimistic claim can
/// compare the value it read with the value in the database.
pub fn after(at: NaiveDateTime, d: std::time::Duration) -> NaiveDateTime {
    let t = at + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(7));
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// Rows due at `now` (neither sent nor failed, not before their time), oldest first.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_null())
        .filter(outbox::next_attempt_at.le(now))
        .order(outbox::id.asc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Takes `row` for sending until `until`, only if nobody else did since it was read (the row's
/// `next_attempt_at` and `attempts` are unchanged). Two workers on one PostgreSQL database never
/// both win: the second update finds the row changed and touches nothing.
pub fn claim(conn: &mut DbConn, row: &OutboxRow, until: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(row.id))
            .filter(outbox::next_attempt_at.eq(row.next_attempt_at))
            .filter(outbox::attempts.eq(row.attempts))
            .filter(outbox::sent_at.is_null())
            .filter(outbox::failed_at.is_null()),
    )
    .set(outbox::next_attempt_at.eq(until))
    .execute(conn)?;
    Ok(n == 1)
}

fn insert_attempt(conn: &mut DbConn, id: i32, at: NaiveDateTime, error: Option<&str>) -> QueryResult<()> {
    diesel::insert_into(outbox_attempts::table)
        .values((
            outbox_attempts::outbox_id.eq(id),
            outbox_attempts::attempted_at.eq(at),
            outbox_attempts::ok.eq(error.is_none()),
            outbox_attempts::error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// What else a sent email changes, written in the transaction that records it: the notices
/// service marks a notice emailed (`services::notices::on_email_sent`). Handed to the worker by
/// whoever starts it, so the mail layer never imports the services.
pub type OnSent = fn(&mut DbConn, &OutboxRow, NaiveDateTime) -> QueryResult<()>;

/// A hook that changes nothing else.
pub fn nothing_else(_: &mut DbConn, _: &OutboxRow, _: NaiveDateTime) -> QueryResult<()> {
    Ok(())
}

/// Records that the server accepted `row`, in one transaction: the attempt, the row marked sent,
/// and what `on_sent` adds (a notice's first email marks the notice emailed, with its audit entry).
pub fn record_sent(
    conn: &mut DbConn,
    row: &OutboxRow,
    at: NaiveDateTime,
    on_sent: OnSent,
) -> QueryResult<()> {
    write_tx(conn, |c| {
        insert_attempt(c, row.id, at, None)?;
        diesel::update(outbox::table.find(row.id))
            .set((
                outbox::sent_at.eq(Some(at)),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(c)?;
        on_sent(c, row, at)
    })
}

/// Records a failed attempt, in one transaction: the attempt with its error, and the row either
/// due again at `retry_at` or, when `retry_at` is `None`, failed for good.
pub fn record_failure(
    conn: &mut DbConn,
    row: &OutboxRow,
    at: NaiveDateTime,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    write_tx(conn, |c| {
        insert_attempt(c, row.id, at, Some(error))?;
        let failed_at = if retry_at.is_none() { Some(at) } else { None };
        diesel::update(outbox::table.find(row.id))
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(Some(error)),
                outbox::next_attempt_at.eq(retry_at.unwrap_or(at)),
                outbox::failed_at.eq(failed_at),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// One row by id.
pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

/// Every attempt at one row, oldest first.
pub fn attempts_of(conn: &mut DbConn, id: i32) -> QueryResult<Vec<Attempt>> {
    outbox_attempts::table
        .filter(outbox_attempts::outbox_id.eq(id))
        .order(outbox_attempts::id.asc())
        .select(Attempt::as_select())
        .load(conn)
}

/// Queued, sent and failed totals.
pub fn counts(conn: &mut DbConn) -> QueryResult<Counts> {
    let sent = outbox::table
        .filter(outbox::sent_at.is_not_null())
        .count()
        .get_result(conn)?;
    let failed = outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_not_null())
        .count()
        .get_result(conn)?;
    let queued = outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(Counts { queued, sent, failed })
}

/// The newest `limit` rows, newest first, each with its attempts (oldest first).
pub fn latest(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(OutboxRow, Vec<Attempt>)>> {
    let rows: Vec<OutboxRow> = outbox::table
        .order(outbox::id.desc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut attempts: Vec<Attempt> = outbox_attempts::table
        .filter(outbox_attempts::outbox_id.eq_any(&ids))
        .order(outbox_attempts::id.asc())
        .select(Attempt::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<Attempt>, Vec<Attempt>) = std::mem::take(&mut attempts)
                .into_iter()
                .partition(|a| a.outbox_id == r.id);
            attempts = rest;
            (r, mine)
        })
        .collect())
}

/// What an admin's requeue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    /// Due now, with a fresh count of attempts.
    Done,
    /// No such row.
    NotFound,
    /// The row has not failed (still queued, or sent): nothing to do.
    NotFailed,
}

/// Puts a failed row back in the queue, due now, with its attempt count starting again (the
/// history of attempts stays), and an audit entry — all in one transaction.
pub fn requeue(conn: &mut DbConn, id: i32, actor: &Actor) -> QueryResult<Requeue> {
    write_tx(conn, |c| {
        let Some(row) = find(c, id)? else {
            return Ok(Requeue::NotFound);
        };
        let Some(failed_at) = row.failed_at.filter(|_| row.sent_at.is_none()) else {
            return Ok(Requeue::NotFailed);
        };
        let now = now_utc();
        diesel::update(outbox::table.find(id))
            .set((
                outbox::failed_at.eq(None::<NaiveDateTime>),
                outbox::next_attempt_at.eq(now),
                outbox::attempts.eq(0),
            ))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "outbox.requeue",
                entity: "outbox",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({
                    "failed_at": failed_at,
                    "attempts": row.attempts,
                    "last_error": row.last_error,
                })),
                after: Some(serde_json::json!({ "next_attempt_at": now, "attempts": 0 })),
            },
        )?;
        Ok(Requeue::Done)
    })
}
