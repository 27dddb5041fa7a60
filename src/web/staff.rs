//! The logged-in user's start page: what each role can do, one link each.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::guard::{Admin, Committee, CurrentUser, RoleSet, Staff};
use super::{with_db, AppError, AppState, PageCtx};
use crate::domain::words::Role;

/// A link on the start page.
pub struct Link {
    pub href: String,
    pub key: &'static str,
    /// How many things wait there for the user (shown beside the link when more than none).
    pub waiting: i64,
}

/// Every staff page and the roles that may open it; the start page shows the user's.
pub const LINKS: &[(&str, &str, &[Role])] = &[
    ("/staff/merchants", "staff-merchants", Staff::ROLES),
    ("/staff/inspections", "staff-inspections", Staff::ROLES),
    ("/staff/notices", "staff-notices", Staff::ROLES),
    ("/my", "portal-title", &[Role::Merchant]),
    ("/staff/complaints", "staff-complaints", Staff::ROLES),
    ("/staff/programme", "queue-programme-title", Staff::ROLES),
    ("/staff/stats", "staff-stats", Staff::ROLES),
    ("/staff/trainings", "staff-trainings", Committee::ROLES),
    ("/staff/bulletins", "staff-bulletins", Committee::ROLES),
    ("/staff/rewards", "staff-rewards", Committee::ROLES),
    ("/staff/commendations", "commend-staff-title", Committee::ROLES),
    ("/staff/members", "join-staff-members", Committee::ROLES),
    ("/staff/charter", "charter-staff-title", Committee::ROLES),
    ("/editions", "staff-editions", Committee::ROLES),
    ("/staff/campaigns", "campaigns-title", Staff::ROLES),
    ("/staff/users", "staff-users", Admin::ROLES),
    ("/staff/audit", "staff-audit", Admin::ROLES),
    ("/staff/outbox", "staff-outbox", Admin::ROLES),
];

#[derive(Template, WebTemplate)]
#[template(path = "staff/dashboard.html")]
pub struct Dashboard {
    page: PageCtx,
    role: String,
    links: Vec<Link>,
    /// What waits for this user (rows with a count above zero).
    queue: Vec<QueueItem>,
}

/// One row of the work queue on the start page.
pub struct QueueItem {
    pub href: &'static str,
    pub text: String,
    pub count: i64,
}

/// The work queue's rows with something in them, in the reader's words.
pub fn queue_items(lang: crate::i18n::Lang, q: &crate::services::queue::Queue) -> Vec<QueueItem> {
    let rows: [(&'static str, &str, i64); 7] = [
        ("/staff/notices", "queue-answers-to-verify", q.answers_to_verify),
        ("/staff/notices", "queue-overdue-notices", q.overdue_notices),
        (
            "/staff/complaints",
            "queue-complaints-to-triage",
            q.complaints_to_triage,
        ),
        (
            "/staff/programme",
            "queue-inspections-overdue",
            q.inspections_overdue,
        ),
        (
            "/staff/programme",
            "queue-inspections-due-soon",
            q.inspections_due_soon,
        ),
        (
            "/staff/campaigns",
            "queue-campaign-assignments",
            q.campaign_assignments,
        ),
        (
            "/staff/members",
            "queue-membership-waiting",
            q.membership_waiting.unwrap_or(0),
        ),
    ];
    rows.into_iter()
        .filter(|(_, _, n)| *n > 0)
        .map(|(href, id, count)| QueueItem {
            href,
            text: lang.tr(id, &[("count", count.into())]),
            count,
        })
        .collect()
}

/// GET /staff
pub async fn dashboard(
    state: web::Data<AppState>,
    page: PageCtx,
    user: CurrentUser,
) -> Result<Dashboard, AppError> {
    // A merchant user's own public record, with its rating explained.
    let uid = user.id;
    let committee = Committee::ROLES.contains(&user.role);
    let (role_now, today) = (user.role, state.config.today());
    let (own, members_waiting, queue) = with_db(&state, move |c| {
        let own = crate::db::models::user::User::find(c, uid)?.and_then(|u| u.merchant_id);
        let queue = crate::services::queue::of(c, role_now, uid, today)?;
        // The membership queue: applications and requests to leave.
        let waiting = if committee {
            crate::services::membership::waiting(c)?
        } else {
            0
        };
        Ok((own, waiting, queue))
    })
    .await?;
    let mut links: Vec<Link> = LINKS
        .iter()
        .filter(|(_, _, roles)| roles.contains(&user.role))
        .map(|(href, key, _)| Link {
            href: href.to_string(),
            key,
            waiting: if *href == "/staff/members" {
                members_waiting
            } else {
                0
            },
        })
        .collect();
    if let Some(mid) = own {
        links.push(Link {
            href: format!("/merchants/{mid}"),
            key: "staff-own-record",
            waiting: 0,
        });
    }
    let role = page.lang.t(&format!("role-{}", user.role)).to_string();
    let queue = queue_items(page.lang, &queue);
    Ok(Dashboard {
        page,
        role,
        links,
        queue,
    })
}
