//! Loading merchants' histories for the pure rules (the rating engine, the commendation rule):
//! one query per table rather than per merchant. Reads only; a leaf among the services.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    complaints, inspections, merchants, notices, training_attendance, trainings, violations,
};
use crate::db::{dispatch, DbConn};
use crate::domain::fhrs::FhrsScores;
use crate::domain::rating::{
    ComplaintFact, InspectionFact, MerchantHistory, NoticeFact, TrainingFact, ViolationFact,
};
use crate::domain::words::{ComplaintState, InspectionKind, Severity};

/// Which merchants a bulk read covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every merchant.
    All,
    /// These merchants.
    Ids(&'a [i32]),
    /// The merchants whose ids lie in `from..=to`: a full recompute reads the town in such
    /// slices so that its memory does not grow with the town.
    Range { from: i32, to: i32 },
}

impl<'a> Scope<'a> {
    /// `All` for `None`, the ids otherwise.
    pub fn of(only: Option<&'a [i32]>) -> Self {
        only.map_or(Scope::All, Scope::Ids)
    }
}

/// Applies a [`Scope`] to a boxed query, filtering on its merchant id column.
macro_rules! scoped {
    ($scope:expr, $q:expr, $col:expr) => {{
        let q = $q.into_boxed();
        match $scope {
            // One merchant (its public record): `= ?`, a statement each connection prepares
            // once, where `IN (…)` of a varying length is parsed again on every run.
            $crate::services::histories::Scope::Ids(&[id]) => q.filter($col.eq(id)),
            $crate::services::histories::Scope::Ids(ids) => q.filter($col.eq_any(ids.to_vec())),
            $crate::services::histories::Scope::Range { from, to } => q.filter($col.between(from, to)),
            $crate::services::histories::Scope::All => q,
        }
    }};
}
pub(crate) use scoped;

/// The histories a bulk read fills, by merchant id.
pub type Histories = HashMap<i32, MerchantHistory>;

/// Histories for the given merchants (all merchants when `only` is `None`), loaded with one
/// query per table rather than per merchant.
pub fn load_histories(conn: &mut DbConn, only: Option<&[i32]>, as_of: NaiveDate) -> QueryResult<Histories> {
    load_histories_in(conn, Scope::of(only), as_of)
}

/// [`load_histories`] for any [`Scope`].
pub fn load_histories_in(conn: &mut DbConn, scope: Scope<'_>, as_of: NaiveDate) -> QueryResult<Histories> {
    let mut out = Histories::new();
    // Each query runs on the backend's own connection (`dispatch!`), where a boxed query's SQL
    // is written once a run to find its prepared statement (through `MultiConnection`, twice).
    let ms: Vec<(i32, Option<NaiveDate>, Option<NaiveDate>)> =
        dispatch!(conn, |c| scoped!(scope, merchants::table, merchants::id)
            .select((merchants::id, merchants::member_since, merchants::member_left_on))
            .load(c))?;
    for (id, since, left) in ms {
        out.insert(
            id,
            MerchantHistory {
                merchant_id: id as i64,
                alliance_member: crate::db::models::merchant::is_member_on(since, left, as_of),
                ..Default::default()
            },
        );
    }
    add_inspections(conn, scope, &mut out)?;
    add_violations(conn, scope, &mut out)?;
    add_notices(conn, scope, &mut out)?;
    add_complaints(conn, scope, &mut out)?;
    add_trainings(conn, scope, &mut out)?;
    Ok(out)
}

/// Adds the inspections of the merchants in `scope` to their histories in `out` (merchants
/// not in `out` are skipped).
pub fn add_inspections(conn: &mut DbConn, scope: Scope<'_>, out: &mut Histories) -> QueryResult<()> {
    type InspectionRow = (
        i32,
        i32,
        NaiveDate,
        InspectionKind,
        i32,
        Option<i32>,
        Option<i32>,
        Option<i32>,
    );
    let ins: Vec<InspectionRow> = dispatch!(conn, |c| scoped!(
        scope,
        inspections::table,
        inspections::merchant_id
    )
    .select((
        inspections::id,
        inspections::merchant_id,
        inspections::inspected_on,
        inspections::kind,
        inspections::score,
        inspections::fhrs_hygiene,
        inspections::fhrs_structural,
        inspections::fhrs_confidence,
    ))
    .load(c))?;
    for (id, mid, date, kind, score, hy, st, co) in ins {
        if let Some(h) = out.get_mut(&mid) {
            h.inspections.push(InspectionFact {
                id: id as i64,
                date,
                kind,
                score,
                fhrs: fhrs_of(hy, st, co),
            });
        }
    }
    Ok(())
}

/// The FHRS scores when all three were recorded (and are in range).
pub fn fhrs_of(hygiene: Option<i32>, structural: Option<i32>, confidence: Option<i32>) -> Option<FhrsScores> {
    match (hygiene, structural, confidence) {
        (Some(h), Some(s), Some(c)) => FhrsScores::new(h as u8, s as u8, c as u8).ok(),
        _ => None,
    }
}

/// Adds the violations of the merchants in `scope`, as [`add_inspections`].
pub fn add_violations(conn: &mut DbConn, scope: Scope<'_>, out: &mut Histories) -> QueryResult<()> {
    let vs: Vec<(i32, i32, i32, NaiveDate, Severity)> = dispatch!(conn, |c| scoped!(
        scope,
        violations::table,
        violations::merchant_id
    )
    .select((
        violations::id,
        violations::inspection_id,
        violations::merchant_id,
        violations::found_on,
        violations::severity,
    ))
    .load(c))?;
    for (id, iid, mid, date, sev) in vs {
        if let Some(h) = out.get_mut(&mid) {
            h.violations.push(ViolationFact {
                id: id as i64,
                inspection_id: iid as i64,
                date,
                severity: sev,
            });
        }
    }
    Ok(())
}

/// A notice as the rating engine reads it: stored times are dated as stored (UTC), as every
/// rating has dated them.
pub fn notice_fact(
    id: i32,
    issued_at: NaiveDateTime,
    deadline: NaiveDate,
    verified_at: Option<NaiveDateTime>,
) -> NoticeFact {
    NoticeFact {
        id: id as i64,
        issued_on: issued_at.date(),
        deadline,
        verified_on: verified_at.map(|v| v.date()),
    }
}

/// Adds the notices of the merchants in `scope`, as [`add_inspections`].
pub fn add_notices(conn: &mut DbConn, scope: Scope<'_>, out: &mut Histories) -> QueryResult<()> {
    let ns: Vec<(i32, i32, NaiveDateTime, NaiveDate, Option<NaiveDateTime>)> =
        dispatch!(conn, |c| scoped!(scope, notices::table, notices::merchant_id)
            .select((
                notices::id,
                notices::merchant_id,
                notices::issued_at,
                notices::deadline,
                notices::verified_at,
            ))
            .load(c))?;
    for (id, mid, issued, deadline, verified) in ns {
        if let Some(h) = out.get_mut(&mid) {
            h.notices.push(notice_fact(id, issued, deadline, verified));
        }
    }
    Ok(())
}

/// Adds the verified complaints of the merchants in `scope`, as [`add_inspections`].
pub fn add_complaints(conn: &mut DbConn, scope: Scope<'_>, out: &mut Histories) -> QueryResult<()> {
    let cs: Vec<(i32, i32, Option<NaiveDateTime>)> = dispatch!(conn, |c| scoped!(
        scope,
        complaints::table,
        complaints::merchant_id
    )
    .filter(complaints::status.eq(ComplaintState::Verified))
    .select((complaints::id, complaints::merchant_id, complaints::triaged_at))
    .load(c))?;
    for (id, mid, at) in cs {
        if let (Some(h), Some(at)) = (out.get_mut(&mid), at) {
            h.complaints.push(ComplaintFact {
                id: id as i64,
                verified_on: at.date(),
            });
        }
    }
    Ok(())
}

/// Adds the training attendance of the merchants in `scope`, as [`add_inspections`].
pub fn add_trainings(conn: &mut DbConn, scope: Scope<'_>, out: &mut Histories) -> QueryResult<()> {
    let ts: Vec<(i32, i32, NaiveDate, i32)> = dispatch!(conn, |c| scoped!(
        scope,
        training_attendance::table.inner_join(trainings::table),
        training_attendance::merchant_id
    )
    .select((
        training_attendance::id,
        training_attendance::merchant_id,
        trainings::held_on,
        trainings::hours_tenths,
    ))
    .load(c))?;
    for (id, mid, date, hours) in ts {
        if let Some(h) = out.get_mut(&mid) {
            h.trainings.push(TrainingFact {
                id: id as i64,
                date,
                hours_tenths: hours,
            });
        }
    }
    Ok(())
}
