//! Training sessions (培训) and attendance; attendance counts in the rating as the policy says,
//! so recording it recomputes the merchants concerned in the same transaction.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::training::{self, NewTraining};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{merchants, training_attendance, training_signups, trainings};
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
    /// The training is held on this later day: nobody has attended it yet.
    #[error("the training is held on {0}")]
    NotYetHeld(NaiveDate),
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
        let held_on: Option<NaiveDate> = trainings::table
            .find(training_id)
            .select(trainings::held_on)
            .first(c)
            .optional()?;
        match held_on {
            None => return Err(AttendanceError::NoTraining(training_id)),
            Some(d) if d > today => return Err(AttendanceError::NotYetHeld(d)),
            Some(_) => {}
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

// ---------------------------------------------------------------------------------------------
// Sign-ups from the merchant portal (报名): place, start time, capacity; the reminder the day
// before; the sign-up list the committee records attendance from.

/// Where and when a training is held, how many seats it has and what it is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrainingDetails {
    /// The place, as typed (may be empty).
    pub place: String,
    /// The local start time, "HH:MM" (empty = the day of the training).
    pub starts_at: String,
    /// Seats; `None` = no limit.
    pub capacity: Option<i32>,
    /// A short description, as typed.
    pub description: String,
}

/// Records a training session with its place, start time, capacity and description.
pub fn create_with(
    conn: &mut DbConn,
    actor: &Actor,
    title: &str,
    held_on: NaiveDate,
    hours_tenths: i32,
    details: &TrainingDetails,
) -> anyhow::Result<i32> {
    write_tx(conn, |c| {
        let id = create(c, actor, title, held_on, hours_tenths)?;
        diesel::update(trainings::table.find(id))
            .set((
                trainings::place.eq(&details.place),
                trainings::starts_at.eq(&details.starts_at),
                trainings::capacity.eq(details.capacity),
                trainings::description.eq(&details.description),
            ))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "training.details",
                entity: "training",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::to_value(details)?),
            },
        )?;
        Ok(id)
    })
}

/// The details of one training.
pub fn details(conn: &mut DbConn, training_id: i32) -> QueryResult<Option<TrainingDetails>> {
    trainings::table
        .find(training_id)
        .select((
            trainings::place,
            trainings::starts_at,
            trainings::capacity,
            trainings::description,
        ))
        .first::<(String, String, Option<i32>, String)>(conn)
        .optional()
        .map(|o| {
            o.map(|(place, starts_at, capacity, description)| TrainingDetails {
                place,
                starts_at,
                capacity,
                description,
            })
        })
}

/// The local time a training starts: its day at its start time (midnight when it has none).
pub fn starts(held_on: NaiveDate, starts_at: &str) -> NaiveDateTime {
    let t = NaiveTime::parse_from_str(starts_at, "%H:%M").unwrap_or(NaiveTime::MIN);
    held_on.and_time(t)
}

/// An upcoming training as a merchant sees it in the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcoming {
    pub id: i32,
    pub title: String,
    pub held_on: NaiveDate,
    pub hours_tenths: i32,
    pub details: TrainingDetails,
    /// Active sign-ups.
    pub signed_up: i64,
    /// Seats left (`None` = no limit).
    pub seats_left: Option<i64>,
    /// Whether this merchant is signed up.
    pub mine: bool,
}

type TrainingFull = (i32, String, NaiveDate, i32, String, String, Option<i32>, String);

fn active_counts(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<(i32, i64)>> {
    training_signups::table
        .filter(training_signups::training_id.eq_any(ids.to_vec()))
        .filter(training_signups::cancelled_at.is_null())
        .group_by(training_signups::training_id)
        .select((training_signups::training_id, diesel::dsl::count_star()))
        .load(conn)
}

/// The trainings that have not started at `now` (local time), soonest first, with the seats
/// left and whether `merchant_id` is signed up.
pub fn upcoming(conn: &mut DbConn, merchant_id: i32, now: NaiveDateTime) -> QueryResult<Vec<Upcoming>> {
    let rows: Vec<TrainingFull> = trainings::table
        .filter(trainings::held_on.ge(now.date()))
        .order((
            trainings::held_on.asc(),
            trainings::starts_at.asc(),
            trainings::id.asc(),
        ))
        .limit(50)
        .select((
            trainings::id,
            trainings::title,
            trainings::held_on,
            trainings::hours_tenths,
            trainings::place,
            trainings::starts_at,
            trainings::capacity,
            trainings::description,
        ))
        .load(conn)?;
    let rows: Vec<TrainingFull> = rows.into_iter().filter(|r| starts(r.2, &r.5) > now).collect();
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let counts = active_counts(conn, &ids)?;
    let mine: Vec<i32> = training_signups::table
        .filter(training_signups::training_id.eq_any(ids))
        .filter(training_signups::merchant_id.eq(merchant_id))
        .filter(training_signups::cancelled_at.is_null())
        .select(training_signups::training_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, title, held_on, hours_tenths, place, starts_at, capacity, description)| {
                let signed_up = counts.iter().find(|c| c.0 == id).map_or(0, |c| c.1);
                Upcoming {
                    id,
                    title,
                    held_on,
                    hours_tenths,
                    seats_left: capacity.map(|c| (i64::from(c) - signed_up).max(0)),
                    details: TrainingDetails {
                        place,
                        starts_at,
                        capacity,
                        description,
                    },
                    signed_up,
                    mine: mine.contains(&id),
                }
            },
        )
        .collect())
}

/// Why a sign-up or a cancellation was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    #[error("no training {0}")]
    NoTraining(i32),
    /// The training has started (or is over): sign-up is closed.
    #[error("the training has started")]
    Started,
    /// Every seat is taken.
    #[error("the training is full")]
    Full,
    /// Only alliance members sign up.
    #[error("not an alliance member")]
    NotMember,
    #[error("already signed up")]
    AlreadySignedUp,
    #[error("not signed up")]
    NotSignedUp,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for SignupError {
    fn from(e: diesel::result::Error) -> Self {
        SignupError::Other(e.into())
    }
}

/// Loads a training for a sign-up change and holds it: on PostgreSQL the row is locked
/// `FOR UPDATE` (on top of the write lock every `write_tx` takes), so two sign-ups for the last
/// seat are counted one after the other on either backend.
fn lock_training(c: &mut DbConn, id: i32) -> Result<(NaiveDate, String, Option<i32>), SignupError> {
    let q = trainings::table
        .find(id)
        .select((trainings::held_on, trainings::starts_at, trainings::capacity));
    let row = match c {
        DbConn::Postgresql(pg) => q.for_update().first(pg).optional()?,
        DbConn::Sqlite(sq) => q.first(sq).optional()?,
    };
    row.ok_or(SignupError::NoTraining(id))
}

fn active_signup(c: &mut DbConn, training_id: i32, merchant_id: i32) -> QueryResult<Option<i32>> {
    training_signups::table
        .filter(training_signups::training_id.eq(training_id))
        .filter(training_signups::merchant_id.eq(merchant_id))
        .filter(training_signups::cancelled_at.is_null())
        .select(training_signups::id)
        .first(c)
        .optional()
}

/// Signs `merchant_id` up for a training, as `actor` (the merchant's user): only members, only
/// before it starts (`now` is local time), only while seats are left. Counting and inserting
/// happen in one write transaction. Returns the sign-up's id.
pub fn sign_up(
    conn: &mut DbConn,
    actor: &Actor,
    training_id: i32,
    merchant_id: i32,
    now: NaiveDateTime,
) -> Result<i32, SignupError> {
    write_tx(conn, |c| {
        let (held_on, starts_at, capacity) = lock_training(c, training_id)?;
        if starts(held_on, &starts_at) <= now {
            return Err(SignupError::Started);
        }
        let m = crate::db::models::merchant::Merchant::find(c, merchant_id)?.ok_or(SignupError::NotMember)?;
        if m.status != "open" || !m.is_member_on(now.date()) {
            return Err(SignupError::NotMember);
        }
        if active_signup(c, training_id, merchant_id)?.is_some() {
            return Err(SignupError::AlreadySignedUp);
        }
        if let Some(cap) = capacity {
            let taken = active_counts(c, &[training_id])?.first().map_or(0, |r| r.1);
            if taken >= i64::from(cap) {
                return Err(SignupError::Full);
            }
        }
        let at = now_utc();
        let id: i32 = crate::db::dispatch!(c, |c| diesel::insert_into(training_signups::table)
            .values((
                training_signups::training_id.eq(training_id),
                training_signups::merchant_id.eq(merchant_id),
                training_signups::user_id.eq(actor.user_id),
                training_signups::signed_up_at.eq(at),
            ))
            .returning(training_signups::id)
            .get_result(c))?;
        audit::append(
            c,
            actor,
            Change {
                action: "training.signup",
                entity: "training",
                entity_id: Some(training_id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "signup_id": id, "merchant_id": merchant_id })),
            },
        )?;
        Ok(id)
    })
}

/// Cancels the merchant's sign-up (before the training starts); the seat is free again.
pub fn cancel(
    conn: &mut DbConn,
    actor: &Actor,
    training_id: i32,
    merchant_id: i32,
    now: NaiveDateTime,
) -> Result<(), SignupError> {
    write_tx(conn, |c| {
        let (held_on, starts_at, _) = lock_training(c, training_id)?;
        if starts(held_on, &starts_at) <= now {
            return Err(SignupError::Started);
        }
        let id = active_signup(c, training_id, merchant_id)?.ok_or(SignupError::NotSignedUp)?;
        diesel::update(training_signups::table.find(id))
            .set(training_signups::cancelled_at.eq(Some(now_utc())))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "training.signup_cancel",
                entity: "training",
                entity_id: Some(training_id.to_string()),
                before: Some(serde_json::json!({ "signup_id": id, "merchant_id": merchant_id })),
                after: None,
            },
        )?;
        Ok(())
    })
}

/// Every training's active sign-ups and seats: (training id, sign-ups, capacity).
pub fn signup_counts(conn: &mut DbConn) -> QueryResult<Vec<(i32, i64, Option<i32>)>> {
    let caps: Vec<(i32, Option<i32>)> = trainings::table
        .select((trainings::id, trainings::capacity))
        .load(conn)?;
    let ids: Vec<i32> = caps.iter().map(|c| c.0).collect();
    let counts = active_counts(conn, &ids)?;
    Ok(caps
        .into_iter()
        .map(|(id, cap)| (id, counts.iter().find(|c| c.0 == id).map_or(0, |c| c.1), cap))
        .collect())
}

/// The merchants signed up for a training (id, name), by name.
pub fn signed_up(conn: &mut DbConn, training_id: i32) -> QueryResult<Vec<(i32, String)>> {
    training_signups::table
        .inner_join(merchants::table)
        .filter(training_signups::training_id.eq(training_id))
        .filter(training_signups::cancelled_at.is_null())
        .order(merchants::name.asc())
        .select((merchants::id, merchants::name))
        .load(conn)
}

/// The daily job's name for the reminders.
pub const REMINDER_JOB: &str = "training-reminders";

/// Queues the reminder for every active sign-up of a training held tomorrow (after `today`),
/// once each (`reminded_at`), in the language of the user who signed up. Idempotent.
pub fn send_reminders(
    conn: &mut DbConn,
    base_url: &str,
    today: NaiveDate,
    actor: &Actor,
) -> anyhow::Result<usize> {
    use crate::db::schema::users;
    use crate::mail::outbox::{enqueue, NewMail};
    let tomorrow = today.succ_opt().unwrap_or(today);
    write_tx(conn, |c| {
        let due: Vec<(i32, i32, Option<i32>, i32)> = training_signups::table
            .inner_join(trainings::table)
            .filter(trainings::held_on.eq(tomorrow))
            .filter(training_signups::cancelled_at.is_null())
            .filter(training_signups::reminded_at.is_null())
            .order(training_signups::id.asc())
            .select((
                training_signups::id,
                training_signups::merchant_id,
                training_signups::user_id,
                training_signups::training_id,
            ))
            .load(c)?;
        let mut queued = 0;
        for (sid, mid, uid, tid) in due {
            let Some(m) = crate::db::models::merchant::Merchant::find(c, mid)? else {
                continue;
            };
            let user: Option<(String, String)> = match uid {
                Some(u) => users::table
                    .find(u)
                    .select((users::email, users::language))
                    .first(c)
                    .optional()?,
                None => None,
            };
            let lang = user
                .as_ref()
                .and_then(|u| crate::i18n::Lang::from_tag(&u.1))
                .unwrap_or_default();
            let to = match user.map(|u| u.0).filter(|e| !e.trim().is_empty()) {
                Some(e) => Some(e),
                None => m.mail_address(c)?,
            };
            let Some(to) = to else {
                continue;
            };
            let (title, held_on, hours_tenths): (String, NaiveDate, i32) = trainings::table
                .find(tid)
                .select((trainings::title, trainings::held_on, trainings::hours_tenths))
                .first(c)?;
            let d = details(c, tid)?.unwrap_or_default();
            let mail = crate::mail::render::TrainingReminderMail {
                lang,
                merchant_name: m.name.clone(),
                title,
                held_on,
                starts_at: d.starts_at,
                place: d.place,
                hours_tenths,
                link: format!("{}/my#trainings", base_url.trim_end_matches('/')),
            };
            enqueue(
                c,
                NewMail {
                    kind: "training.reminder",
                    to: &to,
                    notice_id: None,
                    rendered: crate::mail::render::training_reminder(&mail)?,
                },
                base_url,
            )?;
            let now = now_utc();
            diesel::update(training_signups::table.find(sid))
                .set(training_signups::reminded_at.eq(Some(now)))
                .execute(c)?;
            audit::append(
                c,
                actor,
                Change {
                    action: "training.reminded",
                    entity: "training",
                    entity_id: Some(tid.to_string()),
                    before: None,
                    after: Some(
                        serde_json::json!({ "signup_id": sid, "merchant_id": mid, "reminded_at": now }),
                    ),
                },
            )?;
            queued += 1;
        }
        Ok(queued)
    })
}

/// The training hours (tenths) of the given trainings: those the rating's training term counts.
pub fn hours_of(conn: &mut DbConn, ids: &[i32]) -> QueryResult<i32> {
    let h: Vec<i32> = trainings::table
        .filter(trainings::id.eq_any(ids.to_vec()))
        .select(trainings::hours_tenths)
        .load(conn)?;
    Ok(h.into_iter().sum())
}
