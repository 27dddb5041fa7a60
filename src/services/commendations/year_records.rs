//! What the commendation rule reads about each merchant for a year, loaded with one query per
//! table.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{edition_entries, editions, list_entries, merchants, rating_snapshots};
use crate::db::DbConn;
use crate::domain::commendation::{year_bounds, EditionStanding, YearRecord};
use crate::domain::words::ListStatus;
use crate::services::histories::load_histories;

/// The year records the rule reads, for every merchant (or the ones in `only`), as on `today`.
pub fn load_year_records(
    c: &mut DbConn,
    year: i32,
    today: NaiveDate,
    only: Option<&[i32]>,
) -> QueryResult<BTreeMap<i32, YearRecord>> {
    let (first, last) = year_bounds(year);
    let last = last.min(today);
    let histories = load_histories(c, only, today)?;

    macro_rules! scoped {
        ($q:expr, $col:expr) => {{
            let q = $q.into_boxed();
            match only {
                Some(ids) => q.filter($col.eq_any(ids.to_vec())),
                None => q,
            }
        }};
    }
    let ms: Vec<(i32, Option<NaiveDate>, Option<NaiveDate>)> = scoped!(merchants::table, merchants::id)
        .select((merchants::id, merchants::member_since, merchants::member_left_on))
        .load(c)?;
    let eds: Vec<(i32, i32, NaiveDate)> = editions::table
        .filter(editions::published_on.ge(first))
        .filter(editions::published_on.le(last))
        .order((editions::published_on.asc(), editions::number.asc()))
        .select((editions::id, editions::number, editions::published_on))
        .load(c)?;
    let ed_ids: Vec<i32> = eds.iter().map(|e| e.0).collect();
    let red: HashSet<(i32, i32)> = if ed_ids.is_empty() {
        HashSet::new()
    } else {
        scoped!(edition_entries::table, edition_entries::merchant_id)
            .filter(edition_entries::edition_id.eq_any(ed_ids))
            .filter(edition_entries::list.eq(ListStatus::Red))
            .select((edition_entries::edition_id, edition_entries::merchant_id))
            .load::<(i32, i32)>(c)?
            .into_iter()
            .collect()
    };
    // Each merchant's ratings up to the year's last day, oldest first: the stars in force on a day
    // are those of the last snapshot dated on or before it.
    let snaps: Vec<(i32, NaiveDate, Option<i32>)> =
        scoped!(rating_snapshots::table, rating_snapshots::merchant_id)
            .filter(rating_snapshots::as_of.le(last))
            .order((
                rating_snapshots::merchant_id.asc(),
                rating_snapshots::as_of.asc(),
                rating_snapshots::id.asc(),
            ))
            .select((
                rating_snapshots::merchant_id,
                rating_snapshots::as_of,
                rating_snapshots::stars,
            ))
            .load(c)?;
    let mut by_merchant: HashMap<i32, Vec<(NaiveDate, Option<i32>)>> = HashMap::new();
    for (m, d, s) in snaps {
        by_merchant.entry(m).or_default().push((d, s));
    }
    let blacks: Vec<(i32, i32, NaiveDate)> = scoped!(list_entries::table, list_entries::merchant_id)
        .filter(list_entries::list.eq(ListStatus::Black))
        .select((
            list_entries::id,
            list_entries::merchant_id,
            list_entries::entered_on,
        ))
        .load(c)?;
    let mut black_by: HashMap<i32, Vec<(i64, NaiveDate)>> = HashMap::new();
    for (id, m, d) in blacks {
        black_by.entry(m).or_default().push((i64::from(id), d));
    }

    let stars_on = |points: Option<&Vec<(NaiveDate, Option<i32>)>>, day: NaiveDate| -> Option<u8> {
        points?
            .iter()
            .take_while(|(d, _)| *d <= day)
            .last()
            .and_then(|(_, s)| *s)
            .and_then(|s| u8::try_from(s).ok())
    };
    let mut out = BTreeMap::new();
    for (id, since, left) in ms {
        let h = histories.get(&id).cloned().unwrap_or_default();
        let points = by_merchant.get(&id);
        let editions = eds
            .iter()
            .map(|(eid, number, date)| EditionStanding {
                number: *number,
                published_on: *date,
                stars: stars_on(points, *date),
                on_red: red.contains(&(*eid, id)),
            })
            .collect();
        out.insert(
            id,
            YearRecord {
                merchant_id: i64::from(id),
                member_since: since,
                member_left_on: left,
                editions,
                year_end_stars: stars_on(points, last),
                violations: h.violations,
                notices: h.notices,
                complaints: h.complaints,
                trainings: h.trainings,
                black_entries: black_by.remove(&id).unwrap_or_default(),
            },
        );
    }
    Ok(out)
}
