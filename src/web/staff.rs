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
    let (own, members_waiting) = with_db(&state, move |c| {
        let own = crate::db::models::user::User::find(c, uid)?.and_then(|u| u.merchant_id);
        // The membership queue: applications and requests to leave.
        let waiting = if committee {
            crate::services::membership::waiting(c)?
        } else {
            0
        };
        Ok((own, waiting))
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
    Ok(Dashboard { page, role, links })
}
