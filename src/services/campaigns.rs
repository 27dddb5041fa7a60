//! Star-rating campaigns (不定期星级评比): the committee opens a round of inspections for the
//! members in scope (all, some areas or some categories), each merchant is assigned to an
//! inspector by area (editable per area and per merchant), progress is counted per inspector and
//! per area, and closing the round leads to publishing an edition.
//!
//! A merchant counts as done when it has an inspection dated within the campaign's dates.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::is_member_on;
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{campaign_merchants, campaigns, inspections, merchants, users};
use crate::db::DbConn;

/// A campaign as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: i32,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// `all`, `areas` or `categories`.
    pub scope: String,
    /// The JSON array of the stored area or category names.
    pub scope_values: String,
    /// `open` or `closed`.
    pub status: String,
    pub opened_by: Option<i32>,
    pub opened_at: NaiveDateTime,
    pub closed_by: Option<i32>,
    pub closed_at: Option<NaiveDateTime>,
}

impl Campaign {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }

    /// The stored names its scope lists (empty for all members).
    pub fn scope_names(&self) -> Vec<String> {
        serde_json::from_str(&self.scope_values).unwrap_or_default()
    }
}

/// Which merchants a campaign covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Areas(Vec<String>),
    Categories(Vec<String>),
}

impl Scope {
    fn code(&self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Areas(_) => "areas",
            Scope::Categories(_) => "categories",
        }
    }

    fn values(&self) -> &[String] {
        match self {
            Scope::All => &[],
            Scope::Areas(v) | Scope::Categories(v) => v,
        }
    }
}

/// A campaign as the committee opens it.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub scope: Scope,
}

/// Why a campaign could not be opened or changed.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("no such campaign")]
    NotFound,
    #[error("the campaign is closed")]
    Closed,
    #[error("no member merchant is in the scope")]
    EmptyScope,
    #[error("not an active inspector")]
    NotInspector,
    #[error("the merchant is not in the campaign")]
    NotInCampaign,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for CampaignError {
    fn from(e: diesel::result::Error) -> Self {
        CampaignError::Other(e.into())
    }
}

/// A merchant in scope: (id, name, area, category).
pub type ScopedMerchant = (i32, String, String, String);

/// The open merchants that are members on `on` and fall within `scope`, by area then name.
pub fn in_scope(conn: &mut DbConn, scope: &Scope, on: NaiveDate) -> QueryResult<Vec<ScopedMerchant>> {
    type Row = (i32, String, String, String, Option<NaiveDate>, Option<NaiveDate>);
    let rows: Vec<Row> = merchants::table
        .filter(merchants::status.eq("open"))
        .order((merchants::area.asc(), merchants::name.asc(), merchants::id.asc()))
        .select((
            merchants::id,
            merchants::name,
            merchants::area,
            merchants::category,
            merchants::member_since,
            merchants::member_left_on,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| is_member_on(r.4, r.5, on))
        .filter(|r| match scope {
            Scope::All => true,
            Scope::Areas(a) => a.contains(&r.2),
            Scope::Categories(c) => c.contains(&r.3),
        })
        .map(|r| (r.0, r.1, r.2, r.3))
        .collect())
}

/// The areas and categories of the open merchants, for the scope choices: (areas, categories).
pub fn scope_choices(conn: &mut DbConn) -> QueryResult<(Vec<String>, Vec<String>)> {
    let rows: Vec<(String, String)> = merchants::table
        .filter(merchants::status.eq("open"))
        .select((merchants::area, merchants::category))
        .load(conn)?;
    let areas: BTreeSet<String> = rows
        .iter()
        .map(|r| r.0.clone())
        .filter(|a| !a.is_empty())
        .collect();
    let cats: BTreeSet<String> = rows.into_iter().map(|r| r.1).filter(|c| !c.is_empty()).collect();
    Ok((areas.into_iter().collect(), cats.into_iter().collect()))
}

/// The active inspectors: (user id, display name), by id.
pub fn inspectors(conn: &mut DbConn) -> QueryResult<Vec<(i32, String)>> {
    users::table
        .filter(users::role.eq("inspector"))
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select((users::id, users::display_name))
        .load(conn)
}

fn is_inspector(c: &mut DbConn, id: i32) -> QueryResult<bool> {
    Ok(inspectors(c)?.iter().any(|i| i.0 == id))
}

fn find_in(c: &mut DbConn, id: i32) -> Result<Campaign, CampaignError> {
    campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(c)
        .optional()?
        .ok_or(CampaignError::NotFound)
}

/// Opens a campaign: snapshots the members in scope on its first day and assigns each area's
/// merchants to one inspector — `chosen[area]` when given, otherwise the inspectors in turn
/// (areas in order), so the areas are spread evenly. One transaction with its audit entry.
pub fn open(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewCampaign,
    chosen: &BTreeMap<String, i32>,
) -> Result<i32, CampaignError> {
    write_tx(conn, |c| {
        let scoped = in_scope(c, &new.scope, new.starts_on)?;
        if scoped.is_empty() {
            return Err(CampaignError::EmptyScope);
        }
        let staff = inspectors(c)?;
        for id in chosen.values() {
            if !staff.iter().any(|s| s.0 == *id) {
                return Err(CampaignError::NotInspector);
            }
        }
        let areas: BTreeSet<&str> = scoped.iter().map(|m| m.2.as_str()).collect();
        let by_area: BTreeMap<&str, Option<i32>> = areas
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let pick = chosen
                    .get(*a)
                    .copied()
                    .or_else(|| (!staff.is_empty()).then(|| staff[i % staff.len()].0));
                (*a, pick)
            })
            .collect();
        let values = serde_json::to_string(new.scope.values()).map_err(anyhow::Error::from)?;
        let id: i32 = crate::db::dispatch!(c, |c| diesel::insert_into(campaigns::table)
            .values((
                campaigns::name.eq(&new.name),
                campaigns::starts_on.eq(new.starts_on),
                campaigns::ends_on.eq(new.ends_on),
                campaigns::scope.eq(new.scope.code()),
                campaigns::scope_values.eq(&values),
                campaigns::status.eq("open"),
                campaigns::opened_by.eq(actor.user_id),
                campaigns::opened_at.eq(now_utc()),
            ))
            .returning(campaigns::id)
            .get_result(c))?;
        for (mid, _, area, _) in &scoped {
            diesel::insert_into(campaign_merchants::table)
                .values((
                    campaign_merchants::campaign_id.eq(id),
                    campaign_merchants::merchant_id.eq(mid),
                    campaign_merchants::area.eq(area),
                    campaign_merchants::inspector_id.eq(by_area[area.as_str()]),
                ))
                .execute(c)?;
        }
        audit::append(
            c,
            actor,
            Change {
                action: "campaign.open",
                entity: "campaign",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "name": new.name, "starts_on": new.starts_on, "ends_on": new.ends_on,
                    "scope": new.scope.code(), "scope_values": new.scope.values(),
                    "merchants": scoped.len(), "assigned": by_area,
                })),
            },
        )?;
        Ok(id)
    })
}

/// What to reassign: every merchant of an area, or one merchant.
#[derive(Debug, Clone)]
pub enum Target {
    Area(String),
    Merchant(i32),
}

/// Assigns an area's merchants (or one merchant) of an open campaign to `inspector`; returns how
/// many rows changed. One transaction with its audit entry.
pub fn assign(
    conn: &mut DbConn,
    actor: &Actor,
    campaign: i32,
    target: &Target,
    inspector: i32,
) -> Result<usize, CampaignError> {
    write_tx(conn, |c| {
        if !find_in(c, campaign)?.is_open() {
            return Err(CampaignError::Closed);
        }
        if !is_inspector(c, inspector)? {
            return Err(CampaignError::NotInspector);
        }
        let rows = campaign_merchants::table.filter(campaign_merchants::campaign_id.eq(campaign));
        let changed = match target {
            Target::Area(a) => diesel::update(rows.filter(campaign_merchants::area.eq(a)))
                .set(campaign_merchants::inspector_id.eq(inspector))
                .execute(c)?,
            Target::Merchant(m) => diesel::update(rows.filter(campaign_merchants::merchant_id.eq(m)))
                .set(campaign_merchants::inspector_id.eq(inspector))
                .execute(c)?,
        };
        if changed == 0 {
            return Err(CampaignError::NotInCampaign);
        }
        let (area, merchant) = match target {
            Target::Area(a) => (Some(a.clone()), None),
            Target::Merchant(m) => (None, Some(*m)),
        };
        audit::append(
            c,
            actor,
            Change {
                action: "campaign.assign",
                entity: "campaign",
                entity_id: Some(campaign.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "area": area, "merchant_id": merchant, "inspector_id": inspector, "merchants": changed,
                })),
            },
        )?;
        Ok(changed)
    })
}

/// Closes an open campaign; returns how many merchants were left unfinished. One transaction
/// with its audit entry.
pub fn close(conn: &mut DbConn, actor: &Actor, campaign: i32) -> Result<usize, CampaignError> {
    write_tx(conn, |c| {
        let found = find_in(c, campaign)?;
        if !found.is_open() {
            return Err(CampaignError::Closed);
        }
        let rows = merchants_of(c, &found)?;
        let unfinished = rows.iter().filter(|r| r.done_on.is_none()).count();
        diesel::update(campaigns::table.find(campaign))
            .set((
                campaigns::status.eq("closed"),
                campaigns::closed_by.eq(actor.user_id),
                campaigns::closed_at.eq(now_utc()),
            ))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "campaign.close",
                entity: "campaign",
                entity_id: Some(campaign.to_string()),
                before: Some(serde_json::json!({"status": "open"})),
                after: Some(serde_json::json!({
                    "status": "closed", "merchants": rows.len(), "unfinished": unfinished,
                })),
            },
        )?;
        Ok(unfinished)
    })
}

/// One campaign by id.
pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Campaign>> {
    campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
        .optional()
}

/// A merchant of a campaign with its inspector and whether it is done.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignMerchant {
    pub merchant_id: i32,
    pub name: String,
    pub area: String,
    pub inspector_id: Option<i32>,
    pub inspector_name: Option<String>,
    /// The first inspection within the campaign's dates, if any.
    pub done_on: Option<NaiveDate>,
}

/// A campaign's merchants: still to inspect first, then done; by area and name.
pub fn merchants_of(conn: &mut DbConn, campaign: &Campaign) -> QueryResult<Vec<CampaignMerchant>> {
    type Row = (i32, String, String, Option<i32>, Option<String>);
    let rows: Vec<Row> = campaign_merchants::table
        .inner_join(merchants::table)
        .left_join(users::table)
        .filter(campaign_merchants::campaign_id.eq(campaign.id))
        .select((
            campaign_merchants::merchant_id,
            merchants::name,
            campaign_merchants::area,
            campaign_merchants::inspector_id,
            users::display_name.nullable(),
        ))
        .load(conn)?;
    let done = done_on(conn, campaign, &rows.iter().map(|r| r.0).collect::<Vec<_>>())?;
    let mut out: Vec<CampaignMerchant> = rows
        .into_iter()
        .map(
            |(merchant_id, name, area, inspector_id, inspector_name)| CampaignMerchant {
                done_on: done.get(&merchant_id).copied(),
                merchant_id,
                name,
                area,
                inspector_id,
                inspector_name,
            },
        )
        .collect();
    out.sort_by(|a, b| {
        (a.done_on.is_some(), &a.area, &a.name, a.merchant_id).cmp(&(
            b.done_on.is_some(),
            &b.area,
            &b.name,
            b.merchant_id,
        ))
    });
    Ok(out)
}

/// The first inspection date within the campaign's dates of each of `ids` that has one.
fn done_on(conn: &mut DbConn, campaign: &Campaign, ids: &[i32]) -> QueryResult<BTreeMap<i32, NaiveDate>> {
    let mut done = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i32, NaiveDate)> = inspections::table
            .filter(inspections::merchant_id.eq_any(chunk))
            .filter(inspections::inspected_on.ge(campaign.starts_on))
            .filter(inspections::inspected_on.le(campaign.ends_on))
            .select((inspections::merchant_id, inspections::inspected_on))
            .load(conn)?;
        for (m, d) in rows {
            done.entry(m)
                .and_modify(|x: &mut NaiveDate| *x = (*x).min(d))
                .or_insert(d);
        }
    }
    Ok(done)
}

/// Done out of assigned, for one inspector or one area.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: usize,
    pub assigned: usize,
}

impl Progress {
    /// Whole percent done (0 when nothing is assigned).
    pub fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.assigned).unwrap_or(0)
    }

    fn add(&mut self, done: bool) {
        self.assigned += 1;
        self.done += usize::from(done);
    }
}

/// Progress overall, per inspector (by id; `None` = unassigned) and per area.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub overall: Progress,
    pub by_inspector: BTreeMap<Option<i32>, (String, Progress)>,
    pub by_area: BTreeMap<String, Progress>,
}

/// Counts a campaign's merchants.
pub fn tally(rows: &[CampaignMerchant]) -> Tally {
    let mut t = Tally::default();
    for r in rows {
        let done = r.done_on.is_some();
        t.overall.add(done);
        t.by_inspector
            .entry(r.inspector_id)
            .or_insert_with(|| (r.inspector_name.clone().unwrap_or_default(), Progress::default()))
            .1
            .add(done);
        t.by_area.entry(r.area.clone()).or_default().add(done);
    }
    t
}

/// Every campaign, newest first, with its overall progress.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<(Campaign, Progress)>> {
    let all: Vec<Campaign> = campaigns::table
        .order(campaigns::id.desc())
        .select(Campaign::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(all.len());
    for c in all {
        let rows = merchants_of(conn, &c)?;
        let p = tally(&rows).overall;
        out.push((c, p));
    }
    Ok(out)
}

/// How many merchants are assigned to `user_id` in open campaigns and not yet inspected within
/// their campaign's dates (the staff work queue's "campaign assignments").
pub fn open_assignments(conn: &mut DbConn, user_id: i32) -> QueryResult<i64> {
    use diesel::dsl::{exists, not};
    // One query, however many campaigns are open: the user's assignments in open campaigns with
    // no inspection of the merchant within the campaign's dates (as `done_on` counts them).
    campaign_merchants::table
        .inner_join(campaigns::table)
        .filter(campaigns::status.eq("open"))
        .filter(campaign_merchants::inspector_id.eq(user_id))
        .filter(not(exists(
            inspections::table
                .filter(inspections::merchant_id.eq(campaign_merchants::merchant_id))
                .filter(inspections::inspected_on.ge(campaigns::starts_on))
                .filter(inspections::inspected_on.le(campaigns::ends_on)),
        )))
        .count()
        .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(area: &str, inspector: Option<i32>, done: bool) -> CampaignMerchant {
        CampaignMerchant {
            merchant_id: 1,
            name: "x".into(),
            area: area.into(),
            inspector_id: inspector,
            inspector_name: inspector.map(|i| format!("i{i}")),
            done_on: done.then(|| NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()),
        }
    }

    #[test]
    fn tally_counts_per_inspector_and_area() {
        let t = tally(&[
            row("东", Some(1), true),
            row("东", Some(1), false),
            row("西", Some(2), false),
        ]);
        assert_eq!(t.overall, Progress { done: 1, assigned: 3 });
        assert_eq!(t.by_inspector[&Some(1)].1, Progress { done: 1, assigned: 2 });
        assert_eq!(t.by_area["西"], Progress { done: 0, assigned: 1 });
        assert_eq!(t.overall.percent(), 33);
        assert_eq!(Progress::default().percent(), 0);
    }
}
