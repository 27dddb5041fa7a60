//! Open data: the bulk exports of the public record (merchants CSV, a LIVES feed, FHRS XML).
//!
//! Each export is built from a few set-wise queries (never one query per merchant) and holds only
//! what the public record already shows: no contact names, e-mail addresses or phone numbers, and
//! only the violation severities the policy discloses. The loaders read the database; the writers
//! below them are pure and produce the file bytes with the `csv`, `zip` and `quick-xml` writers, so
//! no escaping is written by hand. The LIVES and FHRS files are read back by our own importers
//! (`crate::import::lives`, `crate::import::fhrs`); the tests check that round trip.

use std::io::Write;

use chrono::{NaiveDate, NaiveDateTime, SecondsFormat};
use diesel::prelude::*;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use serde::{Serialize, Serializer};

use crate::db::schema::{inspections, merchants, violations};
use crate::db::DbConn;
use crate::domain::fhrs::{fhrs_rating, FhrsScores};
use crate::domain::policy::Policy;
use crate::domain::words::{InspectionKind, ListStatus, Severity};

/// The merchant status whose records are published; closed merchants leave the open data.
const OPEN: &str = "open";

/// UTF-8 byte order mark: without it Excel reads a CSV file in the local ANSI code page and
/// garbles Chinese names.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The LIVES specification version the feed follows.
pub const LIVES_FEED_VERSION: &str = "2.0";

// ---------------------------------------------------------------- safe cells

pub use crate::domain::csv_cell::{safe_cell, safe_value, unneutralise, FORMULA_TRIGGERS};

/// serde's `serialize_with` for the text fields of the rows below: every CSV writer of this
/// module serialises them through [`safe_cell`].
fn safe_text<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&safe_cell(text))
}

// ---------------------------------------------------------------- merchants.csv

/// One row of `merchants.csv`: a merchant's public data, in column order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MerchantRow {
    pub id: i32,
    #[serde(serialize_with = "safe_text")]
    pub name: String,
    #[serde(serialize_with = "safe_text")]
    pub credit_code: String,
    #[serde(serialize_with = "safe_text")]
    pub category: String,
    #[serde(serialize_with = "safe_text")]
    pub address: String,
    #[serde(serialize_with = "safe_text")]
    pub area: String,
    /// "true" or "false".
    pub alliance_member: bool,
    /// 1–5; empty when not yet rated (待评).
    pub stars: Option<i32>,
    /// One decimal, e.g. "89.5"; empty when not yet rated.
    pub score: String,
    /// "red", "black" or "none".
    pub list: ListStatus,
    /// When the rating was computed, RFC 3339 in UTC; empty when never rated.
    pub rated_at: String,
}

/// (id, name, credit_code, category, address, area, member_since, member_left_on, stars,
/// score_tenths, list, rated_at)
type MerchantTuple = (
    i32,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<i32>,
    Option<i32>,
    ListStatus,
    Option<NaiveDateTime>,
);

/// Score in tenths as text with exactly one decimal (895 → "89.5"), without going through floats.
fn tenths_text(t: i32) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let a = t.unsigned_abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

fn utc_text(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Every open merchant's public data, by id, with its membership as of `today`. One query; the
/// contact columns are never selected.
pub fn load_merchants(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<MerchantRow>> {
    let rows: Vec<MerchantTuple> = merchants::table
        .filter(merchants::status.eq(OPEN))
        .order(merchants::id.asc())
        .select((
            merchants::id,
            merchants::name,
            merchants::credit_code,
            merchants::category,
            merchants::address,
            merchants::area,
            merchants::member_since,
            merchants::member_left_on,
            merchants::current_stars,
            merchants::current_score_tenths,
            merchants::current_list,
            merchants::rated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, credit_code, category, address, area, since, left, stars, score, list, rated_at)| {
                MerchantRow {
                    id,
                    name,
                    credit_code: credit_code.unwrap_or_default(),
                    category,
                    address,
                    area,
                    alliance_member: crate::db::models::merchant::is_member_on(since, left, today),
                    stars,
                    score: score.map(tenths_text).unwrap_or_default(),
                    list,
                    rated_at: rated_at.map(utc_text).unwrap_or_default(),
                }
            },
        )
        .collect())
}

/// `merchants.csv`: a UTF-8 BOM, a header row, one row per merchant.
pub fn merchants_csv(rows: &[MerchantRow]) -> anyhow::Result<Vec<u8>> {
    let mut out = UTF8_BOM.to_vec();
    {
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(&mut out);
        // Written explicitly so an empty export still has its header.
        w.write_record([
            "id",
            "name",
            "credit_code",
            "category",
            "address",
            "area",
            "alliance_member",
            "stars",
            "score",
            "list",
            "rated_at",
        ])?;
        for r in rows {
            w.serialize(r)?;
        }
        w.flush()?;
    }
    Ok(out)
}

// ---------------------------------------------------------------- LIVES

/// A business of the LIVES feed (one per open merchant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LivesBusinessRow {
    pub business_id: i32,
    #[serde(serialize_with = "safe_text")]
    pub name: String,
    #[serde(serialize_with = "safe_text")]
    pub address: String,
    /// The merchant's area (街道/片区).
    #[serde(serialize_with = "safe_text")]
    pub city: String,
    #[serde(serialize_with = "safe_text")]
    pub state: String,
    #[serde(serialize_with = "safe_text")]
    pub postal_code: String,
}

/// An inspection of the LIVES feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LivesInspectionRow {
    pub business_id: i32,
    pub score: i32,
    /// `YYYYMMDD`.
    pub date: String,
    /// "routine", "followup", "complaint" or "self_check".
    #[serde(rename = "type")]
    pub kind: String,
}

/// A disclosed violation of the LIVES feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LivesViolationRow {
    pub business_id: i32,
    /// `YYYYMMDD`.
    pub date: String,
    #[serde(serialize_with = "safe_text")]
    pub code: String,
    #[serde(serialize_with = "safe_text")]
    pub description: String,
}

/// `feed_info.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LivesFeedInfoRow {
    /// `YYYYMMDD`.
    pub feed_date: String,
    pub feed_version: String,
    #[serde(serialize_with = "safe_text")]
    pub municipality_name: String,
    #[serde(serialize_with = "safe_text")]
    pub municipality_url: String,
    #[serde(serialize_with = "safe_text")]
    pub contact_email: String,
}

/// The whole LIVES feed, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivesExport {
    pub businesses: Vec<LivesBusinessRow>,
    pub inspections: Vec<LivesInspectionRow>,
    pub violations: Vec<LivesViolationRow>,
    pub feed_info: LivesFeedInfoRow,
}

/// Who publishes the feed, for `feed_info.csv`.
#[derive(Debug, Clone, Default)]
pub struct Publisher {
    pub name: String,
    pub url: String,
    pub contact_email: String,
}

fn lives_date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// Our inspection kinds in LIVES spelling (the spec writes "followup").
fn lives_kind(kind: InspectionKind) -> String {
    match kind {
        InspectionKind::FollowUp => "followup".into(),
        other => other.as_str().into(),
    }
}

/// The LIVES feed of the open merchants: three queries (businesses, inspections, disclosed
/// violations), each ordered so the file is the same for the same data.
pub fn load_lives(
    conn: &mut DbConn,
    policy: &Policy,
    feed_date: NaiveDate,
    publisher: &Publisher,
) -> QueryResult<LivesExport> {
    let businesses = merchants::table
        .filter(merchants::status.eq(OPEN))
        .order(merchants::id.asc())
        .select((
            merchants::id,
            merchants::name,
            merchants::address,
            merchants::area,
        ))
        .load::<(i32, String, String, String)>(conn)?
        .into_iter()
        .map(|(business_id, name, address, city)| LivesBusinessRow {
            business_id,
            name,
            address,
            city,
            state: String::new(),
            postal_code: String::new(),
        })
        .collect();
    let inspections = inspections::table
        .inner_join(merchants::table)
        .filter(merchants::status.eq(OPEN))
        .order((
            inspections::merchant_id.asc(),
            inspections::inspected_on.asc(),
            inspections::id.asc(),
        ))
        .select((
            inspections::merchant_id,
            inspections::score,
            inspections::inspected_on,
            inspections::kind,
        ))
        .load::<(i32, i32, NaiveDate, InspectionKind)>(conn)?
        .into_iter()
        .map(|(business_id, score, date, kind)| LivesInspectionRow {
            business_id,
            score,
            date: lives_date(date),
            kind: lives_kind(kind),
        })
        .collect();
    let disclosed: Vec<Severity> = policy.disclose_violations.iter().copied().collect();
    let violations = violations::table
        .inner_join(merchants::table)
        .filter(merchants::status.eq(OPEN))
        .filter(violations::severity.eq_any(disclosed))
        .order((
            violations::merchant_id.asc(),
            violations::found_on.asc(),
            violations::id.asc(),
        ))
        .select((
            violations::merchant_id,
            violations::found_on,
            violations::code,
            violations::description,
        ))
        .load::<(i32, NaiveDate, String, String)>(conn)?
        .into_iter()
        .map(|(business_id, date, code, description)| LivesViolationRow {
            business_id,
            date: lives_date(date),
            code,
            description,
        })
        .collect();
    Ok(LivesExport {
        businesses,
        inspections,
        violations,
        feed_info: LivesFeedInfoRow {
            feed_date: lives_date(feed_date),
            feed_version: LIVES_FEED_VERSION.into(),
            municipality_name: publisher.name.clone(),
            municipality_url: publisher.url.clone(),
            contact_email: publisher.contact_email.clone(),
        },
    })
}

/// One CSV file of the feed: the header from `headers` (so an empty file still has it), then rows.
fn lives_csv<T: Serialize>(headers: &[&str], rows: &[T]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(headers)?;
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {}", e.error()))
}

/// `lives.zip`: `businesses.csv`, `inspections.csv`, `violations.csv`, `feed_info.csv`, deflated,
/// with a fixed modification time so the same data gives the same bytes (and the same ETag).
pub fn lives_zip(feed: &LivesExport) -> anyhow::Result<Vec<u8>> {
    let files = [
        (
            "businesses.csv",
            lives_csv(
                &["business_id", "name", "address", "city", "state", "postal_code"],
                &feed.businesses,
            )?,
        ),
        (
            "inspections.csv",
            lives_csv(&["business_id", "score", "date", "type"], &feed.inspections)?,
        ),
        (
            "violations.csv",
            lives_csv(&["business_id", "date", "code", "description"], &feed.violations)?,
        ),
        (
            "feed_info.csv",
            lives_csv(
                &[
                    "feed_date",
                    "feed_version",
                    "municipality_name",
                    "municipality_url",
                    "contact_email",
                ],
                std::slice::from_ref(&feed.feed_info),
            )?,
        ),
    ];
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zw.start_file(name, options)?;
        zw.write_all(&bytes)?;
    }
    Ok(zw.finish()?.into_inner())
}

// ---------------------------------------------------------------- FHRS XML

/// A merchant rated under the FHRS scheme, from its latest scored inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhrsRow {
    /// The FSA's FHRSID for imported establishments, else our merchant id.
    pub fhrs_id: String,
    pub name: String,
    pub business_type: String,
    pub address: String,
    pub area: String,
    /// 0–5 by `fhrs_rating` from `scores`.
    pub rating: u8,
    pub rating_date: NaiveDate,
    pub scores: FhrsScores,
}

/// (merchant id, name, category, address, area, external source, external id, date, h, s, c)
type FhrsTuple = (
    i32,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    NaiveDate,
    Option<i32>,
    Option<i32>,
    Option<i32>,
);

/// Open merchants with FHRS component scores, each with the rating of its latest scored
/// inspection. One query, ordered by merchant and date; the last row of each merchant wins.
pub fn load_fhrs(conn: &mut DbConn) -> QueryResult<Vec<FhrsRow>> {
    let rows: Vec<FhrsTuple> = inspections::table
        .inner_join(merchants::table)
        .filter(merchants::status.eq(OPEN))
        .filter(inspections::fhrs_hygiene.is_not_null())
        .filter(inspections::fhrs_structural.is_not_null())
        .filter(inspections::fhrs_confidence.is_not_null())
        .order((
            merchants::id.asc(),
            inspections::inspected_on.asc(),
            inspections::id.asc(),
        ))
        .select((
            merchants::id,
            merchants::name,
            merchants::category,
            merchants::address,
            merchants::area,
            merchants::external_source,
            merchants::external_id,
            inspections::inspected_on,
            inspections::fhrs_hygiene,
            inspections::fhrs_structural,
            inspections::fhrs_confidence,
        ))
        .load(conn)?;
    let mut out: Vec<(i32, FhrsRow)> = Vec::new();
    for (id, name, category, address, area, source, external_id, date, h, s, c) in rows {
        let Some(scores) = stored_scores(h, s, c) else {
            tracing::warn!(
                merchant_id = id,
                "FHRS export: stored scores out of the scheme's range; skipped"
            );
            continue;
        };
        let fhrs_id = match (source.as_deref(), external_id) {
            (Some("fhrs"), Some(x)) if !x.trim().is_empty() => x,
            _ => id.to_string(),
        };
        let row = FhrsRow {
            fhrs_id,
            name,
            business_type: category,
            address,
            area,
            rating: fhrs_rating(&scores),
            rating_date: date,
            scores,
        };
        match out.last_mut() {
            Some((last, r)) if *last == id => *r = row,
            _ => out.push((id, row)),
        }
    }
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

fn stored_scores(h: Option<i32>, s: Option<i32>, c: Option<i32>) -> Option<FhrsScores> {
    let b = |v: Option<i32>| v.and_then(|v| u8::try_from(v).ok());
    FhrsScores::new(b(h)?, b(s)?, b(c)?).ok()
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        w.create_element(name).write_empty()?;
    } else {
        w.create_element(name).write_text_content(BytesText::new(text))?;
    }
    Ok(())
}

/// The FSA open-data shape: `<FHRSEstablishment><Header>…</Header><EstablishmentCollection>
/// <EstablishmentDetail>…</EstablishmentDetail>…`. The whole address goes in `AddressLine1`
/// (we keep it as one line), so the importer reads back the same address.
pub fn fhrs_xml(rows: &[FhrsRow], extract_date: NaiveDate) -> anyhow::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("FHRSEstablishment").write_inner_content(|w| {
        w.create_element("Header").write_inner_content(|w| {
            text_element(w, "ExtractDate", &extract_date.to_string())?;
            text_element(w, "ItemCount", &rows.len().to_string())?;
            text_element(w, "ReturnCode", "Success")
        })?;
        w.create_element("EstablishmentCollection")
            .write_inner_content(|w| {
                for r in rows {
                    establishment(w, r)?;
                }
                Ok(())
            })?;
        Ok(())
    })?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

fn establishment(w: &mut Writer<Vec<u8>>, r: &FhrsRow) -> std::io::Result<()> {
    w.create_element("EstablishmentDetail").write_inner_content(|w| {
        text_element(w, "FHRSID", &r.fhrs_id)?;
        text_element(w, "BusinessName", &r.name)?;
        text_element(w, "BusinessType", &r.business_type)?;
        text_element(w, "AddressLine1", &r.address)?;
        text_element(w, "RatingValue", &r.rating.to_string())?;
        text_element(w, "RatingKey", &format!("fhrs_{}_en-gb", r.rating))?;
        text_element(w, "RatingDate", &r.rating_date.to_string())?;
        w.create_element("Scores").write_inner_content(|w| {
            text_element(w, "Hygiene", &r.scores.hygiene.to_string())?;
            text_element(w, "Structural", &r.scores.structural.to_string())?;
            text_element(w, "ConfidenceInManagement", &r.scores.confidence.to_string())
        })?;
        text_element(w, "SchemeType", "FHRS")
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_have_one_decimal() {
        assert_eq!(tenths_text(895), "89.5");
        assert_eq!(tenths_text(900), "90.0");
        assert_eq!(tenths_text(7), "0.7");
        assert_eq!(tenths_text(1000), "100.0");
    }

    #[test]
    fn csv_quotes_commas_and_quotes() {
        let row = MerchantRow {
            id: 1,
            name: "老王\"面馆\", 总店".into(),
            credit_code: String::new(),
            category: "餐饮".into(),
            address: "a\nb".into(),
            area: "东街".into(),
            alliance_member: true,
            stars: None,
            score: String::new(),
            list: ListStatus::None,
            rated_at: String::new(),
        };
        let bytes = merchants_csv(&[row]).unwrap();
        assert!(bytes.starts_with(UTF8_BOM));
        let mut rdr = csv::Reader::from_reader(&bytes[UTF8_BOM.len()..]);
        let rec = rdr.records().next().unwrap().unwrap();
        assert_eq!(&rec[1], "老王\"面馆\", 总店");
        assert_eq!(&rec[4], "a\nb");
        assert_eq!(&rec[6], "true");
        assert_eq!(&rec[7], "");
    }

    #[test]
    fn xml_escapes_text() {
        let row = FhrsRow {
            fhrs_id: "1".into(),
            name: "Fish & <Chips>".into(),
            business_type: "Takeaway".into(),
            address: "1 High St".into(),
            area: "BT1".into(),
            rating: 5,
            rating_date: NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
            scores: FhrsScores::new(0, 5, 0).unwrap(),
        };
        let xml = fhrs_xml(&[row], NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()).unwrap();
        let parsed = crate::import::fhrs::parse_fhrs(&xml, &mut |_| {}).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].name, "Fish & <Chips>");
        assert_eq!(parsed[0].rating_value, "5");
    }
}
