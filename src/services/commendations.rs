//! The annual commendation (年度表彰): the rule's candidates for a year, the committee's
//! adjustments, the immutable decision (commendations, rewards, audit and emails in one
//! transaction), revocation on recompute, and what the public pages read.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::Merchant;
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{
    commendation_adjustments, commendation_decisions, commendations, edition_entries, editions,
    list_entries, merchants, rating_snapshots,
};
use crate::db::DbConn;
use crate::domain::commendation::{
    self, display_until, evaluate, year_bounds, EditionStanding, Evaluation, LevelResult, Revocation,
    YearRecord,
};
use crate::domain::policy::{CommendationLevel, Policy};
use crate::mail::outbox::{enqueue, NewMail};
use crate::mail::render;
use crate::services::histories::load_histories;
use crate::services::rewards::{self, Grant, GrantError};

/// A year's decision as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = commendation_decisions)]
pub struct Decision {
    pub id: i32,
    /// The commended year.
    pub year: i32,
    /// 共治表〔2026〕1号.
    pub number: String,
    /// Order among the decisions of the calendar year it was made in.
    pub seq: i32,
    pub decided_on: NaiveDate,
    #[schema(value_type = String)]
    pub decided_at: NaiveDateTime,
    pub decided_by: Option<i32>,
    /// The policy version whose rule proposed the candidates.
    pub policy_version: String,
    pub note: String,
}

impl Decision {
    /// The number for English readers: "Decision 2026-1".
    pub fn number_en(&self) -> String {
        format!("Decision {}-{}", self.decided_on.year(), self.seq)
    }
}

/// A commended merchant as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = commendations)]
pub struct Commendation {
    pub id: i32,
    pub decision_id: i32,
    /// The commended year.
    pub year: i32,
    pub merchant_id: i32,
    /// The merchant's name on the day of the decision.
    pub merchant_name: String,
    pub category: String,
    pub area: String,
    /// The level's code in the policy.
    pub level: String,
    /// 0 = the highest level.
    pub level_rank: i32,
    pub level_name_zh: String,
    pub level_name_en: String,
    /// The reward written to the ledger, in fen (0 = none).
    pub reward_fen: i64,
    pub reward_id: Option<i32>,
    /// The level's criteria as JSON (`domain::commendation::Criterion` list).
    pub criteria: String,
    /// Why the committee commended a merchant the rule did not propose.
    pub committee_reason: Option<String>,
    pub revoked_on: Option<NaiveDate>,
    /// JSON of `domain::commendation::RevokeReason`.
    pub revoked_reason: Option<String>,
}

impl Commendation {
    /// The level's name in the reader's language.
    pub fn level_name(&self, en: bool) -> &str {
        if en {
            &self.level_name_en
        } else {
            &self.level_name_zh
        }
    }

    /// Whether it is shown as in force on `today`: not revoked and within its display year.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.revoked_on.is_none() && today <= display_until(self.year)
    }

    /// The parsed revocation reason.
    pub fn revocation(&self) -> Option<Revocation> {
        let on = self.revoked_on?;
        let reason = serde_json::from_str(self.revoked_reason.as_deref()?).ok()?;
        Some(Revocation { on, reason })
    }

    /// The parsed criteria.
    pub fn criteria(&self) -> Vec<commendation::Criterion> {
        serde_json::from_str(&self.criteria).unwrap_or_default()
    }
}

/// A committee adjustment as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = commendation_adjustments)]
pub struct Adjustment {
    pub id: i32,
    pub year: i32,
    pub merchant_id: i32,
    /// "exclude" or "include".
    pub action: String,
    /// For "include": the level given.
    pub level: Option<String>,
    pub reason: String,
    pub made_by: Option<i32>,
    pub made_at: NaiveDateTime,
}

/// Why a commendation request was refused; each maps to a 4xx with a message in both languages.
#[derive(Debug, thiserror::Error)]
pub enum CommendationError {
    #[error("the year must be between 2000 and the current year")]
    BadYear,
    #[error("the year is not over yet")]
    YearNotOver,
    #[error("this year is decided already")]
    AlreadyDecided,
    #[error("the policy has no commendation levels")]
    NoRule,
    #[error("no merchant to commend")]
    NobodyToCommend,
    #[error("no merchant {0}")]
    NoMerchant(i32),
    #[error("unknown level {0}")]
    UnknownLevel(String),
    #[error("the reason must be 2 to 500 characters")]
    BadReason,
    #[error("the note must be at most 500 characters")]
    NoteTooLong,
    #[error("the merchant is not proposed, so there is nothing to exclude")]
    NotProposed,
    #[error("the merchant is proposed at that level already")]
    AlreadyProposed,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for CommendationError {
    fn from(e: diesel::result::Error) -> Self {
        CommendationError::Other(e.into())
    }
}

impl From<GrantError> for CommendationError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::NoMerchant(id) => CommendationError::NoMerchant(id),
            GrantError::Other(e) => CommendationError::Other(e),
        }
    }
}

impl CommendationError {
    /// The message for the reader, in Chinese and English.
    pub fn messages(&self) -> (String, String) {
        let (zh, en) = match self {
            CommendationError::BadYear => ("年份须在 2000 年至今年之间。", "The year must be between 2000 and this year."),
            CommendationError::YearNotOver => (
                "该年度尚未结束，年度表彰须在次年作出决定。",
                "The year is not over yet: a year's commendation is decided in the following year.",
            ),
            CommendationError::AlreadyDecided => (
                "该年度的表彰决定已经作出，不能再更改。",
                "The commendation of this year has been decided and can no longer change.",
            ),
            CommendationError::NoRule => (
                "当前评级规则未设置表彰等级（policy.toml 的 [commendation]）。",
                "The rating policy in force has no commendation levels ([commendation] in policy.toml).",
            ),
            CommendationError::NobodyToCommend => (
                "没有拟表彰的商家：请先增补商家，或确认该年度无人表彰。",
                "There is no merchant to commend: add one first.",
            ),
            CommendationError::NoMerchant(_) => ("商家不存在。", "No such merchant."),
            CommendationError::UnknownLevel(_) => ("表彰等级不存在。", "No such commendation level."),
            CommendationError::BadReason => ("请填写理由（2 至 500 字）。", "Give a reason (2 to 500 characters)."),
            CommendationError::NoteTooLong => ("说明最多 500 字。", "The note must be at most 500 characters."),
            CommendationError::NotProposed => (
                "该商家不在拟表彰名单中，无需排除。",
                "The merchant is not proposed, so there is nothing to exclude.",
            ),
            CommendationError::AlreadyProposed => (
                "该商家已按此等级列入拟表彰名单。",
                "The merchant is proposed at that level already.",
            ),
            CommendationError::Other(_) => ("操作失败，请稍后再试。", "Something went wrong; try again later."),
        };
        (zh.to_string(), en.to_string())
    }
}

/// Checks that `year` can be looked at on `today`.
pub fn check_year(year: i32, today: NaiveDate) -> Result<(), CommendationError> {
    if (2000..=today.year()).contains(&year) {
        Ok(())
    } else {
        Err(CommendationError::BadYear)
    }
}

/// The year records the rule reads, for every merchant (or the ones in `only`), as on `today`.
pub fn load_year_records(
    c: &mut DbConn,
    year: i32,
    today: NaiveDate,
    only: Option<&[i32]>,
) -> QueryResult<BTreeMap<i32, YearRecord>> {
    let (first, last) = year_bounds(year);
    let last = last.min(today);
    let histories = load_histories(c, only, today)?;

    macro_rules! scoped {
        ($q:expr, $col:expr) => {{
            let q = $q.into_boxed();
            match only {
                Some(ids) => q.filter($col.eq_any(ids.to_vec())),
                None => q,
            }
        }};
    }
    let ms: Vec<(i32, Option<NaiveDate>, Option<NaiveDate>)> = scoped!(merchants::table, merchants::id)
        .select((merchants::id, merchants::member_since, merchants::member_left_on))
        .load(c)?;
    let eds: Vec<(i32, i32, NaiveDate)> = editions::table
        .filter(editions::published_on.ge(first))
        .filter(editions::published_on.le(last))
        .order((editions::published_on.asc(), editions::number.asc()))
        .select((editions::id, editions::number, editions::published_on))
        .load(c)?;
    let ed_ids: Vec<i32> = eds.iter().map(|e| e.0).collect();
    let red: HashSet<(i32, i32)> = if ed_ids.is_empty() {
        HashSet::new()
    } else {
        scoped!(edition_entries::table, edition_entries::merchant_id)
            .filter(edition_entries::edition_id.eq_any(ed_ids))
            .filter(edition_entries::list.eq("red"))
            .select((edition_entries::edition_id, edition_entries::merchant_id))
            .load::<(i32, i32)>(c)?
            .into_iter()
            .collect()
    };
    // Each merchant's ratings up to the year's last day, oldest first: the stars in force on a day
    // are those of the last snapshot dated on or before it.
    let snaps: Vec<(i32, NaiveDate, Option<i32>)> =
        scoped!(rating_snapshots::table, rating_snapshots::merchant_id)
            .filter(rating_snapshots::as_of.le(last))
            .order((
                rating_snapshots::merchant_id.asc(),
                rating_snapshots::as_of.asc(),
                rating_snapshots::id.asc(),
            ))
            .select((
                rating_snapshots::merchant_id,
                rating_snapshots::as_of,
                rating_snapshots::stars,
            ))
            .load(c)?;
    let mut by_merchant: HashMap<i32, Vec<(NaiveDate, Option<i32>)>> = HashMap::new();
    for (m, d, s) in snaps {
        by_merchant.entry(m).or_default().push((d, s));
    }
    let blacks: Vec<(i32, i32, NaiveDate)> = scoped!(list_entries::table, list_entries::merchant_id)
        .filter(list_entries::list.eq("black"))
        .select((list_entries::id, list_entries::merchant_id, list_entries::entered_on))
        .load(c)?;
    let mut black_by: HashMap<i32, Vec<(i64, NaiveDate)>> = HashMap::new();
    for (id, m, d) in blacks {
        black_by.entry(m).or_default().push((i64::from(id), d));
    }

    let stars_on = |points: Option<&Vec<(NaiveDate, Option<i32>)>>, day: NaiveDate| -> Option<u8> {
        points?
            .iter()
            .take_while(|(d, _)| *d <= day)
            .last()
            .and_then(|(_, s)| *s)
            .and_then(|s| u8::try_from(s).ok())
    };
    let mut out = BTreeMap::new();
    for (id, since, left) in ms {
        let h = histories.get(&id).cloned().unwrap_or_default();
        let points = by_merchant.get(&id);
        let editions = eds
            .iter()
            .map(|(eid, number, date)| EditionStanding {
                number: *number,
                published_on: *date,
                stars: stars_on(points, *date),
                on_red: red.contains(&(*eid, id)),
            })
            .collect();
        out.insert(
            id,
            YearRecord {
                merchant_id: i64::from(id),
                member_since: since,
                member_left_on: left,
                editions,
                year_end_stars: stars_on(points, last),
                violations: h.violations,
                notices: h.notices,
                complaints: h.complaints,
                trainings: h.trainings,
                black_entries: black_by.remove(&id).unwrap_or_default(),
            },
        );
    }
    Ok(out)
}

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
pub fn propose(c: &mut DbConn, policy: &Policy, year: i32, today: NaiveDate) -> Result<Proposal, CommendationError> {
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
        (a.level.is_none(), a.level, &a.name, a.merchant_id).cmp(&(b.level.is_none(), b.level, &b.name, b.merchant_id))
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

/// Records the committee's adjustment of one merchant for `year` (replacing an earlier one), with
/// its audit entry.
pub fn adjust(
    c: &mut DbConn,
    policy: &Policy,
    actor: &Actor,
    year: i32,
    today: NaiveDate,
    merchant_id: i32,
    action: &AdjustAction,
    reason: &str,
) -> Result<(), CommendationError> {
    check_year(year, today)?;
    let reason = check_reason(reason)?;
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
            AdjustAction::Include(code) if proposed.is_some_and(|i| policy.commendation.levels[i].code == *code) => {
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
                before: Some(serde_json::json!({"year": before.year, "action": before.action, "level": before.level, "reason": before.reason})),
                after: None,
            },
        )?;
        Ok(true)
    })
}

/// What a decision wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Decided {
    pub number: String,
    pub commended: usize,
    pub reward_total_fen: i64,
    /// How many emails were queued (merchants without an address get none).
    pub emails: usize,
}

/// The link to the merchant's certificate in the portal.
pub fn certificate_link(base_url: &str, year: i32) -> String {
    format!("{}/my/commendations/{year}", base_url.trim_end_matches('/'))
}

/// Decides `year`: in one transaction, the numbered decision, each commendation with its audit
/// entry, the level's reward in the rewards ledger, and an email to each commended merchant.
pub fn decide(
    c: &mut DbConn,
    policy: &Policy,
    actor: &Actor,
    year: i32,
    today: NaiveDate,
    note: &str,
    base_url: &str,
) -> Result<Decided, CommendationError> {
    check_year(year, today)?;
    if year >= today.year() {
        return Err(CommendationError::YearNotOver);
    }
    if policy.commendation.levels.is_empty() {
        return Err(CommendationError::NoRule);
    }
    let note = note.trim().to_string();
    if note.chars().count() > 500 {
        return Err(CommendationError::NoteTooLong);
    }
    write_tx(c, |c| {
        if decision_of(c, year)?.is_some() {
            return Err(CommendationError::AlreadyDecided);
        }
        let proposal = propose(c, policy, year, today)?;
        let chosen: Vec<&Candidate> = proposal.candidates.iter().filter(|k| k.level.is_some()).collect();
        if chosen.is_empty() {
            return Err(CommendationError::NobodyToCommend);
        }
        let made_this_year: i64 = commendation_decisions::table
            .filter(commendation_decisions::decided_on.ge(year_bounds(today.year()).0))
            .filter(commendation_decisions::decided_on.le(year_bounds(today.year()).1))
            .count()
            .get_result(c)?;
        let seq = made_this_year as i32 + 1;
        let number = format!("共治表〔{}〕{seq}号", today.year());
        let decision_id: i32 = crate::dispatch!(c, |c| diesel::insert_into(commendation_decisions::table)
            .values((
                commendation_decisions::year.eq(year),
                commendation_decisions::number.eq(&number),
                commendation_decisions::seq.eq(seq),
                commendation_decisions::decided_on.eq(today),
                commendation_decisions::decided_at.eq(now_utc()),
                commendation_decisions::decided_by.eq(actor.user_id),
                commendation_decisions::policy_version.eq(&policy.version),
                commendation_decisions::note.eq(&note),
            ))
            .returning(commendation_decisions::id)
            .get_result(c))?;
        let mut reward_total_fen = 0;
        let mut emails = 0;
        for k in &chosen {
            let rank = k.level.unwrap_or(0);
            let level: &CommendationLevel = &policy.commendation.levels[rank];
            let result = k.level_result().map(|r| r.criteria.clone()).unwrap_or_default();
            let reward_id = if level.reward_fen > 0 {
                reward_total_fen += level.reward_fen;
                Some(rewards::grant(
                    c,
                    actor,
                    &Grant {
                        merchant_id: k.merchant_id,
                        amount_fen: level.reward_fen,
                        reason: format!("{year} {}（{number}）", level.name_zh),
                        granted_on: today,
                    },
                )?)
            } else {
                None
            };
            let committee_reason = k
                .adjustment
                .as_ref()
                .filter(|a| a.action == "include")
                .map(|a| a.reason.clone());
            let criteria = serde_json::to_string(&result).map_err(anyhow::Error::from)?;
            let id: i32 = crate::dispatch!(c, |c| diesel::insert_into(commendations::table)
                .values((
                    commendations::decision_id.eq(decision_id),
                    commendations::year.eq(year),
                    commendations::merchant_id.eq(k.merchant_id),
                    commendations::merchant_name.eq(&k.name),
                    commendations::category.eq(&k.category),
                    commendations::area.eq(&k.area),
                    commendations::level.eq(&level.code),
                    commendations::level_rank.eq(rank as i32),
                    commendations::level_name_zh.eq(&level.name_zh),
                    commendations::level_name_en.eq(&level.name_en),
                    commendations::reward_fen.eq(level.reward_fen),
                    commendations::reward_id.eq(reward_id),
                    commendations::criteria.eq(&criteria),
                    commendations::committee_reason.eq(&committee_reason),
                ))
                .returning(commendations::id)
                .get_result(c))?;
            audit::append(
                c,
                actor,
                Change {
                    action: "commendation.create",
                    entity: "commendation",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "decision": number, "year": year, "merchant_id": k.merchant_id,
                        "level": level.code, "reward_fen": level.reward_fen, "reward_id": reward_id,
                        "committee_reason": committee_reason,
                    })),
                },
            )?;
            let Some(merchant) = Merchant::find(c, k.merchant_id)? else {
                continue;
            };
            if let Some(to) = merchant.mail_address(c)? {
                let mail = render::CommendationMail {
                    merchant_name: k.name.clone(),
                    year,
                    level_zh: level.name_zh.clone(),
                    level_en: level.name_en.clone(),
                    number: number.clone(),
                    number_en: format!("Decision {}-{seq}", today.year()),
                    reward_yuan: (level.reward_fen > 0).then(|| crate::domain::money::format_fen(level.reward_fen)),
                    display_until: display_until(year),
                    link: certificate_link(base_url, year),
                };
                enqueue(
                    c,
                    NewMail {
                        kind: "commendation",
                        to: &to,
                        notice_id: None,
                        rendered: render::commendation(&mail).map_err(anyhow::Error::from)?,
                    },
                    base_url,
                )?;
                emails += 1;
            }
        }
        audit::append(
            c,
            actor,
            Change {
                action: "commendation.decide",
                entity: "commendation_decision",
                entity_id: Some(decision_id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "number": number, "year": year, "decided_on": today, "note": note,
                    "policy_version": policy.version, "commended": chosen.len(),
                    "reward_total_fen": reward_total_fen,
                })),
            },
        )?;
        Ok(Decided {
            number,
            commended: chosen.len(),
            reward_total_fen,
            emails,
        })
    })
}

/// Applies the policy's revocation rule to the commendations still in force whose display year
/// covers `as_of` (for the merchants in `only`, or all): each one revoked gets its date and
/// reason, with an audit entry. Call inside the recompute's write transaction. Returns how many
/// were revoked.
pub fn apply_revocations(
    c: &mut DbConn,
    policy: &Policy,
    as_of: NaiveDate,
    actor: &Actor,
    only: Option<&[i32]>,
) -> anyhow::Result<usize> {
    let rule = policy.commendation.revoke;
    if !rule.on_serious_violation && !rule.on_black_list {
        return Ok(0);
    }
    let mut q = commendations::table
        .filter(commendations::revoked_on.is_null())
        .filter(commendations::year.ge(as_of.year() - 2))
        .filter(commendations::year.lt(as_of.year()))
        .select((commendations::id, commendations::year, commendations::merchant_id))
        .into_boxed();
    if let Some(ids) = only {
        q = q.filter(commendations::merchant_id.eq_any(ids.to_vec()));
    }
    let open: Vec<(i32, i32, i32)> = q.load(c)?;
    if open.is_empty() {
        return Ok(0);
    }
    let mut revoked = 0;
    let mut by_year: BTreeMap<i32, Vec<(i32, i32)>> = BTreeMap::new();
    for (id, year, mid) in open {
        by_year.entry(year).or_default().push((id, mid));
    }
    for (year, rows) in by_year {
        let ids: Vec<i32> = rows.iter().map(|r| r.1).collect();
        let records = load_year_records(c, year, as_of, Some(&ids))?;
        for (id, mid) in rows {
            let Some(rec) = records.get(&mid) else { continue };
            let Some(rv) = commendation::revocation(rec, &rule, year, as_of) else {
                continue;
            };
            let reason = serde_json::to_string(&rv.reason)?;
            diesel::update(commendations::table.find(id))
                .set((
                    commendations::revoked_on.eq(Some(rv.on)),
                    commendations::revoked_reason.eq(Some(&reason)),
                ))
                .execute(c)?;
            audit::append(
                c,
                actor,
                Change {
                    action: "commendation.revoke",
                    entity: "commendation",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "merchant_id": mid, "year": year, "revoked_on": rv.on, "reason": rv.reason,
                    })),
                },
            )?;
            revoked += 1;
        }
    }
    Ok(revoked)
}

/// A decided year for the index page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearSummary {
    pub year: i32,
    pub number: String,
    pub number_en: String,
    pub decided_on: NaiveDate,
    /// Commended merchants, revoked ones included.
    pub commended: i64,
    pub revoked: i64,
}

/// Every decided year, newest first.
pub fn years(c: &mut DbConn) -> QueryResult<Vec<YearSummary>> {
    let ds: Vec<Decision> = commendation_decisions::table
        .order(commendation_decisions::year.desc())
        .select(Decision::as_select())
        .load(c)?;
    let counts: Vec<(i32, Option<NaiveDate>)> = commendations::table
        .select((commendations::decision_id, commendations::revoked_on))
        .load(c)?;
    Ok(ds
        .into_iter()
        .map(|d| {
            let mine = counts.iter().filter(|(id, _)| *id == d.id);
            YearSummary {
                year: d.year,
                number_en: d.number_en(),
                number: d.number,
                decided_on: d.decided_on,
                commended: mine.clone().count() as i64,
                revoked: mine.filter(|(_, r)| r.is_some()).count() as i64,
            }
        })
        .collect())
}

/// The honour roll of a year: the decision and its commendations by level then name, optionally
/// only those of one area and/or category.
pub fn honour_roll(
    c: &mut DbConn,
    year: i32,
    area: Option<&str>,
    category: Option<&str>,
) -> QueryResult<Option<(Decision, Vec<Commendation>)>> {
    let Some(d) = decision_of(c, year)? else {
        return Ok(None);
    };
    let mut q = commendations::table
        .filter(commendations::decision_id.eq(d.id))
        .order((
            commendations::level_rank.asc(),
            commendations::merchant_name.asc(),
            commendations::id.asc(),
        ))
        .select(Commendation::as_select())
        .into_boxed();
    if let Some(a) = area {
        q = q.filter(commendations::area.eq(a.to_string()));
    }
    if let Some(k) = category {
        q = q.filter(commendations::category.eq(k.to_string()));
    }
    Ok(Some((d, q.load(c)?)))
}

/// The distinct areas and categories of a year's commended merchants, for the filters.
pub fn roll_filters(c: &mut DbConn, year: i32) -> QueryResult<(Vec<String>, Vec<String>)> {
    let rows: Vec<(String, String)> = commendations::table
        .filter(commendations::year.eq(year))
        .select((commendations::area, commendations::category))
        .load(c)?;
    let mut areas: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut cats: Vec<String> = rows.into_iter().map(|r| r.1).collect();
    areas.sort();
    areas.dedup();
    cats.sort();
    cats.dedup();
    Ok((areas, cats))
}

/// A merchant's commendations, newest year first (revoked ones included).
pub fn for_merchant(c: &mut DbConn, merchant_id: i32) -> QueryResult<Vec<Commendation>> {
    commendations::table
        .filter(commendations::merchant_id.eq(merchant_id))
        .order(commendations::year.desc())
        .select(Commendation::as_select())
        .load(c)
}

/// A merchant's commendation of `year`, with its decision.
pub fn of_merchant_year(
    c: &mut DbConn,
    merchant_id: i32,
    year: i32,
) -> QueryResult<Option<(Commendation, Decision)>> {
    commendations::table
        .inner_join(commendation_decisions::table)
        .filter(commendations::merchant_id.eq(merchant_id))
        .filter(commendations::year.eq(year))
        .select((Commendation::as_select(), Decision::as_select()))
        .first(c)
        .optional()
}

/// The commendation a plaque printed on `today` carries: the newest one still in force.
pub fn in_force_for(c: &mut DbConn, merchant_id: i32, today: NaiveDate) -> QueryResult<Option<Commendation>> {
    Ok(for_merchant(c, merchant_id)?.into_iter().find(|k| k.in_force(today)))
}
