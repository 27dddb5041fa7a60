//! The merchant register: validating a merchant's details (one set of rules for the staff form,
//! the JSON API and the CSV import), creating, editing, closing and searching merchants, and
//! importing a register from CSV. Every write is one transaction with its audit entry and the
//! merchant's rating recomputed (membership decides red-list eligibility).

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::{Merchant, MerchantChanges, MerchantFilter, NewMerchant};
use crate::db::models::{now_utc, write_tx};
use crate::db::DbConn;
use crate::domain::credit_code::{CreditCode, CreditCodeError};
use crate::services::policy::active_policy;
use crate::services::problem::{ArgValue, Message, Problem};
use crate::services::rating::{recompute_in_tx, recompute_merchant};

/// Merchants per page in the staff list and the JSON search.
pub const PAGE_SIZE: i64 = 20;

/// Longest phone number, in characters.
const MAX_PHONE: usize = 30;

/// A merchant's details as typed by a person (form, JSON or CSV row), before validation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct MerchantInput {
    pub name: String,
    pub credit_code: String,
    pub category: String,
    pub address: String,
    pub area: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub member_since: String,
    /// The day it left the alliance (离盟日期); empty while it is a member.
    pub member_left_on: String,
}

impl MerchantInput {
    /// The input that shows `m` in the edit form.
    pub fn from_merchant(m: &Merchant) -> Self {
        MerchantInput {
            name: m.name.clone(),
            credit_code: m.credit_code.clone().unwrap_or_default(),
            category: m.category.clone(),
            address: m.address.clone(),
            area: m.area.clone(),
            contact_name: m.contact_name.clone(),
            email: m.email.clone(),
            phone: m.phone.clone(),
            member_since: m.member_since.map(|d| d.to_string()).unwrap_or_default(),
            member_left_on: m.member_left_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// Details that passed validation: a `ValidMerchant` cannot hold a bad credit code or date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMerchant {
    pub name: String,
    pub credit_code: Option<CreditCode>,
    pub category: String,
    pub address: String,
    pub area: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub member_since: Option<NaiveDate>,
    /// Never before `member_since`, never after the day it was validated.
    pub member_left_on: Option<NaiveDate>,
}

impl ValidMerchant {
    fn code_string(&self) -> Option<String> {
        self.credit_code.as_ref().map(|c| c.as_str().to_string())
    }

    fn to_new(&self, now: NaiveDateTime) -> NewMerchant {
        NewMerchant {
            name: self.name.clone(),
            credit_code: self.code_string(),
            category: self.category.clone(),
            address: self.address.clone(),
            area: self.area.clone(),
            contact_name: self.contact_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            member_since: self.member_since,
            member_left_on: self.member_left_on,
            external_source: None,
            external_id: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn to_changes(&self, now: NaiveDateTime) -> MerchantChanges {
        MerchantChanges {
            name: self.name.clone(),
            credit_code: self.code_string(),
            category: self.category.clone(),
            address: self.address.clone(),
            area: self.area.clone(),
            contact_name: self.contact_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            member_since: self.member_since,
            member_left_on: self.member_left_on,
            updated_at: now,
        }
    }
}

/// A required text of at most `max` characters, trimmed; `label` is the message that names the
/// field.
fn required_text(
    errors: &mut Vec<Problem>,
    name: &str,
    label: &'static str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(Problem::at(name).tr("problems-field-required", &[("label", ArgValue::Message(label))]));
    } else {
        optional_text(errors, name, label, v, max);
    }
    v.to_string()
}

/// An optional text of at most `max` characters, trimmed.
fn optional_text(
    errors: &mut Vec<Problem>,
    name: &str,
    label: &'static str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.push(Problem::at(name).tr(
            "problems-field-too-long",
            &[("label", ArgValue::Message(label)), ("max", max.into())],
        ));
    }
    v.to_string()
}

/// A plausible email address: one `@`, a non-empty local part, a dotted domain, no spaces. Kept
/// simple on purpose: the real test of an address is the email that reaches it.
pub fn email_ok(email: &str) -> bool {
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

/// A date typed as `YYYY-MM-DD`, or `None` (with the problem) when it is not one.
fn date(errors: &mut Vec<Problem>, text: &str, problem: Problem) -> Option<NaiveDate> {
    let parsed = (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        errors.push(problem);
    }
    parsed
}

/// What is wrong with a credit code, as the field's problem (the words of the domain's
/// `CreditCodeError`).
fn credit_code_problem(e: &CreditCodeError) -> Problem {
    let at = Problem::at("credit_code");
    match *e {
        CreditCodeError::Length(n) => at.tr("problems-credit-code-length", &[("n", n.into())]),
        CreditCodeError::Charset { position, ch } => at.tr(
            "problems-credit-code-charset",
            &[("position", position.into()), ("ch", ch.into())],
        ),
        CreditCodeError::AreaCode => at.t("problems-credit-code-area-code"),
        CreditCodeError::CheckChar { expected, found } => at.tr(
            "problems-credit-code-check-char",
            &[("expected", expected.into()), ("found", found.into())],
        ),
        CreditCodeError::OrgCheckChar { expected, found } => at.tr(
            "problems-credit-code-org-check-char",
            &[("expected", expected.into()), ("found", found.into())],
        ),
    }
}

/// Checks every field and returns the validated details, or a problem per bad field. `code_required` is false only when editing a merchant that never had a code
/// (imported public data); such a merchant may keep none. A merchant cannot leave the alliance
/// before it joined, nor after `today`.
pub fn validate(
    input: &MerchantInput,
    code_required: bool,
    today: NaiveDate,
) -> Result<ValidMerchant, Vec<Problem>> {
    let mut errors = Vec::new();
    let name = required_text(&mut errors, "name", "merchants-name", &input.name, 100);
    let code_text = input.credit_code.trim();
    let credit_code = if code_text.is_empty() {
        if code_required {
            errors.push(Problem::at("credit_code").t("problems-credit-code-required"));
        }
        None
    } else {
        match CreditCode::parse(code_text) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(credit_code_problem(&e));
                None
            }
        }
    };
    let category = required_text(&mut errors, "category", "merchants-category", &input.category, 50);
    let address = required_text(&mut errors, "address", "merchants-address", &input.address, 200);
    let area = required_text(&mut errors, "area", "merchants-area", &input.area, 50);
    let contact_name = optional_text(
        &mut errors,
        "contact_name",
        "merchants-contact-name",
        &input.contact_name,
        50,
    );
    let email = input.email.trim().to_string();
    if !email.is_empty() && !email_ok(&email) {
        errors.push(Problem::at("email").t("problems-email-invalid"));
    }
    let phone = input.phone.trim().to_string();
    if !phone.is_empty()
        && (phone.chars().count() > MAX_PHONE
            || !phone.chars().any(|c| c.is_ascii_digit())
            || !phone.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c)))
    {
        errors.push(Problem::at("phone").tr("problems-phone-invalid", &[("max", MAX_PHONE.into())]));
    }
    let since_text = input.member_since.trim();
    let member_since = if since_text.is_empty() {
        None
    } else {
        date(
            &mut errors,
            since_text,
            Problem::at("member_since").t("problems-member-since-format"),
        )
    };
    let left_text = input.member_left_on.trim();
    let member_left_on = if left_text.is_empty() {
        None
    } else {
        date(
            &mut errors,
            left_text,
            Problem::at("member_left_on").t("problems-member-left-on-format"),
        )
    };
    if let Some(left) = member_left_on {
        match member_since {
            None if since_text.is_empty() => {
                errors.push(Problem::at("member_left_on").t("problems-member-left-not-member"))
            }
            Some(since) if left < since => errors.push(
                Problem::at("member_left_on")
                    .tr("problems-member-left-before-joining", &[("since", since.into())]),
            ),
            _ => {}
        }
        if left > today {
            errors.push(Problem::at("member_left_on").t("problems-member-left-future"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidMerchant {
        name,
        credit_code,
        category,
        address,
        area,
        contact_name,
        email,
        phone,
        member_since,
        member_left_on,
    })
}

/// The problem of a credit code that another merchant (`holder`, when known) holds.
pub fn duplicate_code(code: &str, holder: Option<&str>) -> Problem {
    let at = Problem::at("credit_code");
    match holder {
        Some(name) => at.tr(
            "problems-credit-code-taken-by",
            &[("code", code.into()), ("name", name.into())],
        ),
        None => at.tr("problems-credit-code-taken", &[("code", code.into())]),
    }
}

/// Why a merchant write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    /// The input is invalid or conflicts with the register (e.g. a duplicate credit code).
    #[error("invalid merchant: {0:?}")]
    Invalid(Vec<Problem>),
    /// No merchant with that id.
    #[error("no such merchant")]
    NotFound,
    /// The database or the rating failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for MerchantError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            // The credit code is the only unique column a staff write sets; the check before the
            // insert catches it, this catches the race between two writers.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => MerchantError::Invalid(vec![
                Problem::at("credit_code").t("problems-credit-code-registered"),
            ]),
            e => MerchantError::Other(e.into()),
        }
    }
}

/// Fails unless no other merchant than `except` holds the code.
fn ensure_code_free(c: &mut DbConn, v: &ValidMerchant, except: Option<i32>) -> Result<(), MerchantError> {
    if let Some(code) = &v.credit_code {
        if let Some(other) = Merchant::find_by_credit_code(c, code.as_str())? {
            if Some(other.id) != except {
                return Err(MerchantError::Invalid(vec![duplicate_code(
                    code.as_str(),
                    Some(&other.name),
                )]));
            }
        }
    }
    Ok(())
}

fn json<T: Serialize>(v: &T) -> Result<serde_json::Value, MerchantError> {
    serde_json::to_value(v).map_err(|e| MerchantError::Other(e.into()))
}

/// Registers a merchant, recomputes its rating, and audits it; returns the stored merchant.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    today: NaiveDate,
    v: &ValidMerchant,
) -> Result<Merchant, MerchantError> {
    write_tx(conn, |c| {
        ensure_code_free(c, v, None)?;
        let new = v.to_new(now_utc());
        let id = Merchant::insert(c, &new)?;
        audit::append(
            c,
            actor,
            Change {
                action: "merchant.create",
                entity: "merchant",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(json(&new)?),
            },
        )?;
        let policy = active_policy(c)?;
        recompute_merchant(c, &policy, id, today, actor)?;
        Merchant::find(c, id)?.ok_or(MerchantError::NotFound)
    })
}

/// Changes a merchant's details, recomputes its rating (membership may have changed), and audits
/// the change with the state before and after. Returns the stored merchant.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    today: NaiveDate,
    id: i32,
    v: &ValidMerchant,
) -> Result<Merchant, MerchantError> {
    write_tx(conn, |c| {
        let before = Merchant::find(c, id)?.ok_or(MerchantError::NotFound)?;
        ensure_code_free(c, v, Some(id))?;
        Merchant::update(c, id, &v.to_changes(now_utc()))?;
        let after = Merchant::find(c, id)?.ok_or(MerchantError::NotFound)?;
        audit::append(
            c,
            actor,
            Change {
                action: "merchant.update",
                entity: "merchant",
                entity_id: Some(id.to_string()),
                before: Some(json(&before)?),
                after: Some(json(&after)?),
            },
        )?;
        let policy = active_policy(c)?;
        recompute_merchant(c, &policy, id, today, actor)?;
        Merchant::find(c, id)?.ok_or(MerchantError::NotFound)
    })
}

/// Closes a merchant: it leaves the public lists, its record stays. Closing a closed merchant
/// changes nothing (and writes no second audit entry). Returns the stored merchant.
pub fn close(conn: &mut DbConn, actor: &Actor, id: i32) -> Result<Merchant, MerchantError> {
    write_tx(conn, |c| {
        let before = Merchant::find(c, id)?.ok_or(MerchantError::NotFound)?;
        if before.status == "closed" {
            return Ok(before);
        }
        Merchant::close(c, id, now_utc())?;
        let after = Merchant::find(c, id)?.ok_or(MerchantError::NotFound)?;
        audit::append(
            c,
            actor,
            Change {
                action: "merchant.close",
                entity: "merchant",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({ "status": before.status })),
                after: Some(serde_json::json!({ "status": after.status })),
            },
        )?;
        Ok(after)
    })
}

/// One page of a search.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub items: Vec<Merchant>,
    /// 1-based.
    pub page: i64,
    /// Matches over all pages.
    pub total: i64,
}

impl SearchPage {
    /// How many pages the matches fill (at least 1).
    pub fn pages(&self) -> i64 {
        ((self.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
    }
}

/// Searches the register; `page` is 1-based and clamped to at least 1.
pub fn search(conn: &mut DbConn, filter: &MerchantFilter, page: i64) -> anyhow::Result<SearchPage> {
    let page = page.clamp(1, 1_000_000);
    let (items, total) = Merchant::search(conn, filter, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
    Ok(SearchPage { items, page, total })
}

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
    fn header_bad(&self) -> bool {
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
const REQUIRED_COLUMNS: usize = 5;

/// A register file read and validated row by row, before touching the database.
struct ParsedRegister {
    rows: usize,
    good: Vec<(u64, ValidMerchant)>,
    problems: Vec<RowProblem>,
}

/// A field's problem found on line `row`.
fn on_row(row: u64, p: Problem) -> RowProblem {
    RowProblem {
        row,
        field: p.field,
        message: p.message,
    }
}

/// Reads a CSV register (UTF-8, header row first) and validates each row with [`validate`].
/// Duplicate credit codes within the file are errors of the later rows.
fn parse_register(data: &[u8], today: NaiveDate) -> ParsedRegister {
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
                let row = record.position().map(|p| p.line()).unwrap_or(line_before);
                last_line = row;
                let get = |col: &str| {
                    index
                        .get(col)
                        .and_then(|&i| record.get(i))
                        .unwrap_or("")
                        .to_string()
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
                let row = e.position().map(|p| p.line()).unwrap_or(line_before);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn good() -> MerchantInput {
        MerchantInput {
            name: "老街面馆".into(),
            credit_code: CreditCode::generate(7).as_str().into(),
            category: "餐饮".into(),
            address: "老街 1 号".into(),
            area: "老街".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_merchant_validates_and_is_trimmed() {
        let mut m = good();
        m.name = "  老街面馆 ".into();
        m.email = "shop@example.com".into();
        m.phone = "+86 138-0000-0000".into();
        m.member_since = "2024-03-01".into();
        let v = validate(&m, true, today()).unwrap();
        assert_eq!(v.name, "老街面馆");
        assert_eq!(v.member_since, NaiveDate::from_ymd_opt(2024, 3, 1));
    }

    #[test]
    fn every_bad_field_gets_a_message_in_both_languages() {
        let m = MerchantInput {
            name: "名".repeat(101),
            credit_code: "91330100MA27XXXXX1".into(),
            email: "a@@b".into(),
            phone: "call me".into(),
            member_since: "2024/03/01".into(),
            ..Default::default()
        };
        let errs = validate(&m, true, today()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "name",
            "credit_code",
            "category",
            "address",
            "area",
            "email",
            "phone",
            "member_since",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        for lang in Lang::ALL {
            assert!(errs
                .iter()
                .all(|e| !e.render(lang).is_empty() && !e.render(lang).contains("??")));
        }
    }

    #[test]
    fn leaving_comes_after_joining_and_not_after_today() {
        let left = |since: &str, left: &str| {
            let mut m = good();
            m.member_since = since.into();
            m.member_left_on = left.into();
            validate(&m, true, today())
        };
        let ok = left("2024-03-01", "2025-09-15").unwrap();
        assert_eq!(ok.member_left_on, NaiveDate::from_ymd_opt(2025, 9, 15));
        assert!(left("2024-03-01", "2024-03-01").is_ok(), "the day it joined");
        assert!(left("2024-03-01", "2026-11-30").is_ok(), "today");
        assert_eq!(left("2024-03-01", "").unwrap().member_left_on, None);
        for (since, bad, says) in [
            ("2024-03-01", "2024-02-29", "早于入盟日期（2024-03-01）"),
            ("2024-03-01", "2026-12-01", "不能晚于今天"),
            ("", "2025-09-15", "入盟日期"),
            ("2024-03-01", "2025/09/15", "YYYY-MM-DD"),
        ] {
            let errs = left(since, bad).unwrap_err();
            assert_eq!(errs.len(), 1, "{bad}: {errs:?}");
            assert_eq!(errs[0].field, "member_left_on");
            let (zh, en) = (errs[0].render(Lang::Zh), errs[0].render(Lang::En));
            assert!(zh.contains(says) && !en.is_empty(), "{zh}");
        }
        // A bad membership date is reported once, on its own field.
        let errs = left("2024/03/01", "2025-09-15").unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["member_since"]);
    }

    #[test]
    fn emails() {
        for ok in ["a@b.cn", "first.last+tag@mail.example.com"] {
            assert!(email_ok(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.cn", "a@b.", "a b@c.cn", "a@b@c.cn", "a@.cn"] {
            assert!(!email_ok(bad), "{bad}");
        }
    }

    #[test]
    fn code_may_be_absent_only_when_not_required() {
        let mut m = good();
        m.credit_code.clear();
        assert!(validate(&m, false, today()).is_ok());
        assert_eq!(validate(&m, true, today()).unwrap_err()[0].field, "credit_code");
    }

    #[test]
    fn register_rows_are_checked_one_by_one() {
        let a = CreditCode::generate(1);
        let b = CreditCode::generate(2);
        let csv = format!(
            "name,credit_code,category,address,area\n\
             甲,{a},餐饮,一路,东区\n\
             乙,{a},餐饮,二路,东区\n\
             \"丙\n分店\",{b},餐饮,三路,东区\n\
             丁,BAD,餐饮,四路,东区\n\
             戊,only,two\n"
        );
        let p = parse_register(csv.as_bytes(), today());
        assert_eq!(p.rows, 5);
        assert_eq!(p.good.len(), 2);
        let rows: Vec<u64> = p.problems.iter().map(|x| x.row).collect();
        assert_eq!(rows, vec![3, 6, 7], "{:?}", p.problems);
        let bad_header = parse_register("name,code\n".as_bytes(), today());
        assert!(bad_header.problems.iter().all(|x| x.row == 1));
        assert!(bad_header.problems.len() >= 2);
    }
}
