//! The alliance's charter (盟约): versions the committee publishes (Markdown, rendered safely when
//! shown), and the members' confirmations that they read and accept the current one. A version is
//! never changed once published; a change is a new version that every member confirms again.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::is_member_on;
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{charter_confirmations, charter_versions, merchants};
use crate::db::DbConn;
use crate::services::problem::Problem;

/// The longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// The longest "what changed", in characters.
pub const CHANGES_MAX: usize = 1000;

/// A published version.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = charter_versions)]
pub struct CharterVersion {
    pub id: i32,
    pub number: i32,
    pub title: String,
    pub body_md: String,
    pub changes: String,
    pub published_at: NaiveDateTime,
    pub published_by: Option<i32>,
}

/// A version as typed by the committee, before it is checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Draft {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub changes: String,
}

/// Checks a draft: a title, a body within the Markdown limit, and — from the second version on
/// — what changed.
pub fn validate(d: &Draft, first: bool) -> Result<(), Vec<Problem>> {
    let mut e = Vec::new();
    let title = d.title.trim().chars().count();
    if title == 0 || title > TITLE_MAX {
        e.push(Problem::at("title").tr("charter-error-title", &[("max", TITLE_MAX.into())]));
    }
    let body = d.body.trim().chars().count();
    if body == 0 || body > crate::mail::markdown::MAX_CHARS {
        e.push(Problem::at("body").tr(
            "charter-error-body",
            &[("max", crate::mail::markdown::MAX_CHARS.into())],
        ));
    }
    let changes = d.changes.trim().chars().count();
    if (!first && changes == 0) || changes > CHANGES_MAX {
        e.push(Problem::at("changes").tr("charter-error-changes", &[("max", CHANGES_MAX.into())]));
    }
    if e.is_empty() {
        Ok(())
    } else {
        Err(e)
    }
}

/// The version in force (the highest number), if any was published.
pub fn current(conn: &mut DbConn) -> QueryResult<Option<CharterVersion>> {
    charter_versions::table
        .order(charter_versions::number.desc())
        .select(CharterVersion::as_select())
        .first(conn)
        .optional()
}

/// Version `number`.
pub fn by_number(conn: &mut DbConn, number: i32) -> QueryResult<Option<CharterVersion>> {
    charter_versions::table
        .filter(charter_versions::number.eq(number))
        .select(CharterVersion::as_select())
        .first(conn)
        .optional()
}

/// Every version, newest first.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<CharterVersion>> {
    charter_versions::table
        .order(charter_versions::number.desc())
        .select(CharterVersion::as_select())
        .load(conn)
}

/// Why a publication failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("invalid charter: {0:?}")]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for PublishError {
    fn from(e: diesel::result::Error) -> Self {
        PublishError::Other(e.into())
    }
}

/// Publishes the next version, with its audit entry; returns its number.
pub fn publish(conn: &mut DbConn, actor: &Actor, d: &Draft, now: NaiveDateTime) -> Result<i32, PublishError> {
    write_tx(conn, |c| {
        let last = current(c)?.map_or(0, |v| v.number);
        validate(d, last == 0).map_err(PublishError::Invalid)?;
        let number = last + 1;
        let id: i32 = crate::db::dispatch!(c, |c| diesel::insert_into(charter_versions::table)
            .values((
                charter_versions::number.eq(number),
                charter_versions::title.eq(d.title.trim()),
                charter_versions::body_md.eq(d.body.trim()),
                charter_versions::changes.eq(d.changes.trim()),
                charter_versions::published_at.eq(now),
                charter_versions::published_by.eq(actor.user_id),
            ))
            .returning(charter_versions::id)
            .get_result(c))?;
        audit::append(
            c,
            actor,
            Change {
                action: "charter.publish",
                entity: "charter_version",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "number": number, "title": d.title.trim() })),
            },
        )?;
        Ok(number)
    })
}

/// Records that `merchant_id` accepts version `version_id`, unless it already did (inside the
/// caller's transaction; no audit entry of its own). Returns whether a row was written.
pub fn record_confirmation(
    c: &mut DbConn,
    version_id: i32,
    merchant_id: i32,
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let exists: i64 = charter_confirmations::table
        .filter(charter_confirmations::version_id.eq(version_id))
        .filter(charter_confirmations::merchant_id.eq(merchant_id))
        .count()
        .get_result(c)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(charter_confirmations::table)
        .values((
            charter_confirmations::version_id.eq(version_id),
            charter_confirmations::merchant_id.eq(merchant_id),
            charter_confirmations::user_id.eq(user_id),
            charter_confirmations::confirmed_at.eq(now),
        ))
        .execute(c)?;
    Ok(true)
}

/// The portal's "I have read and accept version N": confirms the version in force (only that
/// one: a page left open on an older version confirms nothing). Returns whether it was new.
pub fn confirm(conn: &mut DbConn, actor: &Actor, merchant_id: i32, number: i32) -> anyhow::Result<bool> {
    write_tx(conn, |c| {
        let Some(v) = current(c)? else {
            return Ok(false);
        };
        if v.number != number {
            return Ok(false);
        }
        let new = record_confirmation(c, v.id, merchant_id, actor.user_id, now_utc())?;
        if new {
            audit::append(
                c,
                actor,
                Change {
                    action: "charter.confirm",
                    entity: "merchant",
                    entity_id: Some(merchant_id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({ "charter_version": v.number })),
                },
            )?;
        }
        Ok(new)
    })
}

/// The version a member still has to confirm (the current one, when it has not); `None` for a
/// merchant that is not a member on `today` or has confirmed it.
pub fn to_confirm(
    conn: &mut DbConn,
    merchant_id: i32,
    today: NaiveDate,
) -> QueryResult<Option<CharterVersion>> {
    let Some(v) = current(conn)? else {
        return Ok(None);
    };
    let m: Option<(Option<NaiveDate>, Option<NaiveDate>)> = merchants::table
        .find(merchant_id)
        .select((merchants::member_since, merchants::member_left_on))
        .first(conn)
        .optional()?;
    let Some((since, left)) = m else {
        return Ok(None);
    };
    if !is_member_on(since, left, today) {
        return Ok(None);
    }
    let done: i64 = charter_confirmations::table
        .filter(charter_confirmations::version_id.eq(v.id))
        .filter(charter_confirmations::merchant_id.eq(merchant_id))
        .count()
        .get_result(conn)?;
    Ok((done == 0).then_some(v))
}

/// Who of today's members confirmed a version and who has not.
#[derive(Debug, Clone, Default)]
pub struct Confirmations {
    /// (merchant id, name, when) of the members who confirmed, by name.
    pub confirmed: Vec<(i32, String, NaiveDateTime)>,
    /// (merchant id, name) of the members who have not, by name.
    pub missing: Vec<(i32, String)>,
}

impl Confirmations {
    /// Members today (those who confirmed and those who have not).
    pub fn members(&self) -> usize {
        self.confirmed.len() + self.missing.len()
    }
}

/// The open merchants that are members on `today`: (id, name).
pub fn members_on(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<(i32, String)>> {
    let rows: Vec<(i32, String, Option<NaiveDate>, Option<NaiveDate>)> = merchants::table
        .filter(merchants::status.ne("closed"))
        .filter(merchants::member_since.is_not_null())
        .order(merchants::name)
        .select((
            merchants::id,
            merchants::name,
            merchants::member_since,
            merchants::member_left_on,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, s, l)| is_member_on(*s, *l, today))
        .map(|(id, name, _, _)| (id, name))
        .collect())
}

/// Today's members split by whether they confirmed `version_id`.
pub fn confirmations(conn: &mut DbConn, version_id: i32, today: NaiveDate) -> QueryResult<Confirmations> {
    let done: Vec<(i32, NaiveDateTime)> = charter_confirmations::table
        .filter(charter_confirmations::version_id.eq(version_id))
        .select((
            charter_confirmations::merchant_id,
            charter_confirmations::confirmed_at,
        ))
        .load(conn)?;
    let done: std::collections::HashMap<i32, NaiveDateTime> = done.into_iter().collect();
    let mut out = Confirmations::default();
    for (id, name) in members_on(conn, today)? {
        match done.get(&id) {
            Some(at) => out.confirmed.push((id, name, *at)),
            None => out.missing.push((id, name)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(title: &str, body: &str, changes: &str) -> Draft {
        Draft {
            title: title.into(),
            body: body.into(),
            changes: changes.into(),
        }
    }

    #[test]
    fn a_first_version_needs_no_changes_a_later_one_does() {
        assert!(validate(&draft("盟约", "第一条 诚信经营", ""), true).is_ok());
        let e = validate(&draft("盟约", "第一条 诚信经营", ""), false).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "changes");
    }

    #[test]
    fn title_and_body_are_required_and_bounded() {
        let e = validate(&draft(" ", "", ""), true).unwrap_err();
        let fields: Vec<_> = e.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["title", "body"]);
        let long = "字".repeat(TITLE_MAX + 1);
        assert!(validate(&draft(&long, "x", ""), true).is_err());
    }
}
