//! The rating engine: a pure function of (merchant history, policy, as-of date).
//!
//! Pure so that a rating can always be recomputed from scratch and give the same answer as the stored
//! one, and explainable: every rating carries its breakdown (terms whose points add up exactly to the
//! score, with the records behind each) and the reasons for its list status. See `docs/rating.md`.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::policy::Policy;

pub use super::facts::{FhrsScores, Severity};

/// Why an inspection happened; follow-ups (复查) matter for credit repair. Parsing accepts the
/// stored code or the Chinese name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum InspectionKind {
    /// 日常 routine inspection.
    #[strum(to_string = "routine", serialize = "日常")]
    Routine,
    /// 复查 follow-up after a violation or notice.
    #[strum(to_string = "follow_up", serialize = "复查")]
    FollowUp,
    /// 投诉 complaint-driven inspection.
    #[strum(to_string = "complaint", serialize = "投诉")]
    Complaint,
    /// 自查 merchant self-check.
    #[strum(to_string = "self_check", serialize = "自查")]
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
        self.into()
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
    /// The FHRS component scores, for inspections imported from the UK scheme (the FHRS scheme
    /// rates from these; the star scheme ignores them).
    #[serde(default)]
    pub fhrs: Option<FhrsScores>,
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

/// Red/black list status; the lists themselves (list entries, edition entries, `/lists/{list}`)
/// use `Red` and `Black` only.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
        self.into()
    }
}

/// Why a merchant has its list status. Stored as JSON (`{"code": "serious_violation", ...}`) with the
/// rating and in list entries (`domain::reasons`), and put into words by `crate::i18n::words`.
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
        let mut insp_ids = Vec::with_capacity(h.inspections.len());
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
                && (h.alliance_member || !p.red.require_alliance_member);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn days_before(as_of: NaiveDate, n: u64) -> NaiveDate {
        as_of.checked_sub_days(Days::new(n)).unwrap()
    }

    fn days_after(date: NaiveDate, n: u64) -> NaiveDate {
        date.checked_add_days(Days::new(n)).unwrap()
    }

    fn insp(id: i64, date: NaiveDate, score: i32) -> InspectionFact {
        InspectionFact {
            id,
            date,
            kind: InspectionKind::Routine,
            score,
            fhrs: None,
        }
    }

    fn follow_up(id: i64, date: NaiveDate, score: i32) -> InspectionFact {
        InspectionFact {
            id,
            date,
            kind: InspectionKind::FollowUp,
            score,
            fhrs: None,
        }
    }

    fn viol(id: i64, date: NaiveDate, severity: Severity) -> ViolationFact {
        ViolationFact {
            id,
            inspection_id: 0,
            date,
            severity,
        }
    }

    fn notice(
        id: i64,
        issued_on: NaiveDate,
        deadline: NaiveDate,
        verified_on: Option<NaiveDate>,
    ) -> NoticeFact {
        NoticeFact {
            id,
            issued_on,
            deadline,
            verified_on,
        }
    }

    const AS_OF: &str = "2025-06-30";

    /// A member with one routine inspection of `score` ten days ago.
    fn merchant(score: i32) -> MerchantHistory {
        MerchantHistory {
            merchant_id: 7,
            alliance_member: true,
            inspections: vec![insp(1, days_before(d(AS_OF), 10), score)],
            ..Default::default()
        }
    }

    fn policy() -> Policy {
        Policy::default_policy()
    }

    fn sum(r: &Rating) -> i32 {
        r.breakdown.iter().map(|t| t.points_tenths).sum()
    }

    #[test]
    fn clean_top_merchant_is_red() {
        let r = rate(&merchant(95), &policy(), d(AS_OF));
        assert_eq!(r.score_tenths, Some(950));
        assert_eq!(r.stars, Some(5));
        assert_eq!(r.list, ListStatus::Red);
        assert_eq!(r.list_reasons, vec![ListReason::RedAllCriteria { stars: 5 }]);
        assert_eq!(r.policy_version, "2025.1");
        assert_eq!(r.merchant_id, 7);
        assert_eq!(r.breakdown.len(), 1);
        assert_eq!(r.breakdown[0].key, TermKey::Inspections);
        assert_eq!(r.breakdown[0].record_ids, vec![1]);
    }

    #[test]
    fn score_89_9_is_four_stars_and_90_is_five() {
        let p = policy();
        let as_of = d(AS_OF);
        // Ten inspections summing to 899 points: mean 89.9.
        let mut h = merchant(0);
        h.inspections = (0..10)
            .map(|i| insp(i, days_before(as_of, 1 + i as u64), if i == 0 { 89 } else { 90 }))
            .collect();
        let r = rate(&h, &p, as_of);
        assert_eq!(r.score_tenths, Some(899));
        assert_eq!(r.stars, Some(4));
        assert_eq!(r.list, ListStatus::None);
        h.inspections[0].score = 90;
        let r = rate(&h, &p, as_of);
        assert_eq!(r.score_tenths, Some(900));
        assert_eq!(r.stars, Some(5));
        assert_eq!(r.list, ListStatus::Red);
    }

    #[test]
    fn mean_rounds_half_up_to_tenths() {
        assert_eq!(mean_tenths(268, 3), 893); // 89.333…
        assert_eq!(mean_tenths(179, 2), 895);
        assert_eq!(mean_tenths(1781, 20), 891); // 89.05 → 89.1
        assert_eq!(mean_tenths(1779, 20), 890); // 88.95 → 89.0
        assert_eq!(mean_tenths(200, 3), 667); // 66.666…
        assert_eq!(mean_tenths(0, 5), 0);
        assert_eq!(mean_tenths(100, 1), 1000);
    }

    #[test]
    fn not_yet_rated_without_inspection_in_window() {
        let as_of = d(AS_OF);
        let mut h = merchant(100);
        h.inspections[0].date = days_before(as_of, 365); // just outside
        let r = rate(&h, &policy(), as_of);
        assert_eq!(r.score_tenths, None);
        assert_eq!(r.stars, None);
        assert!(!r.is_rated());
        assert!(r.breakdown.is_empty());
        assert_eq!(r.list, ListStatus::None);
        assert!(r.list_reasons.is_empty());
        // A future inspection does not rate either.
        h.inspections[0].date = days_after(as_of, 1);
        assert_eq!(rate(&h, &policy(), as_of).stars, None);
        // Black-list triggers still apply to an unrated merchant.
        h.violations
            .push(viol(5, days_before(as_of, 3), Severity::Serious));
        let r = rate(&h, &policy(), as_of);
        assert_eq!(r.stars, None);
        assert_eq!(r.list, ListStatus::Black);
        assert_eq!(
            r.list_reasons[0],
            ListReason::SeriousViolation {
                violation_id: 5,
                date: days_before(as_of, 3)
            }
        );
    }

    #[test]
    fn inspection_window_boundary() {
        let as_of = d(AS_OF);
        let mut h = merchant(100);
        h.inspections.push(insp(2, days_before(as_of, 364), 50)); // first day in
        h.inspections.push(insp(3, days_before(as_of, 365), 0)); // out
        h.inspections.push(insp(4, as_of, 60)); // as_of itself is in
        h.inspections.push(insp(5, days_after(as_of, 1), 0)); // future: ignored
        let r = rate(&h, &policy(), as_of);
        assert_eq!(r.breakdown[0].record_ids, vec![1, 2, 4]);
        assert_eq!(r.score_tenths, Some(700));
        assert_eq!(window_start_exclusive(as_of, 365), days_before(as_of, 365));
    }

    #[test]
    fn violation_leaves_window_after_365_days() {
        let p = policy();
        let found = d("2024-07-01");
        let mut h = merchant(100);
        h.inspections[0].date = d("2025-06-01");
        h.violations.push(viol(9, found, Severity::Major));
        // 2025-06-30 is 364 days after 2024-07-01: still in the window.
        let r = rate(&h, &p, days_after(found, 364));
        assert_eq!(r.score_tenths, Some(920));
        assert_eq!(r.list, ListStatus::None, "a violation in the window blocks red");
        assert_eq!(r.breakdown[1].key, TermKey::ViolationsMajor);
        assert_eq!(r.breakdown[1].record_ids, vec![9]);
        // On day 365 it is out.
        let r = rate(&h, &p, days_after(found, 365));
        assert_eq!(r.score_tenths, Some(1000));
        assert_eq!(r.list, ListStatus::Red);
    }

    #[test]
    fn violation_points_by_severity() {
        let as_of = d(AS_OF);
        let mut h = merchant(100);
        let day = days_before(as_of, 5);
        h.violations = vec![
            viol(1, day, Severity::Minor),
            viol(2, day, Severity::Minor),
            viol(3, day, Severity::Major),
            viol(4, days_after(as_of, 2), Severity::Serious), // future: ignored
        ];
        let r = rate(&h, &policy(), as_of);
        assert_eq!(r.score_tenths, Some(1000 - 60 - 80));
        assert_eq!(r.stars, Some(4));
        let keys: Vec<_> = r.breakdown.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["inspections", "violations.minor", "violations.major"]);
        assert_eq!(r.breakdown[1].record_ids, vec![1, 2]);
        assert_eq!(r.breakdown[1].points_tenths, -60);
        assert_eq!(sum(&r), 860);
    }

    #[test]
    fn complaints_are_capped_and_training_bonus_too() {
        let as_of = d(AS_OF);
        let mut h = merchant(80);
        h.complaints = (1..=4)
            .map(|i| ComplaintFact {
                id: i,
                verified_on: days_before(as_of, i as u64),
            })
            .collect();
        h.trainings = vec![
            TrainingFact {
                id: 1,
                date: days_before(as_of, 3),
                hours_tenths: 15,
            },
            TrainingFact {
                id: 2,
                date: days_before(as_of, 400),
                hours_tenths: 100,
            },
        ];
        let r = rate(&h, &policy(), as_of);
        // 80 - min(4*5, 15) + floor(1.5 h * 0.5) = 80 - 15 + 0.7
        assert_eq!(r.score_tenths, Some(800 - 150 + 7));
        let c = &r.breakdown[1];
        assert_eq!(
            (c.key, c.points_tenths, c.record_ids.len()),
            (TermKey::Complaints, -150, 4)
        );
        let t = &r.breakdown[2];
        assert_eq!(
            (t.key, t.points_tenths, t.record_ids.clone()),
            (TermKey::Training, 7, vec![1])
        );
        // The cap on training: 20 hours would be 10 points, capped at 3.
        h.trainings[0].hours_tenths = 200;
        let r = rate(&h, &policy(), as_of);
        assert_eq!(r.score_tenths, Some(800 - 150 + 30));
    }

    #[test]
    fn clamp_term_keeps_sum_exact() {
        let as_of = d(AS_OF);
        let mut h = merchant(100);
        h.trainings.push(TrainingFact {
            id: 1,
            date: as_of,
            hours_tenths: 60,
        });
        let r = rate(&h, &policy(), as_of);
        assert_eq!(r.score_tenths, Some(1000));
        assert_eq!(
            r.breakdown.last().map(|t| (t.key, t.points_tenths)),
            Some((TermKey::Clamp, -30))
        );
        assert_eq!(sum(&r), 1000);

        let mut h = merchant(10);
        h.violations = (0..3).map(|i| viol(i, as_of, Severity::Major)).collect();
        let r = rate(&h, &policy(), as_of);
        assert_eq!(r.score_tenths, Some(0));
        assert_eq!(
            r.breakdown.last().map(|t| (t.key, t.points_tenths)),
            Some((TermKey::Clamp, 140))
        );
        assert_eq!(sum(&r), 0);
        assert_eq!(r.stars, Some(1));
        assert_eq!(r.list, ListStatus::Black);
    }

    #[test]
    fn overdue_notice_rules() {
        let p = policy();
        let as_of = d(AS_OF);
        let issued = days_before(as_of, 20);
        let mut h = merchant(100);
        // Deadline today: not overdue yet, but open → not red.
        h.notices = vec![notice(3, issued, as_of, None)];
        let r = rate(&h, &p, as_of);
        assert_eq!(r.score_tenths, Some(1000));
        assert_eq!(r.list, ListStatus::None);
        // Deadline yesterday, not verified: overdue → -10 points and black.
        h.notices[0].deadline = days_before(as_of, 1);
        let r = rate(&h, &p, as_of);
        assert_eq!(r.score_tenths, Some(900));
        assert_eq!(r.breakdown[1].key, TermKey::OverdueNotices);
        assert_eq!(r.breakdown[1].record_ids, vec![3]);
        assert_eq!(r.list, ListStatus::Black);
        assert_eq!(
            r.list_reasons,
            vec![
                ListReason::OverdueNotice {
                    notice_id: 3,
                    deadline: days_before(as_of, 1),
                    verified_on: None
                },
                ListReason::RepairNeedsNoticesClosed,
                ListReason::RepairNeedsFollowUp {
                    after: days_before(as_of, 1),
                    pass_score: 60
                },
            ]
        );
        // Verified after as_of: still overdue at as_of.
        h.notices[0].verified_on = Some(days_after(as_of, 1));
        assert_eq!(rate(&h, &p, as_of).list, ListStatus::Black);
        // Verified in time: nothing.
        h.notices[0].verified_on = Some(days_before(as_of, 1));
        let r = rate(&h, &p, as_of);
        assert_eq!((r.score_tenths, r.list), (Some(1000), ListStatus::Red));
        // Verified late (today): no longer overdue, no deduction, but black until a follow-up passes.
        h.notices[0].verified_on = Some(as_of);
        let r = rate(&h, &p, as_of);
        assert_eq!(r.score_tenths, Some(1000));
        assert_eq!(r.list, ListStatus::Black);
        h.inspections.push(follow_up(2, as_of, 90));
        let r = rate(&h, &p, as_of);
        // Repaired; with no violation in the window and nothing open, the merchant is even red.
        assert_eq!(r.list, ListStatus::Red);
        assert_eq!(
            r.list_reasons,
            vec![
                ListReason::CreditRepaired {
                    follow_up_id: Some(2),
                    follow_up_date: Some(as_of)
                },
                ListReason::RedAllCriteria { stars: 5 }
            ]
        );
        // A notice issued in the future is ignored.
        let mut h = merchant(100);
        h.notices = vec![notice(4, days_after(as_of, 1), days_after(as_of, 5), None)];
        assert_eq!(rate(&h, &p, as_of).list, ListStatus::Red);
    }

    #[test]
    fn red_criteria_each_failing() {
        let p = policy();
        let as_of = d(AS_OF);
        assert_eq!(rate(&merchant(95), &p, as_of).list, ListStatus::Red);
        // Not 5 stars.
        assert_eq!(rate(&merchant(89), &p, as_of).list, ListStatus::None);
        // A violation in the window (even minor, and the score still ★5).
        let mut h = merchant(100);
        h.violations.push(viol(1, days_before(as_of, 1), Severity::Minor));
        let r = rate(&h, &p, as_of);
        assert_eq!((r.stars, r.list), (Some(5), ListStatus::None));
        // An open notice (not yet due).
        let mut h = merchant(95);
        h.notices
            .push(notice(1, days_before(as_of, 1), days_after(as_of, 10), None));
        assert_eq!(rate(&h, &p, as_of).list, ListStatus::None);
        // Not an alliance member.
        let mut h = merchant(95);
        h.alliance_member = false;
        assert_eq!(rate(&h, &p, as_of).list, ListStatus::None);
        // Criteria switched off in the policy.
        let mut q = p.clone();
        q.red.require_alliance_member = false;
        assert_eq!(rate(&h, &q, as_of).list, ListStatus::Red);
        // Not rated: never red.
        let mut h = merchant(95);
        h.inspections.clear();
        assert_eq!(rate(&h, &p, as_of).list, ListStatus::None);
    }

    #[test]
    fn one_star_is_black_until_the_score_rises() {
        let p = policy();
        let as_of = d(AS_OF);
        let mut h = merchant(59);
        let r = rate(&h, &p, as_of);
        assert_eq!((r.stars, r.list), (Some(1), ListStatus::Black));
        assert_eq!(r.list_reasons, vec![ListReason::LowStars { stars: 1 }]);
        // A passed follow-up that lifts the mean above 60 lifts the stars.
        h.inspections.push(follow_up(2, as_of, 61));
        let r = rate(&h, &p, as_of);
        assert_eq!(
            (r.score_tenths, r.stars, r.list),
            (Some(600), Some(2), ListStatus::None)
        );
        let mut q = p.clone();
        q.black.max_stars = 0;
        assert_eq!(rate(&merchant(10), &q, as_of).list, ListStatus::None);
    }

    #[test]
    fn serious_violation_repair_needs_follow_up_and_minimum_stay() {
        // The ★1 trigger is switched off here so that only the repair rules are at play.
        let mut p = policy();
        p.black.max_stars = 0;
        let found = d("2025-01-10");
        let mut h = merchant(100);
        h.inspections[0].date = d("2025-01-05");
        h.violations.push(viol(11, found, Severity::Serious));
        let stay_ends = days_after(found, 90); // 2025-04-10
                                               // Before any follow-up: black, needs follow-up and stay.
        let r = rate(&h, &p, days_after(found, 10));
        assert_eq!(r.list, ListStatus::Black);
        assert_eq!(
            r.list_reasons,
            vec![
                ListReason::SeriousViolation {
                    violation_id: 11,
                    date: found
                },
                ListReason::RepairNeedsFollowUp {
                    after: found,
                    pass_score: 60
                },
                ListReason::RepairMinimumStay { until: stay_ends },
            ]
        );
        // A follow-up on the same day as the violation does not count; a failed one neither.
        h.inspections.push(follow_up(2, found, 95));
        h.inspections.push(follow_up(3, days_after(found, 5), 59));
        assert_eq!(rate(&h, &p, stay_ends).list, ListStatus::Black);
        // A passed follow-up after the violation.
        h.inspections.push(follow_up(4, days_after(found, 20), 60));
        let r = rate(&h, &p, days_before(stay_ends, 1));
        assert_eq!(r.list, ListStatus::Black);
        assert_eq!(
            r.list_reasons.last(),
            Some(&ListReason::RepairMinimumStay { until: stay_ends })
        );
        // The day the minimum stay ends: repaired.
        let r = rate(&h, &p, stay_ends);
        assert_eq!(r.list, ListStatus::None);
        assert_eq!(
            r.list_reasons,
            vec![ListReason::CreditRepaired {
                follow_up_id: Some(4),
                follow_up_date: Some(days_after(found, 20))
            }]
        );
        // A newer serious violation restarts everything.
        h.violations
            .push(viol(12, days_after(found, 60), Severity::Serious));
        assert_eq!(rate(&h, &p, stay_ends).list, ListStatus::Black);
    }

    #[test]
    fn repair_is_blocked_by_an_overdue_notice() {
        let p = policy();
        let as_of = d(AS_OF);
        let found = days_before(as_of, 200);
        let mut h = merchant(100);
        h.violations.push(viol(1, found, Severity::Serious));
        h.inspections.push(follow_up(2, days_after(found, 10), 100));
        assert_eq!(rate(&h, &p, as_of).list, ListStatus::None);
        // An old notice (deadline outside the window) still open blocks repair.
        h.notices
            .push(notice(5, days_before(as_of, 500), days_before(as_of, 400), None));
        let r = rate(&h, &p, as_of);
        assert_eq!(r.list, ListStatus::Black);
        assert!(r.list_reasons.contains(&ListReason::RepairNeedsNoticesClosed));
        assert!(r.list_reasons.iter().any(|x| x.code() == "overdue_notice"));
    }

    #[test]
    fn black_beats_red() {
        let mut p = policy();
        p.violations.serious = 0;
        p.red.require_no_violation = false;
        let as_of = d(AS_OF);
        let mut h = merchant(100);
        h.violations
            .push(viol(1, days_before(as_of, 1), Severity::Serious));
        let r = rate(&h, &p, as_of);
        assert_eq!(r.stars, Some(5));
        assert_eq!(r.list, ListStatus::Black);
        // Triggers switched off: red.
        p.black.on_serious_violation = false;
        assert_eq!(rate(&h, &p, as_of).list, ListStatus::Red);
    }

    #[test]
    fn json_round_trip_and_shape() {
        let as_of = d(AS_OF);
        let mut h = merchant(70);
        h.violations
            .push(viol(1, days_before(as_of, 1), Severity::Serious));
        let r = rate(&h, &policy(), as_of);
        let j = serde_json::to_string(&r).unwrap();
        assert!(j.contains("\"key\":\"violations.serious\""), "{j}");
        assert!(j.contains("\"code\":\"serious_violation\""), "{j}");
        assert!(j.contains("\"list\":\"black\""), "{j}");
        let back: Rating = serde_json::from_str(&j).unwrap();
        assert_eq!(back, r);
        let reasons = serde_json::to_string(&r.list_reasons).unwrap();
        let back: Vec<ListReason> = serde_json::from_str(&reasons).unwrap();
        assert_eq!(back, r.list_reasons);
    }

    #[test]
    fn enums_parse_and_print() {
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
        }
        // Imports name severities and kinds in Chinese too.
        assert_eq!("严重".parse::<Severity>(), Ok(Severity::Serious));
        for k in InspectionKind::ALL {
            assert_eq!(k.as_str().parse::<InspectionKind>(), Ok(k));
        }
        assert_eq!(InspectionKind::FollowUp.as_str(), "follow_up");
        assert_eq!("复查".parse::<InspectionKind>(), Ok(InspectionKind::FollowUp));
        assert!("grave".parse::<Severity>().is_err());
        for l in [ListStatus::None, ListStatus::Red, ListStatus::Black] {
            assert_eq!(l.as_str().parse::<ListStatus>(), Ok(l));
        }
    }

    // ---- properties ----

    fn arb_history() -> impl Strategy<Value = MerchantHistory> {
        let base = d("2024-01-01");
        let day = move |n: u64| base.checked_add_days(Days::new(n)).unwrap_or(base);
        let sev = prop_oneof![
            Just(Severity::Minor),
            Just(Severity::Major),
            Just(Severity::Serious)
        ];
        let kind = prop_oneof![
            Just(InspectionKind::Routine),
            Just(InspectionKind::FollowUp),
            Just(InspectionKind::Complaint),
            Just(InspectionKind::SelfCheck)
        ];
        (
            any::<bool>(),
            prop::collection::vec((0u64..900, kind, 0i32..=100), 0..8),
            prop::collection::vec((0u64..900, sev), 0..5),
            prop::collection::vec((0u64..900, 0u64..60, prop::option::of(0u64..120)), 0..3),
            prop::collection::vec(0u64..900, 0..5),
            prop::collection::vec((0u64..900, 0i32..80), 0..4),
        )
            .prop_map(move |(member, ins, vs, ns, cs, ts)| MerchantHistory {
                merchant_id: 1,
                alliance_member: member,
                inspections: ins
                    .into_iter()
                    .enumerate()
                    .map(|(i, (n, kind, score))| InspectionFact {
                        id: i as i64,
                        date: day(n),
                        kind,
                        score,
                        fhrs: None,
                    })
                    .collect(),
                violations: vs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (n, severity))| ViolationFact {
                        id: i as i64,
                        inspection_id: 0,
                        date: day(n),
                        severity,
                    })
                    .collect(),
                notices: ns
                    .into_iter()
                    .enumerate()
                    .map(|(i, (n, len, ver))| NoticeFact {
                        id: i as i64,
                        issued_on: day(n),
                        deadline: day(n + len),
                        verified_on: ver.map(|v| day(n + v)),
                    })
                    .collect(),
                complaints: cs
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| ComplaintFact {
                        id: i as i64,
                        verified_on: day(n),
                    })
                    .collect(),
                trainings: ts
                    .into_iter()
                    .enumerate()
                    .map(|(i, (n, h))| TrainingFact {
                        id: i as i64,
                        date: day(n),
                        hours_tenths: h,
                    })
                    .collect(),
            })
    }

    fn arb_as_of() -> impl Strategy<Value = NaiveDate> {
        (200u64..1000).prop_map(|n| d("2024-01-01").checked_add_days(Days::new(n)).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn prop_breakdown_sums_to_score(h in arb_history(), as_of in arb_as_of()) {
            let r = rate(&h, &policy(), as_of);
            match r.score_tenths {
                Some(s) => {
                    prop_assert_eq!(sum(&r), s);
                    prop_assert!((0..=1000).contains(&s));
                    prop_assert_eq!(r.stars, Some(policy().stars_for(s)));
                }
                None => {
                    prop_assert!(r.breakdown.is_empty());
                    prop_assert_eq!(r.stars, None);
                    prop_assert!(r.list != ListStatus::Red);
                }
            }
        }

        #[test]
        fn prop_deterministic(h in arb_history(), as_of in arb_as_of()) {
            let p = policy();
            let a = rate(&h, &p, as_of);
            prop_assert_eq!(&a, &rate(&h, &p, as_of));
            // Record order does not change the outcome.
            let mut rev = h.clone();
            rev.inspections.reverse();
            rev.violations.reverse();
            rev.notices.reverse();
            rev.complaints.reverse();
            rev.trainings.reverse();
            let b = rate(&rev, &p, as_of);
            prop_assert_eq!((a.score_tenths, a.stars, a.list), (b.score_tenths, b.stars, b.list));
        }

        #[test]
        fn prop_adding_a_violation_never_raises_stars(
            h in arb_history(),
            as_of in arb_as_of(),
            n in 0u64..1000,
            sev in prop_oneof![Just(Severity::Minor), Just(Severity::Major), Just(Severity::Serious)],
        ) {
            let p = policy();
            let before = rate(&h, &p, as_of);
            let mut h2 = h.clone();
            h2.violations.push(ViolationFact {
                id: 999,
                inspection_id: 0,
                date: d("2024-01-01").checked_add_days(Days::new(n)).unwrap(),
                severity: sev,
            });
            let after = rate(&h2, &p, as_of);
            prop_assert_eq!(before.stars.is_some(), after.stars.is_some());
            if let (Some(b), Some(a)) = (before.stars, after.stars) {
                prop_assert!(a <= b, "stars rose from {} to {}", b, a);
            }
            if before.list == ListStatus::Black {
                prop_assert_eq!(after.list, ListStatus::Black);
            }
            if after.list == ListStatus::Red {
                prop_assert_eq!(before.list, ListStatus::Red);
            }
        }
    }
}
