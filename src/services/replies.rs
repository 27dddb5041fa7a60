//! The merchant's public reply to its rating (right to reply): checked for length and content,
//! shown beside the rating; a new reply replaces the one shown before.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::write_tx;
use crate::db::schema::{merchant_replies, merchants};
use crate::db::DbConn;
use crate::services::problem::Problem;

/// Shortest reply.
pub const MIN_CHARS: usize = 10;
/// Longest reply.
pub const MAX_CHARS: usize = 500;

/// Checks a reply; returns it trimmed. A reply is about the shop, so links, email addresses and
/// phone numbers (personal data, advertising) are refused, as is text that is mostly repeats.
pub fn validate(body: &str) -> Result<String, Vec<Problem>> {
    let body = body.trim().to_string();
    let mut problems = Vec::new();
    let at = || Problem::at("body");
    let n = body.chars().count();
    if n < MIN_CHARS {
        problems.push(at().tr("problems-reply-short", &[("min", MIN_CHARS.into())]));
    }
    if n > MAX_CHARS {
        problems.push(at().tr("problems-reply-long", &[("max", MAX_CHARS.into())]));
    }
    let lower = body.to_lowercase();
    if lower.contains("http://") || lower.contains("https://") || lower.contains("www.") {
        problems.push(at().t("problems-reply-link"));
    }
    if body.contains('@') {
        problems.push(at().t("problems-reply-email"));
    }
    let mut run = 0;
    let mut longest = 0;
    for c in body.chars() {
        if c.is_ascii_digit() {
            run += 1;
            longest = longest.max(run);
        } else if c != ' ' && c != '-' {
            run = 0;
        }
    }
    if longest >= 7 {
        problems.push(at().t("problems-reply-phone"));
    }
    if body.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        problems.push(at().t("problems-reply-invalid-chars"));
    }
    let distinct: std::collections::HashSet<char> = body.chars().filter(|c| !c.is_whitespace()).collect();
    if n >= MIN_CHARS && distinct.len() < 4 {
        problems.push(at().t("problems-reply-meaningless"));
    }
    if problems.is_empty() {
        Ok(body)
    } else {
        Err(problems)
    }
}

/// Publishes the reply (hiding the previous one) with its audit entry, in one transaction, and
/// touches the merchant so cached public pages are refreshed.
pub fn post(
    conn: &mut DbConn,
    merchant_id: i32,
    actor: &Actor,
    body: &str,
    now: NaiveDateTime,
) -> Result<(), ReplyError> {
    let body = validate(body).map_err(ReplyError::Invalid)?;
    write_tx(conn, |c| {
        diesel::update(
            merchant_replies::table
                .filter(merchant_replies::merchant_id.eq(merchant_id))
                .filter(merchant_replies::visible.eq(true)),
        )
        .set(merchant_replies::visible.eq(false))
        .execute(c)?;
        diesel::insert_into(merchant_replies::table)
            .values((
                merchant_replies::merchant_id.eq(merchant_id),
                merchant_replies::author_id.eq(actor.user_id),
                merchant_replies::body.eq(&body),
                merchant_replies::visible.eq(true),
                merchant_replies::created_at.eq(now),
            ))
            .execute(c)?;
        diesel::update(merchants::table.find(merchant_id))
            .set(merchants::updated_at.eq(now))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "merchant.reply",
                entity: "merchant",
                entity_id: Some(merchant_id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "reply": body })),
            },
        )?;
        Ok(())
    })
}

/// Why a reply was not posted.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// Length or content checks failed.
    #[error("invalid reply: {0:?}")]
    Invalid(Vec<Problem>),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn replies_are_checked() {
        assert!(validate("我们已经更换了冷柜，欢迎再来品尝。").is_ok());
        assert!(validate("太短").is_err());
        assert!(validate("详情请看 https://example.com 我们的说明").is_err());
        assert!(validate("请联系店长 138 0013 8000 了解详情").is_err());
        assert!(validate("请发邮件到 boss@example.com 了解").is_err());
        assert!(validate("好好好好好好好好好好好好").is_err());
        assert!(validate(&"很好".repeat(300)).is_err());
        // Dates and prices are fine.
        assert!(validate("2026年11月已整改完毕，套餐 25 元不变。").is_ok());
    }
}
