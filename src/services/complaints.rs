//! Consumer complaints (投诉/举报): filing one without an account, with per-client and
//! per-merchant daily limits and a single-use form timestamp against bots; and the inspectors' triage,
//! where a verified complaint counts in the merchant's rating (recomputed in the same
//! transaction).
//!
//! No IP address is ever stored: a client is known only by a SHA-256 of its address and a salt
//! that changes every day, so yesterday's hashes cannot be linked to today's.

use std::path::Path;

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

/// What a complaint is about: stored as its code, put into words (`complaints-category-{code}`)
/// when shown.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Category {
    /// Dirty premises, pests, staff hygiene.
    Hygiene,
    /// Spoiled, unsafe or adulterated food.
    FoodSafety,
    /// Prices not shown or not kept, short weight.
    Prices,
    /// Rude or unfair treatment, refused refunds.
    Service,
    /// No licence shown, fire exits blocked, other safety matters.
    Licences,
    /// Anything else (and every complaint filed before categories existed).
    Other,
}

impl Category {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every category, in the order the form offers them.
    pub fn all() -> &'static [Category] {
        <Category as strum::VariantArray>::VARIANTS
    }
}

/// How many days back a visit may be: a complaint about an older visit can no longer be checked
/// by an inspector with any hope of finding what happened.
pub const MAX_VISIT_AGE_DAYS: i64 = 90;

/// Why a visit date is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitDateError {
    /// Empty or not a date.
    Missing,
    /// After today.
    Future,
    /// More than [`MAX_VISIT_AGE_DAYS`] ago.
    TooOld,
}

/// Reads the visit date (`YYYY-MM-DD`, as a date input sends it) against `today`.
pub fn parse_visit_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, VisitDateError> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| VisitDateError::Missing)?;
    if d > today {
        Err(VisitDateError::Future)
    } else if today - d > chrono::Duration::days(MAX_VISIT_AGE_DAYS) {
        Err(VisitDateError::TooOld)
    } else {
        Ok(d)
    }
}

/// The symbols of a reference: digits and capitals without 0, 1, I, L, O and U, so a
/// reference read aloud or copied by hand is never misread.
const REF_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols after `TS-`: 30^8 ≈ 6.6 × 10^11 references, beyond guessing at the rate limits.
const REF_LEN: usize = 8;

/// A new random reference, `TS-` and eight symbols (e.g. `TS-7K3M9QX2`).
pub fn new_reference() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let tail: String = (0..REF_LEN)
        .map(|_| REF_ALPHABET[rng.gen_range(0..REF_ALPHABET.len())] as char)
        .collect();
    format!("TS-{tail}")
}

/// A reference as typed (any case, spaces, with or without `TS-`) in its stored form; `None`
/// when it cannot be one.
pub fn normalize_reference(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    // A bare code may itself begin with "TS": only a longer text has a prefix to strip.
    let tail = if s.len() == REF_LEN {
        s.as_str()
    } else {
        s.strip_prefix("TS-")
            .or_else(|| s.strip_prefix("TS"))
            .unwrap_or(&s)
    };
    (tail.len() == REF_LEN && tail.chars().all(|c| c.is_ascii_alphanumeric())).then(|| format!("TS-{tail}"))
}

/// Why a photo is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoError {
    /// Larger than [`crate::services::notices::MAX_PHOTO_BYTES`].
    TooLarge,
    /// Not a JPEG or PNG, or a damaged one.
    NotAnImage,
}

/// A photo ready to store: its bytes without metadata, and its content type.
#[derive(Debug, Clone)]
pub struct CleanPhoto {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// Checks a photo's size and type (from its bytes, not its name) and strips its metadata.
pub fn clean_photo(bytes: &[u8]) -> Result<CleanPhoto, PhotoError> {
    if bytes.len() > crate::services::notices::MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let content_type = crate::services::notices::sniff_image(bytes).ok_or(PhotoError::NotAnImage)?;
    let bytes = strip_metadata(bytes, content_type).ok_or(PhotoError::NotAnImage)?;
    Ok(CleanPhoto { bytes, content_type })
}

/// The image without the parts that may say where, when and with what it was taken: in a JPEG
/// every APPn segment but JFIF (APP0), the colour profile (APP2 `ICC_PROFILE`) and Adobe's
/// colour transform (APP14), and comments; in a PNG the `eXIf`, `tEXt`, `zTXt`, `iTXt` and
/// `tIME` chunks. The pixels are not decoded or touched. `None` when the file's structure is
/// broken.
pub fn strip_metadata(bytes: &[u8], content_type: &str) -> Option<Vec<u8>> {
    match content_type {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        _ => None,
    }
}

fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = vec![0xFF, 0xD8];
    let mut i = 2;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        // Fill bytes before a marker.
        while *b.get(i + 1)? == 0xFF {
            i += 1;
        }
        let marker = b[i + 1];
        match marker {
            // End of image, with no scan: not a picture.
            0xD9 => return None,
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let len = u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]) as usize;
        if len < 2 {
            return None;
        }
        let end = i + 2 + len;
        let segment = b.get(i..end)?;
        let data = &segment[4..];
        let keep = match marker {
            0xE0 => true,
            0xE2 => data.starts_with(b"ICC_PROFILE\0"),
            0xEE => data.starts_with(b"Adobe"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(segment);
        }
        if marker == 0xDA {
            // Start of scan: the entropy-coded data and everything after it (further scans of
            // a progressive JPEG, the end marker) is image data.
            out.extend_from_slice(&b[end..]);
            return Some(out);
        }
        i = end;
    }
}

fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if !b.starts_with(&SIGNATURE) {
        return None;
    }
    let mut out = SIGNATURE.to_vec();
    let mut i = 8;
    loop {
        let len = u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize;
        let end = i.checked_add(12)?.checked_add(len)?;
        let chunk = b.get(i..end)?;
        let kind = &chunk[4..8];
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            return Some(out);
        }
        i = end;
    }
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
    pub category: Category,
    pub visited_on: NaiveDate,
    /// A photo, already checked and stripped ([`clean_photo`]).
    pub photo: Option<CleanPhoto>,
}

/// A photo file written before the transaction, removed again unless it commits.
struct PhotoFile(Option<std::path::PathBuf>);

impl Drop for PhotoFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
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
/// of today in the deployment's time zone, in UTC. The photo is written to `upload_dir` first
/// and removed again if the complaint is not stored. Returns the id and the reference.
pub fn file(
    conn: &mut DbConn,
    upload_dir: &Path,
    c: &NewComplaint,
    now: NaiveDateTime,
    day_start: NaiveDateTime,
) -> Result<(i32, String), FileError> {
    let mut written = PhotoFile(None);
    let photo = match &c.photo {
        Some(p) => {
            std::fs::create_dir_all(upload_dir).map_err(|e| {
                anyhow::anyhow!("cannot create upload directory {}: {e}", upload_dir.display())
            })?;
            let mut key = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut key);
            let ext = if p.content_type == "image/png" {
                "png"
            } else {
                "jpg"
            };
            let storage_key = format!("complaint-{}.{ext}", hex::encode(key));
            let path = crate::services::notices::attachment_path(upload_dir, &storage_key);
            std::fs::write(&path, &p.bytes)
                .map_err(|e| anyhow::anyhow!("cannot write upload {}: {e}", path.display()))?;
            written.0 = Some(path);
            Some((storage_key, p.content_type))
        }
        None => None,
    };
    let stored = write_tx(conn, |tx| {
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
        // A reference no other complaint has (a clash is one in billions; try again then).
        let mut reference = new_reference();
        for _ in 0..5 {
            let taken: i64 = complaints::table
                .filter(complaints::reference.eq(&reference))
                .count()
                .get_result(tx)?;
            if taken == 0 {
                break;
            }
            reference = new_reference();
        }
        let id: i32 = crate::db::dispatch!(tx, |x| diesel::insert_into(complaints::table)
            .values((
                complaints::merchant_id.eq(c.merchant_id),
                complaints::body.eq(&c.body),
                complaints::contact.eq(c.contact.as_deref()),
                complaints::client_hash.eq(&c.client_hash),
                complaints::status.eq(ComplaintState::New),
                complaints::created_at.eq(now),
                complaints::category.eq(c.category.as_str()),
                complaints::visited_on.eq(Some(c.visited_on)),
                complaints::reference.eq(Some(&reference)),
                complaints::photo_key.eq(photo.as_ref().map(|p| p.0.as_str())),
                complaints::photo_type.eq(photo.as_ref().map(|p| p.1)),
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
                    "category": c.category.as_str(),
                    "visited_on": c.visited_on,
                    "has_photo": photo.is_some(),
                })),
            },
        )?;
        Ok((id, reference))
    })?;
    // Stored: keep the photo.
    written.0 = None;
    Ok(stored)
}

/// What the public status page shows of a complaint: nothing about the person who filed it.
#[derive(Debug, Clone)]
pub struct ComplaintStatus {
    pub reference: String,
    pub merchant_id: i32,
    pub merchant_name: String,
    pub category: Category,
    pub visited_on: Option<NaiveDate>,
    pub filed_at: NaiveDateTime,
    pub status: ComplaintState,
    /// When it was triaged (verified or dismissed).
    pub triaged_at: Option<NaiveDateTime>,
}

/// The complaint with this reference (already normalised), if any.
pub fn status_of(conn: &mut DbConn, reference: &str) -> QueryResult<Option<ComplaintStatus>> {
    type Row = (
        String,
        i32,
        String,
        String,
        Option<NaiveDate>,
        NaiveDateTime,
        ComplaintState,
        Option<NaiveDateTime>,
    );
    let row: Option<Row> = complaints::table
        .inner_join(merchants::table)
        .filter(complaints::reference.eq(reference))
        .select((
            complaints::reference.assume_not_null(),
            complaints::merchant_id,
            merchants::name,
            complaints::category,
            complaints::visited_on,
            complaints::created_at,
            complaints::status,
            complaints::triaged_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(
        |(reference, merchant_id, merchant_name, category, visited_on, filed_at, status, triaged_at)| {
            ComplaintStatus {
                reference,
                merchant_id,
                merchant_name,
                category: category.parse().unwrap_or(Category::Other),
                visited_on,
                filed_at,
                status,
                triaged_at,
            }
        },
    ))
}

/// A complaint's photo: (storage key, content type), when it has one.
pub fn photo_of(conn: &mut DbConn, id: i32) -> QueryResult<Option<(String, String)>> {
    let row: Option<(Option<String>, Option<String>)> = complaints::table
        .find(id)
        .select((complaints::photo_key, complaints::photo_type))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(k, t)| Some((k?, t?))))
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
    /// The category's code.
    pub category: String,
    pub visited_on: Option<NaiveDate>,
    pub has_photo: bool,
    pub reference: Option<String>,
}

/// (id, merchant, merchant name, body, contact, filed) of a pending complaint.
type PendingRow = (i32, i32, String, String, Option<String>, NaiveDateTime);
/// (category, visit date, photo key, reference) of a pending complaint.
type PendingDetails = (String, Option<NaiveDate>, Option<String>, Option<String>);

/// Complaints with status `new`, oldest first (the oldest waited longest).
pub fn pending(conn: &mut DbConn) -> QueryResult<Vec<PendingComplaint>> {
    let rows: Vec<(PendingRow, PendingDetails)> = complaints::table
        .inner_join(merchants::table)
        .filter(complaints::status.eq(ComplaintState::New))
        .order((complaints::created_at.asc(), complaints::id.asc()))
        .limit(500)
        .select((
            (
                complaints::id,
                complaints::merchant_id,
                merchants::name,
                complaints::body,
                complaints::contact,
                complaints::created_at,
            ),
            (
                complaints::category,
                complaints::visited_on,
                complaints::photo_key,
                complaints::reference,
            ),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                (id, merchant_id, merchant_name, body, contact, created_at),
                (category, visited_on, photo_key, reference),
            )| PendingComplaint {
                id,
                merchant_id,
                merchant_name,
                body,
                contact,
                created_at,
                category,
                visited_on,
                has_photo: photo_key.is_some(),
                reference,
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
    fn references_are_short_unambiguous_and_read_loosely() {
        let r = new_reference();
        assert_eq!(r.len(), 11);
        assert!(r.starts_with("TS-"));
        assert!(r[3..].bytes().all(|b| REF_ALPHABET.contains(&b)), "{r}");
        assert_ne!(new_reference(), new_reference());
        assert_eq!(normalize_reference(&r), Some(r.clone()));
        assert_eq!(
            normalize_reference(" ts-7k3m 9qx2 ").as_deref(),
            Some("TS-7K3M9QX2")
        );
        assert_eq!(normalize_reference("7K3M9QX2").as_deref(), Some("TS-7K3M9QX2"));
        // A code that begins with the prefix's letters, typed without the prefix (CI met one).
        assert_eq!(normalize_reference("ts7k3m9q").as_deref(), Some("TS-TS7K3M9Q"));
        assert_eq!(normalize_reference("TS-TS7K3M9Q").as_deref(), Some("TS-TS7K3M9Q"));
        assert_eq!(normalize_reference("TSTS7K3M9Q").as_deref(), Some("TS-TS7K3M9Q"));
        for bad in ["", "TS-", "TS-7K3M9QX", "TS-7K3M9QX2X", "TS-7K3M9Q/2", "<script>"] {
            assert_eq!(normalize_reference(bad), None, "{bad}");
        }
    }

    #[test]
    fn visit_dates_are_today_or_up_to_ninety_days_back() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(parse_visit_date("2026-12-01", today), Ok(today));
        assert!(parse_visit_date(" 2026-09-02 ", today).is_ok(), "90 days back");
        assert_eq!(parse_visit_date("2026-09-01", today), Err(VisitDateError::TooOld));
        assert_eq!(parse_visit_date("2026-12-02", today), Err(VisitDateError::Future));
        for bad in ["", "yesterday", "2026-13-01", "01/12/2026"] {
            assert_eq!(
                parse_visit_date(bad, today),
                Err(VisitDateError::Missing),
                "{bad}"
            );
        }
    }

    #[test]
    fn photos_lose_their_metadata_and_broken_ones_are_refused() {
        // A JPEG: JFIF kept, EXIF (APP1), XMP-like APP13 and comments dropped, scan kept.
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2];
        j.extend([0xFF, 0xE1, 0, 11]);
        j.extend(b"Exif\0\0GPS");
        j.extend([0xFF, 0xED, 0, 5, b'I', b'P', b'T']);
        j.extend([0xFF, 0xFE, 0, 4, b'h', b'i']);
        j.extend([0xFF, 0xDB, 0, 3, 9]);
        j.extend([0xFF, 0xDA, 0, 2, 0xAB, 0xCD, 0xFF, 0xD9]);
        let out = strip_metadata(&j, "image/jpeg").unwrap();
        assert_eq!(
            out,
            vec![
                0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xDB, 0, 3, 9, 0xFF, 0xDA, 0, 2, 0xAB, 0xCD, 0xFF,
                0xD9
            ]
        );
        // Cut short, or no scan: refused.
        assert_eq!(strip_metadata(&j[..12], "image/jpeg"), None);
        assert_eq!(strip_metadata(&[0xFF, 0xD8, 0xFF, 0xD9], "image/jpeg"), None);
        // A PNG: text, time and EXIF chunks dropped.
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend(kind);
            c.extend(data);
            c.extend([0, 0, 0, 0]);
            c
        };
        let mut p = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let ihdr = chunk(b"IHDR", &[0; 13]);
        let idat = chunk(b"IDAT", &[1, 2, 3]);
        let iend = chunk(b"IEND", &[]);
        p.extend(&ihdr);
        p.extend(chunk(b"eXIf", b"GPS"));
        p.extend(chunk(b"tEXt", b"Comment\0home"));
        p.extend(chunk(b"tIME", &[0; 7]));
        p.extend(&idat);
        p.extend(&iend);
        let out = strip_metadata(&p, "image/png").unwrap();
        let mut want = p[..8].to_vec();
        want.extend(ihdr);
        want.extend(idat);
        want.extend(&iend);
        assert_eq!(out, want);
        assert_eq!(strip_metadata(&p[..20], "image/png"), None);
        assert!(matches!(clean_photo(b"GIF89a"), Err(PhotoError::NotAnImage)));
        assert!(matches!(clean_photo(&j[..12]), Err(PhotoError::NotAnImage)));
    }

    #[test]
    fn categories_are_stored_as_codes() {
        let codes: Vec<&str> = Category::all().iter().map(|c| c.as_str()).collect();
        assert_eq!(
            codes,
            ["hygiene", "food_safety", "prices", "service", "licences", "other"]
        );
        assert_eq!("food_safety".parse::<Category>().ok(), Some(Category::FoodSafety));
        assert!("Hygiene".parse::<Category>().is_err());
    }

    #[test]
    fn decisions_parse() {
        assert_eq!(Decision::parse("verified"), Some(Decision::Verified));
        assert_eq!(Decision::parse(" dismissed "), Some(Decision::Dismissed));
        assert_eq!(Decision::parse("maybe"), None);
    }
}
