use super::*;

/// One problem with one row of an imported register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    /// The line in the file where the row starts (the header is line 1).
    pub row: u64,
    /// The column, or empty for the row as a whole.
    pub field: String,
    /// What is wrong, in no language yet.
    pub message: Message,
}

/// What an import of a merchant register did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegisterReport {
    /// Data rows read (header excluded).
    pub rows: usize,
    /// Merchants created.
    pub written: usize,
    /// Rows (file lines) with problems, each once, in order.
    pub bad_rows: Vec<u64>,
    /// Every problem found.
    pub problems: Vec<RowProblem>,
    /// Whether the good rows were written even though some rows were bad.
    pub good_rows_only: bool,
}

impl RegisterReport {
    /// Whether the import wrote nothing because of bad rows (the default all-or-nothing mode).
    pub fn rejected(&self) -> bool {
        !self.problems.is_empty() && self.written == 0
    }

    /// Whether the header itself was wrong (then nothing is imported in either mode).
    pub(super) fn header_bad(&self) -> bool {
        self.problems.iter().any(|p| p.row == 1)
    }

    /// One sentence on the outcome.
    pub fn summary(&self) -> Message {
        let rows = ("rows", self.rows.into());
        let bad = ("bad", self.bad_rows.len().into());
        let written = ("written", self.written.into());
        if self.header_bad() {
            Message::t("problems-import-header-bad")
        } else if self.problems.is_empty() {
            Message::tr("problems-import-all", &[rows, written])
        } else if self.good_rows_only {
            let lines = ("lines", ArgValue::List(self.bad_rows.clone()));
            Message::tr("problems-import-skipped", &[rows, written, bad, lines])
        } else {
            Message::tr("problems-import-rejected", &[rows, bad])
        }
    }
}

/// The register's columns; the first five are required.
pub const CSV_COLUMNS: [&str; 9] = [
    "name",
    "credit_code",
    "category",
    "address",
    "area",
    "contact_name",
    "email",
    "phone",
    "member_since",
];

pub(super) const REQUIRED_COLUMNS: usize = 5;

/// A register file read and validated row by row, before touching the database.
pub(super) struct ParsedRegister {
    pub(super) rows: usize,
    pub(super) good: Vec<(u64, ValidMerchant)>,
    pub(super) problems: Vec<RowProblem>,
}

/// A field's problem found on line `row`.
pub(super) fn on_row(row: u64, p: Problem) -> RowProblem {
    RowProblem {
        row,
        field: p.field,
        message: p.message,
    }
}

/// Reads a CSV register (UTF-8, header row first) and validates each row with [`validate`].
/// Duplicate credit codes within the file are errors of the later rows.
pub(super) fn parse_register(data: &[u8], today: NaiveDate) -> ParsedRegister {
    let mut out = ParsedRegister {
        rows: 0,
        good: Vec::new(),
        problems: Vec::new(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            out.problems.push(on_row(
                1,
                Problem::at("").tr(
                    "problems-import-header-unreadable",
                    &[("error", e.to_string().into())],
                ),
            ));
            return out;
        }
    };
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim_start_matches('\u{feff}');
        match CSV_COLUMNS.iter().find(|c| **c == h) {
            Some(c) if index.contains_key(c) => out.problems.push(on_row(
                1,
                Problem::at(h).tr("problems-import-column-twice", &[("column", h.into())]),
            )),
            Some(c) => {
                index.insert(*c, i);
            }
            None => out.problems.push(on_row(
                1,
                Problem::at(h).tr(
                    "problems-import-column-unknown",
                    &[("column", h.into()), ("columns", CSV_COLUMNS.join(",").into())],
                ),
            )),
        }
    }
    for c in &CSV_COLUMNS[..REQUIRED_COLUMNS] {
        if !index.contains_key(c) {
            out.problems.push(on_row(
                1,
                Problem::at(*c).tr("problems-import-column-missing", &[("column", (*c).into())]),
            ));
        }
    }
    if !out.problems.is_empty() {
        return out;
    }
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut last_line = 1;
    loop {
        let line_before = last_line + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                out.rows += 1;
                let row = record
                    .position()
                    .map(|p| line_at(data, p.byte()))
                    .unwrap_or(line_before);
                last_line = row;
                // Our own exports quote cells a spreadsheet could run: that apostrophe goes.
                let get = |col: &str| {
                    let cell = index.get(col).and_then(|&i| record.get(i)).unwrap_or("");
                    crate::services::export::unneutralise(cell).into_owned()
                };
                let input = MerchantInput {
                    name: get("name"),
                    credit_code: get("credit_code"),
                    category: get("category"),
                    address: get("address"),
                    area: get("area"),
                    contact_name: get("contact_name"),
                    email: get("email"),
                    phone: get("phone"),
                    member_since: get("member_since"),
                    member_left_on: String::new(),
                };
                match validate(&input, true, today) {
                    Err(fields) => out.problems.extend(fields.into_iter().map(|f| on_row(row, f))),
                    Ok(v) => {
                        let code = v.code_string().unwrap_or_default();
                        if let Some(first) = seen.get(&code) {
                            out.problems.push(on_row(
                                row,
                                Problem::at("credit_code").tr(
                                    "problems-import-code-repeats",
                                    &[("code", (&code).into()), ("line", (*first).into())],
                                ),
                            ));
                        } else {
                            seen.insert(code, row);
                            out.good.push((row, v));
                        }
                    }
                }
            }
            Err(e) => {
                out.rows += 1;
                let row = e
                    .position()
                    .map(|p| line_at(data, p.byte()))
                    .unwrap_or(line_before);
                last_line = row;
                let at = Problem::at("");
                let p = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => at.tr(
                        "problems-import-row-length",
                        &[("len", (*len).into()), ("expected", (*expected_len).into())],
                    ),
                    csv::ErrorKind::Utf8 { .. } => at.t("problems-import-row-not-utf8"),
                    _ => at.tr(
                        "problems-import-row-unreadable",
                        &[("error", e.to_string().into())],
                    ),
                };
                out.problems.push(on_row(row, p));
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                ) {
                    // An I/O or unknown error: the rest of the file cannot be trusted.
                    break;
                }
            }
        }
    }
    out
}

/// Imports a merchant register from CSV (`name,credit_code,category,address,area,contact_name,
/// email,phone,member_since`). By default a file with any bad row writes nothing; with
/// `good_rows_only` the good rows are written and the bad ones reported as skipped. A bad header
/// always writes nothing. Credit codes already registered are errors of their rows.
pub fn import_register(
    conn: &mut DbConn,
    actor: &Actor,
    today: NaiveDate,
    data: &[u8],
    good_rows_only: bool,
) -> anyhow::Result<RegisterReport> {
    let parsed = parse_register(data, today);
    let mut report = RegisterReport {
        rows: parsed.rows,
        good_rows_only,
        problems: parsed.problems,
        ..Default::default()
    };
    let header_bad = report.problems.iter().any(|p| p.row == 1);
    let mut report = write_tx(conn, |c| -> anyhow::Result<RegisterReport> {
        let codes: Vec<String> = parsed.good.iter().filter_map(|(_, v)| v.code_string()).collect();
        let taken: HashSet<String> = Merchant::taken_credit_codes(c, &codes)?.into_iter().collect();
        let mut to_write = Vec::new();
        for (row, v) in parsed.good {
            let code = v.code_string().unwrap_or_default();
            if taken.contains(&code) {
                let holder = Merchant::find_by_credit_code(c, &code)?.map(|m| m.name);
                report
                    .problems
                    .push(on_row(row, duplicate_code(&code, holder.as_deref())));
            } else {
                to_write.push(v);
            }
        }
        if header_bad || (!report.problems.is_empty() && !good_rows_only) {
            return Ok(report);
        }
        let now = now_utc();
        let mut ids = Vec::with_capacity(to_write.len());
        for v in &to_write {
            let new = v.to_new(now);
            let id = Merchant::insert(c, &new)?;
            audit::append(
                c,
                actor,
                Change {
                    action: "merchant.create",
                    entity: "merchant",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::to_value(&new)?),
                },
            )?;
            ids.push(id);
        }
        if !ids.is_empty() {
            let policy = active_policy(c)?;
            recompute_in_tx(c, &policy, today, actor, Some(&ids))?;
        }
        report.written = ids.len();
        Ok(report)
    })?;
    report.problems.sort_by_key(|p| p.row);
    report.bad_rows = report.problems.iter().map(|p| p.row).collect();
    report.bad_rows.dedup();
    Ok(report)
}

/// Decodes an uploaded register from `encoding` (UTF-8 with or without BOM when `None`) to UTF-8
/// (see `import::text`), or says on which line and why not, in no language yet.
pub fn decode_register(
    data: &[u8],
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<Vec<u8>, RowProblem> {
    use crate::import::text::{decode_all, text_problem, TextProblem};
    decode_all(data, encoding, true).map_err(|e| {
        let line = ("line", ArgValue::Number(e.line as i64));
        let message = match text_problem(&e) {
            Some(TextProblem::NotUtf8 { guess }) => Message::tr(
                "imports-not-utf8",
                &[line, ("guess", ArgValue::Text(guess.into()))],
            ),
            Some(TextProblem::NotValid { encoding }) => Message::tr(
                "imports-not-valid",
                &[line, ("encoding", ArgValue::Text(encoding))],
            ),
            Some(TextProblem::CutShort) | None => Message::tr("imports-cut-short", &[line]),
        };
        RowProblem {
            row: e.line as u64,
            field: String::new(),
            message,
        }
    })
}

/// The encoding a WHATWG label names, for the upload form's choice.
pub fn register_encoding(label: &str) -> Option<&'static encoding_rs::Encoding> {
    crate::import::text::encoding_for(label)
}

/// The line of the record `csv` says starts at `byte`: counted from the bytes, since the `csv`
/// crate's own count goes wrong in CRLF files (it starts a record at the LF of the CRLF before).
fn line_at(data: &[u8], byte: u64) -> u64 {
    let mut at = (byte as usize).min(data.len());
    while at < data.len() && matches!(data[at], b'\n' | b'\r') {
        at += 1;
    }
    crate::import::line_of(data, at) as u64
}
