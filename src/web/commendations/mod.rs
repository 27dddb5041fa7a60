//! The annual commendation (年度表彰) on the web: the public honour rolls, the committee's page
//! (candidates with each criterion, adjustments, the decision), the merchant's certificate, and
//! the public JSON. The words for the rule's codes live here (`criterion_lines`,
//! `revocation_text`); the service and the domain speak in codes.

use actix_web::web;

use super::AppError;
use crate::services::commendations::CommendationError;

mod certificate;
mod public;
mod staff;
mod words;

pub use certificate::*;
pub use public::*;
pub use staff::*;
pub use words::*;

/// Messages of the commendation pages.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav.commendations", "年度表彰", "Commendations"),
    ("commend.title", "年度表彰", "Annual commendation"),
    ("commend.intro", "联盟每年对全年表现全面良好的商家给予表彰，表彰在次年一年内于店面显著位置标注。表彰由联盟委员会依据公开的评比规则作出决定；表彰期间发生严重违规或被列入黑榜的，表彰撤销并公示。", "Every year the alliance commends the merchants whose record was good all round; the commendation is shown prominently in the shop during the following year. The alliance committee decides on the published rule below; a serious violation or a black-list entry during that year revokes it, publicly."),
    ("commend.rule", "评比规则", "The rule"),
    ("commend.years", "历年表彰", "Years decided"),
    ("commend.none", "尚未作出任何表彰决定。", "No commendation has been decided yet."),
    ("commend.roll", "光荣榜", "Honour roll"),
    ("commend.decided_on", "决定日期", "Decided on"),
    ("commend.number", "文号", "Decision"),
    ("commend.commended", "受表彰商家", "Commended merchants"),
    ("commend.revoked", "已撤销", "Revoked"),
    ("commend.revoked_on", "撤销日期", "Revoked on"),
    ("commend.in_force", "展示至", "Displayed until"),
    ("commend.past", "展示期已结束", "Display year over"),
    ("commend.not_decided", "该年度尚未作出表彰决定。", "The commendation of this year has not been decided."),
    ("commend.filter_area", "片区", "Area"),
    ("commend.filter_category", "类别", "Category"),
    ("commend.filter_all", "全部", "All"),
    ("commend.filter", "筛选", "Filter"),
    ("commend.no_match", "没有符合条件的受表彰商家。", "No commended merchant matches."),
    ("commend.reward", "奖励", "Reward"),
    ("commend.committee_reason", "委员会增补理由", "Added by the committee"),
    ("commend.badges", "所获表彰", "Commendations"),
    ("commend.staff_title", "年度表彰评审", "Commendation review"),
    ("commend.candidates", "拟表彰名单", "Candidates"),
    ("commend.no_candidates", "按规则没有拟表彰商家。", "The rule proposes nobody."),
    ("commend.as_of", "按此日期的记录评审", "Judged on the records as of"),
    ("commend.proposed", "规则建议", "Rule proposes"),
    ("commend.final", "最终", "Outcome"),
    ("commend.excluded", "已排除", "Excluded"),
    ("commend.none_level", "不予表彰", "Not commended"),
    ("commend.criteria", "各项条件", "Criteria"),
    ("commend.exclude", "排除", "Exclude"),
    ("commend.include", "增补商家", "Add a merchant"),
    ("commend.withdraw", "撤回调整", "Withdraw the change"),
    ("commend.reason", "理由（必填）", "Reason (required)"),
    ("commend.merchant_id", "商家编号", "Merchant ID"),
    ("commend.level", "表彰等级", "Level"),
    ("commend.decide", "作出表彰决定", "Decide"),
    ("commend.decide_help", "决定作出后不可更改：将同时写入表彰、奖励台账、审计记录，并向受表彰商家发送邮件。", "A decision cannot be changed: it writes the commendations, the rewards, the audit entries and an email to each commended merchant, all at once."),
    ("commend.decide_not_yet", "年度结束后方可作出决定；当前为年度至今的预览。", "The year can be decided once it is over; this is a preview of the year so far."),
    ("commend.note", "说明（可选）", "Note (optional)"),
    ("commend.decided", "已作出决定", "Decided"),
    ("commend.view_roll", "查看光荣榜", "See the honour roll"),
    ("commend.passed", "符合", "met"),
    ("commend.failed", "不符合", "not met"),
    ("commend.certificate", "荣誉证书", "Certificate of commendation"),
    ("commend.certificate_body", "被评为", "is commended as"),
    ("commend.certificate_by", "商家自治联盟委员会", "The alliance committee"),
    ("commend.certificate_print", "打印证书", "Print the certificate"),
    ("commend.certificate_scan", "扫码验证", "Scan to verify"),
    ("commend.portal", "我的表彰", "My commendations"),
    ("commend.plaque", "带表彰标识的门店标牌", "Storefront plaque with the commendation"),
];

/// `year` from a path, or 404 for anything that is not a plausible year.
fn parse_year(raw: &str) -> Result<i32, AppError> {
    match raw.trim().parse::<i32>() {
        Ok(y) if (2000..=9999).contains(&y) => Ok(y),
        _ => Err(AppError::NotFound),
    }
}

fn to_app(e: CommendationError) -> AppError {
    match e {
        CommendationError::NoMerchant(_) => AppError::NotFound,
        CommendationError::BadYear => AppError::NotFound,
        CommendationError::Other(e) => AppError::Internal(e),
        other => {
            let (zh, en) = other.messages();
            AppError::invalid("commendation", &zh, &en)
        }
    }
}

/// The commendation pages' routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/commendations").route(web::get().to(index)))
        .service(web::resource("/commendations/{year}").route(web::get().to(year_page)))
        .service(web::resource("/api/v1/public/commendations/{year}").route(web::get().to(api_year)))
        .service(web::resource("/staff/commendations").route(web::get().to(staff_index)))
        .service(web::resource("/staff/commendations/{year}").route(web::get().to(staff_year)))
        .service(web::resource("/staff/commendations/{year}/adjust").route(web::post().to(staff_adjust)))
        .service(
            web::resource("/staff/commendations/{year}/adjust/{merchant}/withdraw")
                .route(web::post().to(staff_withdraw)),
        )
        .service(web::resource("/staff/commendations/{year}/decide").route(web::post().to(staff_decide)))
        .service(web::resource("/my/commendations/{year}").route(web::get().to(certificate)));
}
