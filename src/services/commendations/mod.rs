//! The annual commendation (年度表彰): the rule's candidates for a year, the committee's
//! adjustments, the immutable decision (commendations, rewards, audit and emails in one
//! transaction), revocation on recompute, and what the public pages read.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{commendation_adjustments, commendation_decisions, commendations};
use crate::domain::commendation::{self, display_until, Revocation};
use crate::services::problem::Message;
use crate::services::rewards::GrantError;

mod decide;
mod read;
mod review;
mod revoke;
mod year_records;

pub use decide::*;
pub use read::*;
pub use review::*;
pub use revoke::*;
pub use year_records::*;

/// A year's decision as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = commendation_decisions)]
pub struct Decision {
    pub id: i32,
    /// The commended year.
    pub year: i32,
    /// 共治表〔2026〕1号.
    pub number: String,
    /// Order among the decisions of the calendar year it was made in.
    pub seq: i32,
    pub decided_on: NaiveDate,
    #[schema(value_type = String)]
    pub decided_at: NaiveDateTime,
    pub decided_by: Option<i32>,
    /// The policy version whose rule proposed the candidates.
    pub policy_version: String,
    pub note: String,
}

impl Decision {
    /// The number for English readers: "Decision 2026-1".
    pub fn number_en(&self) -> String {
        format!("Decision {}-{}", self.decided_on.year(), self.seq)
    }
}

/// A commended merchant as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = commendations)]
pub struct Commendation {
    pub id: i32,
    pub decision_id: i32,
    /// The commended year.
    pub year: i32,
    pub merchant_id: i32,
    /// The merchant's name on the day of the decision.
    pub merchant_name: String,
    pub category: String,
    pub area: String,
    /// The level's code in the policy.
    pub level: String,
    /// 0 = the highest level.
    pub level_rank: i32,
    pub level_name_zh: String,
    pub level_name_en: String,
    /// The reward written to the ledger, in fen (0 = none).
    pub reward_fen: i64,
    pub reward_id: Option<i32>,
    /// The level's criteria as JSON (`domain::commendation::Criterion` list).
    pub criteria: String,
    /// Why the committee commended a merchant the rule did not propose.
    pub committee_reason: Option<String>,
    pub revoked_on: Option<NaiveDate>,
    /// JSON of `domain::commendation::RevokeReason`.
    pub revoked_reason: Option<String>,
}

impl Commendation {
    /// The level's name in the reader's language.
    pub fn level_name(&self, en: bool) -> &str {
        if en {
            &self.level_name_en
        } else {
            &self.level_name_zh
        }
    }

    /// Whether it is shown as in force on `today`: not revoked and within its display year.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.revoked_on.is_none() && today <= display_until(self.year)
    }

    /// The parsed revocation reason.
    pub fn revocation(&self) -> Option<Revocation> {
        let on = self.revoked_on?;
        let reason = serde_json::from_str(self.revoked_reason.as_deref()?).ok()?;
        Some(Revocation { on, reason })
    }

    /// The parsed criteria.
    pub fn criteria(&self) -> Vec<commendation::Criterion> {
        serde_json::from_str(&self.criteria).unwrap_or_default()
    }
}

/// A committee adjustment as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = commendation_adjustments)]
pub struct Adjustment {
    pub id: i32,
    pub year: i32,
    pub merchant_id: i32,
    /// "exclude" or "include".
    pub action: String,
    /// For "include": the level given.
    pub level: Option<String>,
    pub reason: String,
    pub made_by: Option<i32>,
    pub made_at: NaiveDateTime,
}

/// Why a commendation request was refused; each maps to a 4xx with a message in both languages.
#[derive(Debug, thiserror::Error)]
pub enum CommendationError {
    #[error("the year must be between 2000 and the current year")]
    BadYear,
    #[error("the year is not over yet")]
    YearNotOver,
    #[error("this year is decided already")]
    AlreadyDecided,
    #[error("the policy has no commendation levels")]
    NoRule,
    #[error("no merchant to commend")]
    NobodyToCommend,
    #[error("no merchant {0}")]
    NoMerchant(i32),
    #[error("unknown level {0}")]
    UnknownLevel(String),
    #[error("the reason must be 2 to 500 characters")]
    BadReason,
    #[error("the note must be at most 500 characters")]
    NoteTooLong,
    #[error("the merchant is not proposed, so there is nothing to exclude")]
    NotProposed,
    #[error("the merchant is proposed at that level already")]
    AlreadyProposed,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for CommendationError {
    fn from(e: diesel::result::Error) -> Self {
        CommendationError::Other(e.into())
    }
}

impl From<GrantError> for CommendationError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::NoMerchant(id) => CommendationError::NoMerchant(id),
            GrantError::Other(e) => CommendationError::Other(e),
        }
    }
}

impl CommendationError {
    /// What the reader is told, rendered by the page (or the CLI) in its language.
    pub fn message(&self) -> Message {
        match self {
            CommendationError::BadYear => Message::t("errors-commendation-bad-year"),
            CommendationError::YearNotOver => Message::t("errors-commendation-year-not-over"),
            CommendationError::AlreadyDecided => Message::t("errors-commendation-already-decided"),
            CommendationError::NoRule => Message::t("errors-commendation-no-rule"),
            CommendationError::NobodyToCommend => Message::t("errors-commendation-nobody"),
            CommendationError::NoMerchant(_) => Message::t("errors-commendation-no-merchant"),
            CommendationError::UnknownLevel(_) => Message::t("errors-commendation-unknown-level"),
            CommendationError::BadReason => Message::t("errors-commendation-bad-reason"),
            CommendationError::NoteTooLong => Message::t("errors-commendation-note-too-long"),
            CommendationError::NotProposed => Message::t("errors-commendation-not-proposed"),
            CommendationError::AlreadyProposed => Message::t("errors-commendation-already-proposed"),
            CommendationError::Other(_) => Message::t("errors-commendation-other"),
        }
    }
}

/// Checks that `year` can be looked at on `today`.
pub fn check_year(year: i32, today: NaiveDate) -> Result<(), CommendationError> {
    if (2000..=today.year()).contains(&year) {
        Ok(())
    } else {
        Err(CommendationError::BadYear)
    }
}
