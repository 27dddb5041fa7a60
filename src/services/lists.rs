//! The public red and black lists: the latest published edition (or, before the first edition,
//! the live ratings), kept in an in-memory cache that is invalidated when an edition is published
//! or a rating changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{edition_entries, editions, list_entries, merchants, rating_snapshots};
use crate::db::DbConn;
use crate::domain::reasons::EnteredReasons;
use crate::domain::words::ListStatus;
use crate::services::editions::EditionEntry;

/// One merchant on a list. Its reasons are codes: the page or the API puts them into words in
/// the reader's language, so one cached list serves every language.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The merchant's id (its record is `/merchants/{id}`).
    pub merchant_id: i32,
    pub name: String,
    pub category: String,
    pub area: String,
    pub stars: Option<i32>,
    pub reasons: EnteredReasons,
    pub since: Option<NaiveDate>,
}

impl From<EditionEntry> for Entry {
    fn from(e: EditionEntry) -> Self {
        Entry {
            merchant_id: e.merchant_id,
            name: e.merchant_name,
            category: e.category,
            area: e.area,
            stars: e.stars,
            reasons: EnteredReasons::parse(&e.reason),
            since: Some(e.since),
        }
    }
}

/// A list as published.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedList {
    /// Red or black.
    pub list: ListStatus,
    /// The edition it comes from; `None` before the first edition (then the entries are live).
    pub edition: Option<i32>,
    pub published_on: Option<NaiveDate>,
    pub entries: Vec<Entry>,
}

/// What the cached lists were computed from: the newest edition, the newest rating change and the
/// newest merchant edit (a merchant closed or renamed). Each is one index lookup.
pub type Version = (Option<i32>, Option<i32>, Option<chrono::NaiveDateTime>);

/// The current [`Version`] of the lists.
pub fn version(conn: &mut DbConn) -> QueryResult<Version> {
    let edition: Option<i32> = editions::table
        .select(diesel::dsl::max(editions::number))
        .get_result(conn)?;
    let rating: Option<i32> = rating_snapshots::table
        .select(diesel::dsl::max(rating_snapshots::id))
        .get_result(conn)?;
    let edited = merchants::table
        .select(diesel::dsl::max(merchants::updated_at))
        .get_result(conn)?;
    Ok((edition, rating, edited))
}

/// The cache: one entry per list, tagged with the version it was built at.
#[derive(Default)]
pub struct ListCache {
    inner: Mutex<HashMap<ListStatus, (Version, Arc<PublishedList>)>>,
    /// Held while a list is read from the database, so that the requests that find it stale at
    /// once (64 visitors in the first second after a start or a publication) wait for one read
    /// instead of each reading the 15,000 entries of a large town's black list themselves.
    building: Mutex<()>,
}

impl ListCache {
    /// The list, from the cache when nothing was published or rated since it was built.
    pub fn get(&self, conn: &mut DbConn, list: ListStatus) -> QueryResult<Arc<PublishedList>> {
        let v = version(conn)?;
        self.get_at(conn, list, v)
    }

    /// The kept list if it was built at `v`.
    fn kept(&self, list: ListStatus, v: Version) -> Option<Arc<PublishedList>> {
        let map = self.inner.lock().ok()?;
        map.get(&list)
            .filter(|(cached_v, _)| *cached_v == v)
            .map(|(_, l)| l.clone())
    }

    /// The list at a version just read with [`version`] (several lists, one version check).
    pub fn get_at(&self, conn: &mut DbConn, list: ListStatus, v: Version) -> QueryResult<Arc<PublishedList>> {
        if let Some(l) = self.kept(list, v) {
            return Ok(l);
        }
        let _one_at_a_time = self.building.lock();
        // Another request may have read it while this one waited.
        if let Some(l) = self.kept(list, v) {
            return Ok(l);
        }
        let fresh = Arc::new(load(conn, list, v.0)?);
        if let Ok(mut map) = self.inner.lock() {
            map.insert(list, (v, fresh.clone()));
        }
        Ok(fresh)
    }
}

/// (merchant id, name, category, area, stars, reason, since) of a merchant on a live list, where
/// the list entry may be missing.
type LiveRow = (
    i32,
    String,
    String,
    String,
    Option<i32>,
    Option<String>,
    Option<NaiveDate>,
);

fn load(conn: &mut DbConn, list: ListStatus, edition: Option<i32>) -> QueryResult<PublishedList> {
    if let Some(number) = edition {
        let (eid, published_on): (i32, NaiveDate) = editions::table
            .filter(editions::number.eq(number))
            .select((editions::id, editions::published_on))
            .first(conn)?;
        let entries = edition_entries::table
            .filter(edition_entries::edition_id.eq(eid))
            .filter(edition_entries::list.eq(list))
            .order((
                edition_entries::stars.desc(),
                edition_entries::merchant_name.asc(),
            ))
            .select(EditionEntry::as_select())
            .load(conn)?
            .into_iter()
            .map(Entry::from)
            .collect();
        return Ok(PublishedList {
            list,
            edition: Some(number),
            published_on: Some(published_on),
            entries,
        });
    }
    let rows: Vec<LiveRow> = merchants::table
        .left_join(
            list_entries::table.on(list_entries::merchant_id
                .eq(merchants::id)
                .and(list_entries::left_on.is_null())
                .and(list_entries::list.eq(merchants::current_list))),
        )
        .filter(merchants::current_list.eq(list))
        .filter(merchants::status.eq("open"))
        .order((merchants::current_stars.desc(), merchants::name.asc()))
        .select((
            merchants::id,
            merchants::name,
            merchants::category,
            merchants::area,
            merchants::current_stars,
            list_entries::entered_reason.nullable(),
            list_entries::entered_on.nullable(),
        ))
        .load(conn)?;
    let entries = rows
        .into_iter()
        .map(
            |(merchant_id, name, category, area, stars, reason, since)| Entry {
                merchant_id,
                name,
                category,
                area,
                stars,
                reasons: reason.map(|r| EnteredReasons::parse(&r)).unwrap_or_default(),
                since,
            },
        )
        .collect();
    Ok(PublishedList {
        list,
        edition: None,
        published_on: None,
        entries,
    })
}
