//! The reader's language for a request. The languages and the catalogues themselves live in
//! [`crate::i18n`] (shared with the mail layer and the exports); this module picks one per request.
//!
//! The language comes from `?lang=` (which the middleware in `web::mod` also stores in a cookie),
//! then the `lang` cookie, then `Accept-Language`; the default is zh-CN.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};

pub use crate::i18n::{Arg, Lang};

impl Lang {
    /// Chooses from the request: query, then cookie, then Accept-Language.
    pub fn from_request_parts(req: &HttpRequest) -> Lang {
        if let Some(l) = query_lang(req.query_string()) {
            return l;
        }
        if let Some(l) = req.cookie("lang").and_then(|c| Lang::from_tag(c.value())) {
            return l;
        }
        if let Some(h) = req.headers().get("accept-language").and_then(|v| v.to_str().ok()) {
            // The first listed language we speak wins; q-values are rarely out of order.
            for part in h.split(',') {
                let tag = part.split(';').next().unwrap_or("");
                if let Some(l) = Lang::from_tag(tag) {
                    return l;
                }
            }
        }
        Lang::Zh
    }
}

/// The `lang` parameter of a query string, if it names a language we speak.
pub fn query_lang(query: &str) -> Option<Lang> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::from_tag(&v))
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Lang, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang::from_request_parts(req)))
    }
}

/// (key, zh-CN, en): the site-wide messages.
pub const CATALOG: &[(&str, &str, &str)] = &[
    ("site.name", "共治 · 商家自治联盟", "gongzhi · Merchant Alliance"),
    ("site.tagline", "培训 · 评比 · 整改", "Training · Rating · Rectification"),
    ("nav.home", "首页", "Home"),
    ("nav.red", "红榜", "Red list"),
    ("nav.black", "黑榜", "Black list"),
    ("nav.login", "登录", "Log in"),
    ("nav.logout", "退出", "Log out"),
    ("nav.switch", "English", "中文"),
    ("home.intro", "本平台公开联盟成员商家的星级评定、红黑榜和整改情况。消费者无需登录即可查看。", "This platform publishes the star ratings, the red and black lists and the rectification records of the alliance's merchants. Consumers need no account to read them."),
    ("home.red_desc", "五星、评定期内无违法违规、无未关闭整改的联盟成员商家。", "Five-star alliance members with no violation and no open notice in the rating window."),
    ("home.black_desc", "有严重违法、逾期未整改或评定为一星的商家。", "Merchants with a serious violation, an overdue rectification notice, or one star."),
    ("home.merchants", "商家总数", "Merchants"),
    ("home.staff", "检查员、联盟委员会和商家请登录。", "Inspectors, the committee and merchants: log in."),
    ("list.red.title", "红榜", "Red list"),
    ("list.black.title", "黑榜", "Black list"),
    ("list.live", "尚未发布正式期次，以下为实时评定", "No edition published yet: live ratings"),
    ("list.empty", "暂无商家", "No merchants"),
    ("list.all", "全部", "All"),
    ("list.filter", "筛选", "Filter"),
    ("list.count", "家商家", "merchants"),
    ("list.page", "页", "Page"),
    ("col.reason", "原因", "Reason"),
    ("col.since", "上榜日期", "Since"),
    ("col.name", "商家", "Merchant"),
    ("col.category", "类别", "Category"),
    ("col.area", "片区", "Area"),
    ("col.stars", "星级", "Stars"),
    ("col.score", "得分", "Score"),
    ("stars.unrated", "待评", "Not yet rated"),
    ("login.title", "登录", "Log in"),
    ("login.username", "用户名", "User name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    ("login.failed", "用户名或密码错误。", "Wrong user name or password."),
    ("login.required", "请填写用户名和密码。", "Enter your user name and password."),
    ("login.welcome", "已登录", "Logged in as"),
    ("role.admin", "管理员", "Administrator"),
    ("role.committee", "联盟委员会", "Alliance committee"),
    ("role.inspector", "检查员", "Inspector"),
    ("role.merchant", "商家", "Merchant"),
    ("error.title", "出错了", "Something went wrong"),
    ("nav.editions", "往期红黑榜", "Editions"),
    ("editions.title", "红黑榜往期", "Published editions"),
    ("editions.intro", "联盟委员会定期发布红黑榜，每期发布后不再修改。", "The alliance committee publishes the red and black lists as numbered editions; a published edition is never changed."),
    ("editions.number_prefix", "第", "No. "),
    ("editions.number_suffix", "期", ""),
    ("editions.none", "尚未发布", "Nothing published yet"),
    ("editions.publish", "发布新一期红黑榜", "Publish the next edition"),
    ("editions.publish_help", "发布前将按今日重新计算所有商家的评定，发布后不可修改。", "Every rating is recomputed as of today first; a published edition cannot be changed."),
    ("editions.note", "说明（可选）", "Note (optional)"),
    ("editions.list_title", "红黑榜", "Red and black lists"),
    ("editions.published_on", "发布日期", "Published"),
    ("record.plaque", "店面标牌", "Storefront plaque"),
    ("record.complain", "投诉/举报", "File a complaint"),
    ("home.search", "查找商家（名称、信用代码或地址）", "Find a merchant (name, credit code or address)"),
    ("home.search_button", "搜索", "Search"),
    ("record.member_since", "联盟成员，入盟于", "Alliance member since"),
    ("record.member_from", "曾为联盟成员：", "Alliance member from"),
    ("record.member_to", "至", "to"),
    ("record.points", "分", "points"),
    ("record.since", "自", "Since"),
    ("record.why", "为什么是这个星级", "Why these stars"),
    ("record.unrated", "评定期内没有检查记录，暂不评定星级（待评）。", "No inspection in the rating window, so no stars yet (not yet rated)."),
    ("record.term", "评分项", "Term"),
    ("record.term_points", "分值", "Points"),
    ("record.term_records", "相关记录数", "Records"),
    ("record.total", "合计", "Total"),
    ("record.policy", "评级规则版本", "Rating policy"),
    ("record.as_of", "评定日期", "as of"),
    ("record.history", "评分历史", "Rating history"),
    ("record.inspections", "近期检查", "Recent inspections"),
    ("record.date", "日期", "Date"),
    ("record.kind", "类型", "Kind"),
    ("record.violations", "违法违规记录", "Violations"),
    ("record.replies", "商家回应", "The merchant's reply"),
    ("footer.open", "开放数据 · 开源软件", "Open data · open-source software"),
];
