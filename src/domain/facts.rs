//! The words the rules share: violation severities and the FHRS component scores. A leaf: it
//! imports no other domain module, so the engine (`rating`), the policy file (`policy`) and the
//! reference schemes (`fhrs`) can all use it without depending on each other in a circle.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
