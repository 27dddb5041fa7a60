//! What the public record derives from the facts, as pure rules: how a rectification notice
//! stands on a given day, and what a black-listed merchant must do to leave the list (from its
//! rating's list reasons and the policy). `crate::i18n::words` puts both into words.

use chrono::{Duration, NaiveDate};

use super::notice::NoticeState;
use super::policy::Policy;
use super::rating::{ListReason, ListStatus, Rating};

/// How a rectification notice stands, in the facts its sentence needs (put into words by
/// `crate::i18n::words::notice_outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeOutcome {
    /// Verified by its deadline.
    Verified { on: NaiveDate },
    /// Verified after its deadline.
    VerifiedLate { on: NaiveDate, deadline: NaiveDate },
    /// Not verified and past its deadline since `since` (the day after it); `answered` when an
    /// answer waits for the inspector.
    Overdue { since: NaiveDate, answered: bool },
    /// The merchant answered; the inspector has not checked yet.
    Answered { deadline: NaiveDate },
    /// Open, due by `deadline`.
    Open { deadline: NaiveDate },
}

impl NoticeOutcome {
    /// The outcome of a notice on `today`: overdue from the day after the deadline (as the rating
    /// engine counts it), even before the nightly job marks the state.
    pub fn of(
        state: NoticeState,
        deadline: NaiveDate,
        verified_on: Option<NaiveDate>,
        pending_answer: bool,
        today: NaiveDate,
    ) -> Self {
        match verified_on {
            Some(on) if on <= deadline => NoticeOutcome::Verified { on },
            Some(on) => NoticeOutcome::VerifiedLate { on, deadline },
            None if state == NoticeState::Overdue || deadline < today => NoticeOutcome::Overdue {
                since: deadline.succ_opt().unwrap_or(deadline),
                answered: pending_answer,
            },
            None if pending_answer || state == NoticeState::Answered => NoticeOutcome::Answered { deadline },
            None => NoticeOutcome::Open { deadline },
        }
    }

    /// Whether the notice is past its deadline and not verified.
    pub fn is_overdue(&self) -> bool {
        matches!(self, NoticeOutcome::Overdue { .. })
    }
}

/// One step on a black-listed merchant's way off the list, derived from its rating's list
/// reasons and the policy (put into words by `crate::i18n::words::way_out_step`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WayOutStep {
    /// Have every overdue notice rectified and verified.
    CloseOverdueNotices { count: usize },
    /// Pass a follow-up inspection dated after `after` with at least `score` points.
    PassFollowUp { after: NaiveDate, score: i32 },
    /// Not before `until`: the minimum stay of `days` days after the serious violation of `serious_on`.
    NotBefore {
        until: NaiveDate,
        days: i64,
        serious_on: NaiveDate,
    },
    /// Raise the score to at least `score_tenths` (the `stars` above the black list's).
    ReachScore { score_tenths: i32, stars: u8 },
    /// Without repair, the black-list triggers leave the rating window on `on` (the latest was on
    /// `trigger_on`).
    TriggersLeaveWindow {
        on: NaiveDate,
        trigger_on: NaiveDate,
        window_days: i64,
    },
}

/// What a black-listed merchant must do to leave the list, and from when; empty for a merchant
/// that is not on the black list.
pub fn way_out(r: &Rating, policy: &Policy, overdue_notices: usize) -> Vec<WayOutStep> {
    use ListReason as R;
    if r.list != ListStatus::Black {
        return Vec::new();
    }
    let mut steps = Vec::new();
    let mut latest_trigger: Option<NaiveDate> = None;
    let mut open_overdue = false;
    for reason in &r.list_reasons {
        match reason {
            R::SeriousViolation { date, .. } => latest_trigger = latest_trigger.max(Some(*date)),
            R::OverdueNotice {
                deadline,
                verified_on,
                ..
            } => {
                open_overdue |= verified_on.is_none();
                latest_trigger = latest_trigger.max(Some(*deadline));
            }
            _ => {}
        }
    }
    for reason in &r.list_reasons {
        match reason {
            R::RepairNeedsNoticesClosed => steps.push(WayOutStep::CloseOverdueNotices {
                count: overdue_notices.max(1),
            }),
            R::RepairNeedsFollowUp { after, pass_score } => steps.push(WayOutStep::PassFollowUp {
                after: *after,
                score: *pass_score,
            }),
            R::RepairMinimumStay { until } => {
                let days = policy.black.repair.min_stay_days;
                steps.push(WayOutStep::NotBefore {
                    until: *until,
                    days,
                    serious_on: *until - Duration::days(days),
                });
            }
            R::LowStars { .. } => {
                let stars = policy.black.max_stars.saturating_add(1).min(5);
                let score_tenths = (5usize)
                    .checked_sub(usize::from(stars))
                    .and_then(|i| policy.star_thresholds.get(i).copied())
                    .unwrap_or(0);
                steps.push(WayOutStep::ReachScore { score_tenths, stars });
            }
            _ => {}
        }
    }
    // An open overdue notice counts whatever its date; other triggers only inside the window.
    if let (false, Some(t)) = (open_overdue, latest_trigger) {
        steps.push(WayOutStep::TriggersLeaveWindow {
            on: t + Duration::days(policy.window_days),
            trigger_on: t,
            window_days: policy.window_days,
        });
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn a_notice_reads_its_outcome_from_dates_not_only_from_its_state() {
        use NoticeState::*;
        let dl = d(3, 12);
        assert_eq!(
            NoticeOutcome::of(Verified, dl, Some(d(3, 12)), false, d(4, 1)),
            NoticeOutcome::Verified { on: d(3, 12) }
        );
        assert_eq!(
            NoticeOutcome::of(Verified, dl, Some(d(3, 20)), false, d(4, 1)),
            NoticeOutcome::VerifiedLate {
                on: d(3, 20),
                deadline: dl
            }
        );
        // Past the deadline before the nightly job marked it: overdue from the day after.
        assert_eq!(
            NoticeOutcome::of(Read, dl, None, false, d(3, 13)),
            NoticeOutcome::Overdue {
                since: d(3, 13),
                answered: false
            }
        );
        assert_eq!(
            NoticeOutcome::of(Overdue, dl, None, true, d(3, 20)),
            NoticeOutcome::Overdue {
                since: d(3, 13),
                answered: true
            }
        );
        assert_eq!(
            NoticeOutcome::of(Answered, dl, None, true, d(3, 12)),
            NoticeOutcome::Answered { deadline: dl }
        );
        assert_eq!(
            NoticeOutcome::of(Emailed, dl, None, false, d(3, 1)),
            NoticeOutcome::Open { deadline: dl }
        );
    }

    fn black(reasons: Vec<ListReason>) -> Rating {
        Rating {
            merchant_id: 1,
            as_of: d(4, 1),
            policy_version: "t".into(),
            score_tenths: Some(500),
            stars: Some(1),
            list: ListStatus::Black,
            list_reasons: reasons,
            breakdown: Vec::new(),
        }
    }

    #[test]
    fn the_way_out_follows_the_list_reasons_and_the_policy() {
        let p = Policy::default_policy();
        let stay = p.black.repair.min_stay_days;
        let until = d(3, 1) + Duration::days(stay);
        let r = black(vec![
            ListReason::SeriousViolation {
                violation_id: 4,
                date: d(3, 1),
            },
            ListReason::OverdueNotice {
                notice_id: 7,
                deadline: d(3, 12),
                verified_on: None,
            },
            ListReason::RepairNeedsNoticesClosed,
            ListReason::RepairNeedsFollowUp {
                after: d(3, 12),
                pass_score: 60,
            },
            ListReason::RepairMinimumStay { until },
        ]);
        assert_eq!(
            way_out(&r, &p, 2),
            vec![
                WayOutStep::CloseOverdueNotices { count: 2 },
                WayOutStep::PassFollowUp {
                    after: d(3, 12),
                    score: 60
                },
                WayOutStep::NotBefore {
                    until,
                    days: stay,
                    serious_on: d(3, 1)
                },
            ],
            "an open overdue notice counts whatever its date: no window line"
        );
        // Verified late: the triggers leave the window one window after the latest.
        let r = black(vec![
            ListReason::SeriousViolation {
                violation_id: 4,
                date: d(1, 5),
            },
            ListReason::OverdueNotice {
                notice_id: 7,
                deadline: d(2, 1),
                verified_on: Some(d(2, 9)),
            },
            ListReason::RepairNeedsFollowUp {
                after: d(2, 1),
                pass_score: 60,
            },
        ]);
        assert_eq!(
            way_out(&r, &p, 0).last(),
            Some(&WayOutStep::TriggersLeaveWindow {
                on: d(2, 1) + Duration::days(p.window_days),
                trigger_on: d(2, 1),
                window_days: p.window_days,
            })
        );
        // Low stars: the score of the first star above the black list's.
        let r = black(vec![ListReason::LowStars { stars: 1 }]);
        let stars = p.black.max_stars + 1;
        assert_eq!(
            way_out(&r, &p, 0),
            vec![WayOutStep::ReachScore {
                score_tenths: p.star_thresholds[5 - usize::from(stars)],
                stars
            }]
        );
        assert_eq!(p.stars_for(p.star_thresholds[5 - usize::from(stars)]), stars);
        let mut red = black(Vec::new());
        red.list = ListStatus::Red;
        assert!(way_out(&red, &p, 0).is_empty());
    }
}
