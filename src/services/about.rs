//! Figures for the public "what the rating means" page: how often merchants are really inspected.
//!
//! The policy has no inspection programme yet, so the page says the rating window and what the
//! data shows. Three counts, kept while what they count is unchanged (four index lookups say so).

use std::sync::Mutex;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{inspections, merchants};
use crate::db::DbConn;

/// How often merchants were inspected in the twelve months up to a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frequency {
    /// The last day counted.
    pub upto: NaiveDate,
    /// Open merchants with a rating (not 待评).
    pub rated: i64,
    /// Inspections of open merchants dated in the twelve months up to `upto` (365 days).
    pub inspections: i64,
    /// Open merchants inspected at least once in those twelve months.
    pub inspected: i64,
}

impl Frequency {
    /// Inspections per rated merchant, in tenths (rounded half up); `None` with no rated merchant.
    pub fn per_rated_tenths(&self) -> Option<i64> {
        (self.rated > 0).then(|| (self.inspections * 20 + self.rated) / (2 * self.rated))
    }

    /// Share of the rated merchants inspected in the twelve months, in whole percent (at most 100).
    pub fn inspected_percent(&self) -> Option<i64> {
        (self.rated > 0).then(|| ((self.inspected * 200 + self.rated) / (2 * self.rated)).min(100))
    }
}

/// What the figures were counted from: the newest inspection, inspection edit, merchant edit and
/// rating (a new rating may rate a merchant that was 待评).
type Version = (
    Option<i32>,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
    Option<i32>,
);

static KEPT: Mutex<Option<(Version, Frequency)>> = Mutex::new(None);

fn version(conn: &mut DbConn) -> QueryResult<Version> {
    use crate::db::schema::rating_snapshots;
    Ok((
        inspections::table
            .select(diesel::dsl::max(inspections::id))
            .get_result(conn)?,
        inspections::table
            .select(diesel::dsl::max(inspections::updated_at))
            .get_result(conn)?,
        merchants::table
            .select(diesel::dsl::max(merchants::updated_at))
            .get_result(conn)?,
        rating_snapshots::table
            .select(diesel::dsl::max(rating_snapshots::id))
            .get_result(conn)?,
    ))
}

/// The figures up to `today`, counted again only when a day, an inspection, a merchant or a
/// rating has changed since they were last counted.
pub fn inspection_frequency(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Frequency> {
    let v = version(conn)?;
    if let Ok(kept) = KEPT.lock() {
        if let Some((kept_v, f)) = *kept {
            if f.upto == today && kept_v == v {
                return Ok(f);
            }
        }
    }
    let f = count(conn, today)?;
    if let Ok(mut kept) = KEPT.lock() {
        *kept = Some((v, f));
    }
    Ok(f)
}

/// Counts the figures now (no keeping): what [`inspection_frequency`] shows.
pub fn count(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Frequency> {
    let from = today - chrono::Duration::days(365);
    let rated: i64 = merchants::table
        .filter(merchants::status.eq("open"))
        .filter(merchants::current_stars.is_not_null())
        .count()
        .get_result(conn)?;
    let in_year = inspections::table
        .inner_join(merchants::table)
        .filter(merchants::status.eq("open"))
        .filter(inspections::inspected_on.gt(from))
        .filter(inspections::inspected_on.le(today));
    let count: i64 = in_year.count().get_result(conn)?;
    let inspected: i64 = in_year
        .select(diesel::dsl::count(inspections::merchant_id).aggregate_distinct())
        .get_result(conn)?;
    Ok(Frequency {
        upto: today,
        rated,
        inspections: count,
        inspected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_rated_and_share_round_half_up() {
        let f = Frequency {
            upto: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            rated: 3,
            inspections: 7,
            inspected: 2,
        };
        assert_eq!(f.per_rated_tenths(), Some(23));
        assert_eq!(f.inspected_percent(), Some(67));
        let none = Frequency { rated: 0, ..f };
        assert_eq!(none.per_rated_tenths(), None);
    }
}
