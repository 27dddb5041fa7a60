//! The inspection programme, stored: each open merchant's next due date and its reason, computed
//! by [`crate::domain::programme::next_due`] from what its record says and kept on the merchant
//! row (`merchants.next_due_on`, `next_due_reason`) so that due lists are one indexed query.
//! Refreshed by every rating recompute (only changed rows are written) and by the daily job.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;

use crate::db::models::write_tx;
use crate::db::schema::{complaints, inspections, merchants, notice_answers, notices};
use crate::db::DbConn;
use crate::domain::policy::ProgrammePolicy;
use crate::domain::programme::{next_due, Due, DueReason, Standing};
use crate::domain::rating::ListStatus;
use crate::services::histories::{scoped, Scope};

/// The daily job's name in `job_runs`.
pub const JOB: &str = "programme";

/// Days ahead a merchant counts as "due soon" in the work queue and the due list's default.
pub const DUE_SOON_DAYS: i64 = 14;

type Row = (
    i32,
    String,
    NaiveDateTime,
    Option<i32>,
    ListStatus,
    Option<NaiveDate>,
    Option<String>,
);

fn by_merchant<T>(rows: Vec<(i32, Option<T>)>) -> HashMap<i32, T> {
    rows.into_iter()
        .filter_map(|(id, v)| v.map(|v| (id, v)))
        .collect()
}

/// The stored code of a due date's reason, with the stars for `stars` (`stars:3`).
pub fn reason_code(r: DueReason) -> String {
    match r {
        DueReason::Stars(n) => format!("stars:{n}"),
        other => other.code().to_string(),
    }
}

/// The Fluent id and stars of a stored reason code (unknown codes read as "new").
pub fn reason_words(code: &str) -> (&'static str, i64) {
    match code {
        "black_list" => ("queue-reason-black-list", 0),
        "unrated" => ("queue-reason-unrated", 0),
        "complaint" => ("queue-reason-complaint", 0),
        "follow_up" => ("queue-reason-follow-up", 0),
        c if c.starts_with("stars:") => ("queue-reason-stars", c[6..].parse().unwrap_or(1)),
        _ => ("queue-reason-new", 0),
    }
}

/// A merchant's due date and the stored code of its reason.
pub type StoredDue = (Option<NaiveDate>, Option<String>);

/// A merchant whose stored due date changes, and to what.
pub type DueChange = (i32, Option<NaiveDate>, Option<String>);

/// The due date a merchant with `status` and `standing` gets under `p`, as stored (a closed
/// merchant gets none).
pub fn due_for(p: &ProgrammePolicy, status: &str, standing: &Standing) -> StoredDue {
    if status == "closed" {
        return (None, None);
    }
    let due: Due = next_due(standing, p);
    (Some(due.on), Some(reason_code(due.reason)))
}

/// Each merchant's latest follow-up (credit repair) request, for the merchants of `scope`: the
/// one input of the due date that a rating's history does not hold.
pub fn last_follow_ups(c: &mut DbConn, scope: Scope<'_>) -> QueryResult<HashMap<i32, NaiveDate>> {
    let rows: Vec<(i32, Option<NaiveDateTime>)> = scoped!(
        scope,
        notice_answers::table
            .inner_join(notices::table)
            .filter(notice_answers::wants_follow_up.eq(true))
            .group_by(notices::merchant_id)
            .select((notices::merchant_id, max(notice_answers::created_at))),
        notices::merchant_id
    )
    .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at.date())))
        .collect())
}

/// Computes every (or `only`'s) merchant's due date and writes those that changed, inside the
/// caller's transaction. Closed merchants get none. Returns how many rows changed.
pub fn refresh_in_tx(c: &mut DbConn, p: &ProgrammePolicy, only: Option<&[i32]>) -> anyhow::Result<usize> {
    let mut q = merchants::table
        .select((
            merchants::id,
            merchants::status,
            merchants::created_at,
            merchants::current_stars,
            merchants::current_list,
            merchants::next_due_on,
            merchants::next_due_reason,
        ))
        .into_boxed();
    let mut qi = inspections::table
        .filter(inspections::kind.ne("self_check"))
        .group_by(inspections::merchant_id)
        .select((inspections::merchant_id, max(inspections::inspected_on)))
        .into_boxed();
    let mut qc = complaints::table
        .filter(complaints::status.eq("verified"))
        .group_by(complaints::merchant_id)
        .select((complaints::merchant_id, max(complaints::triaged_at)))
        .into_boxed();
    if let Some(ids) = only {
        q = q.filter(merchants::id.eq_any(ids.to_vec()));
        qi = qi.filter(inspections::merchant_id.eq_any(ids.to_vec()));
        qc = qc.filter(complaints::merchant_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<Row> = q.load(c)?;
    let inspected = by_merchant(qi.load::<(i32, Option<NaiveDate>)>(c)?);
    let complained = by_merchant(qc.load::<(i32, Option<NaiveDateTime>)>(c)?);
    let follow_up = last_follow_ups(c, Scope::of(only))?;
    let mut changes: Vec<DueChange> = Vec::new();
    for (id, status, created_at, stars, list, on, reason) in rows {
        let due = due_for(
            p,
            &status,
            &Standing {
                registered_on: created_at.date(),
                last_inspected_on: inspected.get(&id).copied(),
                stars: stars.and_then(|s| u8::try_from(s).ok()),
                list,
                last_verified_complaint_on: complained.get(&id).map(|t| t.date()),
                last_follow_up_request_on: follow_up.get(&id).copied(),
            },
        );
        if due != (on, reason) {
            changes.push((id, due.0, due.1));
        }
    }
    store_due_dates(c, &changes)?;
    Ok(changes.len())
}

/// Writes changed due dates 500 merchants to a statement (one `UPDATE` a merchant cost 3 s per
/// 10,000 merchants on PostgreSQL). Only integers, dates we format and the fixed reason codes
/// go into the statement's text; nothing a user typed.
pub(crate) fn store_due_dates(c: &mut DbConn, changes: &[DueChange]) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    let (alias, date) = match c {
        DbConn::Sqlite(_) => ("v", "v.column2"),
        DbConn::Postgresql(_) => ("v(column1, column2, column3)", "CAST(v.column2 AS DATE)"),
    };
    let quoted = |v: Option<String>| v.map_or_else(|| "NULL".to_string(), |v| format!("'{v}'"));
    for chunk in changes.chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|(id, on, reason)| {
                debug_assert!(reason.as_deref().is_none_or(|r| r
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_:-".contains(ch))));
                format!(
                    "({id}, {}, {})",
                    quoted(on.map(|d| d.format("%Y-%m-%d").to_string())),
                    quoted(reason.clone())
                )
            })
            .collect();
        let ids: Vec<String> = chunk.iter().map(|(id, _, _)| id.to_string()).collect();
        // The id list as well as the join: without it PostgreSQL joins by scanning every merchant
        // (45 ms a statement at 33,000 merchants) instead of looking the 500 up.
        c.batch_execute(&format!(
            "UPDATE merchants SET next_due_on = {date}, next_due_reason = v.column3 \
             FROM (VALUES {}) AS {alias} WHERE merchants.id = v.column1 AND merchants.id IN ({})",
            values.join(", "),
            ids.join(", ")
        ))?;
    }
    Ok(())
}

/// Recomputes every merchant's due date under the active policy in one transaction (the daily
/// job's work; running it twice changes nothing the second time).
pub fn refresh_all(c: &mut DbConn) -> anyhow::Result<String> {
    let policy = crate::services::policy::active_policy(c)?;
    let n = write_tx(c, |c| refresh_in_tx(c, &policy.programme, None))?;
    Ok(format!("{n} due date(s) changed"))
}

/// One merchant on the due list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DueRow {
    pub id: i32,
    pub name: String,
    pub address: String,
    pub area: String,
    pub contact_name: String,
    pub phone: String,
    pub due_on: NaiveDate,
    pub reason: String,
    pub days_overdue: i64,
}

/// Open merchants due on or before `today + within` days, in `area` when given: the most
/// overdue first, then by name.
pub fn due_list(
    c: &mut DbConn,
    today: NaiveDate,
    within: i64,
    area: Option<&str>,
) -> QueryResult<Vec<DueRow>> {
    let until = today + chrono::Duration::days(within);
    let mut q = merchants::table
        .filter(merchants::status.ne("closed"))
        .filter(merchants::next_due_on.le(until))
        .select((
            merchants::id,
            merchants::name,
            merchants::address,
            merchants::area,
            merchants::contact_name,
            merchants::phone,
            merchants::next_due_on,
            merchants::next_due_reason,
        ))
        .order((
            merchants::next_due_on.asc(),
            merchants::name.asc(),
            merchants::id.asc(),
        ))
        .into_boxed();
    if let Some(a) = area {
        q = q.filter(merchants::area.eq(a.to_string()));
    }
    type R = (
        i32,
        String,
        String,
        String,
        String,
        String,
        Option<NaiveDate>,
        Option<String>,
    );
    let rows: Vec<R> = q.limit(5000).load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, address, area, contact_name, phone, on, reason)| {
            let due_on = on?;
            Some(DueRow {
                id,
                name,
                address,
                area,
                contact_name,
                phone,
                due_on,
                reason: reason.unwrap_or_default(),
                days_overdue: (today - due_on).num_days().max(0),
            })
        })
        .collect())
}

/// Open merchants overdue (due before `today`) and due within [`DUE_SOON_DAYS`] (from today).
pub fn counts(c: &mut DbConn, today: NaiveDate) -> QueryResult<(i64, i64)> {
    let open = || merchants::table.filter(merchants::status.ne("closed"));
    let overdue = open()
        .filter(merchants::next_due_on.lt(today))
        .count()
        .get_result(c)?;
    let soon = open()
        .filter(merchants::next_due_on.ge(today))
        .filter(merchants::next_due_on.le(today + chrono::Duration::days(DUE_SOON_DAYS)))
        .count()
        .get_result(c)?;
    Ok((overdue, soon))
}

/// One merchant's stored due date and reason code.
pub fn of_merchant(c: &mut DbConn, id: i32) -> QueryResult<Option<(NaiveDate, String)>> {
    let r: Option<(Option<NaiveDate>, Option<String>)> = merchants::table
        .find(id)
        .select((merchants::next_due_on, merchants::next_due_reason))
        .first(c)
        .optional()?;
    Ok(r.and_then(|(on, reason)| Some((on?, reason.unwrap_or_default()))))
}

/// Removes a merchant's due date (it closed).
pub fn clear(c: &mut DbConn, id: i32) -> QueryResult<()> {
    diesel::update(merchants::table.find(id))
        .set((
            merchants::next_due_on.eq(None::<NaiveDate>),
            merchants::next_due_reason.eq(None::<String>),
        ))
        .execute(c)?;
    Ok(())
}
