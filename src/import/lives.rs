//! Parser for LIVES feeds (Local Inspector Value-entry Specification): a folder of CSV files —
//! `businesses.csv`, `inspections.csv`, optional `violations.csv` and `feed_info.csv`.
//!
//! Columns are found by header name, so extra columns are fine. The whole feed is rejected on the
//! first bad record, with the file and line, so an import never half-succeeds. Dates may be written
//! as the spec's `YYYYMMDD`, as ISO `YYYY-MM-DD`, or US-style `M/D/YY` / `M/D/YYYY` (Lexington).

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use encoding_rs::Encoding;

use super::text::{import_error_of_csv, LineIndex, TextReader};
use super::ImportError;

/// A business (food establishment) in a LIVES feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivesBusiness {
    /// Feed-local id, referenced by inspections and violations.
    pub business_id: String,
    /// Name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// State.
    pub state: String,
    /// Postal code, when the feed has the column and a value.
    pub postal_code: Option<String>,
}

/// An inspection in a LIVES feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivesInspection {
    /// The business inspected.
    pub business_id: String,
    /// Score 0..=100, when given.
    pub score: Option<i32>,
    /// Inspection date.
    pub date: NaiveDate,
    /// Inspection type ("initial", "routine", "followup", "complaint"), when given.
    pub kind: Option<String>,
}

/// A violation in a LIVES feed; it belongs to the inspection of the same business on the same date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivesViolation {
    /// The business.
    pub business_id: String,
    /// Inspection date.
    pub date: NaiveDate,
    /// Violation code (may be empty).
    pub code: String,
    /// Description.
    pub description: String,
}

/// `feed_info.csv`: who published the feed and when, for attribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivesFeedInfo {
    /// Feed date.
    pub feed_date: Option<NaiveDate>,
    /// Spec version.
    pub feed_version: String,
    /// Publisher.
    pub municipality_name: String,
    /// Publisher's web page.
    pub municipality_url: String,
}

/// A whole LIVES feed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LivesFeed {
    /// Businesses.
    pub businesses: Vec<LivesBusiness>,
    /// Inspections.
    pub inspections: Vec<LivesInspection>,
    /// Violations.
    pub violations: Vec<LivesViolation>,
    /// Feed info, when `feed_info.csv` is present.
    pub feed_info: Option<LivesFeedInfo>,
}

impl LivesFeed {
    /// Violation codes grouped by visit (business id, date): the only link LIVES gives between an
    /// inspection and its violations.
    pub fn codes_by_visit(&self) -> BTreeMap<(&str, NaiveDate), Vec<&str>> {
        let mut m: BTreeMap<(&str, NaiveDate), Vec<&str>> = BTreeMap::new();
        for v in &self.violations {
            m.entry((v.business_id.as_str(), v.date))
                .or_default()
                .push(v.code.as_str());
        }
        m
    }
}

/// Parse a LIVES date: `YYYYMMDD`, `YYYY-MM-DD`, `M/D/YYYY` or `M/D/YY` (years 00–69 are 20xx,
/// 70–99 are 19xx).
pub fn parse_lives_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    if t.contains('-') {
        return NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
    }
    let mut parts = t.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let all_digits = |p: &str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(m) && all_digits(d) && all_digits(y)) || m.len() > 2 || d.len() > 2 {
        return None;
    }
    let year: i32 = match y.len() {
        2 => {
            let yy: i32 = y.parse().ok()?;
            if yy < 70 {
                2000 + yy
            } else {
                1900 + yy
            }
        }
        4 => y.parse().ok()?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)
}

/// A CSV file of a feed read record by record, with its columns found by header name.
///
/// The bytes go through a [`TextReader`]: decoded from the chosen encoding, checked to be whole.
pub struct Rows<R: Read> {
    file: &'static str,
    rdr: csv::Reader<TextReader<R>>,
    headers: Vec<String>,
    rec: csv::StringRecord,
    lines: LineIndex,
    /// Data records read so far.
    pub count: usize,
}

impl<R: Read> Rows<R> {
    /// Opens `file` (its name, for errors) on `reader`, in `encoding` (UTF-8 when `None`).
    pub fn open(
        file: &'static str,
        reader: R,
        encoding: Option<&'static Encoding>,
    ) -> Result<Self, ImportError> {
        let lines = LineIndex::default();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(TextReader::new(reader, encoding, true).with_line_index(lines.clone()));
        let headers = rdr
            .headers()
            .map_err(|e| csv_error(file, &e, &lines))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        Ok(Rows {
            file,
            rdr,
            headers,
            rec: csv::StringRecord::new(),
            lines,
            count: 0,
        })
    }

    /// The next record and the line it starts on, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<(usize, &csv::StringRecord)>, ImportError> {
        match self.rdr.read_record(&mut self.rec) {
            Ok(false) => Ok(None),
            Ok(true) => {
                self.count += 1;
                let line = self.rec.position().map_or(0, |p| self.lines.line_at(p.byte()));
                Ok(Some((line, &self.rec)))
            }
            Err(e) => Err(csv_error(self.file, &e, &self.lines)),
        }
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    fn require(&self, name: &str) -> Result<usize, ImportError> {
        self.col(name)
            .ok_or_else(|| ImportError::at(1, format!("header has no {name} column")).in_file(self.file))
    }

    fn err(&self, line: usize, record: usize, reason: impl Into<String>) -> ImportError {
        ImportError::at(line, reason)
            .with_record(record)
            .in_file(self.file)
    }
}

fn csv_error(file: &str, e: &csv::Error, lines: &LineIndex) -> ImportError {
    if let Some(inner) = import_error_of_csv(e) {
        return inner.in_file(file);
    }
    let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("malformed CSV: expected {expected_len} fields, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "malformed CSV: invalid UTF-8".to_string(),
        _ => format!("malformed CSV: {e}"),
    };
    ImportError::at(line, reason).in_file(file)
}

fn get(rec: &csv::StringRecord, col: Option<usize>) -> String {
    col.and_then(|c| rec.get(c))
        .map(|s| crate::domain::csv_cell::unneutralise(s.trim()).into_owned())
        .unwrap_or_default()
}

/// Reads `businesses.csv` row by row: `business_id` and `name` required; `address`, `city`,
/// `state`, `postal_code` optional.
pub struct BusinessRows<R: Read> {
    rows: Rows<R>,
    cols: [Option<usize>; 6],
}

impl<R: Read> BusinessRows<R> {
    /// Opens the file and finds its columns.
    pub fn open(reader: R, encoding: Option<&'static Encoding>) -> Result<Self, ImportError> {
        let rows = Rows::open("businesses.csv", reader, encoding)?;
        let cols = [
            Some(rows.require("business_id")?),
            Some(rows.require("name")?),
            rows.col("address"),
            rows.col("city"),
            rows.col("state"),
            rows.col("postal_code"),
        ];
        Ok(BusinessRows { rows, cols })
    }

    /// The next business and its line.
    pub fn next_row(&mut self) -> Result<Option<(usize, LivesBusiness)>, ImportError> {
        let [id, name, address, city, state, postal] = self.cols;
        let Some((line, rec)) = self.rows.next_row()? else {
            return Ok(None);
        };
        let b = LivesBusiness {
            business_id: get(rec, id),
            name: get(rec, name),
            address: get(rec, address),
            city: get(rec, city),
            state: get(rec, state),
            postal_code: Some(get(rec, postal)).filter(|s| !s.is_empty()),
        };
        let n = self.rows.count;
        if b.business_id.is_empty() {
            return Err(self.rows.err(line, n, "missing business_id"));
        }
        if b.name.is_empty() {
            return Err(self.rows.err(line, n, "missing name"));
        }
        Ok(Some((line, b)))
    }
}

/// Reads `inspections.csv` row by row: `business_id` and `date` required; `score` (0..=100 or
/// empty) and `type` optional.
pub struct InspectionRows<R: Read> {
    rows: Rows<R>,
    cols: [Option<usize>; 4],
}

impl<R: Read> InspectionRows<R> {
    /// Opens the file and finds its columns.
    pub fn open(reader: R, encoding: Option<&'static Encoding>) -> Result<Self, ImportError> {
        let rows = Rows::open("inspections.csv", reader, encoding)?;
        let cols = [
            Some(rows.require("business_id")?),
            Some(rows.require("date")?),
            rows.col("score"),
            rows.col("type"),
        ];
        Ok(InspectionRows { rows, cols })
    }

    /// The next inspection and its line.
    pub fn next_row(&mut self) -> Result<Option<(usize, LivesInspection)>, ImportError> {
        let [id, date, score, kind] = self.cols;
        let Some((line, rec)) = self.rows.next_row()? else {
            return Ok(None);
        };
        let business_id = get(rec, id);
        let ds = get(rec, date);
        let ss = get(rec, score);
        let kind = Some(get(rec, kind)).filter(|s| !s.is_empty());
        let n = self.rows.count;
        if business_id.is_empty() {
            return Err(self.rows.err(line, n, "missing business_id"));
        }
        let date = parse_lives_date(&ds)
            .ok_or_else(|| self.rows.err(line, n, format!("date: not a date: {ds:?}")))?;
        let score = if ss.is_empty() {
            None
        } else {
            let v = parse_score(&ss).ok_or_else(|| {
                self.rows
                    .err(line, n, format!("score: not a number 0-100: {ss:?}"))
            })?;
            Some(v)
        };
        Ok(Some((
            line,
            LivesInspection {
                business_id,
                score,
                date,
                kind,
            },
        )))
    }
}

/// Reads `violations.csv` row by row: `business_id` and `date` required; `code` and
/// `description` optional.
pub struct ViolationRows<R: Read> {
    rows: Rows<R>,
    cols: [Option<usize>; 4],
}

impl<R: Read> ViolationRows<R> {
    /// Opens the file and finds its columns.
    pub fn open(reader: R, encoding: Option<&'static Encoding>) -> Result<Self, ImportError> {
        let rows = Rows::open("violations.csv", reader, encoding)?;
        let cols = [
            Some(rows.require("business_id")?),
            Some(rows.require("date")?),
            rows.col("code"),
            rows.col("description"),
        ];
        Ok(ViolationRows { rows, cols })
    }

    /// The next violation and its line.
    pub fn next_row(&mut self) -> Result<Option<(usize, LivesViolation)>, ImportError> {
        let [id, date, code, desc] = self.cols;
        let Some((line, rec)) = self.rows.next_row()? else {
            return Ok(None);
        };
        let business_id = get(rec, id);
        let ds = get(rec, date);
        let (code, description) = (get(rec, code), get(rec, desc));
        let n = self.rows.count;
        if business_id.is_empty() {
            return Err(self.rows.err(line, n, "missing business_id"));
        }
        let date = parse_lives_date(&ds)
            .ok_or_else(|| self.rows.err(line, n, format!("date: not a date: {ds:?}")))?;
        Ok(Some((
            line,
            LivesViolation {
                business_id,
                date,
                code,
                description,
            },
        )))
    }
}

/// Parse `businesses.csv`: `business_id` and `name` required; `address`, `city`, `state`,
/// `postal_code` optional.
pub fn parse_businesses(bytes: &[u8]) -> Result<Vec<LivesBusiness>, ImportError> {
    let mut rows = BusinessRows::open(bytes, None)?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while let Some((line, b)) = rows.next_row()? {
        if !seen.insert(b.business_id.clone()) {
            let n = rows.rows.count;
            return Err(rows
                .rows
                .err(line, n, format!("duplicate business_id {}", b.business_id)));
        }
        out.push(b);
    }
    Ok(out)
}

/// Parse `inspections.csv`: `business_id` and `date` required; `score` (0..=100 or empty) and `type`
/// optional.
pub fn parse_inspections(bytes: &[u8]) -> Result<Vec<LivesInspection>, ImportError> {
    Ok(inspections_with_lines(bytes)?.0)
}

type WithLines<T> = (Vec<T>, Vec<usize>);

fn inspections_with_lines(bytes: &[u8]) -> Result<WithLines<LivesInspection>, ImportError> {
    let mut rows = InspectionRows::open(bytes, None)?;
    let (mut out, mut lines) = (Vec::new(), Vec::new());
    while let Some((line, x)) = rows.next_row()? {
        out.push(x);
        lines.push(line);
    }
    Ok((out, lines))
}

fn parse_score(s: &str) -> Option<i32> {
    let v: i32 = match s.parse::<i32>() {
        Ok(v) => v,
        Err(_) => {
            let f: f64 = s.parse().ok()?;
            if f.fract() != 0.0 || !f.is_finite() {
                return None;
            }
            f as i32
        }
    };
    (0..=100).contains(&v).then_some(v)
}

/// Parse `violations.csv`: `business_id` and `date` required; `code` and `description` optional.
pub fn parse_violations(bytes: &[u8]) -> Result<Vec<LivesViolation>, ImportError> {
    Ok(violations_with_lines(bytes)?.0)
}

fn violations_with_lines(bytes: &[u8]) -> Result<WithLines<LivesViolation>, ImportError> {
    let mut rows = ViolationRows::open(bytes, None)?;
    let (mut out, mut lines) = (Vec::new(), Vec::new());
    while let Some((line, x)) = rows.next_row()? {
        out.push(x);
        lines.push(line);
    }
    Ok((out, lines))
}

/// Parse `feed_info.csv` (first data row).
pub fn parse_feed_info(bytes: &[u8]) -> Result<Option<LivesFeedInfo>, ImportError> {
    parse_feed_info_from(bytes, None)
}

/// Parse `feed_info.csv` (first data row) from a reader, in `encoding` (UTF-8 when `None`).
pub fn parse_feed_info_from<R: Read>(
    reader: R,
    encoding: Option<&'static Encoding>,
) -> Result<Option<LivesFeedInfo>, ImportError> {
    let mut t = Rows::open("feed_info.csv", reader, encoding)?;
    let (feed_date, version, name, url) = (
        t.col("feed_date"),
        t.col("feed_version"),
        t.col("municipality_name"),
        t.col("municipality_url"),
    );
    let Some((line, rec)) = t.next_row()? else {
        return Ok(None);
    };
    let rec = rec.clone();
    let ds = get(&rec, feed_date);
    let feed_date = if ds.is_empty() {
        None
    } else {
        Some(parse_lives_date(&ds).ok_or_else(|| t.err(line, 1, format!("feed_date: not a date: {ds:?}")))?)
    };
    Ok(Some(LivesFeedInfo {
        feed_date,
        feed_version: get(&rec, version),
        municipality_name: get(&rec, name),
        municipality_url: get(&rec, url),
    }))
}

/// Parse a feed from in-memory files and check that every inspection and violation names a known
/// business.
pub fn parse_lives(
    businesses: &[u8],
    inspections: &[u8],
    violations: Option<&[u8]>,
    feed_info: Option<&[u8]>,
) -> Result<LivesFeed, ImportError> {
    let businesses = parse_businesses(businesses)?;
    let (inspections, insp_lines) = inspections_with_lines(inspections)?;
    let (violations, viol_lines) = match violations {
        Some(b) => violations_with_lines(b)?,
        None => (Vec::new(), Vec::new()),
    };
    let feed_info = match feed_info {
        Some(b) => parse_feed_info(b)?,
        None => None,
    };
    let ids: HashSet<&str> = businesses.iter().map(|b| b.business_id.as_str()).collect();
    for (i, x) in inspections.iter().enumerate() {
        if !ids.contains(x.business_id.as_str()) {
            let line = insp_lines.get(i).copied().unwrap_or(0);
            return Err(
                ImportError::at(line, format!("unknown business_id {}", x.business_id))
                    .with_record(i + 1)
                    .in_file("inspections.csv"),
            );
        }
    }
    for (i, x) in violations.iter().enumerate() {
        if !ids.contains(x.business_id.as_str()) {
            let line = viol_lines.get(i).copied().unwrap_or(0);
            return Err(
                ImportError::at(line, format!("unknown business_id {}", x.business_id))
                    .with_record(i + 1)
                    .in_file("violations.csv"),
            );
        }
    }
    Ok(LivesFeed {
        businesses,
        inspections,
        violations,
        feed_info,
    })
}

/// Parse a LIVES folder. `businesses.csv` and `inspections.csv` are required; `violations.csv` and
/// `feed_info.csv` are read when present.
pub fn parse_lives_dir(dir: &Path) -> Result<LivesFeed, ImportError> {
    let read = |name: &str, required: bool| -> Result<Option<Vec<u8>>, ImportError> {
        let p = dir.join(name);
        match std::fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ImportError::at(0, format!("cannot read file: {e}")).in_file(name)),
        }
    };
    let b = read("businesses.csv", true)?.unwrap_or_default();
    let i = read("inspections.csv", true)?.unwrap_or_default();
    let v = read("violations.csv", false)?;
    let f = read("feed_info.csv", false)?;
    parse_lives(&b, &i, v.as_deref(), f.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        assert_eq!(parse_lives_date("11/12/15"), d(2015, 11, 12));
        assert_eq!(parse_lives_date("6/2/16"), d(2016, 6, 2));
        assert_eq!(parse_lives_date("6/2/1999"), d(1999, 6, 2));
        assert_eq!(parse_lives_date("6/2/99"), d(1999, 6, 2));
        assert_eq!(parse_lives_date("20160819"), d(2016, 8, 19));
        assert_eq!(parse_lives_date("2016-08-19"), d(2016, 8, 19));
        for bad in [
            "", "13/1/15", "2/30/16", "1/2/3/4", "x/1/15", "2016081", "1/1/123",
        ] {
            assert_eq!(parse_lives_date(bad), None, "{bad}");
        }
    }

    const B: &str = "business_id,name,address,city,state,postal_code\n1,A,\"1 Main St, Ste 2\",Lexington,KY,40507\n2,B,,Lexington,KY,\n";

    #[test]
    fn parses_in_memory_feed() {
        let i = "business_id,score,date,type\n1,94,11/12/15,routine\n2,,20160101,\n";
        let v = "business_id,date,code,description\n1,11/12/15,8,\"Food Protection, storage\"\n";
        let f = parse_lives(B.as_bytes(), i.as_bytes(), Some(v.as_bytes()), None).unwrap();
        assert_eq!(f.businesses[0].address, "1 Main St, Ste 2");
        assert_eq!(f.businesses[0].postal_code.as_deref(), Some("40507"));
        assert_eq!(f.businesses[1].postal_code, None);
        assert_eq!(f.inspections[0].score, Some(94));
        assert_eq!(f.inspections[0].kind.as_deref(), Some("routine"));
        assert_eq!(f.inspections[1].score, None);
        assert_eq!(f.violations[0].description, "Food Protection, storage");
        let by = f.codes_by_visit();
        assert_eq!(by.len(), 1);
        assert_eq!(by.values().next().cloned(), Some(vec!["8"]));
    }

    #[test]
    fn malformed_rejected_with_file_and_line() {
        let head = "business_id,score,date\n";
        for (row, why) in [
            ("1,101,11/12/15\n", "score"),
            ("1,ninety,11/12/15\n", "score"),
            ("1,90,13/45/15\n", "date"),
            (",90,11/12/15\n", "missing business_id"),
            ("1,90\n", "expected 3 fields, found 2"),
        ] {
            let s = format!("{head}1,90,11/12/15\n2,80,1/1/16\n{row}1,70,2/2/16\n");
            let e = parse_inspections(s.as_bytes()).unwrap_err();
            assert_eq!(e.file.as_deref(), Some("inspections.csv"));
            assert_eq!(e.line, 4, "{row}: {e}");
            assert!(e.reason.contains(why), "{row}: {e}");
        }
        let e = parse_inspections(b"business_id,score\n1,2\n").unwrap_err();
        assert!(e.reason.contains("date column"), "{e}");
        let e = parse_businesses(format!("{B}1,dup,,,,\n").as_bytes()).unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (4, "duplicate business_id 1"));
        let e = parse_lives(B.as_bytes(), b"business_id,score,date\n3,90,1/1/16\n", None, None).unwrap_err();
        assert_eq!((e.file.as_deref(), e.line), (Some("inspections.csv"), 2));
        assert!(e.reason.contains("unknown business_id 3"), "{e}");
        let e = parse_violations(b"business_id,date,code\n1,1/1/16,3\n1,someday,4\n").unwrap_err();
        assert_eq!((e.line, e.file.as_deref()), (3, Some("violations.csv")));
    }

    /// The policy's LIVES weights against the Lexington-Fayette feed (docs/rating.md).
    #[test]
    fn lexington_scores_reproduced() {
        use crate::domain::lives::{lives_score, lives_score_reachable, lives_unknown_codes};
        use crate::domain::policy::Policy;
        use std::collections::HashMap;

        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lexington-lives");
        let feed = parse_lives_dir(&dir).unwrap();
        assert_eq!(
            (
                feed.businesses.len(),
                feed.inspections.len(),
                feed.violations.len()
            ),
            (1446, 3300, 5380)
        );
        let info = feed.feed_info.clone().unwrap();
        assert_eq!(info.municipality_name, "Lexington-Fayette County");
        assert_eq!(info.feed_date, NaiveDate::from_ymd_opt(2016, 8, 19));

        let weights = Policy::default_policy().lives.weights;
        let by_visit = feed.codes_by_visit();
        let mut per_day: HashMap<(&str, NaiveDate), usize> = HashMap::new();
        for i in &feed.inspections {
            *per_day.entry((i.business_id.as_str(), i.date)).or_default() += 1;
        }
        let (mut exact, mut reachable, mut single, mut single_exact) = (0, 0, 0, 0);
        for i in &feed.inspections {
            let key = (i.business_id.as_str(), i.date);
            let codes = by_visit.get(&key).map(Vec::as_slice).unwrap_or(&[]);
            assert!(lives_unknown_codes(codes, &weights).is_empty());
            let Some(score) = i.score else { continue };
            let ok = lives_score(codes, &weights) == score;
            exact += usize::from(ok);
            reachable += usize::from(lives_score_reachable(score, codes, &weights));
            if per_day[&key] == 1 {
                single += 1;
                single_exact += usize::from(ok);
            }
        }
        // Every inspection alone on its day is reproduced exactly.
        assert_eq!((single_exact, single), (2638, 2638));
        // 331 days have two inspections sharing one list of violations: in 323 of them one
        // inspection carries them all (the other is the re-inspection), in 8 they are split.
        assert_eq!(exact, 2961);
        // Every score is 100 minus the weights of some subset of that day's violation codes.
        assert_eq!(reachable, 3300);
    }

    #[test]
    fn missing_dir_is_an_error() {
        let e = parse_lives_dir(Path::new("/nonexistent/lives")).unwrap_err();
        assert_eq!(e.file.as_deref(), Some("businesses.csv"));
    }
}
