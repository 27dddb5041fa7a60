//! The rating policy in force: stored in the database by version, the shipped default installed
//! on first start.

use diesel::prelude::*;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::policies;
use crate::db::DbConn;
use crate::domain::policy::{Policy, PolicyError, DEFAULT_POLICY_TOML};

/// The running server's copy of the active policy, kept in step with the database: after
/// `gongzhi policy load` (another process) every reader gets the new policy on its next look,
/// without a restart. Looking costs one indexed query for the active policy's id; the policy is
/// parsed again only when that id changes.
#[derive(Debug)]
pub struct PolicyStore {
    current: std::sync::RwLock<(Option<i32>, std::sync::Arc<Policy>)>,
}

impl PolicyStore {
    /// A store that starts from `policy` (the one read at start-up); the first
    /// [`current`](Self::current) checks it against the database.
    pub fn new(policy: Policy) -> Self {
        Self {
            current: std::sync::RwLock::new((None, std::sync::Arc::new(policy))),
        }
    }

    /// The policy this server last read, without asking the database: for what only words
    /// depend on (the English names of categories and areas on pages kept without a version
    /// check), where a policy loaded elsewhere may show a moment late.
    pub fn latest(&self) -> std::sync::Arc<Policy> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).1.clone()
    }

    /// The active policy now: re-read from the database when its id has changed.
    pub fn current(&self, conn: &mut DbConn) -> anyhow::Result<std::sync::Arc<Policy>> {
        let id = active_id(conn)?;
        self.current_with_id(conn, id)
    }

    /// [`current`](Self::current) when the caller has just read the active policy's id (`id`,
    /// from [`active_id`] or a query that reads it too, in the same transaction): one query less.
    pub fn current_with_id(
        &self,
        conn: &mut DbConn,
        id: Option<i32>,
    ) -> anyhow::Result<std::sync::Arc<Policy>> {
        {
            let cur = self.current.read().unwrap_or_else(|e| e.into_inner());
            if cur.0.is_some() && cur.0 == id {
                return Ok(cur.1.clone());
            }
        }
        let policy = std::sync::Arc::new(active_policy(conn)?);
        let id = active_id(conn)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = (id, policy.clone());
        Ok(policy)
    }
}

/// The id of the active policy row (the newest one loaded).
/// (Asked by every page that rates or explains: on the backend's own connection.)
pub fn active_id(conn: &mut DbConn) -> QueryResult<Option<i32>> {
    crate::db::dispatch!(conn, |c| policies::table
        .filter(policies::active.eq(true))
        .order(policies::id.desc())
        .select(policies::id)
        .first(c)
        .optional())
}

/// The active policy, installing the shipped default when there is none yet.
pub fn active_policy(conn: &mut DbConn) -> anyhow::Result<Policy> {
    let body: Option<String> = policies::table
        .filter(policies::active.eq(true))
        .order(policies::id.desc())
        .select(policies::body)
        .first(conn)
        .optional()?;
    if let Some(body) = body {
        return parsed(body).map_err(|e| anyhow::anyhow!("stored policy is invalid: {e}"));
    }
    let policy = Policy::from_toml(DEFAULT_POLICY_TOML)
        .map_err(|e| anyhow::anyhow!("shipped policy.toml is invalid: {e}"))?;
    install(conn, &Actor::system("first-start"), &policy, DEFAULT_POLICY_TOML)?;
    Ok(policy)
}

/// The policies this process parsed last, by their text: parsing and validating the TOML was a
/// fifth of every logged inspection's time (`recompute_merchant` reads the active policy inside
/// the write), and the same text always gives the same policy. A few are kept, for a process that
/// serves several databases (the tests).
static PARSED: std::sync::Mutex<Vec<(String, Policy)>> = std::sync::Mutex::new(Vec::new());
const PARSED_KEPT: usize = 4;

/// `body` parsed and validated, from [`PARSED`] when this text was parsed before.
fn parsed(body: String) -> Result<Policy, PolicyError> {
    {
        let kept = PARSED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, p)) = kept.iter().find(|(b, _)| *b == body) {
            return Ok(p.clone());
        }
    }
    let policy = Policy::from_toml(&body)?;
    let mut kept = PARSED.lock().unwrap_or_else(|e| e.into_inner());
    if kept.len() >= PARSED_KEPT {
        kept.remove(0);
    }
    kept.push((body, policy.clone()));
    Ok(policy)
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file does not validate; the message names the key.
    #[error("{0}")]
    Invalid(#[from] PolicyError),
    /// A policy with this version exists already; versions are immutable.
    #[error("policy version {0:?} exists already; give the new policy a new version")]
    DuplicateVersion(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Validates `body` and makes it the active policy, in one transaction with its audit entry.
pub fn load(conn: &mut DbConn, actor: &Actor, body: &str) -> Result<Policy, LoadError> {
    let policy = Policy::from_toml(body)?;
    install(conn, actor, &policy, body)?;
    Ok(policy)
}

fn install(conn: &mut DbConn, actor: &Actor, policy: &Policy, body: &str) -> Result<(), LoadError> {
    write_tx(conn, |c| {
        let exists: i64 = policies::table
            .filter(policies::version.eq(&policy.version))
            .count()
            .get_result(c)?;
        if exists > 0 {
            return Err(LoadError::DuplicateVersion(policy.version.clone()));
        }
        diesel::update(policies::table)
            .set(policies::active.eq(false))
            .execute(c)?;
        diesel::insert_into(policies::table)
            .values((
                policies::version.eq(&policy.version),
                policies::body.eq(body),
                policies::active.eq(true),
                policies::loaded_by.eq(actor.user_id),
                policies::loaded_at.eq(now_utc()),
            ))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "policy.load",
                entity: "policy",
                entity_id: Some(policy.version.clone()),
                before: None,
                after: Some(serde_json::json!({ "version": policy.version })),
            },
        )?;
        Ok(())
    })
}

/// The TOML text of the active policy.
pub fn active_body(conn: &mut DbConn) -> QueryResult<String> {
    policies::table
        .filter(policies::active.eq(true))
        .order(policies::id.desc())
        .select(policies::body)
        .first(conn)
}
