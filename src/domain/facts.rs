//! The words the rules share: violation severities and the FHRS component scores. A leaf: it
//! imports no other domain module, so the engine (`rating`), the policy file (`policy`) and the
//! reference schemes (`fhrs`) can all use it without depending on each other in a circle.

use serde::{Deserialize, Serialize};

/// Violation severity (一般 / 较重 / 严重); each has its own deduction in the policy. Parsing
/// accepts the stored code or the Chinese name.
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
pub enum Severity {
    /// 一般
    #[strum(to_string = "minor", serialize = "一般")]
    Minor,
    /// 较重
    #[strum(to_string = "major", serialize = "较重")]
    Major,
    /// 严重
    #[strum(to_string = "serious", serialize = "严重")]
    Serious,
}

impl Severity {
    /// All severities, mildest first, for forms and loops.
    pub const ALL: [Severity; 3] = [Severity::Minor, Severity::Major, Severity::Serious];

    /// Stable code stored in the database and the policy file.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The three FHRS component scores (higher = worse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FhrsScores {
    /// Food hygiene and safety: 0, 5, 10, 15, 20, 25.
    pub hygiene: u8,
    /// Structural compliance: 0, 5, 10, 15, 20, 25.
    pub structural: u8,
    /// Confidence in management: 0, 5, 10, 20, 30.
    pub confidence: u8,
}

/// Values a hygiene or structural score may take.
pub const HYGIENE_VALUES: [u8; 6] = [0, 5, 10, 15, 20, 25];
/// Values a confidence-in-management score may take.
pub const CONFIDENCE_VALUES: [u8; 5] = [0, 5, 10, 20, 30];

impl FhrsScores {
    /// Build scores, rejecting values the scheme does not use (so bad imports fail loudly).
    pub fn new(hygiene: u8, structural: u8, confidence: u8) -> Result<FhrsScores, String> {
        if !HYGIENE_VALUES.contains(&hygiene) {
            return Err(format!("hygiene score {hygiene} is not one of 0,5,10,15,20,25"));
        }
        if !HYGIENE_VALUES.contains(&structural) {
            return Err(format!(
                "structural score {structural} is not one of 0,5,10,15,20,25"
            ));
        }
        if !CONFIDENCE_VALUES.contains(&confidence) {
            return Err(format!(
                "confidence in management score {confidence} is not one of 0,5,10,20,30"
            ));
        }
        Ok(FhrsScores {
            hygiene,
            structural,
            confidence,
        })
    }

    /// Sum of the three scores (0..=80).
    pub fn total(&self) -> u32 {
        u32::from(self.hygiene) + u32::from(self.structural) + u32::from(self.confidence)
    }

    /// The worst (highest) single score.
    pub fn highest(&self) -> u8 {
        self.hygiene.max(self.structural).max(self.confidence)
    }
}
