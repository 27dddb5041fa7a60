//! Rectification notices (整改通知书) and the violations each concerns.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{attachments, notice_answers, notice_violations, notices};
use crate::db::DbConn;
use crate::domain::words::NoticeState;

/// A notice as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = notices)]
pub struct Notice {
    pub id: i32,
    pub number: String,
    pub year: i32,
    pub seq: i32,
    pub merchant_id: i32,
    pub inspection_id: i32,
    pub issued_by: Option<i32>,
    pub required_actions: String,
    pub deadline: NaiveDate,
    pub state: NoticeState,
    pub issued_at: NaiveDateTime,
    pub emailed_at: Option<NaiveDateTime>,
    pub read_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    pub verified_at: Option<NaiveDateTime>,
    pub overdue_at: Option<NaiveDateTime>,
    pub reminder_sent_at: Option<NaiveDateTime>,
}

/// The fields a notice is issued with.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = notices)]
pub struct NewNotice {
    pub number: String,
    pub year: i32,
    pub seq: i32,
    pub merchant_id: i32,
    pub inspection_id: i32,
    pub issued_by: Option<i32>,
    pub required_actions: String,
    pub deadline: NaiveDate,
    pub state: NoticeState,
    pub issued_at: NaiveDateTime,
}

/// The notice number for a year and sequence, e.g. `整改〔2026〕第0012号`.
pub fn format_number(year: i32, seq: i32) -> String {
    format!("整改〔{year}〕第{seq:04}号")
}

impl Notice {
    /// The next free sequence number in `year` (call inside the write transaction).
    pub fn next_seq(conn: &mut DbConn, year: i32) -> QueryResult<i32> {
        let max: Option<i32> = notices::table
            .filter(notices::year.eq(year))
            .select(diesel::dsl::max(notices::seq))
            .first(conn)?;
        Ok(max.unwrap_or(0) + 1)
    }

    /// Inserts a notice with the violations it concerns; returns its id.
    pub fn insert(conn: &mut DbConn, n: &NewNotice, violation_ids: &[i32]) -> QueryResult<i32> {
        let id: i32 = crate::db::dispatch!(conn, |c| diesel::insert_into(notices::table)
            .values(n)
            .returning(notices::id)
            .get_result(c))?;
        for v in violation_ids {
            diesel::insert_into(notice_violations::table)
                .values((
                    notice_violations::notice_id.eq(id),
                    notice_violations::violation_id.eq(v),
                ))
                .execute(conn)?;
        }
        Ok(id)
    }

    /// The notice with `id`, if any.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Notice>> {
        notices::table
            .find(id)
            .select(Notice::as_select())
            .first(conn)
            .optional()
    }

    /// A merchant's notices, newest first.
    pub fn for_merchant(conn: &mut DbConn, merchant_id: i32) -> QueryResult<Vec<Notice>> {
        notices::table
            .filter(notices::merchant_id.eq(merchant_id))
            .order(notices::issued_at.desc())
            .select(Notice::as_select())
            .load(conn)
    }
}

impl Notice {
    /// Closes a notice as verified at `at`.
    pub fn mark_verified(conn: &mut DbConn, id: i32, at: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(notices::table.find(id))
            .set((
                notices::state.eq(NoticeState::Verified),
                notices::verified_at.eq(Some(at)),
            ))
            .execute(conn)
    }
}

/// A merchant's answer to a notice, with the inspector's decision once made.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = notice_answers)]
pub struct Answer {
    pub id: i32,
    pub notice_id: i32,
    pub author_id: Option<i32>,
    pub body: String,
    pub wants_follow_up: bool,
    pub created_at: NaiveDateTime,
    pub decision: Option<String>,
    pub decided_by: Option<i32>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
}

/// A photo that came with an answer; the bytes live on disk under the upload directory.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    pub id: i32,
    pub answer_id: i32,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
    pub created_at: NaiveDateTime,
}

impl Answer {
    /// A notice's answers, oldest first.
    pub fn for_notice(conn: &mut DbConn, notice_id: i32) -> QueryResult<Vec<Answer>> {
        notice_answers::table
            .filter(notice_answers::notice_id.eq(notice_id))
            .order(notice_answers::id)
            .select(Answer::as_select())
            .load(conn)
    }

    /// The answer waiting for a decision, if any.
    pub fn pending(conn: &mut DbConn, notice_id: i32) -> QueryResult<Option<Answer>> {
        notice_answers::table
            .filter(notice_answers::notice_id.eq(notice_id))
            .filter(notice_answers::decision.is_null())
            .order(notice_answers::id.desc())
            .select(Answer::as_select())
            .first(conn)
            .optional()
    }
}

impl Attachment {
    /// The photos of some answers.
    pub fn for_answers(conn: &mut DbConn, answer_ids: &[i32]) -> QueryResult<Vec<Attachment>> {
        attachments::table
            .filter(attachments::answer_id.eq_any(answer_ids))
            .order(attachments::id)
            .select(Attachment::as_select())
            .load(conn)
    }

    /// The photo with `id` and the merchant whose notice it belongs to.
    pub fn find_with_merchant(conn: &mut DbConn, id: i32) -> QueryResult<Option<(Attachment, i32)>> {
        attachments::table
            .inner_join(notice_answers::table.inner_join(notices::table))
            .filter(attachments::id.eq(id))
            .select((Attachment::as_select(), notices::merchant_id))
            .first(conn)
            .optional()
    }
}
