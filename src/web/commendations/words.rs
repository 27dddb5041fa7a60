//! The commendation rule's codes in words, per reader language: criteria, revocations, the
//! rule of a level, badges. The only place they become sentences.

use chrono::NaiveDate;

use crate::domain::commendation::{display_until, Criterion, Detail, Revocation, RevokeReason};
use crate::domain::policy::{CommendationLevel, StarsAt};
use crate::services::commendations::Commendation;
use crate::web::Lang;

fn stars_word(stars: Option<u8>, lang: Lang) -> String {
    match stars {
        Some(s) => format!("{}{}", s, lang.pick("星", "★")),
        None => lang.t("stars-unrated").to_string(),
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
        Detail::RedEditions {
            min,
            published,
            on_red,
        } => {
            let nums = on_red
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            match lang {
                Lang::Zh => (
                    format!("上红榜不少于{min}期"),
                    format!(
                        "全年{published}期中上红榜{}期{}",
                        on_red.len(),
                        if nums.is_empty() {
                            String::new()
                        } else {
                            format!("（第{nums}期）")
                        }
                    ),
                ),
                Lang::En => (
                    format!("On the red list in at least {min} editions"),
                    format!(
                        "{} of the year's {published} editions{}",
                        on_red.len(),
                        if nums.is_empty() {
                            String::new()
                        } else {
                            format!(" (No. {nums})")
                        }
                    ),
                ),
            }
        }
        Detail::NoSeriousViolation { found } => (
            lang.pick("全年无严重违规", "No serious violation in the year")
                .to_string(),
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
                lang.pick(
                    "全年无逾期未整改的通知",
                    "No rectification notice overdue in the year",
                )
                .to_string(),
                found,
            )
        }
        Detail::TrainingHours {
            min_tenths,
            tenths,
            trainings,
        } => match lang {
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
            (
                lang.pick("全年为联盟成员", "Alliance member all year")
                    .to_string(),
                found,
            )
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
            lang.pick(
                "年度结束以来无撤销情形",
                "Nothing since the year ended that would revoke it",
            )
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
        (StarsAt::Editions, Lang::En) => {
            format!("at least {} stars at every edition of the year", l.min_stars)
        }
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
        out.push(
            lang.pick("全年无逾期未整改的通知", "no rectification notice overdue")
                .to_string(),
        );
    }
    if l.min_training_tenths > 0 {
        out.push(match lang {
            Lang::Zh => format!("参加培训不少于{}小时", hours(l.min_training_tenths)),
            Lang::En => format!("at least {} hours of training", hours(l.min_training_tenths)),
        });
    }
    if l.member_all_year {
        out.push(
            lang.pick("全年为联盟成员", "alliance member all year")
                .to_string(),
        );
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
                format!(
                    "{}{}{}",
                    lang.t("commend-revoked"),
                    lang.pick("：", ": "),
                    revocation_text(&r, lang)
                ),
            ),
            None if k.in_force(today) => (
                "in-force",
                format!("{} {}", lang.t("commend-in-force"), display_until(k.year)),
            ),
            None => ("past", lang.t("commend-past").to_string()),
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
