//! Bulletins (政策宣传) and their recipients: the rows, and the queries that read and write them.
//! A recipient row is a member in the bulletin's audience on the day it was sent; its `read_at`
//! is the read receipt.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{bulletin_recipients, bulletins, merchants};
use crate::db::DbConn;

/// A bulletin as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = bulletins)]
pub struct Bulletin {
    pub id: i32,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// `all`, `area`, `category` or `black`.
    pub audience_kind: String,
    /// The area or category for those kinds; empty otherwise.
    pub audience_value: String,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_key: Option<String>,
    pub attachment_size: Option<i64>,
    /// Days after sending when unread recipients get their one reminder; 0 for none.
    pub remind_after_days: i32,
    pub sent_at: NaiveDateTime,
    pub sent_by: Option<i32>,
}

/// The fields a bulletin is sent with.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = bulletins)]
pub struct NewBulletin {
    pub title: String,
    pub body: String,
    pub audience_kind: String,
    pub audience_value: String,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_key: Option<String>,
    pub attachment_size: Option<i64>,
    pub remind_after_days: i32,
    pub sent_at: NaiveDateTime,
    pub sent_by: Option<i32>,
}

/// A recipient as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = bulletin_recipients)]
pub struct Recipient {
    pub id: i32,
    pub bulletin_id: i32,
    pub merchant_id: i32,
    /// Where the email went; `None` when the merchant had no address.
    pub address: Option<String>,
    /// The language the emails are written in (`zh-CN` or `en`).
    pub language: String,
    pub read_at: Option<NaiveDateTime>,
    /// `portal` or `email`.
    pub read_via: Option<String>,
    pub reminded_at: Option<NaiveDateTime>,
}

/// A recipient to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = bulletin_recipients)]
pub struct NewRecipient {
    pub bulletin_id: i32,
    pub merchant_id: i32,
    pub address: Option<String>,
    pub language: String,
}

impl Bulletin {
    /// Inserts a bulletin and returns its id.
    pub fn insert(conn: &mut DbConn, b: &NewBulletin) -> QueryResult<i32> {
        crate::db::dispatch!(conn, |c| diesel::insert_into(bulletins::table)
            .values(b)
            .returning(bulletins::id)
            .get_result(c))
    }

    /// One bulletin by id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Bulletin>> {
        bulletins::table
            .find(id)
            .select(Bulletin::as_select())
            .first(conn)
            .optional()
    }

    /// The latest bulletins, newest first.
    pub fn latest(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Bulletin>> {
        bulletins::table
            .order((bulletins::sent_at.desc(), bulletins::id.desc()))
            .limit(limit)
            .select(Bulletin::as_select())
            .load(conn)
    }
}

impl Recipient {
    /// Inserts a recipient and returns its id.
    pub fn insert(conn: &mut DbConn, r: &NewRecipient) -> QueryResult<i32> {
        crate::db::dispatch!(conn, |c| diesel::insert_into(bulletin_recipients::table)
            .values(r)
            .returning(bulletin_recipients::id)
            .get_result(c))
    }

    /// One recipient by id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Recipient>> {
        bulletin_recipients::table
            .find(id)
            .select(Recipient::as_select())
            .first(conn)
            .optional()
    }

    /// The recipient row of `merchant_id` for bulletin `bulletin_id`, if it was in the audience.
    pub fn of_merchant(
        conn: &mut DbConn,
        bulletin_id: i32,
        merchant_id: i32,
    ) -> QueryResult<Option<Recipient>> {
        bulletin_recipients::table
            .filter(bulletin_recipients::bulletin_id.eq(bulletin_id))
            .filter(bulletin_recipients::merchant_id.eq(merchant_id))
            .select(Recipient::as_select())
            .first(conn)
            .optional()
    }

    /// Every recipient of a bulletin with the merchant's name, by name.
    pub fn of_bulletin(conn: &mut DbConn, bulletin_id: i32) -> QueryResult<Vec<(Recipient, String)>> {
        bulletin_recipients::table
            .inner_join(merchants::table)
            .filter(bulletin_recipients::bulletin_id.eq(bulletin_id))
            .order((merchants::name.asc(), bulletin_recipients::id.asc()))
            .select((Recipient::as_select(), merchants::name))
            .load(conn)
    }

    /// (recipients, read) for each of `ids`.
    pub fn counts(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<(i32, i64, i64)>> {
        let rows: Vec<(i32, Option<NaiveDateTime>)> = bulletin_recipients::table
            .filter(bulletin_recipients::bulletin_id.eq_any(ids))
            .select((bulletin_recipients::bulletin_id, bulletin_recipients::read_at))
            .load(conn)?;
        Ok(ids
            .iter()
            .map(|id| {
                let mine = rows.iter().filter(|(b, _)| b == id);
                let total = mine.clone().count() as i64;
                let read = mine.filter(|(_, r)| r.is_some()).count() as i64;
                (*id, total, read)
            })
            .collect())
    }

    /// The bulletins a merchant received, newest first, with its own recipient row.
    pub fn for_merchant(conn: &mut DbConn, merchant_id: i32) -> QueryResult<Vec<(Bulletin, Recipient)>> {
        bulletin_recipients::table
            .inner_join(bulletins::table)
            .filter(bulletin_recipients::merchant_id.eq(merchant_id))
            .order((bulletins::sent_at.desc(), bulletins::id.desc()))
            .select((Bulletin::as_select(), Recipient::as_select()))
            .load(conn)
    }
}
