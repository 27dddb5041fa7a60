//! Published editions of the red and black lists (红黑榜第N期): each an immutable snapshot.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{edition_entries, editions, list_entries, merchants};
use crate::db::DbConn;
use crate::domain::policy::Policy;
use crate::domain::words::ListStatus;
use crate::services::rating::recompute_in_tx;

/// An edition as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = editions)]
pub struct Edition {
    pub id: i32,
    pub number: i32,
    pub published_on: NaiveDate,
    pub published_at: NaiveDateTime,
    pub published_by: Option<i32>,
    pub policy_version: String,
    pub note: String,
}

/// One merchant in an edition.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = edition_entries)]
pub struct EditionEntry {
    pub id: i32,
    pub edition_id: i32,
    pub merchant_id: i32,
    pub merchant_name: String,
    pub category: String,
    pub area: String,
    pub stars: Option<i32>,
    pub list: ListStatus,
    /// Why it was listed: the JSON of its list reasons' codes (`domain::reasons::EnteredReasons`),
    /// copied from the list entry at publication.
    pub reason: String,
    pub since: NaiveDate,
}

/// A listed merchant with the open list entry that explains it.
type ListedRow = (
    i32,
    String,
    String,
    String,
    Option<i32>,
    ListStatus,
    Option<String>,
    Option<NaiveDate>,
);

/// What publishing produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub number: i32,
    pub red: usize,
    pub black: usize,
}

/// Why an edition could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The note is too long.
    #[error("the note must be at most 500 characters")]
    NoteTooLong,
    /// The lists are the same as in the last edition and no note says why it is published again.
    #[error("the lists are the same as in the last edition: give a note why it is published again")]
    Identical,
    /// The lists changed since the preview the committee confirmed.
    #[error("the lists changed since the preview; look at the new preview")]
    Stale,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for PublishError {
    fn from(e: diesel::result::Error) -> Self {
        PublishError::Other(e.into())
    }
}

/// Recomputes every rating as of `as_of` and publishes the red and black lists as the next
/// numbered edition — all in one transaction, with its audit entry.
pub fn publish(
    conn: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
    note: &str,
) -> Result<Published, PublishError> {
    publish_checked(conn, policy, as_of, actor, note, None)
}

/// [`publish`], refusing when `expected` (the fingerprint of the preview the committee confirmed)
/// no longer matches the lists, and — like [`publish`] — when the lists are identical to the last
/// edition's and the note is empty.
pub fn publish_checked(
    conn: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
    note: &str,
    expected: Option<&str>,
) -> Result<Published, PublishError> {
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(PublishError::NoteTooLong);
    }
    write_tx(conn, |c| {
        recompute_in_tx(c, policy, as_of, actor, None)?;
        let rows = listed_rows(c)?;
        let preview = compare(c, &rows)?;
        if expected.is_some_and(|f| f != preview.fingerprint) {
            return Err(PublishError::Stale);
        }
        if preview.identical && note.is_empty() {
            return Err(PublishError::Identical);
        }
        let last: Option<i32> = editions::table
            .select(diesel::dsl::max(editions::number))
            .first(c)?;
        let number = last.unwrap_or(0) + 1;
        let edition_id: i32 = crate::db::dispatch!(c, |c| diesel::insert_into(editions::table)
            .values((
                editions::number.eq(number),
                editions::published_on.eq(as_of),
                editions::published_at.eq(now_utc()),
                editions::published_by.eq(actor.user_id),
                editions::policy_version.eq(&policy.version),
                editions::note.eq(note),
            ))
            .returning(editions::id)
            .get_result(c))?;

        let (mut red, mut black) = (0, 0);
        for (mid, name, category, area, stars, list, reason, since) in rows {
            if list == ListStatus::Red {
                red += 1;
            } else {
                black += 1;
            }
            diesel::insert_into(edition_entries::table)
                .values((
                    edition_entries::edition_id.eq(edition_id),
                    edition_entries::merchant_id.eq(mid),
                    edition_entries::merchant_name.eq(name),
                    edition_entries::category.eq(category),
                    edition_entries::area.eq(area),
                    edition_entries::stars.eq(stars),
                    edition_entries::list.eq(list),
                    edition_entries::reason.eq(reason.unwrap_or_else(|| "[]".to_string())),
                    edition_entries::since.eq(since.unwrap_or(as_of)),
                ))
                .execute(c)?;
        }
        audit::append(
            c,
            actor,
            Change {
                action: "edition.publish",
                entity: "edition",
                entity_id: Some(number.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "number": number, "published_on": as_of, "red": red, "black": black,
                    "policy_version": policy.version, "note": note,
                })),
            },
        )?;
        Ok(Published { number, red, black })
    })
}

/// Each listed open merchant with the open list entry that explains it, in the edition's order.
fn listed_rows(c: &mut DbConn) -> QueryResult<Vec<ListedRow>> {
    merchants::table
        .left_join(
            list_entries::table.on(list_entries::merchant_id
                .eq(merchants::id)
                .and(list_entries::left_on.is_null())
                .and(list_entries::list.eq(merchants::current_list))),
        )
        .filter(merchants::current_list.ne(ListStatus::None))
        .filter(merchants::status.eq("open"))
        .order((
            merchants::current_list.asc(),
            merchants::current_stars.desc(),
            merchants::name.asc(),
        ))
        .select((
            merchants::id,
            merchants::name,
            merchants::category,
            merchants::area,
            merchants::current_stars,
            merchants::current_list,
            list_entries::entered_reason.nullable(),
            list_entries::entered_on.nullable(),
        ))
        .load(c)
}

/// A merchant entering or leaving a list, against the last edition.
#[derive(Debug, Clone, Serialize)]
pub struct Move {
    pub merchant_id: i32,
    pub merchant_name: String,
    pub list: ListStatus,
    /// Entering: the stored JSON of its list reasons' codes (`domain::reasons::EnteredReasons`).
    /// Leaving: the stored left reason (`Stored<LeftReason>`), `None` when it closed or left the
    /// alliance without one.
    pub reason: Option<String>,
}

/// What publishing now would change against the last edition.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The last edition's number, if any.
    pub last: Option<i32>,
    pub red: usize,
    pub black: usize,
    pub last_red: usize,
    pub last_black: usize,
    pub entering: Vec<Move>,
    pub leaving: Vec<Move>,
    /// Same merchants on both lists as the last edition.
    pub identical: bool,
    /// A digest of the lists and the last edition's number: what the committee confirms.
    pub fingerprint: String,
}

/// Compares the lists now (`rows`) with the last edition.
fn compare(c: &mut DbConn, rows: &[ListedRow]) -> QueryResult<Preview> {
    use sha2::Digest;
    let last: Option<(i32, i32)> = editions::table
        .order(editions::number.desc())
        .select((editions::id, editions::number))
        .first(c)
        .optional()?;
    let before: Vec<(i32, String, ListStatus)> = match last {
        Some((id, _)) => edition_entries::table
            .filter(edition_entries::edition_id.eq(id))
            .select((
                edition_entries::merchant_id,
                edition_entries::merchant_name,
                edition_entries::list,
            ))
            .load(c)?,
        None => Vec::new(),
    };
    let now: std::collections::BTreeSet<(i32, &str)> = rows.iter().map(|r| (r.0, r.5.as_str())).collect();
    let was: std::collections::BTreeSet<(i32, &str)> = before.iter().map(|b| (b.0, b.2.as_str())).collect();
    let entering = rows
        .iter()
        .filter(|r| !was.contains(&(r.0, r.5.as_str())))
        .map(|r| Move {
            merchant_id: r.0,
            merchant_name: r.1.clone(),
            list: r.5,
            reason: Some(r.6.clone().unwrap_or_else(|| "[]".to_string())),
        })
        .collect();
    let mut leaving = Vec::new();
    for (mid, name, list) in before.iter().filter(|b| !now.contains(&(b.0, b.2.as_str()))) {
        let reason: Option<Option<String>> = list_entries::table
            .filter(list_entries::merchant_id.eq(mid))
            .filter(list_entries::list.eq(list))
            .filter(list_entries::left_on.is_not_null())
            .order((list_entries::left_on.desc(), list_entries::id.desc()))
            .select(list_entries::left_reason)
            .first(c)
            .optional()?;
        leaving.push(Move {
            merchant_id: *mid,
            merchant_name: name.clone(),
            list: *list,
            reason: reason.flatten(),
        });
    }
    let count = |set: &std::collections::BTreeSet<(i32, &str)>, l: ListStatus| {
        set.iter().filter(|x| x.1 == l.as_str()).count()
    };
    let mut digest = sha2::Sha256::new();
    digest.update(format!("last:{:?};", last.map(|l| l.1)));
    for (m, l) in &now {
        digest.update(format!("{m}:{l};"));
    }
    Ok(Preview {
        last: last.map(|l| l.1),
        red: count(&now, ListStatus::Red),
        black: count(&now, ListStatus::Black),
        last_red: count(&was, ListStatus::Red),
        last_black: count(&was, ListStatus::Black),
        entering,
        leaving,
        identical: last.is_some() && now == was,
        fingerprint: hex::encode(&digest.finalize()[..12]),
    })
}

/// What publishing as of `as_of` would change: recomputes every rating first (as publishing and
/// the daily job do, committed), then compares the lists with the last edition.
pub fn preview(
    conn: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
) -> anyhow::Result<Preview> {
    write_tx(conn, |c| {
        recompute_in_tx(c, policy, as_of, actor, None)?;
        let rows = listed_rows(c)?;
        Ok(compare(c, &rows)?)
    })
}

/// Every edition, newest first.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Edition>> {
    editions::table
        .order(editions::number.desc())
        .select(Edition::as_select())
        .load(conn)
}

/// One edition by number.
pub fn by_number(conn: &mut DbConn, number: i32) -> QueryResult<Option<Edition>> {
    editions::table
        .filter(editions::number.eq(number))
        .select(Edition::as_select())
        .first(conn)
        .optional()
}

/// How many merchants an edition put on `list`.
pub fn count_on(conn: &mut DbConn, edition_id: i32, list: ListStatus) -> QueryResult<i64> {
    edition_entries::table
        .filter(edition_entries::edition_id.eq(edition_id))
        .filter(edition_entries::list.eq(list))
        .count()
        .get_result(conn)
}

/// A page of an edition's `list`, in the order the list pages use (stars, then name).
pub fn entries_on(
    conn: &mut DbConn,
    edition_id: i32,
    list: ListStatus,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<EditionEntry>> {
    edition_entries::table
        .filter(edition_entries::edition_id.eq(edition_id))
        .filter(edition_entries::list.eq(list))
        .order((
            edition_entries::stars.desc(),
            edition_entries::merchant_name.asc(),
            edition_entries::merchant_id.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .select(EditionEntry::as_select())
        .load(conn)
}

/// One edition by number with its entries (red first, then black).
pub fn find(conn: &mut DbConn, number: i32) -> QueryResult<Option<(Edition, Vec<EditionEntry>)>> {
    let Some(e) = editions::table
        .filter(editions::number.eq(number))
        .select(Edition::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let entries = edition_entries::table
        .filter(edition_entries::edition_id.eq(e.id))
        .order((
            edition_entries::list.desc(),
            edition_entries::stars.desc(),
            edition_entries::merchant_name.asc(),
        ))
        .select(EditionEntry::as_select())
        .load(conn)?;
    Ok(Some((e, entries)))
}
