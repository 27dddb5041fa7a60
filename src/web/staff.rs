//! The logged-in user's start page: what each role can do, one link each.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::guard::CurrentUser;
use super::{AppError, AppState, PageCtx};

/// Messages of the staff area.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav.staff", "工作台", "Workspace"),
    ("staff.title", "工作台", "Workspace"),
    ("staff.role", "角色", "Role"),
    ("staff.editions", "红黑榜发布", "Publish list editions"),
    ("staff.merchants", "商家管理", "Merchants"),
    ("staff.inspections", "检查记录", "Inspections"),
    ("staff.trainings", "培训", "Trainings"),
    ("staff.rewards", "奖励台账", "Rewards ledger"),
    ("staff.users", "用户管理", "Users"),
    ("staff.audit", "审计日志", "Audit log"),
    ("staff.portal", "我的店铺", "My shop"),
];

/// A link on the start page.
pub struct Link {
    pub href: &'static str,
    pub key: &'static str,
}

/// Every staff page and the roles that may open it; the start page shows the user's.
pub const LINKS: &[(&str, &str, &[&str])] = &[
    ("/staff/merchants", "staff.merchants", super::guard::STAFF),
    ("/staff/inspections", "staff.inspections", super::guard::STAFF),
    ("/staff/trainings", "staff.trainings", super::guard::COMMITTEE),
    ("/staff/rewards", "staff.rewards", super::guard::COMMITTEE),
    ("/editions", "staff.editions", super::guard::COMMITTEE),
    ("/staff/users", "staff.users", super::guard::ADMIN),
    ("/staff/audit", "staff.audit", super::guard::ADMIN),
    ("/merchants/mine", "staff.portal", &["merchant"]),
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
    _state: web::Data<AppState>,
    page: PageCtx,
    user: CurrentUser,
) -> Result<Dashboard, AppError> {
    let links = LINKS
        .iter()
        .filter(|(_, _, roles)| roles.contains(&user.role.as_str()))
        .map(|(href, key, _)| Link { href, key })
        .collect();
    let role = page.lang.t(&format!("role.{}", user.role)).to_string();
    Ok(Dashboard { page, role, links })
}
