//! The words for the domain's codes — list reasons, rating terms, inspection kinds, severities,
//! list statuses, notice states, input errors — from the catalogue (`locales/*/words.ftl`) in the
//! reader's language. The domain never builds a sentence; the web pages, the emails, the JSON
//! API and the exports all render through here, so they say the same thing.

use chrono::{Datelike, NaiveDate};

use crate::domain::fhrs::FHRS_SCHEME_VERSION;
use crate::domain::money::MoneyError;
use crate::domain::notice::{NoticeState, Refusal};
use crate::domain::public_record::{NoticeOutcome, WayOutStep};
use crate::domain::rating::{InspectionKind, ListReason, ListStatus, Severity, TermKey};
use crate::domain::reasons::{EnteredReasons, LeftReason, Stored};

use super::Lang;

/// An inspection kind: 日常, 复查 …
pub fn inspection_kind(k: InspectionKind, lang: Lang) -> &'static str {
    lang.t(match k {
        InspectionKind::Routine => "kind-routine",
        InspectionKind::FollowUp => "kind-follow-up",
        InspectionKind::Complaint => "kind-complaint",
        InspectionKind::SelfCheck => "kind-self-check",
    })
}

/// A violation's severity: 一般, 较重, 严重.
pub fn severity(s: Severity, lang: Lang) -> &'static str {
    lang.t(match s {
        Severity::Minor => "severity-minor",
        Severity::Major => "severity-major",
        Severity::Serious => "severity-serious",
    })
}

/// A list status: 红榜, 黑榜, 无.
pub fn list_status(s: ListStatus, lang: Lang) -> &'static str {
    lang.t(match s {
        ListStatus::None => "list-status-none",
        ListStatus::Red => "list-status-red",
        ListStatus::Black => "list-status-black",
    })
}

/// A breakdown term's label. `scheme` is the rating's policy version: the FHRS scheme's one
/// term is its latest inspection, not a mean (its ratings carry the same key).
pub fn term(key: TermKey, scheme: &str, lang: Lang) -> &'static str {
    if scheme == FHRS_SCHEME_VERSION && key == TermKey::Inspections {
        return lang.t("term-fhrs-inspection");
    }
    lang.t(match key {
        TermKey::Inspections => "term-inspections",
        TermKey::ViolationsMinor => "term-violations-minor",
        TermKey::ViolationsMajor => "term-violations-major",
        TermKey::ViolationsSerious => "term-violations-serious",
        TermKey::Complaints => "term-complaints",
        TermKey::OverdueNotices => "term-overdue-notices",
        TermKey::Training => "term-training",
        TermKey::Clamp => "term-clamp",
    })
}

/// Why a merchant is on (or came off) a list, as one sentence, its dates written long
/// (2026年3月1日 / 1 Mar 2026) like everywhere a consumer reads them.
pub fn list_reason(r: &ListReason, lang: Lang) -> String {
    list_reason_dated(r, lang, &|d| long_date(d, lang))
}

/// [`list_reason`] with its dates written by `date`.
pub fn list_reason_dated(r: &ListReason, lang: Lang, date: &dyn Fn(NaiveDate) -> String) -> String {
    match r {
        ListReason::SeriousViolation { date: on, .. } => {
            lang.tr("reason-serious-violation", &[("date", date(*on).into())])
        }
        ListReason::OverdueNotice {
            deadline,
            verified_on: None,
            ..
        } => lang.tr("reason-overdue-notice", &[("deadline", date(*deadline).into())]),
        ListReason::OverdueNotice {
            deadline,
            verified_on: Some(v),
            ..
        } => lang.tr(
            "reason-overdue-notice-verified-late",
            &[
                ("deadline", date(*deadline).into()),
                ("verified", date(*v).into()),
            ],
        ),
        ListReason::LowStars { stars } => lang.tr("reason-low-stars", &[("stars", (*stars).into())]),
        ListReason::RepairNeedsNoticesClosed => lang.t("reason-repair-needs-notices-closed").to_string(),
        ListReason::RepairNeedsFollowUp { after, pass_score } => lang.tr(
            "reason-repair-needs-follow-up",
            &[("after", date(*after).into()), ("score", (*pass_score).into())],
        ),
        ListReason::RepairMinimumStay { until } => {
            lang.tr("reason-repair-minimum-stay", &[("until", date(*until).into())])
        }
        ListReason::CreditRepaired {
            follow_up_date: Some(on),
            ..
        } => lang.tr("reason-credit-repaired-on", &[("date", date(*on).into())]),
        ListReason::CreditRepaired { .. } => lang.t("reason-credit-repaired").to_string(),
        ListReason::RedAllCriteria { stars } => {
            lang.tr("reason-red-all-criteria", &[("stars", (*stars).into())])
        }
    }
}

/// A stored entry reason: the rule's sentence, or the sentence kept from before codes.
pub fn stored_reason(r: &Stored<ListReason>, lang: Lang) -> String {
    match r {
        Stored::Code(r) => list_reason(r, lang),
        Stored::Legacy(l) => l.text.clone(),
    }
}

/// Several reasons as one line, joined the way the language joins clauses (；/ "; ").
pub fn join<I: IntoIterator<Item = String>>(parts: I, lang: Lang) -> String {
    parts
        .into_iter()
        .collect::<Vec<_>>()
        .join(lang.t("reason-separator"))
}

/// A list entry's (or edition entry's) reasons as one line.
pub fn entered_reasons(r: &EnteredReasons, lang: Lang) -> String {
    join(r.0.iter().map(|x| stored_reason(x, lang)), lang)
}

/// Why a merchant left a list.
pub fn left_reason(r: &Stored<LeftReason>, lang: Lang) -> String {
    match r {
        Stored::Code(LeftReason::CreditRepaired) => lang.t("left-credit-repaired").to_string(),
        Stored::Code(LeftReason::ListChanged { to }) => {
            lang.tr("left-list-changed", &[("list", list_status(*to, lang).into())])
        }
        Stored::Legacy(l) => l.text.clone(),
    }
}

/// A notice's state: 已签发, 商家已阅 …
pub fn notice_state(s: NoticeState, lang: Lang) -> &'static str {
    lang.t(match s {
        NoticeState::Issued => "notice-state-issued",
        NoticeState::Emailed => "notice-state-emailed",
        NoticeState::Read => "notice-state-read",
        NoticeState::Answered => "notice-state-answered",
        NoticeState::Verified => "notice-state-verified",
        NoticeState::Overdue => "notice-state-overdue",
    })
}

/// Why a notice refused an event.
pub fn refusal(r: Refusal, lang: Lang) -> &'static str {
    lang.t(match r {
        Refusal::Closed => "refusal-closed",
        Refusal::AnswerPending => "refusal-answer-pending",
        Refusal::NothingToDecide => "refusal-nothing-to-decide",
    })
}

/// Why an amount of money could not be read.
pub fn money_error(e: MoneyError, lang: Lang) -> &'static str {
    lang.t(match e {
        MoneyError::Empty => "money-empty",
        MoneyError::NotANumber => "money-not-a-number",
        MoneyError::TooManyDecimals => "money-too-many-decimals",
        MoneyError::TooLarge => "money-too-large",
    })
}

/// A date as the reader's language writes it on the public record: 2026年3月12日, 12 Mar 2026.
///
/// Kept once written (a record prints dozens of dates, from a few thousand days in all):
/// formatting one through the catalogue was 3 % of an uncached record.
pub fn long_date(d: NaiveDate, lang: Lang) -> String {
    static WRITTEN: std::sync::LazyLock<quick_cache::sync::Cache<(NaiveDate, Lang), String>> =
        std::sync::LazyLock::new(|| quick_cache::sync::Cache::new(8192));
    WRITTEN
        .get_or_insert_with(&(d, lang), || {
            Ok::<_, std::convert::Infallible>(lang.tr(
                "date-long",
                &[
                    ("year", d.year().to_string().into()),
                    ("month", d.month().into()),
                    ("day", d.day().to_string().into()),
                ],
            ))
        })
        .unwrap_or_else(|never| match never {})
}

/// How a rectification notice stands, as one sentence with long dates.
pub fn notice_outcome(o: NoticeOutcome, lang: Lang) -> String {
    let d = |x: NaiveDate| long_date(x, lang);
    match o {
        NoticeOutcome::Verified { on } => lang.tr("outcome-verified", &[("on", d(on).into())]),
        NoticeOutcome::VerifiedLate { on, deadline } => lang.tr(
            "outcome-verified-late",
            &[("on", d(on).into()), ("deadline", d(deadline).into())],
        ),
        NoticeOutcome::Overdue {
            since,
            answered: false,
        } => lang.tr("outcome-overdue", &[("since", d(since).into())]),
        NoticeOutcome::Overdue {
            since,
            answered: true,
        } => lang.tr("outcome-overdue-answered", &[("since", d(since).into())]),
        NoticeOutcome::Answered { deadline } => {
            lang.tr("outcome-answered", &[("deadline", d(deadline).into())])
        }
        NoticeOutcome::Open { deadline } => lang.tr("outcome-open", &[("deadline", d(deadline).into())]),
    }
}

/// How a disclosed violation's rectification stands (`None`: no notice concerns it).
pub fn violation_status(o: Option<NoticeOutcome>, lang: Lang) -> String {
    let d = |x: NaiveDate| long_date(x, lang);
    match o {
        None => lang.t("violation-no-notice").to_string(),
        Some(NoticeOutcome::Verified { on }) => lang.tr("violation-rectified", &[("on", d(on).into())]),
        Some(NoticeOutcome::VerifiedLate { on, .. }) => {
            lang.tr("violation-rectified-late", &[("on", d(on).into())])
        }
        Some(NoticeOutcome::Overdue { since, .. }) => {
            lang.tr("violation-overdue", &[("since", d(since).into())])
        }
        Some(NoticeOutcome::Answered { .. }) => lang.t("violation-answered").to_string(),
        Some(NoticeOutcome::Open { deadline }) => {
            lang.tr("violation-due", &[("deadline", d(deadline).into())])
        }
    }
}

/// One step of the way off the black list, as a clause with long dates.
pub fn way_out_step(s: WayOutStep, lang: Lang) -> String {
    let d = |x: NaiveDate| long_date(x, lang);
    match s {
        WayOutStep::CloseOverdueNotices { count } => {
            lang.tr("way-out-close-notices", &[("count", count.into())])
        }
        WayOutStep::PassFollowUp { after, score } => lang.tr(
            "way-out-follow-up",
            &[("after", d(after).into()), ("score", score.into())],
        ),
        WayOutStep::NotBefore {
            until,
            days,
            serious_on,
        } => lang.tr(
            "way-out-not-before",
            &[
                ("until", d(until).into()),
                ("days", days.into()),
                ("serious", d(serious_on).into()),
            ],
        ),
        WayOutStep::ReachScore { score_tenths, stars } => lang.tr(
            "way-out-reach-score",
            &[
                ("score", whole_points(score_tenths).into()),
                ("stars", stars.into()),
            ],
        ),
        WayOutStep::TriggersLeaveWindow {
            on,
            trigger_on,
            window_days,
        } => lang.tr(
            "way-out-window",
            &[
                ("on", d(on).into()),
                ("trigger", d(trigger_on).into()),
                ("days", window_days.into()),
            ],
        ),
    }
}

/// Tenths of a point as "60" or "62.5".
fn whole_points(tenths: i32) -> String {
    if tenths % 10 == 0 {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, (tenths % 10).abs())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reasons_read_as_before_without_record_ids() {
        let serious = ListReason::SeriousViolation {
            violation_id: 4,
            date: d(2026, 3, 1),
        };
        assert_eq!(list_reason(&serious, Lang::Zh), "2026年3月1日 存在严重违规");
        assert_eq!(list_reason(&serious, Lang::En), "serious violation on 1 Mar 2026");
        let overdue = ListReason::OverdueNotice {
            notice_id: 7,
            deadline: d(2026, 4, 1),
            verified_on: None,
        };
        assert_eq!(
            list_reason(&overdue, Lang::Zh),
            "整改通知逾期未整改（期限 2026年4月1日）"
        );
        assert_eq!(
            list_reason(&overdue, Lang::En),
            "notice overdue (deadline 1 Apr 2026, not verified)"
        );
        let both = EnteredReasons(vec![Stored::Code(serious), Stored::Code(overdue)]);
        assert_eq!(
            entered_reasons(&both, Lang::Zh),
            "2026年3月1日 存在严重违规；整改通知逾期未整改（期限 2026年4月1日）"
        );
        assert_eq!(
            entered_reasons(&both, Lang::En),
            "serious violation on 1 Mar 2026; notice overdue (deadline 1 Apr 2026, not verified)"
        );
        assert_eq!(
            list_reason(&ListReason::LowStars { stars: 1 }, Lang::En),
            "rated 1 star"
        );
        assert_eq!(
            list_reason(&ListReason::RedAllCriteria { stars: 5 }, Lang::Zh),
            "5星，评价期内无违规、无未结整改通知，联盟成员"
        );
    }

    #[test]
    fn every_code_has_words() {
        for lang in Lang::ALL {
            for k in InspectionKind::ALL {
                assert_ne!(inspection_kind(k, lang), "??");
            }
            for s in [Severity::Minor, Severity::Major, Severity::Serious] {
                assert_ne!(severity(s, lang), "??");
            }
            for s in NoticeState::ALL {
                assert_ne!(notice_state(s, lang), "??");
            }
        }
        assert_eq!(inspection_kind(InspectionKind::FollowUp, Lang::Zh), "复查");
        assert_eq!(
            term(TermKey::Inspections, FHRS_SCHEME_VERSION, Lang::En),
            "Latest FHRS inspection"
        );
        assert_eq!(
            left_reason(
                &Stored::Code(LeftReason::ListChanged { to: ListStatus::None }),
                Lang::Zh
            ),
            "评定变更为无"
        );
    }

    #[test]
    fn record_words_write_long_dates_and_no_ids() {
        assert_eq!(long_date(d(2026, 3, 12), Lang::Zh), "2026年3月12日");
        assert_eq!(long_date(d(2026, 3, 12), Lang::En), "12 Mar 2026");
        assert_eq!(long_date(d(2026, 12, 1), Lang::En), "1 Dec 2026");
        assert_eq!(
            notice_outcome(NoticeOutcome::Verified { on: d(2026, 3, 12) }, Lang::En),
            "Fixed and verified on 12 Mar 2026"
        );
        assert_eq!(
            notice_outcome(
                NoticeOutcome::Overdue {
                    since: d(2026, 3, 13),
                    answered: false
                },
                Lang::Zh
            ),
            "自2026年3月13日起逾期，尚未整改验收"
        );
        assert_eq!(violation_status(None, Lang::En), "No rectification notice issued");
        assert_eq!(
            way_out_step(WayOutStep::CloseOverdueNotices { count: 1 }, Lang::En),
            "get the overdue rectification notice fixed and verified"
        );
        assert_eq!(
            way_out_step(
                WayOutStep::PassFollowUp {
                    after: d(2026, 3, 12),
                    score: 60
                },
                Lang::En
            ),
            "pass a follow-up inspection (score 60 or more) after 12 Mar 2026"
        );
        assert_eq!(
            way_out_step(
                WayOutStep::ReachScore {
                    score_tenths: 600,
                    stars: 2
                },
                Lang::Zh
            ),
            "评分达到60分以上（2星）"
        );
        let serious = ListReason::SeriousViolation {
            violation_id: 4,
            date: d(2026, 3, 1),
        };
        assert_eq!(
            list_reason_dated(&serious, Lang::En, &|x| long_date(x, Lang::En)),
            "serious violation on 1 Mar 2026"
        );
    }
}
