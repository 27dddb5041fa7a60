//! What the public pages, the portal and the plaque read.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::*;
use crate::db::schema::{commendation_decisions, commendations};
use crate::db::DbConn;

/// A decided year for the index page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearSummary {
    pub year: i32,
    pub number: String,
    pub number_en: String,
    pub decided_on: NaiveDate,
    /// Commended merchants, revoked ones included.
    pub commended: i64,
    pub revoked: i64,
}

/// Every decided year, newest first.
pub fn years(c: &mut DbConn) -> QueryResult<Vec<YearSummary>> {
    let ds: Vec<Decision> = commendation_decisions::table
        .order(commendation_decisions::year.desc())
        .select(Decision::as_select())
        .load(c)?;
    let counts: Vec<(i32, Option<NaiveDate>)> = commendations::table
        .select((commendations::decision_id, commendations::revoked_on))
        .load(c)?;
    Ok(ds
        .into_iter()
        .map(|d| {
            let mine = counts.iter().filter(|(id, _)| *id == d.id);
            YearSummary {
                year: d.year,
                number_en: d.number_en(),
                number: d.number,
                decided_on: d.decided_on,
                commended: mine.clone().count() as i64,
                revoked: mine.filter(|(_, r)| r.is_some()).count() as i64,
            }
        })
        .collect())
}

/// The honour roll of a year: the decision and its commendations by level then name, optionally
/// only those of one area and/or category.
pub fn honour_roll(
    c: &mut DbConn,
    year: i32,
    area: Option<&str>,
    category: Option<&str>,
) -> QueryResult<Option<(Decision, Vec<Commendation>)>> {
    let Some(d) = decision_of(c, year)? else {
        return Ok(None);
    };
    let mut q = commendations::table
        .filter(commendations::decision_id.eq(d.id))
        .order((
            commendations::level_rank.asc(),
            commendations::merchant_name.asc(),
            commendations::id.asc(),
        ))
        .select(Commendation::as_select())
        .into_boxed();
    if let Some(a) = area {
        q = q.filter(commendations::area.eq(a.to_string()));
    }
    if let Some(k) = category {
        q = q.filter(commendations::category.eq(k.to_string()));
    }
    Ok(Some((d, q.load(c)?)))
}

/// The distinct areas and categories of a year's commended merchants, for the filters.
pub fn roll_filters(c: &mut DbConn, year: i32) -> QueryResult<(Vec<String>, Vec<String>)> {
    let rows: Vec<(String, String)> = commendations::table
        .filter(commendations::year.eq(year))
        .select((commendations::area, commendations::category))
        .load(c)?;
    let mut areas: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut cats: Vec<String> = rows.into_iter().map(|r| r.1).collect();
    areas.sort();
    areas.dedup();
    cats.sort();
    cats.dedup();
    Ok((areas, cats))
}

/// A merchant's commendations, newest year first (revoked ones included).
/// (On the backend's own connection: every uncached public record asks.)
pub fn for_merchant(c: &mut DbConn, merchant_id: i32) -> QueryResult<Vec<Commendation>> {
    crate::db::dispatch!(c, |c| commendations::table
        .filter(commendations::merchant_id.eq(merchant_id))
        .order(commendations::year.desc())
        .select(Commendation::as_select())
        .load(c))
}

/// A merchant's commendation of `year`, with its decision.
pub fn of_merchant_year(
    c: &mut DbConn,
    merchant_id: i32,
    year: i32,
) -> QueryResult<Option<(Commendation, Decision)>> {
    commendations::table
        .inner_join(commendation_decisions::table)
        .filter(commendations::merchant_id.eq(merchant_id))
        .filter(commendations::year.eq(year))
        .select((Commendation::as_select(), Decision::as_select()))
        .first(c)
        .optional()
}

/// The commendation a plaque printed on `today` carries: the newest one still in force.
pub fn in_force_for(c: &mut DbConn, merchant_id: i32, today: NaiveDate) -> QueryResult<Option<Commendation>> {
    Ok(for_merchant(c, merchant_id)?
        .into_iter()
        .find(|k| k.in_force(today)))
}
