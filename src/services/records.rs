//! A merchant's public record: what consumers may see, and nothing about individuals.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::inspection::Inspection;
use crate::db::models::merchant::Merchant;
use crate::db::schema::{inspections, list_entries, merchant_replies, rating_snapshots, violations};
use crate::db::DbConn;
use crate::domain::policy::Policy;
use crate::domain::rating::{ListStatus, Rating, Severity};
use crate::domain::reasons::EnteredReasons;

/// One point of the rating history.
#[derive(Debug, Clone)]
pub struct HistoryPoint {
    pub as_of: NaiveDate,
    pub score_tenths: Option<i32>,
    pub stars: Option<i32>,
    pub list: ListStatus,
}

/// A disclosed violation (only the severities the policy discloses).
#[derive(Debug, Clone)]
pub struct PublicViolation {
    pub found_on: NaiveDate,
    pub severity: Severity,
    pub description: String,
}

/// The open list entry: since when and why.
#[derive(Debug, Clone)]
pub struct ListSince {
    pub list: ListStatus,
    pub since: NaiveDate,
    pub reasons: EnteredReasons,
}

/// Everything the public record page shows.
#[derive(Debug, Clone)]
pub struct MerchantRecord {
    pub merchant: Merchant,
    /// The latest rating with its breakdown, when the merchant has been rated.
    pub rating: Option<Rating>,
    pub list: Option<ListSince>,
    pub history: Vec<HistoryPoint>,
    pub inspections: Vec<Inspection>,
    pub violations: Vec<PublicViolation>,
    pub replies: Vec<(NaiveDateTime, String)>,
}

/// (as_of, score, stars, list, breakdown JSON), or the policy version in place of the breakdown.
type SnapshotRow = (NaiveDate, Option<i32>, Option<i32>, ListStatus, String);

/// Loads a merchant's public record; `None` when there is no such merchant.
pub fn merchant_record(
    conn: &mut DbConn,
    id: i32,
    policy: &Policy,
) -> anyhow::Result<Option<MerchantRecord>> {
    let Some(merchant) = Merchant::find(conn, id)? else {
        return Ok(None);
    };
    let snaps: Vec<SnapshotRow> = rating_snapshots::table
        .filter(rating_snapshots::merchant_id.eq(id))
        .order(rating_snapshots::id.desc())
        .limit(60)
        .select((
            rating_snapshots::as_of,
            rating_snapshots::score_tenths,
            rating_snapshots::stars,
            rating_snapshots::list_status,
            rating_snapshots::breakdown,
        ))
        .load(conn)?;
    let rating = snaps
        .first()
        .and_then(|s| serde_json::from_str::<Rating>(&s.4).ok());
    let mut history: Vec<HistoryPoint> = snaps
        .iter()
        .map(|(as_of, score, stars, list, _)| HistoryPoint {
            as_of: *as_of,
            score_tenths: *score,
            stars: *stars,
            list: *list,
        })
        .collect();
    history.reverse();
    let list = list_entries::table
        .filter(list_entries::merchant_id.eq(id))
        .filter(list_entries::left_on.is_null())
        .order(list_entries::id.desc())
        .select((
            list_entries::list,
            list_entries::entered_on,
            list_entries::entered_reason,
        ))
        .first::<(ListStatus, NaiveDate, String)>(conn)
        .optional()?
        .map(|(list, since, reason)| ListSince {
            list,
            since,
            reasons: EnteredReasons::parse(&reason),
        });
    let inspections = inspections::table
        .filter(inspections::merchant_id.eq(id))
        .order((inspections::inspected_on.desc(), inspections::id.desc()))
        .limit(20)
        .select(Inspection::as_select())
        .load(conn)?;
    let disclosed: Vec<Severity> = policy.disclose_violations.iter().copied().collect();
    let violations = violations::table
        .filter(violations::merchant_id.eq(id))
        .filter(violations::severity.eq_any(disclosed))
        .order(violations::found_on.desc())
        .limit(50)
        .select((
            violations::found_on,
            violations::severity,
            violations::description,
        ))
        .load::<(NaiveDate, Severity, String)>(conn)?
        .into_iter()
        .map(|(found_on, severity, description)| PublicViolation {
            found_on,
            severity,
            description,
        })
        .collect();
    let replies = merchant_replies::table
        .filter(merchant_replies::merchant_id.eq(id))
        .filter(merchant_replies::visible.eq(true))
        .order(merchant_replies::created_at.desc())
        .limit(5)
        .select((merchant_replies::created_at, merchant_replies::body))
        .load(conn)?;
    Ok(Some(MerchantRecord {
        merchant,
        rating,
        list,
        history,
        inspections,
        violations,
        replies,
    }))
}

/// One rating of a merchant's history, as the open-data API gives it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RatingPoint {
    /// The date the rating is as of.
    pub as_of: NaiveDate,
    /// The score 0–100 in tenths (853 = 85.3); null when not yet rated.
    pub score_tenths: Option<i32>,
    /// Stars 1–5; null when not yet rated (待评).
    pub stars: Option<i32>,
    /// "red", "black" or "none".
    #[schema(value_type = String)]
    pub list: ListStatus,
    /// The version of the rating policy the rating was computed under.
    pub policy_version: String,
}

/// A merchant's ratings, newest first, `limit` from `offset`, and how many there are in all.
pub fn rating_history(
    conn: &mut DbConn,
    id: i32,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<RatingPoint>, i64)> {
    let total = rating_snapshots::table
        .filter(rating_snapshots::merchant_id.eq(id))
        .count()
        .get_result(conn)?;
    let rows: Vec<SnapshotRow> = rating_snapshots::table
        .filter(rating_snapshots::merchant_id.eq(id))
        .order((rating_snapshots::as_of.desc(), rating_snapshots::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((
            rating_snapshots::as_of,
            rating_snapshots::score_tenths,
            rating_snapshots::stars,
            rating_snapshots::list_status,
            rating_snapshots::policy_version,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|(as_of, score_tenths, stars, list, policy_version)| RatingPoint {
            as_of,
            score_tenths,
            stars,
            list,
            policy_version,
        })
        .collect();
    Ok((items, total))
}

/// What a public record page depends on, read in one query: when any of it changes, the record's
/// rendered page is stale. Inspections and violations are counted as well as dated, so a
/// deletion shows too.
#[derive(Debug, Clone, Default, PartialEq, Eq, QueryableByName)]
pub struct RecordVersion {
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    updated_at: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    rated_at: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    snapshot: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    inspections_at: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    inspections: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    violation: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    violations: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    reply: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    list_entry: Option<i32>,
    /// The active policy (what it discloses changes the page).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    policy: Option<i32>,
    /// The newest commendation, and how many are revoked (a revocation changes no id).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    commendation: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    commendations_revoked: i64,
    /// Commendations displayed today: the count changes when a display year ends, though no row does.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    commendations_in_force: i64,
}

const RECORD_VERSION_SQL: &str = "SELECT m.updated_at AS updated_at, m.rated_at AS rated_at, \
    (SELECT MAX(id) FROM rating_snapshots WHERE merchant_id = m.id) AS snapshot, \
    (SELECT MAX(updated_at) FROM inspections WHERE merchant_id = m.id) AS inspections_at, \
    (SELECT COUNT(*) FROM inspections WHERE merchant_id = m.id) AS inspections, \
    (SELECT MAX(id) FROM violations WHERE merchant_id = m.id) AS violation, \
    (SELECT COUNT(*) FROM violations WHERE merchant_id = m.id) AS violations, \
    (SELECT MAX(id) FROM merchant_replies WHERE merchant_id = m.id) AS reply, \
    (SELECT MAX(id) FROM list_entries WHERE merchant_id = m.id) AS list_entry, \
    (SELECT MAX(id) FROM policies WHERE active) AS policy, \
    (SELECT MAX(id) FROM commendations WHERE merchant_id = m.id) AS commendation, \
    (SELECT COUNT(*) FROM commendations WHERE merchant_id = m.id AND revoked_on IS NOT NULL) AS commendations_revoked, \
    (SELECT COUNT(*) FROM commendations WHERE merchant_id = m.id AND revoked_on IS NULL AND year = {shown}) AS commendations_in_force \
    FROM merchants m WHERE m.id = ";

/// The record's version; `None` when there is no such merchant.
pub fn record_version(conn: &mut DbConn, id: i32, today: NaiveDate) -> QueryResult<Option<RecordVersion>> {
    use diesel::sql_types::Integer;
    // The year whose commendations are displayed today (an integer, written into the query).
    let shown = today.year() - 1;
    let sql = RECORD_VERSION_SQL.replace("{shown}", &shown.to_string());
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(format!("{sql}?"))
            .bind::<Integer, _>(id)
            .get_result(c)
            .optional(),
        DbConn::Postgresql(c) => diesel::sql_query(format!("{sql}$1"))
            .bind::<Integer, _>(id)
            .get_result(c)
            .optional(),
    }
}
