//! The FSA ratings API record flattened to CSV (`scores.Hygiene`, …).

use super::*;

pub(super) fn parse_csv(
    bytes: &[u8],
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers = rdr
        .headers()
        .map_err(|e| csv_error(&e, "cannot read header", bytes))?
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
    // Lines from byte offsets: the csv crate's own count misses a CRLF inside a quoted field.
    let mut lines = LineCounter::new(bytes);
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(&e, "malformed CSV", bytes)),
        }
        let line = rec
            .position()
            .map_or(0, |p| lines.line_at(record_start(bytes, p.byte())));
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

fn csv_error(e: &csv::Error, what: &str, bytes: &[u8]) -> ImportError {
    let line = e
        .position()
        .map_or(0, |p| super::super::line_of(bytes, p.byte() as usize));
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

/// Where the record `csv` says starts at `byte` really starts: after a CRLF the `csv` crate
/// starts the next record at the LF (the CR ended the record before), which would count it on
/// the line before.
fn record_start(bytes: &[u8], byte: u64) -> usize {
    let mut at = byte as usize;
    while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
        at += 1;
    }
    at
}
