//! The file's shape, as serde sees it; values are checked afterwards.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub version: String,
    pub window_days: i64,
    pub score: Score,
    pub checklist: Vec<ChecklistItem>,
    pub violations: Violations,
    pub complaints: Complaints,
    pub notices: Notices,
    pub training: Training,
    pub stars: Stars,
    pub red: Red,
    pub black: Black,
    pub disclosure: Disclosure,
    pub lives: Lives,
    #[serde(default)]
    pub commendation: Option<Commendation>,
    #[serde(default)]
    pub programme: Option<Programme>,
    #[serde(default)]
    pub categories: Vec<Name>,
    #[serde(default)]
    pub areas: Vec<Name>,
    #[serde(default)]
    pub violation_types: Vec<ViolationType>,
}

/// One entry of the violation catalogue (违法行为目录) the inspection form offers.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViolationType {
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    pub severity: String,
    #[serde(default)]
    pub legal_basis: String,
    /// Typical fine in yuan (0 when there usually is none).
    #[serde(default)]
    pub typical_fine: i64,
}

/// The inspection programme: days to the next inspection.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    pub black_list_days: i64,
    /// ★1 to ★5, in that order.
    pub stars_days: Vec<i64>,
    pub unrated_days: i64,
    pub after_verified_complaint_days: i64,
    pub after_follow_up_request_days: i64,
}

/// A declared category or area: the stored (Chinese) name and its English name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Name {
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commendation {
    #[serde(default)]
    pub levels: Vec<CommendationLevel>,
    pub revoke: Revoke,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommendationLevel {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub min_stars: i64,
    pub stars_at: String,
    pub min_red_editions: i64,
    pub no_serious_violation: bool,
    pub no_overdue_notice: bool,
    pub min_training_hours: f64,
    pub member_all_year: bool,
    /// -1 switches the criterion off.
    pub max_verified_complaints: i64,
    pub reward_yuan: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    pub on_serious_violation: bool,
    pub on_black_list: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Score {
    pub base: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    pub points: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Violations {
    pub minor: f64,
    pub major: f64,
    pub serious: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complaints {
    pub points_each: f64,
    pub cap: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notices {
    pub overdue_points_each: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    pub bonus_per_hour: f64,
    pub cap: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stars {
    pub thresholds: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Red {
    pub min_stars: i64,
    pub require_no_violation: bool,
    pub require_no_open_notice: bool,
    pub require_alliance_member: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Black {
    pub on_serious_violation: bool,
    pub on_overdue_notice: bool,
    pub max_stars: i64,
    pub repair: Repair,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repair {
    pub min_stay_days: i64,
    pub require_follow_up: bool,
    pub follow_up_pass_score: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    pub disclose_violations: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lives {
    /// What an import does with violation codes that have no weight: "report" (default) or
    /// "refuse" (issue 17).
    #[serde(default)]
    pub unknown_codes: Option<String>,
    pub weights: BTreeMap<String, f64>,
}
