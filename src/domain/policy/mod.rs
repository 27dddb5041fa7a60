//! The rating policy (评级规则): every number the engine uses, read from TOML.
//!
//! The committee changes the rules by editing a file, not code. The file is parsed into a raw form and
//! then validated key by key, so that a mistake is reported as "stars.thresholds: must be 4 strictly
//! descending values between 0 and 100" rather than as a panic or a silently wrong rating. Points are
//! held internally in integer tenths (89.9 points = 899) so that sums are exact.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::facts::Severity;

/// The default policy, shipped with the program.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../policy.toml");

/// Largest number of points (in tenths) any single policy value may have; keeps sums far from overflow.
const MAX_TENTHS: i32 = 100_000;

/// A validated rating policy. Build it with [`Policy::from_toml`] or [`Policy::default_policy`].
///
/// All point values are integer tenths of a point unless the field says otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Version label stored with every rating, so that a rating can be reproduced later.
    pub version: String,
    /// Trailing window in days: a record counts when `as_of - window_days < date <= as_of`.
    pub window_days: i64,
    /// How inspection scores are combined.
    pub base: BaseRule,
    /// Inspection checklist items; their points (whole points) sum to 100.
    pub checklist: Vec<ChecklistItem>,
    /// Deduction per violation by severity (tenths).
    pub violations: ViolationPoints,
    /// Deduction for verified complaints (tenths).
    pub complaints: ComplaintPoints,
    /// Deduction for overdue notices (tenths).
    pub notices: NoticePoints,
    /// Capped training bonus (tenths).
    pub training: TrainingBonus,
    /// Star thresholds in tenths, strictly descending: `[★5, ★4, ★3, ★2]`.
    pub star_thresholds: [i32; 4],
    /// Red list criteria.
    pub red: RedRule,
    /// Black list triggers and credit repair.
    pub black: BlackRule,
    /// Severities shown on the public record.
    pub disclose_violations: BTreeSet<Severity>,
    /// LIVES scheme settings.
    pub lives: LivesPolicy,
    /// The annual commendation (年度表彰): its levels and what revokes one.
    pub commendation: CommendationPolicy,
    /// The inspection programme: how long until a merchant's next inspection is due.
    pub programme: ProgrammePolicy,
    /// The merchant categories the committee declares, with their English names (may be empty:
    /// categories are then shown as typed).
    pub categories: Vec<DeclaredName>,
    /// The areas (片区) the committee declares, with their English names (may be empty).
    pub areas: Vec<DeclaredName>,
    /// The violation catalogue the inspection form picks from (may be empty: violations are then
    /// typed). Picking one only fills the form; a violation is stored as its code and text.
    pub violation_types: Vec<ViolationType>,
}

/// One entry of the violation catalogue (`[[violation_types]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationType {
    /// Code stored with the violation, such as "SP-01"; unique in the catalogue.
    pub code: String,
    /// Title in Chinese (stored as the violation's description when picked on a Chinese form).
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
    /// Severity of the violation.
    pub severity: Severity,
    /// The law or rule it breaks (may be empty).
    pub legal_basis: String,
    /// Typical fine in yuan (0: usually none).
    pub typical_fine_yuan: i64,
}

/// The inspection programme (检查计划): the days from a merchant's last inspection to its next,
/// by its standing — like the intervention frequencies of the UK Food Law Code of Practice, where
/// the riskier a business the more often it is visited. See [`crate::domain::programme`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgrammePolicy {
    /// A merchant on the black list.
    pub black_list_days: i64,
    /// A rated merchant by its stars: index 0 is ★1, index 4 is ★5. Never shorter for more stars.
    pub stars_days: [i64; 5],
    /// A merchant never inspected: from the day it was registered (or joined).
    pub unrated_days: i64,
    /// A verified complaint since the last inspection: at the latest this long after it.
    pub after_verified_complaint_days: i64,
    /// A follow-up (credit repair) request since the last inspection: at the latest this long after it.
    pub after_follow_up_request_days: i64,
}

impl Policy {
    /// The catalogue entry with this code, if any.
    pub fn violation_type(&self, code: &str) -> Option<&ViolationType> {
        self.violation_types.iter().find(|t| t.code == code)
    }
}

impl Default for ProgrammePolicy {
    /// What a policy file without `[programme]` gets.
    fn default() -> Self {
        ProgrammePolicy {
            black_list_days: 60,
            stars_days: [90, 180, 270, 365, 365],
            unrated_days: 30,
            after_verified_complaint_days: 14,
            after_follow_up_request_days: 14,
        }
    }
}

/// A category or area from the committee's fixed set: the name stored on merchants (Chinese) and
/// the name English pages show. Stored text is never translated, only shown in the reader's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredName {
    /// The name as stored on merchants, in Chinese.
    pub name_zh: String,
    /// The name English pages show.
    pub name_en: String,
}

/// How the inspection scores in the window become the base score; an enum so new rules can be added
/// without breaking stored policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseRule {
    /// Arithmetic mean of the inspection scores in the window, rounded half up to a tenth.
    Mean,
}

/// One line of the inspection checklist, so inspectors score every inspection the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    /// Stable code such as "C01", stored with each deduction.
    pub code: String,
    /// Title in Chinese.
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
    /// Maximum deduction for this item, in whole points.
    pub points: i32,
}

/// Deduction per violation by severity, in tenths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViolationPoints {
    /// 一般 minor.
    pub minor: i32,
    /// 较重 major.
    pub major: i32,
    /// 严重 serious.
    pub serious: i32,
}

/// Deduction for verified complaints, in tenths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComplaintPoints {
    /// Per verified complaint.
    pub each: i32,
    /// Total cap.
    pub cap: i32,
}

/// Deduction for rectification notices overdue at the rating date, in tenths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticePoints {
    /// Per overdue notice.
    pub overdue_each: i32,
}

/// Training bonus, in tenths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainingBonus {
    /// Tenths of a point per hour attended.
    pub per_hour: i32,
    /// Total cap in tenths.
    pub cap: i32,
}

/// Red list (红榜) criteria; the booleans let the committee switch a criterion off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedRule {
    /// Minimum stars (1..=5).
    pub min_stars: u8,
    /// No violation of any severity in the window.
    pub require_no_violation: bool,
    /// No open notice (issued, not yet verified) at the rating date.
    pub require_no_open_notice: bool,
    /// Must be an alliance member.
    pub require_alliance_member: bool,
}

/// Black list (黑榜) triggers and the credit repair (信用修复) rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlackRule {
    /// A serious violation in the window is a trigger.
    pub on_serious_violation: bool,
    /// A notice that went past its deadline unverified is a trigger.
    pub on_overdue_notice: bool,
    /// A rated merchant with at most this many stars is on the black list (0 = off).
    pub max_stars: u8,
    /// How to leave the list.
    pub repair: RepairRule,
}

/// Credit repair rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepairRule {
    /// Days after the latest serious violation before leaving is possible.
    pub min_stay_days: i64,
    /// Whether a passed follow-up inspection after the latest trigger is required.
    pub require_follow_up: bool,
    /// Minimum follow-up inspection score, whole points 0..=100.
    pub follow_up_pass_score: i32,
}

/// The annual commendation (年度表彰) rule: levels, highest first, and the revocation triggers.
/// With no levels (a policy file without a `[commendation]` section) nobody is proposed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommendationPolicy {
    /// Levels, highest first; a merchant is proposed for the first level whose criteria it all meets.
    pub levels: Vec<CommendationLevel>,
    /// What ends a commendation before its display year (the year after the commended one) is over.
    pub revoke: RevokeRule,
}

/// Which ratings the stars criterion of a level reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StarsAt {
    /// The stars at every edition (红黑榜) published in the year (at year end when none was).
    Editions,
    /// The stars at the end of the year.
    YearEnd,
}

/// One commendation level (e.g. 年度示范商家) and its criteria over the calendar year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommendationLevel {
    /// Stable code (`[a-z0-9_]`, at most 20 characters), stored with each commendation.
    pub code: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// Minimum stars (1..=5).
    pub min_stars: u8,
    /// Where the stars are read.
    pub stars_at: StarsAt,
    /// On the red list in at least this many of the year's editions (0 = not checked).
    pub min_red_editions: u32,
    /// No serious violation found in the year.
    pub no_serious_violation: bool,
    /// No rectification notice overdue at any day of the year.
    pub no_overdue_notice: bool,
    /// Minimum training attended in the year, in tenths of an hour (0 = not checked).
    pub min_training_tenths: i32,
    /// Alliance member from 1 January to 31 December.
    pub member_all_year: bool,
    /// At most this many verified complaints in the year (`None` = not checked).
    pub max_verified_complaints: Option<u32>,
    /// The reward written to the rewards ledger for this level, in fen (0 = none).
    pub reward_fen: i64,
}

/// What revokes a commendation during its display year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RevokeRule {
    /// A serious violation found after the commended year.
    pub on_serious_violation: bool,
    /// Entering the black list after the commended year.
    pub on_black_list: bool,
}

/// LIVES scheme settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivesPolicy {
    /// Points per violation code, in whole points (LIVES scores are whole numbers).
    pub weights: BTreeMap<String, i32>,
    /// Whether an import refuses a feed with violation codes that have no weight
    /// (`[lives] unknown_codes = "refuse"`); by default they are imported and reported.
    pub refuse_unknown_codes: bool,
}

/// What is wrong with a policy file: either TOML that does not parse into the expected shape
/// (unknown key, wrong type — the message has the line), or a value that breaks a rule (named key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The TOML did not parse or had unknown/missing keys or wrong types.
    #[error("policy file: {0}")]
    Syntax(String),
    /// A value is out of its allowed range.
    #[error("{key}: {problem}")]
    Invalid {
        /// Dotted key, e.g. "stars.thresholds".
        key: String,
        /// What is wrong, in English.
        problem: String,
    },
}

/// Why a set of checklist deductions cannot be scored; returned to the inspector's form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChecklistError {
    /// The code is not in the policy's checklist.
    #[error("unknown checklist item {0}")]
    UnknownItem(String),
    /// The deduction is negative or more than the item's points.
    #[error("deduction {points} for {code} must be between 0 and {max}")]
    OutOfRange {
        /// Item code.
        code: String,
        /// Deduction given.
        points: i32,
        /// Item maximum.
        max: i32,
    },
    /// The same item was deducted twice.
    #[error("checklist item {0} deducted twice")]
    Duplicate(String),
}

impl CommendationPolicy {
    /// The level with `code`, and its rank (0 = highest).
    pub fn level(&self, code: &str) -> Option<(usize, &CommendationLevel)> {
        self.levels.iter().enumerate().find(|(_, l)| l.code == code)
    }
}

impl Policy {
    /// Parse and validate a policy file. Errors name the key and the rule it breaks.
    pub fn from_toml(s: &str) -> Result<Policy, PolicyError> {
        let r: raw::Policy = toml::from_str(s).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        Policy::validate(r)
    }

    /// The policy shipped with the program (`policy.toml`), already validated by the tests.
    pub fn default_policy() -> Policy {
        match Policy::from_toml(DEFAULT_POLICY_TOML) {
            Ok(p) => p,
            // The embedded file is checked by `default_policy_is_valid`; reaching this is a build bug.
            Err(e) => panic!("embedded policy.toml is invalid: {e}"),
        }
    }

    /// Stars (1..=5) for a score in tenths, from the thresholds.
    pub fn stars_for(&self, score_tenths: i32) -> u8 {
        let mut stars = 5u8;
        for t in self.star_thresholds {
            if score_tenths >= t {
                return stars;
            }
            stars -= 1;
        }
        1
    }

    /// Deduction in tenths for one violation of this severity.
    pub fn violation_points(&self, s: Severity) -> i32 {
        match s {
            Severity::Minor => self.violations.minor,
            Severity::Major => self.violations.major,
            Severity::Serious => self.violations.serious,
        }
    }

    /// Whether violations of this severity are shown on the public record.
    pub fn discloses(&self, s: Severity) -> bool {
        self.disclose_violations.contains(&s)
    }

    /// The declared category whose stored name is `stored`, if the committee declared it.
    pub fn category(&self, stored: &str) -> Option<&DeclaredName> {
        self.categories.iter().find(|n| n.name_zh == stored)
    }

    /// The declared area whose stored name is `stored`, if the committee declared it.
    pub fn area(&self, stored: &str) -> Option<&DeclaredName> {
        self.areas.iter().find(|n| n.name_zh == stored)
    }

    /// Look up a checklist item by code.
    pub fn checklist_item(&self, code: &str) -> Option<&ChecklistItem> {
        self.checklist.iter().find(|i| i.code == code)
    }

    /// Score one inspection from its checklist deductions `(code, whole points)`: 100 minus the sum,
    /// each deduction within `0..=item.points`, result clamped to `0..=100`.
    pub fn score_inspection(&self, deductions: &[(&str, i32)]) -> Result<i32, ChecklistError> {
        let mut seen = BTreeSet::new();
        let mut total = 0i32;
        for (code, pts) in deductions {
            let item = self
                .checklist_item(code)
                .ok_or_else(|| ChecklistError::UnknownItem((*code).to_string()))?;
            if !seen.insert(*code) {
                return Err(ChecklistError::Duplicate((*code).to_string()));
            }
            if *pts < 0 || *pts > item.points {
                return Err(ChecklistError::OutOfRange {
                    code: (*code).to_string(),
                    points: *pts,
                    max: item.points,
                });
            }
            total += pts;
        }
        Ok((100 - total).clamp(0, 100))
    }
}

/// Accepts `Deserialize` for callers that embed a policy in a larger config: parses and validates.
impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = raw::Policy::deserialize(d)?;
        Policy::validate(r).map_err(serde::de::Error::custom)
    }
}

mod raw;
mod validate;

#[cfg(test)]
mod tests;
