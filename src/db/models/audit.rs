//! The audit log: every write appends an entry, and entries are hash-chained so that an edit or
//! deletion of history is detectable (`gongzhi audit verify`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::now_utc;
use crate::db::schema::audit_log;
use crate::db::DbConn;

/// The hash the first entry chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i32,
    pub at: NaiveDateTime,
    pub actor_id: Option<i32>,
    pub actor_label: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Who did something: a user, or the system itself (a CLI command, the scheduler).
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user, when there is one.
    pub user_id: Option<i32>,
    /// What the log shows: a username or `system:…`.
    pub label: String,
}

impl Actor {
    /// The program acting on its own behalf, e.g. `Actor::system("demo")`.
    pub fn system(what: &str) -> Self {
        Self {
            user_id: None,
            label: format!("system:{what}"),
        }
    }

    /// A logged-in user.
    pub fn user(id: i32, username: &str) -> Self {
        Self {
            user_id: Some(id),
            label: username.to_string(),
        }
    }
}

/// What to append: the change, with its state before and after as JSON.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev: &str,
    at: &str,
    actor_id: Option<i32>,
    actor_label: &str,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    // Fields are length-prefixed so that moving text between fields changes the hash.
    for part in [
        prev,
        at,
        &actor_id.map(|i| i.to_string()).unwrap_or_default(),
        actor_label,
        action,
        entity,
        entity_id.unwrap_or("\u{0}"),
        before.unwrap_or("\u{0}"),
        after.unwrap_or("\u{0}"),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// How an entry's time enters its hash.
fn hashed_time(at: &NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// An owned entry, for batch inserts.
#[derive(Insertable)]
#[diesel(table_name = audit_log)]
#[diesel(treat_none_as_default_value = false)]
struct OwnedEntry {
    at: NaiveDateTime,
    actor_id: Option<i32>,
    actor_label: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
}

/// The hash of the newest entry (or the genesis hash), in one statement: on PostgreSQL a
/// merchant's write holds the chain's lock from here to its commit.
fn last_hash(conn: &mut DbConn) -> QueryResult<String> {
    let last: Option<String> = audit_log::table
        .order(audit_log::id.desc())
        .select(audit_log::hash)
        .first(conn)
        .optional()?;
    Ok(last.unwrap_or_else(|| GENESIS.to_string()))
}

/// Appends many entries at once, chained in order: one read of the last hash and multi-row
/// inserts, for bulk work such as a full recompute. Call it inside the write transaction.
pub fn append_many(conn: &mut DbConn, actor: &Actor, changes: Vec<Change<'_>>) -> QueryResult<()> {
    append_many_after(conn, actor, &mut None, changes)
}

/// A [`Change`] whose states are already JSON text: bulk imports serialise their new rows
/// straight to text (a third of a large import's own time went to building `Value`s first).
pub struct SerializedChange<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl<'a> SerializedChange<'a> {
    /// The creation of `entity` `id`, whose state after is `new`.
    pub fn created<T: Serialize>(
        action: &'a str,
        entity: &'a str,
        id: i32,
        new: &T,
    ) -> serde_json::Result<Self> {
        Ok(Self {
            action,
            entity,
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::to_string(new)?),
        })
    }
}

/// [`append_many`] for changes already serialised.
pub fn append_serialized<'a>(
    conn: &mut DbConn,
    actor: &Actor,
    changes: impl IntoIterator<Item = SerializedChange<'a>>,
) -> QueryResult<()> {
    append_after(conn, actor, &mut None, changes)
}

/// [`append_many`] in several calls of one transaction: `tip` keeps the chain's last hash
/// between them (read from the log on the first call), so that each call does not look it up
/// again. A full recompute appends slice by slice this way; on PostgreSQL, whose statistics
/// inside that long transaction still say the log is as it was, each look-up could take 0.1 s.
pub fn append_many_after(
    conn: &mut DbConn,
    actor: &Actor,
    tip: &mut Option<String>,
    changes: Vec<Change<'_>>,
) -> QueryResult<()> {
    // `to_string` writes the same text as `Value`'s `Display`, without going through a formatter.
    let text = |v: serde_json::Value| serde_json::to_string(&v).expect("a JSON value serialises");
    append_after(
        conn,
        actor,
        tip,
        changes.into_iter().map(|c| SerializedChange {
            action: c.action,
            entity: c.entity,
            entity_id: c.entity_id,
            before: c.before.map(text),
            after: c.after.map(text),
        }),
    )
}

/// An entry waiting for the end of its merchant's write ([`Deferral`]).
struct Deferred {
    actor: Actor,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

thread_local! {
    /// The entries of the merchant's write open on this thread, in the order they were appended;
    /// `None` when no such write is open (entries are then written at once).
    static DEFERRED: std::cell::RefCell<Option<Vec<Deferred>>> = const { std::cell::RefCell::new(None) };
}

/// While alive, entries appended on this thread wait in memory and [`Deferral::append_now`]
/// writes them, chained in the same order: one merchant's write (`write_tx_for_merchant`) puts
/// its entries in the chain at its very end, so that on PostgreSQL it holds the chain's lock only
/// from there to its commit, and reads the chain's last hash once. Dropping it (an error, a
/// panic) forgets what was not written, with the transaction that rolls back.
pub(crate) struct Deferral(());

impl Deferral {
    pub(crate) fn begin() -> Self {
        DEFERRED.with(|d| {
            let mut d = d.borrow_mut();
            debug_assert!(d.is_none(), "one merchant's write at a time on a thread");
            *d = Some(Vec::new());
        });
        Deferral(())
    }

    /// Writes the waiting entries (after `lock`, run first when there are any) and ends the
    /// deferral: an entry appended after this is written at once.
    pub(crate) fn append_now(&self, conn: &mut DbConn, lock: Option<&str>) -> QueryResult<()> {
        let waiting = DEFERRED.with(|d| d.borrow_mut().take()).unwrap_or_default();
        if waiting.is_empty() {
            return Ok(());
        }
        if let Some(lock) = lock {
            use diesel::connection::SimpleConnection;
            conn.batch_execute(lock)?;
        }
        let mut tip = None;
        let mut waiting = waiting.into_iter().peekable();
        while let Some(first) = waiting.next() {
            let actor = first.actor.clone();
            let mut run = vec![first];
            while let Some(next) =
                waiting.next_if(|n| n.actor.user_id == actor.user_id && n.actor.label == actor.label)
            {
                run.push(next);
            }
            append_after(
                conn,
                &actor,
                &mut tip,
                run.iter().map(|d| SerializedChange {
                    action: &d.action,
                    entity: &d.entity,
                    entity_id: d.entity_id.clone(),
                    before: d.before.clone(),
                    after: d.after.clone(),
                }),
            )?;
        }
        Ok(())
    }
}

impl Drop for Deferral {
    fn drop(&mut self) {
        DEFERRED.with(|d| *d.borrow_mut() = None);
    }
}

fn append_after<'a>(
    conn: &mut DbConn,
    actor: &Actor,
    tip: &mut Option<String>,
    changes: impl IntoIterator<Item = SerializedChange<'a>>,
) -> QueryResult<()> {
    let mut changes = changes.into_iter().peekable();
    if changes.peek().is_none() {
        return Ok(());
    }
    let deferred = DEFERRED.with(|d| {
        let mut d = d.borrow_mut();
        let Some(waiting) = d.as_mut() else { return false };
        waiting.extend(changes.by_ref().map(|c| Deferred {
            actor: actor.clone(),
            action: c.action.to_string(),
            entity: c.entity.to_string(),
            entity_id: c.entity_id,
            before: c.before,
            after: c.after,
        }));
        true
    });
    if deferred {
        // The tip moves when the entries are written; a caller's carried tip is stale now.
        *tip = None;
        return Ok(());
    }
    let mut prev = match tip.take() {
        Some(hash) => hash,
        None => last_hash(conn)?,
    };
    let at = now_utc();
    let at_text = hashed_time(&at);
    let mut rows = Vec::with_capacity(changes.size_hint().0);
    for change in changes {
        let before = change.before;
        let after = change.after;
        let hash = entry_hash(
            &prev,
            &at_text,
            actor.user_id,
            &actor.label,
            change.action,
            change.entity,
            change.entity_id.as_deref(),
            before.as_deref(),
            after.as_deref(),
        );
        rows.push(OwnedEntry {
            at,
            actor_id: actor.user_id,
            actor_label: actor.label.clone(),
            action: change.action.to_string(),
            entity: change.entity.to_string(),
            entity_id: change.entity_id,
            before_json: before,
            after_json: after,
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    *tip = Some(prev);
    match conn {
        // COPY: a bulk import appends a million entries, and PostgreSQL takes them several times
        // faster this way than as multi-row INSERTs it must parse and plan.
        DbConn::Postgresql(c) if rows.len() > 1 => {
            diesel::copy_from(audit_log::table)
                .from_insertable(&rows)
                .execute(c)?;
        }
        _ => {
            for chunk in rows.chunks(500) {
                crate::db::dispatch!(conn, |c| diesel::insert_into(audit_log::table)
                    .values(chunk)
                    .execute(c))?;
            }
        }
    }
    Ok(())
}

/// Appends one entry. Call it inside the write transaction (`write_tx`) of the change it records.
pub fn append(conn: &mut DbConn, actor: &Actor, change: Change<'_>) -> QueryResult<()> {
    append_many(conn, actor, vec![change])
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    /// Every entry links to the one before and hashes to what it stores.
    Intact { entries: usize },
    /// The first entry whose link or hash does not hold.
    Broken { entry_id: i32, reason: &'static str },
}

/// Walks the whole chain in order, in pages, and reports the first broken link.
pub fn verify(conn: &mut DbConn) -> QueryResult<Verification> {
    let mut prev = GENESIS.to_string();
    let mut last_id = 0;
    let mut count = 0;
    loop {
        let page: Vec<AuditEntry> = audit_log::table
            .filter(audit_log::id.gt(last_id))
            .order(audit_log::id.asc())
            .limit(5000)
            .select(AuditEntry::as_select())
            .load(conn)?;
        if page.is_empty() {
            return Ok(Verification::Intact { entries: count });
        }
        for e in page {
            if e.prev_hash != prev {
                return Ok(Verification::Broken {
                    entry_id: e.id,
                    reason: "prev_hash does not match the entry before",
                });
            }
            let h = entry_hash(
                &e.prev_hash,
                &hashed_time(&e.at),
                e.actor_id,
                &e.actor_label,
                &e.action,
                &e.entity,
                e.entity_id.as_deref(),
                e.before_json.as_deref(),
                e.after_json.as_deref(),
            );
            if h != e.hash {
                return Ok(Verification::Broken {
                    entry_id: e.id,
                    reason: "content does not match its hash",
                });
            }
            prev = e.hash;
            last_id = e.id;
            count += 1;
        }
    }
}
