//! Inspections with their checklist deductions and the violations found.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{inspection_items, inspections, violations};
use crate::db::DbConn;

/// An inspection as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = inspections)]
pub struct Inspection {
    pub id: i32,
    pub merchant_id: i32,
    pub inspector_id: Option<i32>,
    pub inspected_on: NaiveDate,
    pub kind: String,
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

/// The fields a new inspection is logged with.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = inspections)]
pub struct NewInspection {
    pub merchant_id: i32,
    pub inspector_id: Option<i32>,
    pub inspected_on: NaiveDate,
    pub kind: String,
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
    pub severity: String,
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
    pub severity: String,
    pub description: String,
    pub legal_basis: String,
    pub fine_fen: i64,
    pub found_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

impl Inspection {
    /// Inserts an inspection and returns its id.
    pub fn insert(conn: &mut DbConn, i: &NewInspection) -> QueryResult<i32> {
        crate::dispatch!(conn, |c| diesel::insert_into(inspections::table)
            .values(i)
            .returning(inspections::id)
            .get_result(c))
    }

    /// Inserts checklist deductions (one statement each: MultiConnection has no batch insert).
    pub fn insert_items(conn: &mut DbConn, items: &[NewItem]) -> QueryResult<()> {
        for it in items {
            diesel::insert_into(inspection_items::table)
                .values(it)
                .execute(conn)?;
        }
        Ok(())
    }

    /// Inserts a violation and returns its id.
    pub fn insert_violation(conn: &mut DbConn, v: &NewViolation) -> QueryResult<i32> {
        crate::dispatch!(conn, |c| diesel::insert_into(violations::table)
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
