//! The demo town: forty merchants of several kinds with two calendar years of history — from
//! 1 January of the previous year to today: members joining and leaving the alliance, routine
//! inspections and self-checks, violations with rectification notices (verified on time, late,
//! overdue, open), complaints, trainings, rewards, and the red and black lists published every
//! two months — and the accounts to look at it all. Loaded by `gongzhi demo` and on the first
//! start of an empty database.
//!
//! `town` says who is who and when things happen; `history` writes the inspections and notices,
//! `community` the complaints, trainings and rewards, each record on its day; [`load`] puts it together and publishes the editions in date order, so every
//! merchant's rating history has a point at each edition where its rating changed.

mod bulletins;
mod community;
mod history;
mod membership;
mod town;

use chrono::{Datelike, NaiveDate};

use crate::config::Config;
use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::{Merchant, NewMerchant};
use crate::db::models::{now_utc, write_tx};
use crate::db::DbConn;
use crate::domain::credit_code::CreditCode;
use crate::domain::policy::Policy;
use crate::domain::words::Role;
use crate::services::users::{add_user_unchecked_password, UserSpec};
use town::{Calendar, Rng, AREAS, CONTACTS, MERCHANTS, STREETS};

/// The demo accounts' password; the start-up banner and README show it. Turn the demo off in
/// production with `GONGZHI_DEMO=false`; `serve` refuses to expose accounts that still have it on
/// an address other than loopback unless `GONGZHI_DEMO=true` is set on purpose.
pub const DEMO_PASSWORD: &str = "gongzhi-demo";

/// Salts the demo complaints' client hashes when the database has no application secret.
const DEMO_SALT: &[u8] = b"gongzhi-demo-complaints";

/// The demo accounts: (user name, role, what it is for).
pub const DEMO_ACCOUNTS: &[(&str, Role, &str)] = &[
    ("admin", Role::Admin, "管理员 administrator"),
    ("committee", Role::Committee, "联盟委员会 alliance committee"),
    ("inspector", Role::Inspector, "检查员 inspector"),
    ("merchant", Role::Merchant, "商家 merchant (老王家常菜馆)"),
];

/// Loads the demo town when the database has no merchants; returns whether it did.
pub fn load_if_empty(conn: &mut DbConn, policy: &Policy, config: &Config) -> anyhow::Result<bool> {
    if Merchant::count(conn)? > 0 {
        return Ok(false);
    }
    // Complaints store a salted hash of the client, salted as the live ones are; a database
    // without a secret yet (`gongzhi demo` before the first `serve`) gets the demo's own salt.
    let secret = crate::services::plaque::app_secret(conn, config.session_secret.as_deref())
        .unwrap_or_else(|_| DEMO_SALT.to_vec());
    load(conn, policy, config.today(), &config.base_url, &secret)?;
    Ok(true)
}

/// Makes the town's categories and areas (with their English names) part of the policy in force,
/// as a new version `{version}+demo`, unless the policy declares some already; returns the new
/// policy, which the rest of the demo is written under.
fn declare_town_names(conn: &mut DbConn, actor: &Actor, policy: &Policy) -> anyhow::Result<Option<Policy>> {
    if !policy.categories.is_empty() || !policy.areas.is_empty() {
        return Ok(None);
    }
    let body = crate::services::policy::active_body(conn)?;
    let version = format!("{}+demo", policy.version);
    let body = town::with_town_names(&body, &policy.version, &version);
    match crate::services::policy::load(conn, actor, &body) {
        Ok(p) => Ok(Some(p)),
        // Already loaded once (a demo loaded again into an emptied database): keep the policy.
        Err(crate::services::policy::LoadError::DuplicateVersion(_)) => Ok(None),
        Err(e) => Err(anyhow::anyhow!("the demo town's categories and areas: {e}")),
    }
}

/// The demo accounts that can still be entered with the published demo password (active, and
/// the password unchanged), by user name.
pub fn accounts_with_demo_password(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    for (username, _, _) in DEMO_ACCOUNTS {
        if let Some(u) = crate::db::models::user::User::find_by_username(conn, username)? {
            if u.active && crate::services::auth::verify_password(DEMO_PASSWORD, &u.password_hash) {
                found.push(u.username);
            }
        }
    }
    Ok(found)
}

/// The demo's people: the merchants' ids (in the order of [`MERCHANTS`]), the staff accounts
/// that acted, and the audit actor of everything the demo writes.
pub(super) struct Town {
    pub(super) merchants: Vec<i32>,
    pub(super) inspector: i32,
    pub(super) committee: i32,
    pub(super) actor: Actor,
    /// The day the town is loaded as of.
    pub(super) today: NaiveDate,
    /// Audit entries not yet appended.
    journal: Vec<Entry>,
}

/// An audit entry waiting in the journal: (action, entity, entity id, state after).
type Entry = (String, &'static str, Option<String>, serde_json::Value);

impl Town {
    /// Notes the audit entry of a record the demo created.
    pub(super) fn created<T: serde::Serialize>(
        &mut self,
        entity: &'static str,
        id: i32,
        value: &T,
    ) -> anyhow::Result<()> {
        let after = serde_json::to_value(value)?;
        self.journal
            .push((format!("{entity}.create"), entity, Some(id.to_string()), after));
        Ok(())
    }

    /// Notes an audit entry.
    pub(super) fn log(
        &mut self,
        action: &str,
        entity: &'static str,
        id: Option<i32>,
        after: serde_json::Value,
    ) {
        self.journal
            .push((action.to_string(), entity, id.map(|i| i.to_string()), after));
    }

    /// Appends the noted entries to the audit log in one batch (one read of the chain's last
    /// hash, multi-row inserts), in the order they were noted.
    pub(super) fn flush(&mut self, c: &mut DbConn) -> anyhow::Result<()> {
        let entries = std::mem::take(&mut self.journal);
        let changes = entries
            .iter()
            .map(|(action, entity, id, after)| Change {
                action,
                entity,
                entity_id: id.clone(),
                before: None,
                after: Some(after.clone()),
            })
            .collect();
        audit::append_many(c, &self.actor, changes)?;
        Ok(())
    }
}

/// Registers the merchants with their membership; returns their ids.
fn merchants(c: &mut DbConn, rng: &mut Rng, cal: &Calendar, town: &mut Town) -> anyhow::Result<()> {
    for (i, (name, category)) in MERCHANTS.iter().enumerate() {
        let area = AREAS[i % AREAS.len()];
        let street = STREETS[rng.below(STREETS.len() as u64) as usize];
        let (member_since, member_left_on) = town::membership(i, cal);
        // Registered on the day of the first record, or when it joined if earlier.
        let registered = member_since
            .unwrap_or(cal.start)
            .min(cal.start)
            .and_hms_opt(2, 0, 0)
            .unwrap_or_else(now_utc);
        let new = NewMerchant {
            name: (*name).into(),
            credit_code: Some(CreditCode::generate(1_000 + i as u64 * 7919).as_str().to_string()),
            category: (*category).into(),
            address: format!("{area}{street}{}号", 1 + rng.below(200)),
            area: area.into(),
            contact_name: CONTACTS[i % CONTACTS.len()].into(),
            email: format!("shop{:02}@merchants.gongzhi.localhost", i + 1),
            phone: format!("1380571{:04}", 1000 + i),
            member_since,
            member_left_on,
            external_source: None,
            external_id: None,
            created_at: registered,
            updated_at: registered,
        };
        let id = Merchant::insert(c, &new)?;
        town.created("merchant", id, &new)?;
        town.merchants.push(id);
    }
    town.flush(c)
}

/// Writes the demo town as of `today` in one transaction: its history from 1 January of the
/// previous year, the red and black lists published every two months at their dates, and
/// everyone's rating as of today. `secret` salts the complaints' client hashes.
pub fn load(
    conn: &mut DbConn,
    policy: &Policy,
    today: NaiveDate,
    base_url: &str,
    secret: &[u8],
) -> anyhow::Result<()> {
    let actor = Actor::system("demo");
    let cal = Calendar::new(today);
    let mut rng = Rng(0x6f6e_677a_6869_2026);
    write_tx(conn, |c| -> anyhow::Result<()> {
        let declared = declare_town_names(c, &actor, policy)?;
        let policy = declared.as_ref().unwrap_or(policy);
        let mut town = Town {
            merchants: Vec::with_capacity(MERCHANTS.len()),
            inspector: 0,
            committee: 0,
            actor: actor.clone(),
            today,
            journal: Vec::new(),
        };
        merchants(c, &mut rng, &cal, &mut town)?;
        let mut users = Vec::new();
        for (username, role, display) in DEMO_ACCOUNTS {
            let spec = UserSpec {
                username,
                password: DEMO_PASSWORD,
                role: role.as_str(),
                merchant_id: (*role == Role::Merchant).then_some(town.merchants[0]),
                display_name: display,
                email: &format!("{username}@gongzhi.localhost"),
            };
            users.push(add_user_unchecked_password(c, &actor, &spec).map_err(|e| anyhow::anyhow!("{e}"))?);
        }
        (town.inspector, town.committee) = (users[2], users[1]);

        history::routine_inspections(c, policy, &mut rng, &mut town, &cal)?;
        let notices = history::violations_and_notices(c, policy, &mut rng, &mut town, &cal)?;
        for id in notices.open {
            // A real email in the outbox: it goes out once SMTP is configured.
            crate::services::notices::queue_issue_email(c, id, base_url, today)?;
        }
        community::complaints(c, policy, &mut rng, &mut town, &cal, secret)?;
        community::trainings_and_attendance(c, &mut town, &cal)?;
        community::upcoming_trainings(c, &mut town, users[3])?;
        community::rewards(c, &mut town, &cal)?;
        bulletins::bulletins(c, &mut town, &cal)?;
        town.flush(c)?;
        membership::charter_and_applicants(c, &town, &cal)?;

        // The red and black lists as published every two months, each rating the town as of its
        // day (publishing recomputes everyone first), oldest first.
        for day in cal.edition_days() {
            let note = format!("{}年{}月", day.year(), day.month());
            crate::services::editions::publish(c, policy, day, &actor, &note)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        // The committee decides the previous year's commendation on 20 January (or today, in the
        // first days of a year), on the records of that day; what happens later in the year
        // (一品豆花's serious violation) revokes one at the final recompute below.
        let previous = today.year() - 1;
        let decided_on = chrono::NaiveDate::from_ymd_opt(today.year(), 1, 20)
            .unwrap_or(today)
            .min(today);
        if !policy.commendation.levels.is_empty() {
            let committee = Actor::user(town.committee, "committee");
            crate::services::commendations::decide(
                c,
                policy,
                &committee,
                previous,
                decided_on,
                &format!("表彰{previous}年度表现全面良好的联盟成员商家。"),
                base_url,
            )
            .map_err(|e| anyhow::anyhow!("the demo's commendation of {previous}: {e}"))?;
        }

        // Branch campaigns: a star-rating campaign under way (opened three weeks ago for every
        // member, the inspector's assignment partly done by the inspections since).
        let committee = Actor::user(town.committee, "committee");
        let campaign = crate::services::campaigns::NewCampaign {
            name: format!("{}年冬季星级评比", today.year()),
            starts_on: today - chrono::Duration::days(21),
            ends_on: today + chrono::Duration::days(30),
            scope: crate::services::campaigns::Scope::All,
        };
        crate::services::campaigns::open(c, &committee, &campaign, &Default::default())
            .map_err(|e| anyhow::anyhow!("the demo's campaign: {e}"))?;

        // Rate everyone as of today in the same transaction: the demo town appears whole or not
        // at all.
        crate::services::rating::recompute_in_tx(c, policy, today, &actor, None)?;
        Ok(())
    })
}
