//! Merchants: the businesses the alliance rates, with their current rating denormalised onto
//! the row so the public lists are one indexed query.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::merchants;
use crate::db::DbConn;

/// A merchant as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = merchants)]
pub struct Merchant {
    pub id: i32,
    pub name: String,
    pub credit_code: Option<String>,
    pub category: String,
    pub address: String,
    pub area: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub member_since: Option<NaiveDate>,
    pub status: String,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub current_score_tenths: Option<i32>,
    pub current_stars: Option<i32>,
    pub current_list: String,
    pub rated_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields a new merchant is created with.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = merchants)]
pub struct NewMerchant {
    pub name: String,
    pub credit_code: Option<String>,
    pub category: String,
    pub address: String,
    pub area: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub member_since: Option<NaiveDate>,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Merchant {
    /// Inserts a merchant and returns its id.
    pub fn insert(conn: &mut DbConn, m: &NewMerchant) -> QueryResult<i32> {
        crate::dispatch!(conn, |c| diesel::insert_into(merchants::table)
            .values(m)
            .returning(merchants::id)
            .get_result(c))
    }

    /// One merchant by id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Merchant>> {
        merchants::table
            .find(id)
            .select(Merchant::as_select())
            .first(conn)
            .optional()
    }

    /// How many merchants there are (an empty database gets the demo town).
    pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
        merchants::table.count().get_result(conn)
    }

    /// Open merchants currently on `list` ("red" or "black"), best first.
    pub fn on_list(conn: &mut DbConn, list: &str) -> QueryResult<Vec<Merchant>> {
        merchants::table
            .filter(merchants::current_list.eq(list))
            .filter(merchants::status.eq("open"))
            .order((merchants::current_stars.desc(), merchants::name.asc()))
            .select(Merchant::as_select())
            .load(conn)
    }

    /// Stores a newly computed rating on the merchant's row.
    pub fn set_current_rating(
        conn: &mut DbConn,
        id: i32,
        score_tenths: Option<i32>,
        stars: Option<i32>,
        list: &str,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(merchants::table.find(id))
            .set((
                merchants::current_score_tenths.eq(score_tenths),
                merchants::current_stars.eq(stars),
                merchants::current_list.eq(list),
                merchants::rated_at.eq(Some(at)),
            ))
            .execute(conn)
    }
}
