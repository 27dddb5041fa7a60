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
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../policy.toml");

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

fn invalid(key: &str, problem: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        key: key.to_string(),
        problem: problem.into(),
    }
}

/// Converts a points value from the file into tenths, rejecting negatives, more than one decimal
/// place and absurdly large values.
fn tenths(key: &str, v: f64) -> Result<i32, PolicyError> {
    if !v.is_finite() || v < 0.0 {
        return Err(invalid(key, format!("must be a non-negative number, got {v}")));
    }
    let t = v * 10.0;
    let r = t.round();
    if (t - r).abs() > 1e-6 {
        return Err(invalid(
            key,
            format!("at most one decimal place allowed, got {v}"),
        ));
    }
    if r > f64::from(MAX_TENTHS) {
        return Err(invalid(key, format!("too large: {v}")));
    }
    Ok(r as i32)
}

/// Converts a value that must be whole points within `lo..=hi`.
fn whole(key: &str, v: f64, lo: i32, hi: i32) -> Result<i32, PolicyError> {
    if !v.is_finite() || v.fract() != 0.0 || v < f64::from(lo) || v > f64::from(hi) {
        return Err(invalid(
            key,
            format!("must be a whole number between {lo} and {hi}, got {v}"),
        ));
    }
    Ok(v as i32)
}

fn validate_commendation(c: raw::Commendation) -> Result<CommendationPolicy, PolicyError> {
    if c.levels.len() > 10 {
        return Err(invalid("commendation.levels", "at most 10 levels"));
    }
    let mut levels = Vec::with_capacity(c.levels.len());
    let mut codes = BTreeSet::new();
    for (i, l) in c.levels.into_iter().enumerate() {
        let key = |f: &str| format!("commendation.levels[{i}].{f}");
        let code = l.code.trim().to_string();
        if code.is_empty()
            || code.len() > 20
            || !code
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        {
            return Err(invalid(
                &key("code"),
                format!("must be 1 to 20 characters of a-z, 0-9 and _, got {code:?}"),
            ));
        }
        if !codes.insert(code.clone()) {
            return Err(invalid(&key("code"), format!("duplicate code {code:?}")));
        }
        for (f, v) in [("name_zh", &l.name_zh), ("name_en", &l.name_en)] {
            let n = v.trim().chars().count();
            if n == 0 || n > 40 {
                return Err(invalid(&key(f), "must be 1 to 40 characters"));
            }
        }
        if !(1..=5).contains(&l.min_stars) {
            return Err(invalid(
                &key("min_stars"),
                format!("must be between 1 and 5, got {}", l.min_stars),
            ));
        }
        let stars_at = match l.stars_at.as_str() {
            "editions" => StarsAt::Editions,
            "year_end" => StarsAt::YearEnd,
            other => {
                return Err(invalid(
                    &key("stars_at"),
                    format!("must be \"editions\" or \"year_end\", got {other:?}"),
                ))
            }
        };
        if !(0..=366).contains(&l.min_red_editions) {
            return Err(invalid(
                &key("min_red_editions"),
                format!("must be between 0 and 366, got {}", l.min_red_editions),
            ));
        }
        let min_training_tenths = tenths(&key("min_training_hours"), l.min_training_hours)?;
        if min_training_tenths > 10_000 {
            return Err(invalid(&key("min_training_hours"), "must be at most 1000 hours"));
        }
        if !(-1..=1000).contains(&l.max_verified_complaints) {
            return Err(invalid(
                &key("max_verified_complaints"),
                format!(
                    "must be between 0 and 1000, or -1 to switch it off, got {}",
                    l.max_verified_complaints
                ),
            ));
        }
        if !(0..=10_000_000).contains(&l.reward_yuan) {
            return Err(invalid(
                &key("reward_yuan"),
                format!("must be between 0 and 10000000 yuan, got {}", l.reward_yuan),
            ));
        }
        levels.push(CommendationLevel {
            code,
            name_zh: l.name_zh.trim().to_string(),
            name_en: l.name_en.trim().to_string(),
            min_stars: l.min_stars as u8,
            stars_at,
            min_red_editions: l.min_red_editions as u32,
            no_serious_violation: l.no_serious_violation,
            no_overdue_notice: l.no_overdue_notice,
            min_training_tenths,
            member_all_year: l.member_all_year,
            max_verified_complaints: u32::try_from(l.max_verified_complaints).ok(),
            reward_fen: l.reward_yuan * 100,
        });
    }
    Ok(CommendationPolicy {
        levels,
        revoke: RevokeRule {
            on_serious_violation: c.revoke.on_serious_violation,
            on_black_list: c.revoke.on_black_list,
        },
    })
}

impl CommendationPolicy {
    /// The level with `code`, and its rank (0 = highest).
    pub fn level(&self, code: &str) -> Option<(usize, &CommendationLevel)> {
        self.levels.iter().enumerate().find(|(_, l)| l.code == code)
    }
}

mod raw {
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
        pub weights: BTreeMap<String, f64>,
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

    fn validate(r: raw::Policy) -> Result<Policy, PolicyError> {
        let version = r.version.trim().to_string();
        if version.is_empty() {
            return Err(invalid("version", "must not be empty"));
        }
        if !(1..=3660).contains(&r.window_days) {
            return Err(invalid(
                "window_days",
                format!("must be between 1 and 3660 days, got {}", r.window_days),
            ));
        }
        let base = match r.score.base.as_str() {
            "mean" => BaseRule::Mean,
            other => return Err(invalid("score.base", format!("must be \"mean\", got {other:?}"))),
        };

        if r.checklist.is_empty() {
            return Err(invalid("checklist", "must have at least one item"));
        }
        let mut checklist = Vec::with_capacity(r.checklist.len());
        let mut codes = BTreeSet::new();
        let mut sum = 0;
        for (i, it) in r.checklist.into_iter().enumerate() {
            let key = |f: &str| format!("checklist[{i}].{f}");
            let code = it.code.trim().to_string();
            if code.is_empty() {
                return Err(invalid(&key("code"), "must not be empty"));
            }
            if !codes.insert(code.clone()) {
                return Err(invalid(&key("code"), format!("duplicate code {code:?}")));
            }
            if it.title_zh.trim().is_empty() {
                return Err(invalid(&key("title_zh"), "must not be empty"));
            }
            if it.title_en.trim().is_empty() {
                return Err(invalid(&key("title_en"), "must not be empty"));
            }
            let points = whole(&key("points"), it.points, 1, 100)?;
            sum += points;
            checklist.push(ChecklistItem {
                code,
                title_zh: it.title_zh.trim().to_string(),
                title_en: it.title_en.trim().to_string(),
                points,
            });
        }
        if sum != 100 {
            return Err(invalid(
                "checklist",
                format!("item points must add up to 100, got {sum}"),
            ));
        }

        let violations = ViolationPoints {
            minor: tenths("violations.minor", r.violations.minor)?,
            major: tenths("violations.major", r.violations.major)?,
            serious: tenths("violations.serious", r.violations.serious)?,
        };
        if !(violations.minor <= violations.major && violations.major <= violations.serious) {
            return Err(invalid(
                "violations",
                "points must not decrease with severity (minor <= major <= serious)",
            ));
        }
        let complaints = ComplaintPoints {
            each: tenths("complaints.points_each", r.complaints.points_each)?,
            cap: tenths("complaints.cap", r.complaints.cap)?,
        };
        let notices = NoticePoints {
            overdue_each: tenths("notices.overdue_points_each", r.notices.overdue_points_each)?,
        };
        let training = TrainingBonus {
            per_hour: tenths("training.bonus_per_hour", r.training.bonus_per_hour)?,
            cap: tenths("training.cap", r.training.cap)?,
        };
        if training.cap > 1000 {
            return Err(invalid("training.cap", "must be at most 100"));
        }

        let th = &r.stars.thresholds;
        let bad_th = || {
            invalid(
                "stars.thresholds",
                format!(
                    "must be 4 strictly descending values between 0 and 100 (one decimal at most), got {th:?}"
                ),
            )
        };
        if th.len() != 4 {
            return Err(bad_th());
        }
        let mut star_thresholds = [0i32; 4];
        for (i, v) in th.iter().enumerate() {
            let t = tenths("stars.thresholds", *v).map_err(|_| bad_th())?;
            if t > 1000 || (i > 0 && t >= star_thresholds[i - 1]) {
                return Err(bad_th());
            }
            star_thresholds[i] = t;
        }

        if !(1..=5).contains(&r.red.min_stars) {
            return Err(invalid(
                "red.min_stars",
                format!("must be between 1 and 5, got {}", r.red.min_stars),
            ));
        }
        let red = RedRule {
            min_stars: r.red.min_stars as u8,
            require_no_violation: r.red.require_no_violation,
            require_no_open_notice: r.red.require_no_open_notice,
            require_alliance_member: r.red.require_alliance_member,
        };
        if !(0..=4).contains(&r.black.max_stars) {
            return Err(invalid(
                "black.max_stars",
                format!("must be between 0 and 4, got {}", r.black.max_stars),
            ));
        }
        if r.black.max_stars >= r.red.min_stars {
            return Err(invalid("black.max_stars", "must be lower than red.min_stars"));
        }
        if !(0..=3660).contains(&r.black.repair.min_stay_days) {
            return Err(invalid(
                "black.repair.min_stay_days",
                format!(
                    "must be between 0 and 3660 days, got {}",
                    r.black.repair.min_stay_days
                ),
            ));
        }
        let black = BlackRule {
            on_serious_violation: r.black.on_serious_violation,
            on_overdue_notice: r.black.on_overdue_notice,
            max_stars: r.black.max_stars as u8,
            repair: RepairRule {
                min_stay_days: r.black.repair.min_stay_days,
                require_follow_up: r.black.repair.require_follow_up,
                follow_up_pass_score: whole(
                    "black.repair.follow_up_pass_score",
                    r.black.repair.follow_up_pass_score,
                    0,
                    100,
                )?,
            },
        };

        let mut disclose_violations = BTreeSet::new();
        for s in &r.disclosure.disclose_violations {
            let sev: Severity = s.trim().parse().map_err(|_| {
                invalid(
                    "disclosure.disclose_violations",
                    format!("unknown severity {s:?} (use \"minor\", \"major\", \"serious\")"),
                )
            })?;
            disclose_violations.insert(sev);
        }

        let mut weights = BTreeMap::new();
        for (code, v) in r.lives.weights {
            let key = format!("lives.weights.{code}");
            if code.trim().is_empty() || code.trim() != code {
                return Err(invalid(&key, "code must be non-empty without spaces"));
            }
            weights.insert(code, whole(&key, v, 0, 100)?);
        }

        let commendation = match r.commendation {
            None => CommendationPolicy::default(),
            Some(c) => validate_commendation(c)?,
        };

        Ok(Policy {
            version,
            window_days: r.window_days,
            base,
            checklist,
            violations,
            complaints,
            notices,
            training,
            star_thresholds,
            red,
            black,
            disclose_violations,
            lives: LivesPolicy { weights },
            commendation,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with(find: &str, replace: &str) -> Result<Policy, PolicyError> {
        assert!(DEFAULT_POLICY_TOML.contains(find), "{find}");
        Policy::from_toml(&DEFAULT_POLICY_TOML.replacen(find, replace, 1))
    }

    fn key_of(r: Result<Policy, PolicyError>) -> String {
        match r {
            Err(PolicyError::Invalid { key, .. }) => key,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn default_policy_is_valid() {
        let p = Policy::default_policy();
        assert_eq!(p.version, "2025.1");
        assert_eq!(p.window_days, 365);
        assert_eq!(p.checklist.len(), 10);
        assert_eq!(p.checklist.iter().map(|i| i.points).sum::<i32>(), 100);
        assert_eq!(
            p.violations,
            ViolationPoints {
                minor: 30,
                major: 80,
                serious: 200
            }
        );
        assert_eq!(p.complaints, ComplaintPoints { each: 50, cap: 150 });
        assert_eq!(p.notices.overdue_each, 100);
        assert_eq!(p.training, TrainingBonus { per_hour: 5, cap: 30 });
        assert_eq!(p.star_thresholds, [900, 800, 700, 600]);
        assert_eq!(p.red.min_stars, 5);
        assert_eq!(p.black.max_stars, 1);
        assert_eq!(p.black.repair.min_stay_days, 90);
        assert_eq!(p.black.repair.follow_up_pass_score, 60);
        assert!(p.discloses(Severity::Serious) && p.discloses(Severity::Major));
        assert!(!p.discloses(Severity::Minor));
        assert_eq!(p.lives.weights.len(), 38);
        assert_eq!(p.lives.weights.values().sum::<i32>(), 100);
    }

    #[test]
    fn stars_boundaries() {
        let p = Policy::default_policy();
        assert_eq!(p.stars_for(1000), 5);
        assert_eq!(p.stars_for(900), 5);
        assert_eq!(p.stars_for(899), 4);
        assert_eq!(p.stars_for(800), 4);
        assert_eq!(p.stars_for(799), 3);
        assert_eq!(p.stars_for(700), 3);
        assert_eq!(p.stars_for(600), 2);
        assert_eq!(p.stars_for(599), 1);
        assert_eq!(p.stars_for(0), 1);
    }

    #[test]
    fn thresholds_rejected() {
        for bad in [
            "thresholds = [90, 80, 70]",
            "thresholds = [90, 80, 80, 60]",
            "thresholds = [80, 90, 70, 60]",
            "thresholds = [190, 80, 70, 60]",
            "thresholds = [90, 80, 70, -60]",
            "thresholds = [90.05, 80, 70, 60]",
        ] {
            let e = with("thresholds = [90, 80, 70, 60]", bad).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("stars.thresholds: must be 4 strictly descending values between 0 and 100"),
                "{bad}: {e}"
            );
        }
        let p = with(
            "thresholds = [90, 80, 70, 60]",
            "thresholds = [89.5, 80, 70, 60.5]",
        )
        .unwrap();
        assert_eq!(p.star_thresholds, [895, 800, 700, 605]);
    }

    #[test]
    fn decimals_and_negatives_rejected() {
        let e = with("minor = 3", "minor = 2.55").unwrap_err();
        assert_eq!(
            e.to_string(),
            "violations.minor: at most one decimal place allowed, got 2.55"
        );
        assert_eq!(key_of(with("minor = 3", "minor = -3")), "violations.minor");
        assert_eq!(key_of(with("cap = 15", "cap = -1")), "complaints.cap");
        assert_eq!(
            with("bonus_per_hour = 0.5", "bonus_per_hour = 0.25")
                .unwrap_err()
                .to_string(),
            "training.bonus_per_hour: at most one decimal place allowed, got 0.25"
        );
        let p = with("minor = 3", "minor = 2.5").unwrap();
        assert_eq!(p.violations.minor, 25);
        assert_eq!(key_of(with("serious = 20", "serious = 5")), "violations");
    }

    #[test]
    fn other_keys_rejected() {
        assert_eq!(
            key_of(with("window_days = 365", "window_days = 0")),
            "window_days"
        );
        assert_eq!(key_of(with("version = \"2025.1\"", "version = \" \"")), "version");
        assert_eq!(key_of(with("min_stars = 5", "min_stars = 6")), "red.min_stars");
        assert_eq!(key_of(with("max_stars = 1", "max_stars = 5")), "black.max_stars");
        assert_eq!(
            key_of(with("follow_up_pass_score = 60", "follow_up_pass_score = 60.5")),
            "black.repair.follow_up_pass_score"
        );
        assert_eq!(
            key_of(with("min_stay_days = 90", "min_stay_days = -1")),
            "black.repair.min_stay_days"
        );
        assert_eq!(
            key_of(with("[\"major\", \"serious\"]", "[\"major\", \"grave\"]")),
            "disclosure.disclose_violations"
        );
        assert_eq!(key_of(with("\"7\" = 4", "\"7\" = 4.5")), "lives.weights.7");
        assert_eq!(key_of(with("base = \"mean\"", "base = \"median\"")), "score.base");
        assert_eq!(key_of(with("points = 8", "points = 9")), "checklist");
        assert_eq!(
            key_of(with("code = \"C02\"", "code = \"C01\"")),
            "checklist[1].code"
        );
        assert_eq!(key_of(with("points = 8", "points = 0")), "checklist[0].points");
    }

    #[test]
    fn commendation_section_is_validated() {
        assert_eq!(
            key_of(with("code = \"model\"", "code = \"Model!\"")),
            "commendation.levels[0].code"
        );
        assert_eq!(
            key_of(with("code = \"excellent\"", "code = \"model\"")),
            "commendation.levels[1].code"
        );
        assert_eq!(
            key_of(with("stars_at = \"editions\"", "stars_at = \"weekly\"")),
            "commendation.levels[0].stars_at"
        );
        assert_eq!(
            key_of(with("min_red_editions = 4", "min_red_editions = -1")),
            "commendation.levels[0].min_red_editions"
        );
        assert_eq!(
            key_of(with("min_training_hours = 4", "min_training_hours = 4.25")),
            "commendation.levels[0].min_training_hours"
        );
        assert_eq!(
            key_of(with(
                "max_verified_complaints = 0",
                "max_verified_complaints = -2"
            )),
            "commendation.levels[0].max_verified_complaints"
        );
        assert_eq!(
            key_of(with("reward_yuan = 5000", "reward_yuan = -5")),
            "commendation.levels[0].reward_yuan"
        );
        assert_eq!(
            key_of(with(
                "name_en = \"Model merchant of the year\"",
                "name_en = \" \""
            )),
            "commendation.levels[0].name_en"
        );
        // A policy without the section (as stored before it existed) proposes nobody.
        let start = DEFAULT_POLICY_TOML.find("[commendation]").unwrap();
        let end = DEFAULT_POLICY_TOML.find("# LIVES scheme").unwrap();
        let without = format!("{}{}", &DEFAULT_POLICY_TOML[..start], &DEFAULT_POLICY_TOML[end..]);
        let p = Policy::from_toml(&without).unwrap();
        assert!(p.commendation.levels.is_empty());
        let p = Policy::default_policy();
        assert_eq!(
            p.commendation.level("excellent").map(|(i, l)| (i, l.min_stars)),
            Some((1, 4))
        );
        assert_eq!(p.commendation.levels[1].max_verified_complaints, Some(1));
        assert_eq!(p.commendation.levels[0].min_training_tenths, 40);
    }

    #[test]
    fn unknown_and_missing_keys_are_syntax_errors() {
        let e = with("window_days = 365", "window_days = 365\nwindow_months = 12").unwrap_err();
        match e {
            PolicyError::Syntax(m) => assert!(m.contains("window_months"), "{m}"),
            other => panic!("{other:?}"),
        }
        let e = with("window_days = 365", "").unwrap_err();
        assert!(
            matches!(e, PolicyError::Syntax(ref m) if m.contains("window_days")),
            "{e}"
        );
        assert!(matches!(
            Policy::from_toml("version = "),
            Err(PolicyError::Syntax(_))
        ));
    }

    #[test]
    fn checklist_scoring() {
        let p = Policy::default_policy();
        assert_eq!(p.score_inspection(&[]), Ok(100));
        assert_eq!(p.score_inspection(&[("C03", 14), ("C04", 6)]), Ok(80));
        let all: Vec<(&str, i32)> = p.checklist.iter().map(|i| (i.code.as_str(), i.points)).collect();
        assert_eq!(p.score_inspection(&all), Ok(0));
        assert_eq!(
            p.score_inspection(&[("C03", 15)]),
            Err(ChecklistError::OutOfRange {
                code: "C03".into(),
                points: 15,
                max: 14
            })
        );
        assert!(matches!(
            p.score_inspection(&[("C99", 1)]),
            Err(ChecklistError::UnknownItem(_))
        ));
        assert!(matches!(
            p.score_inspection(&[("C01", 1), ("C01", 1)]),
            Err(ChecklistError::Duplicate(_))
        ));
        assert!(p.score_inspection(&[("C01", -1)]).is_err());
    }

    #[test]
    fn deserialize_validates() {
        #[derive(Deserialize)]
        struct Wrap {
            policy: Policy,
        }
        let nested = format!(
            "[policy]\n{}",
            DEFAULT_POLICY_TOML
                .replace("[score]", "[policy.score]")
                .replace("[[checklist]]", "[[policy.checklist]]")
                .replace("[violations]", "[policy.violations]")
                .replace("[complaints]", "[policy.complaints]")
                .replace("[notices]", "[policy.notices]")
                .replace("[training]", "[policy.training]")
                .replace("[stars]", "[policy.stars]")
                .replace("[red]", "[policy.red]")
                .replace("[black]", "[policy.black]")
                .replace("[black.repair]", "[policy.black.repair]")
                .replace("[disclosure]", "[policy.disclosure]")
                .replace("[lives.weights]", "[policy.lives.weights]")
                .replace("[commendation]", "[policy.commendation]")
                .replace("[[commendation.levels]]", "[[policy.commendation.levels]]")
                .replace("[commendation.revoke]", "[policy.commendation.revoke]")
        );
        let w: Wrap = toml::from_str(&nested).unwrap();
        assert_eq!(w.policy, Policy::default_policy());
        let bad = nested.replace("window_days = 365", "window_days = 0");
        assert!(toml::from_str::<Wrap>(&bad).is_err());
    }
}
