//! The decision (表彰决定): everything it writes, in one transaction.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use super::*;
use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::Merchant;
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{commendation_decisions, commendations};
use crate::db::DbConn;
use crate::domain::commendation::{display_until, year_bounds};
use crate::domain::policy::{CommendationLevel, Policy};
use crate::mail::outbox::{enqueue, NewMail};
use crate::mail::render;
use crate::services::rewards::{self, Grant};

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
        let decision_id: i32 =
            crate::db::dispatch!(c, |c| diesel::insert_into(commendation_decisions::table)
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
            let id: i32 = crate::db::dispatch!(c, |c| diesel::insert_into(commendations::table)
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
                    reward_yuan: (level.reward_fen > 0)
                        .then(|| crate::domain::money::format_fen(level.reward_fen)),
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
