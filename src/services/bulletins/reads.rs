//! Reading bulletins: the receipt (first reading only, from the portal or the email link), the
//! one reminder to each unread recipient, and the committee's views — each bulletin's read rate
//! (知晓率 = read ÷ recipients at send time), who read and who has not, and the read rate over
//! the days after sending for the statistics page.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{local_date, queue_email, token_recipient, BulletinError, Links};
use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::bulletin::{Bulletin, Recipient};
use crate::db::models::merchant::Merchant;
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{bulletin_recipients, bulletins};
use crate::db::DbConn;

/// How a receipt was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Opened in the merchant portal.
    Portal,
    /// Opened through the email's link.
    Email,
}

impl Via {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Portal => "portal",
            Via::Email => "email",
        }
    }
}

/// Records recipient `r`'s read receipt unless it has one; returns the row as it now is.
fn record_read(c: &mut DbConn, rid: i32, via: Via, actor: &Actor) -> Result<Recipient, BulletinError> {
    let r = Recipient::find(c, rid)?.ok_or(BulletinError::NotFound)?;
    if r.read_at.is_some() {
        return Ok(r);
    }
    write_tx(c, |c| {
        let r = Recipient::find(c, rid)?.ok_or(BulletinError::NotFound)?;
        if r.read_at.is_some() {
            return Ok(r);
        }
        let now = now_utc();
        diesel::update(bulletin_recipients::table.find(rid))
            .set((
                bulletin_recipients::read_at.eq(Some(now)),
                bulletin_recipients::read_via.eq(Some(via.as_str())),
            ))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "bulletin.read",
                entity: "bulletin",
                entity_id: Some(r.bulletin_id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "merchant_id": r.merchant_id, "read_at": now, "via": via.as_str(),
                })),
            },
        )?;
        Recipient::find(c, rid)?.ok_or(BulletinError::NotFound)
    })
}

/// The merchant opens a bulletin in the portal: the first time records the receipt. A bulletin
/// it did not receive is not found.
pub fn open_in_portal(
    conn: &mut DbConn,
    bulletin_id: i32,
    merchant_id: i32,
    actor: &Actor,
) -> Result<(Bulletin, Recipient), BulletinError> {
    let r = Recipient::of_merchant(conn, bulletin_id, merchant_id)?.ok_or(BulletinError::NotFound)?;
    let r = record_read(conn, r.id, Via::Portal, actor)?;
    let b = Bulletin::find(conn, bulletin_id)?.ok_or(BulletinError::NotFound)?;
    Ok((b, r))
}

/// Someone follows an email's link: a genuine token records the receipt (the first time) and
/// gives the bulletin and the merchant's name; anything else is not found.
pub fn open_by_token(
    conn: &mut DbConn,
    secret: &[u8],
    token: &str,
) -> Result<(Bulletin, Recipient, String), BulletinError> {
    let rid = token_recipient(secret, token).ok_or(BulletinError::NotFound)?;
    let r = record_read(conn, rid, Via::Email, &Actor::system("bulletin-link"))?;
    let b = Bulletin::find(conn, r.bulletin_id)?.ok_or(BulletinError::NotFound)?;
    let name = Merchant::find(conn, r.merchant_id)?
        .map(|m| m.name)
        .unwrap_or_default();
    Ok((b, r, name))
}

/// The recipient a genuine token names, without recording anything (the attachment link).
pub fn recipient_by_token(conn: &mut DbConn, secret: &[u8], token: &str) -> QueryResult<Option<Recipient>> {
    match token_recipient(secret, token) {
        Some(rid) => Recipient::find(conn, rid),
        None => Ok(None),
    }
}

/// Whether a merchant received bulletin `id` (the attachment is its, then).
pub fn received(conn: &mut DbConn, id: i32, merchant_id: i32) -> QueryResult<bool> {
    Ok(Recipient::of_merchant(conn, id, merchant_id)?.is_some())
}

/// Reminds every unread, not yet reminded recipient of bulletin `b` that has an address, in
/// one transaction with its audit entry; returns how many were reminded. Each recipient is
/// reminded at most once, whether by the daily job or by the committee.
fn remind_bulletin(
    conn: &mut DbConn,
    b: &Bulletin,
    base_url: &str,
    secret: &[u8],
    tz: chrono_tz::Tz,
    actor: &Actor,
) -> Result<usize, BulletinError> {
    write_tx(conn, |c| {
        let due: Vec<(Recipient, String)> = Recipient::of_bulletin(c, b.id)?
            .into_iter()
            .filter(|(r, _)| r.read_at.is_none() && r.reminded_at.is_none())
            .filter(|(r, _)| r.address.as_deref().is_some_and(|a| !a.trim().is_empty()))
            .collect();
        if due.is_empty() {
            return Ok(0);
        }
        let now = now_utc();
        let sent_on = local_date(b.sent_at, tz);
        for (r, name) in &due {
            queue_email(c, Links { base_url, secret }, b, (r, name), sent_on, true)?;
            diesel::update(bulletin_recipients::table.find(r.id))
                .set(bulletin_recipients::reminded_at.eq(Some(now)))
                .execute(c)?;
        }
        audit::append(
            c,
            actor,
            Change {
                action: "bulletin.remind",
                entity: "bulletin",
                entity_id: Some(b.id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "reminded": due.iter().map(|(r, _)| r.merchant_id).collect::<Vec<_>>(),
                })),
            },
        )?;
        Ok(due.len())
    })
}

/// The committee's "remind now": the unread recipients not reminded yet get their reminder.
pub fn remind_now(
    conn: &mut DbConn,
    id: i32,
    base_url: &str,
    secret: &[u8],
    tz: chrono_tz::Tz,
    actor: &Actor,
) -> Result<usize, BulletinError> {
    let b = Bulletin::find(conn, id)?.ok_or(BulletinError::NotFound)?;
    remind_bulletin(conn, &b, base_url, secret, tz, actor)
}

/// The daily job's part: each bulletin with a reminder whose day (the local sending date plus
/// its `remind_after_days`) has come reminds its unread recipients, once each. Running it again
/// finds nobody left to remind. Returns how many were reminded.
pub fn send_due_reminders(
    conn: &mut DbConn,
    base_url: &str,
    secret: &[u8],
    tz: chrono_tz::Tz,
    today: NaiveDate,
    actor: &Actor,
) -> Result<usize, BulletinError> {
    // Only bulletins that still have someone to remind.
    let ids: Vec<i32> = bulletin_recipients::table
        .filter(bulletin_recipients::read_at.is_null())
        .filter(bulletin_recipients::reminded_at.is_null())
        .select(bulletin_recipients::bulletin_id)
        .distinct()
        .load(conn)?;
    let candidates: Vec<Bulletin> = bulletins::table
        .filter(bulletins::id.eq_any(&ids))
        .filter(bulletins::remind_after_days.gt(0))
        .order(bulletins::id)
        .select(Bulletin::as_select())
        .load(conn)?;
    let mut n = 0;
    for b in candidates {
        let due_on = local_date(b.sent_at, tz) + chrono::Duration::days(i64::from(b.remind_after_days));
        if due_on <= today {
            n += remind_bulletin(conn, &b, base_url, secret, tz, actor)?;
        }
    }
    Ok(n)
}

/// A bulletin in the committee's list.
#[derive(Debug, Clone)]
pub struct Summary {
    pub bulletin: Bulletin,
    pub recipients: i64,
    pub read: i64,
}

/// The latest `limit` bulletins with their counts, newest first.
pub fn summaries(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Summary>> {
    let list = Bulletin::latest(conn, limit)?;
    let ids: Vec<i32> = list.iter().map(|b| b.id).collect();
    let counts = Recipient::counts(conn, &ids)?;
    Ok(list
        .into_iter()
        .zip(counts)
        .map(|(bulletin, (_, recipients, read))| Summary {
            bulletin,
            recipients,
            read,
        })
        .collect())
}

/// A bulletin with every recipient and its merchant's name.
pub type Detail = (Bulletin, Vec<(Recipient, String)>);

/// One bulletin with every recipient (and its merchant's name), for the committee.
pub fn detail(conn: &mut DbConn, id: i32) -> QueryResult<Option<Detail>> {
    match Bulletin::find(conn, id)? {
        Some(b) => {
            let rs = Recipient::of_bulletin(conn, id)?;
            Ok(Some((b, rs)))
        }
        None => Ok(None),
    }
}

/// The read rate of one bulletin over the days after sending.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RateCurve {
    pub id: i32,
    pub title: String,
    pub sent_at: NaiveDateTime,
    pub recipients: i64,
    /// For each of the asked days that has passed since sending: how many had read within that
    /// many days (shorter than the days asked while the bulletin is younger than the last).
    pub read_by_day: Vec<i64>,
    /// How many have read by now.
    pub read: i64,
}

/// The read rate over time of the latest `limit` bulletins: for each day `d` of `days`, how many
/// recipients had read within `d` days (d × 24 hours) after sending — for the days (ascending)
/// that have passed by `now` only: a bulletin sent yesterday has no "within 7 days" yet.
pub fn rate_curves(
    conn: &mut DbConn,
    limit: i64,
    days: &[i64],
    now: NaiveDateTime,
) -> QueryResult<Vec<RateCurve>> {
    let list = Bulletin::latest(conn, limit)?;
    let ids: Vec<i32> = list.iter().map(|b| b.id).collect();
    let reads: Vec<(i32, Option<NaiveDateTime>)> = bulletin_recipients::table
        .filter(bulletin_recipients::bulletin_id.eq_any(&ids))
        .select((bulletin_recipients::bulletin_id, bulletin_recipients::read_at))
        .load(conn)?;
    Ok(list
        .into_iter()
        .map(|b| {
            let mine: Vec<Option<NaiveDateTime>> = reads
                .iter()
                .filter(|(id, _)| *id == b.id)
                .map(|(_, r)| *r)
                .collect();
            let read_by_day = days
                .iter()
                .take_while(|d| b.sent_at + chrono::Duration::days(**d) <= now)
                .map(|d| {
                    let until = b.sent_at + chrono::Duration::days(*d);
                    mine.iter().filter(|r| r.is_some_and(|t| t <= until)).count() as i64
                })
                .collect();
            RateCurve {
                id: b.id,
                recipients: mine.len() as i64,
                read: mine.iter().filter(|r| r.is_some()).count() as i64,
                title: b.title,
                sent_at: b.sent_at,
                read_by_day,
            }
        })
        .collect())
}

/// `read ÷ recipients` as a whole percentage (rounded half up); 0 when nobody received it.
pub fn percent(read: i64, recipients: i64) -> i64 {
    if recipients <= 0 {
        0
    } else {
        (read * 200 + recipients) / (recipients * 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_up() {
        assert_eq!(percent(12, 30), 40);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(1, 8), 13);
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(5, 5), 100);
    }
}
