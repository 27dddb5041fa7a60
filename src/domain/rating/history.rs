use super::*;

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
