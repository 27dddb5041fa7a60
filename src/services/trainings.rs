//! Training sessions (培训) and attendance; attendance counts in the rating as the policy says,
//! so recording it recomputes the merchants concerned in the same transaction.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::training::{self, NewTraining};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{merchants, training_attendance, trainings};
use crate::db::DbConn;
use crate::domain::policy::Policy;
use crate::services::rating::recompute_in_tx;

/// A training session with its attendance count.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrainingRow {
    pub id: i32,
    pub title: String,
    pub held_on: NaiveDate,
    pub hours_tenths: i32,
    pub attendees: i64,
}

/// Records a training session; returns its id.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    title: &str,
    held_on: NaiveDate,
    hours_tenths: i32,
) -> anyhow::Result<i32> {
    write_tx(conn, |c| {
        let nt = NewTraining {
            title: title.into(),
            held_on,
            hours_tenths,
            created_by: actor.user_id,
            created_at: now_utc(),
        };
        let id = training::insert(c, &nt)?;
        audit::append(
            c,
            actor,
            Change {
                action: "training.create",
                entity: "training",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::to_value(&nt)?),
            },
        )?;
        Ok(id)
    })
}

/// Why attendance could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum AttendanceError {
    #[error("no training {0}")]
    NoTraining(i32),
    #[error("no merchants {0:?}")]
    NoMerchants(Vec<i32>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for AttendanceError {
    fn from(e: diesel::result::Error) -> Self {
        AttendanceError::Other(e.into())
    }
}

/// Records that `merchant_ids` attended; already-recorded attendance is kept once. Audited and
/// recomputed in one transaction. Returns how many attendances were new.
pub fn add_attendance(
    conn: &mut DbConn,
    policy: &Policy,
    today: NaiveDate,
    actor: &Actor,
    training_id: i32,
    merchant_ids: &[i32],
) -> Result<usize, AttendanceError> {
    write_tx(conn, |c| {
        let exists: i64 = trainings::table.find(training_id).count().get_result(c)?;
        if exists == 0 {
            return Err(AttendanceError::NoTraining(training_id));
        }
        let known: Vec<i32> = merchants::table
            .filter(merchants::id.eq_any(merchant_ids.to_vec()))
            .select(merchants::id)
            .load(c)?;
        let unknown: Vec<i32> = merchant_ids
            .iter()
            .copied()
            .filter(|m| !known.contains(m))
            .collect();
        if !unknown.is_empty() {
            return Err(AttendanceError::NoMerchants(unknown));
        }
        let mut added = Vec::new();
        for &mid in merchant_ids {
            if training::add_attendance(c, training_id, mid)? > 0 {
                added.push(mid);
            }
        }
        if !added.is_empty() {
            audit::append(
                c,
                actor,
                Change {
                    action: "training.attendance",
                    entity: "training",
                    entity_id: Some(training_id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({ "merchant_ids": added })),
                },
            )?;
            recompute_in_tx(c, policy, today, actor, Some(&added))?;
        }
        Ok(added.len())
    })
}

/// Every training, newest first, with attendance counts.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<TrainingRow>> {
    let rows: Vec<(i32, String, NaiveDate, i32)> = trainings::table
        .order(trainings::held_on.desc())
        .select((
            trainings::id,
            trainings::title,
            trainings::held_on,
            trainings::hours_tenths,
        ))
        .load(conn)?;
    let counts: Vec<(i32, i64)> = training_attendance::table
        .group_by(training_attendance::training_id)
        .select((training_attendance::training_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, held_on, hours_tenths)| TrainingRow {
            id,
            title,
            held_on,
            hours_tenths,
            attendees: counts.iter().find(|(t, _)| *t == id).map(|c| c.1).unwrap_or(0),
        })
        .collect())
}

/// The merchants (id, name) who attended a training.
pub fn attendees(conn: &mut DbConn, training_id: i32) -> QueryResult<Vec<(i32, String)>> {
    training_attendance::table
        .inner_join(merchants::table)
        .filter(training_attendance::training_id.eq(training_id))
        .order(merchants::name.asc())
        .select((merchants::id, merchants::name))
        .load(conn)
}

/// Open merchants (id, name) by name, for choosing attendees.
pub fn open_merchants(conn: &mut DbConn) -> QueryResult<Vec<(i32, String)>> {
    merchants::table
        .filter(merchants::status.eq("open"))
        .order(merchants::name.asc())
        .limit(500)
        .select((merchants::id, merchants::name))
        .load(conn)
}
