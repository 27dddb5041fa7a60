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

fn parse_csv(bytes: &[u8], progress: &mut dyn FnMut(usize)) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers = rdr
        .headers()
        .map_err(|e| csv_error(&e, "cannot read header"))?
        .clone();
    // Column index per slot name, accepting "scores.Hygiene" or plain "Hygiene".
    let mut columns: Vec<(usize, String, bool)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        let (name, is_score) = match h.strip_prefix("scores.") {
            Some(s) => (s, true),
            None => (
                h,
                matches!(h, "Hygiene" | "Structural" | "ConfidenceInManagement"),
            ),
        };
        columns.push((i, name.to_string(), is_score));
    }
    if !columns.iter().any(|(_, n, _)| n == "FHRSID") {
        return Err(ImportError::at(1, "header has no FHRSID column"));
    }
    let mut sink = Sink {
        out: Vec::new(),
        ids: HashSet::new(),
        progress,
    };
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(&e, "malformed CSV")),
        }
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let mut raw = RawRecord::default();
        for (i, name, is_score) in &columns {
            let v = rec.get(*i).map(str::to_string);
            let slot = if *is_score {
                raw.score_slot(name)
            } else {
                raw.slot(name)
            };
            if let Some(slot) = slot {
                *slot = v;
            }
        }
        sink.push(raw, line)?;
    }
    Ok(sink.out)
}

fn csv_error(e: &csv::Error, what: &str) -> ImportError {
    let line = e.position().map_or(0, |p| p.line() as usize);
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{what}: expected {expected_len} fields, found {len}"),
        csv::ErrorKind::Utf8 { .. } => format!("{what}: invalid UTF-8"),
        _ => format!("{what}: {e}"),
    };
    ImportError::at(line, reason)
}

// ---------------------------------------------------------------- JSON

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

/// Parse one JSON value at `pos` with serde_json; returns it and the offset just after it.
fn json_value_at<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    pos: usize,
    lines: &mut LineCounter<'_>,
) -> Result<(T, usize), ImportError> {
    let mut stream = serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<T>();
    match stream.next() {
        Some(Ok(v)) => Ok((v, pos + stream.byte_offset())),
        Some(Err(e)) => {
            let base = lines.line_at(pos);
            Err(ImportError::at(
                base + e.line().saturating_sub(1),
                format!("invalid JSON: {e}"),
            ))
        }
        None => Err(ImportError::at(
            lines.line_at(bytes.len()),
            "invalid JSON: unexpected end of file",
        )),
    }
}

fn expect_byte(
    bytes: &[u8],
    pos: usize,
    allowed: &[u8],
    lines: &mut LineCounter<'_>,
) -> Result<u8, ImportError> {
    match bytes.get(pos) {
        Some(b) if allowed.contains(b) => Ok(*b),
        Some(b) => Err(ImportError::at(
            lines.line_at(pos),
            format!(
                "invalid JSON: expected one of {:?}, found {:?}",
                String::from_utf8_lossy(allowed),
                char::from(*b)
            ),
        )),
        None => Err(ImportError::at(
            lines.line_at(pos),
            "invalid JSON: unexpected end of file",
        )),
    }
}

fn parse_json(bytes: &[u8], progress: &mut dyn FnMut(usize)) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let mut lines = LineCounter::new(bytes);
    let mut pos = skip_ws(bytes, 0);
    let mut array_at = None;
    if bytes.get(pos) == Some(&b'{') {
        // Walk the top-level object's keys to find "establishments" without parsing the rest.
        pos += 1;
        loop {
            pos = skip_ws(bytes, pos);
            if bytes.get(pos) == Some(&b'}') {
                pos += 1;
                break;
            }
            let (key, next): (String, usize) = json_value_at(bytes, pos, &mut lines)?;
            pos = skip_ws(bytes, next);
            expect_byte(bytes, pos, b":", &mut lines)?;
            pos = skip_ws(bytes, pos + 1);
            if key == "establishments" && array_at.is_none() {
                array_at = Some(pos);
            }
            let (_, next): (serde::de::IgnoredAny, usize) = json_value_at(bytes, pos, &mut lines)?;
            pos = skip_ws(bytes, next);
            if expect_byte(bytes, pos, b",}", &mut lines)? == b'}' {
                pos += 1;
                break;
            }
            pos += 1;
        }
        if skip_ws(bytes, pos) != bytes.len() {
            return Err(ImportError::at(
                lines.line_at(pos),
                "invalid JSON: trailing characters",
            ));
        }
    } else {
        array_at = Some(pos);
    }
    let Some(mut pos) = array_at else {
        return Err(ImportError::at(1, "JSON has no \"establishments\" array"));
    };
    let mut lines = LineCounter::new(bytes);
    expect_byte(bytes, pos, b"[", &mut lines)?;
    pos += 1;
    let mut sink = Sink {
        out: Vec::new(),
        ids: HashSet::new(),
        progress,
    };
    loop {
        pos = skip_ws(bytes, pos);
        if bytes.get(pos) == Some(&b']') {
            break;
        }
        let start = pos;
        let (value, next): (Value, usize) = json_value_at(bytes, pos, &mut lines)?;
        let line = lines.line_at(start);
        let raw =
            json_record(&value).map_err(|r| ImportError::at(line, r).with_record(sink.out.len() + 1))?;
        sink.push(raw, line)?;
        pos = skip_ws(bytes, next);
        if expect_byte(bytes, pos, b",]", &mut lines)? == b']' {
            break;
        }
        pos += 1;
    }
    Ok(sink.out)
}

/// A JSON scalar as text: strings as is, numbers printed, null as absent.
fn json_text(field: &str, v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(if *b { "True" } else { "False" }.to_string())),
        _ => Err(format!("{field}: expected a string or number")),
    }
}

fn json_record(v: &Value) -> Result<RawRecord, String> {
    let obj = v.as_object().ok_or("establishment is not a JSON object")?;
    let mut raw = RawRecord::default();
    for (k, val) in obj {
        if k == "scores" {
            match val {
                Value::Null => {}
                Value::Object(scores) => {
                    for (sk, sv) in scores {
                        let text = json_text(sk, sv)?;
                        if let Some(slot) = raw.score_slot(sk) {
                            *slot = text;
                        }
                    }
                }
                _ => return Err("scores: expected an object".into()),
            }
        } else if raw.slot(k).is_some() {
            let text = json_text(k, val)?;
            if let Some(slot) = raw.slot(k) {
                *slot = text;
            }
        }
    }
    Ok(raw)
}

// ---------------------------------------------------------------- XML

fn parse_xml(bytes: &[u8], progress: &mut dyn FnMut(usize)) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let mut lines = LineCounter::new(bytes);
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut current: Option<(RawRecord, usize)> = None;
    let mut text = String::new();
    let mut sink = Sink {
        out: Vec::new(),
        ids: HashSet::new(),
        progress,
    };
    let mut saw_root = false;
    loop {
        let event = reader.read_event_into(&mut buf);
        let pos = reader.buffer_position() as usize;
        match event {
            Err(e) => {
                let at = reader.error_position() as usize;
                return Err(ImportError::at(lines.line_at(at), format!("invalid XML: {e}")));
            }
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    if saw_root || name != "FHRSEstablishment" {
                        return Err(ImportError::at(
                            lines.line_at(pos),
                            format!("expected root element <FHRSEstablishment>, found <{name}>"),
                        ));
                    }
                    saw_root = true;
                }
                if name == "EstablishmentDetail" {
                    if current.is_some() {
                        return Err(ImportError::at(
                            lines.line_at(pos),
                            "nested <EstablishmentDetail>",
                        ));
                    }
                    current = Some((RawRecord::default(), lines.line_at(pos)));
                }
                stack.push(name);
                text.clear();
            }
            Ok(Event::Empty(e)) => {
                if stack.is_empty() {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    return Err(ImportError::at(
                        lines.line_at(pos),
                        format!("expected root element <FHRSEstablishment>, found <{name}/>"),
                    ));
                }
            }
            Ok(Event::Text(t)) => {
                let s = t
                    .unescape()
                    .map_err(|e| ImportError::at(lines.line_at(pos), format!("invalid XML text: {e}")))?;
                text.push_str(&s);
            }
            Ok(Event::CData(c)) => {
                text.push_str(&String::from_utf8_lossy(&c.into_inner()));
            }
            Ok(Event::End(_)) => {
                // quick-xml has already checked that the end tag matches the start tag.
                let name = stack.pop().unwrap_or_default();
                if name == "EstablishmentDetail" {
                    if let Some((raw, line)) = current.take() {
                        sink.push(raw, line)?;
                    }
                } else if let Some((raw, _)) = current.as_mut() {
                    let parent = stack.last().map(String::as_str).unwrap_or("");
                    let slot = match parent {
                        "Scores" => raw.score_slot(&name),
                        "EstablishmentDetail" => raw.slot(&name),
                        _ => None,
                    };
                    if let Some(slot) = slot {
                        *slot = Some(std::mem::take(&mut text));
                    }
                }
                text.clear();
            }
            Ok(Event::Eof) => {
                if let Some(open) = stack.last() {
                    return Err(ImportError::at(
                        lines.line_at(bytes.len()),
                        format!("unexpected end of file inside <{open}> (truncated XML?)"),
                    ));
                }
                if !saw_root {
                    return Err(ImportError::at(1, "no <FHRSEstablishment> element"));
                }
                break;
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(sink.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<FhrsEstablishment>, ImportError> {
        parse_fhrs(s.as_bytes(), &mut |_| {})
    }

    const CSV_HEAD: &str = ",FHRSID,BusinessName,BusinessType,AddressLine1,AddressLine2,AddressLine3,AddressLine4,PostCode,RatingValue,RatingDate,LocalAuthorityName,scores.Hygiene,scores.Structural,scores.ConfidenceInManagement\n";

    #[test]
    fn detects_formats() {
        assert_eq!(detect_format(b"  \n<?xml"), FhrsFormat::Xml);
        assert_eq!(detect_format(b"\xEF\xBB\xBF{\"a\":1}"), FhrsFormat::Json);
        assert_eq!(detect_format(b"[]"), FhrsFormat::Json);
        assert_eq!(detect_format(b",FHRSID"), FhrsFormat::Csv);
    }

    #[test]
    fn csv_records() {
        let s = format!(
            "{CSV_HEAD}0,1,Cafe A,Restaurant,1 High St,,,Belfast,BT1 1AA,5,2019-09-12T00:00:00,Belfast City,5.0,0.0,5.0\n\
             1,2,Shop B,Retailer,,,,,,Exempt,,Belfast City,,,\n"
        );
        let mut seen = Vec::new();
        let v = parse_fhrs(s.as_bytes(), &mut |n| seen.push(n)).unwrap();
        assert_eq!(seen, vec![1, 2]);
        assert_eq!(v[0].fhrs_id, 1);
        assert_eq!(v[0].address, "1 High St, Belfast, BT1 1AA");
        assert_eq!(v[0].rating_date, NaiveDate::from_ymd_opt(2019, 9, 12));
        assert_eq!(v[0].scores, Some(FhrsScores::new(5, 0, 5).unwrap()));
        assert_eq!(v[0].numeric_rating(), Some(5));
        assert_eq!(v[1].rating_value, "Exempt");
        assert_eq!(v[1].scores, None);
        assert_eq!(v[1].address, "");
        assert_eq!(v[1].numeric_rating(), None);
    }

    #[test]
    fn csv_bad_records_give_line() {
        let ok = "0,1,A,R,,,,,,5,,X,0,0,0\n";
        let cases = [
            ("1,x2,B,R,,,,,,5,,X,0,0,0\n", "FHRSID: not a whole number"),
            ("1,,B,R,,,,,,5,,X,0,0,0\n", "missing FHRSID"),
            ("1,2,B,R,,,,,,5,,X,7.0,0,0\n", "hygiene score 7"),
            ("1,2,B,R,,,,,,5,,X,0,,0\n", "all present or all absent"),
            ("1,2,B,R,,,,,,5,yesterday,X,0,0,0\n", "RatingDate"),
            ("1,2,B,R,,,,,,9,,X,0,0,0\n", "RatingValue"),
            ("1,2,B,R,,,,,5,,X,0,0,0\n", "expected 15 fields, found 14"),
            ("1,1,B,R,,,,,,5,,X,0,0,0\n", "duplicate FHRSID 1"),
        ];
        for (bad, why) in cases {
            let s = format!("{CSV_HEAD}{ok}{bad}{ok}");
            let e = parse(&s).unwrap_err();
            assert_eq!(e.line, 3, "{bad}: {e}");
            assert!(e.reason.contains(why), "{bad}: {e}");
        }
        let e = parse("a,b\n1,2\n").unwrap_err();
        assert!(e.reason.contains("FHRSID"));
    }

    #[test]
    fn json_api_shape_and_bare_array() {
        let s = r#"{"establishments": [
  {"FHRSID": 943267, "BusinessName": "174 Trust", "BusinessType": "Caring Premises",
   "AddressLine1": "The 174 Trust", "AddressLine2": "", "AddressLine3": "1 Duncairn Avenue",
   "AddressLine4": "Belfast", "PostCode": "BT15 2AJ", "RatingValue": "5",
   "RatingDate": "2019-09-12T00:00:00", "LocalAuthorityName": "Belfast City",
   "scores": {"Hygiene": 5, "Structural": 5, "ConfidenceInManagement": 0},
   "geocode": {"longitude": "-5.9", "latitude": "54.6"}, "links": []},
  {"FHRSID": 2, "BusinessName": "B", "RatingValue": "AwaitingInspection",
   "RatingDate": null, "scores": {"Hygiene": null, "Structural": null, "ConfidenceInManagement": null}}
 ], "meta": {"itemCount": 2}, "links": []}"#;
        let v = parse(s).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(
            v[0].address,
            "The 174 Trust, 1 Duncairn Avenue, Belfast, BT15 2AJ"
        );
        assert_eq!(v[0].scores, Some(FhrsScores::new(5, 5, 0).unwrap()));
        assert_eq!(v[1].scores, None);
        assert_eq!(v[1].rating_date, None);
        let bare = r#"[{"FHRSID": "7", "RatingValue": 4, "scores": null}]"#;
        let v = parse(bare).unwrap();
        assert_eq!((v[0].fhrs_id, v[0].rating_value.as_str()), (7, "4"));
    }

    #[test]
    fn json_errors_have_lines() {
        let s = "{\"meta\": {},\n \"establishments\": [\n  {\"FHRSID\": 1, \"RatingValue\": \"5\"},\n  {\"FHRSID\": \"abc\", \"RatingValue\": \"5\"}\n]}";
        let e = parse(s).unwrap_err();
        assert_eq!((e.line, e.record), (4, 2), "{e}");
        assert!(e.reason.contains("FHRSID"), "{e}");
        let e = parse("[\n {\"FHRSID\": 1, \"RatingValue\": \"5\"},\n {\"FHRSID\": 2,\n").unwrap_err();
        assert!(e.reason.contains("invalid JSON"), "{e}");
        assert_eq!(e.line, 4, "{e}");
        let e = parse("[\n {\"RatingValue\": \"5\"}\n]").unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (2, "missing FHRSID"));
        let e = parse("[\n {\"FHRSID\": 1, \"RatingValue\": \"5\", \"scores\": {\"Hygiene\": 12, \"Structural\": 0, \"ConfidenceInManagement\": 0}}]").unwrap_err();
        assert!(e.reason.contains("hygiene score 12"), "{e}");
        assert!(parse("{\"meta\": 1}")
            .unwrap_err()
            .reason
            .contains("establishments"));
        assert!(parse("[1, 2]").is_err());
        assert_eq!(parse("[]").unwrap(), vec![]);
        assert_eq!(parse("{\"establishments\": []}").unwrap(), vec![]);
    }

    const XML: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<FHRSEstablishment xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Header><ExtractDate>2025-01-01</ExtractDate><ItemCount>2</ItemCount><ReturnCode>Success</ReturnCode></Header>
  <EstablishmentCollection>
    <EstablishmentDetail>
      <FHRSID>10</FHRSID>
      <BusinessName>Fish &amp; Chips</BusinessName>
      <AddressLine1>1 Main St</AddressLine1>
      <PostCode>BT1 1AA</PostCode>
      <RatingValue>3</RatingValue>
      <RatingDate>2024-05-01</RatingDate>
      <Scores><Hygiene>10</Hygiene><Structural>10</Structural><ConfidenceInManagement>10</ConfidenceInManagement></Scores>
      <Geocode><Longitude>-5.9</Longitude><Latitude>54.6</Latitude></Geocode>
    </EstablishmentDetail>
    <EstablishmentDetail>
      <FHRSID>11</FHRSID>
      <BusinessName>New Shop</BusinessName>
      <RatingValue>AwaitingInspection</RatingValue>
      <RatingDate xsi:nil="true"/>
      <Scores/>
    </EstablishmentDetail>
  </EstablishmentCollection>
</FHRSEstablishment>
"#;

    #[test]
    fn xml_records() {
        let v = parse(XML).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].name, "Fish & Chips");
        assert_eq!(v[0].address, "1 Main St, BT1 1AA");
        assert_eq!(v[0].scores, Some(FhrsScores::new(10, 10, 10).unwrap()));
        assert_eq!(v[1].scores, None);
        assert_eq!(v[1].rating_date, None);
    }

    fn fixture(name: &str) -> Vec<u8> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn xml_open_data_fixture() {
        let mut calls = 0;
        let v = parse_fhrs(&fixture("FHRS807en-GB.xml"), &mut |_| calls += 1).unwrap();
        assert_eq!((v.len(), calls), (6, 6));
        let ratings: Vec<&str> = v.iter().map(|e| e.rating_value.as_str()).collect();
        assert_eq!(ratings, ["5", "4", "3", "2", "Exempt", "AwaitingInspection"]);
        assert_eq!(v[0].fhrs_id, 943267);
        assert_eq!(v[0].name, "174 Trust");
        assert_eq!(v[0].business_type, "Caring Premises");
        assert_eq!(
            v[0].address,
            "The 174 Trust, 1 Duncairn Avenue, Belfast, BT15 2AJ"
        );
        assert_eq!(v[0].postcode, "BT15 2AJ");
        assert_eq!(v[0].local_authority, "Belfast City");
        assert_eq!(v[0].rating_date, NaiveDate::from_ymd_opt(2019, 9, 12));
        for e in &v[..4] {
            let s = e.scores.unwrap();
            assert_eq!(Some(crate::domain::fhrs::fhrs_rating(&s)), e.numeric_rating());
        }
        for e in &v[4..] {
            assert_eq!((e.scores, e.rating_date, e.numeric_rating()), (None, None, None));
        }
    }

    /// The published rule reproduces every Belfast rating that has its three component scores.
    #[test]
    fn belfast_csv_reproduces_published_ratings() {
        let v = parse_fhrs(&fixture("fhrs-belfast.csv"), &mut |_| {}).unwrap();
        assert_eq!(v.len(), 3184);
        let rated: Vec<_> = v
            .iter()
            .filter_map(|e| Some((e.numeric_rating()?, e.scores?)))
            .collect();
        let k = rated.len();
        let m = rated
            .iter()
            .filter(|(r, s)| crate::domain::fhrs::fhrs_rating(s) == *r)
            .count();
        assert_eq!((m, k), (2882, 2882));
        // Exempt / AwaitingInspection carry no scores and no date (the API's 1901-01-01).
        let unrated: Vec<_> = v.iter().filter(|e| e.numeric_rating().is_none()).collect();
        assert_eq!(unrated.len(), 300);
        assert!(unrated
            .iter()
            .all(|e| e.scores.is_none() && e.rating_date.is_none()));
    }

    #[test]
    fn xml_errors() {
        let bad = XML.replace("<FHRSID>11</FHRSID>", "<FHRSID>eleven</FHRSID>");
        let e = parse(&bad).unwrap_err();
        assert_eq!((e.line, e.record), (15, 2), "{e}");
        let truncated = &XML[..XML.find("<RatingValue>AwaitingInspection").unwrap()];
        let e = parse(truncated).unwrap_err();
        assert!(e.reason.contains("unexpected end of file"), "{e}");
        let cut_in_tag = &XML[..XML.find("Inspection</RatingValue>").unwrap() + 12];
        assert!(parse(cut_in_tag).is_err());
        let mismatched = XML.replace(
            "</BusinessName>\n      <AddressLine1>",
            "</Name>\n      <AddressLine1>",
        );
        let e = parse(&mismatched).unwrap_err();
        assert!(e.reason.contains("invalid XML"), "{e}");
        assert_eq!(e.line, 7, "{e}");
        assert!(parse("<other/>").is_err());
        assert!(parse("<html><body/></html>").is_err());
    }
}
