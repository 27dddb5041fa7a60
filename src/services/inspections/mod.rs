//! Logging and editing inspections: one validation shared by the inspector's form and the JSON
//! API, then one write transaction that stores the inspection, its checklist deductions and
//! violations with their audit entries, and recomputes the merchant's rating.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::inspection::{
    Inspection, InspectionChanges, InspectionListRow, NewInspection, NewItem, NewViolation, Violation,
    ViolationChanges,
};
use crate::db::models::{now_utc, write_tx, write_tx_for_merchant};
use crate::db::schema::{audit_log, merchants};
use crate::db::DbConn;
use crate::domain::money::{parse_yuan, MoneyError};
use crate::domain::policy::Policy;
use crate::domain::rating::{rate, InspectionKind, ListStatus, Rating, Severity};

mod photos;
mod read;
mod validate;
mod write;

pub use photos::*;
pub use read::*;
pub use validate::*;
pub use write::*;

#[cfg(test)]
mod tests;

/// How long an inspector may correct an inspection after logging it; later corrections need a new
/// (follow-up) inspection, so the record the merchant saw does not change under them.
pub const EDIT_WINDOW_HOURS: i64 = 24;

/// The earliest inspection date accepted: older dates are typing mistakes.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Largest fine accepted, in fen (100 million yuan): anything larger is a typing mistake.
pub const MAX_FINE_FEN: i64 = 10_000_000_000;

const MAX_CODE: usize = 32;
const MAX_DESCRIPTION: usize = 500;
const MAX_LEGAL_BASIS: usize = 200;
const MAX_NOTES: usize = 2000;

use super::problem::Problem;

/// Why an inspection could not be logged or edited.
#[derive(Debug, thiserror::Error)]
pub enum InspectionError {
    /// The input does not validate; every problem is listed.
    #[error("invalid inspection: {0:?}")]
    Invalid(Vec<Problem>),
    /// No such inspection.
    #[error("no such inspection")]
    NotFound,
    /// Only the inspector who logged an inspection may edit it.
    #[error("only the inspector who logged the inspection may edit it")]
    NotYours,
    /// The edit window has closed.
    #[error("the inspection was logged more than {EDIT_WINDOW_HOURS} hours ago")]
    TooLate,
    /// The database or the rating engine failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for InspectionError {
    fn from(e: diesel::result::Error) -> Self {
        InspectionError::Other(e.into())
    }
}
