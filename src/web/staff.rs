//! The logged-in user's start page: what each role can do, one link each.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::guard::CurrentUser;
use super::{with_db, AppError, AppState, PageCtx};

/// A link on the start page.
pub struct Link {
    pub href: String,
    pub key: &'static str,
}

/// Every staff page and the roles that may open it; the start page shows the user's.
pub const LINKS: &[(&str, &str, &[&str])] = &[
    ("/staff/merchants", "staff-merchants", super::guard::STAFF),
    ("/staff/inspections", "staff-inspections", super::guard::STAFF),
    ("/staff/notices", "staff-notices", super::guard::STAFF),
    ("/my", "portal-title", &["merchant"]),
    ("/staff/complaints", "staff-complaints", super::guard::STAFF),
    ("/staff/stats", "staff-stats", super::guard::STAFF),
    ("/staff/trainings", "staff-trainings", super::guard::COMMITTEE),
    ("/staff/rewards", "staff-rewards", super::guard::COMMITTEE),
    (
        "/staff/commendations",
        "commend-staff-title",
        super::guard::COMMITTEE,
    ),
    ("/editions", "staff-editions", super::guard::COMMITTEE),
    ("/staff/users", "staff-users", super::guard::ADMIN),
    ("/staff/audit", "staff-audit", super::guard::ADMIN),
    ("/staff/outbox", "staff-outbox", super::guard::ADMIN),
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
    let own = with_db(&state, move |c| {
        Ok(crate::db::models::user::User::find(c, uid)?.and_then(|u| u.merchant_id))
    })
    .await?;
    let mut links: Vec<Link> = LINKS
        .iter()
        .filter(|(_, _, roles)| roles.contains(&user.role.as_str()))
        .map(|(href, key, _)| Link {
            href: href.to_string(),
            key,
        })
        .collect();
    if let Some(mid) = own {
        links.push(Link {
            href: format!("/merchants/{mid}"),
            key: "staff-own-record",
        });
    }
    let role = page.lang.t(&format!("role-{}", user.role)).to_string();
    Ok(Dashboard { page, role, links })
}
