//! The work queue (待办): what waits for a staff user, counted once for the start page
//! (`/staff`) and the JSON API (`/api/v1/staff/queue`) so that both say the same.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{complaints, notices};
use crate::db::DbConn;
use crate::domain::notice::NoticeState;
use crate::domain::words::Role;

/// What waits for one user. Rows a role does not handle are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Queue {
    /// Notices the merchant answered, awaiting an inspector's decision.
    pub answers_to_verify: i64,
    /// Open notices past their deadline.
    pub overdue_notices: i64,
    /// Complaints not yet triaged.
    pub complaints_to_triage: i64,
    /// Open merchants whose programme inspection is overdue (the town's total).
    pub inspections_overdue: i64,
    /// Open merchants due for inspection within the next 14 days.
    pub inspections_due_soon: i64,
    /// Merchants assigned to this user in open star-rating campaigns.
    pub campaign_assignments: i64,
    /// Membership applications and leave requests waiting (committee and admin only).
    pub membership_waiting: Option<i64>,
}

impl Queue {
    /// Everything counted, for "nothing waits" messages.
    pub fn total(&self) -> i64 {
        self.answers_to_verify
            + self.overdue_notices
            + self.complaints_to_triage
            + self.inspections_overdue
            + self.inspections_due_soon
            + self.campaign_assignments
            + self.membership_waiting.unwrap_or(0)
    }
}

/// The queue of user `user_id` with `role` on `today`. Merchants have none (all zero).
pub fn of(c: &mut DbConn, role: Role, user_id: i32, today: NaiveDate) -> QueryResult<Queue> {
    if role == Role::Merchant {
        return Ok(Queue::default());
    }
    let answers_to_verify = notices::table
        .filter(notices::state.eq(NoticeState::Answered))
        .count()
        .get_result(c)?;
    let open = [
        NoticeState::Issued,
        NoticeState::Emailed,
        NoticeState::Read,
        NoticeState::Answered,
    ];
    let overdue_notices = notices::table
        .filter(
            notices::state
                .eq(NoticeState::Overdue)
                .or(notices::state.eq_any(open).and(notices::deadline.lt(today))),
        )
        .count()
        .get_result(c)?;
    let complaints_to_triage = complaints::table
        .filter(complaints::status.eq("new"))
        .count()
        .get_result(c)?;
    let (inspections_overdue, inspections_due_soon) = crate::services::programme::counts(c, today)?;
    let membership_waiting = if matches!(role, Role::Committee | Role::Admin) {
        Some(crate::services::membership::waiting(c)?)
    } else {
        None
    };
    Ok(Queue {
        answers_to_verify,
        overdue_notices,
        complaints_to_triage,
        inspections_overdue,
        inspections_due_soon,
        campaign_assignments: crate::services::campaigns::open_assignments(c, user_id)?,
        membership_waiting,
    })
}
