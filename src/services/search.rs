//! The consumers' merchant search (`/search`, `/api/v1/public/merchants?q=`): open merchants whose
//! name, credit code or address contains the text, in any case, by name.
//!
//! `LIKE '%text%'` cannot use an index, so in SQL every search read the whole table twice (the
//! page and the count): 170 ms a search with 100,000 merchants. Instead the searchable text of
//! every open merchant is kept in memory as one string, lower-cased, one line per merchant in
//! (name, id) order, and a search is one SIMD substring scan over it (`memchr::memmem`): a few
//! milliseconds for 100,000 merchants, for one- and two-character Chinese queries too (which a
//! trigram index would not serve). Only the page's merchants are then read from the database, so
//! stars and lists are live. The index is rebuilt when its [`SearchVersion`] moves; see
//! `docs/public-site.md`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::merchant::Merchant;
use crate::db::schema::merchants;
use crate::db::DbConn;

/// What the index was built from: the newest merchant edit (every edit — name, address, credit
/// code, closing — sets `updated_at`) and the newest merchant (a new one). Two index lookups.
pub type SearchVersion = (Option<NaiveDateTime>, Option<i32>);

/// The current [`SearchVersion`].
pub fn version(conn: &mut DbConn) -> QueryResult<SearchVersion> {
    let edited = merchants::table
        .select(diesel::dsl::max(merchants::updated_at))
        .get_result(conn)?;
    let newest = merchants::table
        .select(diesel::dsl::max(merchants::id))
        .get_result(conn)?;
    Ok((edited, newest))
}

/// Separates the fields of one merchant's line; a query never contains it (see [`needle`]).
const FIELD_SEP: char = '\u{1f}';
/// Ends one merchant's line.
const LINE_END: char = '\n';

/// The searchable text of every open merchant.
pub struct SearchIndex {
    /// Built at this version.
    pub version: SearchVersion,
    /// `name␟credit code␟address\n` per merchant, lower-cased, in (name, id) order.
    text: String,
    /// Where each merchant's line starts in `text`, ascending.
    starts: Vec<usize>,
    /// Each line's merchant id.
    ids: Vec<i32>,
}

impl SearchIndex {
    /// Reads every open merchant's name, credit code and address.
    pub fn build(conn: &mut DbConn, version: SearchVersion) -> QueryResult<Self> {
        let rows: Vec<(i32, String, Option<String>, String)> = merchants::table
            .filter(merchants::status.eq("open"))
            .order((merchants::name.asc(), merchants::id.asc()))
            .select((
                merchants::id,
                merchants::name,
                merchants::credit_code,
                merchants::address,
            ))
            .load(conn)?;
        Ok(Self::from_rows(version, rows))
    }

    fn from_rows(version: SearchVersion, rows: Vec<(i32, String, Option<String>, String)>) -> Self {
        let mut text = String::with_capacity(rows.len() * 96);
        let mut starts = Vec::with_capacity(rows.len());
        let mut ids = Vec::with_capacity(rows.len());
        for (id, name, code, address) in rows {
            starts.push(text.len());
            ids.push(id);
            for (i, field) in [name.as_str(), code.as_deref().unwrap_or(""), address.as_str()]
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    text.push(FIELD_SEP);
                }
                // A stored value cannot break the line structure, whatever it holds.
                text.extend(
                    field
                        .chars()
                        .filter(|c| !c.is_control())
                        .flat_map(char::to_lowercase),
                );
            }
            text.push(LINE_END);
        }
        SearchIndex {
            version,
            text,
            starts,
            ids,
        }
    }

    /// How many open merchants the index holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The ids of the merchants whose name, credit code or address contains `query` (in any
    /// case), in (name, id) order. An empty query matches nothing.
    pub fn matching(&self, query: &str) -> Vec<i32> {
        let needle = needle(query);
        if needle.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut last_line = None;
        for at in memchr::memmem::find_iter(self.text.as_bytes(), needle.as_bytes()) {
            // The line holding this match: the last start at or before it.
            let line = self.starts.partition_point(|&s| s <= at) - 1;
            if last_line != Some(line) {
                out.push(self.ids[line]);
                last_line = Some(line);
            }
        }
        out
    }
}

/// The query as it is looked for: lower-cased, without control characters (so it cannot match
/// across two fields or two merchants).
fn needle(query: &str) -> String {
    query
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The open merchants among `ids`, in the order of `ids` (a page of [`SearchIndex::matching`];
/// one closed since the index was built is left out).
pub fn open_merchants(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<Merchant>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<Merchant> = merchants::table
        .filter(merchants::id.eq_any(ids))
        .filter(merchants::status.eq("open"))
        .select(Merchant::as_select())
        .load(conn)?;
    rows.sort_by_key(|m| ids.iter().position(|id| *id == m.id));
    Ok(rows)
}

/// Every open merchant, a page of them ordered by id (stable paging for open-data consumers), and
/// how many there are.
pub fn list_open(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<Merchant>, i64)> {
    let open = || merchants::table.filter(merchants::status.eq("open"));
    let total: i64 = open().count().get_result(conn)?;
    let rows = open()
        .order(merchants::id.asc())
        .offset(offset)
        .limit(limit)
        .select(Merchant::as_select())
        .load(conn)?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        SearchIndex::from_rows(
            (None, Some(4)),
            vec![
                (
                    3,
                    "Star Coffee 星辰咖啡".into(),
                    Some("91330100MA2AAAAA1X".into()),
                    "老街片区老街 1 号".into(),
                ),
                (1, "李记牛肉面".into(), None, "新城片区人民路 8 号".into()),
                (
                    2,
                    "李记牛肉面".into(),
                    Some("91330100MA2BBBBB2Y".into()),
                    "河东片区\n滨河路 3 号".into(),
                ),
                (4, "王家饭店".into(), None, "老街片区老街 2 号".into()),
            ],
        )
    }

    #[test]
    fn finds_part_of_a_name_code_or_address_in_any_case_in_order() {
        let idx = index();
        assert_eq!(idx.len(), 4);
        assert_eq!(idx.matching("牛肉"), vec![1, 2], "the order given: (name, id)");
        assert_eq!(idx.matching("星"), vec![3], "one Chinese character");
        assert_eq!(idx.matching("sTaR cOf"), vec![3]);
        assert_eq!(
            idx.matching("ma2bbbbb"),
            vec![2],
            "part of a credit code, any case"
        );
        assert_eq!(idx.matching("老街"), vec![3, 4], "address");
        assert_eq!(idx.matching("  老街片区老街 2 "), vec![4], "trimmed");
        assert_eq!(idx.matching("片区"), vec![3, 1, 2, 4], "each merchant once");
    }

    #[test]
    fn matches_never_cross_fields_or_merchants_and_wildcards_are_literal() {
        let idx = index();
        assert!(idx.matching("咖啡9133").is_empty(), "name into code");
        assert!(
            idx.matching("咖啡\u{1f}9133").is_empty(),
            "a separator in the query is dropped"
        );
        assert!(idx.matching("号李记").is_empty(), "one merchant into the next");
        assert_eq!(
            idx.matching("河东片区滨河路"),
            vec![2],
            "a line break in an address is dropped"
        );
        assert!(idx.matching("%").is_empty() && idx.matching("_").is_empty());
        assert!(idx.matching("").is_empty() && idx.matching("   ").is_empty());
        assert!(idx.matching("不存在").is_empty());
    }
}
