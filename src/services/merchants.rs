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
use crate::domain::credit_code::CreditCode;
use crate::i18n::{words, Lang};
use crate::services::policy::active_policy;
use crate::services::problem::Problem;
use crate::services::rating::{recompute_in_tx, recompute_merchant};

/// Merchants per page in the staff list and the JSON search.
pub const PAGE_SIZE: i64 = 20;

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

fn field(name: &str, zh: impl Into<String>, en: impl Into<String>) -> Problem {
    Problem {
        field: name.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

/// A required text of at most `max` characters, trimmed.
fn required_text(
    errors: &mut Vec<Problem>,
    name: &str,
    label: (&str, &str),
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(field(
            name,
            format!("请填写{}。", label.0),
            format!("{} is required.", label.1),
        ));
    } else {
        optional_text(errors, name, label, v, max);
    }
    v.to_string()
}

/// An optional text of at most `max` characters, trimmed.
fn optional_text(
    errors: &mut Vec<Problem>,
    name: &str,
    label: (&str, &str),
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.push(field(
            name,
            format!("{}不能超过 {max} 个字符。", label.0),
            format!("{} must be at most {max} characters.", label.1),
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

/// A date typed as `YYYY-MM-DD`, or `None` (with the message) when it is not one.
fn date(errors: &mut Vec<Problem>, name: &str, text: &str, message: (&str, &str)) -> Option<NaiveDate> {
    let parsed = (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        errors.push(field(name, message.0, message.1));
    }
    parsed
}

/// Checks every field and returns the validated details, or a message per bad field (in both
/// languages). `code_required` is false only when editing a merchant that never had a code
/// (imported public data); such a merchant may keep none. A merchant cannot leave the alliance
/// before it joined, nor after `today`.
pub fn validate(
    input: &MerchantInput,
    code_required: bool,
    today: NaiveDate,
) -> Result<ValidMerchant, Vec<Problem>> {
    let mut errors = Vec::new();
    let name = required_text(&mut errors, "name", ("商家名称", "Name"), &input.name, 100);
    let code_text = input.credit_code.trim();
    let credit_code = if code_text.is_empty() {
        if code_required {
            errors.push(field(
                "credit_code",
                "请填写统一社会信用代码。",
                "The unified social credit code is required.",
            ));
        }
        None
    } else {
        match CreditCode::parse(code_text) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(field(
                    "credit_code",
                    words::credit_code_error(&e, Lang::Zh),
                    words::credit_code_error(&e, Lang::En),
                ));
                None
            }
        }
    };
    let category = required_text(&mut errors, "category", ("类别", "Category"), &input.category, 50);
    let address = required_text(&mut errors, "address", ("地址", "Address"), &input.address, 200);
    let area = required_text(&mut errors, "area", ("片区", "Area"), &input.area, 50);
    let contact_name = optional_text(
        &mut errors,
        "contact_name",
        ("联系人", "Contact name"),
        &input.contact_name,
        50,
    );
    let email = input.email.trim().to_string();
    if !email.is_empty() && !email_ok(&email) {
        errors.push(field(
            "email",
            "电子邮箱格式不正确（例如 shop@example.com）。",
            "The email address is not valid (e.g. shop@example.com).",
        ));
    }
    let phone = input.phone.trim().to_string();
    if !phone.is_empty()
        && (phone.chars().count() > 30
            || !phone.chars().any(|c| c.is_ascii_digit())
            || !phone.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c)))
    {
        errors.push(field(
            "phone",
            "电话只能包含数字、“+”、“-”和空格，最多 30 个字符。",
            "The phone number may contain only digits, '+', '-' and spaces (at most 30).",
        ));
    }
    let since_text = input.member_since.trim();
    let member_since = if since_text.is_empty() {
        None
    } else {
        date(
            &mut errors,
            "member_since",
            since_text,
            (
                "入盟日期格式应为 YYYY-MM-DD（例如 2024-03-01）。",
                "The membership date must be YYYY-MM-DD (e.g. 2024-03-01).",
            ),
        )
    };
    let left_text = input.member_left_on.trim();
    let member_left_on = if left_text.is_empty() {
        None
    } else {
        date(
            &mut errors,
            "member_left_on",
            left_text,
            (
                "离盟日期格式应为 YYYY-MM-DD（例如 2025-09-15）。",
                "The date of leaving must be YYYY-MM-DD (e.g. 2025-09-15).",
            ),
        )
    };
    if let Some(left) = member_left_on {
        match member_since {
            None if since_text.is_empty() => errors.push(field(
                "member_left_on",
                "只有联盟成员才能离盟：请同时填写入盟日期。",
                "Only a member can leave the alliance: enter the membership date too.",
            )),
            Some(since) if left < since => errors.push(field(
                "member_left_on",
                format!("离盟日期不能早于入盟日期（{since}）。"),
                format!("The date of leaving cannot be before the membership date ({since})."),
            )),
            _ => {}
        }
        if left > today {
            errors.push(field(
                "member_left_on",
                "离盟日期不能晚于今天；请在离盟当天或之后登记。",
                "The date of leaving cannot be in the future; record it on or after the day.",
            ));
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

/// The message for a credit code that another merchant (`holder`, when known) holds.
pub fn duplicate_code(code: &str, holder: Option<&str>) -> Problem {
    match holder {
        Some(name) => field(
            "credit_code",
            format!("统一社会信用代码 {code} 已登记（商家：{name}）。"),
            format!("The credit code {code} is already registered (merchant: {name})."),
        ),
        None => field(
            "credit_code",
            format!("统一社会信用代码 {code} 已登记。"),
            format!("The credit code {code} is already registered."),
        ),
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
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                MerchantError::Invalid(vec![field(
                    "credit_code",
                    "该统一社会信用代码已登记。",
                    "This credit code is already registered.",
                )])
            }
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
    pub zh: String,
    pub en: String,
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

    /// One sentence on the outcome, in Chinese.
    pub fn summary_zh(&self) -> String {
        let (rows, bad) = (self.rows, self.bad_rows.len());
        if self.header_bad() {
            "表头有误，未导入任何商家。".to_string()
        } else if self.problems.is_empty() {
            format!("共 {rows} 行，已全部导入 {} 家商家。", self.written)
        } else if self.good_rows_only {
            format!(
                "共 {rows} 行，已导入 {} 家商家；{bad} 行有错误，已跳过（第 {} 行）。",
                self.written,
                join_rows(&self.bad_rows, "、")
            )
        } else {
            format!(
                "共 {rows} 行，其中 {bad} 行有错误，未导入任何商家。请修改后重新导入，或选择“仅导入正确的行”。"
            )
        }
    }

    /// One sentence on the outcome, in English.
    pub fn summary_en(&self) -> String {
        let rows = plural(self.rows, "row");
        let bad = plural(self.bad_rows.len(), "row");
        let written = plural(self.written, "merchant");
        if self.header_bad() {
            "The header is wrong: nothing was imported.".to_string()
        } else if self.problems.is_empty() {
            format!("{rows}; all imported ({written}).")
        } else if self.good_rows_only {
            format!(
                "{rows}; {written} imported; {bad} with errors skipped (lines {}).",
                join_rows(&self.bad_rows, ", ")
            )
        } else {
            format!(
                "{rows}, {bad} with errors: nothing was imported. Fix them and import again, or choose \"import only the good rows\"."
            )
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn join_rows(rows: &[u64], sep: &str) -> String {
    rows.iter().map(u64::to_string).collect::<Vec<_>>().join(sep)
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

fn problem(row: u64, field: &str, zh: impl Into<String>, en: impl Into<String>) -> RowProblem {
    RowProblem {
        row,
        field: field.into(),
        zh: zh.into(),
        en: en.into(),
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
            out.problems.push(problem(
                1,
                "",
                format!("无法读取表头（文件须为 UTF-8 编码的 CSV）：{e}"),
                format!("The header cannot be read (the file must be UTF-8 CSV): {e}"),
            ));
            return out;
        }
    };
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim_start_matches('\u{feff}');
        match CSV_COLUMNS.iter().find(|c| **c == h) {
            Some(c) if index.contains_key(c) => out.problems.push(problem(
                1,
                h,
                format!("表头中“{h}”列重复。"),
                format!("The column \"{h}\" appears twice in the header."),
            )),
            Some(c) => {
                index.insert(*c, i);
            }
            None => out.problems.push(problem(
                1,
                h,
                format!("未知的列“{h}”。可用的列：{}。", CSV_COLUMNS.join(",")),
                format!("Unknown column \"{h}\". Columns: {}.", CSV_COLUMNS.join(",")),
            )),
        }
    }
    for c in &CSV_COLUMNS[..REQUIRED_COLUMNS] {
        if !index.contains_key(c) {
            out.problems.push(problem(
                1,
                c,
                format!("表头缺少必需的列“{c}”。"),
                format!("The header lacks the required column \"{c}\"."),
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
                    Err(fields) => out
                        .problems
                        .extend(fields.into_iter().map(|f| problem(row, &f.field, f.zh, f.en))),
                    Ok(v) => {
                        let code = v.code_string().unwrap_or_default();
                        if let Some(first) = seen.get(&code) {
                            out.problems.push(problem(
                                row,
                                "credit_code",
                                format!("统一社会信用代码 {code} 与第 {first} 行重复。"),
                                format!("The credit code {code} repeats line {first}."),
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
                let (zh, en) = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => (
                        format!("该行有 {len} 列，表头有 {expected_len} 列。"),
                        format!("The row has {len} fields; the header has {expected_len}."),
                    ),
                    csv::ErrorKind::Utf8 { .. } => (
                        "该行不是 UTF-8 编码（请将文件另存为 UTF-8 CSV）。".to_string(),
                        "The row is not UTF-8 (save the file as UTF-8 CSV).".to_string(),
                    ),
                    _ => (
                        format!("该行无法读取：{e}"),
                        format!("The row cannot be read: {e}"),
                    ),
                };
                out.problems.push(problem(row, "", zh, en));
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
                let f = duplicate_code(&code, holder.as_deref());
                report.problems.push(problem(row, &f.field, f.zh, f.en));
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
        assert!(errs.iter().all(|e| !e.zh.is_empty() && !e.en.is_empty()));
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
            assert!(
                errs[0].zh.contains(says) && !errs[0].en.is_empty(),
                "{}",
                errs[0].zh
            );
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
