//! The consumers' merchant search (`/search`, `/api/v1/public/merchants?q=`): open merchants whose
//! name, credit code or address contains the text, in any case, by name.
//!
//! `LIKE '%text%'` cannot use an index, so in SQL every search read the whole table twice (the
//! page and the count): 170 ms a search with 100,000 merchants. Instead the searchable text of
//! every open merchant is kept in memory, lower-cased, one line per merchant in (name, id) order,
//! with an inverted index of its characters and pairs of characters (bigrams: Chinese words are
//! one or two characters, so a trigram index would not serve them). A search intersects the lists
//! of the query's rarest bigrams and checks the few merchants left with a substring search of
//! their line (`memchr::memmem`); a scan of the whole text was over half of a search's time.
//! Only the page's merchants are then read from the database, so stars and lists are live. The
//! index is rebuilt when its [`SearchVersion`] moves; see `docs/public-site.md`.

use std::collections::HashMap;

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
    /// For each character ([`unigram`]) and pair of neighbouring characters of one field
    /// ([`bigram`]), the lines holding it, ascending.
    grams: HashMap<u64, Vec<u32>>,
    /// For each run of three neighbouring characters of one field ([`trigram`]), the lines
    /// holding it, ascending: what a query of three characters or more is narrowed by. A pair
    /// of digits such as "49" is in tens of thousands of merchants' numbers and addresses at
    /// 500,000 merchants, and intersecting such lists was a third of a search's time.
    trigrams: HashMap<u64, Vec<u32>>,
}

/// The index key of one character.
fn unigram(c: char) -> u64 {
    (1 << 63) | u64::from(c)
}

/// The index key of two neighbouring characters (a `char` fits in 21 bits, so it never has the
/// unigrams' top bit).
fn bigram(a: char, b: char) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// The [`SearchIndex::trigrams`] key of three neighbouring characters (21 bits each).
fn trigram(a: char, b: char, c: char) -> u64 {
    (u64::from(a) << 42) | (u64::from(b) << 21) | u64::from(c)
}

/// The keys a text is found by, unique: its character when it is one ([`unigram`]), its pair
/// when two ([`bigram`]), else its runs of three ([`trigram`], in [`SearchIndex::trigrams`]).
fn keys_of(chars: &[char]) -> Vec<u64> {
    let mut keys: Vec<u64> = match chars {
        [c] => vec![unigram(*c)],
        [a, b] => vec![bigram(*a, *b)],
        _ => chars.windows(3).map(|w| trigram(w[0], w[1], w[2])).collect(),
    };
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The lines of `short` that are also in `long` (both ascending; `short` is not the longer).
fn intersect(short: &[u32], long: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(short.len());
    if long.len() / 16 > short.len() {
        // Very unequal: look each line of the short list up in what is left of the long one.
        let mut rest = long;
        for &line in short {
            match rest.binary_search(&line) {
                Ok(i) => {
                    out.push(line);
                    rest = &rest[i + 1..];
                }
                Err(i) => rest = &rest[i..],
            }
        }
    } else {
        // Comparable: one pass over both.
        let (mut i, mut j) = (0, 0);
        while i < short.len() && j < long.len() {
            match short[i].cmp(&long[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    out.push(short[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
    }
    out
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
        let mut grams: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut trigrams: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut chars: Vec<char> = Vec::new();
        let mut keys: Vec<u64> = Vec::new();
        let mut keys3: Vec<u64> = Vec::new();
        for (line, (id, name, code, address)) in rows.into_iter().enumerate() {
            let line = u32::try_from(line).expect("fewer than 2^32 merchants");
            starts.push(text.len());
            ids.push(id);
            keys.clear();
            keys3.clear();
            for (i, field) in [name.as_str(), code.as_deref().unwrap_or(""), address.as_str()]
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    text.push(FIELD_SEP);
                }
                // A stored value cannot break the line structure, whatever it holds.
                chars.clear();
                chars.extend(
                    field
                        .chars()
                        .filter(|c| !c.is_control())
                        .flat_map(char::to_lowercase),
                );
                text.extend(chars.iter());
                keys.extend(chars.iter().map(|c| unigram(*c)));
                keys.extend(chars.windows(2).map(|w| bigram(w[0], w[1])));
                keys3.extend(chars.windows(3).map(|w| trigram(w[0], w[1], w[2])));
            }
            text.push(LINE_END);
            keys.sort_unstable();
            keys.dedup();
            for k in &keys {
                grams.entry(*k).or_default().push(line);
            }
            keys3.sort_unstable();
            keys3.dedup();
            for k in &keys3 {
                trigrams.entry(*k).or_default().push(line);
            }
        }
        // The lists grew by doubling: give back what they will never use.
        grams.values_mut().for_each(Vec::shrink_to_fit);
        grams.shrink_to_fit();
        trigrams.values_mut().for_each(Vec::shrink_to_fit);
        trigrams.shrink_to_fit();
        text.shrink_to_fit();
        SearchIndex {
            version,
            text,
            starts,
            ids,
            grams,
            trigrams,
        }
    }

    /// The text of line `line`, without its end.
    fn line(&self, line: usize) -> &[u8] {
        let end = self.starts.get(line + 1).copied().unwrap_or(self.text.len());
        &self.text.as_bytes()[self.starts[line]..end]
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
        let chars: Vec<char> = needle.chars().collect();
        let mut lists: Vec<&Vec<u32>> = Vec::new();
        let map = if chars.len() >= 3 {
            &self.trigrams
        } else {
            &self.grams
        };
        for key in keys_of(&chars) {
            match map.get(&key) {
                Some(lines) => lists.push(lines),
                // A character, pair or run no merchant has: nothing matches.
                None => return Vec::new(),
            }
        }
        // The rarest lists first; intersecting stops once few candidates are left, as checking
        // a line costs less than going through a long list.
        lists.sort_by_key(|l| l.len());
        let mut candidates: Vec<u32> = lists[0].clone();
        for other in &lists[1..] {
            if candidates.len() <= 16 {
                break;
            }
            candidates = intersect(&candidates, other);
        }
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        candidates
            .into_iter()
            .filter(|&line| chars.len() == 1 || finder.find(self.line(line as usize)).is_some())
            .map(|line| self.ids[line as usize])
            .collect()
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
    // On the backend's own connection: through `MultiConnection` the statement's text was
    // written again on every run to find it among the prepared ones (a tenth of a search).
    let mut rows: Vec<Merchant> = crate::db::dispatch!(conn, |c| crate::db::KeepPrepared(
        merchants::table
            .filter(merchants::id.eq_any(ids))
            .filter(merchants::status.eq("open"))
            .select(Merchant::as_select()),
    )
    .load(c))?;
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

    /// The index answers exactly what a scan of every line would: every substring of
    /// every field, and pieces that span two fields or none.
    #[test]
    fn the_index_finds_what_a_scan_of_every_line_finds() {
        let idx = index();
        let scan = |q: &str| -> Vec<i32> {
            let n = needle(q);
            if n.is_empty() {
                return Vec::new();
            }
            (0..idx.ids.len())
                .filter(|&l| memchr::memmem::find(idx.line(l), n.as_bytes()).is_some())
                .map(|l| idx.ids[l])
                .collect()
        };
        let mut queries: Vec<String> = vec!["号 2".into(), "咖啡 9".into(), "a2".into(), "aaaa".into()];
        for line in idx.text.lines() {
            let chars: Vec<char> = line.chars().collect();
            for i in 0..chars.len() {
                for len in 1..=6.min(chars.len() - i) {
                    queries.push(chars[i..i + len].iter().collect());
                }
            }
        }
        let mut hits = 0;
        for q in &queries {
            let found = idx.matching(q);
            assert_eq!(found, scan(q), "{q:?}");
            hits += usize::from(!found.is_empty());
        }
        assert!(
            hits > 500,
            "most queries find something: {hits} of {}",
            queries.len()
        );
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
