//! The UK Food Hygiene Rating Scheme (FHRS) rule, as a reference scheme.
//!
//! The FSA publishes three component scores per inspection (higher is worse) and a 0–5 rating. This
//! module reproduces the rating from the scores so that the platform can import FHRS data, check it,
//! and place it on its own 0–100 scale. Verified against 2,882 Belfast establishments (see
//! `docs/rating.md` and the test in `tests/fhrs_belfast.rs`).

use serde::{Deserialize, Serialize};

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

/// The FHRS rating 0..=5 from the component scores, per the FSA brand standard: the lower of the
/// rating given by the total score (0–15 → 5, 20 → 4, 25–30 → 3, 35–40 → 2, 45–50 → 1, more → 0)
/// and the rating allowed by the highest single score (5 needs ≤ 5, 4 and 3 need ≤ 10, 2 needs ≤ 15,
/// 1 needs ≤ 20).
pub fn fhrs_rating(s: &FhrsScores) -> u8 {
    let by_total = match s.total() {
        0..=15 => 5,
        16..=20 => 4,
        21..=30 => 3,
        31..=40 => 2,
        41..=50 => 1,
        _ => 0,
    };
    let by_highest = match s.highest() {
        0..=5 => 5,
        6..=10 => 4,
        11..=15 => 2,
        16..=20 => 1,
        _ => 0,
    };
    by_total.min(by_highest)
}

/// An FHRS inspection on the platform's 0–100 scale: `100 - total`, kept inside the band of the
/// published FHRS rating — 5 → 90..=100, 4 → 80..=89, 3 → 70..=79, 2 → 60..=69, 1 → 50..=59,
/// 0 → 0..=49.
///
/// Why: the bands are the default policy's star bands, so an FHRS inspection gets the stars of its
/// FHRS rating (0 and 1 both give ★1), while the total still orders establishments within a band.
/// A plain `100 - k * total` cannot do this, because the FHRS rating is also capped by the worst single
/// score (hygiene 0, structural 0, confidence 20 totals only 20 but rates 1).
pub fn fhrs_inspection_score(s: &FhrsScores) -> i32 {
    const LO: [i32; 6] = [0, 50, 60, 70, 80, 90];
    const HI: [i32; 6] = [49, 59, 69, 79, 89, 100];
    let r = usize::from(fhrs_rating(s));
    (100 - s.total() as i32).clamp(LO[r], HI[r])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(h: u8, st: u8, c: u8) -> FhrsScores {
        FhrsScores::new(h, st, c).unwrap()
    }

    #[test]
    fn bands_by_total() {
        assert_eq!(fhrs_rating(&s(0, 0, 0)), 5);
        assert_eq!(fhrs_rating(&s(5, 5, 5)), 5);
        assert_eq!(fhrs_rating(&s(10, 5, 5)), 4);
        assert_eq!(fhrs_rating(&s(10, 10, 5)), 3);
        assert_eq!(fhrs_rating(&s(10, 10, 10)), 3);
        assert_eq!(fhrs_rating(&s(15, 10, 10)), 2);
        assert_eq!(fhrs_rating(&s(15, 15, 10)), 2);
        assert_eq!(fhrs_rating(&s(20, 15, 10)), 1);
        assert_eq!(fhrs_rating(&s(20, 20, 10)), 1);
        assert_eq!(fhrs_rating(&s(25, 20, 10)), 0);
        assert_eq!(fhrs_rating(&s(25, 25, 30)), 0);
    }

    #[test]
    fn highest_score_caps_the_rating() {
        // Total 10 would be a 5, but a single 10 allows at most 4.
        assert_eq!(fhrs_rating(&s(10, 0, 0)), 4);
        // Total 15 with a 15: at most 2.
        assert_eq!(fhrs_rating(&s(15, 0, 0)), 2);
        // A 20: at most 1; a 25 or 30: 0.
        assert_eq!(fhrs_rating(&s(0, 0, 20)), 1);
        assert_eq!(fhrs_rating(&s(25, 0, 0)), 0);
        assert_eq!(fhrs_rating(&s(0, 0, 30)), 0);
    }

    #[test]
    fn invalid_scores_rejected() {
        assert!(FhrsScores::new(3, 0, 0).is_err());
        assert!(FhrsScores::new(0, 30, 0).is_err());
        assert!(FhrsScores::new(0, 0, 15).is_err());
    }

    #[test]
    fn inspection_score_matches_star_bands() {
        let p = crate::domain::policy::Policy::default_policy();
        assert_eq!(fhrs_inspection_score(&s(0, 0, 0)), 100);
        assert_eq!(fhrs_inspection_score(&s(5, 5, 5)), 90);
        assert_eq!(fhrs_inspection_score(&s(0, 0, 20)), 59);
        assert_eq!(fhrs_inspection_score(&s(25, 0, 0)), 49);
        assert_eq!(fhrs_inspection_score(&s(25, 25, 30)), 20);
        // Over all 180 valid combinations the default star bands give the FHRS rating (0 → ★1).
        for h in HYGIENE_VALUES {
            for st in HYGIENE_VALUES {
                for c in CONFIDENCE_VALUES {
                    let sc = s(h, st, c);
                    let stars = p.stars_for(fhrs_inspection_score(&sc) * 10);
                    assert_eq!(stars, fhrs_rating(&sc).max(1), "{sc:?}");
                }
            }
        }
    }
}
