//! Parser for UK Food Hygiene Rating Scheme establishment data, in the three shapes the FSA publishes:
//! the open-data XML files (`FHRS807en-GB.xml`), the ratings API JSON (`{"establishments": [...]}` or
//! a bare array) and the API record flattened to CSV (`scores.Hygiene`, ...).
//!
//! The format is detected from the first non-space character. Parsing is all-or-nothing: the first bad
//! record rejects the file with its line number, so a half-imported authority never reaches the
//! database.

use std::collections::HashSet;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;

use super::ImportError;
use crate::domain::fhrs::FhrsScores;

/// One food business as published by the FSA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhrsEstablishment {
    /// FSA's establishment id (stable across extracts; the natural key for re-imports).
    pub fhrs_id: i64,
    /// Business name.
    pub name: String,
    /// Business type, e.g. "Restaurant/Cafe/Canteen".
    pub business_type: String,
    /// AddressLine1..4 and PostCode, non-empty parts joined with ", ".
    pub address: String,
    /// Post code (may be empty).
    pub postcode: String,
    /// Published rating: "0".."5", or "Exempt", "AwaitingInspection", ...
    pub rating_value: String,
    /// Date of the rating, if any.
    pub rating_date: Option<NaiveDate>,
    /// Component scores of the last inspection; `None` when not published (e.g. exempt premises).
    pub scores: Option<FhrsScores>,
    /// Local authority name, e.g. "Belfast City".
    pub local_authority: String,
}

impl FhrsEstablishment {
    /// The numeric rating 0..=5, or `None` for "Exempt", "AwaitingInspection" and the like.
    pub fn numeric_rating(&self) -> Option<u8> {
        match self.rating_value.as_str() {
            "0" => Some(0),
            "1" => Some(1),
            "2" => Some(2),
            "3" => Some(3),
            "4" => Some(4),
            "5" => Some(5),
            _ => None,
        }
    }
}

/// The three shapes an FHRS file can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FhrsFormat {
    /// Open-data XML.
    Xml,
    /// Ratings API JSON.
    Json,
    /// Flattened API records as CSV.
    Csv,
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Detect the format: XML if the first non-space character is `<`, JSON if `{` or `[`, else CSV.
pub fn detect_format(bytes: &[u8]) -> FhrsFormat {
    match strip_bom(bytes).iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => FhrsFormat::Xml,
        Some(b'{') | Some(b'[') => FhrsFormat::Json,
        _ => FhrsFormat::Csv,
    }
}

/// Parse an FHRS file of any of the three formats. `progress` is called with the number of records
/// parsed so far after each record, so a caller can show progress on large files.
pub fn parse_fhrs(
    bytes: &[u8],
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let bytes = strip_bom(bytes);
    let out = match detect_format(bytes) {
        FhrsFormat::Xml => parse_xml(bytes, progress)?,
        FhrsFormat::Json => parse_json(bytes, progress)?,
        FhrsFormat::Csv => parse_csv(bytes, progress)?,
    };
    Ok(out)
}

/// Read and parse a file; I/O errors are reported with line 0 and the file name.
pub fn parse_fhrs_file(
    path: &Path,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = std::fs::read(path)
        .map_err(|e| ImportError::at(0, format!("cannot read file: {e}")).in_file(name.clone()))?;
    parse_fhrs(&bytes, progress).map_err(|e| e.in_file(name))
}

/// Read and parse a file written in `encoding` (UTF-8 with or without BOM when `None`): the
/// bytes are decoded first, and a CSV file that ends inside a quoted field is refused.
pub fn parse_fhrs_file_in(
    path: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = std::fs::read(path)
        .map_err(|e| ImportError::at(0, format!("cannot read file: {e}")).in_file(name.clone()))?;
    parse_fhrs_in(&bytes, encoding, progress).map_err(|e| e.in_file(name))
}

/// [`parse_fhrs`] of bytes written in `encoding` (see [`parse_fhrs_file_in`]).
pub fn parse_fhrs_in(
    bytes: &[u8],
    encoding: Option<&'static encoding_rs::Encoding>,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let csv = detect_format(bytes) == FhrsFormat::Csv;
    let text = super::text::decode_all(bytes, encoding, csv)?;
    parse_fhrs(&text, progress)
}

/// Field values of one record before validation, whatever the source format.
#[derive(Default)]
struct RawRecord {
    fhrs_id: Option<String>,
    name: Option<String>,
    business_type: Option<String>,
    address: [Option<String>; 4],
    postcode: Option<String>,
    rating_value: Option<String>,
    rating_date: Option<String>,
    local_authority: Option<String>,
    hygiene: Option<String>,
    structural: Option<String>,
    confidence: Option<String>,
}

impl RawRecord {
    /// The slot for a field name (API / XML element name), if it is one we keep.
    fn slot(&mut self, field: &str) -> Option<&mut Option<String>> {
        Some(match field {
            "FHRSID" => &mut self.fhrs_id,
            "BusinessName" => &mut self.name,
            "BusinessType" => &mut self.business_type,
            "AddressLine1" => &mut self.address[0],
            "AddressLine2" => &mut self.address[1],
            "AddressLine3" => &mut self.address[2],
            "AddressLine4" => &mut self.address[3],
            "PostCode" => &mut self.postcode,
            "RatingValue" => &mut self.rating_value,
            "RatingDate" => &mut self.rating_date,
            "LocalAuthorityName" => &mut self.local_authority,
            _ => return None,
        })
    }

    /// The slot for a score name inside `scores`.
    fn score_slot(&mut self, field: &str) -> Option<&mut Option<String>> {
        Some(match field {
            "Hygiene" => &mut self.hygiene,
            "Structural" => &mut self.structural,
            "ConfidenceInManagement" => &mut self.confidence,
            _ => return None,
        })
    }
}

fn clean(v: Option<String>) -> String {
    v.map(|s| s.trim().to_string()).unwrap_or_default()
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A whole number written as "5", "5.0" or "5.00".
fn parse_whole(field: &str, s: &str) -> Result<i64, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    match t.parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => Ok(f as i64),
        _ => Err(format!("{field}: not a whole number: {t:?}")),
    }
}

fn parse_score(field: &str, s: &str) -> Result<u8, String> {
    let n = parse_whole(field, s)?;
    u8::try_from(n).map_err(|_| format!("{field}: score out of range: {n}"))
}

fn parse_rating_date(s: &str) -> Result<Option<NaiveDate>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let d = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|dt| dt.date())
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d"))
        .or_else(|_| {
            // "2019-09-12T00:00:00Z" or with an offset.
            chrono::DateTime::parse_from_rfc3339(t).map(|dt| dt.date_naive())
        })
        .map_err(|_| format!("RatingDate: not a date: {t:?}"))?;
    // The API writes 1901-01-01 (and sometimes 0001-01-01) for "no date" (Exempt, AwaitingInspection).
    let no_date = d.year() <= 1 || (d.year() == 1901 && d.ordinal() == 1);
    Ok(if no_date { None } else { Some(d) })
}

fn build(r: RawRecord) -> Result<FhrsEstablishment, String> {
    let id_s = non_empty(&r.fhrs_id).ok_or("missing FHRSID")?;
    let fhrs_id = parse_whole("FHRSID", id_s)?;
    if fhrs_id <= 0 {
        return Err(format!("FHRSID must be positive, got {fhrs_id}"));
    }
    let rating_value = non_empty(&r.rating_value)
        .ok_or("missing RatingValue")?
        .to_string();
    if let Some(c) = rating_value.chars().next() {
        if c.is_ascii_digit() && !matches!(rating_value.as_str(), "0" | "1" | "2" | "3" | "4" | "5") {
            return Err(format!(
                "RatingValue must be 0-5 or a status, got {rating_value:?}"
            ));
        }
    }
    let rating_date = match non_empty(&r.rating_date) {
        Some(s) => parse_rating_date(s)?,
        None => None,
    };
    let present = [
        non_empty(&r.hygiene),
        non_empty(&r.structural),
        non_empty(&r.confidence),
    ];
    let scores =
        match present {
            [None, None, None] => None,
            [Some(h), Some(s), Some(c)] => Some(FhrsScores::new(
                parse_score("Hygiene", h)?,
                parse_score("Structural", s)?,
                parse_score("ConfidenceInManagement", c)?,
            )?),
            _ => return Err(
                "scores: Hygiene, Structural and ConfidenceInManagement must be all present or all absent"
                    .into(),
            ),
        };
    let postcode = clean(r.postcode);
    let mut parts: Vec<String> = r
        .address
        .into_iter()
        .map(clean)
        .filter(|s| !s.is_empty())
        .collect();
    if !postcode.is_empty() {
        parts.push(postcode.clone());
    }
    Ok(FhrsEstablishment {
        fhrs_id,
        name: clean(r.name),
        business_type: clean(r.business_type),
        address: parts.join(", "),
        postcode,
        rating_value,
        rating_date,
        scores,
        local_authority: clean(r.local_authority),
    })
}

/// Collects records, rejecting duplicate ids and reporting progress.
struct Sink<'a> {
    out: Vec<FhrsEstablishment>,
    ids: HashSet<i64>,
    progress: &'a mut dyn FnMut(usize),
}

impl Sink<'_> {
    fn push(&mut self, raw: RawRecord, line: usize) -> Result<(), ImportError> {
        let record = self.out.len() + 1;
        let e = build(raw).map_err(|r| ImportError::at(line, r).with_record(record))?;
        if !self.ids.insert(e.fhrs_id) {
            return Err(ImportError::at(line, format!("duplicate FHRSID {}", e.fhrs_id)).with_record(record));
        }
        self.out.push(e);
        (self.progress)(self.out.len());
        Ok(())
    }
}

/// Incremental byte-offset → line conversion (offsets must not decrease).
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.bytes.len());
        if offset < self.offset {
            return super::line_of(self.bytes, offset);
        }
        self.line += self.bytes[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

// ---------------------------------------------------------------- CSV

mod from_csv;
mod from_json;
mod from_xml;

use from_csv::parse_csv;
use from_json::parse_json;
use from_xml::parse_xml;

#[cfg(test)]
mod tests;
