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
mod tests;
