//! The annual commendation (年度表彰): who the rule proposes for a calendar year, criterion by
//! criterion, and what revokes a commendation during its display year.
//!
//! Pure, like the rating engine: a function of (the merchant's year record, the policy's
//! `[commendation]` section, the year). Every criterion comes back passed or failed with the
//! records behind it, as codes and numbers; the web and mail layers put them into words.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::facts::Severity;
use super::policy::{CommendationLevel, CommendationPolicy, RevokeRule, StarsAt};
use super::rating::{ComplaintFact, NoticeFact, TrainingFact, ViolationFact};

/// A merchant's standing at one published edition (红黑榜第N期).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditionStanding {
    /// Edition number.
    pub number: i32,
    /// Publication date.
    pub published_on: NaiveDate,
    /// Stars of the merchant's rating in force that day (`None` = not yet rated, 待评).
    pub stars: Option<u8>,
    /// On the red list of that edition.
    pub on_red: bool,
}

/// Everything the rule reads about one merchant; the service loads it, the rule never queries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearRecord {
    /// Merchant id.
    pub merchant_id: i64,
    /// First day of alliance membership.
    pub member_since: Option<NaiveDate>,
    /// Day the merchant left the alliance.
    pub member_left_on: Option<NaiveDate>,
    /// The editions published in the year (any others are ignored), with the merchant's standing.
    pub editions: Vec<EditionStanding>,
    /// Stars of the rating in force on 31 December (or on the evaluation day, within the year).
    pub year_end_stars: Option<u8>,
    /// Violations (any date; the rule takes the year's).
    pub violations: Vec<ViolationFact>,
    /// Rectification notices (any date).
    pub notices: Vec<NoticeFact>,
    /// Verified complaints (any date; counted by verification date).
    pub complaints: Vec<ComplaintFact>,
    /// Training attended (any date).
    pub trainings: Vec<TrainingFact>,
    /// Days the merchant entered the black list (any date), with the list entry's id.
    pub black_entries: Vec<(i64, NaiveDate)>,
}

/// Where the stars criterion looked, and what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarsSeen {
    /// The edition, or `None` for the year-end rating.
    pub edition: Option<i32>,
    /// The day.
    pub date: NaiveDate,
    /// The stars (`None` = not rated).
    pub stars: Option<u8>,
}

/// One criterion of a level with the records behind it. Stored as JSON with the commendation
/// (`{"code": "stars", ...}`); rendered in the reader's language by the web layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Detail {
    /// Stars at least `min` everywhere it looked.
    Stars {
        /// Minimum stars.
        min: u8,
        /// Where the policy reads them.
        at: StarsAt,
        /// Every rating looked at.
        seen: Vec<StarsSeen>,
    },
    /// On the red list in at least `min` editions of the year.
    RedEditions {
        /// Minimum number of editions.
        min: u32,
        /// Editions published in the year.
        published: u32,
        /// The numbers of the editions with the merchant on the red list.
        on_red: Vec<i32>,
    },
    /// No serious violation found in the year.
    NoSeriousViolation {
        /// The serious violations of the year: (violation id, date found).
        found: Vec<(i64, NaiveDate)>,
    },
    /// No notice overdue on any day of the year.
    NoOverdueNotice {
        /// The notices overdue in the year: (notice id, deadline, verified on).
        overdue: Vec<(i64, NaiveDate, Option<NaiveDate>)>,
    },
    /// Training attended in the year.
    TrainingHours {
        /// Minimum, tenths of an hour.
        min_tenths: i32,
        /// Attended, tenths of an hour.
        tenths: i32,
        /// The trainings counted.
        trainings: Vec<i64>,
    },
    /// Alliance member all year.
    MemberAllYear {
        /// Member since.
        since: Option<NaiveDate>,
        /// Left on.
        left_on: Option<NaiveDate>,
    },
    /// At most `max` verified complaints in the year.
    Complaints {
        /// Maximum.
        max: u32,
        /// The verified complaints of the year: (complaint id, verified on).
        verified: Vec<(i64, NaiveDate)>,
    },
    /// Nothing since the end of the year that would revoke the commendation at once.
    StillInGoodStanding {
        /// What would revoke it, if anything.
        revoking: Option<Revocation>,
    },
}

impl Detail {
    /// Stable code of the criterion, the same as the JSON `code` field.
    pub fn code(&self) -> &'static str {
        match self {
            Detail::Stars { .. } => "stars",
            Detail::RedEditions { .. } => "red_editions",
            Detail::NoSeriousViolation { .. } => "no_serious_violation",
            Detail::NoOverdueNotice { .. } => "no_overdue_notice",
            Detail::TrainingHours { .. } => "training_hours",
            Detail::MemberAllYear { .. } => "member_all_year",
            Detail::Complaints { .. } => "complaints",
            Detail::StillInGoodStanding { .. } => "still_in_good_standing",
        }
    }
}

/// A criterion's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Whether the merchant meets it.
    pub passed: bool,
    /// What was checked and found.
    pub detail: Detail,
}

/// A level's outcome for one merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelResult {
    /// The level's code.
    pub level: String,
    /// Every criterion the level switches on, in a fixed order.
    pub criteria: Vec<Criterion>,
}

impl LevelResult {
    /// Whether every criterion passed.
    pub fn passed(&self) -> bool {
        self.criteria.iter().all(|c| c.passed)
    }
}

/// The rule's verdict for one merchant and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Merchant id.
    pub merchant_id: i64,
    /// The year.
    pub year: i32,
    /// Every level, highest first.
    pub levels: Vec<LevelResult>,
    /// Index into `levels` of the level proposed (the first one passed), if any.
    pub proposed: Option<usize>,
}

impl Evaluation {
    /// The proposed level's result.
    pub fn proposed_level(&self) -> Option<&LevelResult> {
        self.proposed.map(|i| &self.levels[i])
    }
}

/// Why a commendation was revoked. Stored as JSON (`{"code": "serious_violation", ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RevokeReason {
    /// A serious violation was found.
    SeriousViolation {
        /// Violation id.
        violation_id: i64,
    },
    /// The merchant entered the black list.
    BlackList {
        /// List entry id.
        list_entry_id: i64,
    },
}

/// A revocation: the day and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// The day of the event that revoked it.
    pub on: NaiveDate,
    /// What happened.
    pub reason: RevokeReason,
}

/// First and last day of `year`.
pub fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    (first, last)
}

/// The last day a commendation of `year` is displayed (and can be revoked): 31 December of the
/// following year.
pub fn display_until(year: i32) -> NaiveDate {
    year_bounds(year + 1).1
}

/// Whether a notice was overdue (deadline passed, not yet verified) on some day of
/// `first..=last`: overdue from the day after the deadline until the day it was verified.
fn overdue_within(n: &NoticeFact, first: NaiveDate, last: NaiveDate) -> bool {
    let Some(start) = n.deadline.succ_opt() else {
        return false;
    };
    // The first day no longer overdue.
    let end = n.verified_on.unwrap_or(NaiveDate::MAX);
    start <= last && end > start && end > first
}

/// Evaluates every level of the policy for one merchant and year, as seen on `today` (records
/// after `today` do not exist yet; a year not over is judged on its days so far).
pub fn evaluate(rec: &YearRecord, policy: &CommendationPolicy, year: i32, today: NaiveDate) -> Evaluation {
    let levels: Vec<LevelResult> = policy
        .levels
        .iter()
        .map(|l| evaluate_level(rec, l, &policy.revoke, year, today))
        .collect();
    let proposed = levels.iter().position(LevelResult::passed);
    Evaluation {
        merchant_id: rec.merchant_id,
        year,
        levels,
        proposed,
    }
}

fn evaluate_level(
    rec: &YearRecord,
    level: &CommendationLevel,
    revoke: &RevokeRule,
    year: i32,
    today: NaiveDate,
) -> LevelResult {
    let (first, year_last) = year_bounds(year);
    let last = year_last.min(today);
    let in_year = |d: NaiveDate| first <= d && d <= last;
    let editions: Vec<&EditionStanding> = rec.editions.iter().filter(|e| in_year(e.published_on)).collect();
    let mut criteria = Vec::new();

    let year_end = StarsSeen {
        edition: None,
        date: last,
        stars: rec.year_end_stars,
    };
    let seen: Vec<StarsSeen> = match level.stars_at {
        StarsAt::Editions if !editions.is_empty() => editions
            .iter()
            .map(|e| StarsSeen {
                edition: Some(e.number),
                date: e.published_on,
                stars: e.stars,
            })
            .collect(),
        _ => vec![year_end],
    };
    criteria.push(Criterion {
        passed: seen
            .iter()
            .all(|s| s.stars.is_some_and(|st| st >= level.min_stars)),
        detail: Detail::Stars {
            min: level.min_stars,
            at: level.stars_at,
            seen,
        },
    });

    if level.min_red_editions > 0 {
        let on_red: Vec<i32> = editions.iter().filter(|e| e.on_red).map(|e| e.number).collect();
        criteria.push(Criterion {
            passed: on_red.len() as u32 >= level.min_red_editions,
            detail: Detail::RedEditions {
                min: level.min_red_editions,
                published: editions.len() as u32,
                on_red,
            },
        });
    }

    if level.no_serious_violation {
        let found: Vec<(i64, NaiveDate)> = rec
            .violations
            .iter()
            .filter(|v| v.severity == Severity::Serious && in_year(v.date))
            .map(|v| (v.id, v.date))
            .collect();
        criteria.push(Criterion {
            passed: found.is_empty(),
            detail: Detail::NoSeriousViolation { found },
        });
    }

    if level.no_overdue_notice {
        let overdue: Vec<(i64, NaiveDate, Option<NaiveDate>)> = rec
            .notices
            .iter()
            .filter(|n| n.issued_on <= last)
            .map(|n| NoticeFact {
                // What happened after `today` is not known yet.
                verified_on: n.verified_on.filter(|v| *v <= today),
                ..*n
            })
            .filter(|n| overdue_within(n, first, last))
            .map(|n| (n.id, n.deadline, n.verified_on))
            .collect();
        criteria.push(Criterion {
            passed: overdue.is_empty(),
            detail: Detail::NoOverdueNotice { overdue },
        });
    }

    if level.min_training_tenths > 0 {
        let counted: Vec<&TrainingFact> = rec.trainings.iter().filter(|t| in_year(t.date)).collect();
        let tenths: i32 = counted.iter().map(|t| t.hours_tenths.max(0)).sum();
        criteria.push(Criterion {
            passed: tenths >= level.min_training_tenths,
            detail: Detail::TrainingHours {
                min_tenths: level.min_training_tenths,
                tenths,
                trainings: counted.iter().map(|t| t.id).collect(),
            },
        });
    }

    if level.member_all_year {
        let passed =
            rec.member_since.is_some_and(|s| s <= first) && rec.member_left_on.is_none_or(|l| l > year_last);
        criteria.push(Criterion {
            passed,
            detail: Detail::MemberAllYear {
                since: rec.member_since,
                left_on: rec.member_left_on,
            },
        });
    }

    if let Some(max) = level.max_verified_complaints {
        let verified: Vec<(i64, NaiveDate)> = rec
            .complaints
            .iter()
            .filter(|c| in_year(c.verified_on))
            .map(|c| (c.id, c.verified_on))
            .collect();
        criteria.push(Criterion {
            passed: verified.len() as u32 <= max,
            detail: Detail::Complaints { max, verified },
        });
    }

    // Judged after the year is over: whatever has happened since would revoke it at once.
    if today > year_last {
        let revoking = revocation(rec, revoke, year, today);
        criteria.push(Criterion {
            passed: revoking.is_none(),
            detail: Detail::StillInGoodStanding { revoking },
        });
    }

    LevelResult {
        level: level.code.clone(),
        criteria,
    }
}

/// What revokes a commendation of `year`, as seen on `today`: the earliest event the policy names
/// between 1 January of the following year and `min(today, display_until(year))`, if any.
pub fn revocation(rec: &YearRecord, rule: &RevokeRule, year: i32, today: NaiveDate) -> Option<Revocation> {
    let from = year_bounds(year + 1).0;
    let until = display_until(year).min(today);
    let within = |d: NaiveDate| from <= d && d <= until;
    let mut found: Vec<Revocation> = Vec::new();
    if rule.on_serious_violation {
        found.extend(
            rec.violations
                .iter()
                .filter(|v| v.severity == Severity::Serious && within(v.date))
                .map(|v| Revocation {
                    on: v.date,
                    reason: RevokeReason::SeriousViolation { violation_id: v.id },
                }),
        );
    }
    if rule.on_black_list {
        found.extend(
            rec.black_entries
                .iter()
                .filter(|(_, d)| within(*d))
                .map(|(id, d)| Revocation {
                    on: *d,
                    reason: RevokeReason::BlackList { list_entry_id: *id },
                }),
        );
    }
    found.into_iter().min_by_key(|r| {
        let rank = match r.reason {
            RevokeReason::SeriousViolation { violation_id } => (0, violation_id),
            RevokeReason::BlackList { list_entry_id } => (1, list_entry_id),
        };
        (r.on, rank)
    })
}

/// The year a date's commendations belong to when displayed: a commendation of year Y is shown
/// during Y + 1.
pub fn displayed_year(today: NaiveDate) -> i32 {
    today.year() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Policy;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn policy() -> CommendationPolicy {
        Policy::default_policy().commendation
    }

    /// A merchant that meets every criterion of the top level of the shipped policy in 2025.
    fn model_2025() -> YearRecord {
        YearRecord {
            merchant_id: 7,
            member_since: Some(d(2023, 5, 1)),
            member_left_on: None,
            editions: (0..6)
                .map(|i| EditionStanding {
                    number: i + 1,
                    published_on: d(2025, 2 + 2 * i as u32, 1),
                    stars: Some(5),
                    on_red: true,
                })
                .collect(),
            year_end_stars: Some(5),
            violations: vec![ViolationFact {
                id: 1,
                inspection_id: 1,
                date: d(2025, 3, 3),
                severity: Severity::Minor,
            }],
            notices: vec![NoticeFact {
                id: 1,
                issued_on: d(2025, 3, 3),
                deadline: d(2025, 3, 20),
                verified_on: Some(d(2025, 3, 18)),
            }],
            complaints: vec![],
            trainings: vec![
                TrainingFact {
                    id: 1,
                    date: d(2025, 4, 1),
                    hours_tenths: 30,
                },
                TrainingFact {
                    id: 2,
                    date: d(2025, 9, 1),
                    hours_tenths: 15,
                },
            ],
            black_entries: vec![],
        }
    }

    fn failed(e: &Evaluation, level: usize) -> Vec<&'static str> {
        e.levels[level]
            .criteria
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.detail.code())
            .collect()
    }

    #[test]
    fn shipped_policy_has_two_levels() {
        let p = policy();
        assert_eq!(p.levels.len(), 2);
        assert_eq!(p.levels[0].code, "model");
        assert_eq!(p.levels[0].reward_fen, 500_000);
        assert!(p.revoke.on_serious_violation && p.revoke.on_black_list);
    }

    #[test]
    fn a_model_merchant_is_proposed_for_the_top_level() {
        let e = evaluate(&model_2025(), &policy(), 2025, d(2026, 1, 10));
        assert_eq!(e.proposed, Some(0), "{e:#?}");
        let codes: Vec<&str> = e.levels[0].criteria.iter().map(|c| c.detail.code()).collect();
        assert_eq!(
            codes,
            [
                "stars",
                "red_editions",
                "no_serious_violation",
                "no_overdue_notice",
                "training_hours",
                "member_all_year",
                "complaints",
                "still_in_good_standing"
            ]
        );
    }

    #[test]
    fn one_four_star_edition_drops_to_the_second_level() {
        let mut r = model_2025();
        r.editions[3].stars = Some(4);
        r.editions[3].on_red = false;
        let e = evaluate(&r, &policy(), 2025, d(2026, 1, 10));
        assert_eq!(failed(&e, 0), ["stars"]);
        assert_eq!(e.proposed, Some(1));
        match &e.levels[0].criteria[0].detail {
            Detail::Stars { seen, .. } => assert_eq!(seen.len(), 6),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_failing_criterion_is_named_with_its_records() {
        let p = policy();
        let after = d(2026, 1, 10);
        // A serious violation in the year.
        let mut r = model_2025();
        r.violations.push(ViolationFact {
            id: 9,
            inspection_id: 2,
            date: d(2025, 6, 1),
            severity: Severity::Serious,
        });
        let e = evaluate(&r, &p, 2025, after);
        assert_eq!(failed(&e, 0), ["no_serious_violation"]);
        assert_eq!(e.proposed, None);
        assert_eq!(
            e.levels[0].criteria[2].detail,
            Detail::NoSeriousViolation {
                found: vec![(9, d(2025, 6, 1))]
            }
        );
        // A notice verified one day late.
        let mut r = model_2025();
        r.notices[0].verified_on = Some(d(2025, 3, 22));
        assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["no_overdue_notice"]);
        // Overdue from a deadline in December, verified in January: still overdue in the year.
        let mut r = model_2025();
        r.notices[0].deadline = d(2025, 12, 30);
        r.notices[0].verified_on = Some(d(2026, 1, 5));
        assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["no_overdue_notice"]);
        // Overdue only in the previous year does not count.
        let mut r = model_2025();
        r.notices[0].issued_on = d(2024, 11, 1);
        r.notices[0].deadline = d(2024, 11, 20);
        r.notices[0].verified_on = Some(d(2024, 12, 1));
        assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), Vec::<&str>::new());
        // Too little training.
        let mut r = model_2025();
        r.trainings.pop();
        assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["training_hours"]);
        // Joined in February.
        let mut r = model_2025();
        r.member_since = Some(d(2025, 2, 1));
        assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["member_all_year"]);
        // Left on 31 December (the last day it was no longer a member).
        let mut r = model_2025();
        r.member_left_on = Some(d(2025, 12, 31));
        assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["member_all_year"]);
        // A verified complaint.
        let mut r = model_2025();
        r.complaints.push(ComplaintFact {
            id: 3,
            verified_on: d(2025, 8, 8),
        });
        let e = evaluate(&r, &p, 2025, after);
        assert_eq!(failed(&e, 0), ["complaints"]);
        assert_eq!(e.proposed, Some(1));
        // On the red list in only three editions.
        let mut r = model_2025();
        for e in &mut r.editions[..3] {
            e.on_red = false;
        }
        assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["red_editions"]);
    }

    #[test]
    fn no_edition_in_the_year_reads_the_year_end_rating() {
        let mut r = model_2025();
        r.editions.clear();
        let e = evaluate(&r, &policy(), 2025, d(2026, 1, 10));
        match &e.levels[0].criteria[0] {
            Criterion {
                passed: true,
                detail: Detail::Stars { seen, .. },
            } => assert_eq!(seen[0].edition, None),
            other => panic!("{other:?}"),
        }
        // The top level wants red-list editions; the second does not.
        assert_eq!(failed(&e, 0), ["red_editions"]);
        assert_eq!(e.proposed, Some(1));
        r.year_end_stars = None;
        assert_eq!(evaluate(&r, &policy(), 2025, d(2026, 1, 10)).proposed, None);
    }

    #[test]
    fn records_outside_the_year_or_after_today_do_not_count() {
        let mut r = model_2025();
        r.violations.push(ViolationFact {
            id: 4,
            inspection_id: 3,
            date: d(2024, 12, 31),
            severity: Severity::Serious,
        });
        r.complaints.push(ComplaintFact {
            id: 5,
            verified_on: d(2024, 12, 30),
        });
        assert_eq!(evaluate(&r, &policy(), 2025, d(2026, 1, 10)).proposed, Some(0));
        // Judged during the year, nothing after today is known and no good-standing check applies.
        let e = evaluate(&model_2025(), &policy(), 2025, d(2025, 5, 1));
        assert!(e.levels[0]
            .criteria
            .iter()
            .all(|c| c.detail.code() != "still_in_good_standing"));
        assert_eq!(failed(&e, 0), ["red_editions", "training_hours"]);
    }

    #[test]
    fn something_since_the_year_end_that_would_revoke_it_blocks_the_proposal() {
        let mut r = model_2025();
        r.black_entries.push((12, d(2026, 1, 3)));
        let e = evaluate(&r, &policy(), 2025, d(2026, 1, 10));
        assert_eq!(failed(&e, 0), ["still_in_good_standing"]);
        assert_eq!(e.proposed, None);
    }

    #[test]
    fn revocation_takes_the_earliest_event_of_the_display_year() {
        let rule = policy().revoke;
        let mut r = model_2025();
        assert_eq!(revocation(&r, &rule, 2025, d(2026, 12, 31)), None);
        r.violations.push(ViolationFact {
            id: 20,
            inspection_id: 5,
            date: d(2026, 5, 2),
            severity: Severity::Serious,
        });
        r.black_entries.push((30, d(2026, 5, 2)));
        r.black_entries.push((31, d(2026, 4, 9)));
        // Not yet happened on the day asked.
        assert_eq!(revocation(&r, &rule, 2025, d(2026, 4, 1)), None);
        assert_eq!(
            revocation(&r, &rule, 2025, d(2026, 6, 1)),
            Some(Revocation {
                on: d(2026, 4, 9),
                reason: RevokeReason::BlackList { list_entry_id: 31 }
            })
        );
        // Switched off: only the violation counts.
        let only_violations = RevokeRule {
            on_black_list: false,
            ..rule
        };
        assert_eq!(
            revocation(&r, &only_violations, 2025, d(2026, 6, 1)).map(|x| x.reason),
            Some(RevokeReason::SeriousViolation { violation_id: 20 })
        );
        // After the display year, nothing revokes it any more.
        let mut late = model_2025();
        late.black_entries.push((40, d(2027, 1, 2)));
        assert_eq!(revocation(&late, &rule, 2025, d(2027, 3, 1)), None);
        // A minor violation never revokes.
        let mut minor = model_2025();
        minor.violations.push(ViolationFact {
            id: 41,
            inspection_id: 6,
            date: d(2026, 2, 2),
            severity: Severity::Minor,
        });
        assert_eq!(revocation(&minor, &rule, 2025, d(2026, 6, 1)), None);
    }

    #[test]
    fn criteria_survive_a_json_round_trip() {
        let e = evaluate(&model_2025(), &policy(), 2025, d(2026, 1, 10));
        let json = serde_json::to_string(&e.levels[0].criteria).unwrap();
        assert!(json.contains("\"code\":\"red_editions\""), "{json}");
        let back: Vec<Criterion> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e.levels[0].criteria);
    }

    fn arb_record() -> impl Strategy<Value = YearRecord> {
        let day = (0i64..1000).prop_map(|n| d(2024, 6, 1) + chrono::Duration::days(n));
        (
            proptest::option::of(day.clone()),
            proptest::option::of(day.clone()),
            proptest::collection::vec((day.clone(), proptest::option::of(1u8..=5), any::<bool>()), 0..8),
            proptest::option::of(1u8..=5),
            proptest::collection::vec((day.clone(), 0usize..3), 0..5),
            proptest::collection::vec((day.clone(), 0i64..40, proptest::option::of(0i64..60)), 0..4),
            proptest::collection::vec(day.clone(), 0..3),
            proptest::collection::vec((day.clone(), 0i32..60), 0..5),
            proptest::collection::vec(day, 0..3),
        )
            .prop_map(|(since, left, eds, ye, vs, ns, cs, ts, bs)| {
                let mut editions: Vec<EditionStanding> = eds
                    .into_iter()
                    .enumerate()
                    .map(|(i, (date, stars, red))| EditionStanding {
                        number: i as i32 + 1,
                        published_on: date,
                        stars,
                        on_red: red && stars == Some(5),
                    })
                    .collect();
                editions.sort_by_key(|e| e.published_on);
                YearRecord {
                    merchant_id: 1,
                    member_since: since,
                    member_left_on: left.filter(|l| since.is_some_and(|s| *l > s)),
                    editions,
                    year_end_stars: ye,
                    violations: vs
                        .into_iter()
                        .enumerate()
                        .map(|(i, (date, s))| ViolationFact {
                            id: i as i64,
                            inspection_id: 0,
                            date,
                            severity: Severity::ALL[s],
                        })
                        .collect(),
                    notices: ns
                        .into_iter()
                        .enumerate()
                        .map(|(i, (date, dl, v))| NoticeFact {
                            id: i as i64,
                            issued_on: date,
                            deadline: date + chrono::Duration::days(dl),
                            verified_on: v.map(|v| date + chrono::Duration::days(v)),
                        })
                        .collect(),
                    complaints: cs
                        .into_iter()
                        .enumerate()
                        .map(|(i, date)| ComplaintFact {
                            id: i as i64,
                            verified_on: date,
                        })
                        .collect(),
                    trainings: ts
                        .into_iter()
                        .enumerate()
                        .map(|(i, (date, h))| TrainingFact {
                            id: i as i64,
                            date,
                            hours_tenths: h,
                        })
                        .collect(),
                    black_entries: bs.into_iter().enumerate().map(|(i, d)| (i as i64, d)).collect(),
                }
            })
    }

    proptest! {
        /// The proposal is the first level passed; a merchant meeting a stricter level's criteria
        /// never fails a laxer one that checks the same things less strictly.
        #[test]
        fn proposal_is_the_first_level_passed(r in arb_record(), today_off in 0i64..700) {
            let today = d(2025, 1, 1) + chrono::Duration::days(today_off);
            let p = policy();
            let e = evaluate(&r, &p, 2025, today);
            prop_assert_eq!(e.levels.len(), p.levels.len());
            match e.proposed {
                Some(i) => {
                    prop_assert!(e.levels[i].passed());
                    prop_assert!(e.levels[..i].iter().all(|l| !l.passed()));
                }
                None => prop_assert!(e.levels.iter().all(|l| !l.passed())),
            }
            // The shipped levels are nested: passing "model" implies passing "excellent".
            if e.levels[0].passed() {
                prop_assert!(e.levels[1].passed());
            }
        }

        /// Records outside the year (before it, or after today within it) never change the verdict
        /// on the criteria that look only inside the year.
        #[test]
        fn adding_records_before_the_year_changes_nothing(r in arb_record(), n in 1i64..300) {
            let today = d(2026, 1, 15);
            let p = policy();
            let base = evaluate(&r, &p, 2025, today);
            let mut more = r.clone();
            let day = d(2025, 1, 1) - chrono::Duration::days(n);
            more.violations.push(ViolationFact { id: 999, inspection_id: 0, date: day, severity: Severity::Serious });
            more.complaints.push(ComplaintFact { id: 999, verified_on: day });
            more.trainings.push(TrainingFact { id: 999, date: day, hours_tenths: 100 });
            more.black_entries.push((999, day));
            prop_assert_eq!(evaluate(&more, &p, 2025, today).proposed, base.proposed);
        }

        /// A revocation, when there is one, is dated inside the display year and not after today;
        /// and once found it stays found on every later day of the display year.
        #[test]
        fn revocation_is_in_the_display_year_and_stable(r in arb_record(), a in 0i64..400, b in 0i64..400) {
            let rule = policy().revoke;
            let (t1, t2) = (d(2026, 1, 1) + chrono::Duration::days(a.min(b)), d(2026, 1, 1) + chrono::Duration::days(a.max(b)));
            if let Some(rv) = revocation(&r, &rule, 2025, t1) {
                prop_assert!(rv.on >= d(2026, 1, 1) && rv.on <= t1 && rv.on <= display_until(2025));
                prop_assert_eq!(revocation(&r, &rule, 2025, t2), Some(rv));
            }
        }
    }
}
