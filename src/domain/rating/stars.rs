use super::*;

/// The alliance's star scheme, driven entirely by a [`Policy`].
#[derive(Debug, Clone, Copy)]
pub struct StarScheme<'a> {
    /// The policy in force.
    pub policy: &'a Policy,
}

/// Rate a merchant with the star scheme: shorthand for `StarScheme { policy }.rate(h, as_of)`.
pub fn rate(h: &MerchantHistory, policy: &Policy, as_of: NaiveDate) -> Rating {
    StarScheme { policy }.rate(h, as_of)
}

/// Arithmetic mean of whole-point scores, in tenths, rounded half up (all values non-negative).
pub(super) fn mean_tenths(sum_points: i64, n: i64) -> i32 {
    // tenths = sum * 10 / n, rounded half up = floor((sum * 20 + n) / (2n)).
    ((sum_points * 20 + n) / (2 * n)) as i32
}

/// The last date outside the window (exclusive lower bound): `as_of - window_days`.
pub fn window_start_exclusive(as_of: NaiveDate, window_days: i64) -> NaiveDate {
    as_of
        .checked_sub_days(Days::new(window_days.max(0) as u64))
        .unwrap_or(NaiveDate::MIN)
}

pub(super) fn add_days(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(NaiveDate::MAX)
}

impl Scheme for StarScheme<'_> {
    fn rate(&self, h: &MerchantHistory, as_of: NaiveDate) -> Rating {
        let p = self.policy;
        let lo = window_start_exclusive(as_of, p.window_days);
        let in_window = |d: NaiveDate| d > lo && d <= as_of;

        // Inspections: base score, and the latest passed follow-up (for repair).
        let mut insp_sum: i64 = 0;
        let mut insp_ids = Vec::with_capacity(h.inspections.len());
        let mut best_follow_up: Option<(NaiveDate, i64)> = None;
        for i in &h.inspections {
            if i.date > as_of {
                continue;
            }
            if in_window(i.date) {
                insp_sum += i64::from(i.score.clamp(0, 100));
                insp_ids.push(i.id);
            }
            if i.kind == InspectionKind::FollowUp
                && i.score >= p.black.repair.follow_up_pass_score
                && best_follow_up.is_none_or(|(d, _)| i.date > d)
            {
                best_follow_up = Some((i.date, i.id));
            }
        }

        // Violations in the window, by severity.
        let mut viol_ids: [Vec<i64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        let mut any_violation = false;
        let mut latest_serious: Option<NaiveDate> = None;
        let mut reasons: Vec<ListReason> = Vec::new();
        for v in &h.violations {
            if !in_window(v.date) {
                continue;
            }
            any_violation = true;
            viol_ids[v.severity as usize].push(v.id);
            if v.severity == Severity::Serious && p.black.on_serious_violation {
                latest_serious = latest_serious.max(Some(v.date));
                reasons.push(ListReason::SeriousViolation {
                    violation_id: v.id,
                    date: v.date,
                });
            }
        }

        // Notices: overdue now (points, blocks repair), open (red), late in window (black trigger).
        let mut overdue_ids = Vec::new();
        let mut open_notice = false;
        let mut latest_late_deadline: Option<NaiveDate> = None;
        for n in &h.notices {
            if n.issued_on > as_of {
                continue;
            }
            let verified = n.verified_on.filter(|v| *v <= as_of);
            let open = verified.is_none();
            open_notice |= open;
            let past_deadline = n.deadline < as_of;
            let overdue_now = open && past_deadline;
            if overdue_now {
                overdue_ids.push(n.id);
            }
            let late = past_deadline
                && verified.is_none_or(|v| v > n.deadline)
                && (overdue_now || in_window(n.deadline));
            if late && p.black.on_overdue_notice {
                latest_late_deadline = latest_late_deadline.max(Some(n.deadline));
                reasons.push(ListReason::OverdueNotice {
                    notice_id: n.id,
                    deadline: n.deadline,
                    verified_on: verified,
                });
            }
        }

        let any_overdue = !overdue_ids.is_empty();

        // Score (only when rated).
        let mut score_tenths = None;
        let mut stars = None;
        let mut breakdown = Vec::new();
        if !insp_ids.is_empty() {
            breakdown.reserve_exact(8);
            let base = mean_tenths(insp_sum, insp_ids.len() as i64);
            let mut total = base;
            breakdown.push(Term::new(TermKey::Inspections, base, insp_ids));
            for (sev, ids) in Severity::ALL.into_iter().zip(viol_ids) {
                if !ids.is_empty() {
                    let pts = -(ids.len() as i32).saturating_mul(p.violation_points(sev));
                    total = total.saturating_add(pts);
                    breakdown.push(Term::new(TermKey::for_severity(sev), pts, ids));
                }
            }
            let mut compl_ids = Vec::new();
            for c in &h.complaints {
                if in_window(c.verified_on) {
                    compl_ids.push(c.id);
                }
            }
            if !compl_ids.is_empty() {
                let pts = -(compl_ids.len() as i32)
                    .saturating_mul(p.complaints.each)
                    .min(p.complaints.cap);
                total = total.saturating_add(pts);
                breakdown.push(Term::new(TermKey::Complaints, pts, compl_ids));
            }
            if !overdue_ids.is_empty() {
                let pts = -(overdue_ids.len() as i32).saturating_mul(p.notices.overdue_each);
                total = total.saturating_add(pts);
                breakdown.push(Term::new(TermKey::OverdueNotices, pts, overdue_ids));
            }
            let mut hours: i64 = 0;
            let mut train_ids = Vec::new();
            for t in &h.trainings {
                if in_window(t.date) && t.hours_tenths > 0 {
                    hours += i64::from(t.hours_tenths);
                    train_ids.push(t.id);
                }
            }
            if !train_ids.is_empty() {
                // tenths of a point per hour x tenths of hours / 10 = tenths of a point, rounded down.
                let bonus =
                    (hours * i64::from(p.training.per_hour) / 10).min(i64::from(p.training.cap)) as i32;
                total = total.saturating_add(bonus);
                breakdown.push(Term::new(TermKey::Training, bonus, train_ids));
            }
            let clamped = total.clamp(0, 1000);
            if clamped != total {
                breakdown.push(Term::new(TermKey::Clamp, clamped - total, Vec::new()));
            }
            score_tenths = Some(clamped);
            stars = Some(p.stars_for(clamped));
        }

        // Black list: triggers are in `reasons`; now credit repair, then the ★ trigger.
        let low_stars = p.black.max_stars > 0 && stars.is_some_and(|s| s <= p.black.max_stars);
        let repairable_trigger = latest_serious.is_some() || latest_late_deadline.is_some();
        let mut repaired = false;
        if repairable_trigger {
            let trigger_date = latest_serious.max(latest_late_deadline);
            let follow_up_ok = !p.black.repair.require_follow_up
                || matches!((best_follow_up, trigger_date), (Some((d, _)), Some(t)) if d > t);
            let stay_until = latest_serious.map(|s| add_days(s, p.black.repair.min_stay_days));
            let stay_ok = stay_until.is_none_or(|u| as_of >= u);
            repaired = !any_overdue && follow_up_ok && stay_ok;
            if repaired {
                reasons.clear();
                let fu = best_follow_up.filter(|_| p.black.repair.require_follow_up);
                reasons.push(ListReason::CreditRepaired {
                    follow_up_id: fu.map(|(_, id)| id),
                    follow_up_date: fu.map(|(d, _)| d),
                });
            } else {
                if any_overdue {
                    reasons.push(ListReason::RepairNeedsNoticesClosed);
                }
                if let (false, Some(after)) = (follow_up_ok, trigger_date) {
                    reasons.push(ListReason::RepairNeedsFollowUp {
                        after,
                        pass_score: p.black.repair.follow_up_pass_score,
                    });
                }
                if let (false, Some(until)) = (stay_ok, stay_until) {
                    reasons.push(ListReason::RepairMinimumStay { until });
                }
            }
        }
        let black = low_stars || (repairable_trigger && !repaired);

        let list = if black {
            if low_stars {
                if repaired {
                    // Repaired triggers are history; only the stars keep the merchant here.
                    reasons.clear();
                }
                reasons.insert(
                    0,
                    ListReason::LowStars {
                        stars: stars.unwrap_or(0),
                    },
                );
            }
            ListStatus::Black
        } else {
            let red = stars.is_some_and(|s| s >= p.red.min_stars)
                && !(p.red.require_no_violation && any_violation)
                && !(p.red.require_no_open_notice && open_notice)
                && (h.alliance_member || !p.red.require_alliance_member);
            if red {
                reasons.push(ListReason::RedAllCriteria {
                    stars: stars.unwrap_or(0),
                });
                ListStatus::Red
            } else {
                ListStatus::None
            }
        };

        Rating {
            merchant_id: h.merchant_id,
            as_of,
            policy_version: p.version.clone(),
            score_tenths,
            stars,
            list,
            list_reasons: reasons,
            breakdown,
        }
    }
}
