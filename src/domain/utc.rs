//! Timestamps in JSON: stored as UTC `NaiveDateTime`, written as RFC 3339 with its offset
//! (`2026-11-30T08:00:00Z`), so a client never has to guess the time zone. Use with
//! `#[serde(serialize_with = "crate::domain::utc::serialize")]` (or `utc::option::serialize`).

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serializer;

/// `at` (UTC) as RFC 3339 with `Z`: seconds, or microseconds when it has them.
pub fn rfc3339(at: &NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Serialises a UTC timestamp as RFC 3339 with `Z`.
pub fn serialize<S: Serializer>(at: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(at))
}

/// The same for an optional timestamp (null when absent).
pub mod option {
    use super::*;

    /// Serialises `Some(at)` as RFC 3339 with `Z`, `None` as null.
    pub fn serialize<S: Serializer>(at: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_str(&rfc3339(at)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_timestamp_carries_its_offset() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        assert_eq!(super::rfc3339(&at), "2026-11-30T08:00:00Z");
        let micro = at + chrono::Duration::microseconds(1500);
        assert_eq!(super::rfc3339(&micro), "2026-11-30T08:00:00.001500Z");
    }
}
