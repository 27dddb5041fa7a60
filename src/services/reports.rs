//! The alliance's year in review (年度总结): the year's figures, counted from the tables that
//! record them, with a few set-wise queries (grouped counts, never one query per merchant).
//!
//! Every figure is defined in `docs/reports.md`. Two rules hold throughout: a fact counts in the
//! year its own date falls in (a timestamp by its UTC date, as the rating engine reads it), and
//! the report looks at the world as it stood at the end of its period — a notice verified in the
//! January after its year was not verified by that year's end. The period is 1 January to
//! 31 December, or to `upto` for the year to date, so a finished year's report never changes.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    commendations, complaints, edition_entries, editions, inspection_items, inspections, list_entries,
    merchants, notices, rating_snapshots, rewards, training_attendance, trainings, violations,
};
use crate::db::DbConn;
use crate::domain::facts::Severity;
use crate::domain::policy::Policy;
use crate::domain::words::{ComplaintState, ListStatus};

/// The first year a report can be asked for.
pub const FIRST_YEAR: i32 = 2000;

/// How many checklist items the report ranks.
pub const TOP_ITEMS: usize = 10;

/// A year's figures: the public report, the staff's year to date and the JSON API.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct YearReport {
    /// The calendar year.
    pub year: i32,
    /// The first day counted: 1 January.
    pub from: NaiveDate,
    /// The last day counted: 31 December, or the day the year-to-date figures run to.
    pub to: NaiveDate,
    /// Whether the period is the whole year (`to` is 31 December).
    pub complete: bool,
    pub members: MemberFigures,
    /// Inspections per month of `inspected_on`, January first: always 12 numbers.
    pub inspections_by_month: Vec<i64>,
    /// All inspections in the period (the sum of `inspections_by_month`).
    pub inspections: i64,
    pub violations: SeverityCounts,
    /// The checklist items most often marked down: inspections in the period with a deduction
    /// on the item, most first (at most 10; ties by code).
    pub checklist_top: Vec<ChecklistCount>,
    pub notices: NoticeFigures,
    pub complaints: ComplaintFigures,
    pub trainings: TrainingFigures,
    pub rewards: RewardFigures,
    pub stars: StarCounts,
    /// The red and black list sizes of each edition published in the period, oldest first.
    pub editions: Vec<EditionSize>,
    /// Merchants that left the black list in the period (credit repair, 信用修复).
    pub credit_repairs: i64,
    /// The year's commended merchants (表彰), by level then name; empty until a decision.
    pub commendations: Vec<Commended>,
}

/// Alliance membership (`merchants.member_since`, `merchants.member_left_on`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MemberFigures {
    /// Merchants whose `member_since` is in the period.
    pub joined: i64,
    /// Merchants whose `member_left_on` is in the period.
    pub left: i64,
    /// Members on the period's last day: joined on or before it, not left by it.
    pub at_end: i64,
}

/// Violations found in the period (`violations.found_on`), by severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SeverityCounts {
    /// 一般
    pub minor: i64,
    /// 较重
    pub major: i64,
    /// 严重
    pub serious: i64,
    pub total: i64,
}

/// One checklist item and how many inspections marked it down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChecklistCount {
    /// The item's code, e.g. "C03".
    pub code: String,
    /// Its title in the active policy (the code itself for an item the policy no longer has).
    pub title_zh: String,
    pub title_en: String,
    /// Inspections in the period with a deduction (> 0) on this item.
    pub inspections: i64,
}

/// Rectification notices issued in the period, as they stood at its end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NoticeFigures {
    /// Notices whose `issued_at` is in the period.
    pub issued: i64,
    /// Of those, verified by the period's end on or before their deadline.
    pub on_time: i64,
    /// Of those, verified after their deadline, or unverified at the period's end with the
    /// deadline before it.
    pub overdue: i64,
    /// The rest: still open at the period's end, deadline not yet passed.
    pub open: i64,
    /// Median days from issue to verification over the verified ones (one decimal); none when
    /// none was verified.
    pub median_days_to_verify: Option<f64>,
}

/// Consumer complaints filed in the period (`complaints.created_at`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ComplaintFigures {
    /// Filed in the period, found true (status `verified`) by its end.
    pub verified: i64,
    /// Filed in the period and triaged (either way) by its end.
    pub triaged: i64,
    /// Median days from filing to triage over those (one decimal); none when none was triaged.
    pub median_days_to_triage: Option<f64>,
}

/// Training sessions held in the period (`trainings.held_on`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TrainingFigures {
    /// Sessions held.
    pub held: i64,
    /// Attendances recorded at them (one merchant at one session).
    pub attendances: i64,
    /// The sessions' hours summed over every attendance, in tenths of an hour.
    pub attendance_hours_tenths: i64,
}

/// Rewards granted in the period (`rewards.granted_on`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RewardFigures {
    /// Their sum, in fen (1/100 yuan).
    pub paid_fen: i64,
    /// How many rewards.
    pub count: i64,
    /// How many different merchants received them.
    pub merchants: i64,
}

/// The star ratings on the period's last day: each open merchant's latest rating computed for a
/// day on or before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StarCounts {
    /// Merchants with 1, 2, 3, 4 and 5 stars: always 5 numbers, one star first.
    pub by_stars: Vec<i64>,
    /// Rated "not yet rated" (待评): no inspection in the rating window.
    pub unrated: i64,
}

/// One published edition's list sizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EditionSize {
    /// The edition's number (第N期).
    pub number: i32,
    pub published_on: NaiveDate,
    /// Merchants on its red list.
    pub red: i64,
    /// Merchants on its black list.
    pub black: i64,
}

/// A commended merchant, as the year's commendation decision recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, Queryable)]
pub struct Commended {
    pub merchant_id: i32,
    pub merchant_name: String,
    pub category: String,
    pub area: String,
    /// The level's code.
    pub level: String,
    /// 0 is the highest level.
    pub level_rank: i32,
    pub level_name_zh: String,
    pub level_name_en: String,
    /// When the commendation was revoked, if it was.
    pub revoked_on: Option<NaiveDate>,
}

/// The days a report of `year` counts: 1 January to 31 December or `upto`, whichever is first.
/// `None` when `upto` is before the year begins (a year not yet started).
pub fn period(year: i32, upto: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31)?;
    let end = last.min(upto);
    (end >= start).then_some((start, end))
}

/// Whether `year` can have a report when today is `today`: from [`FIRST_YEAR`] to next year.
pub fn year_in_range(year: i32, today: NaiveDate) -> bool {
    (FIRST_YEAR..=today.year() + 1).contains(&year)
}

/// The median of `values` rounded to one decimal; `None` for no values.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let m = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    Some((m * 10.0).round() / 10.0)
}

/// Days between two moments, as a fraction; an end recorded before its start counts as 0.
fn days_between(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    (to - from).num_seconds().max(0) as f64 / 86_400.0
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or_default()
}

/// The year's report, counted up to `upto` (31 December or later for the whole year). Checklist
/// titles come from `policy`, the one in force.
pub fn year_report(
    conn: &mut DbConn,
    policy: &Policy,
    year: i32,
    upto: NaiveDate,
) -> QueryResult<YearReport> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(diesel::result::Error::NotFound)?;
    let Some((start, end)) = period(year, upto) else {
        // Not begun yet: nothing to count.
        return Ok(empty(year, from, from - Duration::days(1)));
    };
    // Timestamps count by their UTC date: [start 00:00, end + 1 day 00:00).
    let (t0, t1) = (midnight(start), midnight(end + Duration::days(1)));

    let members = MemberFigures {
        joined: merchants::table
            .filter(merchants::member_since.between(start, end))
            .count()
            .get_result(conn)?,
        left: merchants::table
            .filter(merchants::member_left_on.between(start, end))
            .count()
            .get_result(conn)?,
        at_end: merchants::table
            .filter(merchants::member_since.le(end))
            .filter(
                merchants::member_left_on
                    .is_null()
                    .or(merchants::member_left_on.gt(end)),
            )
            .count()
            .get_result(conn)?,
    };

    let by_day: Vec<(NaiveDate, i64)> = inspections::table
        .filter(inspections::inspected_on.between(start, end))
        .group_by(inspections::inspected_on)
        .select((inspections::inspected_on, diesel::dsl::count_star()))
        .load(conn)?;
    let mut inspections_by_month = vec![0i64; 12];
    for (day, n) in by_day {
        inspections_by_month[day.month0() as usize] += n;
    }

    let by_severity: Vec<(Severity, i64)> = violations::table
        .filter(violations::found_on.between(start, end))
        .group_by(violations::severity)
        .select((violations::severity, diesel::dsl::count_star()))
        .load(conn)?;
    let mut severities = SeverityCounts::default();
    for (s, n) in by_severity {
        match s {
            Severity::Minor => severities.minor += n,
            Severity::Major => severities.major += n,
            Severity::Serious => severities.serious += n,
        }
        severities.total += n;
    }

    let items: Vec<(String, i64)> = inspection_items::table
        .inner_join(inspections::table)
        .filter(inspections::inspected_on.between(start, end))
        .filter(inspection_items::deduction.gt(0))
        .group_by(inspection_items::item_code)
        .select((
            inspection_items::item_code,
            diesel::dsl::count(inspection_items::inspection_id).aggregate_distinct(),
        ))
        .load(conn)?;
    let checklist_top = top_items(items, policy);

    let notice_rows: Vec<(NaiveDateTime, NaiveDate, Option<NaiveDateTime>)> = notices::table
        .filter(notices::issued_at.ge(t0).and(notices::issued_at.lt(t1)))
        .select((notices::issued_at, notices::deadline, notices::verified_at))
        .load(conn)?;
    let notices = notice_figures(&notice_rows, end);

    let complaint_rows: Vec<(ComplaintState, NaiveDateTime, Option<NaiveDateTime>)> = complaints::table
        .filter(complaints::created_at.ge(t0).and(complaints::created_at.lt(t1)))
        .select((complaints::status, complaints::created_at, complaints::triaged_at))
        .load(conn)?;
    let complaints = complaint_figures(&complaint_rows, t1);

    let held: i64 = trainings::table
        .filter(trainings::held_on.between(start, end))
        .count()
        .get_result(conn)?;
    let attendance: Vec<(i32, i64)> = training_attendance::table
        .inner_join(trainings::table)
        .filter(trainings::held_on.between(start, end))
        .group_by(trainings::hours_tenths)
        .select((trainings::hours_tenths, diesel::dsl::count_star()))
        .load(conn)?;
    let trainings = TrainingFigures {
        held,
        attendances: attendance.iter().map(|(_, n)| n).sum(),
        attendance_hours_tenths: attendance.iter().map(|(h, n)| i64::from(*h) * n).sum(),
    };

    let paid: Vec<(i32, i64)> = rewards::table
        .filter(rewards::granted_on.between(start, end))
        .select((rewards::merchant_id, rewards::amount_fen))
        .load(conn)?;
    let mut receivers: Vec<i32> = paid.iter().map(|(m, _)| *m).collect();
    receivers.sort_unstable();
    receivers.dedup();
    let rewards = RewardFigures {
        paid_fen: paid.iter().map(|(_, f)| f).sum(),
        count: paid.len() as i64,
        merchants: receivers.len() as i64,
    };

    let stars = star_counts(conn, end)?;
    let editions = edition_sizes(conn, start, end)?;

    let credit_repairs: i64 = list_entries::table
        .filter(list_entries::list.eq(ListStatus::Black))
        .filter(list_entries::left_on.between(start, end))
        .select(diesel::dsl::count(list_entries::merchant_id).aggregate_distinct())
        .get_result(conn)?;

    let commendations: Vec<Commended> = commendations::table
        .filter(commendations::year.eq(year))
        .order((
            commendations::level_rank.asc(),
            commendations::merchant_name.asc(),
        ))
        .select((
            commendations::merchant_id,
            commendations::merchant_name,
            commendations::category,
            commendations::area,
            commendations::level,
            commendations::level_rank,
            commendations::level_name_zh,
            commendations::level_name_en,
            commendations::revoked_on,
        ))
        .load(conn)?;

    Ok(YearReport {
        year,
        from: start,
        to: end,
        complete: end.month() == 12 && end.day() == 31,
        members,
        inspections: inspections_by_month.iter().sum(),
        inspections_by_month,
        violations: severities,
        checklist_top,
        notices,
        complaints,
        trainings,
        rewards,
        stars,
        editions,
        credit_repairs,
        commendations,
    })
}

/// A report with nothing in it, for a year that has not begun.
fn empty(year: i32, from: NaiveDate, to: NaiveDate) -> YearReport {
    YearReport {
        year,
        from,
        to,
        complete: false,
        members: MemberFigures::default(),
        inspections_by_month: vec![0; 12],
        inspections: 0,
        violations: SeverityCounts::default(),
        checklist_top: Vec::new(),
        notices: NoticeFigures::default(),
        complaints: ComplaintFigures::default(),
        trainings: TrainingFigures::default(),
        rewards: RewardFigures::default(),
        stars: StarCounts {
            by_stars: vec![0; 5],
            unrated: 0,
        },
        editions: Vec::new(),
        credit_repairs: 0,
        commendations: Vec::new(),
    }
}

/// The ten items most often marked down, with their titles from `policy`.
fn top_items(mut items: Vec<(String, i64)>, policy: &Policy) -> Vec<ChecklistCount> {
    items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    items
        .into_iter()
        .take(TOP_ITEMS)
        .map(|(code, n)| {
            let (zh, en) = policy
                .checklist_item(&code)
                .map(|i| (i.title_zh.clone(), i.title_en.clone()))
                .unwrap_or_else(|| (code.clone(), code.clone()));
            ChecklistCount {
                code,
                title_zh: zh,
                title_en: en,
                inspections: n,
            }
        })
        .collect()
}

/// Notices `(issued_at, deadline, verified_at)` issued in a period ending on `end`, as they
/// stood on that day.
pub fn notice_figures(
    rows: &[(NaiveDateTime, NaiveDate, Option<NaiveDateTime>)],
    end: NaiveDate,
) -> NoticeFigures {
    let mut f = NoticeFigures {
        issued: rows.len() as i64,
        ..Default::default()
    };
    let mut days = Vec::new();
    for (issued, deadline, verified) in rows {
        match verified.filter(|v| v.date() <= end) {
            Some(v) => {
                days.push(days_between(*issued, v));
                if v.date() <= *deadline {
                    f.on_time += 1;
                } else {
                    f.overdue += 1;
                }
            }
            None if *deadline < end => f.overdue += 1,
            None => f.open += 1,
        }
    }
    f.median_days_to_verify = median(days);
    f
}

/// Complaints `(status, created_at, triaged_at)` filed in a period that ends before `until`.
pub fn complaint_figures(
    rows: &[(ComplaintState, NaiveDateTime, Option<NaiveDateTime>)],
    until: NaiveDateTime,
) -> ComplaintFigures {
    let triaged: Vec<(ComplaintState, f64)> = rows
        .iter()
        .filter_map(|(status, created, at)| {
            at.filter(|t| *t < until)
                .map(|t| (*status, days_between(*created, t)))
        })
        .collect();
    ComplaintFigures {
        verified: triaged
            .iter()
            .filter(|(s, _)| *s == ComplaintState::Verified)
            .count() as i64,
        triaged: triaged.len() as i64,
        median_days_to_triage: median(triaged.iter().map(|(_, d)| *d).collect()),
    }
}

/// Each open merchant's latest rating computed for a day on or before `end`, counted by stars.
fn star_counts(conn: &mut DbConn, end: NaiveDate) -> QueryResult<StarCounts> {
    let earlier = diesel::alias!(rating_snapshots as earlier);
    let latest = earlier
        .filter(earlier.field(rating_snapshots::as_of).le(end))
        .group_by(earlier.field(rating_snapshots::merchant_id))
        .select(diesel::dsl::max(earlier.field(rating_snapshots::id)));
    let rows: Vec<(Option<i32>, i64)> = rating_snapshots::table
        .inner_join(merchants::table)
        .filter(merchants::status.ne("closed"))
        .filter(rating_snapshots::id.nullable().eq_any(latest))
        .group_by(rating_snapshots::stars)
        .select((rating_snapshots::stars, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out = StarCounts {
        by_stars: vec![0; 5],
        unrated: 0,
    };
    for (stars, n) in rows {
        match stars {
            Some(s @ 1..=5) => out.by_stars[(s - 1) as usize] += n,
            _ => out.unrated += n,
        }
    }
    Ok(out)
}

/// The list sizes of every edition published from `start` to `end`.
fn edition_sizes(conn: &mut DbConn, start: NaiveDate, end: NaiveDate) -> QueryResult<Vec<EditionSize>> {
    let published: Vec<(i32, i32, NaiveDate)> = editions::table
        .filter(editions::published_on.between(start, end))
        .order(editions::number.asc())
        .select((editions::id, editions::number, editions::published_on))
        .load(conn)?;
    let counts: Vec<(i32, ListStatus, i64)> = edition_entries::table
        .inner_join(editions::table)
        .filter(editions::published_on.between(start, end))
        .group_by((edition_entries::edition_id, edition_entries::list))
        .select((
            edition_entries::edition_id,
            edition_entries::list,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let mut by_edition: std::collections::HashMap<(i32, ListStatus), i64> = Default::default();
    for (id, list, n) in counts {
        by_edition.insert((id, list), n);
    }
    let size = |id: i32, list: ListStatus| by_edition.get(&(id, list)).copied().unwrap_or(0);
    Ok(published
        .into_iter()
        .map(|(id, number, published_on)| EditionSize {
            number,
            published_on,
            red: size(id, ListStatus::Red),
            black: size(id, ListStatus::Black),
        })
        .collect())
}

/// One year, as the SQL returns it.
#[derive(QueryableByName)]
struct YearRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    y: Option<i32>,
}

/// The dated facts a year can have; `{Y}` is the backend's "year of" expression.
const YEARS_SQL: &str = "SELECT DISTINCT y FROM ( \
    SELECT {Y(inspected_on)} AS y FROM inspections \
    UNION SELECT {Y(member_since)} FROM merchants \
    UNION SELECT {Y(member_left_on)} FROM merchants \
    UNION SELECT {Y(found_on)} FROM violations \
    UNION SELECT {Y(issued_at)} FROM notices \
    UNION SELECT {Y(created_at)} FROM complaints \
    UNION SELECT {Y(held_on)} FROM trainings \
    UNION SELECT {Y(granted_on)} FROM rewards \
    UNION SELECT {Y(published_on)} FROM editions \
    UNION SELECT {Y(left_on)} FROM list_entries \
    UNION SELECT year FROM commendations \
    ) AS years WHERE y IS NOT NULL ORDER BY y DESC";

/// `YEARS_SQL` with `{Y(col)}` replaced by `f(col)`.
fn years_sql(f: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = YEARS_SQL;
    while let Some(i) = rest.find("{Y(") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        let close = after.find(")}").unwrap_or(after.len());
        out.push_str(&f(&after[..close]));
        rest = after.get(close + 2..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The years with at least one dated fact (an inspection, a member joining or leaving, a
/// violation, a notice, a complaint, a training, a reward, an edition, a list exit, a
/// commendation), newest first. One query.
pub fn years_with_data(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    let rows: Vec<YearRow> = match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query(years_sql(|col| format!("CAST(strftime('%Y', {col}) AS INTEGER)"))).load(c)?
        }
        DbConn::Postgresql(c) => diesel::sql_query(years_sql(|col| {
            format!("CAST(EXTRACT(YEAR FROM {col}) AS INTEGER)")
        }))
        .load(c)?,
    };
    Ok(rows.into_iter().filter_map(|r| r.y).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(y: i32, m: u32, day: u32, h: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn the_period_is_the_year_or_the_year_to_date() {
        assert_eq!(
            period(2025, d(2026, 3, 1)),
            Some((d(2025, 1, 1), d(2025, 12, 31)))
        );
        assert_eq!(period(2026, d(2026, 3, 1)), Some((d(2026, 1, 1), d(2026, 3, 1))));
        assert_eq!(period(2027, d(2026, 3, 1)), None);
        assert!(year_in_range(2000, d(2026, 3, 1)));
        assert!(year_in_range(2027, d(2026, 3, 1)));
        assert!(!year_in_range(1999, d(2026, 3, 1)));
        assert!(!year_in_range(2028, d(2026, 3, 1)));
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0]), Some(2.5));
        assert_eq!(median(vec![1.0 / 3.0]), Some(0.3));
        assert_eq!(
            days_between(t(2025, 1, 2, 0), t(2025, 1, 1, 0)),
            0.0,
            "never negative"
        );
        assert_eq!(days_between(t(2025, 1, 1, 0), t(2025, 1, 2, 12)), 1.5);
    }

    #[test]
    fn notices_are_judged_as_they_stood_at_the_period_end() {
        let end = d(2025, 12, 31);
        let rows = vec![
            // Verified on the deadline: on time, 5 days.
            (t(2025, 3, 1, 8), d(2025, 3, 6), Some(t(2025, 3, 6, 8))),
            // Verified two days late: overdue, 9 days.
            (t(2025, 4, 1, 8), d(2025, 4, 8), Some(t(2025, 4, 10, 8))),
            // Never verified, deadline passed: overdue.
            (t(2025, 5, 1, 8), d(2025, 5, 8), None),
            // Deadline after the year end, verified in the next year: still open at the end.
            (t(2025, 12, 20, 8), d(2026, 1, 5), Some(t(2026, 1, 2, 8))),
            // Deadline on the last day, unverified: not yet overdue.
            (t(2025, 12, 21, 8), d(2025, 12, 31), None),
        ];
        let f = notice_figures(&rows, end);
        assert_eq!((f.issued, f.on_time, f.overdue, f.open), (5, 1, 2, 2));
        assert_eq!(f.median_days_to_verify, Some(7.0));
    }

    #[test]
    fn complaints_triaged_after_the_period_do_not_count() {
        let until = midnight(d(2026, 1, 1));
        let rows = vec![
            (
                ComplaintState::Verified,
                t(2025, 2, 1, 0),
                Some(t(2025, 2, 1, 12)),
            ),
            (
                ComplaintState::Dismissed,
                t(2025, 2, 1, 0),
                Some(t(2025, 2, 3, 0)),
            ),
            (
                ComplaintState::Verified,
                t(2025, 12, 30, 0),
                Some(t(2026, 1, 2, 0)),
            ),
            (ComplaintState::New, t(2025, 6, 1, 0), None),
        ];
        let f = complaint_figures(&rows, until);
        assert_eq!((f.verified, f.triaged), (1, 2));
        assert_eq!(f.median_days_to_triage, Some(1.3));
    }

    #[test]
    fn the_years_query_names_every_column_once() {
        let sql = years_sql(|c| format!("Y[{c}]"));
        assert!(!sql.contains("{Y("), "{sql}");
        assert!(sql.contains("Y[inspected_on]") && sql.contains("Y[left_on]"));
    }
}
