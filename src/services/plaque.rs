//! The storefront plaque (门店标牌) and what consumers look up without logging in.
//!
//! A plaque carries a signed code: HMAC-SHA256 over (merchant, stars, list, issue date) under a
//! key derived from the session secret, cut to 16 hex digits. Scanning its QR code opens
//! `/merchants/{id}/plaque/check?code=…`, which compares the signed facts with the live rating:
//! current, outdated, or forged. Signing and checking are pure; only [`app_secret`] and
//! [`standing`] touch the database. The check page says first where the merchant stands now
//! ([`Standing`]: its open list entry with its reasons, and its last inspection), then what the
//! plaque says.

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::models::settings;
use crate::db::DbConn;
use crate::domain::words::ListStatus;

type HmacSha256 = Hmac<Sha256>;

/// How many hex digits of the MAC a plaque code keeps: 64 bits, short enough for a small QR code
/// and far beyond guessing by scanning.
const MAC_HEX: usize = 16;

/// Where a merchant stands now, for the plaque check: its open list entry (list, since when,
/// why) and the day of its last inspection.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    /// The open red or black list entry: (list, entered on, reasons).
    pub entry: Option<(ListStatus, NaiveDate, crate::domain::reasons::EnteredReasons)>,
    /// The latest inspection's day.
    pub last_inspection: Option<NaiveDate>,
}

/// Reads a merchant's [`Standing`]: two indexed look-ups.
pub fn standing(conn: &mut DbConn, merchant_id: i32) -> anyhow::Result<Standing> {
    use crate::db::schema::inspections;
    use diesel::prelude::*;
    let entry =
        crate::services::records::open_list_entry(conn, merchant_id)?.map(|l| (l.list, l.since, l.reasons));
    let last_inspection = inspections::table
        .filter(inspections::merchant_id.eq(merchant_id))
        .select(diesel::dsl::max(inspections::inspected_on))
        .first::<Option<NaiveDate>>(conn)?;
    Ok(Standing {
        entry,
        last_inspection,
    })
}

/// The application secret: the configured one, else the one `prepare` stored in settings.
pub fn app_secret(conn: &mut DbConn, configured: Option<&[u8]>) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = configured {
        return Ok(s.to_vec());
    }
    let stored = settings::get(conn, "session_secret")?
        .ok_or_else(|| anyhow::anyhow!("no session secret in settings"))?;
    Ok(hex::decode(stored.trim())?)
}

/// A key for one purpose, derived from the application secret, so a plaque code can never be
/// replayed as a session or form token.
pub fn derive_key(secret: &[u8], purpose: &str) -> Vec<u8> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(b"gongzhi key derivation v1\0");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The plaque key.
pub fn plaque_key(secret: &[u8]) -> Vec<u8> {
    derive_key(secret, "plaque")
}

/// What a plaque states about a merchant on the day it was printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaqueFacts {
    /// The merchant.
    pub merchant_id: i32,
    /// Stars, or `None` for 待评 (not yet rated).
    pub stars: Option<i32>,
    /// The list it was on.
    pub list: ListStatus,
    /// The day the plaque was issued.
    pub issued_on: NaiveDate,
    /// The annual commendation the plaque shows: (commended year, level code).
    pub commendation: Option<(i32, String)>,
}

fn list_letter(list: ListStatus) -> char {
    match list {
        ListStatus::Red => 'r',
        ListStatus::Black => 'b',
        ListStatus::None => 'n',
    }
}

fn letter_list(c: &str) -> Option<ListStatus> {
    match c {
        "r" => Some(ListStatus::Red),
        "b" => Some(ListStatus::Black),
        "n" => Some(ListStatus::None),
        _ => None,
    }
}

fn mac_for(key: &[u8], f: &PlaqueFacts, date: &str, stars: i32, list: char) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    match &f.commendation {
        // Plaques printed before commendations existed keep verifying.
        None => mac.update(format!("plaque v1|{}|{stars}|{list}|{date}", f.merchant_id).as_bytes()),
        Some((year, level)) => {
            mac.update(format!("plaque v2|{}|{stars}|{list}|{date}|{year}|{level}", f.merchant_id).as_bytes())
        }
    }
    mac
}

/// A level code as the policy allows it (`[a-z0-9_]`, 1 to 20 characters).
fn level_code_ok(level: &str) -> bool {
    (1..=20).contains(&level.len())
        && level
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Signs the facts: `{yyyymmdd}.{stars, 0 = unrated}.{r|b|n}.{16 hex of the MAC}`, with
/// `c{year}-{level}.` before the MAC when the plaque shows a commendation.
pub fn sign(key: &[u8], f: &PlaqueFacts) -> String {
    let date = f.issued_on.format("%Y%m%d").to_string();
    let stars = f.stars.unwrap_or(0).clamp(0, 5);
    let list = list_letter(f.list);
    let tag = mac_for(key, f, &date, stars, list).finalize().into_bytes();
    let hex = hex::encode(tag);
    match &f.commendation {
        None => format!("{date}.{stars}.{list}.{}", &hex[..MAC_HEX]),
        Some((year, level)) => format!("{date}.{stars}.{list}.c{year}-{level}.{}", &hex[..MAC_HEX]),
    }
}

/// The facts a code states for `merchant_id`, when its MAC is genuine; `None` for anything
/// forged, garbled, or issued for another merchant.
pub fn verify(key: &[u8], merchant_id: i32, code: &str) -> Option<PlaqueFacts> {
    let parts: Vec<&str> = code.trim().split('.').collect();
    let (date, stars, list, commendation, tag) = match parts.as_slice() {
        [d, s, l, t] => (*d, *s, *l, None, *t),
        [d, s, l, c, t] => {
            let (year, level) = c.strip_prefix('c')?.split_once('-')?;
            if year.len() != 4 || !year.chars().all(|ch| ch.is_ascii_digit()) || !level_code_ok(level) {
                return None;
            }
            (
                *d,
                *s,
                *l,
                Some((year.parse::<i32>().ok()?, level.to_string())),
                *t,
            )
        }
        _ => return None,
    };
    if date.len() != 8 || tag.len() != MAC_HEX || stars.len() != 1 {
        return None;
    }
    let issued_on = NaiveDate::parse_from_str(date, "%Y%m%d").ok()?;
    let stars_n: i32 = stars.parse().ok().filter(|s| (0..=5).contains(s))?;
    let list_name = letter_list(list)?;
    let tag = hex::decode(tag).ok()?;
    let facts = PlaqueFacts {
        merchant_id,
        stars: (stars_n > 0).then_some(stars_n),
        list: list_name,
        issued_on,
        commendation,
    };
    let letter = list.chars().next()?;
    mac_for(key, &facts, date, stars_n, letter)
        .verify_truncated_left(&tag)
        .ok()?;
    Some(facts)
}

/// What a scanned plaque says when compared with the live rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Genuine, and the rating has not changed since it was printed.
    Current(PlaqueFacts),
    /// Genuine, but the rating has changed since (the plaque shows old stars or list).
    Outdated(PlaqueFacts),
    /// Not a code the alliance issued for this merchant.
    Forged,
}

/// Compares a scanned code with the merchant's current stars and list.
pub fn check(key: &[u8], merchant_id: i32, code: &str, stars: Option<i32>, list: ListStatus) -> Verdict {
    match verify(key, merchant_id, code) {
        None => Verdict::Forged,
        Some(f) if f.stars == stars && f.list == list => Verdict::Current(f),
        Some(f) => Verdict::Outdated(f),
    }
}

/// The URL a plaque's QR code opens.
pub fn check_url(base_url: &str, merchant_id: i32, code: &str) -> String {
    format!(
        "{}/merchants/{merchant_id}/plaque/check?code={code}",
        base_url.trim_end_matches('/')
    )
}

/// `text` as an inline SVG QR code (no XML declaration, so it can sit inside HTML).
pub fn qr_svg(text: &str) -> anyhow::Result<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(180, 180)
        .quiet_zone(true)
        .build();
    let start = image.find("<svg").unwrap_or(0);
    Ok(image[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> PlaqueFacts {
        PlaqueFacts {
            merchant_id: 7,
            stars: Some(4),
            list: ListStatus::None,
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            commendation: None,
        }
    }

    #[test]
    fn a_commendation_is_covered_by_the_signature() {
        let key = plaque_key(b"secret");
        let f = PlaqueFacts {
            commendation: Some((2025, "model".into())),
            stars: Some(5),
            list: ListStatus::Red,
            ..facts()
        };
        let code = sign(&key, &f);
        assert!(code.starts_with("20261126.5.r.c2025-model."), "{code}");
        assert_eq!(verify(&key, 7, &code), Some(f.clone()));
        // Another year, another level, or the commendation removed: not ours.
        assert_eq!(verify(&key, 7, &code.replacen("c2025", "c2024", 1)), None);
        assert_eq!(verify(&key, 7, &code.replacen("-model", "-excellent", 1)), None);
        assert_eq!(verify(&key, 7, &code.replacen(".c2025-model", "", 1)), None);
        // A plaque without one cannot gain one.
        let plain = sign(&key, &facts());
        let (head, tag) = plain.rsplit_once('.').unwrap();
        assert_eq!(verify(&key, 7, &format!("{head}.c2025-model.{tag}")), None);
        for bad in ["c25-model", "c2025-", "c2025-Model", "x2025-model", "c2025model"] {
            assert_eq!(verify(&key, 7, &format!("{head}.{bad}.{tag}")), None, "{bad}");
        }
    }

    #[test]
    fn a_signed_code_verifies_and_states_its_facts() {
        let key = plaque_key(b"secret");
        let code = sign(&key, &facts());
        assert!(code.starts_with("20261126.4.n."), "{code}");
        assert_eq!(code.len(), "20261126.4.n.".len() + MAC_HEX);
        assert_eq!(verify(&key, 7, &code), Some(facts()));
        let unrated = PlaqueFacts {
            stars: None,
            list: ListStatus::Black,
            ..facts()
        };
        let code = sign(&key, &unrated);
        assert!(code.starts_with("20261126.0.b."));
        assert_eq!(verify(&key, 7, &code), Some(unrated));
    }

    #[test]
    fn tampering_another_merchant_or_another_key_is_forged() {
        let key = plaque_key(b"secret");
        let code = sign(&key, &facts());
        assert_eq!(verify(&key, 8, &code), None, "another merchant");
        assert_eq!(verify(&plaque_key(b"other"), 7, &code), None, "another key");
        assert_eq!(verify(&key, 7, &code.replacen(".4.", ".5.", 1)), None);
        assert_eq!(verify(&key, 7, &code.replacen(".n.", ".r.", 1)), None);
        assert_eq!(verify(&key, 7, &code.replacen("20261126", "20271126", 1)), None);
        let mut flipped = code.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        assert_eq!(verify(&key, 7, &flipped), None, "one hex digit changed");
        for garbled in [
            "",
            "x",
            "20261126.4.n",
            "20261126.4.n.zz",
            "2026.4.n.0123456789abcdef",
        ] {
            assert_eq!(verify(&key, 7, garbled), None, "{garbled}");
        }
        assert_eq!(verify(&key, 7, &format!("{code}.extra")), None);
    }

    #[test]
    fn verdicts_compare_with_the_live_rating() {
        let key = plaque_key(b"secret");
        let code = sign(&key, &facts());
        assert_eq!(
            check(&key, 7, &code, Some(4), ListStatus::None),
            Verdict::Current(facts())
        );
        assert_eq!(
            check(&key, 7, &code, Some(3), ListStatus::None),
            Verdict::Outdated(facts())
        );
        assert_eq!(
            check(&key, 7, &code, Some(4), ListStatus::Red),
            Verdict::Outdated(facts())
        );
        assert_eq!(
            check(&key, 7, "nonsense", Some(4), ListStatus::None),
            Verdict::Forged
        );
    }

    #[test]
    fn keys_differ_by_purpose_and_the_qr_is_inline_svg() {
        assert_ne!(derive_key(b"s", "plaque"), derive_key(b"s", "complaint-form"));
        let svg = qr_svg(&check_url(
            "https://x.example/",
            3,
            "20261126.4.n.0123456789abcdef",
        ))
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.ends_with("</svg>"));
        assert_eq!(
            check_url("https://x.example/", 3, "c"),
            "https://x.example/merchants/3/plaque/check?code=c"
        );
    }
}
