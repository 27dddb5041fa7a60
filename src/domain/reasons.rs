//! Reasons as they are stored: why a merchant entered a list (`list_entries.entered_reason`,
//! copied into `edition_entries.reason`) and why it left (`list_entries.left_reason`). They are
//! codes with arguments, serialized as JSON, and turned into words only when shown
//! (`crate::i18n::words`), in the reader's language.
//!
//! Rows written before codes held a Chinese sentence; the migration that introduced codes kept
//! the sentence of any row it could not rebuild from its rating as `{"code": "legacy", "text": …}`,
//! which shows as stored.

use serde::{Deserialize, Serialize};

use super::rating::{ListReason, ListStatus, Rating};

/// A code, or a sentence from before codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stored<T> {
    /// A code with its arguments.
    Code(T),
    /// `{"code": "legacy", "text": …}`: a sentence stored before codes, shown as is.
    Legacy(Legacy),
}

/// A sentence stored before codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Legacy {
    code: LegacyCode,
    /// The sentence, as it was stored.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LegacyCode {
    Legacy,
}

impl Legacy {
    /// Wraps an old sentence.
    pub fn new(text: impl Into<String>) -> Self {
        Legacy {
            code: LegacyCode::Legacy,
            text: text.into(),
        }
    }
}

/// Why a merchant entered its list: the rating's list reasons, as a JSON array.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EnteredReasons(pub Vec<Stored<ListReason>>);

impl EnteredReasons {
    /// The reasons of a rating.
    pub fn of(r: &Rating) -> Self {
        EnteredReasons(r.list_reasons.iter().cloned().map(Stored::Code).collect())
    }

    /// Reads a stored column; anything that is not the JSON of codes (a hand-edited row) is kept
    /// as its text, and an empty column is no reason.
    pub fn parse(stored: &str) -> Self {
        if stored.trim().is_empty() {
            return EnteredReasons::default();
        }
        serde_json::from_str(stored)
            .unwrap_or_else(|_| EnteredReasons(vec![Stored::Legacy(Legacy::new(stored))]))
    }

    /// The JSON stored in the database.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "[]".to_string())
    }
}

/// Why a merchant left its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum LeftReason {
    /// Off the black list through credit repair (信用修复): every notice verified, a passed
    /// follow-up, the minimum stay served.
    CreditRepaired,
    /// The rating moved the merchant to another list status.
    ListChanged {
        /// The new status.
        to: ListStatus,
    },
}

impl LeftReason {
    /// Why a merchant on `old` leaves it for `new`.
    pub fn between(old: ListStatus, new: ListStatus) -> Self {
        if old == ListStatus::Black && new != ListStatus::Black {
            LeftReason::CreditRepaired
        } else {
            LeftReason::ListChanged { to: new }
        }
    }
}

impl Stored<LeftReason> {
    /// Reads a stored column (see [`EnteredReasons::parse`]).
    pub fn parse(stored: &str) -> Self {
        serde_json::from_str(stored).unwrap_or_else(|_| Stored::Legacy(Legacy::new(stored)))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn stored_json_round_trips_and_old_text_is_legacy() {
        let r = EnteredReasons(vec![
            Stored::Code(ListReason::SeriousViolation {
                violation_id: 4,
                date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            }),
            Stored::Legacy(Legacy::new("旧的原因")),
        ]);
        let json = r.to_json();
        assert_eq!(
            json,
            r#"[{"code":"serious_violation","violation_id":4,"date":"2026-03-01"},{"code":"legacy","text":"旧的原因"}]"#
        );
        assert_eq!(EnteredReasons::parse(&json), r);
        assert_eq!(
            EnteredReasons::parse("2026-03-01 存在严重违规（记录 #4）"),
            EnteredReasons(vec![Stored::Legacy(Legacy::new(
                "2026-03-01 存在严重违规（记录 #4）"
            ))])
        );
        assert_eq!(EnteredReasons::parse(""), EnteredReasons::default());
        let left = Stored::Code(LeftReason::between(ListStatus::Black, ListStatus::None));
        let json = serde_json::to_string(&left).unwrap();
        assert_eq!(json, r#"{"code":"credit_repaired"}"#);
        assert_eq!(Stored::<LeftReason>::parse(&json), left);
        assert_eq!(
            serde_json::to_string(&LeftReason::between(ListStatus::Red, ListStatus::Black)).unwrap(),
            r#"{"code":"list_changed","to":"black"}"#
        );
    }
}
