use super::*;

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

    pub(super) fn for_severity(s: Severity) -> TermKey {
        match s {
            Severity::Minor => TermKey::ViolationsMinor,
            Severity::Major => TermKey::ViolationsMajor,
            Severity::Serious => TermKey::ViolationsSerious,
        }
    }
}
