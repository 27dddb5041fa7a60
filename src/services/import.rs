//! Importing public inspection data (UK FHRS, LIVES) as merchants and inspections.
//!
//! A file is parsed completely first (a malformed file is rejected with its line and nothing is
//! written); then write transactions of [`BATCH`] merchants each upsert merchants by their
//! external id, add inspections (and violations) not seen before, write an audit entry for each
//! change, and recompute the batch's merchants touched. Importing the same file twice changes
//! nothing.
//!
//! Batches keep the write lock short (SQLite has one writer: one transaction over a whole file
//! held it for seconds, and the server's own writes timed out behind it). Each merchant's rows
//! are all in one batch, with its recompute, so a merchant is never seen half imported; an
//! import that stops half way leaves whole batches, and running it again finishes the rest.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change, SerializedChange};
use crate::db::models::inspection::{Inspection, NewInspection, NewViolation};
use crate::db::models::merchant::{Merchant, NewMerchant};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{inspections, merchants, violations};
use crate::db::DbConn;
use crate::domain::fhrs::{fhrs_inspection_score, FhrsScheme};
use crate::domain::lives::lives_score;
use crate::domain::policy::Policy;
use crate::domain::rating::{InspectionFact, InspectionKind, MerchantHistory, Scheme, Severity};
use crate::import::fhrs::FhrsEstablishment;
use crate::import::lives::{BusinessRows, InspectionRows, ViolationRows};
use crate::import::ImportError;
use crate::services::rating::recompute_in_tx;
use encoding_rs::Encoding;

/// What an FHRS import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FhrsReport {
    /// Establishments in the file.
    pub establishments: usize,
    pub merchants_created: usize,
    pub merchants_updated: usize,
    pub inspections_created: usize,
    /// Establishments with a numeric rating and all three scores (K).
    pub comparable: usize,
    /// Of those, how many the FHRS scheme rates exactly as published (M).
    pub reproduced: usize,
}

/// How many published FHRS ratings the FHRS scheme reproduces: (M, K).
pub fn fhrs_reproduction(establishments: &[FhrsEstablishment]) -> (usize, usize) {
    let mut m = 0;
    let mut k = 0;
    for e in establishments {
        let (Some(published), Some(scores)) = (e.numeric_rating(), e.scores) else {
            continue;
        };
        k += 1;
        let date = e.rating_date.unwrap_or(NaiveDate::MIN);
        let history = MerchantHistory {
            merchant_id: e.fhrs_id,
            inspections: vec![InspectionFact {
                id: e.fhrs_id,
                date,
                kind: InspectionKind::Routine,
                score: fhrs_inspection_score(&scores),
                fhrs: Some(scores),
            }],
            ..Default::default()
        };
        if FhrsScheme.rate(&history, date).stars == Some(published) {
            m += 1;
        }
    }
    (m, k)
}

/// The postcode's outward part ("BT15 2AJ" → "BT15"): the area a UK merchant is filed under.
fn uk_area(postcode: &str, fallback: &str) -> String {
    postcode
        .split_whitespace()
        .next()
        .map(str::to_string)
        .unwrap_or_else(|| fallback.to_string())
}

#[derive(Serialize, PartialEq)]
struct MerchantFields<'a> {
    name: &'a str,
    category: &'a str,
    address: &'a str,
    area: &'a str,
}

/// Creates or updates the merchant with this external id; returns (id, created, updated).
fn upsert_merchant(
    c: &mut DbConn,
    actor: &Actor,
    existing: &HashMap<String, Merchant>,
    source: &str,
    external_id: &str,
    fields: MerchantFields<'_>,
) -> anyhow::Result<(i32, bool, bool)> {
    let now = now_utc();
    if let Some(m) = existing.get(external_id) {
        let before = MerchantFields {
            name: &m.name,
            category: &m.category,
            address: &m.address,
            area: &m.area,
        };
        if before == fields {
            return Ok((m.id, false, false));
        }
        diesel::update(merchants::table.find(m.id))
            .set((
                merchants::name.eq(fields.name),
                merchants::category.eq(fields.category),
                merchants::address.eq(fields.address),
                merchants::area.eq(fields.area),
                merchants::updated_at.eq(now),
            ))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "merchant.update",
                entity: "merchant",
                entity_id: Some(m.id.to_string()),
                before: Some(serde_json::to_value(&before)?),
                after: Some(serde_json::to_value(&fields)?),
            },
        )?;
        return Ok((m.id, false, true));
    }
    let new = NewMerchant {
        name: fields.name.into(),
        credit_code: None,
        category: fields.category.into(),
        address: fields.address.into(),
        area: fields.area.into(),
        contact_name: String::new(),
        email: String::new(),
        phone: String::new(),
        member_since: None,
        member_left_on: None,
        external_source: Some(source.into()),
        external_id: Some(external_id.into()),
        created_at: now,
        updated_at: now,
    };
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
    Ok((id, true, false))
}

/// Merchants an import writes per write transaction. Measured on the Belfast file (3,184
/// establishments, debug build, 2 cores): the lock is held 0.1–0.27 s a batch on SQLite and
/// 0.15–0.6 s on PostgreSQL, instead of the whole import; see `docs/security.md`.
pub const BATCH: usize = 100;

/// How long an import pauses between two batches on SQLite, so that a writer waiting for the
/// lock (SQLite's busy handler sleeps up to 100 ms between tries) gets it before the next batch.
const PAUSE_SQLITE: std::time::Duration = std::time::Duration::from_millis(100);

/// The pause between batches, on the backends that need one.
fn pause_between_batches(c: &DbConn) {
    if matches!(c, DbConn::Sqlite(_)) {
        std::thread::sleep(PAUSE_SQLITE);
    }
}

/// Refreshes PostgreSQL's statistics of `table` after the 1st, 2nd and 4th write batch of an
/// import: a table an import grows from empty is planned as if it were still empty, and the
/// lookups of the next batch then scan it whole (measured: 1 s per 1,000 business ids at 25,000
/// merchants, instead of milliseconds). Once the statistics show a large table the plans stay
/// right, so later batches skip it (an `ANALYZE` of a large table costs half a second). SQLite
/// needs nothing.
fn refresh_statistics(c: &mut DbConn, table: &str, batch: usize) -> QueryResult<()> {
    if matches!(c, DbConn::Postgresql(_)) && matches!(batch, 1 | 2 | 4) {
        diesel::sql_query(format!("ANALYZE {table}")).execute(c)?;
    }
    Ok(())
}

/// Settings of a bulk import's write transaction. On PostgreSQL its commit does not wait for the
/// WAL to reach the disk (`synchronous_commit = off`, this transaction only): the WAL writer
/// flushes it a moment later while the next batch is prepared. A crash in that moment loses
/// whole batches, never part of one, and the database stays consistent; running the import
/// again writes them (it recognises what is stored). The recompute at the end commits as usual:
/// a lost one would not be redone by a second run, which finds nothing new. Measured: a commit of a 25,000-row batch
/// waited about 150 ms, 6 s of a 1,000,000-row import.
fn bulk_write_settings(c: &mut DbConn) -> QueryResult<()> {
    if matches!(c, DbConn::Postgresql(_)) {
        diesel::sql_query("SET LOCAL synchronous_commit = off").execute(c)?;
    }
    Ok(())
}

/// The merchants of `source` with these external ids, by external id.
fn existing_merchants(c: &mut DbConn, source: &str, ids: &[&str]) -> QueryResult<HashMap<String, Merchant>> {
    let rows: Vec<Merchant> = merchants::table
        .filter(merchants::external_source.eq(source))
        .filter(merchants::external_id.eq_any(ids))
        .select(Merchant::as_select())
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|m| m.external_id.clone().map(|k| (k, m)))
        .collect())
}

/// The inspections already imported under these external references, by reference.
fn existing_refs(c: &mut DbConn, refs: &[String]) -> QueryResult<HashMap<String, i32>> {
    let mut found = HashMap::new();
    for chunk in refs.chunks(5_000) {
        let rows: Vec<(Option<String>, i32)> = inspections::table
            .filter(inspections::external_ref.eq_any(chunk))
            .select((inspections::external_ref, inspections::id))
            .load(c)?;
        found.extend(rows.into_iter().filter_map(|(r, id)| r.map(|r| (r, id))));
    }
    Ok(found)
}

fn new_inspection(merchant_id: i32, date: NaiveDate, score: i32, external_ref: String) -> NewInspection {
    NewInspection {
        external_ref: Some(external_ref),
        ..NewInspection::scored(merchant_id, date, InspectionKind::Routine, score)
    }
}

fn audit_created<T: Serialize>(
    c: &mut DbConn,
    actor: &Actor,
    entity: &str,
    id: i32,
    v: &T,
) -> anyhow::Result<()> {
    audit::append(
        c,
        actor,
        Change {
            action: &format!("{entity}.create"),
            entity,
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::to_value(v)?),
        },
    )?;
    Ok(())
}

/// Imports parsed FHRS establishments, [`BATCH`] to a write transaction. `progress` is called
/// with the number of establishments written so far.
pub fn import_fhrs(
    conn: &mut DbConn,
    policy: &Policy,
    establishments: &[FhrsEstablishment],
    as_of: NaiveDate,
    actor: &Actor,
    progress: &mut dyn FnMut(usize),
) -> anyhow::Result<FhrsReport> {
    let (reproduced, comparable) = fhrs_reproduction(establishments);
    let mut report = FhrsReport {
        establishments: establishments.len(),
        comparable,
        reproduced,
        ..Default::default()
    };
    let mut done = 0;
    for (n, batch) in establishments.chunks(BATCH).enumerate() {
        if n > 0 {
            pause_between_batches(conn);
        }
        write_tx(conn, |c| -> anyhow::Result<()> {
            let ids: Vec<String> = batch.iter().map(|e| e.fhrs_id.to_string()).collect();
            let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let existing = existing_merchants(c, "fhrs", &id_refs)?;
            let keys: Vec<String> = batch
                .iter()
                .filter_map(|e| e.rating_date.map(|d| format!("fhrs:{}:{}", e.fhrs_id, d)))
                .collect();
            let refs = existing_refs(c, &keys)?;
            let mut touched = Vec::new();
            for (e, ext_id) in batch.iter().zip(&ids) {
                let area = uk_area(&e.postcode, &e.local_authority);
                let fields = MerchantFields {
                    name: &e.name,
                    category: &e.business_type,
                    address: &e.address,
                    area: &area,
                };
                let (mid, created, updated) = upsert_merchant(c, actor, &existing, "fhrs", ext_id, fields)?;
                report.merchants_created += usize::from(created);
                report.merchants_updated += usize::from(updated);
                if let (Some(scores), Some(date)) = (e.scores, e.rating_date) {
                    let key = format!("fhrs:{}:{}", e.fhrs_id, date);
                    if !refs.contains_key(&key) {
                        let mut ni = new_inspection(mid, date, fhrs_inspection_score(&scores), key);
                        ni.fhrs_hygiene = Some(i32::from(scores.hygiene));
                        ni.fhrs_structural = Some(i32::from(scores.structural));
                        ni.fhrs_confidence = Some(i32::from(scores.confidence));
                        ni.published_rating = Some(e.rating_value.clone());
                        let id = Inspection::insert(c, &ni)?;
                        audit_created(c, actor, "inspection", id, &ni)?;
                        report.inspections_created += 1;
                        touched.push(mid);
                    }
                }
                if created {
                    touched.push(mid);
                }
                done += 1;
                progress(done);
            }
            recompute_touched(c, policy, as_of, actor, touched)
        })?;
    }
    Ok(report)
}

/// Recomputes the merchants a batch touched, inside its transaction.
fn recompute_touched(
    c: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
    mut touched: Vec<i32>,
) -> anyhow::Result<()> {
    touched.sort_unstable();
    touched.dedup();
    if !touched.is_empty() {
        recompute_in_tx(c, policy, as_of, actor, Some(&touched))?;
    }
    Ok(())
}

/// One input row an import did not write, or wrote with a warning, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowNote {
    /// The file, e.g. `violations.csv`.
    pub file: String,
    /// The 1-based line the row starts on.
    pub line: usize,
    /// Why, in English.
    pub reason: String,
}

/// What a LIVES import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LivesReport {
    pub businesses: usize,
    pub merchants_created: usize,
    pub merchants_updated: usize,
    pub inspections_created: usize,
    pub violations_created: usize,
    /// Inspection rows already imported by an earlier run (recognised by their reference).
    pub inspections_existing: usize,
    /// Violation rows already imported by an earlier run (recognised by their content and their
    /// place among identical rows).
    pub violations_existing: usize,
    /// Rows not imported, with their line and reason (violations that match no inspection).
    pub skipped: Vec<RowNote>,
    /// Violation rows imported whose code has no weight in the policy (they weigh 0).
    pub unknown_codes: Vec<RowNote>,
    /// Inspections with a published score (K).
    pub scored: usize,
    /// Of those, how many `100 − weights of the day's violation codes` reproduces (M).
    pub reproduced: usize,
}

impl LivesReport {
    /// The one-line summary the command prints.
    pub fn summary(&self) -> String {
        format!(
            "imported {} businesses ({} inspections, {} violations new); LIVES scheme reproduces {} of {} published scores; {} inspections and {} violations already imported; {} rows skipped; {} violations with unknown codes",
            self.businesses,
            self.inspections_created,
            self.violations_created,
            self.reproduced,
            self.scored,
            self.inspections_existing,
            self.violations_existing,
            self.skipped.len(),
            self.unknown_codes.len(),
        )
    }
}

/// Severity of a LIVES violation from its weight in the policy: the 4- and 5-point (critical)
/// items are major, the rest minor. LIVES has no notion of our "serious" (black-list) severity.
fn lives_severity(weight: i32) -> Severity {
    if weight >= 4 {
        Severity::Major
    } else {
        Severity::Minor
    }
}

/// Rows a LIVES import writes per write transaction. Large, so that the pause between batches
/// (which lets the server's own writes through on SQLite) costs little on a big feed: a batch
/// holds the lock about half a second (release build).
pub const LIVES_BATCH: usize = 25_000;

/// Keys per lookup statement (the backends bound the parameters of one statement).
const KEYS_PER_LOOKUP: usize = 1_000;

/// A business and a day: the only link LIVES gives between inspections and violations.
type Visit = (String, NaiveDate);

/// Opens a feed file; `None` when it is optional and absent.
fn open_feed_file(
    dir: &std::path::Path,
    name: &str,
    required: bool,
) -> Result<Option<std::io::BufReader<std::fs::File>>, ImportError> {
    match std::fs::File::open(dir.join(name)) {
        Ok(f) => Ok(Some(std::io::BufReader::with_capacity(256 * 1024, f))),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ImportError::at(0, format!("cannot read file: {e}")).in_file(name)),
    }
}

/// A stable 64-bit digest of a violation's content (code and description), for counting
/// identical rows without keeping their text.
fn content_digest(code: &str, description: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(code.as_bytes());
    h.update([0]);
    h.update(description.as_bytes());
    let d = h.finalize();
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
}

/// Imports a LIVES feed from its folder, streaming: the files are read record by record and
/// written [`LIVES_BATCH`] rows to a write transaction, so memory holds only the id maps
/// (business → merchant, visit → inspection, violation content counts), never the feed.
///
/// The feed is read once through without writing, so a malformed file (with its line), an
/// inspection or violation of an unknown business, or (with `[lives] unknown_codes = "refuse"`) a
/// violation code the policy has no weight for rejects the feed before anything is written; then
/// businesses, inspections and violations are written, and the merchants touched recomputed.
///
/// Every row is imported, recognised as already imported, or reported in
/// [`LivesReport::skipped`] with its line. A violation's identity is its business, date, code and
/// description plus its place among identical rows of the same visit: the n-th identical row of a
/// visit is the n-th such violation stored for that inspection.
///
/// A rejection is an `anyhow::Error` holding an [`ImportError`].
#[allow(clippy::too_many_arguments)]
pub fn import_lives_dir(
    conn: &mut DbConn,
    policy: &Policy,
    dir: &std::path::Path,
    encoding: Option<&'static Encoding>,
    as_of: NaiveDate,
    actor: &Actor,
    progress: &mut dyn FnMut(LivesStage, usize),
) -> anyhow::Result<LivesReport> {
    let weights = &policy.lives.weights;
    let mut report = LivesReport::default();

    let started = std::time::Instant::now();
    let lap = |pass: &str| tracing::debug!(pass, seconds = started.elapsed().as_secs_f64(), "lives import");
    // Pass 1: read everything, write nothing.
    let mut ids: HashSet<String> = HashSet::new();
    let mut rows = BusinessRows::open(
        open_feed_file(dir, "businesses.csv", true)?.expect("required"),
        encoding,
    )?;
    while let Some((line, b)) = rows.next_row()? {
        if !ids.insert(b.business_id.clone()) {
            return Err(
                ImportError::at(line, format!("duplicate business_id {}", b.business_id))
                    .in_file("businesses.csv")
                    .into(),
            );
        }
        report.businesses += 1;
        progress(LivesStage::Reading, report.businesses);
    }
    let mut read = report.businesses;
    let mut visits: HashMap<Visit, Vec<String>> = HashMap::new();
    let mut rows = InspectionRows::open(
        open_feed_file(dir, "inspections.csv", true)?.expect("required"),
        encoding,
    )?;
    while let Some((line, i)) = rows.next_row()? {
        if !ids.contains(&i.business_id) {
            return Err(
                ImportError::at(line, format!("unknown business_id {}", i.business_id))
                    .in_file("inspections.csv")
                    .into(),
            );
        }
        visits.entry((i.business_id, i.date)).or_default();
        read += 1;
        progress(LivesStage::Reading, read);
    }
    let has_violations = if let Some(f) = open_feed_file(dir, "violations.csv", false)? {
        let mut rows = ViolationRows::open(f, encoding)?;
        while let Some((line, v)) = rows.next_row()? {
            if !ids.contains(&v.business_id) {
                return Err(
                    ImportError::at(line, format!("unknown business_id {}", v.business_id))
                        .in_file("violations.csv")
                        .into(),
                );
            }
            let note = |reason: String| RowNote {
                file: "violations.csv".into(),
                line,
                reason,
            };
            if !v.code.is_empty() && !weights.contains_key(&v.code) {
                report
                    .unknown_codes
                    .push(note(format!("code {:?} has no weight in the policy", v.code)));
            }
            match visits.get_mut(&(v.business_id.clone(), v.date)) {
                None => report.skipped.push(note(format!(
                    "no inspection of business {} on {}: the violation belongs to no inspection",
                    v.business_id, v.date
                ))),
                Some(codes) => {
                    if !codes.contains(&v.code) {
                        codes.push(v.code);
                    }
                }
            }
            read += 1;
            progress(LivesStage::Reading, read);
        }
        true
    } else {
        false
    };
    if policy.lives.refuse_unknown_codes && !report.unknown_codes.is_empty() {
        let lines: Vec<String> = report
            .unknown_codes
            .iter()
            .take(20)
            .map(|n| n.line.to_string())
            .collect();
        let first = report.unknown_codes[0].line;
        return Err(ImportError::at(
            first,
            format!(
                "{} violations have codes with no weight in the policy (lines {}{}), and the policy refuses them (lives.unknown_codes = \"refuse\")",
                report.unknown_codes.len(),
                lines.join(", "),
                if report.unknown_codes.len() > 20 { ", …" } else { "" },
            ),
        )
        .in_file("violations.csv")
        .into());
    }
    drop(ids);

    lap("read");
    // Pass 2: businesses.
    let mut merchant_of: HashMap<String, i32> = HashMap::new();
    let mut touched: HashSet<i32> = HashSet::new();
    let mut rows = BusinessRows::open(
        open_feed_file(dir, "businesses.csv", true)?.expect("required"),
        encoding,
    )?;
    let mut done = 0;
    let mut first = true;
    let mut batches = 0;
    loop {
        let mut batch = Vec::with_capacity(LIVES_BATCH);
        while batch.len() < LIVES_BATCH {
            match rows.next_row()? {
                Some((_, b)) => batch.push(b),
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        if !std::mem::take(&mut first) {
            pause_between_batches(conn);
        }
        write_tx(conn, |c| -> anyhow::Result<()> {
            bulk_write_settings(c)?;
            let keys: Vec<&str> = batch.iter().map(|b| b.business_id.as_str()).collect();
            let mut existing = HashMap::new();
            for chunk in keys.chunks(KEYS_PER_LOOKUP) {
                existing.extend(existing_merchants(c, "lives", chunk)?);
            }
            let now = now_utc();
            let mut new = Vec::new();
            for b in &batch {
                let address = [b.address.as_str(), b.city.as_str(), b.state.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                let fields = MerchantFields {
                    name: &b.name,
                    category: "restaurant",
                    address: &address,
                    area: &b.city,
                };
                if existing.contains_key(&b.business_id) {
                    let (mid, _, updated) =
                        upsert_merchant(c, actor, &existing, "lives", &b.business_id, fields)?;
                    report.merchants_updated += usize::from(updated);
                    merchant_of.insert(b.business_id.clone(), mid);
                } else {
                    new.push(NewMerchant {
                        name: b.name.clone(),
                        credit_code: None,
                        category: "restaurant".into(),
                        address,
                        area: b.city.clone(),
                        contact_name: String::new(),
                        email: String::new(),
                        phone: String::new(),
                        member_since: None,
                        member_left_on: None,
                        external_source: Some("lives".into()),
                        external_id: Some(b.business_id.clone()),
                        created_at: now,
                        updated_at: now,
                    });
                }
            }
            let mut changes = Vec::with_capacity(new.len());
            let ids = Merchant::insert_many(c, &new)?;
            for (id, m) in ids.into_iter().zip(&new) {
                merchant_of.insert(m.external_id.clone().unwrap_or_default(), id);
                touched.insert(id);
                changes.push(SerializedChange::created("merchant.create", "merchant", id, m)?);
            }
            report.merchants_created += changes.len();
            audit::append_serialized(c, actor, changes)?;
            Ok(())
        })?;
        batches += 1;
        refresh_statistics(conn, "merchants", batches)?;
        done += batch.len();
        progress(LivesStage::Writing, done);
    }

    lap("businesses");
    // Pass 3: inspections. Several inspections of one business on one day are told apart by
    // their order; the day's violations belong to its first inspection.
    let mut first_of_day: HashMap<Visit, i32> = HashMap::new();
    let mut nth: HashMap<Visit, u32> = HashMap::new();
    let mut created_inspections: HashSet<i32> = HashSet::new();
    let mut rows = InspectionRows::open(
        open_feed_file(dir, "inspections.csv", true)?.expect("required"),
        encoding,
    )?;
    let mut batches = 0;
    loop {
        let mut batch = Vec::with_capacity(LIVES_BATCH);
        while batch.len() < LIVES_BATCH {
            match rows.next_row()? {
                Some((_, i)) => batch.push(i),
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        pause_between_batches(conn);
        let mut keyed = Vec::with_capacity(batch.len());
        for i in batch {
            let visit = (i.business_id.clone(), i.date);
            let k = nth.entry(visit).or_insert(0);
            *k += 1;
            let key = format!("lives:{}:{}:{}", i.business_id, i.date, k);
            let codes: Vec<&str> = visits
                .get(&(i.business_id.clone(), i.date))
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            let computed = lives_score(&codes, weights);
            if let Some(score) = i.score {
                report.scored += 1;
                report.reproduced += usize::from(computed == score);
            }
            keyed.push((i, key, computed));
        }
        write_tx(conn, |c| -> anyhow::Result<()> {
            bulk_write_settings(c)?;
            let keys: Vec<String> = keyed.iter().map(|(_, k, _)| k.clone()).collect();
            let refs = existing_refs(c, &keys)?;
            let mut new = Vec::new();
            let mut new_visits = Vec::new();
            for (i, key, computed) in &keyed {
                let visit = (i.business_id.clone(), i.date);
                match refs.get(key) {
                    Some(&id) => {
                        report.inspections_existing += 1;
                        first_of_day.entry(visit).or_insert(id);
                    }
                    None => {
                        let mid = merchant_of[&i.business_id];
                        let score = i.score.unwrap_or(*computed).clamp(0, 100);
                        new.push(new_inspection(mid, i.date, score, key.clone()));
                        new_visits.push(visit);
                    }
                }
            }
            let mut changes = Vec::with_capacity(new.len());
            let mut visits_iter = new_visits.into_iter();
            let ids = Inspection::insert_many(c, &new)?;
            for (id, ni) in ids.into_iter().zip(&new) {
                let visit = visits_iter.next().expect("one visit per inspection");
                first_of_day.entry(visit).or_insert(id);
                created_inspections.insert(id);
                touched.insert(ni.merchant_id);
                changes.push(SerializedChange::created(
                    "inspection.create",
                    "inspection",
                    id,
                    ni,
                )?);
            }
            report.inspections_created += changes.len();
            audit::append_serialized(c, actor, changes)?;
            Ok(())
        })?;
        batches += 1;
        refresh_statistics(conn, "inspections", batches)?;
        done += keyed.len();
        progress(LivesStage::Writing, done);
    }
    drop(nth);
    drop(visits);

    lap("inspections");
    // Pass 4: violations, row by row: the n-th identical row of a visit is the n-th identical
    // violation of its inspection.
    if has_violations {
        let f = open_feed_file(dir, "violations.csv", true)?.expect("required");
        let mut rows = ViolationRows::open(f, encoding)?;
        let mut seen_in_feed: HashMap<(i32, u64), u32> = HashMap::new();
        let mut stored: HashMap<(i32, u64), u32> = HashMap::new();
        let mut loaded: HashSet<i32> = created_inspections;
        let mut batches = 0;
        loop {
            let mut batch = Vec::with_capacity(LIVES_BATCH);
            while batch.len() < LIVES_BATCH {
                match rows.next_row()? {
                    Some(x) => batch.push(x),
                    None => break,
                }
            }
            if batch.is_empty() {
                break;
            }
            pause_between_batches(conn);
            write_tx(conn, |c| -> anyhow::Result<()> {
                bulk_write_settings(c)?;
                // What is stored already for the inspections this batch names, read once each.
                let mut to_load: Vec<i32> = batch
                    .iter()
                    .filter_map(|(_, v)| first_of_day.get(&(v.business_id.clone(), v.date)).copied())
                    .filter(|iid| !loaded.contains(iid))
                    .collect();
                to_load.sort_unstable();
                to_load.dedup();
                for chunk in to_load.chunks(KEYS_PER_LOOKUP) {
                    let rows: Vec<(i32, String, String)> = violations::table
                        .filter(violations::inspection_id.eq_any(chunk))
                        .select((
                            violations::inspection_id,
                            violations::code,
                            violations::description,
                        ))
                        .load(c)?;
                    for (iid, code, description) in rows {
                        *stored
                            .entry((iid, content_digest(&code, &description)))
                            .or_default() += 1;
                    }
                    loaded.extend(chunk.iter().copied());
                }
                let now = now_utc();
                let mut new = Vec::new();
                for (_, v) in &batch {
                    // Orphans were reported when the feed was read.
                    let Some(&iid) = first_of_day.get(&(v.business_id.clone(), v.date)) else {
                        continue;
                    };
                    let key = (iid, content_digest(&v.code, &v.description));
                    let n = seen_in_feed.entry(key).or_default();
                    *n += 1;
                    if *n <= stored.get(&key).copied().unwrap_or(0) {
                        report.violations_existing += 1;
                        continue;
                    }
                    let weight = weights.get(&v.code).copied().unwrap_or(0);
                    new.push(NewViolation {
                        inspection_id: iid,
                        merchant_id: merchant_of[&v.business_id],
                        code: v.code.clone(),
                        severity: lives_severity(weight),
                        description: v.description.clone(),
                        legal_basis: String::new(),
                        fine_fen: 0,
                        found_on: v.date,
                        created_at: now,
                    });
                }
                let mut changes = Vec::with_capacity(new.len());
                let ids = Inspection::insert_violations(c, &new)?;
                for (id, nv) in ids.into_iter().zip(&new) {
                    touched.insert(nv.merchant_id);
                    changes.push(SerializedChange::created(
                        "violation.create",
                        "violation",
                        id,
                        nv,
                    )?);
                }
                report.violations_created += changes.len();
                audit::append_serialized(c, actor, changes)?;
                Ok(())
            })?;
            batches += 1;
            refresh_statistics(conn, "violations", batches)?;
            done += batch.len();
            progress(LivesStage::Writing, done);
        }
    }

    lap("violations");
    // Pass 5: the ratings of the merchants touched (a recompute reads everyone above 20,000).
    let mut touched: Vec<i32> = touched.into_iter().collect();
    touched.sort_unstable();
    let mut recomputed = 0;
    for chunk in touched.chunks(10_000) {
        pause_between_batches(conn);
        write_tx(conn, |c| {
            recompute_touched(c, policy, as_of, actor, chunk.to_vec())
        })?;
        recomputed += chunk.len();
        progress(LivesStage::Rating, recomputed);
    }
    lap("ratings");
    Ok(report)
}

/// Which stage of a LIVES import a progress count belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LivesStage {
    /// Checking the feed (rows read).
    Reading,
    /// Writing businesses, inspections and violations (rows written or recognised).
    Writing,
    /// Recomputing the merchants touched (merchants).
    Rating,
}
