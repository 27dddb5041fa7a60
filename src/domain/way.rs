//! The way to the red list (上红榜之路): criterion by criterion, what a merchant meets and what
//! it still lacks, as a pure function of its current rating, its history, the policy and the
//! day. Codes and numbers only; `crate::web::portal` puts them into words.
//!
//! The criteria are the policy's `[red]` rule, in the same terms as the rating engine
//! (`domain::rating`): enough stars, no violation in the rating window, no open notice, alliance
//! membership. On the black list, the way off it comes first ([`super::public_record::way_out`]).

use chrono::{Duration, NaiveDate};

use super::policy::Policy;
use super::public_record::{way_out, WayOutStep};
use super::rating::{window_start_exclusive, ListStatus, MerchantHistory, Rating};

/// One red-list criterion, with what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedCriterion {
    /// At least `need` stars, that is `need_tenths` points. `score_tenths` is `None` when not rated.
    Stars {
        need: u8,
        need_tenths: i32,
        have: Option<u8>,
        score_tenths: Option<i32>,
    },
    /// No violation in the rating window: the last one found on `last_found` leaves the window
    /// on `leaves_on`.
    NoViolation {
        count: usize,
        last_found: Option<NaiveDate>,
        leaves_on: Option<NaiveDate>,
    },
    /// No open rectification notice: the open ones (notice id, deadline), soonest due first.
    NoOpenNotice { open: Vec<(i64, NaiveDate)> },
    /// An alliance member.
    Member { member: bool },
}

/// A criterion and whether it is met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub met: bool,
    pub criterion: RedCriterion,
}

/// The whole way: whether the merchant is on the red list now, each criterion, and — on the
/// black list — the way off it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Way {
    pub on_red: bool,
    pub steps: Vec<Step>,
    pub black: Vec<WayOutStep>,
}

impl Way {
    /// How many criteria are still lacking.
    pub fn lacking(&self) -> usize {
        self.steps.iter().filter(|s| !s.met).count()
    }
}

/// The lowest score (tenths) that gives `stars` under the policy.
pub fn score_for_stars(policy: &Policy, stars: u8) -> i32 {
    match stars {
        0 | 1 => 0,
        s => policy
            .star_thresholds
            .get(5usize.saturating_sub(usize::from(s.min(5))))
            .copied()
            .unwrap_or(0),
    }
}

/// The way to the red list on `today`. `rating` is the merchant's current rating (its stars and
/// list); `history` gives the violations, notices and membership as the engine reads them;
/// `overdue_notices` counts the overdue notices for the black list's way out.
pub fn to_red_list(
    rating: Option<&Rating>,
    history: &MerchantHistory,
    policy: &Policy,
    today: NaiveDate,
    overdue_notices: usize,
) -> Way {
    let red = &policy.red;
    let mut steps = Vec::new();

    let need = red.min_stars;
    let have = rating.and_then(|r| r.stars);
    steps.push(Step {
        met: have.is_some_and(|s| s >= need),
        criterion: RedCriterion::Stars {
            need,
            need_tenths: score_for_stars(policy, need),
            have,
            score_tenths: rating.and_then(|r| r.score_tenths),
        },
    });

    if red.require_no_violation {
        let lo = window_start_exclusive(today, policy.window_days);
        let in_window: Vec<NaiveDate> = history
            .violations
            .iter()
            .map(|v| v.date)
            .filter(|d| *d > lo && *d <= today)
            .collect();
        let last = in_window.iter().max().copied();
        steps.push(Step {
            met: in_window.is_empty(),
            criterion: RedCriterion::NoViolation {
                count: in_window.len(),
                last_found: last,
                leaves_on: last.map(|d| d + Duration::days(policy.window_days)),
            },
        });
    }

    if red.require_no_open_notice {
        let mut open: Vec<(i64, NaiveDate)> = history
            .notices
            .iter()
            .filter(|n| n.issued_on <= today && n.verified_on.is_none_or(|v| v > today))
            .map(|n| (n.id, n.deadline))
            .collect();
        open.sort_by_key(|n| (n.1, n.0));
        steps.push(Step {
            met: open.is_empty(),
            criterion: RedCriterion::NoOpenNotice { open },
        });
    }

    if red.require_alliance_member {
        steps.push(Step {
            met: history.alliance_member,
            criterion: RedCriterion::Member {
                member: history.alliance_member,
            },
        });
    }

    let black = rating
        .map(|r| way_out(r, policy, overdue_notices))
        .unwrap_or_default();
    Way {
        on_red: rating.is_some_and(|r| r.list == ListStatus::Red),
        steps,
        black,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rating::{ListReason, NoticeFact, Severity, ViolationFact};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn rating(score: i32, p: &Policy, list: ListStatus) -> Rating {
        Rating {
            merchant_id: 1,
            as_of: d(11, 30),
            policy_version: p.version.clone(),
            score_tenths: Some(score),
            stars: Some(p.stars_for(score)),
            list,
            list_reasons: Vec::new(),
            breakdown: Vec::new(),
        }
    }

    fn member() -> MerchantHistory {
        MerchantHistory {
            merchant_id: 1,
            alliance_member: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_merchant_meeting_everything_has_every_step_met() {
        let p = Policy::default_policy();
        let r = rating(950, &p, ListStatus::Red);
        let w = to_red_list(Some(&r), &member(), &p, d(11, 30), 0);
        assert!(w.on_red);
        assert_eq!(w.lacking(), 0);
        assert_eq!(w.steps.len(), 4);
        assert!(w.black.is_empty());
    }

    #[test]
    fn stars_say_how_many_points_are_short() {
        let p = Policy::default_policy();
        let r = rating(835, &p, ListStatus::None);
        let w = to_red_list(Some(&r), &member(), &p, d(11, 30), 0);
        assert_eq!(
            w.steps[0],
            Step {
                met: false,
                criterion: RedCriterion::Stars {
                    need: p.red.min_stars,
                    need_tenths: score_for_stars(&p, p.red.min_stars),
                    have: Some(p.stars_for(835)),
                    score_tenths: Some(835),
                }
            }
        );
        assert_eq!(score_for_stars(&p, 5), p.star_thresholds[0]);
        assert_eq!(score_for_stars(&p, 2), p.star_thresholds[3]);
        assert_eq!(score_for_stars(&p, 1), 0);
        // Not rated: the stars are lacking.
        let w = to_red_list(None, &member(), &p, d(11, 30), 0);
        assert!(!w.steps[0].met);
        assert!(!w.on_red);
    }

    #[test]
    fn a_violation_in_the_window_says_when_it_leaves_it() {
        let p = Policy::default_policy();
        let mut h = member();
        h.violations = vec![
            ViolationFact {
                id: 1,
                inspection_id: 1,
                date: d(3, 1),
                severity: Severity::Minor,
            },
            ViolationFact {
                id: 2,
                inspection_id: 2,
                date: d(6, 9),
                severity: Severity::Major,
            },
            // Long before the window: does not count.
            ViolationFact {
                id: 3,
                inspection_id: 3,
                date: d(1, 1) - Duration::days(400),
                severity: Severity::Serious,
            },
        ];
        let r = rating(950, &p, ListStatus::None);
        let w = to_red_list(Some(&r), &h, &p, d(11, 30), 0);
        assert_eq!(
            w.steps[1],
            Step {
                met: false,
                criterion: RedCriterion::NoViolation {
                    count: 2,
                    last_found: Some(d(6, 9)),
                    leaves_on: Some(d(6, 9) + Duration::days(p.window_days)),
                }
            }
        );
        // The day it leaves the window, the criterion is met.
        let w = to_red_list(Some(&r), &h, &p, d(6, 9) + Duration::days(p.window_days), 0);
        assert!(w.steps[1].met);
    }

    #[test]
    fn open_notices_and_membership_are_listed() {
        let p = Policy::default_policy();
        let mut h = member();
        h.alliance_member = false;
        h.notices = vec![
            NoticeFact {
                id: 7,
                issued_on: d(11, 1),
                deadline: d(12, 10),
                verified_on: None,
            },
            NoticeFact {
                id: 5,
                issued_on: d(10, 1),
                deadline: d(10, 15),
                verified_on: Some(d(10, 14)),
            },
        ];
        let r = rating(950, &p, ListStatus::None);
        let w = to_red_list(Some(&r), &h, &p, d(11, 30), 0);
        assert_eq!(
            w.steps[2],
            Step {
                met: false,
                criterion: RedCriterion::NoOpenNotice {
                    open: vec![(7, d(12, 10))]
                }
            }
        );
        assert_eq!(
            w.steps[3],
            Step {
                met: false,
                criterion: RedCriterion::Member { member: false }
            }
        );
        assert_eq!(w.lacking(), 2);
    }

    #[test]
    fn switched_off_criteria_are_not_listed_and_the_black_list_shows_its_way_out() {
        let mut p = Policy::default_policy();
        p.red.require_no_violation = false;
        p.red.require_alliance_member = false;
        let mut r = rating(500, &p, ListStatus::Black);
        r.list_reasons = vec![ListReason::LowStars {
            stars: r.stars.unwrap(),
        }];
        let w = to_red_list(Some(&r), &member(), &p, d(11, 30), 0);
        assert_eq!(w.steps.len(), 2);
        assert_eq!(w.black, way_out(&r, &p, 0));
        assert!(!w.black.is_empty());
    }
}
