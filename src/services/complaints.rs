//! Consumer complaints (投诉/举报): filing one without an account, with per-client and
//! per-merchant daily limits and a single-use form timestamp against bots; and the inspectors' triage,
//! where a verified complaint counts in the merchant's rating (recomputed in the same
//! transaction).
//!
//! No IP address is ever stored: a client is known only by a SHA-256 of its address and a salt
//! that changes every day, so yesterday's hashes cannot be linked to today's.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::Merchant;
use crate::db::models::write_tx;
use crate::db::schema::{complaints, merchants, used_form_tokens};
use crate::db::DbConn;
use crate::domain::policy::Policy;
use crate::domain::words::ComplaintState;
use crate::services::plaque::derive_key;
use crate::services::rating::recompute_merchant;

type HmacSha256 = Hmac<Sha256>;

/// At most this many complaints from one client in one day.
pub const PER_CLIENT_PER_DAY: i64 = 3;
/// At most this many complaints about one merchant in one day (from everyone).
pub const PER_MERCHANT_PER_DAY: i64 = 20;
/// A form submitted sooner than this after it was shown is taken for a bot.
pub const MIN_FORM_SECONDS: i64 = 3;
/// A form older than this has expired.
pub const MAX_FORM_SECONDS: i64 = 24 * 3600;

fn mac(key: &[u8]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts any key length")
}

/// The signed render time put in the complaint form:
/// `{unix seconds}.{16 hex of randomness}.{16 hex of the MAC}`. The random part makes every
/// form's token different, so a token can be used once ([`file`] records it).
pub fn form_token(secret: &[u8], at_unix: i64) -> String {
    let mut nonce = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut nonce);
    let body = format!("{at_unix}.{}", hex::encode(nonce));
    let mut m = mac(&derive_key(secret, "complaint-form"));
    m.update(body.as_bytes());
    format!("{body}.{}", &hex::encode(m.finalize().into_bytes())[..16])
}

/// The signed part of a genuine token (`{unix seconds}.{randomness}`) and its render time.
fn form_token_parts(secret: &[u8], token: &str) -> Option<(String, i64)> {
    let (body, tag) = token.trim().rsplit_once('.')?;
    let (at, nonce) = body.split_once('.')?;
    if tag.len() != 16 || nonce.len() != 16 {
        return None;
    }
    let at_unix: i64 = at.parse().ok()?;
    let mut m = mac(&derive_key(secret, "complaint-form"));
    m.update(body.as_bytes());
    m.verify_truncated_left(&hex::decode(tag).ok()?).ok()?;
    Some((body.to_string(), at_unix))
}

/// Seconds since the form was shown, when the token is genuine.
pub fn form_age(secret: &[u8], token: &str, now_unix: i64) -> Option<i64> {
    form_token_parts(secret, token).map(|(_, at)| now_unix - at)
}

/// What identifies a genuine token in the used-token table (its signed part).
pub fn form_token_id(secret: &[u8], token: &str) -> Option<String> {
    form_token_parts(secret, token).map(|(id, _)| id)
}

/// Whether a form shown `age` seconds ago may be accepted, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormTiming {
    /// Fine.
    Ok,
    /// Sent faster than a person types.
    TooFast,
    /// Missing, forged, from the future or older than a day.
    Expired,
}

/// Judges a form token.
pub fn form_timing(secret: &[u8], token: &str, now_unix: i64) -> FormTiming {
    match form_age(secret, token, now_unix) {
        Some(a) if (MIN_FORM_SECONDS..=MAX_FORM_SECONDS).contains(&a) => FormTiming::Ok,
        Some(a) if (0..MIN_FORM_SECONDS).contains(&a) => FormTiming::TooFast,
        _ => FormTiming::Expired,
    }
}

/// The client's hash for `day`: SHA-256 of the address and a salt derived from the secret and
/// the day. Stored instead of the address.
pub fn client_hash(secret: &[u8], ip: &str, day: NaiveDate) -> String {
    let mut salt = mac(&derive_key(secret, "complaint-client"));
    salt.update(day.to_string().as_bytes());
    let salt = salt.finalize().into_bytes();
    let mut h = Sha256::new();
    h.update(salt);
    h.update(ip.as_bytes());
    hex::encode(h.finalize())
}

/// A complaint as typed, already validated at the edge.
#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub merchant_id: i32,
    pub body: String,
    pub contact: Option<String>,
    pub client_hash: String,
    /// The form's token ([`form_token_id`]): refused if it already filed a complaint.
    pub form_token: String,
}

/// Why a complaint was not stored.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("no merchant {0}")]
    NoMerchant(i32),
    #[error("too many complaints from this client today")]
    ClientLimit,
    #[error("too many complaints about this merchant today")]
    MerchantLimit,
    #[error("this form was already used to file a complaint")]
    FormUsed,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for FileError {
    fn from(e: diesel::result::Error) -> Self {
        FileError::Other(e.into())
    }
}

/// Stores a complaint with its audit entry, after checking the daily limits inside the same
/// write transaction (so two at once cannot both slip under a limit). `day_start` is the start
/// of today in the deployment's time zone, in UTC.
pub fn file(
    conn: &mut DbConn,
    c: &NewComplaint,
    now: NaiveDateTime,
    day_start: NaiveDateTime,
) -> Result<i32, FileError> {
    write_tx(conn, |tx| {
        if Merchant::find(tx, c.merchant_id)?.is_none() {
            return Err(FileError::NoMerchant(c.merchant_id));
        }
        let used: i64 = used_form_tokens::table
            .filter(used_form_tokens::token.eq(&c.form_token))
            .count()
            .get_result(tx)?;
        if used > 0 {
            return Err(FileError::FormUsed);
        }
        let from_client: i64 = complaints::table
            .filter(complaints::client_hash.eq(&c.client_hash))
            .filter(complaints::created_at.ge(day_start))
            .count()
            .get_result(tx)?;
        if from_client >= PER_CLIENT_PER_DAY {
            return Err(FileError::ClientLimit);
        }
        let about: i64 = complaints::table
            .filter(complaints::merchant_id.eq(c.merchant_id))
            .filter(complaints::created_at.ge(day_start))
            .count()
            .get_result(tx)?;
        if about >= PER_MERCHANT_PER_DAY {
            return Err(FileError::MerchantLimit);
        }
        let id: i32 = crate::db::dispatch!(tx, |x| diesel::insert_into(complaints::table)
            .values((
                complaints::merchant_id.eq(c.merchant_id),
                complaints::body.eq(&c.body),
                complaints::contact.eq(c.contact.as_deref()),
                complaints::client_hash.eq(&c.client_hash),
                complaints::status.eq(ComplaintState::New),
                complaints::created_at.eq(now),
            ))
            .returning(complaints::id)
            .get_result(x))?;
        // A token older than a day is refused as expired anyway: forget those.
        diesel::delete(used_form_tokens::table)
            .filter(used_form_tokens::used_at.lt(now - chrono::Duration::seconds(MAX_FORM_SECONDS)))
            .execute(tx)?;
        diesel::insert_into(used_form_tokens::table)
            .values((
                used_form_tokens::token.eq(&c.form_token),
                used_form_tokens::used_at.eq(now),
            ))
            .execute(tx)?;
        // The audit log keeps the fact, not the complainant's words or contact.
        audit::append(
            tx,
            &Actor::system("public"),
            Change {
                action: "complaint.create",
                entity: "complaint",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "merchant_id": c.merchant_id,
                    "status": ComplaintState::New,
                    "body_chars": c.body.chars().count(),
                    "has_contact": c.contact.is_some(),
                })),
            },
        )?;
        Ok(id)
    })
}

/// A complaint waiting for triage, as the inspectors' list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PendingComplaint {
    pub id: i32,
    pub merchant_id: i32,
    pub merchant_name: String,
    pub body: String,
    pub contact: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Complaints with status `new`, oldest first (the oldest waited longest).
pub fn pending(conn: &mut DbConn) -> QueryResult<Vec<PendingComplaint>> {
    let rows: Vec<(i32, i32, String, String, Option<String>, NaiveDateTime)> = complaints::table
        .inner_join(merchants::table)
        .filter(complaints::status.eq(ComplaintState::New))
        .order((complaints::created_at.asc(), complaints::id.asc()))
        .limit(500)
        .select((
            complaints::id,
            complaints::merchant_id,
            merchants::name,
            complaints::body,
            complaints::contact,
            complaints::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, merchant_id, merchant_name, body, contact, created_at)| PendingComplaint {
                id,
                merchant_id,
                merchant_name,
                body,
                contact,
                created_at,
            },
        )
        .collect())
}

/// An inspector's decision on a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The complaint is founded; it counts in the rating.
    Verified,
    /// Unfounded; it never counts.
    Dismissed,
}

impl Decision {
    /// The state the complaint goes to.
    pub fn state(self) -> ComplaintState {
        match self {
            Decision::Verified => ComplaintState::Verified,
            Decision::Dismissed => ComplaintState::Dismissed,
        }
    }

    /// Parses the form value (a decided state's stored name).
    pub fn parse(s: &str) -> Option<Decision> {
        match s.trim().parse() {
            Ok(ComplaintState::Verified) => Some(Decision::Verified),
            Ok(ComplaintState::Dismissed) => Some(Decision::Dismissed),
            Ok(ComplaintState::New) | Err(_) => None,
        }
    }
}

/// Why a triage did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("no complaint {0}")]
    NotFound(i32),
    #[error("complaint {0} was already triaged")]
    AlreadyTriaged(i32),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for TriageError {
    fn from(e: diesel::result::Error) -> Self {
        TriageError::Other(e.into())
    }
}

/// Records the decision on a new complaint with its audit entry and, for a verified one,
/// recomputes the merchant's rating — all in one transaction. Returns the merchant's id.
#[expect(clippy::too_many_arguments, reason = "one use case, each argument distinct")]
pub fn triage(
    conn: &mut DbConn,
    policy: &Policy,
    today: NaiveDate,
    now: NaiveDateTime,
    actor: &Actor,
    id: i32,
    decision: Decision,
    note: &str,
) -> Result<i32, TriageError> {
    write_tx(conn, |tx| {
        let (merchant_id, status): (i32, ComplaintState) = complaints::table
            .find(id)
            .select((complaints::merchant_id, complaints::status))
            .first(tx)
            .optional()?
            .ok_or(TriageError::NotFound(id))?;
        if status != ComplaintState::New {
            return Err(TriageError::AlreadyTriaged(id));
        }
        diesel::update(complaints::table.find(id))
            .set((
                complaints::status.eq(decision.state()),
                complaints::triaged_by.eq(actor.user_id),
                complaints::triaged_at.eq(Some(now)),
                complaints::triage_note.eq(Some(note)),
            ))
            .execute(tx)?;
        audit::append(
            tx,
            actor,
            Change {
                action: "complaint.triage",
                entity: "complaint",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({ "status": status })),
                after: Some(serde_json::json!({
                    "merchant_id": merchant_id,
                    "status": decision.state(),
                    "note": note,
                })),
            },
        )?;
        if decision == Decision::Verified {
            recompute_merchant(tx, policy, merchant_id, today, actor)?;
        }
        Ok(merchant_id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_tokens_carry_their_age_and_cannot_be_forged() {
        let t = form_token(b"secret", 1_000);
        assert_eq!(form_age(b"secret", &t, 1_005), Some(5));
        assert_eq!(form_age(b"other", &t, 1_005), None);
        assert_eq!(form_age(b"secret", &t.replacen("1000", "900", 1), 1_005), None);
        // Every form gets its own token, and only the signed part identifies it.
        let again = form_token(b"secret", 1_000);
        assert_ne!(t, again);
        let id = form_token_id(b"secret", &t).unwrap();
        assert!(t.starts_with(&format!("{id}.")), "{t} {id}");
        assert_ne!(Some(id), form_token_id(b"secret", &again));
        assert_eq!(form_token_id(b"other", &t), None);
        assert_eq!(form_age(b"secret", "", 1_005), None);
        assert_eq!(form_timing(b"secret", &t, 1_001), FormTiming::TooFast);
        assert_eq!(form_timing(b"secret", &t, 1_003), FormTiming::Ok);
        assert_eq!(
            form_timing(b"secret", &t, 1_000 + MAX_FORM_SECONDS + 1),
            FormTiming::Expired
        );
        assert_eq!(form_timing(b"secret", &t, 990), FormTiming::Expired);
        assert_eq!(form_timing(b"secret", "x.y", 1_003), FormTiming::Expired);
    }

    #[test]
    fn client_hashes_change_daily_and_hide_the_address() {
        let d1 = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let d2 = d1.succ_opt().unwrap();
        let a = client_hash(b"s", "203.0.113.9", d1);
        assert_eq!(a, client_hash(b"s", "203.0.113.9", d1));
        assert_ne!(a, client_hash(b"s", "203.0.113.9", d2));
        assert_ne!(a, client_hash(b"s", "203.0.113.10", d1));
        assert_ne!(a, client_hash(b"t", "203.0.113.9", d1));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("203"));
    }

    #[test]
    fn decisions_parse() {
        assert_eq!(Decision::parse("verified"), Some(Decision::Verified));
        assert_eq!(Decision::parse(" dismissed "), Some(Decision::Dismissed));
        assert_eq!(Decision::parse("maybe"), None);
    }
}
