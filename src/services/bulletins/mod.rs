//! Bulletins (政策宣传): the committee writes one for an audience (every member, an area, a
//! category, or the black-listed), and sending it is one transaction — the bulletin, one
//! recipient row per member in the audience that day, one outbox email per recipient with an
//! address (in its portal user's language), and the audit entry. Reading it in the portal or
//! through the email's link records the receipt ([`reads`]); unread recipients get one reminder
//! ([`reads::send_due_reminders`] from the daily job, or the committee's "remind now").
//!
//! The email link carries `{recipient id}-{MAC}`: an HMAC-SHA256 of the recipient id under a key
//! derived from the application secret (purpose `bulletin-read`). Nothing secret is stored, the
//! reminder can carry the same link again, and a link cannot be forged or moved to another
//! recipient without the secret. It only records a read and shows a text the member was sent.

pub mod reads;

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::bulletin::{Bulletin, NewBulletin, NewRecipient, Recipient};
use crate::db::models::merchant::Merchant;
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{merchants, users};
use crate::db::DbConn;
use crate::domain::policy::Policy;
use crate::domain::words::ListStatus;
use crate::i18n::Lang;
use crate::mail::bulletins::BulletinMail;
use crate::mail::outbox::{enqueue, NewMail};
use crate::services::problem::{ArgValue, Problem};

/// Longest title (characters).
pub const MAX_TITLE_CHARS: usize = 100;
/// Largest attachment, in bytes.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Longest wait before the reminder the committee can choose (days).
pub const MAX_REMIND_DAYS: i32 = 60;

/// Who a bulletin is for: members only, chosen on the day it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every member.
    All,
    /// The members of one area (片区), by its stored name.
    Area(String),
    /// The members of one category, by its stored name.
    Category(String),
    /// The members on the black list.
    Black,
}

impl Audience {
    /// Parses the form's value: `all`, `black`, `area:NAME`, `category:NAME`.
    pub fn parse(raw: &str) -> Option<Audience> {
        let raw = raw.trim();
        match raw {
            "all" => return Some(Audience::All),
            "black" => return Some(Audience::Black),
            _ => {}
        }
        let (kind, value) = raw.split_once(':')?;
        let value = value.trim();
        if value.is_empty() || value.chars().count() > 50 {
            return None;
        }
        match kind {
            "area" => Some(Audience::Area(value.to_string())),
            "category" => Some(Audience::Category(value.to_string())),
            _ => None,
        }
    }

    /// From the stored columns.
    pub fn from_columns(kind: &str, value: &str) -> Audience {
        match kind {
            "area" => Audience::Area(value.to_string()),
            "category" => Audience::Category(value.to_string()),
            "black" => Audience::Black,
            _ => Audience::All,
        }
    }

    /// The form's value (the inverse of [`Audience::parse`]).
    pub fn form_value(&self) -> String {
        match self {
            Audience::All => "all".into(),
            Audience::Black => "black".into(),
            Audience::Area(a) => format!("area:{a}"),
            Audience::Category(c) => format!("category:{c}"),
        }
    }

    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Audience::All => "all",
            Audience::Area(_) => "area",
            Audience::Category(_) => "category",
            Audience::Black => "black",
        }
    }

    /// The stored value (the area or category; empty for the others).
    pub fn value(&self) -> &str {
        match self {
            Audience::Area(v) | Audience::Category(v) => v,
            _ => "",
        }
    }

    /// Whether `m` (already known to be a member) is in it.
    fn holds(&self, m: &Merchant) -> bool {
        match self {
            Audience::All => true,
            Audience::Area(a) => m.area == *a,
            Audience::Category(c) => m.category == *c,
            Audience::Black => m.current_list == ListStatus::Black,
        }
    }
}

/// The open merchants that are alliance members on `today`, by id.
fn members(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<Merchant>> {
    let all: Vec<Merchant> = merchants::table
        .filter(merchants::status.eq("open"))
        .filter(merchants::member_since.is_not_null())
        .order(merchants::id)
        .select(Merchant::as_select())
        .load(conn)?;
    Ok(all.into_iter().filter(|m| m.is_member_on(today)).collect())
}

/// The members in `audience` on `today`, by id.
pub fn members_in(conn: &mut DbConn, audience: &Audience, today: NaiveDate) -> QueryResult<Vec<Merchant>> {
    Ok(members(conn, today)?
        .into_iter()
        .filter(|m| audience.holds(m))
        .collect())
}

/// Every audience the form offers, with how many members each reaches today: all, the black
/// list, each area and each category (the policy's declared ones, else the members' own).
pub fn audience_choices(
    conn: &mut DbConn,
    policy: &Policy,
    today: NaiveDate,
) -> QueryResult<Vec<(Audience, usize)>> {
    let ms = members(conn, today)?;
    let names = |declared: Vec<String>, own: Vec<String>| {
        let mut v = if declared.is_empty() { own } else { declared };
        v.sort();
        v.dedup();
        v
    };
    let areas = names(
        policy.areas.iter().map(|d| d.name_zh.clone()).collect(),
        ms.iter().map(|m| m.area.clone()).collect(),
    );
    let categories = names(
        policy.categories.iter().map(|d| d.name_zh.clone()).collect(),
        ms.iter().map(|m| m.category.clone()).collect(),
    );
    let mut out = vec![Audience::All, Audience::Black];
    out.extend(areas.into_iter().map(Audience::Area));
    out.extend(categories.into_iter().map(Audience::Category));
    Ok(out
        .into_iter()
        .map(|a| {
            let n = ms.iter().filter(|m| a.holds(m)).count();
            (a, n)
        })
        .collect())
}

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the browser sent.
    pub file_name: String,
    /// The bytes (one more than the limit when the file was larger).
    pub bytes: Vec<u8>,
}

/// A bulletin as the committee typed it.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub title: String,
    /// Markdown.
    pub body: String,
    /// The audience's form value ([`Audience::parse`]).
    pub audience: String,
    /// Days before the reminder, as typed ("0": none).
    pub remind_after_days: String,
    pub attachment: Option<Upload>,
}

/// A draft that passed validation.
#[derive(Debug, Clone)]
pub struct Valid {
    pub title: String,
    pub body: String,
    pub audience: Audience,
    pub remind_after_days: i32,
    /// (clean file name, content type, extension) of the attachment.
    pub attachment: Option<(String, &'static str, &'static str)>,
}

/// The content type and extension of an attachment, from its first bytes and (for the Office
/// formats, which share their container with other files) its name: PDF, JPEG, PNG, Word, Excel.
pub fn sniff_file(name: &str, bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if bytes.starts_with(b"%PDF-") {
        return Some(("application/pdf", "pdf"));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(("image/jpeg", "jpg"));
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(("image/png", "png"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match ext.as_str() {
            "docx" => Some((
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "docx",
            )),
            "xlsx" => Some((
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            )),
            _ => None,
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return match ext.as_str() {
            "doc" => Some(("application/msword", "doc")),
            "xls" => Some(("application/vnd.ms-excel", "xls")),
            _ => None,
        };
    }
    None
}

/// A file name safe to show and to send in `Content-Disposition`: no path, no control
/// characters, at most 100 characters.
fn clean_name(raw: &str, ext: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(100)
        .collect();
    if cleaned.trim().is_empty() {
        format!("attachment.{ext}")
    } else {
        cleaned
    }
}

/// Checks a draft (not yet whether its audience has anyone in it: that is [`send`]'s).
pub fn validate(d: &Draft) -> Result<Valid, Vec<Problem>> {
    let mut problems = Vec::new();
    let title = d.title.trim().to_string();
    if title.is_empty() {
        problems.push(Problem::at("title").t("bulletins-problem-title-empty"));
    } else if title.chars().count() > MAX_TITLE_CHARS {
        problems.push(
            Problem::at("title").tr("bulletins-problem-title-long", &[("max", MAX_TITLE_CHARS.into())]),
        );
    }
    let body = d.body.trim().to_string();
    if body.is_empty() {
        problems.push(Problem::at("body").t("bulletins-problem-body-empty"));
    } else if body.chars().count() > crate::mail::markdown::MAX_CHARS {
        problems.push(Problem::at("body").tr(
            "bulletins-problem-body-long",
            &[("max", crate::mail::markdown::MAX_CHARS.into())],
        ));
    }
    let audience = Audience::parse(&d.audience);
    if audience.is_none() {
        problems.push(Problem::at("audience").t("bulletins-problem-audience"));
    }
    let remind = match d.remind_after_days.trim() {
        "" => Some(0),
        s => s
            .parse::<i32>()
            .ok()
            .filter(|n| (0..=MAX_REMIND_DAYS).contains(n)),
    };
    if remind.is_none() {
        problems.push(
            Problem::at("remind_after_days")
                .tr("bulletins-problem-remind", &[("max", MAX_REMIND_DAYS.into())]),
        );
    }
    let mut attachment = None;
    if let Some(f) = &d.attachment {
        let name = ("name", ArgValue::from(&f.file_name));
        if f.bytes.len() > MAX_FILE_BYTES {
            problems.push(Problem::at("attachment").tr(
                "bulletins-problem-file-large",
                &[name, ("mb", (MAX_FILE_BYTES / (1024 * 1024)).into())],
            ));
        } else {
            match sniff_file(&f.file_name, &f.bytes) {
                Some((t, ext)) => attachment = Some((clean_name(&f.file_name, ext), t, ext)),
                None => problems.push(Problem::at("attachment").tr("bulletins-problem-file-type", &[name])),
            }
        }
    }
    match (audience, remind) {
        (Some(audience), Some(remind_after_days)) if problems.is_empty() => Ok(Valid {
            title,
            body,
            audience,
            remind_after_days,
            attachment,
        }),
        _ => Err(problems),
    }
}

/// Why sending failed.
#[derive(Debug, thiserror::Error)]
pub enum BulletinError {
    /// No such bulletin (or not this merchant's).
    #[error("no such bulletin")]
    NotFound,
    /// The input does not validate (an empty audience included).
    #[error("invalid input: {0:?}")]
    Invalid(Vec<Problem>),
    /// The database, the disk or a template failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for BulletinError {
    fn from(e: diesel::result::Error) -> Self {
        BulletinError::Other(e.into())
    }
}

impl From<askama::Error> for BulletinError {
    fn from(e: askama::Error) -> Self {
        BulletinError::Other(e.into())
    }
}

type HmacSha256 = Hmac<Sha256>;

fn token_mac(secret: &[u8], recipient_id: i32) -> HmacSha256 {
    let key = crate::services::plaque::derive_key(secret, "bulletin-read");
    let mut mac = <HmacSha256 as Mac>::new_from_slice(&key).expect("HMAC accepts any key length");
    mac.update(format!("bulletin-recipient|{recipient_id}").as_bytes());
    mac
}

/// The token of a recipient's email link: `{id}-{32 hex digits of the MAC}`.
pub fn read_token(secret: &[u8], recipient_id: i32) -> String {
    let tag = token_mac(secret, recipient_id).finalize().into_bytes();
    format!("{recipient_id}-{}", &hex::encode(tag)[..32])
}

/// The recipient a token names, when its MAC is right (compared in constant time).
pub fn token_recipient(secret: &[u8], token: &str) -> Option<i32> {
    let (id, tag) = token.trim().split_once('-')?;
    if tag.len() != 32 || id.len() > 10 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id: i32 = id.parse().ok()?;
    let tag = hex::decode(tag).ok()?;
    token_mac(secret, id).verify_truncated_left(&tag).ok()?;
    Some(id)
}

/// The link in a recipient's emails.
pub fn read_link(base_url: &str, secret: &[u8], recipient_id: i32) -> String {
    format!(
        "{}/bulletins/read/{}",
        base_url.trim_end_matches('/'),
        read_token(secret, recipient_id)
    )
}

/// The language a merchant is written to in: its first active portal user's, else Chinese.
fn merchant_lang(conn: &mut DbConn, merchant_id: i32) -> QueryResult<Lang> {
    let tag: Option<String> = users::table
        .filter(users::merchant_id.eq(merchant_id))
        .filter(users::active.eq(true))
        .order(users::id)
        .select(users::language)
        .first(conn)
        .optional()?;
    Ok(tag.and_then(|t| Lang::from_tag(&t)).unwrap_or_default())
}

/// Where a bulletin's file is stored.
pub fn file_path(upload_dir: &Path, storage_key: &str) -> PathBuf {
    upload_dir.join(storage_key)
}

/// Removes the written file again unless the transaction commits.
struct Written(Option<PathBuf>, bool);

impl Drop for Written {
    fn drop(&mut self) {
        if let (Some(p), false) = (&self.0, self.1) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// What the emails' links are made from: the public base URL and the application secret.
#[derive(Clone, Copy)]
pub struct Links<'a> {
    pub base_url: &'a str,
    pub secret: &'a [u8],
}

/// Queues one bulletin email (or its reminder) to a recipient; call inside the transaction.
/// Returns whether there was an address to write to.
pub(crate) fn queue_email(
    c: &mut DbConn,
    links: Links<'_>,
    b: &Bulletin,
    (r, merchant_name): (&Recipient, &str),
    sent_on: NaiveDate,
    reminder: bool,
) -> Result<bool, BulletinError> {
    let Links { base_url, secret } = links;
    let Some(to) = r.address.as_deref().filter(|a| !a.trim().is_empty()) else {
        return Ok(false);
    };
    let lang = Lang::from_tag(&r.language).unwrap_or_default();
    let rendered = crate::mail::bulletins::bulletin(
        &BulletinMail {
            merchant_name: merchant_name.to_string(),
            title: b.title.clone(),
            body_md: b.body.clone(),
            sent_on: sent_on.to_string(),
            link: read_link(base_url, secret, r.id),
            attachment: b.attachment_name.clone(),
            reminder,
        },
        lang,
    )?;
    enqueue(
        c,
        NewMail {
            kind: if reminder {
                "bulletin.reminder"
            } else {
                "bulletin.sent"
            },
            to: to.trim(),
            notice_id: None,
            rendered,
        },
        base_url,
    )?;
    Ok(true)
}

/// What a send did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub id: i32,
    pub recipients: usize,
    pub emails: usize,
}

/// Everything [`send`] needs besides the draft.
pub struct SendContext<'a> {
    pub upload_dir: &'a Path,
    pub base_url: &'a str,
    /// The application secret (email links).
    pub secret: &'a [u8],
    /// The local date (membership is as of this day; shown as the sending day).
    pub today: NaiveDate,
    pub actor: &'a Actor,
}

/// Sends a bulletin: its file written first (removed again if the transaction fails), then in
/// one transaction the bulletin, a recipient per member in the audience today, an email per
/// recipient with an address, and the audit entry. An audience with no member is refused.
pub fn send(conn: &mut DbConn, ctx: &SendContext<'_>, draft: &Draft) -> Result<Sent, BulletinError> {
    let v = validate(draft).map_err(BulletinError::Invalid)?;
    let mut written = Written(None, false);
    let mut file = None;
    if let (Some((name, t, ext)), Some(up)) = (&v.attachment, &draft.attachment) {
        std::fs::create_dir_all(ctx.upload_dir).map_err(|e| {
            anyhow::anyhow!("cannot create upload directory {}: {e}", ctx.upload_dir.display())
        })?;
        let mut key = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut key);
        let storage_key = format!("bulletin-{}.{ext}", hex::encode(key));
        let path = file_path(ctx.upload_dir, &storage_key);
        std::fs::write(&path, &up.bytes)
            .map_err(|e| anyhow::anyhow!("cannot write upload {}: {e}", path.display()))?;
        written.0 = Some(path);
        file = Some((name.clone(), *t, storage_key, up.bytes.len() as i64));
    }
    let sent = write_tx(conn, |c| -> Result<Sent, BulletinError> {
        let audience = members_in(c, &v.audience, ctx.today)?;
        if audience.is_empty() {
            return Err(BulletinError::Invalid(vec![
                Problem::at("audience").t("bulletins-problem-audience-empty")
            ]));
        }
        let now = now_utc();
        let new = NewBulletin {
            title: v.title.clone(),
            body: v.body.clone(),
            audience_kind: v.audience.kind().into(),
            audience_value: v.audience.value().into(),
            attachment_name: file.as_ref().map(|f| f.0.clone()),
            attachment_type: file.as_ref().map(|f| f.1.to_string()),
            attachment_key: file.as_ref().map(|f| f.2.clone()),
            attachment_size: file.as_ref().map(|f| f.3),
            remind_after_days: v.remind_after_days,
            sent_at: now,
            sent_by: ctx.actor.user_id,
        };
        let id = Bulletin::insert(c, &new)?;
        let b = Bulletin::find(c, id)?.ok_or(BulletinError::NotFound)?;
        let mut emails = 0;
        for m in &audience {
            let address = m.mail_address(c)?;
            let lang = merchant_lang(c, m.id)?;
            let rid = Recipient::insert(
                c,
                &NewRecipient {
                    bulletin_id: id,
                    merchant_id: m.id,
                    address,
                    language: lang.tag().into(),
                },
            )?;
            let r = Recipient::find(c, rid)?.ok_or(BulletinError::NotFound)?;
            let links = Links {
                base_url: ctx.base_url,
                secret: ctx.secret,
            };
            if queue_email(c, links, &b, (&r, &m.name), ctx.today, false)? {
                emails += 1;
            }
        }
        audit::append(
            c,
            ctx.actor,
            Change {
                action: "bulletin.send",
                entity: "bulletin",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "title": new.title,
                    "audience": v.audience.form_value(),
                    "attachment": new.attachment_name,
                    "remind_after_days": new.remind_after_days,
                    "recipients": audience.len(),
                    "emails": emails,
                })),
            },
        )?;
        Ok(Sent {
            id,
            recipients: audience.len(),
            emails,
        })
    })?;
    written.1 = true;
    Ok(sent)
}

/// The local date of a stored UTC time in `tz`.
pub fn local_date(at: NaiveDateTime, tz: chrono_tz::Tz) -> NaiveDate {
    use chrono::TimeZone;
    tz.from_utc_datetime(&at).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_parse_and_print_back() {
        for a in [
            Audience::All,
            Audience::Black,
            Audience::Area("老街片区".into()),
            Audience::Category("餐饮".into()),
        ] {
            assert_eq!(Audience::parse(&a.form_value()), Some(a.clone()));
            assert_eq!(Audience::from_columns(a.kind(), a.value()), a);
        }
        assert_eq!(Audience::parse("area:"), None);
        assert_eq!(Audience::parse("everyone"), None);
        assert_eq!(Audience::parse("street:x"), None);
    }

    #[test]
    fn tokens_name_their_recipient_and_cannot_be_forged() {
        let secret = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let t = read_token(secret, 42);
        assert_eq!(token_recipient(secret, &t), Some(42));
        assert_eq!(token_recipient(b"another secret", &t), None);
        let moved = t.replacen("42-", "43-", 1);
        assert_eq!(token_recipient(secret, &moved), None);
        for bad in [
            "",
            "42",
            "42-",
            "x-00",
            "42-zz",
            "99999999999-0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(token_recipient(secret, bad), None, "{bad}");
        }
    }

    #[test]
    fn files_are_known_by_their_bytes() {
        assert_eq!(sniff_file("a.pdf", b"%PDF-1.7 ...").map(|t| t.1), Some("pdf"));
        assert_eq!(sniff_file("a.docx", b"PK\x03\x04rest").map(|t| t.1), Some("docx"));
        assert_eq!(sniff_file("a.zip", b"PK\x03\x04rest"), None);
        assert_eq!(sniff_file("a.pdf", b"MZ\x90\x00"), None);
        assert_eq!(clean_name("C:\\x\\通知.pdf", "pdf"), "通知.pdf");
        assert_eq!(clean_name("", "pdf"), "attachment.pdf");
    }
}
