//! The rating engine: a pure function of (merchant history, policy, as-of date).
//!
//! Pure so that a rating can always be recomputed from scratch and give the same answer as the stored
//! one, and explainable: every rating carries its breakdown (terms whose points add up exactly to the
//! score, with the records behind each) and the reasons for its list status. See `docs/rating.md`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::policy::Policy;

/// Violation severity (一般 / 较重 / 严重); each has its own deduction in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 一般
    Minor,
    /// 较重
    Major,
    /// 严重
    Serious,
}

impl Severity {
    /// All severities, mildest first, for forms and loops.
    pub const ALL: [Severity; 3] = [Severity::Minor, Severity::Major, Severity::Serious];

    /// Stable code stored in the database and the policy file.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Serious => "serious",
        }
    }

    /// Chinese label for display.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Minor => "一般",
            Severity::Major => "较重",
            Severity::Serious => "严重",
        }
    }

    /// English label for display.
    pub fn label_en(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Serious => "serious",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no known variant; returned by the `FromStr` impls of this module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value:?}")]
pub struct UnknownVariant {
    /// What was being parsed ("severity", "inspection kind", ...).
    pub what: &'static str,
    /// The rejected input.
    pub value: String,
}

impl FromStr for Severity {
    type Err = UnknownVariant;
    /// Accepts the stable code or the Chinese label.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "minor" | "一般" => Ok(Severity::Minor),
            "major" | "较重" => Ok(Severity::Major),
            "serious" | "严重" => Ok(Severity::Serious),
            other => Err(UnknownVariant {
                what: "severity",
                value: other.to_string(),
            }),
        }
    }
}

/// Why an inspection happened; follow-ups (复查) matter for credit repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// 日常 routine inspection.
    Routine,
    /// 复查 follow-up after a violation or notice.
    FollowUp,
    /// 投诉 complaint-driven inspection.
    Complaint,
    /// 自查 merchant self-check.
    SelfCheck,
}

impl InspectionKind {
    /// All kinds, for forms and loops.
    pub const ALL: [InspectionKind; 4] = [
        InspectionKind::Routine,
        InspectionKind::FollowUp,
        InspectionKind::Complaint,
        InspectionKind::SelfCheck,
    ];

    /// Stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionKind::Routine => "routine",
            InspectionKind::FollowUp => "follow_up",
            InspectionKind::Complaint => "complaint",
            InspectionKind::SelfCheck => "self_check",
        }
    }

    /// Chinese label for display.
    pub fn label_zh(self) -> &'static str {
        match self {
            InspectionKind::Routine => "日常",
            InspectionKind::FollowUp => "复查",
            InspectionKind::Complaint => "投诉",
            InspectionKind::SelfCheck => "自查",
        }
    }

    /// English label for display.
    pub fn label_en(self) -> &'static str {
        match self {
            InspectionKind::Routine => "routine",
            InspectionKind::FollowUp => "follow-up",
            InspectionKind::Complaint => "complaint",
            InspectionKind::SelfCheck => "self-check",
        }
    }
}

impl fmt::Display for InspectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InspectionKind {
    type Err = UnknownVariant;
    /// Accepts the stable code or the Chinese label.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "routine" | "日常" => Ok(InspectionKind::Routine),
            "follow_up" | "复查" => Ok(InspectionKind::FollowUp),
            "complaint" | "投诉" => Ok(InspectionKind::Complaint),
            "self_check" | "自查" => Ok(InspectionKind::SelfCheck),
            other => Err(UnknownVariant {
                what: "inspection kind",
                value: other.to_string(),
            }),
        }
    }
}

/// An inspection as the engine sees it: the date, the kind and the checklist score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionFact {
    /// Database id, echoed in the breakdown.
    pub id: i64,
    /// Inspection date.
    pub date: NaiveDate,
    /// Why it happened.
    pub kind: InspectionKind,
    /// Checklist score, whole points 0..=100.
    pub score: i32,
}

/// A violation found at an inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationFact {
    /// Database id, echoed in the breakdown.
    pub id: i64,
    /// The inspection that found it.
    pub inspection_id: i64,
    /// Date found.
    pub date: NaiveDate,
    /// Severity.
    pub severity: Severity,
}

/// A rectification notice (整改通知书).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeFact {
    /// Database id.
    pub id: i64,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Last day to rectify (the notice is overdue from the day after).
    pub deadline: NaiveDate,
    /// Date an inspector verified the rectification, if any.
    pub verified_on: Option<NaiveDate>,
}

/// A complaint that an inspector verified; unverified complaints never count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFact {
    /// Database id.
    pub id: i64,
    /// Verification date (this is the date the window uses).
    pub verified_on: NaiveDate,
}

/// Training attended by the merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingFact {
    /// Database id.
    pub id: i64,
    /// Date attended.
    pub date: NaiveDate,
    /// Hours in tenths (1.5 h = 15).
    pub hours_tenths: i32,
}

/// Everything the engine needs about one merchant; the service loads it, the engine never queries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantHistory {
    /// Merchant id, echoed in the rating.
    pub merchant_id: i64,
    /// Alliance member (联盟成员), a red-list criterion.
    pub alliance_member: bool,
    /// All inspections (any date; the engine applies the window).
    pub inspections: Vec<InspectionFact>,
    /// All violations.
    pub violations: Vec<ViolationFact>,
    /// All notices.
    pub notices: Vec<NoticeFact>,
    /// All verified complaints.
    pub complaints: Vec<ComplaintFact>,
    /// All training attendance.
    pub trainings: Vec<TrainingFact>,
}

/// Red/black list status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListStatus {
    /// On neither list.
    #[default]
    None,
    /// 红榜.
    Red,
    /// 黑榜.
    Black,
}

impl ListStatus {
    /// Stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ListStatus::None => "none",
            ListStatus::Red => "red",
            ListStatus::Black => "black",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            ListStatus::None => "无",
            ListStatus::Red => "红榜",
            ListStatus::Black => "黑榜",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            ListStatus::None => "none",
            ListStatus::Red => "red list",
            ListStatus::Black => "black list",
        }
    }
}

impl FromStr for ListStatus {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "none" => Ok(ListStatus::None),
            "red" => Ok(ListStatus::Red),
            "black" => Ok(ListStatus::Black),
            other => Err(UnknownVariant {
                what: "list status",
                value: other.to_string(),
            }),
        }
    }
}

/// Why a merchant has its list status. Stored as JSON (`{"code": "serious_violation", ...}`) with the
/// rating, and rendered with [`ListReason::message_zh`] / [`ListReason::message_en`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ListReason {
    /// Black: a serious violation in the window.
    SeriousViolation {
        /// Violation id.
        violation_id: i64,
        /// Date found.
        date: NaiveDate,
    },
    /// Black: a notice went past its deadline without verification (and is still open, or its
    /// deadline is in the window).
    OverdueNotice {
        /// Notice id.
        notice_id: i64,
        /// Its deadline.
        deadline: NaiveDate,
        /// Late verification date, if it has been verified since.
        verified_on: Option<NaiveDate>,
    },
    /// Black: rated at or below `black.max_stars`.
    LowStars {
        /// The stars.
        stars: u8,
    },
    /// Still black: a notice is overdue, so repair is not possible yet.
    RepairNeedsNoticesClosed,
    /// Still black: no passed follow-up inspection dated after `after`.
    RepairNeedsFollowUp {
        /// Date of the latest trigger.
        after: NaiveDate,
        /// Score the follow-up must reach.
        pass_score: i32,
    },
    /// Still black: the minimum stay after the latest serious violation runs until `until` (the first
    /// day the merchant may leave).
    RepairMinimumStay {
        /// First day repair is possible.
        until: NaiveDate,
    },
    /// Not black any more: the black-list triggers in the window have been repaired (信用修复).
    CreditRepaired {
        /// The passed follow-up inspection, when the policy requires one.
        follow_up_id: Option<i64>,
        /// Its date.
        follow_up_date: Option<NaiveDate>,
    },
    /// Red: all red-list criteria hold.
    RedAllCriteria {
        /// The stars.
        stars: u8,
    },
}

impl ListReason {
    /// Stable code, the same as the JSON `code` field.
    pub fn code(&self) -> &'static str {
        match self {
            ListReason::SeriousViolation { .. } => "serious_violation",
            ListReason::OverdueNotice { .. } => "overdue_notice",
            ListReason::LowStars { .. } => "low_stars",
            ListReason::RepairNeedsNoticesClosed => "repair_needs_notices_closed",
            ListReason::RepairNeedsFollowUp { .. } => "repair_needs_follow_up",
            ListReason::RepairMinimumStay { .. } => "repair_minimum_stay",
            ListReason::CreditRepaired { .. } => "credit_repaired",
            ListReason::RedAllCriteria { .. } => "red_all_criteria",
        }
    }

    /// Text in Chinese for the public page.
    pub fn message_zh(&self) -> String {
        match self {
            ListReason::SeriousViolation { violation_id, date } => {
                format!("{date} 存在严重违规（记录 #{violation_id}）")
            }
            ListReason::OverdueNotice {
                notice_id,
                deadline,
                verified_on,
            } => match verified_on {
                Some(v) => format!("整改通知 #{notice_id} 逾期（期限 {deadline}，{v} 才验收）"),
                None => format!("整改通知 #{notice_id} 逾期未整改（期限 {deadline}）"),
            },
            ListReason::LowStars { stars } => format!("评级仅为{stars}星"),
            ListReason::RepairNeedsNoticesClosed => "尚有逾期未验收的整改通知".to_string(),
            ListReason::RepairNeedsFollowUp { after, pass_score } => {
                format!("需在 {after} 之后通过复查（不低于{pass_score}分）")
            }
            ListReason::RepairMinimumStay { until } => {
                format!("最短公示期未满，{until} 起方可申请信用修复")
            }
            ListReason::CreditRepaired { follow_up_date, .. } => match follow_up_date {
                Some(d) => format!("已完成信用修复（{d} 复查通过）"),
                None => "已完成信用修复".to_string(),
            },
            ListReason::RedAllCriteria { stars } => {
                format!("{stars}星，评价期内无违规、无未结整改通知，联盟成员")
            }
        }
    }

    /// Text in English.
    pub fn message_en(&self) -> String {
        match self {
            ListReason::SeriousViolation { violation_id, date } => {
                format!("serious violation on {date} (record #{violation_id})")
            }
            ListReason::OverdueNotice {
                notice_id,
                deadline,
                verified_on,
            } => match verified_on {
                Some(v) => {
                    format!("notice #{notice_id} overdue (deadline {deadline}, verified only on {v})")
                }
                None => format!("notice #{notice_id} overdue (deadline {deadline}, not verified)"),
            },
            ListReason::LowStars { stars } => format!("rated {stars} star(s)"),
            ListReason::RepairNeedsNoticesClosed => "a notice is still overdue".to_string(),
            ListReason::RepairNeedsFollowUp { after, pass_score } => {
                format!("needs a follow-up inspection after {after} scoring at least {pass_score}")
            }
            ListReason::RepairMinimumStay { until } => {
                format!("minimum stay runs until {until}")
            }
            ListReason::CreditRepaired { follow_up_date, .. } => match follow_up_date {
                Some(d) => format!("credit repaired (follow-up passed on {d})"),
                None => "credit repaired".to_string(),
            },
            ListReason::RedAllCriteria { stars } => {
                format!("{stars} stars, no violation in the window, no open notice, alliance member")
            }
        }
    }
}

/// Which rule a breakdown term comes from; serialized as a dotted string ("violations.serious").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TermKey {
    /// Base: mean of inspection scores.
    #[serde(rename = "inspections")]
    Inspections,
    /// Minor violations.
    #[serde(rename = "violations.minor")]
    ViolationsMinor,
    /// Major violations.
    #[serde(rename = "violations.major")]
    ViolationsMajor,
    /// Serious violations.
    #[serde(rename = "violations.serious")]
    ViolationsSerious,
    /// Verified complaints (capped).
    #[serde(rename = "complaints")]
    Complaints,
    /// Overdue notices.
    #[serde(rename = "overdue_notices")]
    OverdueNotices,
    /// Training bonus (capped).
    #[serde(rename = "training")]
    Training,
    /// Correction that keeps the score in 0..=100.
    #[serde(rename = "clamp")]
    Clamp,
}

impl TermKey {
    /// The dotted key, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TermKey::Inspections => "inspections",
            TermKey::ViolationsMinor => "violations.minor",
            TermKey::ViolationsMajor => "violations.major",
            TermKey::ViolationsSerious => "violations.serious",
            TermKey::Complaints => "complaints",
            TermKey::OverdueNotices => "overdue_notices",
            TermKey::Training => "training",
            TermKey::Clamp => "clamp",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            TermKey::Inspections => "检查平均分",
            TermKey::ViolationsMinor => "一般违规",
            TermKey::ViolationsMajor => "较重违规",
            TermKey::ViolationsSerious => "严重违规",
            TermKey::Complaints => "核实投诉（封顶）",
            TermKey::OverdueNotices => "逾期整改通知",
            TermKey::Training => "培训加分（封顶）",
            TermKey::Clamp => "分数限定在0–100",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            TermKey::Inspections => "mean inspection score",
            TermKey::ViolationsMinor => "minor violations",
            TermKey::ViolationsMajor => "major violations",
            TermKey::ViolationsSerious => "serious violations",
            TermKey::Complaints => "verified complaints (capped)",
            TermKey::OverdueNotices => "overdue notices",
            TermKey::Training => "training bonus (capped)",
            TermKey::Clamp => "score kept within 0-100",
        }
    }

    fn for_severity(s: Severity) -> TermKey {
        match s {
            Severity::Minor => TermKey::ViolationsMinor,
            Severity::Major => TermKey::ViolationsMajor,
            Severity::Serious => TermKey::ViolationsSerious,
        }
    }
}

/// One line of a rating's breakdown: which rule, how many points (tenths, signed), which records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// The rule.
    pub key: TermKey,
    /// Signed points in tenths; the terms of a rated merchant add up exactly to the score.
    pub points_tenths: i32,
    /// Ids of the records behind the term (inspections, violations, notices, complaints, trainings).
    pub record_ids: Vec<i64>,
    /// Chinese label (static; no allocation when rating).
    pub label_zh: Cow<'static, str>,
    /// English label.
    pub label_en: Cow<'static, str>,
}

impl Term {
    fn new(key: TermKey, points_tenths: i32, record_ids: Vec<i64>) -> Term {
        Term {
            key,
            points_tenths,
            record_ids,
            label_zh: Cow::Borrowed(key.label_zh()),
            label_en: Cow::Borrowed(key.label_en()),
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

/// The alliance's star scheme, driven entirely by a [`Policy`].
#[derive(Debug, Clone, Copy)]
pub struct StarScheme<'a> {
    /// The policy in force.
    pub policy: &'a Policy,
}

/// Rate a merchant with the star scheme: shorthand for `StarScheme { policy }.rate(h, as_of)`.
pub fn rate(h: &MerchantHistory, policy: &Policy, as_of: NaiveDate) -> Rating {
    StarScheme { policy }.rate(h, as_of)
}

/// Arithmetic mean of whole-point scores, in tenths, rounded half up (all values non-negative).
fn mean_tenths(sum_points: i64, n: i64) -> i32 {
    // tenths = sum * 10 / n, rounded half up = floor((sum * 20 + n) / (2n)).
    ((sum_points * 20 + n) / (2 * n)) as i32
}

/// The last date outside the window (exclusive lower bound): `as_of - window_days`.
pub fn window_start_exclusive(as_of: NaiveDate, window_days: i64) -> NaiveDate {
    as_of
        .checked_sub_days(Days::new(window_days.max(0) as u64))
        .unwrap_or(NaiveDate::MIN)
}

fn add_days(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(NaiveDate::MAX)
}

impl Scheme for StarScheme<'_> {
    fn rate(&self, h: &MerchantHistory, as_of: NaiveDate) -> Rating {
        let p = self.policy;
        let lo = window_start_exclusive(as_of, p.window_days);
        let in_window = |d: NaiveDate| d > lo && d <= as_of;

        // Inspections: base score, and the latest passed follow-up (for repair).
        let mut insp_sum: i64 = 0;
        let mut insp_ids = Vec::new();
        let mut best_follow_up: Option<(NaiveDate, i64)> = None;
        for i in &h.inspections {
            if i.date > as_of {
                continue;
            }
            if in_window(i.date) {
                insp_sum += i64::from(i.score.clamp(0, 100));
                insp_ids.push(i.id);
            }
            if i.kind == InspectionKind::FollowUp
                && i.score >= p.black.repair.follow_up_pass_score
                && best_follow_up.is_none_or(|(d, _)| i.date > d)
            {
                best_follow_up = Some((i.date, i.id));
            }
        }

        // Violations in the window, by severity.
        let mut viol_ids: [Vec<i64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        let mut any_violation = false;
        let mut latest_serious: Option<NaiveDate> = None;
        let mut reasons: Vec<ListReason> = Vec::new();
        for v in &h.violations {
            if !in_window(v.date) {
                continue;
            }
            any_violation = true;
            viol_ids[v.severity as usize].push(v.id);
            if v.severity == Severity::Serious && p.black.on_serious_violation {
                latest_serious = latest_serious.max(Some(v.date));
                reasons.push(ListReason::SeriousViolation {
                    violation_id: v.id,
                    date: v.date,
                });
            }
        }

        // Notices: overdue now (points, blocks repair), open (red), late in window (black trigger).
        let mut overdue_ids = Vec::new();
        let mut open_notice = false;
        let mut latest_late_deadline: Option<NaiveDate> = None;
        for n in &h.notices {
            if n.issued_on > as_of {
                continue;
            }
            let verified = n.verified_on.filter(|v| *v <= as_of);
            let open = verified.is_none();
            open_notice |= open;
            let past_deadline = n.deadline < as_of;
            let overdue_now = open && past_deadline;
            if overdue_now {
                overdue_ids.push(n.id);
            }
            let late = past_deadline
                && verified.is_none_or(|v| v > n.deadline)
                && (overdue_now || in_window(n.deadline));
            if late && p.black.on_overdue_notice {
                latest_late_deadline = latest_late_deadline.max(Some(n.deadline));
                reasons.push(ListReason::OverdueNotice {
                    notice_id: n.id,
                    deadline: n.deadline,
                    verified_on: verified,
                });
            }
        }

        let any_overdue = !overdue_ids.is_empty();

        // Score (only when rated).
        let mut score_tenths = None;
        let mut stars = None;
        let mut breakdown = Vec::new();
        if !insp_ids.is_empty() {
            breakdown.reserve_exact(8);
            let base = mean_tenths(insp_sum, insp_ids.len() as i64);
            let mut total = base;
            breakdown.push(Term::new(TermKey::Inspections, base, insp_ids));
            for (sev, ids) in Severity::ALL.into_iter().zip(viol_ids) {
                if !ids.is_empty() {
                    let pts = -(ids.len() as i32).saturating_mul(p.violation_points(sev));
                    total = total.saturating_add(pts);
                    breakdown.push(Term::new(TermKey::for_severity(sev), pts, ids));
                }
            }
            let mut compl_ids = Vec::new();
            for c in &h.complaints {
                if in_window(c.verified_on) {
                    compl_ids.push(c.id);
                }
            }
            if !compl_ids.is_empty() {
                let pts = -(compl_ids.len() as i32)
                    .saturating_mul(p.complaints.each)
                    .min(p.complaints.cap);
                total = total.saturating_add(pts);
                breakdown.push(Term::new(TermKey::Complaints, pts, compl_ids));
            }
            if !overdue_ids.is_empty() {
                let pts = -(overdue_ids.len() as i32).saturating_mul(p.notices.overdue_each);
                total = total.saturating_add(pts);
                breakdown.push(Term::new(TermKey::OverdueNotices, pts, overdue_ids));
            }
            let mut hours: i64 = 0;
            let mut train_ids = Vec::new();
            for t in &h.trainings {
                if in_window(t.date) && t.hours_tenths > 0 {
                    hours += i64::from(t.hours_tenths);
                    train_ids.push(t.id);
                }
            }
            if !train_ids.is_empty() {
                // tenths of a point per hour x tenths of hours / 10 = tenths of a point, rounded down.
                let bonus =
                    (hours * i64::from(p.training.per_hour) / 10).min(i64::from(p.training.cap)) as i32;
                total = total.saturating_add(bonus);
                breakdown.push(Term::new(TermKey::Training, bonus, train_ids));
            }
            let clamped = total.clamp(0, 1000);
            if clamped != total {
                breakdown.push(Term::new(TermKey::Clamp, clamped - total, Vec::new()));
            }
            score_tenths = Some(clamped);
            stars = Some(p.stars_for(clamped));
        }

        // Black list: triggers are in `reasons`; now credit repair, then the ★ trigger.
        let low_stars = p.black.max_stars > 0 && stars.is_some_and(|s| s <= p.black.max_stars);
        let repairable_trigger = latest_serious.is_some() || latest_late_deadline.is_some();
        let mut repaired = false;
        if repairable_trigger {
            let trigger_date = latest_serious.max(latest_late_deadline);
            let follow_up_ok = !p.black.repair.require_follow_up
                || matches!((best_follow_up, trigger_date), (Some((d, _)), Some(t)) if d > t);
            let stay_until = latest_serious.map(|s| add_days(s, p.black.repair.min_stay_days));
            let stay_ok = stay_until.is_none_or(|u| as_of >= u);
            repaired = !any_overdue && follow_up_ok && stay_ok;
            if repaired {
                reasons.clear();
                let fu = best_follow_up.filter(|_| p.black.repair.require_follow_up);
                reasons.push(ListReason::CreditRepaired {
                    follow_up_id: fu.map(|(_, id)| id),
                    follow_up_date: fu.map(|(d, _)| d),
                });
            } else {
                if any_overdue {
                    reasons.push(ListReason::RepairNeedsNoticesClosed);
                }
                if let (false, Some(after)) = (follow_up_ok, trigger_date) {
                    reasons.push(ListReason::RepairNeedsFollowUp {
                        after,
                        pass_score: p.black.repair.follow_up_pass_score,
                    });
                }
                if let (false, Some(until)) = (stay_ok, stay_until) {
                    reasons.push(ListReason::RepairMinimumStay { until });
                }
            }
        }
        let black = low_stars || (repairable_trigger && !repaired);

        let list = if black {
            if low_stars {
                if repaired {
                    // Repaired triggers are history; only the stars keep the merchant here.
                    reasons.clear();
                }
                reasons.insert(
                    0,
                    ListReason::LowStars {
                        stars: stars.unwrap_or(0),
                    },
                );
            }
            ListStatus::Black
        } else {
            let red = stars.is_some_and(|s| s >= p.red.min_stars)
                && !(p.red.require_no_violation && any_violation)
                && !(p.red.require_no_open_notice && open_notice)
                && !(p.red.require_alliance_member && !h.alliance_member);
            if red {
                reasons.push(ListReason::RedAllCriteria {
                    stars: stars.unwrap_or(0),
                });
                ListStatus::Red
            } else {
                ListStatus::None
            }
        };

        Rating {
            merchant_id: h.merchant_id,
            as_of,
            policy_version: p.version.clone(),
            score_tenths,
            stars,
            list,
            list_reasons: reasons,
            breakdown,
        }
    }
}
