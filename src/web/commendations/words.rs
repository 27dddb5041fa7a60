//! The commendation rule's codes in words, per reader language: criteria, revocations, the
//! rule of a level, badges. The only place they become sentences.

use chrono::NaiveDate;

use crate::domain::commendation::{display_until, Criterion, Detail, Revocation, RevokeReason};
use crate::domain::policy::{CommendationLevel, StarsAt};
use crate::services::commendations::Commendation;
use crate::web::Lang;

fn stars_word(stars: Option<u8>, lang: Lang) -> String {
    match stars {
        Some(s) => lang.tr("rule-stars-word", &[("stars", s.into())]),
        None => lang.t("stars-unrated").to_string(),
    }
}

fn hours(tenths: i32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn dates(list: &[(i64, NaiveDate)], lang: Lang) -> String {
    if list.is_empty() {
        return lang.t("rule-none").to_string();
    }
    list.iter()
        .map(|(_, d)| d.to_string())
        .collect::<Vec<_>>()
        .join(lang.t("rule-date-separator"))
}

/// A revocation in words.
pub fn revocation_text(r: &Revocation, lang: Lang) -> String {
    let what = match r.reason {
        RevokeReason::SeriousViolation { .. } => lang.t("rule-revoked-serious"),
        RevokeReason::BlackList { .. } => lang.t("rule-revoked-black-list"),
    };
    lang.tr("rule-revocation", &[("on", r.on.into()), ("what", what.into())])
}

/// A criterion as (what it asks, what was found).
pub fn criterion_lines(c: &Criterion, lang: Lang) -> (String, String) {
    match &c.detail {
        Detail::Stars { min, at, seen } => {
            let ask = match at {
                StarsAt::Editions => "rule-ask-stars-editions",
                StarsAt::YearEnd => "rule-ask-stars-year-end",
            };
            let found = seen
                .iter()
                .map(|s| match s.edition {
                    Some(n) => lang.tr(
                        "rule-seen-edition",
                        &[("n", n.into()), ("stars", stars_word(s.stars, lang).into())],
                    ),
                    None => lang.tr(
                        "rule-seen-date",
                        &[
                            ("date", s.date.into()),
                            ("stars", stars_word(s.stars, lang).into()),
                        ],
                    ),
                })
                .collect::<Vec<_>>()
                .join(lang.t("rule-seen-separator"));
            (lang.tr(ask, &[("min", (*min).into())]), found)
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
            let args = [
                ("published", (*published).into()),
                ("count", on_red.len().into()),
                ("numbers", nums.as_str().into()),
            ];
            let found = if nums.is_empty() {
                lang.tr("rule-found-red-editions", &args)
            } else {
                lang.tr("rule-found-red-editions-numbers", &args)
            };
            (lang.tr("rule-ask-red-editions", &[("min", (*min).into())]), found)
        }
        Detail::NoSeriousViolation { found } => {
            (lang.t("rule-ask-no-serious").to_string(), dates(found, lang))
        }
        Detail::NoOverdueNotice { overdue } => {
            let list: Vec<(i64, NaiveDate)> = overdue.iter().map(|(id, d, _)| (*id, *d)).collect();
            let found = if list.is_empty() {
                lang.t("rule-none").to_string()
            } else {
                lang.tr("rule-found-deadlines", &[("dates", dates(&list, lang).into())])
            };
            (lang.t("rule-ask-no-overdue").to_string(), found)
        }
        Detail::TrainingHours {
            min_tenths,
            tenths,
            trainings,
        } => (
            lang.tr("rule-ask-training", &[("hours", hours(*min_tenths).into())]),
            lang.tr(
                "rule-found-training",
                &[
                    ("hours", hours(*tenths).into()),
                    ("count", trainings.len().into()),
                ],
            ),
        ),
        Detail::MemberAllYear { since, left_on } => {
            let found = match (since, left_on) {
                (None, _) => lang.t("rule-found-not-member").to_string(),
                (Some(s), None) => lang.tr("rule-found-member-since", &[("since", (*s).into())]),
                (Some(s), Some(l)) => lang.tr(
                    "rule-found-member-from-to",
                    &[("since", (*s).into()), ("left", (*l).into())],
                ),
            };
            (lang.t("rule-ask-member").to_string(), found)
        }
        Detail::Complaints { max, verified } => (
            lang.tr("rule-ask-complaints", &[("max", (*max).into())]),
            lang.tr("rule-found-complaints", &[("count", verified.len().into())]),
        ),
        Detail::StillInGoodStanding { revoking } => (
            lang.t("rule-ask-good-standing").to_string(),
            match revoking {
                None => lang.t("rule-none").to_string(),
                Some(r) => revocation_text(r, lang),
            },
        ),
    }
}

/// The rule of a level in words, for the public page.
pub fn level_rules(l: &CommendationLevel, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let stars = match l.stars_at {
        StarsAt::Editions => "rule-level-stars-editions",
        StarsAt::YearEnd => "rule-level-stars-year-end",
    };
    out.push(lang.tr(stars, &[("min", l.min_stars.into())]));
    if l.min_red_editions > 0 {
        out.push(lang.tr("rule-level-red-editions", &[("min", l.min_red_editions.into())]));
    }
    if l.no_serious_violation {
        out.push(lang.t("rule-level-no-serious").to_string());
    }
    if l.no_overdue_notice {
        out.push(lang.t("rule-level-no-overdue").to_string());
    }
    if l.min_training_tenths > 0 {
        out.push(lang.tr(
            "rule-level-training",
            &[("hours", hours(l.min_training_tenths).into())],
        ));
    }
    if l.member_all_year {
        out.push(lang.t("rule-level-member").to_string());
    }
    if let Some(m) = l.max_verified_complaints {
        out.push(match m {
            0 => lang.t("rule-level-no-complaints").to_string(),
            m => lang.tr("rule-level-complaints", &[("max", m.into())]),
        });
    }
    if l.reward_fen > 0 {
        let yuan = crate::domain::money::format_fen(l.reward_fen);
        out.push(lang.tr("rule-level-reward", &[("yuan", yuan.into())]));
    }
    out
}

/// A commendation decision's number: as the committee wrote it (共治表〔2026〕1号), or
/// "Decision 2026-1" for readers of other languages.
pub fn decision_number(d: &crate::services::commendations::Decision, lang: Lang) -> String {
    use chrono::Datelike;
    lang.tr(
        "rule-decision-number",
        &[
            ("number", d.number.as_str().into()),
            ("year", d.decided_on.year().to_string().into()),
            ("seq", d.seq.into()),
        ],
    )
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
                lang.tr("rule-badge-revoked", &[("why", revocation_text(&r, lang).into())]),
            ),
            None if k.in_force(today) => (
                "in-force",
                lang.tr("rule-badge-in-force", &[("until", display_until(k.year).into())]),
            ),
            None => ("past", lang.t("commend-past").to_string()),
        };
        Badge {
            year: k.year,
            merchant_id: k.merchant_id,
            merchant_name: k.merchant_name.clone(),
            area: k.area.clone(),
            category: k.category.clone(),
            level: lang.pick(&k.level_name_zh, &k.level_name_en).to_string(),
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
        lang.tr(
            "rule-badge-title",
            &[
                ("year", self.year.to_string().into()),
                ("level", self.level.as_str().into()),
            ],
        )
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
