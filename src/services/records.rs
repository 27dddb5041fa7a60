//! A merchant's public record: what consumers may see, and nothing about individuals.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::merchant::Merchant;
use crate::db::schema::{
    inspections, list_entries, merchant_replies, notice_answers, notice_violations, notices,
    rating_snapshots, violations,
};
use crate::db::{dispatch, DbConn};
use crate::domain::notice::NoticeState;
use crate::domain::policy::Policy;
pub use crate::domain::public_record::NoticeOutcome;
use crate::domain::rating::{ListStatus, MerchantHistory, Rating, Severity, ViolationFact};
use crate::domain::reasons::EnteredReasons;

/// One point of the rating history.
#[derive(Debug, Clone)]
pub struct HistoryPoint {
    pub as_of: NaiveDate,
    pub score_tenths: Option<i32>,
    pub stars: Option<i32>,
    pub list: ListStatus,
}

/// The open list entry: since when and why.
#[derive(Debug, Clone)]
pub struct ListSince {
    pub list: ListStatus,
    pub since: NaiveDate,
    pub reasons: EnteredReasons,
}

/// What the public record page, the merchant's portal and the public API read of a merchant:
/// the row, the latest rating with its breakdown, the latest inspections and the visible
/// replies. (The page's history, violations and notices are [`RecordDetails`].)
#[derive(Debug, Clone)]
pub struct MerchantRecord {
    pub merchant: Merchant,
    /// The latest rating with its breakdown, when the merchant has been rated.
    pub rating: Option<Rating>,
    /// The open list entry.
    pub list: Option<ListSince>,
    pub inspections: Vec<RecordInspection>,
    pub replies: Vec<(NaiveDateTime, String)>,
}

/// An inspection as a record shows it and its history rates it: no notes, references or times
/// (the two timestamps were most of the dates parsed to draw a record).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inspections)]
pub struct RecordInspection {
    pub id: i32,
    pub inspected_on: NaiveDate,
    pub kind: crate::domain::words::InspectionKind,
    pub score: i32,
    pub fhrs_hygiene: Option<i32>,
    pub fhrs_structural: Option<i32>,
    pub fhrs_confidence: Option<i32>,
}

impl RecordInspection {
    /// The inspection as the rating engine reads it.
    fn fact(&self) -> crate::domain::rating::InspectionFact {
        crate::domain::rating::InspectionFact {
            id: i64::from(self.id),
            date: self.inspected_on,
            kind: self.kind,
            score: self.score,
            fhrs: crate::services::histories::fhrs_of(
                self.fhrs_hygiene,
                self.fhrs_structural,
                self.fhrs_confidence,
            ),
        }
    }
}

/// How many of the latest inspections a record shows.
pub const RECORD_INSPECTIONS: i64 = 20;

/// (as_of, score, stars, list, policy version) of a rating snapshot.
type SnapshotRow = (NaiveDate, Option<i32>, Option<i32>, ListStatus, String);

/// Which of a merchant's tables hold rows for it, as far as the reader knows: a record skips
/// the queries of those that hold none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Present {
    pub ratings: bool,
    pub list_entries: bool,
    pub inspections: bool,
    pub violations: bool,
    pub replies: bool,
    pub notices: bool,
    pub commendations: bool,
}

impl Present {
    /// Nothing known: every table is read.
    pub const UNKNOWN: Present = Present {
        ratings: true,
        list_entries: true,
        inspections: true,
        violations: true,
        replies: true,
        notices: true,
        commendations: true,
    };
}

/// A merchant's open list entry (red or black): since when and why; `None` when on no list.
pub fn open_list_entry(conn: &mut DbConn, merchant_id: i32) -> QueryResult<Option<ListSince>> {
    Ok(dispatch!(conn, |c| list_entries::table
        .filter(list_entries::merchant_id.eq(merchant_id))
        .filter(list_entries::left_on.is_null())
        .order(list_entries::id.desc())
        .select((
            list_entries::list,
            list_entries::entered_on,
            list_entries::entered_reason,
        ))
        .first::<(ListStatus, NaiveDate, String)>(c)
        .optional())?
    .map(|(list, since, reason)| ListSince {
        list,
        since,
        reasons: EnteredReasons::parse(&reason),
    }))
}

/// Loads a merchant's public record; `None` when there is no such merchant.
pub fn merchant_record(conn: &mut DbConn, id: i32) -> anyhow::Result<Option<MerchantRecord>> {
    merchant_record_of(conn, id, Present::UNKNOWN)
}

/// [`merchant_record`], skipping the tables `present` says hold nothing for the merchant (read
/// in the same transaction, e.g. by [`record_version`]).
pub fn merchant_record_of(
    conn: &mut DbConn,
    id: i32,
    present: Present,
) -> anyhow::Result<Option<MerchantRecord>> {
    let Some(merchant) = Merchant::find(conn, id)? else {
        return Ok(None);
    };
    // The queries run on the backend's own connection (`dispatch!`): through `MultiConnection`
    // each run wrote its SQL text again to find it among the prepared statements, a sixth of an
    // uncached record's time.
    // Only the latest breakdown is shown (each is a few kilobytes of JSON).
    let rating = if present.ratings {
        dispatch!(conn, |c| rating_snapshots::table
            .filter(rating_snapshots::merchant_id.eq(id))
            .order(rating_snapshots::id.desc())
            .select(rating_snapshots::breakdown)
            .first::<String>(c)
            .optional())?
        .and_then(|b| serde_json::from_str::<Rating>(&b).ok())
    } else {
        None
    };
    let list = if present.list_entries {
        open_list_entry(conn, id)?
    } else {
        None
    };
    let inspections = if present.inspections {
        dispatch!(conn, |c| inspections::table
            .filter(inspections::merchant_id.eq(id))
            .order((inspections::inspected_on.desc(), inspections::id.desc()))
            .limit(RECORD_INSPECTIONS)
            .select(RecordInspection::as_select())
            .load(c))?
    } else {
        Vec::new()
    };
    let replies = if present.replies {
        dispatch!(conn, |c| merchant_replies::table
            .filter(merchant_replies::merchant_id.eq(id))
            .filter(merchant_replies::visible.eq(true))
            .order(merchant_replies::created_at.desc())
            .limit(5)
            .select((merchant_replies::created_at, merchant_replies::body))
            .load(c))?
    } else {
        Vec::new()
    };
    Ok(Some(MerchantRecord {
        merchant,
        rating,
        list,
        inspections,
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
    /// The notices: how many, their states (weighted so that each shown change moves the sum),
    /// the latest verification, the answers waiting, and those past their deadline today
    /// unverified (the page says "overdue" from the day after the deadline).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    notices: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    notice_states: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    notice_verified_at: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    answers_pending: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    notices_past_deadline: i64,
    /// Today, for a merchant with no stored rating only: its history ends with the rating as of
    /// today, computed when the page is drawn.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    unrated_today: Option<String>,
}

/// The version query's text, in pieces between its bound values ([`RECORD_VERSION_BINDS`]). One aggregate per table, each read once: nine index searches,
/// PostgreSQL's form (SQLite's is [`RECORD_VERSION_SQLITE`]).
const RECORD_VERSION_SQL: [&str; 13] = [
    "SELECT m.updated_at AS updated_at, m.rated_at AS rated_at, s.snapshot AS snapshot, \
    i.inspections_at AS inspections_at, i.inspections AS inspections, \
    v.violation AS violation, v.violations AS violations, r.reply AS reply, \
    l.list_entry AS list_entry, p.policy AS policy, k.commendation AS commendation, \
    k.commendations_revoked AS commendations_revoked, \
    k.commendations_in_force AS commendations_in_force, n.notices AS notices, \
    n.notice_states AS notice_states, n.notice_verified_at AS notice_verified_at, \
    a.answers_pending AS answers_pending, n.notices_past_deadline AS notices_past_deadline, \
    CASE WHEN s.snapshot IS NULL THEN ",
    " ELSE NULL END AS unrated_today \
    FROM merchants m, \
    (SELECT MAX(id) AS snapshot FROM rating_snapshots WHERE merchant_id = ",
    ") s, \
    (SELECT MAX(updated_at) AS inspections_at, COUNT(*) AS inspections FROM inspections \
     WHERE merchant_id = ",
    ") i, \
    (SELECT MAX(id) AS violation, COUNT(*) AS violations FROM violations WHERE merchant_id = ",
    ") v, \
    (SELECT MAX(id) AS reply FROM merchant_replies WHERE merchant_id = ",
    ") r, \
    (SELECT MAX(id) AS list_entry FROM list_entries WHERE merchant_id = ",
    ") l, \
    (SELECT MAX(id) AS policy FROM policies WHERE active) p, \
    (SELECT MAX(id) AS commendation, \
     COUNT(CASE WHEN revoked_on IS NOT NULL THEN 1 END) AS commendations_revoked, \
     COUNT(CASE WHEN revoked_on IS NULL AND year = ",
    " THEN 1 END) AS commendations_in_force FROM commendations WHERE merchant_id = ",
    ") k, \
    (SELECT COUNT(*) AS notices, \
     SUM(CASE state WHEN 'verified' THEN 1 WHEN 'overdue' THEN 1000 WHEN 'answered' THEN 1000000 ELSE 0 END) \
       AS notice_states, \
     MAX(verified_at) AS notice_verified_at, \
     COUNT(CASE WHEN verified_at IS NULL AND deadline < ",
    " THEN 1 END) AS notices_past_deadline FROM notices WHERE merchant_id = ",
    ") n, \
    (SELECT COUNT(*) AS answers_pending FROM notice_answers na JOIN notices nn ON nn.id = na.notice_id \
     WHERE nn.merchant_id = ",
    " AND na.decision IS NULL) a \
    WHERE m.id = ",
    "",
];

/// [`RECORD_VERSION_SQL`] as SQLite runs it fastest: a scalar subquery per value (seventeen
/// index searches), because SQLite copies each aggregate in `FROM` into a temporary table of its
/// own first — 75–110 µs a version against 40–65 µs this way on the 100,000-merchant database.
const RECORD_VERSION_SQLITE: [&str; 5] = [
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM rating_snapshots WHERE merchant_id = m.id) THEN ",
    " END AS unrated_today, \
    m.updated_at AS updated_at, m.rated_at AS rated_at, \
    (SELECT MAX(id) FROM rating_snapshots WHERE merchant_id = m.id) AS snapshot, \
    (SELECT MAX(updated_at) FROM inspections WHERE merchant_id = m.id) AS inspections_at, \
    (SELECT COUNT(*) FROM inspections WHERE merchant_id = m.id) AS inspections, \
    (SELECT MAX(id) FROM violations WHERE merchant_id = m.id) AS violation, \
    (SELECT COUNT(*) FROM violations WHERE merchant_id = m.id) AS violations, \
    (SELECT MAX(id) FROM merchant_replies WHERE merchant_id = m.id) AS reply, \
    (SELECT MAX(id) FROM list_entries WHERE merchant_id = m.id) AS list_entry, \
    (SELECT MAX(id) FROM policies WHERE active) AS policy, \
    (SELECT MAX(id) FROM commendations WHERE merchant_id = m.id) AS commendation, \
    (SELECT COUNT(*) FROM commendations WHERE merchant_id = m.id AND revoked_on IS NOT NULL) \
      AS commendations_revoked, \
    (SELECT COUNT(*) FROM commendations WHERE merchant_id = m.id AND revoked_on IS NULL AND year = ",
    ") AS commendations_in_force, \
    (SELECT COUNT(*) FROM notices WHERE merchant_id = m.id) AS notices, \
    (SELECT SUM(CASE state WHEN 'verified' THEN 1 WHEN 'overdue' THEN 1000 WHEN 'answered' THEN 1000000 ELSE 0 END) \
      FROM notices WHERE merchant_id = m.id) AS notice_states, \
    (SELECT MAX(verified_at) FROM notices WHERE merchant_id = m.id) AS notice_verified_at, \
    (SELECT COUNT(*) FROM notice_answers na JOIN notices nn ON nn.id = na.notice_id \
      WHERE nn.merchant_id = m.id AND na.decision IS NULL) AS answers_pending, \
    (SELECT COUNT(*) FROM notices WHERE merchant_id = m.id AND verified_at IS NULL AND deadline < ",
    ") AS notices_past_deadline \
    FROM merchants m WHERE m.id = ",
    "",
];

/// A value bound between two pieces of a version query's text.
#[derive(Debug, Clone, Copy)]
enum Bound {
    /// Today as text: a merchant with no stored rating is rated as of today when drawn.
    TodayText,
    /// The year whose commendations are displayed today.
    Shown,
    /// Today (notices past their deadline).
    Today,
    /// The merchant.
    Id,
}

/// The values bound between [`RECORD_VERSION_SQL`]'s pieces, in order: today as text, the
/// merchant in five tables' aggregates, the year displayed and the merchant (commendations),
/// today and the merchant (notices), the merchant (answers waiting, then its own row).
const RECORD_VERSION_BINDS: [Bound; 12] = [
    Bound::TodayText,
    Bound::Id,
    Bound::Id,
    Bound::Id,
    Bound::Id,
    Bound::Id,
    Bound::Shown,
    Bound::Id,
    Bound::Today,
    Bound::Id,
    Bound::Id,
    Bound::Id,
];

/// The values bound between [`RECORD_VERSION_SQLITE`]'s pieces.
const RECORD_VERSION_SQLITE_BINDS: [Bound; 4] = [Bound::TodayText, Bound::Shown, Bound::Today, Bound::Id];

// A piece of text before each bound value, and one after the last.
const _: () = assert!(RECORD_VERSION_SQL.len() == RECORD_VERSION_BINDS.len() + 1);
const _: () = assert!(RECORD_VERSION_SQLITE.len() == RECORD_VERSION_SQLITE_BINDS.len() + 1);

/// The version query with its values bound. Unlike `sql_query` text, which diesel prepares
/// anew on every run (parsing this statement was a sixth of an uncached record's time), its text
/// is the same for every merchant and day, so each connection prepares it once and keeps it.
#[derive(Debug, Clone)]
struct RecordVersionQuery {
    shown: i32,
    today: NaiveDate,
    today_text: String,
    id: i32,
    /// SQLite's form ([`RECORD_VERSION_SQLITE`]) rather than [`RECORD_VERSION_SQL`].
    scalar: bool,
}

impl diesel::query_builder::QueryId for RecordVersionQuery {
    type QueryId = ();
    // No type id: the statement cache keys it by its text, which never changes.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for RecordVersionQuery {
    type SqlType = diesel::sql_types::Untyped;
}

impl<DB> diesel::query_builder::QueryFragment<DB> for RecordVersionQuery
where
    DB: diesel::backend::Backend,
    i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
    NaiveDate: diesel::serialize::ToSql<diesel::sql_types::Date, DB>,
    String: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        use diesel::sql_types::{Date, Integer, Text};
        let (sql, binds): (&[&str], &[Bound]) = if self.scalar {
            (&RECORD_VERSION_SQLITE, &RECORD_VERSION_SQLITE_BINDS)
        } else {
            (&RECORD_VERSION_SQL, &RECORD_VERSION_BINDS)
        };
        for (piece, bind) in sql.iter().zip(binds) {
            out.push_sql(piece);
            match bind {
                Bound::TodayText => out.push_bind_param::<Text, _>(&self.today_text)?,
                Bound::Shown => out.push_bind_param::<Integer, _>(&self.shown)?,
                Bound::Today => out.push_bind_param::<Date, _>(&self.today)?,
                Bound::Id => out.push_bind_param::<Integer, _>(&self.id)?,
            }
        }
        out.push_sql(sql[binds.len()]);
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for RecordVersionQuery {}

impl RecordVersion {
    /// The active policy's id, as the version read it.
    pub fn policy_id(&self) -> Option<i32> {
        self.policy
    }

    /// Which tables hold rows for the merchant, as the version counted them.
    pub fn present(&self) -> Present {
        Present {
            ratings: self.snapshot.is_some(),
            list_entries: self.list_entry.is_some(),
            inspections: self.inspections > 0,
            violations: self.violations > 0,
            replies: self.reply.is_some(),
            notices: self.notices > 0,
            commendations: self.commendation.is_some(),
        }
    }
}

/// The record's version; `None` when there is no such merchant.
pub fn record_version(conn: &mut DbConn, id: i32, today: NaiveDate) -> QueryResult<Option<RecordVersion>> {
    let q = RecordVersionQuery {
        // The year whose commendations are displayed today.
        shown: today.year() - 1,
        today,
        today_text: today.format("%Y-%m-%d").to_string(),
        id,
        scalar: matches!(conn, DbConn::Sqlite(_)),
    };
    match conn {
        DbConn::Sqlite(c) => q.get_result(c).optional(),
        DbConn::Postgresql(c) => q.get_result(c).optional(),
    }
}

/// A rectification notice as the public record shows it: its public number, dates and outcome,
/// and the disclosed violations it concerns — no required actions, answers or people.
#[derive(Debug, Clone)]
pub struct PublicNotice {
    /// The year and the sequence of its public number (整改〔2026〕第0012号).
    pub year: i32,
    pub seq: i32,
    /// The number as written on the notice.
    pub number: String,
    pub issued_on: NaiveDate,
    pub deadline: NaiveDate,
    pub outcome: NoticeOutcome,
    /// The disclosed violations it concerns: (date found, severity, description).
    pub violations: Vec<(NaiveDate, Severity, String)>,
}

/// A disclosed violation with how its rectification stands; `None` when no notice concerns it.
#[derive(Debug, Clone)]
pub struct StatusedViolation {
    pub found_on: NaiveDate,
    pub severity: Severity,
    pub description: String,
    pub rectification: Option<NoticeOutcome>,
}

/// What the public record adds to [`MerchantRecord`]: the rectification notices, the disclosed
/// violations with their status, and the rating history recomputed from what happened.
#[derive(Debug, Clone, Default)]
pub struct RecordDetails {
    pub notices: Vec<PublicNotice>,
    pub violations: Vec<StatusedViolation>,
    /// Oldest first: the rating as of each of the last [`HISTORY_POINTS`] inspection days, then
    /// the current rating (`current`, or as of today).
    pub history: Vec<HistoryPoint>,
    /// The rating as of today when the merchant has no stored rating (an imported merchant).
    pub today_rating: Option<Rating>,
}

/// How many inspection days the public history shows at most.
pub const HISTORY_POINTS: usize = 30;

/// Loads the notices, the violations with their status, and the rating history of the
/// merchant of `rec` on `today`; stored times (a notice's issue and verification) are dated in
/// `tz`, the deployment's time zone, as `today` is. The record's stored rating is the history's
/// last point when present. The history costs at most three more reads (what the record has not
/// read already) and at most [`HISTORY_POINTS`] + 1 runs of the pure engine. Tables `present`
/// says hold nothing for the merchant are not read.
pub fn record_details(
    conn: &mut DbConn,
    rec: &MerchantRecord,
    present: Present,
    policy: &Policy,
    today: NaiveDate,
    tz: chrono_tz::Tz,
) -> anyhow::Result<RecordDetails> {
    let merchant = &rec.merchant;
    let current = rec.rating.as_ref();
    let id = merchant.id;
    let member = (id, merchant.member_since, merchant.member_left_on);
    let local = |at: NaiveDateTime| {
        use chrono::TimeZone;
        tz.from_utc_datetime(&at).date_naive()
    };
    type NoticeRow = (
        i32,
        String,
        i32,
        i32,
        NaiveDate,
        NoticeState,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    // On the backend's own connection, as in `merchant_record`; the answers and links are read
    // by a join on the merchant (one statement, prepared once) rather than an `IN` list of its
    // notices' ids (a new statement for every length, prepared on every run).
    let mut rows: Vec<NoticeRow> = Vec::new();
    let mut pending: Vec<i32> = Vec::new();
    let mut links: Vec<(i32, i32)> = Vec::new();
    if present.notices {
        rows = dispatch!(conn, |c| notices::table
            .filter(notices::merchant_id.eq(id))
            .order((notices::issued_at.desc(), notices::id.desc()))
            .select((
                notices::id,
                notices::number,
                notices::year,
                notices::seq,
                notices::deadline,
                notices::state,
                notices::issued_at,
                notices::verified_at,
            ))
            .load(c))?;
        pending = dispatch!(conn, |c| notice_answers::table
            .inner_join(notices::table)
            .filter(notices::merchant_id.eq(id))
            .filter(notice_answers::decision.is_null())
            .select(notice_answers::notice_id)
            .load(c))?;
        links = dispatch!(conn, |c| notice_violations::table
            .inner_join(notices::table)
            .filter(notices::merchant_id.eq(id))
            .select((notice_violations::notice_id, notice_violations::violation_id))
            .load(c))?;
    }
    // The disclosed severities are kept here rather than by `severity IN (…)`: diesel prepares a
    // statement with an `IN` list anew on every run (parsing it was 3 % of an uncached record).
    let mut vs: Vec<(i32, NaiveDate, Severity, String, i32)> = if present.violations {
        dispatch!(conn, |c| violations::table
            .filter(violations::merchant_id.eq(id))
            .order((violations::found_on.desc(), violations::id.desc()))
            .select((
                violations::id,
                violations::found_on,
                violations::severity,
                violations::description,
                violations::inspection_id,
            ))
            .load(c))?
    } else {
        Vec::new()
    };
    // The history's engine reads every notice and violation: from the rows read here, rather
    // than read again (oldest first, as a bulk read gives them).
    let mut history = MerchantHistory {
        merchant_id: i64::from(id),
        ..Default::default()
    };
    history.notices = rows
        .iter()
        .rev()
        .map(|r| crate::services::histories::notice_fact(r.0, r.6, r.4, r.7))
        .collect();
    history.violations = vs
        .iter()
        .rev()
        .map(|v| ViolationFact {
            id: i64::from(v.0),
            inspection_id: i64::from(v.4),
            date: v.1,
            severity: v.2,
        })
        .collect();
    vs.retain(|v| policy.disclose_violations.contains(&v.2));
    vs.truncate(50);
    let mut notices_out = Vec::with_capacity(rows.len());
    let mut outcome_of = std::collections::HashMap::new();
    for (nid, number, year, seq, deadline, state, issued_at, verified_at) in rows {
        let outcome = NoticeOutcome::of(
            state,
            deadline,
            verified_at.map(local),
            pending.contains(&nid),
            today,
        );
        let concerned: Vec<(NaiveDate, Severity, String)> = vs
            .iter()
            .filter(|v| links.contains(&(nid, v.0)))
            .map(|v| (v.1, v.2, v.3.clone()))
            .collect();
        for (n, v) in &links {
            if *n == nid {
                // Newest notice first: a violation's status is its latest notice's.
                outcome_of.entry(*v).or_insert(outcome);
            }
        }
        // A notice about undisclosed violations only is shown once it went past its deadline
        // (the rating and the list reasons count it then).
        let late = matches!(
            outcome,
            NoticeOutcome::Overdue { .. } | NoticeOutcome::VerifiedLate { .. }
        );
        if concerned.is_empty() && !late {
            continue;
        }
        notices_out.push(PublicNotice {
            year,
            seq,
            number,
            issued_on: local(issued_at),
            deadline,
            outcome,
            violations: concerned,
        });
    }
    let violations_out = vs
        .into_iter()
        .map(|(vid, found_on, severity, description, _)| StatusedViolation {
            found_on,
            severity,
            description,
            rectification: outcome_of.get(&vid).copied(),
        })
        .collect();
    // The record's inspections are all of them when it has fewer than it shows at most.
    let all_inspections =
        (rec.inspections.len() < RECORD_INSPECTIONS as usize).then_some(&rec.inspections[..]);
    let (history, today_rating) =
        rated_history(conn, history, all_inspections, member, policy, current, today)?;
    Ok(RecordDetails {
        notices: notices_out,
        violations: violations_out,
        history,
        today_rating,
    })
}

fn point(r: &Rating) -> HistoryPoint {
    HistoryPoint {
        as_of: r.as_of,
        score_tenths: r.score_tenths,
        stars: r.stars.map(i32::from),
        list: r.list,
    }
}

/// The rating as of each of the last [`HISTORY_POINTS`] inspection days, recomputed by the pure
/// engine from the merchant's history (so a merchant without stored snapshots has a history
/// too), then the current rating: the stored one, or the one as of today (returned as well).
/// `h` holds the notices and violations the record read, `inspections` all the merchant's
/// inspections when the record read them all; the rest of the history is read here.
/// `member` is the merchant's (id, member since, member left on), as the record read them.
fn rated_history(
    conn: &mut DbConn,
    mut h: MerchantHistory,
    inspections: Option<&[RecordInspection]>,
    member: (i32, Option<NaiveDate>, Option<NaiveDate>),
    policy: &Policy,
    current: Option<&Rating>,
    today: NaiveDate,
) -> anyhow::Result<(Vec<HistoryPoint>, Option<Rating>)> {
    use crate::services::histories::{self, Scope};
    let (id, since, left) = member;
    if let Some(shown) = inspections {
        // Newest first on the record; oldest first, as a bulk read gives them.
        h.inspections = shown.iter().rev().map(RecordInspection::fact).collect();
    }
    let mut hs = histories::Histories::from([(id, h)]);
    if inspections.is_none() {
        histories::add_inspections(conn, Scope::Ids(&[id]), &mut hs)?;
    }
    histories::add_complaints(conn, Scope::Ids(&[id]), &mut hs)?;
    histories::add_trainings(conn, Scope::Ids(&[id]), &mut hs)?;
    let mut h = hs.remove(&id).unwrap_or_default();
    let mut days: Vec<NaiveDate> = h
        .inspections
        .iter()
        .map(|i| i.date)
        .filter(|d| *d <= today)
        .collect();
    days.sort_unstable();
    days.dedup();
    let last = current.map_or(today, |r| r.as_of);
    days.retain(|d| *d < last);
    let skip = days.len().saturating_sub(HISTORY_POINTS);
    let mut out = Vec::with_capacity(HISTORY_POINTS + 1);
    for d in &days[skip..] {
        h.alliance_member = crate::db::models::merchant::is_member_on(since, left, *d);
        out.push(point(&crate::domain::rating::rate(&h, policy, *d)));
    }
    let today_rating = match current {
        Some(r) => {
            out.push(point(r));
            None
        }
        None => {
            h.alliance_member = crate::db::models::merchant::is_member_on(since, left, today);
            let r = crate::domain::rating::rate(&h, policy, today);
            out.push(point(&r));
            Some(r)
        }
    };
    Ok((out, today_rating))
}
