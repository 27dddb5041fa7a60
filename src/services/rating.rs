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
use crate::domain::rating::{rate, ListStatus, Rating};
use crate::domain::reasons::{EnteredReasons, LeftReason, Stored};

pub use super::histories::load_histories;

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

/// Stores many changed ratings with few statements: merchant rows updated 500 at a time, snapshots
/// and list entries inserted in batches, audit entries chained in one pass. Same effect as calling
/// [`store_if_changed`] for each; used by full and partial recomputes.
fn store_batch(
    c: &mut DbConn,
    actor: &Actor,
    pending: &[(&Rating, &Current)],
    at: NaiveDateTime,
) -> anyhow::Result<()> {
    use diesel::connection::SimpleConnection;
    let at_text = at.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    for chunk in pending.chunks(500) {
        // Only integers and the three fixed list words go into the text; nothing a user typed.
        let values: Vec<String> = chunk
            .iter()
            .map(|(r, _)| {
                format!(
                    "({}, {}, {}, '{}')",
                    r.merchant_id,
                    sql_int(r.score_tenths),
                    sql_int(r.stars.map(i32::from)),
                    r.list.as_str()
                )
            })
            .collect();
        let alias = match c {
            DbConn::Sqlite(_) => "v",
            DbConn::Postgresql(_) => "v(column1, column2, column3, column4)",
        };
        c.batch_execute(&format!(
            "UPDATE merchants SET current_score_tenths = CAST(v.column2 AS INTEGER), \
             current_stars = CAST(v.column3 AS INTEGER), current_list = v.column4, rated_at = '{at_text}' \
             FROM (VALUES {}) AS {alias} WHERE merchants.id = v.column1",
            values.join(", ")
        ))?;
    }
    let mut snapshots = Vec::with_capacity(pending.len());
    for (r, _) in pending {
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
    let mut entries = Vec::new();
    for (r, cur) in pending.iter().filter(|(r, cur)| cur.2 != r.list) {
        let mid = r.merchant_id as i32;
        if cur.2 != ListStatus::None {
            diesel::update(
                list_entries::table
                    .filter(list_entries::merchant_id.eq(mid))
                    .filter(list_entries::left_on.is_null()),
            )
            .set((
                list_entries::left_on.eq(Some(r.as_of)),
                list_entries::left_reason.eq(Some(left_reason(cur.2, r.list))),
            ))
            .execute(c)?;
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
    for chunk in entries.chunks(500) {
        crate::db::dispatch!(c, |c| diesel::insert_into(list_entries::table)
            .values(chunk)
            .execute(c))?;
    }
    let changes = pending.iter().map(|(r, cur)| rating_change(r, cur)).collect();
    audit::append_many(c, actor, changes)?;
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

/// Stores `rating` if it differs from the merchant's current one: the merchant row, a snapshot,
/// list entries left and entered, and one audit entry. Returns whether anything changed.
/// Call inside a write transaction.
pub fn store_if_changed(
    conn: &mut DbConn,
    actor: &Actor,
    rating: &Rating,
    current: &Current,
    at: NaiveDateTime,
) -> anyhow::Result<bool> {
    if !is_change(rating, current) {
        return Ok(false);
    }
    store_batch(conn, actor, &[(rating, current)], at)?;
    Ok(true)
}

fn current_of(conn: &mut DbConn, only: Option<&[i32]>) -> QueryResult<HashMap<i32, Current>> {
    let q = merchants::table
        .select((
            merchants::id,
            merchants::current_score_tenths,
            merchants::current_stars,
            merchants::current_list,
        ))
        .into_boxed();
    let q = match only {
        Some(ids) => q.filter(merchants::id.eq_any(ids.to_vec())),
        None => q,
    };
    let rows: Vec<(i32, Option<i32>, Option<i32>, ListStatus)> = q.load(conn)?;
    Ok(rows.into_iter().map(|(id, s, st, l)| (id, (s, st, l))).collect())
}

/// Recomputes one merchant inside the caller's write transaction (the incremental path every
/// rating-changing write takes). Returns the new rating.
pub fn recompute_merchant(
    conn: &mut DbConn,
    policy: &Policy,
    merchant_id: i32,
    as_of: NaiveDate,
    actor: &Actor,
) -> anyhow::Result<Rating> {
    let ids = [merchant_id];
    let hist = load_histories(conn, Some(&ids), as_of)?;
    let h = hist
        .get(&merchant_id)
        .ok_or_else(|| anyhow::anyhow!("no merchant {merchant_id}"))?;
    let rating = rate(h, policy, as_of);
    let current = current_of(conn, Some(&ids))?;
    if let Some(cur) = current.get(&merchant_id) {
        store_if_changed(conn, actor, &rating, cur, now_utc())?;
    }
    crate::services::programme::refresh_in_tx(conn, &policy.programme, Some(&ids))?;
    Ok(rating)
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

/// Recomputes the merchants in `only` (everyone when `None`) inside the caller's write
/// transaction, reading each table once.
pub fn recompute_in_tx(
    c: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
    only: Option<&[i32]>,
) -> anyhow::Result<RecomputeReport> {
    // Large id lists would exceed the backends' bound-parameter limits: read everyone instead.
    let only = only.filter(|ids| ids.len() <= 20_000);
    let t0 = std::time::Instant::now();
    let histories = load_histories(c, only, as_of)?;
    let current = current_of(c, only)?;
    let t1 = std::time::Instant::now();
    let mut ids: Vec<i32> = histories.keys().copied().collect();
    ids.sort_unstable();
    let ratings: Vec<Rating> = ids.iter().map(|id| rate(&histories[id], policy, as_of)).collect();
    let t2 = std::time::Instant::now();
    let at = now_utc();
    let pending: Vec<(&Rating, &Current)> = ratings
        .iter()
        .filter_map(|r| current.get(&(r.merchant_id as i32)).map(|cur| (r, cur)))
        .filter(|(r, cur)| is_change(r, cur))
        .collect();
    let changed = pending.len();
    store_batch(c, actor, &pending, at)?;
    let stored = std::time::Instant::now();
    // A commendation in its display year ends with a serious violation or a black-list entry.
    crate::services::commendations::apply_revocations(c, policy, as_of, actor, only)?;
    // The programme's due dates follow the new stars and lists (only changed rows are written).
    let revoked = std::time::Instant::now();
    crate::services::programme::refresh_in_tx(c, &policy.programme, only)?;
    let t3 = std::time::Instant::now();
    tracing::debug!(
        merchants = ratings.len(),
        changed,
        read = (t1 - t0).as_secs_f64(),
        compute = (t2 - t1).as_secs_f64(),
        store = (stored - t2).as_secs_f64(),
        revocations = (revoked - stored).as_secs_f64(),
        programme = (t3 - revoked).as_secs_f64(),
        "recompute"
    );
    Ok(RecomputeReport {
        merchants: ratings.len(),
        changed,
        read: t1 - t0,
        compute: t2 - t1,
        write: t3 - t2,
    })
}
