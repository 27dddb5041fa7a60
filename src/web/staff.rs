//! The logged-in user's start page: what each role can do, one link each.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::guard::{Admin, Committee, CurrentUser, RoleSet, Staff};
use super::{with_db, AppError, AppState, PageCtx};
use crate::domain::words::Role;

/// Messages of the staff area.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav.staff", "工作台", "Workspace"),
    ("staff.title", "工作台", "Workspace"),
    ("staff.role", "角色", "Role"),
    ("staff.editions", "红黑榜发布", "Publish list editions"),
    ("staff.merchants", "商家管理", "Merchants"),
    ("staff.inspections", "检查记录", "Inspections"),
    ("staff.trainings", "培训", "Trainings"),
    ("staff.complaints", "投诉处理", "Complaints"),
    ("staff.own_record", "本店公示记录", "My shop's public record"),
    ("staff.rewards", "奖励台账", "Rewards ledger"),
    ("staff.users", "用户管理", "Users"),
    ("staff.audit", "审计日志", "Audit log"),
    ("staff.stats", "本年度统计", "This year so far"),
];

/// A link on the start page.
pub struct Link {
    pub href: String,
    pub key: &'static str,
}

/// Every staff page and the roles that may open it; the start page shows the user's.
pub const LINKS: &[(&str, &str, &[Role])] = &[
    ("/staff/merchants", "staff.merchants", Staff::ROLES),
    ("/staff/inspections", "staff.inspections", Staff::ROLES),
    ("/staff/notices", "staff.notices", Staff::ROLES),
    ("/my", "portal.title", &[Role::Merchant]),
    ("/staff/complaints", "staff.complaints", Staff::ROLES),
    ("/staff/stats", "staff.stats", Staff::ROLES),
    ("/staff/trainings", "staff.trainings", Committee::ROLES),
    ("/staff/rewards", "staff.rewards", Committee::ROLES),
    ("/staff/commendations", "commend.staff_title", Committee::ROLES),
    ("/editions", "staff.editions", Committee::ROLES),
    ("/staff/users", "staff.users", Admin::ROLES),
    ("/staff/audit", "staff.audit", Admin::ROLES),
    ("/staff/outbox", "staff.outbox", Admin::ROLES),
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
        .filter(|(_, _, roles)| roles.contains(&user.role))
        .map(|(href, key, _)| Link {
            href: href.to_string(),
            key,
        })
        .collect();
    if let Some(mid) = own {
        links.push(Link {
            href: format!("/merchants/{mid}"),
            key: "staff.own_record",
        });
    }
    let role = page.lang.t(&format!("role.{}", user.role)).to_string();
    Ok(Dashboard { page, role, links })
}
