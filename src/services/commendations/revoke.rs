//! Revocation on recompute: a commendation in its display year ends with a serious violation or
//! a black-list entry.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::*;
use crate::db::models::audit::{self, Actor, Change};
use crate::db::schema::commendations;
use crate::db::DbConn;
use crate::domain::commendation::{self};
use crate::domain::policy::Policy;

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
