//! The UK Food Hygiene Rating Scheme (FHRS) rule, as a reference scheme.
//!
//! The FSA publishes three component scores per inspection (higher is worse) and a 0–5 rating. This
//! module reproduces the rating from the scores so that the platform can import FHRS data, check it,
//! and place it on its own 0–100 scale. Verified against 2,882 Belfast establishments (see
//! `docs/rating.md`, the unit test `belfast_csv_reproduces_published_ratings` in
//! `src/import/fhrs.rs`, and `fhrs_import_reproduces_every_published_belfast_rating_and_is_idempotent`
//! in `tests/rating.rs`).

use chrono::NaiveDate;

use crate::domain::rating::{ListStatus, MerchantHistory, Rating, Scheme, Term, TermKey};

pub use super::facts::{FhrsScores, CONFIDENCE_VALUES, HYGIENE_VALUES};

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

/// The FHRS as a pluggable [`Scheme`]: the rating stands on the latest inspection (on or before
/// the as-of date) that carries FHRS scores — the UK scheme has no trailing window — and is reported
/// as `stars` 0..=5 (FHRS allows 0), with the score on the platform's scale.
#[derive(Debug, Clone, Copy, Default)]
pub struct FhrsScheme;

/// The version string FHRS ratings record in place of a policy version.
pub const FHRS_SCHEME_VERSION: &str = "fhrs-brand-standard";

impl Scheme for FhrsScheme {
    fn rate(&self, h: &MerchantHistory, as_of: NaiveDate) -> Rating {
        let latest = h
            .inspections
            .iter()
            .filter(|i| i.date <= as_of && i.fhrs.is_some())
            .max_by_key(|i| (i.date, i.id));
        let (score_tenths, stars, breakdown) = match latest.and_then(|i| i.fhrs.map(|s| (i, s))) {
            Some((insp, scores)) => {
                let score = fhrs_inspection_score(&scores) * 10;
                let term = Term {
                    key: TermKey::Inspections,
                    points_tenths: score,
                    record_ids: vec![insp.id],
                };
                (Some(score), Some(fhrs_rating(&scores)), vec![term])
            }
            None => (None, None, Vec::new()),
        };
        Rating {
            merchant_id: h.merchant_id,
            as_of,
            policy_version: FHRS_SCHEME_VERSION.to_string(),
            score_tenths,
            stars,
            list: ListStatus::None,
            list_reasons: Vec::new(),
            breakdown,
        }
    }
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

    #[test]
    fn fhrs_scheme_rates_from_the_latest_scored_inspection() {
        use crate::domain::rating::{InspectionFact, InspectionKind};
        let d = |m: u32| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
        let insp = |id: i64, date: NaiveDate, fhrs: Option<FhrsScores>| InspectionFact {
            id,
            date,
            kind: InspectionKind::Routine,
            score: 0,
            fhrs,
        };
        let h = MerchantHistory {
            merchant_id: 7,
            inspections: vec![
                insp(1, d(1), Some(FhrsScores::new(15, 15, 10).unwrap())),
                insp(2, d(3), Some(FhrsScores::new(0, 5, 5).unwrap())),
                insp(3, d(5), None),
            ],
            ..Default::default()
        };
        let r = FhrsScheme.rate(&h, d(6));
        assert_eq!(r.stars, Some(5));
        assert_eq!(r.breakdown[0].record_ids, vec![2]);
        assert_eq!(
            r.breakdown.iter().map(|t| t.points_tenths).sum::<i32>(),
            r.score_tenths.unwrap()
        );
        // Before the better inspection, the older one stands: total 40, worst 15 -> 2.
        assert_eq!(FhrsScheme.rate(&h, d(2)).stars, Some(2));
        assert_eq!(FhrsScheme.rate(&h, d(1) - chrono::Duration::days(1)).stars, None);
    }
}
