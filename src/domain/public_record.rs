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
            None if pending_answer || state == NoticeState::Answered => {
                NoticeOutcome::Answered { deadline }
            }
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
    NotBefore { until: NaiveDate, days: i64, serious_on: NaiveDate },
    /// Raise the score to at least `score_tenths` (the `stars` above the black list's).
    ReachScore { score_tenths: i32, stars: u8 },
    /// Without repair, the black-list triggers leave the rating window on `on` (the latest was on
    /// `trigger_on`).
    TriggersLeaveWindow { on: NaiveDate, trigger_on: NaiveDate, window_days: i64 },
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
                steps.push(WayOutStep::ReachScore {
                    score_tenths,
                    stars,
                });
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
