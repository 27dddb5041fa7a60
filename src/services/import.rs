//! Importing public inspection data (UK FHRS, LIVES) as merchants and inspections.
//!
//! A file is parsed completely first (a malformed file is rejected with its line and nothing is
//! written); then one write transaction upserts merchants by their external id, adds inspections
//! not seen before, writes an audit entry for each change, and recomputes the merchants touched.
//! Importing the same file twice changes nothing.

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
use crate::domain::rating::{InspectionFact, InspectionKind, MerchantHistory, Scheme};
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

fn existing_merchants(c: &mut DbConn, source: &str) -> QueryResult<HashMap<String, Merchant>> {
    let rows: Vec<Merchant> = merchants::table
        .filter(merchants::external_source.eq(source))
        .select(Merchant::as_select())
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|m| m.external_id.clone().map(|k| (k, m)))
        .collect())
}

fn existing_refs(c: &mut DbConn, prefix: &str) -> QueryResult<HashMap<String, i32>> {
    let rows: Vec<(Option<String>, i32)> = inspections::table
        .filter(inspections::external_ref.like(format!("{prefix}%")))
        .select((inspections::external_ref, inspections::id))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(r, id)| r.map(|r| (r, id)))
        .collect())
}

fn new_inspection(merchant_id: i32, date: NaiveDate, score: i32, external_ref: String) -> NewInspection {
    let now = now_utc();
    NewInspection {
        merchant_id,
        inspector_id: None,
        inspected_on: date,
        kind: "routine".into(),
        score,
        notes: String::new(),
        fhrs_hygiene: None,
        fhrs_structural: None,
        fhrs_confidence: None,
        published_rating: None,
        external_ref: Some(external_ref),
        created_at: now,
        updated_at: now,
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

/// Imports parsed FHRS establishments in one transaction. `progress` is called with the number
/// of establishments written so far.
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
    write_tx(conn, |c| {
        let existing = existing_merchants(c, "fhrs")?;
        let refs = existing_refs(c, "fhrs:")?;
        let mut touched = Vec::new();
        for (n, e) in establishments.iter().enumerate() {
            let area = uk_area(&e.postcode, &e.local_authority);
            let fields = MerchantFields {
                name: &e.name,
                category: &e.business_type,
                address: &e.address,
                area: &area,
            };
            let (mid, created, updated) =
                upsert_merchant(c, actor, &existing, "fhrs", &e.fhrs_id.to_string(), fields)?;
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
            progress(n + 1);
        }
        touched.sort_unstable();
        touched.dedup();
        if !touched.is_empty() {
            recompute_in_tx(c, policy, as_of, actor, Some(&touched))?;
        }
        Ok(report)
    })
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
fn lives_severity(weight: i32) -> &'static str {
    if weight >= 4 {
        "major"
    } else {
        "minor"
    }
}

/// Imports a parsed LIVES feed in one transaction.
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
    write_tx(conn, |c| {
        let existing = existing_merchants(c, "lives")?;
        let refs = existing_refs(c, "lives:")?;
        let mut ids: HashMap<&str, i32> = HashMap::new();
        let mut touched = Vec::new();
        let mut done = 0;
        for b in &feed.businesses {
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
            ids.insert(b.business_id.as_str(), mid);
            done += 1;
            progress(done);
        }
        // Several inspections of one business on one day are told apart by their order.
        let mut nth: BTreeMap<(&str, NaiveDate), usize> = BTreeMap::new();
        let mut first_of_day: HashMap<(&str, NaiveDate), i32> = HashMap::new();
        for i in &feed.inspections {
            let Some(&mid) = ids.get(i.business_id.as_str()) else {
                continue;
            };
            let k = nth.entry((i.business_id.as_str(), i.date)).or_insert(0);
            *k += 1;
            let key = format!("lives:{}:{}:{}", i.business_id, i.date, k);
            let iid = match refs.get(&key) {
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
                    let ni = new_inspection(mid, i.date, score, key);
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
        // Violations belong to the day's first inspection (LIVES links them by business and date).
        let inspection_ids: Vec<i32> = first_of_day.values().copied().collect();
        let mut seen: HashSet<(i32, String)> = HashSet::new();
        for chunk in inspection_ids.chunks(10_000) {
            let rows: Vec<(i32, String)> = violations::table
                .filter(violations::inspection_id.eq_any(chunk.to_vec()))
                .select((violations::inspection_id, violations::code))
                .load(c)?;
            seen.extend(rows);
        }
        for v in &feed.violations {
            let (Some(&mid), Some(&iid)) = (
                ids.get(v.business_id.as_str()),
                first_of_day.get(&(v.business_id.as_str(), v.date)),
            ) else {
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
                severity: lives_severity(weight).into(),
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
        touched.sort_unstable();
        touched.dedup();
        if !touched.is_empty() {
            recompute_in_tx(c, policy, as_of, actor, Some(&touched))?;
        }
        Ok(report)
    })
}
