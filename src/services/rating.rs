//! Recomputing ratings: load a merchant's history, run the pure engine, and store what changed —
//! the merchant's current rating, a snapshot, list entries entered or left, and the audit entry —
//! inside the caller's write transaction.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{list_entries, merchants, rating_snapshots};
use crate::db::DbConn;
use crate::domain::policy::Policy;
use crate::domain::programme::Standing;
use crate::domain::rating::{rate, InspectionKind, ListStatus, Rating};
use crate::domain::reasons::{EnteredReasons, LeftReason, Stored};
use crate::services::programme::{self, StoredDue};

pub use super::histories::load_histories;
use super::histories::{load_histories_in, scoped, Scope};

/// What the merchant row says now, to tell whether a new rating changes anything.
type Current = (Option<i32>, Option<i32>, ListStatus);

/// A rating's list reasons as stored in a list entry (and copied into editions): their codes
/// as JSON, put into words only when shown (`domain::reasons`).
pub fn reasons_json(r: &Rating) -> String {
    EnteredReasons::of(r).to_json()
}

fn is_change(rating: &Rating, current: &Current) -> bool {
    let stars = rating.stars.map(i32::from);
    !(current.0 == rating.score_tenths && current.1 == stars && current.2 == rating.list)
}

/// Why a merchant leaves the list `old` for `new`, as stored (JSON of a [`LeftReason`] code).
fn left_reason(old: ListStatus, new: ListStatus) -> String {
    serde_json::to_string(&Stored::Code(LeftReason::between(old, new))).unwrap_or_default()
}

fn sql_int(v: Option<i32>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "NULL".into())
}

/// A changed rating to store: the new rating, what the merchant row says now, and the due date
/// that follows from the new rating (written in the same `UPDATE` of the merchant row).
type Pending<'a> = (&'a Rating, &'a Current, &'a StoredDue);

/// Text of an optional value for an SQL `VALUES` list: `'text'` or `NULL`.
fn sql_text(v: Option<impl std::fmt::Display>) -> String {
    v.map_or_else(|| "NULL".into(), |v| format!("'{v}'"))
}

/// Stores many changed ratings with few statements: merchant rows (rating and due date) updated
/// 500 at a time, snapshots and list entries inserted in batches, audit entries chained in one
/// pass; used by every recompute.
fn store_batch(
    c: &mut DbConn,
    actor: &Actor,
    pending: &[Pending<'_>],
    at: NaiveDateTime,
    tip: &mut Option<String>,
) -> anyhow::Result<()> {
    use diesel::connection::SimpleConnection;
    let at_text = at.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let (alias, due_on) = match c {
        DbConn::Sqlite(_) => ("v", "v.column5"),
        DbConn::Postgresql(_) => (
            "v(column1, column2, column3, column4, column5, column6)",
            "CAST(v.column5 AS DATE)",
        ),
    };
    for chunk in pending.chunks(500) {
        // Only integers, dates we format, the three fixed list words and the programme's fixed
        // reason codes go into the text; nothing a user typed.
        let values: Vec<String> = chunk
            .iter()
            .map(|(r, _, (on, reason))| {
                debug_assert!(reason.as_deref().is_none_or(|r| r
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_:-".contains(ch))));
                format!(
                    "({}, {}, {}, '{}', {}, {})",
                    r.merchant_id,
                    sql_int(r.score_tenths),
                    sql_int(r.stars.map(i32::from)),
                    r.list.as_str(),
                    sql_text(on.map(|d| d.format("%Y-%m-%d"))),
                    sql_text(reason.as_deref()),
                )
            })
            .collect();
        let ids: Vec<String> = chunk.iter().map(|(r, _, _)| r.merchant_id.to_string()).collect();
        // The id list as well as the join: without it PostgreSQL may join by scanning every
        // merchant instead of looking the 500 up (see `programme::store_due_dates`).
        c.batch_execute(&format!(
            "UPDATE merchants SET current_score_tenths = CAST(v.column2 AS INTEGER), \
             current_stars = CAST(v.column3 AS INTEGER), current_list = v.column4, rated_at = '{at_text}', \
             next_due_on = {due_on}, next_due_reason = v.column6 \
             FROM (VALUES {}) AS {alias} WHERE merchants.id = v.column1 AND merchants.id IN ({})",
            values.join(", "),
            ids.join(", ")
        ))?;
    }
    let mut snapshots = Vec::with_capacity(pending.len());
    for (r, _, _) in pending {
        snapshots.push((
            rating_snapshots::merchant_id.eq(r.merchant_id as i32),
            rating_snapshots::as_of.eq(r.as_of),
            rating_snapshots::computed_at.eq(at),
            rating_snapshots::policy_version.eq(r.policy_version.clone()),
            rating_snapshots::score_tenths.eq(r.score_tenths),
            rating_snapshots::stars.eq(r.stars.map(i32::from)),
            rating_snapshots::list_status.eq(r.list),
            rating_snapshots::breakdown.eq(serde_json::to_string(r)?),
        ));
    }
    for chunk in snapshots.chunks(500) {
        crate::db::dispatch!(c, |c| diesel::insert_into(rating_snapshots::table)
            .values(chunk)
            .execute(c))?;
    }
    // Entries left: one statement per kind of move (e.g. black → none) and 500 merchants,
    // rather than one per merchant.
    let mut entries = Vec::new();
    let mut leaving: HashMap<(ListStatus, ListStatus, NaiveDate), Vec<i32>> = HashMap::new();
    for (r, cur, _) in pending.iter().filter(|(r, cur, _)| cur.2 != r.list) {
        let mid = r.merchant_id as i32;
        if cur.2 != ListStatus::None {
            leaving.entry((cur.2, r.list, r.as_of)).or_default().push(mid);
        }
        if r.list != ListStatus::None {
            entries.push((
                list_entries::merchant_id.eq(mid),
                list_entries::list.eq(r.list),
                list_entries::entered_on.eq(r.as_of),
                list_entries::entered_reason.eq(reasons_json(r)),
            ));
        }
    }
    for ((old, new, on), ids) in leaving {
        let reason = left_reason(old, new);
        for chunk in ids.chunks(500) {
            diesel::update(
                list_entries::table
                    .filter(list_entries::merchant_id.eq_any(chunk))
                    .filter(list_entries::left_on.is_null()),
            )
            .set((
                list_entries::left_on.eq(Some(on)),
                list_entries::left_reason.eq(Some(&reason)),
            ))
            .execute(c)?;
        }
    }
    for chunk in entries.chunks(500) {
        crate::db::dispatch!(c, |c| diesel::insert_into(list_entries::table)
            .values(chunk)
            .execute(c))?;
    }
    let changes = pending.iter().map(|(r, cur, _)| rating_change(r, cur)).collect();
    audit::append_many_after(c, actor, tip, changes)?;
    Ok(())
}

fn rating_change<'a>(rating: &Rating, current: &Current) -> Change<'a> {
    Change {
        action: "rating.change",
        entity: "merchant",
        entity_id: Some(rating.merchant_id.to_string()),
        before: Some(serde_json::json!({"score_tenths": current.0, "stars": current.1, "list": current.2})),
        after: Some(serde_json::json!({
            "score_tenths": rating.score_tenths, "stars": rating.stars, "list": rating.list.as_str(),
            "policy_version": rating.policy_version, "as_of": rating.as_of,
        })),
    }
}

/// What a merchant row says now: its rating, and what its due date is computed from.
struct Now {
    rating: Current,
    status: String,
    registered_on: NaiveDate,
    due: StoredDue,
}

fn current_of(conn: &mut DbConn, scope: Scope<'_>) -> QueryResult<HashMap<i32, Now>> {
    type Row = (
        i32,
        Option<i32>,
        Option<i32>,
        ListStatus,
        String,
        NaiveDateTime,
        Option<NaiveDate>,
        Option<String>,
    );
    let rows: Vec<Row> = scoped!(scope, merchants::table, merchants::id)
        .select((
            merchants::id,
            merchants::current_score_tenths,
            merchants::current_stars,
            merchants::current_list,
            merchants::status,
            merchants::created_at,
            merchants::next_due_on,
            merchants::next_due_reason,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, s, st, l, status, created, on, reason)| {
            let now = Now {
                rating: (s, st, l),
                status,
                registered_on: created.date(),
                due: (on, reason),
            };
            (id, now)
        })
        .collect())
}

/// Recomputes one merchant inside the caller's write transaction (the incremental path every
/// rating-changing write takes): its rating and its due date. Returns the new rating.
pub fn recompute_merchant(
    conn: &mut DbConn,
    policy: &Policy,
    merchant_id: i32,
    as_of: NaiveDate,
    actor: &Actor,
) -> anyhow::Result<Rating> {
    let run = Run {
        policy,
        as_of,
        actor,
        at: now_utc(),
    };
    let scope = Scope::Ids(&[merchant_id]);
    let ratings = rate_and_store(conn, run, scope, &mut None, &mut RecomputeReport::default())?;
    ratings
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no merchant {merchant_id}"))
}

/// What a full recompute did, and where its time went.
#[derive(Debug, Default, Clone)]
pub struct RecomputeReport {
    pub merchants: usize,
    pub changed: usize,
    pub read: std::time::Duration,
    pub compute: std::time::Duration,
    pub write: std::time::Duration,
}

/// Recomputes every merchant as of `as_of` (time decay) in one write transaction.
pub fn recompute_all(
    conn: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
) -> anyhow::Result<RecomputeReport> {
    write_tx(conn, |c| recompute_in_tx(c, policy, as_of, actor, None))
}

/// [`recompute_all`] in slices of `slice` merchants rather than [`SLICE`]: for tests, which
/// check that how a town is sliced changes nothing.
#[doc(hidden)]
pub fn recompute_all_sliced(
    conn: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
    slice: i64,
) -> anyhow::Result<RecomputeReport> {
    write_tx(conn, |c| {
        recompute_scoped(c, policy, as_of, actor, None, slice.max(1))
    })
}

/// Merchants a full recompute rates at a time: it holds one slice's histories, ratings and rows
/// to write, so that its memory does not grow with the town (500,000 merchants at once took
/// gigabytes).
const SLICE: i64 = 20_000;

/// Recomputes the merchants in `only` (everyone when `None`) inside the caller's write
/// transaction: everyone in slices of [`SLICE`] merchants by id, each slice reading each table
/// once.
pub fn recompute_in_tx(
    c: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
    only: Option<&[i32]>,
) -> anyhow::Result<RecomputeReport> {
    // Large id lists would exceed the backends' bound-parameter limits: read everyone instead.
    let only = only.filter(|ids| ids.len() <= 20_000);
    recompute_scoped(c, policy, as_of, actor, only, SLICE)
}

/// [`recompute_in_tx`] once the scope is settled.
fn recompute_scoped(
    c: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
    only: Option<&[i32]>,
    slice: i64,
) -> anyhow::Result<RecomputeReport> {
    let run = Run {
        policy,
        as_of,
        actor,
        at: now_utc(),
    };
    let mut report = RecomputeReport::default();
    match only {
        Some(ids) => {
            rate_and_store(c, run, Scope::Ids(ids), &mut None, &mut report)?;
        }
        None => {
            let wide = WideCache::enter(c)?;
            let sliced = rate_and_store_all(c, run, slice, &mut report);
            // The recompute's own error, if any, is the one to report.
            let left = wide.leave(c);
            sliced?;
            left?;
        }
    }
    let stored = std::time::Instant::now();
    // A commendation in its display year ends with a serious violation or a black-list entry.
    crate::services::commendations::apply_revocations(c, policy, as_of, actor, only)?;
    refresh_statistics(c, &report, only.is_none())?;
    let done = std::time::Instant::now();
    report.write += done - stored;
    tracing::debug!(
        merchants = report.merchants,
        changed = report.changed,
        read = report.read.as_secs_f64(),
        compute = report.compute.as_secs_f64(),
        store = (report.write - (done - stored)).as_secs_f64(),
        revocations = (done - stored).as_secs_f64(),
        "recompute"
    );
    Ok(report)
}

/// The tables a recompute rewrites and the queries after it plan on: each merchant's list and
/// rating, its list entries, its snapshots.
const RECOMPUTED_TABLES: &str = "merchants, list_entries, rating_snapshots";

/// Whether a recompute changed enough of the town for PostgreSQL's statistics to mislead its
/// planner: a tenth of the town when it rated everyone (the share at which autovacuum would
/// analyse a table, but a minute or more later), or [`MANY_CHANGED`] merchants of a list of them
/// (an import's). A merchant's own recompute after an inspection never does.
pub fn changes_statistics(report: &RecomputeReport, everyone: bool) -> bool {
    report.changed > 0
        && (report.changed >= MANY_CHANGED || (everyone && report.changed * 10 >= report.merchants))
}

/// Merchants changed by a recompute of a list of them that call for fresh statistics.
pub const MANY_CHANGED: usize = 1_000;

/// On PostgreSQL, analyses the tables a recompute rewrote when it changed a large share of the
/// town ([`changes_statistics`]), inside its transaction (ANALYZE counts the transaction's own
/// new rows) so that they are current when it commits. The first recompute after an import
/// lists tens of thousands of merchants where the statistics said none: the edition published
/// right after it was planned on those and ran its listed-merchants query for over five minutes
/// at 500,000 merchants (244 ms once analysed). The three tables take ~0.9 s there. SQLite plans
/// without such statistics: nothing to do.
fn refresh_statistics(c: &mut DbConn, report: &RecomputeReport, everyone: bool) -> QueryResult<()> {
    if matches!(c, DbConn::Postgresql(_)) && changes_statistics(report, everyone) {
        diesel::sql_query(format!("ANALYZE {RECOMPUTED_TABLES}")).execute(c)?;
    }
    Ok(())
}

/// SQLite page cache a full recompute works with, in KiB. Its one transaction rewrites a row or
/// more of every merchant; with the pool's 64 MiB cache, at 500,000 merchants (a 925 MB file)
/// the pages it has written leave the cache and are read back again and again.
const RECOMPUTE_CACHE_KIB: i64 = 512 * 1024;

/// A full recompute's larger SQLite page cache, given back when it ends (no-op on PostgreSQL,
/// whose buffers are the server's).
struct WideCache(bool);

impl WideCache {
    fn enter(c: &mut DbConn) -> QueryResult<Self> {
        use diesel::connection::SimpleConnection;
        let sqlite = matches!(c, DbConn::Sqlite(_));
        if sqlite {
            c.batch_execute(&format!("PRAGMA cache_size = -{RECOMPUTE_CACHE_KIB}"))?;
        }
        Ok(Self(sqlite))
    }

    fn leave(self, c: &mut DbConn) -> QueryResult<()> {
        use diesel::connection::SimpleConnection;
        if self.0 {
            c.batch_execute(&format!("PRAGMA cache_size = -{}", crate::db::SQLITE_CACHE_KIB))?;
        }
        Ok(())
    }
}

/// What every slice of one recompute shares: the policy, the day rated, who recomputes, when.
#[derive(Clone, Copy)]
struct Run<'a> {
    policy: &'a Policy,
    as_of: NaiveDate,
    actor: &'a Actor,
    at: NaiveDateTime,
}

/// Rates every merchant, `slice` merchants (by id) at a time.
fn rate_and_store_all(
    c: &mut DbConn,
    run: Run<'_>,
    slice: i64,
    report: &mut RecomputeReport,
) -> anyhow::Result<()> {
    // The audit chain's last hash, carried from slice to slice.
    let mut tip = None;
    let mut from: Option<i32> = merchants::table
        .select(diesel::dsl::min(merchants::id))
        .first(c)?;
    while let Some(start) = from {
        // The first id of the next slice; the ids need not be dense.
        let next: Option<i32> = merchants::table
            .filter(merchants::id.ge(start))
            .order(merchants::id.asc())
            .select(merchants::id)
            .offset(slice)
            .first(c)
            .optional()?;
        let to = next.map_or(i32::MAX, |n| n - 1);
        let scope = Scope::Range { from: start, to };
        rate_and_store(c, run, scope, &mut tip, report)?;
        from = next;
    }
    Ok(())
}

/// Rates the merchants of `scope` and stores what changed — ratings, and the due dates of the
/// inspection programme, which follow from the new stars and lists — adding to `report`.
/// Returns the ratings, in merchant id order.
fn rate_and_store(
    c: &mut DbConn,
    run: Run<'_>,
    scope: Scope<'_>,
    tip: &mut Option<String>,
    report: &mut RecomputeReport,
) -> anyhow::Result<Vec<Rating>> {
    let Run {
        policy,
        as_of,
        actor,
        at,
    } = run;
    let t0 = std::time::Instant::now();
    let histories = load_histories_in(c, scope, as_of)?;
    let current = current_of(c, scope)?;
    let follow_ups = programme::last_follow_ups(c, scope)?;
    let t1 = std::time::Instant::now();
    let mut ids: Vec<i32> = histories.keys().copied().collect();
    ids.sort_unstable();
    let mut ratings = Vec::with_capacity(ids.len());
    let mut dues = Vec::with_capacity(ids.len());
    for id in &ids {
        let h = &histories[id];
        let rating = rate(h, policy, as_of);
        let due = current.get(id).map(|now| {
            let standing = Standing {
                registered_on: now.registered_on,
                last_inspected_on: h
                    .inspections
                    .iter()
                    .filter(|i| i.kind != InspectionKind::SelfCheck)
                    .map(|i| i.date)
                    .max(),
                stars: rating.stars,
                list: rating.list,
                last_verified_complaint_on: h.complaints.iter().map(|c| c.verified_on).max(),
                last_follow_up_request_on: follow_ups.get(id).copied(),
            };
            programme::due_for(&policy.programme, &now.status, &standing)
        });
        ratings.push(rating);
        dues.push(due);
    }
    drop(histories);
    let t2 = std::time::Instant::now();
    let mut pending: Vec<Pending<'_>> = Vec::new();
    let mut due_only: Vec<programme::DueChange> = Vec::new();
    for (r, due) in ratings.iter().zip(&dues) {
        let (Some(now), Some(due)) = (current.get(&(r.merchant_id as i32)), due) else {
            continue;
        };
        if is_change(r, &now.rating) {
            pending.push((r, &now.rating, due));
        } else if *due != now.due {
            due_only.push((r.merchant_id as i32, due.0, due.1.clone()));
        }
    }
    store_batch(c, actor, &pending, at, tip)?;
    programme::store_due_dates(c, &due_only)?;
    let t3 = std::time::Instant::now();
    report.merchants += ratings.len();
    report.changed += pending.len();
    report.read += t1 - t0;
    report.compute += t2 - t1;
    report.write += t3 - t2;
    Ok(ratings)
}
