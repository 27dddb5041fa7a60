//! Merchants: the businesses the alliance rates, with their current rating denormalised onto
//! the row so the public lists are one indexed query.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::merchants;
use crate::db::DbConn;
use crate::domain::words::ListStatus;

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
    pub current_list: ListStatus,
    pub rated_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The day it left the alliance, when it was a member and left.
    pub member_left_on: Option<NaiveDate>,
}

/// Whether a merchant that joined on `since` and left on `left` is an alliance member on `day`:
/// from the day it joined up to the day before it left. The rating, the plaque, the exports and
/// the public pages all ask this one question.
pub fn is_member_on(since: Option<NaiveDate>, left: Option<NaiveDate>, day: NaiveDate) -> bool {
    since.is_some_and(|d| d <= day) && left.is_none_or(|l| l > day)
}

/// The fields a new merchant is created with. `None` is inserted as NULL (every optional column
/// defaults to NULL), so that a batch of them is one multi-row INSERT on SQLite too (issue 17).
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = merchants)]
#[diesel(treat_none_as_default_value = false)]
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
    /// The day it left the alliance, if it has.
    pub member_left_on: Option<NaiveDate>,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A merchant with its id, as `COPY` writes it (the columns not named take their defaults).
#[derive(Insertable)]
#[diesel(table_name = merchants)]
#[diesel(treat_none_as_default_value = false)]
struct CopiedMerchant<'a> {
    id: i32,
    name: &'a str,
    credit_code: Option<&'a str>,
    category: &'a str,
    address: &'a str,
    area: &'a str,
    contact_name: &'a str,
    email: &'a str,
    phone: &'a str,
    member_since: Option<NaiveDate>,
    member_left_on: Option<NaiveDate>,
    external_source: Option<&'a str>,
    external_id: Option<&'a str>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl Merchant {
    /// Inserts many merchants and returns their ids, in order: `COPY` on PostgreSQL (with ids
    /// taken from the sequence first), multi-row inserts of 1,000 on SQLite. For bulk imports.
    pub fn insert_many(conn: &mut DbConn, rows: &[NewMerchant]) -> QueryResult<Vec<i32>> {
        match conn {
            DbConn::Postgresql(c) => {
                let ids = super::next_ids(c, "merchants", rows.len())?;
                let copied: Vec<CopiedMerchant<'_>> = ids
                    .iter()
                    .zip(rows)
                    .map(|(&id, m)| CopiedMerchant {
                        id,
                        name: &m.name,
                        credit_code: m.credit_code.as_deref(),
                        category: &m.category,
                        address: &m.address,
                        area: &m.area,
                        contact_name: &m.contact_name,
                        email: &m.email,
                        phone: &m.phone,
                        member_since: m.member_since,
                        member_left_on: m.member_left_on,
                        external_source: m.external_source.as_deref(),
                        external_id: m.external_id.as_deref(),
                        created_at: m.created_at,
                        updated_at: m.updated_at,
                    })
                    .collect();
                if !copied.is_empty() {
                    diesel::copy_from(merchants::table)
                        .from_insertable(copied)
                        .execute(c)?;
                }
                Ok(ids)
            }
            DbConn::Sqlite(c) => {
                let mut ids = Vec::with_capacity(rows.len());
                for chunk in rows.chunks(super::ROWS_PER_INSERT) {
                    ids.extend(
                        diesel::insert_into(merchants::table)
                            .values(chunk)
                            .returning(merchants::id)
                            .get_results::<i32>(c)?,
                    );
                }
                Ok(ids)
            }
        }
    }

    /// Where the platform writes to the merchant: its own address, else the first active
    /// portal user's; `None` when there is neither.
    pub fn mail_address(&self, conn: &mut DbConn) -> QueryResult<Option<String>> {
        use crate::db::schema::users;
        if !self.email.trim().is_empty() {
            return Ok(Some(self.email.trim().to_string()));
        }
        users::table
            .filter(users::merchant_id.eq(self.id))
            .filter(users::active.eq(true))
            .filter(users::email.ne(""))
            .order(users::id)
            .select(users::email)
            .first(conn)
            .optional()
    }

    /// Whether it is an alliance member on `day` (see [`is_member_on`]).
    pub fn is_member_on(&self, day: NaiveDate) -> bool {
        is_member_on(self.member_since, self.member_left_on, day)
    }

    /// Inserts a merchant and returns its id.
    pub fn insert(conn: &mut DbConn, m: &NewMerchant) -> QueryResult<i32> {
        crate::db::dispatch!(conn, |c| diesel::insert_into(merchants::table)
            .values(m)
            .returning(merchants::id)
            .get_result(c))
    }

    /// One merchant by id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Merchant>> {
        // On the backend's own connection (`MultiConnection` writes the SQL again on every run
        // to find its prepared statement): every uncached public record reads its merchant.
        crate::db::dispatch!(conn, |c| merchants::table
            .find(id)
            .select(Merchant::as_select())
            .first(c)
            .optional())
    }

    /// How many merchants there are (an empty database gets the demo town).
    pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
        merchants::table.count().get_result(conn)
    }

    /// Open merchants currently on `list` (red or black), best first.
    pub fn on_list(conn: &mut DbConn, list: ListStatus) -> QueryResult<Vec<Merchant>> {
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
        list: ListStatus,
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

/// The backend every query here runs on (either database, through `DbConn`).
type Db = <DbConn as diesel::Connection>::Backend;

diesel::define_sql_function! {
    /// SQL `lower()`, so a name search ignores case on both backends (PostgreSQL's `LIKE` does
    /// not, SQLite's does).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// What the staff search filters on; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct MerchantFilter {
    /// Part of the name (any case), or part of the credit code.
    pub q: String,
    /// The exact category.
    pub category: String,
    /// The exact area.
    pub area: String,
    /// "open", "closed", or empty for both.
    pub status: String,
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a `LIKE` pattern.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

fn filtered(f: &MerchantFilter) -> merchants::BoxedQuery<'static, Db> {
    let mut q = merchants::table.into_boxed();
    let text = f.q.trim();
    if !text.is_empty() {
        let name = like_pattern(&text.to_lowercase());
        let code = like_pattern(&text.to_ascii_uppercase());
        q = q.filter(
            lower(merchants::name)
                .like(name)
                .escape('\\')
                .or(merchants::credit_code.like(code).escape('\\')),
        );
    }
    if !f.category.trim().is_empty() {
        q = q.filter(merchants::category.eq(f.category.trim().to_string()));
    }
    if !f.area.trim().is_empty() {
        q = q.filter(merchants::area.eq(f.area.trim().to_string()));
    }
    if !f.status.trim().is_empty() {
        q = q.filter(merchants::status.eq(f.status.trim().to_string()));
    }
    q
}

/// The fields staff may change on an existing merchant.
#[derive(Debug, Clone, AsChangeset, Serialize)]
#[diesel(table_name = merchants, treat_none_as_null = true)]
pub struct MerchantChanges {
    pub name: String,
    pub credit_code: Option<String>,
    pub category: String,
    pub address: String,
    pub area: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub member_since: Option<NaiveDate>,
    /// Cleared (NULL) when the merchant is a member again or never left.
    pub member_left_on: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

impl Merchant {
    /// One page of merchants matching `f`, by name, and how many match in all.
    pub fn search(
        conn: &mut DbConn,
        f: &MerchantFilter,
        offset: i64,
        limit: i64,
    ) -> QueryResult<(Vec<Merchant>, i64)> {
        let total: i64 = filtered(f).count().get_result(conn)?;
        let rows = filtered(f)
            .order((merchants::name.asc(), merchants::id.asc()))
            .offset(offset)
            .limit(limit)
            .select(Merchant::as_select())
            .load(conn)?;
        Ok((rows, total))
    }

    /// The merchant holding this credit code, if any (codes are stored upper-case).
    pub fn find_by_credit_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Merchant>> {
        merchants::table
            .filter(merchants::credit_code.eq(code))
            .select(Merchant::as_select())
            .first(conn)
            .optional()
    }

    /// Which of `codes` are already taken, in chunks to stay under bound-parameter limits.
    pub fn taken_credit_codes(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<String>> {
        let mut out = Vec::new();
        for chunk in codes.chunks(5_000) {
            let found: Vec<Option<String>> = merchants::table
                .filter(merchants::credit_code.eq_any(chunk.to_vec()))
                .select(merchants::credit_code)
                .load(conn)?;
            out.extend(found.into_iter().flatten());
        }
        Ok(out)
    }

    /// Writes staff changes to a merchant.
    pub fn update(conn: &mut DbConn, id: i32, changes: &MerchantChanges) -> QueryResult<usize> {
        diesel::update(merchants::table.find(id))
            .set(changes)
            .execute(conn)
    }

    /// Marks a merchant closed (it leaves the public lists; its record stays).
    pub fn close(conn: &mut DbConn, id: i32, at: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(merchants::table.find(id))
            .set((merchants::status.eq("closed"), merchants::updated_at.eq(at)))
            .execute(conn)
    }

    /// The categories and areas in use (at most 200 of each), for the search form's suggestions.
    pub fn categories_and_areas(conn: &mut DbConn) -> QueryResult<(Vec<String>, Vec<String>)> {
        let categories = merchants::table
            .select(merchants::category)
            .distinct()
            .order(merchants::category.asc())
            .limit(200)
            .load(conn)?;
        let areas = merchants::table
            .select(merchants::area)
            .distinct()
            .order(merchants::area.asc())
            .limit(200)
            .load(conn)?;
        Ok((categories, areas))
    }
}
