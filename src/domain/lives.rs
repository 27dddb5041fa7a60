//! The LIVES scheme (US Local Inspector Value-entry Specification), as used by Lexington-Fayette
//! County, Kentucky: a score of 100 minus a fixed weight per violation code found.
//!
//! Kept as a reference scheme so that LIVES feeds can be imported and checked. The weights live in
//! the policy (`[lives.weights]`); they were derived from the county's own data, where they reproduce
//! every inspection score (see `docs/rating.md`, the unit test `lexington_scores_reproduced` in
//! `src/import/lives.rs`, and the LIVES import test in `tests/rating.rs`).

use std::collections::{BTreeMap, BTreeSet};

/// LIVES score: 100 minus the weights of the distinct violation codes found, floored at 0.
///
/// Each code counts once per inspection (an item on the form is either met or not; the Lexington data
/// never repeats a code within an inspection). Codes with no weight count 0; use
/// [`lives_unknown_codes`] to detect them.
pub fn lives_score(violation_codes: &[&str], weights: &BTreeMap<String, i32>) -> i32 {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut total = 0i32;
    for code in violation_codes {
        let code = code.trim();
        if seen.insert(code) {
            total = total.saturating_add(weights.get(code).copied().unwrap_or(0));
        }
    }
    (100 - total).max(0)
}

/// Codes that have no weight in the policy, so an import can refuse data it cannot score.
pub fn lives_unknown_codes<'a>(violation_codes: &[&'a str], weights: &BTreeMap<String, i32>) -> Vec<&'a str> {
    let mut out: Vec<&str> = violation_codes
        .iter()
        .map(|c| c.trim())
        .filter(|c| !weights.contains_key(*c))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether `score` is reachable from some subset of `codes`: used to check days with more than one
/// inspection, where a LIVES feed does not say which violations belong to which inspection.
pub fn lives_score_reachable(score: i32, codes: &[&str], weights: &BTreeMap<String, i32>) -> bool {
    let target = 100 - score;
    if target < 0 {
        return false;
    }
    // Subset-sum over small non-negative weights.
    let target = target as usize;
    let mut reach = vec![false; target + 1];
    reach[0] = true;
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for code in codes {
        let code = code.trim();
        if !seen.insert(code) {
            continue;
        }
        let w = weights.get(code).copied().unwrap_or(0).max(0) as usize;
        if w == 0 {
            continue;
        }
        for s in (w..=target).rev() {
            if reach[s - w] {
                reach[s] = true;
            }
        }
    }
    reach[target]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Policy;

    #[test]
    fn score_from_weights() {
        let p = Policy::default_policy();
        let w = &p.lives.weights;
        assert_eq!(lives_score(&[], w), 100);
        // Lexington business 67372 on 11/12/15: codes 8, 15, 19, 23, 30 and a published score of 94.
        assert_eq!(lives_score(&["8", "15", "19", "23", "30"], w), 94);
        assert_eq!(lives_score(&["3", "11"], w), 90);
        assert_eq!(lives_score(&["3", "3"], w), 95, "a code counts once");
        assert_eq!(lives_score(&["99"], w), 100);
        let all: Vec<&str> = w.keys().map(String::as_str).collect();
        assert_eq!(lives_score(&all, w), 0);
        assert_eq!(lives_unknown_codes(&["99", "3", "x", "99"], w), vec!["99", "x"]);
    }

    #[test]
    fn reachable_subsets() {
        let p = Policy::default_policy();
        let w = &p.lives.weights;
        assert!(lives_score_reachable(100, &["3"], w));
        assert!(lives_score_reachable(95, &["3", "11"], w));
        assert!(lives_score_reachable(90, &["3", "11"], w));
        assert!(!lives_score_reachable(94, &["3", "11"], w));
        assert!(!lives_score_reachable(101, &[], w));
    }
}
