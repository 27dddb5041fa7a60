//! Inspections with their checklist deductions and the violations found.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{inspection_items, inspections, violations};
use crate::db::DbConn;
use crate::domain::words::{InspectionKind, Severity};

/// An inspection as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = inspections)]
pub struct Inspection {
    pub id: i32,
    pub merchant_id: i32,
    pub inspector_id: Option<i32>,
    pub inspected_on: NaiveDate,
    pub kind: InspectionKind,
    pub score: i32,
    pub notes: String,
    pub fhrs_hygiene: Option<i32>,
    pub fhrs_structural: Option<i32>,
    pub fhrs_confidence: Option<i32>,
    pub published_rating: Option<String>,
    pub external_ref: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields a new inspection is logged with. `None` is inserted as NULL (every optional column
/// defaults to NULL), so that a batch of them is one multi-row INSERT on SQLite too (issue 17).
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = inspections)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewInspection {
    pub merchant_id: i32,
    pub inspector_id: Option<i32>,
    pub inspected_on: NaiveDate,
    pub kind: InspectionKind,
    pub score: i32,
    pub notes: String,
    pub fhrs_hygiene: Option<i32>,
    pub fhrs_structural: Option<i32>,
    pub fhrs_confidence: Option<i32>,
    pub published_rating: Option<String>,
    pub external_ref: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewInspection {
    /// An inspection of `merchant_id` on `inspected_on` with its score, logged now by nobody in
    /// particular, with no notes and no FHRS figures: set the other fields with `..` on this.
    pub fn scored(merchant_id: i32, inspected_on: NaiveDate, kind: InspectionKind, score: i32) -> Self {
        let now = crate::db::models::now_utc();
        NewInspection {
            merchant_id,
            inspector_id: None,
            inspected_on,
            kind,
            score,
            notes: String::new(),
            fhrs_hygiene: None,
            fhrs_structural: None,
            fhrs_confidence: None,
            published_rating: None,
            external_ref: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// One checklist deduction.
#[derive(Debug, Clone, Insertable, Queryable, Selectable, Serialize)]
#[diesel(table_name = inspection_items)]
pub struct NewItem {
    pub inspection_id: i32,
    pub item_code: String,
    pub deduction: i32,
    pub note: String,
}

/// A violation as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = violations)]
pub struct Violation {
    pub id: i32,
    pub inspection_id: i32,
    pub merchant_id: i32,
    pub code: String,
    pub severity: Severity,
    pub description: String,
    pub legal_basis: String,
    pub fine_fen: i64,
    pub found_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

/// The fields a violation is recorded with.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = violations)]
pub struct NewViolation {
    pub inspection_id: i32,
    pub merchant_id: i32,
    pub code: String,
    pub severity: Severity,
    pub description: String,
    pub legal_basis: String,
    pub fine_fen: i64,
    pub found_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

use super::ROWS_PER_INSERT;

/// An inspection with its id, as `COPY` writes it.
#[derive(Insertable)]
#[diesel(table_name = inspections)]
#[diesel(treat_none_as_default_value = false)]
struct CopiedInspection<'a> {
    id: i32,
    merchant_id: i32,
    inspector_id: Option<i32>,
    inspected_on: NaiveDate,
    kind: InspectionKind,
    score: i32,
    notes: &'a str,
    fhrs_hygiene: Option<i32>,
    fhrs_structural: Option<i32>,
    fhrs_confidence: Option<i32>,
    published_rating: Option<&'a str>,
    external_ref: Option<&'a str>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A violation with its id, as `COPY` writes it.
#[derive(Insertable)]
#[diesel(table_name = violations)]
#[diesel(treat_none_as_default_value = false)]
struct CopiedViolation<'a> {
    id: i32,
    inspection_id: i32,
    merchant_id: i32,
    code: &'a str,
    severity: Severity,
    description: &'a str,
    legal_basis: &'a str,
    fine_fen: i64,
    found_on: NaiveDate,
    created_at: NaiveDateTime,
}

impl Inspection {
    /// Inserts an inspection and returns its id.
    pub fn insert(conn: &mut DbConn, i: &NewInspection) -> QueryResult<i32> {
        crate::db::dispatch!(conn, |c| diesel::insert_into(inspections::table)
            .values(i)
            .returning(inspections::id)
            .get_result(c))
    }

    /// Inserts checklist deductions in one statement (through `dispatch!`: `MultiConnection`
    /// has no batch insert of its own).
    pub fn insert_items(conn: &mut DbConn, items: &[NewItem]) -> QueryResult<()> {
        if items.is_empty() {
            return Ok(());
        }
        crate::db::dispatch!(conn, |c| diesel::insert_into(inspection_items::table)
            .values(items)
            .execute(c))?;
        Ok(())
    }

    /// Inserts many inspections and returns their ids, in order: `COPY` on PostgreSQL (with ids
    /// taken from the sequence first), multi-row inserts of 1,000 on SQLite. For bulk imports.
    pub fn insert_many(conn: &mut DbConn, rows: &[NewInspection]) -> QueryResult<Vec<i32>> {
        match conn {
            DbConn::Postgresql(c) => {
                let ids = super::next_ids(c, "inspections", rows.len())?;
                let copied: Vec<CopiedInspection<'_>> = ids
                    .iter()
                    .zip(rows)
                    .map(|(&id, i)| CopiedInspection {
                        id,
                        merchant_id: i.merchant_id,
                        inspector_id: i.inspector_id,
                        inspected_on: i.inspected_on,
                        kind: i.kind,
                        score: i.score,
                        notes: &i.notes,
                        fhrs_hygiene: i.fhrs_hygiene,
                        fhrs_structural: i.fhrs_structural,
                        fhrs_confidence: i.fhrs_confidence,
                        published_rating: i.published_rating.as_deref(),
                        external_ref: i.external_ref.as_deref(),
                        created_at: i.created_at,
                        updated_at: i.updated_at,
                    })
                    .collect();
                if !copied.is_empty() {
                    diesel::copy_from(inspections::table)
                        .from_insertable(copied)
                        .execute(c)?;
                }
                Ok(ids)
            }
            DbConn::Sqlite(c) => {
                let mut ids = Vec::with_capacity(rows.len());
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    ids.extend(
                        diesel::insert_into(inspections::table)
                            .values(chunk)
                            .returning(inspections::id)
                            .get_results::<i32>(c)?,
                    );
                }
                Ok(ids)
            }
        }
    }

    /// Inserts many violations and returns their ids, in order, like [`Self::insert_many`].
    pub fn insert_violations(conn: &mut DbConn, rows: &[NewViolation]) -> QueryResult<Vec<i32>> {
        match conn {
            DbConn::Postgresql(c) => {
                let ids = super::next_ids(c, "violations", rows.len())?;
                let copied: Vec<CopiedViolation<'_>> = ids
                    .iter()
                    .zip(rows)
                    .map(|(&id, v)| CopiedViolation {
                        id,
                        inspection_id: v.inspection_id,
                        merchant_id: v.merchant_id,
                        code: &v.code,
                        severity: v.severity,
                        description: &v.description,
                        legal_basis: &v.legal_basis,
                        fine_fen: v.fine_fen,
                        found_on: v.found_on,
                        created_at: v.created_at,
                    })
                    .collect();
                if !copied.is_empty() {
                    diesel::copy_from(violations::table)
                        .from_insertable(copied)
                        .execute(c)?;
                }
                Ok(ids)
            }
            DbConn::Sqlite(c) => {
                let mut ids = Vec::with_capacity(rows.len());
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    ids.extend(
                        diesel::insert_into(violations::table)
                            .values(chunk)
                            .returning(violations::id)
                            .get_results::<i32>(c)?,
                    );
                }
                Ok(ids)
            }
        }
    }

    /// Inserts a violation and returns its id.
    pub fn insert_violation(conn: &mut DbConn, v: &NewViolation) -> QueryResult<i32> {
        crate::db::dispatch!(conn, |c| diesel::insert_into(violations::table)
            .values(v)
            .returning(violations::id)
            .get_result(c))
    }

    /// A merchant's inspections, newest first.
    pub fn for_merchant(conn: &mut DbConn, merchant_id: i32) -> QueryResult<Vec<Inspection>> {
        inspections::table
            .filter(inspections::merchant_id.eq(merchant_id))
            .order((inspections::inspected_on.desc(), inspections::id.desc()))
            .select(Inspection::as_select())
            .load(conn)
    }

    /// A merchant's violations, newest first.
    pub fn violations_for_merchant(conn: &mut DbConn, merchant_id: i32) -> QueryResult<Vec<Violation>> {
        violations::table
            .filter(violations::merchant_id.eq(merchant_id))
            .order((violations::found_on.desc(), violations::id.desc()))
            .select(Violation::as_select())
            .load(conn)
    }
}

/// An inspection with its merchant's name, for lists of recent inspections.
#[derive(Debug, Clone, Queryable)]
pub struct InspectionListRow {
    pub id: i32,
    pub merchant_id: i32,
    pub merchant_name: String,
    pub inspector_id: Option<i32>,
    pub inspected_on: NaiveDate,
    pub kind: InspectionKind,
    pub score: i32,
    pub created_at: NaiveDateTime,
}

/// The fields an edit may change.
#[derive(Debug, Clone, AsChangeset, Serialize)]
#[diesel(table_name = inspections)]
pub struct InspectionChanges {
    pub inspected_on: NaiveDate,
    pub kind: InspectionKind,
    pub score: i32,
    pub notes: String,
    pub updated_at: NaiveDateTime,
}

/// The fields of a violation an edit may change (it keeps its id, so notices stay attached).
#[derive(Debug, Clone, AsChangeset, Serialize)]
#[diesel(table_name = violations)]
pub struct ViolationChanges {
    pub code: String,
    pub severity: Severity,
    pub description: String,
    pub legal_basis: String,
    pub fine_fen: i64,
    pub found_on: NaiveDate,
}

impl Inspection {
    /// One inspection by id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Inspection>> {
        inspections::table
            .find(id)
            .select(Inspection::as_select())
            .first(conn)
            .optional()
    }

    /// The checklist deductions of an inspection, in code order.
    pub fn items_of(conn: &mut DbConn, inspection_id: i32) -> QueryResult<Vec<NewItem>> {
        inspection_items::table
            .filter(inspection_items::inspection_id.eq(inspection_id))
            .order(inspection_items::item_code.asc())
            .select(NewItem::as_select())
            .load(conn)
    }

    /// The violations recorded with an inspection, in the order they were entered.
    pub fn violations_of(conn: &mut DbConn, inspection_id: i32) -> QueryResult<Vec<Violation>> {
        violations::table
            .filter(violations::inspection_id.eq(inspection_id))
            .order(violations::id.asc())
            .select(Violation::as_select())
            .load(conn)
    }

    /// The most recently logged inspections with their merchants' names, newest first.
    pub fn recent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<InspectionListRow>> {
        use crate::db::schema::merchants;
        inspections::table
            .inner_join(merchants::table)
            .order((inspections::created_at.desc(), inspections::id.desc()))
            .limit(limit)
            .select((
                inspections::id,
                inspections::merchant_id,
                merchants::name,
                inspections::inspector_id,
                inspections::inspected_on,
                inspections::kind,
                inspections::score,
                inspections::created_at,
            ))
            .load(conn)
    }

    /// Applies an edit to the inspection row.
    pub fn update(conn: &mut DbConn, id: i32, changes: &InspectionChanges) -> QueryResult<usize> {
        diesel::update(inspections::table.find(id))
            .set(changes)
            .execute(conn)
    }

    /// Removes every checklist deduction of an inspection (an edit then writes the new set).
    pub fn delete_items(conn: &mut DbConn, inspection_id: i32) -> QueryResult<usize> {
        diesel::delete(inspection_items::table.filter(inspection_items::inspection_id.eq(inspection_id)))
            .execute(conn)
    }

    /// Changes a violation in place.
    pub fn update_violation(conn: &mut DbConn, id: i32, changes: &ViolationChanges) -> QueryResult<usize> {
        diesel::update(violations::table.find(id))
            .set(changes)
            .execute(conn)
    }

    /// Deletes a violation (callers first check that no notice refers to it).
    pub fn delete_violation(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
        diesel::delete(violations::table.find(id)).execute(conn)
    }

    /// Which of `ids` are referred to by a rectification notice (and so must not be deleted).
    pub fn violations_on_notices(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<i32>> {
        use crate::db::schema::notice_violations;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        notice_violations::table
            .filter(notice_violations::violation_id.eq_any(ids.to_vec()))
            .select(notice_violations::violation_id)
            .distinct()
            .load(conn)
    }
}
