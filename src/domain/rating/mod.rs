//! The rating engine: a pure function of (merchant history, policy, as-of date).
//!
//! Pure so that a rating can always be recomputed from scratch and give the same answer as the stored
//! one, and explainable: every rating carries its breakdown (terms whose points add up exactly to the
//! score, with the records behind each) and the reasons for its list status. See `docs/rating.md`.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::policy::Policy;

pub use super::facts::{FhrsScores, Severity};

mod codes;
mod history;
mod stars;

pub use codes::*;
pub use history::*;
pub use stars::*;

#[cfg(test)]
mod tests;

/// One line of a rating's breakdown: which rule, how many points (tenths, signed), which records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// The rule.
    pub key: TermKey,
    /// Signed points in tenths; the terms of a rated merchant add up exactly to the score.
    pub points_tenths: i32,
    /// Ids of the records behind the term (inspections, violations, notices, complaints, trainings).
    pub record_ids: Vec<i64>,
}

impl Term {
    fn new(key: TermKey, points_tenths: i32, record_ids: Vec<i64>) -> Term {
        Term {
            key,
            points_tenths,
            record_ids,
        }
    }
}

/// A merchant's rating at a date under a policy version, with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// Merchant id.
    pub merchant_id: i64,
    /// Rating date.
    pub as_of: NaiveDate,
    /// Policy version used.
    pub policy_version: String,
    /// Score in tenths (0..=1000); `None` = not yet rated (待评): no inspection in the window.
    pub score_tenths: Option<i32>,
    /// Stars 1..=5; `None` when not yet rated.
    pub stars: Option<u8>,
    /// Red/black list status.
    pub list: ListStatus,
    /// Why the list status (empty for `None` unless credit was repaired).
    pub list_reasons: Vec<ListReason>,
    /// Score terms; empty when not yet rated.
    pub breakdown: Vec<Term>,
}

impl Rating {
    /// Whether the merchant has a score (at least one inspection in the window).
    pub fn is_rated(&self) -> bool {
        self.score_tenths.is_some()
    }
}

/// A rating scheme, so that other schemes (e.g. FHRS-style) can be plugged in beside the star scheme.
pub trait Scheme {
    /// Rate a merchant at `as_of`.
    fn rate(&self, h: &MerchantHistory, as_of: NaiveDate) -> Rating;
}
