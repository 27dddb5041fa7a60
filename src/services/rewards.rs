//! Rewards (奖励) granted to excellent merchants, and the ledger with its totals.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::Merchant;
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{merchants, rewards};
use crate::db::DbConn;

/// A reward with the merchant's name, as the ledger shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RewardRow {
    pub id: i32,
    pub merchant_id: i32,
    pub merchant_name: String,
    pub amount_fen: i64,
    pub reason: String,
    pub granted_on: NaiveDate,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub created_at: NaiveDateTime,
}

/// A validated grant.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub merchant_id: i32,
    pub amount_fen: i64,
    pub reason: String,
    pub granted_on: NaiveDate,
}

/// Why a grant was refused.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("no merchant {0}")]
    NoMerchant(i32),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for GrantError {
    fn from(e: diesel::result::Error) -> Self {
        GrantError::Other(e.into())
    }
}

/// Grants a reward in one transaction with its audit entry; returns its id.
pub fn grant(conn: &mut DbConn, actor: &Actor, g: &Grant) -> Result<i32, GrantError> {
    write_tx(conn, |c| {
        if Merchant::find(c, g.merchant_id)?.is_none() {
            return Err(GrantError::NoMerchant(g.merchant_id));
        }
        let id: i32 = crate::db::dispatch!(c, |c| diesel::insert_into(rewards::table)
            .values((
                rewards::merchant_id.eq(g.merchant_id),
                rewards::amount_fen.eq(g.amount_fen),
                rewards::reason.eq(&g.reason),
                rewards::granted_on.eq(g.granted_on),
                rewards::granted_by.eq(actor.user_id),
                rewards::created_at.eq(now_utc()),
            ))
            .returning(rewards::id)
            .get_result(c))?;
        audit::append(
            c,
            actor,
            Change {
                action: "reward.create",
                entity: "reward",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::to_value(g).map_err(anyhow::Error::from)?),
            },
        )?;
        Ok(id)
    })
}

/// The ledger: every reward newest first, with totals by year and by merchant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ledger {
    pub rewards: Vec<RewardRow>,
    pub total_fen: i64,
    /// (year, total fen), newest year first.
    pub by_year: Vec<(i32, i64)>,
    /// (merchant id, name, total fen), largest first.
    pub by_merchant: Vec<(i32, String, i64)>,
}

/// Reads the whole ledger.
pub fn ledger(conn: &mut DbConn) -> QueryResult<Ledger> {
    let rows: Vec<(i32, i32, String, i64, String, NaiveDate, NaiveDateTime)> = rewards::table
        .inner_join(merchants::table)
        .order((rewards::granted_on.desc(), rewards::id.desc()))
        .select((
            rewards::id,
            rewards::merchant_id,
            merchants::name,
            rewards::amount_fen,
            rewards::reason,
            rewards::granted_on,
            rewards::created_at,
        ))
        .load(conn)?;
    let rewards: Vec<RewardRow> = rows
        .into_iter()
        .map(
            |(id, merchant_id, merchant_name, amount_fen, reason, granted_on, created_at)| RewardRow {
                id,
                merchant_id,
                merchant_name,
                amount_fen,
                reason,
                granted_on,
                created_at,
            },
        )
        .collect();
    let mut by_year: std::collections::BTreeMap<i32, i64> = Default::default();
    let mut by_merchant: std::collections::BTreeMap<(i32, String), i64> = Default::default();
    for r in &rewards {
        *by_year.entry(r.granted_on.year()).or_default() += r.amount_fen;
        *by_merchant
            .entry((r.merchant_id, r.merchant_name.clone()))
            .or_default() += r.amount_fen;
    }
    let mut by_merchant: Vec<(i32, String, i64)> =
        by_merchant.into_iter().map(|((i, n), t)| (i, n, t)).collect();
    by_merchant.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    Ok(Ledger {
        total_fen: rewards.iter().map(|r| r.amount_fen).sum(),
        by_year: by_year.into_iter().rev().collect(),
        by_merchant,
        rewards,
    })
}
