//! The committee's review of a year: the rule's candidates and the committee's adjustments.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::*;
use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::Merchant;
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{commendation_adjustments, commendation_decisions, merchants};
use crate::db::DbConn;
use crate::domain::commendation::{evaluate, Evaluation, LevelResult};
use crate::domain::policy::Policy;

/// One row of the committee's list: the rule's verdict, any adjustment, and the outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub merchant_id: i32,
    pub name: String,
    pub area: String,
    pub category: String,
    /// What the rule says, level by level.
    pub evaluation: Evaluation,
    /// The committee's adjustment, if any.
    pub adjustment: Option<Adjustment>,
    /// The level (index into the policy's levels) the merchant will be commended at, if any.
    pub level: Option<usize>,
}

impl Candidate {
    /// The level result the commendation records: the final level's criteria.
    pub fn level_result(&self) -> Option<&LevelResult> {
        self.level.map(|i| &self.evaluation.levels[i])
    }
}

/// The committee's view of a year: the decision if made, and the candidates.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub year: i32,
    /// The day the rule looked.
    pub as_of: NaiveDate,
    pub decision: Option<Decision>,
    /// Merchants the rule proposes or the committee adjusted, by final level then name; excluded
    /// ones last.
    pub candidates: Vec<Candidate>,
}

/// The rule's candidates for `year` as on `today`, with the committee's adjustments.
pub fn propose(
    c: &mut DbConn,
    policy: &Policy,
    year: i32,
    today: NaiveDate,
) -> Result<Proposal, CommendationError> {
    check_year(year, today)?;
    let decision = decision_of(c, year)?;
    let adjustments: Vec<Adjustment> = commendation_adjustments::table
        .filter(commendation_adjustments::year.eq(year))
        .select(Adjustment::as_select())
        .load(c)?;
    let mut adjusted: HashMap<i32, Adjustment> =
        adjustments.into_iter().map(|a| (a.merchant_id, a)).collect();
    let records = load_year_records(c, year, today, None)?;
    let names: HashMap<i32, (String, String, String, String)> = merchants::table
        .select((
            merchants::id,
            merchants::name,
            merchants::area,
            merchants::category,
            merchants::status,
        ))
        .load::<(i32, String, String, String, String)>(c)?
        .into_iter()
        .map(|(id, n, a, cat, s)| (id, (n, a, cat, s)))
        .collect();
    let mut candidates = Vec::new();
    for (id, rec) in &records {
        let evaluation = evaluate(rec, &policy.commendation, year, today);
        let adjustment = adjusted.remove(id);
        let Some((name, area, category, status)) = names.get(id) else {
            continue;
        };
        // A closed shop is not proposed; the committee may still add it.
        let proposed = evaluation.proposed.filter(|_| status == "open");
        let level = match &adjustment {
            Some(a) if a.action == "exclude" => None,
            Some(a) => a
                .level
                .as_deref()
                .and_then(|code| policy.commendation.level(code))
                .map(|(i, _)| i),
            None => proposed,
        };
        if proposed.is_none() && adjustment.is_none() {
            continue;
        }
        candidates.push(Candidate {
            merchant_id: *id,
            name: name.clone(),
            area: area.clone(),
            category: category.clone(),
            evaluation: Evaluation {
                proposed,
                ..evaluation
            },
            adjustment,
            level,
        });
    }
    candidates.sort_by(|a, b| {
        (a.level.is_none(), a.level, &a.name, a.merchant_id).cmp(&(
            b.level.is_none(),
            b.level,
            &b.name,
            b.merchant_id,
        ))
    });
    Ok(Proposal {
        year,
        as_of: today,
        decision,
        candidates,
    })
}

/// The decision of `year`, if made.
pub fn decision_of(c: &mut DbConn, year: i32) -> QueryResult<Option<Decision>> {
    commendation_decisions::table
        .filter(commendation_decisions::year.eq(year))
        .select(Decision::as_select())
        .first(c)
        .optional()
}

/// What the committee does to a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdjustAction {
    /// Take a proposed merchant off the list.
    Exclude,
    /// Commend a merchant at this level although the rule does not propose it there.
    Include(String),
}

fn check_reason(reason: &str) -> Result<String, CommendationError> {
    let r = reason.trim();
    let n = r.chars().count();
    if !(2..=500).contains(&n) {
        return Err(CommendationError::BadReason);
    }
    Ok(r.to_string())
}

/// The committee's change to one merchant of a year, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustRequest {
    pub year: i32,
    pub merchant_id: i32,
    pub action: AdjustAction,
    /// Why; required (2 to 500 characters).
    pub reason: String,
}

/// Records the committee's adjustment of one merchant (replacing an earlier one), with its audit
/// entry.
pub fn adjust(
    c: &mut DbConn,
    policy: &Policy,
    actor: &Actor,
    today: NaiveDate,
    req: &AdjustRequest,
) -> Result<(), CommendationError> {
    let (year, merchant_id, action) = (req.year, req.merchant_id, &req.action);
    check_year(year, today)?;
    let reason = check_reason(&req.reason)?;
    if let AdjustAction::Include(code) = action {
        if policy.commendation.level(code).is_none() {
            return Err(CommendationError::UnknownLevel(code.clone()));
        }
    }
    write_tx(c, |c| {
        if decision_of(c, year)?.is_some() {
            return Err(CommendationError::AlreadyDecided);
        }
        if Merchant::find(c, merchant_id)?.is_none() {
            return Err(CommendationError::NoMerchant(merchant_id));
        }
        let rec = load_year_records(c, year, today, Some(&[merchant_id]))?;
        let proposed = rec
            .get(&merchant_id)
            .and_then(|r| evaluate(r, &policy.commendation, year, today).proposed);
        match action {
            AdjustAction::Exclude if proposed.is_none() => return Err(CommendationError::NotProposed),
            AdjustAction::Include(code)
                if proposed.is_some_and(|i| policy.commendation.levels[i].code == *code) =>
            {
                return Err(CommendationError::AlreadyProposed)
            }
            _ => {}
        }
        let before: Option<Adjustment> = commendation_adjustments::table
            .filter(commendation_adjustments::year.eq(year))
            .filter(commendation_adjustments::merchant_id.eq(merchant_id))
            .select(Adjustment::as_select())
            .first(c)
            .optional()?;
        diesel::delete(
            commendation_adjustments::table
                .filter(commendation_adjustments::year.eq(year))
                .filter(commendation_adjustments::merchant_id.eq(merchant_id)),
        )
        .execute(c)?;
        let (act, level) = match action {
            AdjustAction::Exclude => ("exclude", None),
            AdjustAction::Include(code) => ("include", Some(code.clone())),
        };
        diesel::insert_into(commendation_adjustments::table)
            .values((
                commendation_adjustments::year.eq(year),
                commendation_adjustments::merchant_id.eq(merchant_id),
                commendation_adjustments::action.eq(act),
                commendation_adjustments::level.eq(&level),
                commendation_adjustments::reason.eq(&reason),
                commendation_adjustments::made_by.eq(actor.user_id),
                commendation_adjustments::made_at.eq(now_utc()),
            ))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "commendation.adjust",
                entity: "merchant",
                entity_id: Some(merchant_id.to_string()),
                before: before.map(|b| serde_json::json!({"year": b.year, "action": b.action, "level": b.level, "reason": b.reason})),
                after: Some(serde_json::json!({"year": year, "action": act, "level": level, "reason": reason})),
            },
        )?;
        Ok(())
    })
}

/// Withdraws the committee's adjustment of one merchant for `year`, with its audit entry.
pub fn remove_adjustment(
    c: &mut DbConn,
    actor: &Actor,
    year: i32,
    today: NaiveDate,
    merchant_id: i32,
) -> Result<bool, CommendationError> {
    check_year(year, today)?;
    write_tx(c, |c| {
        if decision_of(c, year)?.is_some() {
            return Err(CommendationError::AlreadyDecided);
        }
        let before: Option<Adjustment> = commendation_adjustments::table
            .filter(commendation_adjustments::year.eq(year))
            .filter(commendation_adjustments::merchant_id.eq(merchant_id))
            .select(Adjustment::as_select())
            .first(c)
            .optional()?;
        let Some(before) = before else {
            return Ok(false);
        };
        diesel::delete(commendation_adjustments::table.find(before.id)).execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "commendation.adjust_withdraw",
                entity: "merchant",
                entity_id: Some(merchant_id.to_string()),
                before: Some(
                    serde_json::json!({"year": before.year, "action": before.action, "level": before.level, "reason": before.reason}),
                ),
                after: None,
            },
        )?;
        Ok(true)
    })
}
