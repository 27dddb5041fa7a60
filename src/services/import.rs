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

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change};
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
use crate::import::lives::LivesFeed;
use crate::services::rating::recompute_in_tx;

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

/// What a LIVES import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LivesReport {
    pub businesses: usize,
    pub merchants_created: usize,
    pub merchants_updated: usize,
    pub inspections_created: usize,
    pub violations_created: usize,
    /// Inspections with a published score (K).
    pub scored: usize,
    /// Of those, how many `100 − weights of the day's violation codes` reproduces (M).
    pub reproduced: usize,
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

/// Imports a parsed LIVES feed, [`BATCH`] businesses — with their inspections and violations —
/// to a write transaction.
pub fn import_lives(
    conn: &mut DbConn,
    policy: &Policy,
    feed: &LivesFeed,
    as_of: NaiveDate,
    actor: &Actor,
    progress: &mut dyn FnMut(usize),
) -> anyhow::Result<LivesReport> {
    let weights = &policy.lives.weights;
    let by_visit = feed.codes_by_visit();
    let mut report = LivesReport {
        businesses: feed.businesses.len(),
        ..Default::default()
    };
    for i in &feed.inspections {
        if let Some(score) = i.score {
            report.scored += 1;
            let codes = by_visit
                .get(&(i.business_id.as_str(), i.date))
                .cloned()
                .unwrap_or_default();
            if lives_score(&codes, weights) == score {
                report.reproduced += 1;
            }
        }
    }
    // Each business's inspections and violations, in feed order; several inspections of one
    // business on one day are told apart by their order.
    let mut inspections_of: HashMap<&str, Vec<(&crate::import::lives::LivesInspection, String)>> =
        HashMap::new();
    let mut nth: BTreeMap<(&str, NaiveDate), usize> = BTreeMap::new();
    for i in &feed.inspections {
        let k = nth.entry((i.business_id.as_str(), i.date)).or_insert(0);
        *k += 1;
        let key = format!("lives:{}:{}:{}", i.business_id, i.date, k);
        inspections_of
            .entry(i.business_id.as_str())
            .or_default()
            .push((i, key));
    }
    let mut violations_of: HashMap<&str, Vec<&crate::import::lives::LivesViolation>> = HashMap::new();
    for v in &feed.violations {
        violations_of.entry(v.business_id.as_str()).or_default().push(v);
    }
    let mut done = 0;
    for (n, batch) in feed.businesses.chunks(BATCH).enumerate() {
        if n > 0 {
            pause_between_batches(conn);
        }
        write_tx(conn, |c| -> anyhow::Result<()> {
            let ids: Vec<&str> = batch.iter().map(|b| b.business_id.as_str()).collect();
            let existing = existing_merchants(c, "lives", &ids)?;
            let keys: Vec<String> = ids
                .iter()
                .flat_map(|id| inspections_of.get(id).into_iter().flatten())
                .map(|(_, key)| key.clone())
                .collect();
            let refs = existing_refs(c, &keys)?;
            let mut touched = Vec::new();
            let mut first_of_day: HashMap<(&str, NaiveDate), i32> = HashMap::new();
            let mut merchant_of: HashMap<&str, i32> = HashMap::new();
            for b in batch {
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
                let (mid, created, updated) =
                    upsert_merchant(c, actor, &existing, "lives", &b.business_id, fields)?;
                report.merchants_created += usize::from(created);
                report.merchants_updated += usize::from(updated);
                merchant_of.insert(b.business_id.as_str(), mid);
                done += 1;
                progress(done);
            }
            for b in batch {
                let mid = merchant_of[b.business_id.as_str()];
                for (i, key) in inspections_of.get(b.business_id.as_str()).into_iter().flatten() {
                    let iid = match refs.get(key) {
                        Some(&id) => id,
                        None => {
                            let codes = by_visit
                                .get(&(i.business_id.as_str(), i.date))
                                .cloned()
                                .unwrap_or_default();
                            let score = i
                                .score
                                .unwrap_or_else(|| lives_score(&codes, weights))
                                .clamp(0, 100);
                            let ni = new_inspection(mid, i.date, score, key.clone());
                            let id = Inspection::insert(c, &ni)?;
                            audit_created(c, actor, "inspection", id, &ni)?;
                            report.inspections_created += 1;
                            touched.push(mid);
                            id
                        }
                    };
                    first_of_day
                        .entry((i.business_id.as_str(), i.date))
                        .or_insert(iid);
                    done += 1;
                    progress(done);
                }
            }
            // Violations belong to the day's first inspection (LIVES links them by business
            // and date).
            let inspection_ids: Vec<i32> = first_of_day.values().copied().collect();
            let mut seen: HashSet<(i32, String)> = HashSet::new();
            for chunk in inspection_ids.chunks(10_000) {
                let rows: Vec<(i32, String)> = violations::table
                    .filter(violations::inspection_id.eq_any(chunk))
                    .select((violations::inspection_id, violations::code))
                    .load(c)?;
                seen.extend(rows);
            }
            for b in batch {
                let mid = merchant_of[b.business_id.as_str()];
                for v in violations_of.get(b.business_id.as_str()).into_iter().flatten() {
                    let Some(&iid) = first_of_day.get(&(v.business_id.as_str(), v.date)) else {
                        continue;
                    };
                    if !seen.insert((iid, v.code.clone())) {
                        continue;
                    }
                    let weight = weights.get(&v.code).copied().unwrap_or(0);
                    let nv = NewViolation {
                        inspection_id: iid,
                        merchant_id: mid,
                        code: v.code.clone(),
                        severity: lives_severity(weight),
                        description: v.description.clone(),
                        legal_basis: String::new(),
                        fine_fen: 0,
                        found_on: v.date,
                        created_at: now_utc(),
                    };
                    let id = Inspection::insert_violation(c, &nv)?;
                    audit_created(c, actor, "violation", id, &nv)?;
                    report.violations_created += 1;
                    touched.push(mid);
                    done += 1;
                    progress(done);
                }
            }
            recompute_touched(c, policy, as_of, actor, touched)
        })?;
    }
    Ok(report)
}
