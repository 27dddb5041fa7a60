//! Training sessions (培训) and which merchants attended.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{training_attendance, trainings};
use crate::db::DbConn;

/// The fields a training session is recorded with.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = trainings)]
pub struct NewTraining {
    pub title: String,
    pub held_on: NaiveDate,
    pub hours_tenths: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
}

/// Inserts a training session and returns its id.
pub fn insert(conn: &mut DbConn, t: &NewTraining) -> QueryResult<i32> {
    crate::db::dispatch!(conn, |c| diesel::insert_into(trainings::table)
        .values(t)
        .returning(trainings::id)
        .get_result(c))
}

/// Records that a merchant attended; attending twice is one attendance.
pub fn add_attendance(conn: &mut DbConn, training_id: i32, merchant_id: i32) -> QueryResult<usize> {
    crate::db::dispatch!(conn, |c| diesel::insert_into(training_attendance::table)
        .values((
            training_attendance::training_id.eq(training_id),
            training_attendance::merchant_id.eq(merchant_id),
        ))
        .on_conflict_do_nothing()
        .execute(c))
}
