//! The inspection programme (检查计划): when a merchant's next inspection is due. A pure function
//! of what the merchant's record says and the policy's `[programme]`, like the rating; the daily
//! job stores its answer so that due lists are one indexed query.
//!
//! The due date is the earliest of:
//! - the last inspection plus the interval for the merchant's standing (black list, or its stars),
//!   or — never inspected — the day it was registered plus `unrated_days`;
//! - a verified complaint since the last inspection plus `after_verified_complaint_days`;
//! - a follow-up (credit repair) request since the last inspection plus
//!   `after_follow_up_request_days`.
//!
//! Whichever gives the date is the reason, told to the inspector in words.

use chrono::{Duration, NaiveDate};

use super::policy::ProgrammePolicy;
use super::rating::ListStatus;

/// What the programme reads of one merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The day it was registered (or joined the alliance, whichever the caller counts from).
    pub registered_on: NaiveDate,
    /// Its latest inspection, if any.
    pub last_inspected_on: Option<NaiveDate>,
    /// Its current stars (`None`: not rated).
    pub stars: Option<u8>,
    /// Its current list.
    pub list: ListStatus,
    /// The latest verified complaint, if any.
    pub last_verified_complaint_on: Option<NaiveDate>,
    /// The latest follow-up (credit repair) request, if any.
    pub last_follow_up_request_on: Option<NaiveDate>,
}

/// Why the next inspection is due when it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueReason {
    /// Never inspected: counted from registration.
    New,
    /// On the black list.
    BlackList,
    /// Its stars' interval (1..=5).
    Stars(u8),
    /// Inspected but not rated (e.g. every inspection left the window): as a ★1 merchant.
    Unrated,
    /// A verified complaint since the last inspection.
    Complaint,
    /// A follow-up (credit repair) request since the last inspection.
    FollowUp,
}

impl DueReason {
    /// Stable code, for storage and for the words at the edge.
    pub fn code(self) -> &'static str {
        match self {
            DueReason::New => "new",
            DueReason::BlackList => "black_list",
            DueReason::Stars(_) => "stars",
            DueReason::Unrated => "unrated",
            DueReason::Complaint => "complaint",
            DueReason::FollowUp => "follow_up",
        }
    }
}

/// The next inspection: its day and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The day it is due (on or before this day).
    pub on: NaiveDate,
    /// Why.
    pub reason: DueReason,
}

impl Due {
    /// Days overdue on `today` (0 when not yet due).
    pub fn days_overdue(&self, today: NaiveDate) -> i64 {
        (today - self.on).num_days().max(0)
    }
}

/// When `s`'s next inspection is due under `p`.
pub fn next_due(s: &Standing, p: &ProgrammePolicy) -> Due {
    let mut due = match s.last_inspected_on {
        None => Due {
            on: s.registered_on + Duration::days(p.unrated_days),
            reason: DueReason::New,
        },
        Some(last) => {
            let (days, reason) = match (s.list, s.stars) {
                (ListStatus::Black, _) => (p.black_list_days, DueReason::BlackList),
                (_, Some(n @ 1..=5)) => (p.stars_days[usize::from(n) - 1], DueReason::Stars(n)),
                _ => (p.stars_days[0], DueReason::Unrated),
            };
            Due {
                on: last + Duration::days(days),
                reason,
            }
        }
    };
    let since_last = |d: Option<NaiveDate>| d.filter(|d| s.last_inspected_on.is_none_or(|last| *d > last));
    let events = [
        (
            since_last(s.last_verified_complaint_on),
            p.after_verified_complaint_days,
            DueReason::Complaint,
        ),
        (
            since_last(s.last_follow_up_request_on),
            p.after_follow_up_request_days,
            DueReason::FollowUp,
        ),
    ];
    for (at, days, reason) in events {
        if let Some(at) = at {
            let on = at + Duration::days(days);
            if on < due.on {
                due = Due { on, reason };
            }
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn standing() -> Standing {
        Standing {
            registered_on: d("2026-01-10"),
            last_inspected_on: Some(d("2026-03-01")),
            stars: Some(4),
            list: ListStatus::None,
            last_verified_complaint_on: None,
            last_follow_up_request_on: None,
        }
    }

    const P: ProgrammePolicy = ProgrammePolicy {
        black_list_days: 60,
        stars_days: [90, 180, 270, 365, 365],
        unrated_days: 30,
        after_verified_complaint_days: 14,
        after_follow_up_request_days: 10,
    };

    #[test]
    fn the_interval_follows_the_stars_and_the_black_list() {
        let s = standing();
        // ★4: 365 days after the last inspection.
        assert_eq!(
            next_due(&s, &P),
            Due {
                on: d("2027-03-01"),
                reason: DueReason::Stars(4)
            }
        );
        let three = Standing { stars: Some(3), ..s };
        assert_eq!(next_due(&three, &P).on, d("2026-11-26"));
        let black = Standing {
            list: ListStatus::Black,
            stars: Some(2),
            ..s
        };
        assert_eq!(
            next_due(&black, &P),
            Due {
                on: d("2026-04-30"),
                reason: DueReason::BlackList
            }
        );
        let unrated = Standing { stars: None, ..s };
        assert_eq!(next_due(&unrated, &P).reason, DueReason::Unrated);
        assert_eq!(next_due(&unrated, &P).on, d("2026-05-30"));
    }

    #[test]
    fn a_new_merchant_is_due_from_its_registration() {
        let s = Standing {
            last_inspected_on: None,
            stars: None,
            ..standing()
        };
        assert_eq!(
            next_due(&s, &P),
            Due {
                on: d("2026-02-09"),
                reason: DueReason::New
            }
        );
    }

    #[test]
    fn a_complaint_or_a_follow_up_request_since_the_last_inspection_brings_it_forward() {
        let s = Standing {
            last_verified_complaint_on: Some(d("2026-04-01")),
            ..standing()
        };
        assert_eq!(
            next_due(&s, &P),
            Due {
                on: d("2026-04-15"),
                reason: DueReason::Complaint
            }
        );
        let both = Standing {
            last_follow_up_request_on: Some(d("2026-04-02")),
            ..s
        };
        assert_eq!(
            next_due(&both, &P),
            Due {
                on: d("2026-04-12"),
                reason: DueReason::FollowUp
            }
        );
        // Before the last inspection: already seen to, no effect.
        let old = Standing {
            last_verified_complaint_on: Some(d("2026-02-01")),
            ..standing()
        };
        assert_eq!(next_due(&old, &P).reason, DueReason::Stars(4));
    }

    #[test]
    fn days_overdue_count_from_the_due_day() {
        let due = Due {
            on: d("2026-11-26"),
            reason: DueReason::Stars(4),
        };
        assert_eq!(due.days_overdue(d("2026-11-20")), 0);
        assert_eq!(due.days_overdue(d("2026-11-26")), 0);
        assert_eq!(due.days_overdue(d("2026-11-30")), 4);
    }

    fn arb_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..2000).prop_map(|n| d("2022-01-01") + Duration::days(n))
    }

    fn arb_standing() -> impl Strategy<Value = Standing> {
        (
            arb_date(),
            proptest::option::of(arb_date()),
            proptest::option::of(1u8..=5),
            prop_oneof![
                Just(ListStatus::None),
                Just(ListStatus::Red),
                Just(ListStatus::Black)
            ],
            proptest::option::of(arb_date()),
            proptest::option::of(arb_date()),
        )
            .prop_map(|(reg, last, stars, list, c, f)| Standing {
                registered_on: reg,
                last_inspected_on: last,
                stars,
                list,
                last_verified_complaint_on: c,
                last_follow_up_request_on: f,
            })
    }

    proptest! {
        /// The next inspection is after the last one, and never later than the standing's own
        /// interval allows.
        #[test]
        fn due_is_after_the_last_inspection_and_within_the_interval(s in arb_standing()) {
            let due = next_due(&s, &P);
            if let Some(last) = s.last_inspected_on {
                prop_assert!(due.on > last);
                prop_assert!(due.on <= last + Duration::days(365));
            } else {
                prop_assert!(due.on <= s.registered_on + Duration::days(P.unrated_days));
            }
        }

        /// More stars never bring the next inspection forward.
        #[test]
        fn more_stars_never_mean_an_earlier_inspection(s in arb_standing(), a in 1u8..=5, b in 1u8..=5) {
            let (lo, hi) = (a.min(b), a.max(b));
            let s = Standing { list: ListStatus::None, ..s };
            let low = next_due(&Standing { stars: Some(lo), ..s }, &P);
            let high = next_due(&Standing { stars: Some(hi), ..s }, &P);
            prop_assert!(high.on >= low.on);
        }

        /// A complaint or a follow-up request never puts the next inspection off.
        #[test]
        fn an_event_never_puts_the_inspection_off(s in arb_standing(), c in arb_date(), f in arb_date()) {
            let quiet = Standing { last_verified_complaint_on: None, last_follow_up_request_on: None, ..s };
            let base = next_due(&quiet, &P).on;
            let complained = Standing { last_verified_complaint_on: Some(c), ..quiet };
            let asked = Standing { last_follow_up_request_on: Some(f), ..quiet };
            prop_assert!(next_due(&complained, &P).on <= base);
            prop_assert!(next_due(&asked, &P).on <= base);
        }

        /// The black list is inspected at least as often as any star level.
        #[test]
        fn the_black_list_is_never_visited_less_often(s in arb_standing()) {
            let quiet = Standing { last_verified_complaint_on: None, last_follow_up_request_on: None, ..s };
            let black = next_due(&Standing { list: ListStatus::Black, ..quiet }, &P);
            let other = next_due(&Standing { list: ListStatus::None, ..quiet }, &P);
            prop_assert!(black.on <= other.on);
        }
    }
}
