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

mod register;
mod validate;

pub use register::*;
pub use validate::*;

#[cfg(test)]
mod tests;

/// Merchants per page in the staff list and the JSON search.
pub const PAGE_SIZE: i64 = 20;

/// Longest phone number, in characters.
const MAX_PHONE: usize = 30;

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
        // A closed merchant is no longer inspected: no due date.
        crate::services::programme::clear(c, id)?;
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
