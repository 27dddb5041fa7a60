//! The annual commendation (年度表彰) on the web: the public honour rolls, the committee's page
//! (candidates with each criterion, adjustments, the decision), the merchant's certificate, and
//! the public JSON. The words for the rule's codes live here (`criterion_lines`,
//! `revocation_text`); the service and the domain speak in codes.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::auth::check_csrf;
use super::guard::{CurrentUser, COMMITTEE};
use super::{html, parse_id, see_other, with_db, ApiError, AppError, AppState, Lang, PageCtx};
use crate::domain::commendation::{display_until, Criterion, Detail, Revocation, RevokeReason};
use crate::domain::policy::{CommendationLevel, StarsAt};
use crate::services::commendations::{
    self as svc, AdjustAction, Commendation, CommendationError, Decision, Proposal, YearSummary,
};
use crate::services::plaque::{self, PlaqueFacts};

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

fn stars_word(stars: Option<u8>, lang: Lang) -> String {
    match stars {
        Some(s) => format!("{}{}", s, lang.pick("星", "★")),
        None => lang.t("stars.unrated").to_string(),
    }
}

fn hours(tenths: i32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn dates(list: &[(i64, NaiveDate)], lang: Lang) -> String {
    if list.is_empty() {
        return lang.pick("无", "none").to_string();
    }
    list.iter()
        .map(|(_, d)| d.to_string())
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// A revocation in words.
pub fn revocation_text(r: &Revocation, lang: Lang) -> String {
    let what = match r.reason {
        RevokeReason::SeriousViolation { .. } => lang.pick("发现严重违规", "a serious violation was found"),
        RevokeReason::BlackList { .. } => lang.pick("被列入黑榜", "the merchant entered the black list"),
    };
    format!("{}{}{}", r.on, lang.pick("：", ": "), what)
}

/// A criterion as (what it asks, what was found).
pub fn criterion_lines(c: &Criterion, lang: Lang) -> (String, String) {
    match &c.detail {
        Detail::Stars { min, at, seen } => {
            let ask = match (at, lang) {
                (StarsAt::Editions, Lang::Zh) => format!("每期红黑榜发布时星级不低于{min}星"),
                (StarsAt::Editions, Lang::En) => format!("At least {min} stars at every edition"),
                (StarsAt::YearEnd, Lang::Zh) => format!("年末星级不低于{min}星"),
                (StarsAt::YearEnd, Lang::En) => format!("At least {min} stars at year end"),
            };
            let found = seen
                .iter()
                .map(|s| match (s.edition, lang) {
                    (Some(n), Lang::Zh) => format!("第{n}期 {}", stars_word(s.stars, lang)),
                    (Some(n), Lang::En) => format!("No. {n}: {}", stars_word(s.stars, lang)),
                    (None, Lang::Zh) => format!("{} {}", s.date, stars_word(s.stars, lang)),
                    (None, Lang::En) => format!("{}: {}", s.date, stars_word(s.stars, lang)),
                })
                .collect::<Vec<_>>()
                .join(lang.pick("，", "; "));
            (ask, found)
        }
        Detail::RedEditions { min, published, on_red } => {
            let nums = on_red.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
            match lang {
                Lang::Zh => (
                    format!("上红榜不少于{min}期"),
                    format!("全年{published}期中上红榜{}期{}", on_red.len(), if nums.is_empty() { String::new() } else { format!("（第{nums}期）") }),
                ),
                Lang::En => (
                    format!("On the red list in at least {min} editions"),
                    format!("{} of the year's {published} editions{}", on_red.len(), if nums.is_empty() { String::new() } else { format!(" (No. {nums})") }),
                ),
            }
        }
        Detail::NoSeriousViolation { found } => (
            lang.pick("全年无严重违规", "No serious violation in the year").to_string(),
            dates(found, lang),
        ),
        Detail::NoOverdueNotice { overdue } => {
            let list: Vec<(i64, NaiveDate)> = overdue.iter().map(|(id, d, _)| (*id, *d)).collect();
            let found = if list.is_empty() {
                lang.pick("无", "none").to_string()
            } else {
                format!("{}{}", lang.pick("整改期限：", "deadlines: "), dates(&list, lang))
            };
            (
                lang.pick("全年无逾期未整改的通知", "No rectification notice overdue in the year").to_string(),
                found,
            )
        }
        Detail::TrainingHours { min_tenths, tenths, trainings } => match lang {
            Lang::Zh => (
                format!("参加培训不少于{}小时", hours(*min_tenths)),
                format!("{}小时（{}次）", hours(*tenths), trainings.len()),
            ),
            Lang::En => (
                format!("At least {} hours of training", hours(*min_tenths)),
                format!("{} hours ({} sessions)", hours(*tenths), trainings.len()),
            ),
        },
        Detail::MemberAllYear { since, left_on } => {
            let found = match (since, left_on, lang) {
                (None, _, _) => lang.pick("非联盟成员", "not a member").to_string(),
                (Some(s), None, Lang::Zh) => format!("{s} 入盟"),
                (Some(s), None, Lang::En) => format!("member since {s}"),
                (Some(s), Some(l), Lang::Zh) => format!("{s} 入盟，{l} 退出"),
                (Some(s), Some(l), Lang::En) => format!("member from {s} to {l}"),
            };
            (lang.pick("全年为联盟成员", "Alliance member all year").to_string(), found)
        }
        Detail::Complaints { max, verified } => match lang {
            Lang::Zh => (
                format!("经核实的投诉不超过{max}件"),
                format!("{}件", verified.len()),
            ),
            Lang::En => (
                format!("At most {max} verified complaints"),
                verified.len().to_string(),
            ),
        },
        Detail::StillInGoodStanding { revoking } => (
            lang.pick("年度结束以来无撤销情形", "Nothing since the year ended that would revoke it")
                .to_string(),
            match revoking {
                None => lang.pick("无", "none").to_string(),
                Some(r) => revocation_text(r, lang),
            },
        ),
    }
}

/// The rule of a level in words, for the public page.
pub fn level_rules(l: &CommendationLevel, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    out.push(match (l.stars_at, lang) {
        (StarsAt::Editions, Lang::Zh) => format!("当年每期红黑榜发布时星级不低于{}星", l.min_stars),
        (StarsAt::Editions, Lang::En) => format!("at least {} stars at every edition of the year", l.min_stars),
        (StarsAt::YearEnd, Lang::Zh) => format!("年末星级不低于{}星", l.min_stars),
        (StarsAt::YearEnd, Lang::En) => format!("at least {} stars at year end", l.min_stars),
    });
    if l.min_red_editions > 0 {
        out.push(match lang {
            Lang::Zh => format!("当年上红榜不少于{}期", l.min_red_editions),
            Lang::En => format!("on the red list in at least {} editions", l.min_red_editions),
        });
    }
    if l.no_serious_violation {
        out.push(lang.pick("全年无严重违规", "no serious violation").to_string());
    }
    if l.no_overdue_notice {
        out.push(lang.pick("全年无逾期未整改的通知", "no rectification notice overdue").to_string());
    }
    if l.min_training_tenths > 0 {
        out.push(match lang {
            Lang::Zh => format!("参加培训不少于{}小时", hours(l.min_training_tenths)),
            Lang::En => format!("at least {} hours of training", hours(l.min_training_tenths)),
        });
    }
    if l.member_all_year {
        out.push(lang.pick("全年为联盟成员", "alliance member all year").to_string());
    }
    if let Some(m) = l.max_verified_complaints {
        out.push(match (m, lang) {
            (0, Lang::Zh) => "无经核实的投诉".to_string(),
            (0, Lang::En) => "no verified complaint".to_string(),
            (m, Lang::Zh) => format!("经核实的投诉不超过{m}件"),
            (m, Lang::En) => format!("at most {m} verified complaints"),
        });
    }
    if l.reward_fen > 0 {
        out.push(match lang {
            Lang::Zh => format!("奖励 {} 元", crate::domain::money::format_fen(l.reward_fen)),
            Lang::En => format!("reward: {} yuan", crate::domain::money::format_fen(l.reward_fen)),
        });
    }
    out
}

/// A commendation as a badge line: "2025 年度示范商家", its state and the dates.
pub struct Badge {
    pub year: i32,
    pub merchant_id: i32,
    pub merchant_name: String,
    pub area: String,
    pub category: String,
    pub level: String,
    pub level_rank: i32,
    /// "in-force", "past" or "revoked".
    pub state: &'static str,
    /// What to say about the state.
    pub state_text: String,
    pub reward: String,
    pub committee_reason: Option<String>,
}

impl Badge {
    pub fn new(k: &Commendation, today: NaiveDate, lang: Lang) -> Badge {
        let (state, state_text) = match k.revocation() {
            Some(r) => (
                "revoked",
                format!("{}{}{}", lang.t("commend.revoked"), lang.pick("：", ": "), revocation_text(&r, lang)),
            ),
            None if k.in_force(today) => (
                "in-force",
                format!("{} {}", lang.t("commend.in_force"), display_until(k.year)),
            ),
            None => ("past", lang.t("commend.past").to_string()),
        };
        Badge {
            year: k.year,
            merchant_id: k.merchant_id,
            merchant_name: k.merchant_name.clone(),
            area: k.area.clone(),
            category: k.category.clone(),
            level: k.level_name(lang.is_en()).to_string(),
            level_rank: k.level_rank,
            state,
            state_text,
            reward: if k.reward_fen > 0 {
                format!("¥{}", crate::domain::money::format_fen(k.reward_fen))
            } else {
                String::new()
            },
            committee_reason: k.committee_reason.clone(),
        }
    }

    /// "2025 年度示范商家" / "Model merchant of the year 2025".
    pub fn title(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("{} {}", self.year, self.level),
            Lang::En => format!("{} {}", self.level, self.year),
        }
    }
}

/// The badges of a merchant's commendations, newest first.
pub fn badges(ks: &[Commendation], today: NaiveDate, lang: Lang) -> Vec<(String, Badge)> {
    ks.iter()
        .map(|k| {
            let b = Badge::new(k, today, lang);
            (b.title(lang), b)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Public pages

#[derive(Template, WebTemplate)]
#[template(path = "public/commendations.html")]
pub struct IndexPage {
    page: PageCtx,
    years: Vec<YearSummary>,
    /// (level name, its rule in words).
    levels: Vec<(String, Vec<String>)>,
}

/// GET /commendations: every decided year and the rule.
pub async fn index(state: web::Data<AppState>, page: PageCtx) -> Result<IndexPage, AppError> {
    let policy_store = state.policy.clone();
    let (years, policy) = with_db(&state, move |c| Ok((svc::years(c)?, policy_store.current(c)?))).await?;
    let lang = page.lang;
    let levels = policy
        .commendation
        .levels
        .iter()
        .map(|l| (lang.pick(&l.name_zh, &l.name_en).to_string(), level_rules(l, lang)))
        .collect();
    Ok(IndexPage { page, years, levels })
}

/// `?area=&category=` of the honour roll.
#[derive(Deserialize, Default)]
pub struct RollQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    category: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/commendation_year.html")]
pub struct YearPage {
    page: PageCtx,
    year: i32,
    decision: Option<Decision>,
    number: String,
    /// (level name, badges).
    groups: Vec<(String, Vec<Badge>)>,
    areas: Vec<String>,
    categories: Vec<String>,
    area: String,
    category: String,
    total: usize,
}

/// GET /commendations/{year}: the honour roll by level, with area and category filters.
pub async fn year_page(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
    query: web::Query<RollQuery>,
) -> Result<HttpResponse, AppError> {
    let year = parse_year(&path)?;
    let q = query.into_inner();
    let (area, category) = (q.area.trim().to_string(), q.category.trim().to_string());
    let (a2, c2) = (area.clone(), category.clone());
    let (roll, (areas, categories)) = with_db(&state, move |c| {
        let roll = svc::honour_roll(
            c,
            year,
            Some(a2.as_str()).filter(|s| !s.is_empty()),
            Some(c2.as_str()).filter(|s| !s.is_empty()),
        )?;
        Ok((roll, svc::roll_filters(c, year)?))
    })
    .await?;
    let lang = page.lang;
    let today = state.config.today();
    let (decision, list) = match roll {
        Some((d, l)) => (Some(d), l),
        None => (None, Vec::new()),
    };
    let mut groups: Vec<(String, Vec<Badge>)> = Vec::new();
    for k in &list {
        let b = Badge::new(k, today, lang);
        match groups.last_mut() {
            Some((name, v)) if v[0].level_rank == b.level_rank && *name == b.level => v.push(b),
            _ => groups.push((b.level.clone(), vec![b])),
        }
    }
    let status = if decision.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let number = decision
        .as_ref()
        .map(|d| if lang.is_en() { d.number_en() } else { d.number.clone() })
        .unwrap_or_default();
    let p = YearPage {
        page,
        year,
        decision,
        number,
        groups,
        areas,
        categories,
        area,
        category,
        total: list.len(),
    };
    html(status, &p)
}

/// The honour roll as JSON.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RollResponse {
    pub year: i32,
    pub decision: Decision,
    pub commendations: Vec<RollEntry>,
}

/// One commended merchant in the JSON honour roll.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RollEntry {
    pub merchant_id: i32,
    pub merchant_name: String,
    pub area: String,
    pub category: String,
    pub level: String,
    pub level_rank: i32,
    pub level_name_zh: String,
    pub level_name_en: String,
    pub reward_fen: i64,
    /// Set when the committee added the merchant against the rule's proposal.
    pub committee_reason: Option<String>,
    /// Each criterion of the level: `{passed, detail: {code, ...}}`.
    #[schema(value_type = Vec<Object>)]
    pub criteria: Vec<Criterion>,
    pub revoked_on: Option<NaiveDate>,
    /// `{code: "serious_violation" | "black_list", ...}`.
    #[schema(value_type = Option<Object>)]
    pub revoked_reason: Option<RevokeReason>,
    /// Last day the commendation is displayed.
    pub displayed_until: NaiveDate,
}

/// A year's honour roll: the decision and every commended merchant with its criteria.
#[utoipa::path(get, path = "/api/v1/public/commendations/{year}", tag = "public",
    params(("year" = i32, Path)), responses((status = 200, body = RollResponse), (status = 404)))]
pub async fn api_year(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let year = parse_year(&path)?;
    let (decision, list) = with_db(&state, move |c| Ok(svc::honour_roll(c, year, None, None)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let commendations = list
        .iter()
        .map(|k| RollEntry {
            merchant_id: k.merchant_id,
            merchant_name: k.merchant_name.clone(),
            area: k.area.clone(),
            category: k.category.clone(),
            level: k.level.clone(),
            level_rank: k.level_rank,
            level_name_zh: k.level_name_zh.clone(),
            level_name_en: k.level_name_en.clone(),
            reward_fen: k.reward_fen,
            committee_reason: k.committee_reason.clone(),
            criteria: k.criteria(),
            revoked_on: k.revoked_on,
            revoked_reason: k.revocation().map(|r| r.reason),
            displayed_until: display_until(k.year),
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=60"))
        .json(RollResponse {
            year,
            decision,
            commendations,
        }))
}

// ---------------------------------------------------------------------------------------------
// The committee's page

/// A candidate ready for the template.
pub struct CandidateView {
    pub merchant_id: i32,
    pub name: String,
    pub area: String,
    pub proposed: String,
    pub outcome: String,
    pub outcome_class: &'static str,
    /// (what the committee did, its reason).
    pub adjustment: Option<(String, String)>,
    pub can_exclude: bool,
    /// (met, what it asks, what was found).
    pub criteria: Vec<(bool, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/commendations.html")]
pub struct StaffPage {
    page: PageCtx,
    year: i32,
    years: Vec<i32>,
    as_of: String,
    decision: Option<Decision>,
    number: String,
    can_decide: bool,
    candidates: Vec<CandidateView>,
    /// (code, name).
    levels: Vec<(String, String)>,
    errors: Vec<String>,
}

fn staff_view(p: &Proposal, policy: &crate::domain::policy::Policy, lang: Lang, today: NaiveDate, errors: Vec<String>, page: PageCtx) -> StaffPage {
    let name = |i: usize| {
        let l = &policy.commendation.levels[i];
        lang.pick(&l.name_zh, &l.name_en).to_string()
    };
    let candidates = p
        .candidates
        .iter()
        .map(|k| {
            let shown = k.level.or(k.evaluation.proposed).unwrap_or(0);
            let criteria = k
                .evaluation
                .levels
                .get(shown)
                .map(|r| {
                    r.criteria
                        .iter()
                        .map(|c| {
                            let (ask, found) = criterion_lines(c, lang);
                            (c.passed, ask, found)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let (outcome, outcome_class) = match (k.level, &k.adjustment) {
                (Some(i), _) => (name(i), "ok"),
                (None, Some(_)) => (lang.t("commend.excluded").to_string(), "bad"),
                (None, None) => (lang.t("commend.none_level").to_string(), "bad"),
            };
            CandidateView {
                merchant_id: k.merchant_id,
                name: k.name.clone(),
                area: k.area.clone(),
                proposed: k.evaluation.proposed.map(name).unwrap_or_else(|| lang.t("commend.none_level").to_string()),
                outcome,
                outcome_class,
                adjustment: k.adjustment.as_ref().map(|a| {
                    let what = if a.action == "exclude" {
                        lang.t("commend.exclude")
                    } else {
                        lang.t("commend.include")
                    };
                    (format!("{what}{}", lang.pick("：", ": ")), a.reason.clone())
                }),
                can_exclude: k.evaluation.proposed.is_some() && k.adjustment.is_none(),
                criteria,
            }
        })
        .collect();
    let current = today.year();
    StaffPage {
        page,
        year: p.year,
        years: ((current - 4).max(2000)..=current).rev().collect(),
        as_of: p.as_of.to_string(),
        number: p
            .decision
            .as_ref()
            .map(|d| if lang.is_en() { d.number_en() } else { d.number.clone() })
            .unwrap_or_default(),
        can_decide: p.decision.is_none() && p.year < current,
        decision: p.decision.clone(),
        candidates,
        levels: policy
            .commendation
            .levels
            .iter()
            .map(|l| (l.code.clone(), lang.pick(&l.name_zh, &l.name_en).to_string()))
            .collect(),
        errors,
    }
}

async fn staff_page(state: &AppState, page: PageCtx, year: i32, errors: Vec<String>) -> Result<StaffPage, AppError> {
    let today = state.config.today();
    let store = state.policy.clone();
    let (p, policy) = with_db(state, move |c| {
        let policy = store.current(c)?;
        let p = svc::propose(c, &policy, year, today).map_err(to_app)?;
        Ok((p, policy))
    })
    .await?;
    let lang = page.lang;
    Ok(staff_view(&p, &policy, lang, today, errors, page))
}

/// GET /staff/commendations: last year's review.
pub async fn staff_index(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require(COMMITTEE)?;
    Ok(see_other(format!("/staff/commendations/{}", state.config.today().year() - 1)))
}

/// GET /staff/commendations/{year}
pub async fn staff_year(
    state: web::Data<AppState>,
    page: PageCtx,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<StaffPage, AppError> {
    user.require(COMMITTEE)?;
    let year = parse_year(&path)?;
    staff_page(&state, page, year, vec![]).await
}

/// The adjustment form.
#[derive(Deserialize)]
pub struct AdjustForm {
    #[serde(default)]
    csrf: String,
    /// "exclude" or "include".
    #[serde(default)]
    action: String,
    #[serde(default)]
    merchant_id: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    reason: String,
}

async fn refused(state: &AppState, page: PageCtx, year: i32, e: AppError) -> Result<HttpResponse, AppError> {
    match e {
        AppError::Invalid(fields) => {
            let lang = page.lang;
            let msgs = fields.iter().map(|f| lang.pick(&f.zh, &f.en).to_string()).collect();
            let p = staff_page(state, page, year, msgs).await?;
            html(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        other => Err(other),
    }
}

/// POST /staff/commendations/{year}/adjust
pub async fn staff_adjust(
    state: web::Data<AppState>,
    session: Session,
    page: PageCtx,
    user: CurrentUser,
    path: web::Path<String>,
    form: web::Form<AdjustForm>,
) -> Result<HttpResponse, AppError> {
    user.require(COMMITTEE)?;
    check_csrf(&session, &form.csrf)?;
    let year = parse_year(&path)?;
    let f = form.into_inner();
    let action = match f.action.as_str() {
        "exclude" => AdjustAction::Exclude,
        "include" => AdjustAction::Include(f.level.trim().to_string()),
        _ => {
            return refused(
                &state,
                page,
                year,
                AppError::invalid("action", "请选择排除或增补。", "Choose exclude or add."),
            )
            .await
        }
    };
    let Ok(mid) = f.merchant_id.trim().parse::<i32>() else {
        return refused(
            &state,
            page,
            year,
            AppError::invalid("merchant_id", "请填写商家编号（数字）。", "Enter the merchant's ID (a number)."),
        )
        .await;
    };
    let actor = user.actor();
    let today = state.config.today();
    let store = state.policy.clone();
    let r = with_db(&state, move |c| {
        let policy = store.current(c)?;
        svc::adjust(c, &policy, &actor, year, today, mid, &action, &f.reason).map_err(|e| match e {
            CommendationError::NoMerchant(_) => {
                AppError::invalid("merchant_id", "没有这个编号的商家。", "No merchant has this ID.")
            }
            other => to_app(other),
        })
    })
    .await;
    match r {
        Ok(()) => Ok(see_other(format!("/staff/commendations/{year}"))),
        Err(e) => refused(&state, page, year, e).await,
    }
}

/// The withdraw form.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// POST /staff/commendations/{year}/adjust/{merchant}/withdraw
pub async fn staff_withdraw(
    state: web::Data<AppState>,
    session: Session,
    page: PageCtx,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    user.require(COMMITTEE)?;
    check_csrf(&session, &form.csrf)?;
    let year = parse_year(&path.0)?;
    let mid = parse_id(&path.1)?;
    let actor = user.actor();
    let today = state.config.today();
    let r = with_db(&state, move |c| svc::remove_adjustment(c, &actor, year, today, mid).map_err(to_app)).await;
    match r {
        Ok(_) => Ok(see_other(format!("/staff/commendations/{year}"))),
        Err(e) => refused(&state, page, year, e).await,
    }
}

/// The decision form.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// POST /staff/commendations/{year}/decide
pub async fn staff_decide(
    state: web::Data<AppState>,
    session: Session,
    page: PageCtx,
    user: CurrentUser,
    path: web::Path<String>,
    form: web::Form<DecideForm>,
) -> Result<HttpResponse, AppError> {
    user.require(COMMITTEE)?;
    check_csrf(&session, &form.csrf)?;
    let year = parse_year(&path)?;
    let note = form.into_inner().note;
    let actor = user.actor();
    let today = state.config.today();
    let base = state.config.base_url.clone();
    let store = state.policy.clone();
    let r = with_db(&state, move |c| {
        let policy = store.current(c)?;
        svc::decide(c, &policy, &actor, year, today, &note, &base).map_err(to_app)
    })
    .await;
    match r {
        Ok(_) => Ok(see_other(format!("/staff/commendations/{year}"))),
        Err(e) => refused(&state, page, year, e).await,
    }
}

// ---------------------------------------------------------------------------------------------
// The merchant's certificate

#[derive(Template, WebTemplate)]
#[template(path = "portal/certificate.html")]
pub struct CertificatePage {
    page: PageCtx,
    name: String,
    year: i32,
    level: String,
    number: String,
    decided_on: String,
    revoked: Option<String>,
    check_url: String,
    qr_svg: String,
}

/// GET /my/commendations/{year}: the printable A4 certificate (荣誉证书) of the merchant's own
/// commendation, its QR code verifying it.
pub async fn certificate(
    state: web::Data<AppState>,
    page: PageCtx,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<CertificatePage, AppError> {
    let mid = super::guard::merchant_of(&state, &user).await?;
    let year = parse_year(&path)?;
    let configured = state.config.session_secret.clone();
    let (found, m, secret) = with_db(&state, move |c| {
        let found = svc::of_merchant_year(c, mid, year)?.ok_or(AppError::NotFound)?;
        let m = crate::db::models::merchant::Merchant::find(c, mid)?.ok_or(AppError::NotFound)?;
        Ok((found, m, plaque::app_secret(c, configured.as_deref())?))
    })
    .await?;
    let (k, d) = found;
    let lang = page.lang;
    let today = state.config.today();
    let code = plaque::sign(
        &plaque::plaque_key(&secret),
        &PlaqueFacts {
            merchant_id: mid,
            stars: m.current_stars,
            list: m.current_list.clone(),
            issued_on: today,
            commendation: Some((k.year, k.level.clone())),
        },
    );
    let check_url = plaque::check_url(&state.config.base_url, mid, &code);
    let qr_svg = plaque::qr_svg(&check_url)?;
    Ok(CertificatePage {
        name: k.merchant_name.clone(),
        year: k.year,
        level: k.level_name(lang.is_en()).to_string(),
        number: if lang.is_en() { d.number_en() } else { d.number.clone() },
        decided_on: d.decided_on.to_string(),
        revoked: k.revocation().map(|r| revocation_text(&r, lang)),
        check_url,
        qr_svg,
        page,
    })
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
