//! The merchant's side of a notice (opening it, answering with photos) and the inspector's
//! decision on the answer.

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;

use super::issue::{merchant_address, portal_link, MAX_DEADLINE_DAYS};
use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::Merchant;
use crate::db::models::notice::{Answer, Notice};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{attachments, notice_answers, notices, users};
use crate::db::DbConn;
use crate::domain::notice::{apply, Event, NoticeState, Refusal};
use crate::domain::policy::Policy;
use crate::mail::outbox::{enqueue, NewMail};
use crate::mail::render::{self, AnsweredMail, DecisionMail};
use crate::services::problem::{ArgValue, Problem};
use crate::services::rating::recompute_in_tx;

/// Most photos per answer.
pub const MAX_PHOTOS: usize = 5;
/// Largest photo, in bytes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// Shortest answer text.
const MIN_ANSWER_CHARS: usize = 5;
/// Longest answer text.
pub const MAX_ANSWER_CHARS: usize = 2000;
/// Longest reason for a decision.
const MAX_REASON_CHARS: usize = 1000;

/// Why a notice action failed.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// No such notice (or not this merchant's: the same answer, so ids cannot be probed).
    #[error("no such notice")]
    NotFound,
    /// The input does not validate.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<Problem>),
    /// The notice's state does not allow this.
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// The database, the disk or a template failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for NoticeError {
    fn from(e: diesel::result::Error) -> Self {
        NoticeError::Other(e.into())
    }
}

impl From<askama::Error> for NoticeError {
    fn from(e: askama::Error) -> Self {
        NoticeError::Other(e.into())
    }
}

fn state_of(n: &Notice) -> anyhow::Result<NoticeState> {
    Ok(n.state)
}

/// The notice `id` if it belongs to `merchant_id`.
fn own_notice(c: &mut DbConn, id: i32, merchant_id: i32) -> Result<Notice, NoticeError> {
    Notice::find(c, id)?
        .filter(|n| n.merchant_id == merchant_id)
        .ok_or(NoticeError::NotFound)
}

/// The merchant opens its notice: the first time records the read receipt (time, state, audit).
pub fn open_for_merchant(
    conn: &mut DbConn,
    id: i32,
    merchant_id: i32,
    actor: &Actor,
) -> Result<Notice, NoticeError> {
    // Most openings are not the first: answer those without taking the write lock.
    let n = own_notice(conn, id, merchant_id)?;
    if n.read_at.is_some() {
        return Ok(n);
    }
    write_tx(conn, |c| {
        let n = own_notice(c, id, merchant_id)?;
        if n.read_at.is_some() {
            return Ok(n);
        }
        let before = state_of(&n)?;
        let after = apply(before, Event::Opened, false)?;
        let now = now_utc();
        diesel::update(notices::table.find(id))
            .set((notices::state.eq(after), notices::read_at.eq(Some(now))))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "notice.read",
                entity: "notice",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({ "state": before.as_str() })),
                after: Some(serde_json::json!({ "state": after.as_str(), "read_at": now })),
            },
        )?;
        Notice::find(c, id)?.ok_or(NoticeError::NotFound)
    })
}

/// A photo as uploaded.
#[derive(Debug, Clone)]
pub struct Photo {
    /// The name the browser sent.
    pub file_name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The content type of a JPEG or PNG, from its first bytes (the declared type is not trusted).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// An answer as the merchant typed it.
#[derive(Debug, Clone, Default)]
pub struct AnswerDraft {
    /// What was fixed.
    pub body: String,
    /// Asks for a follow-up inspection (复查).
    pub wants_follow_up: bool,
    /// Up to [`MAX_PHOTOS`] photos.
    pub photos: Vec<Photo>,
}

/// Checks an answer; returns the trimmed text and each photo's content type.
pub fn validate_answer(d: &AnswerDraft) -> Result<(String, Vec<&'static str>), Vec<Problem>> {
    let mut problems = Vec::new();
    let body = d.body.trim().to_string();
    let n = body.chars().count();
    if n < MIN_ANSWER_CHARS {
        problems.push(Problem::at("body").tr("problems-answer-short", &[("min", MIN_ANSWER_CHARS.into())]));
    } else if n > MAX_ANSWER_CHARS {
        problems.push(Problem::at("body").tr("problems-answer-long", &[("max", MAX_ANSWER_CHARS.into())]));
    }
    if d.photos.len() > MAX_PHOTOS {
        problems.push(Problem::at("photos").tr("problems-answer-photos-many", &[("max", MAX_PHOTOS.into())]));
    }
    let mut types = Vec::new();
    for p in &d.photos {
        let name = ("name", ArgValue::from(&p.file_name));
        if p.bytes.len() > MAX_PHOTO_BYTES {
            problems.push(Problem::at("photos").tr(
                "problems-answer-photo-large",
                &[name.clone(), ("mb", (MAX_PHOTO_BYTES / (1024 * 1024)).into())],
            ));
        }
        match sniff_image(&p.bytes) {
            Some(t) => types.push(t),
            None => problems.push(Problem::at("photos").tr("problems-answer-photo-type", &[name])),
        }
    }
    if problems.is_empty() {
        Ok((body, types))
    } else {
        Err(problems)
    }
}

/// A file name safe to show and to send in `Content-Disposition`: no path, no control
/// characters, at most 100 characters.
fn clean_name(raw: &str, content_type: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(100)
        .collect();
    if cleaned.trim().is_empty() {
        if content_type == "image/png" {
            "photo.png".into()
        } else {
            "photo.jpg".into()
        }
    } else {
        cleaned
    }
}

/// Where an attachment's bytes are stored.
pub fn attachment_path(upload_dir: &Path, storage_key: &str) -> PathBuf {
    upload_dir.join(storage_key)
}

/// Files written for an answer, removed again unless the transaction commits.
struct Written(Vec<PathBuf>, bool);

impl Drop for Written {
    fn drop(&mut self) {
        if !self.1 {
            for p in &self.0 {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// The merchant answers its notice: the answer, its photos (written to `upload_dir` first and
/// removed again if the transaction fails), the notice's new state, the audit entry and the
/// email to the issuing inspector, in one transaction.
pub fn answer(
    conn: &mut DbConn,
    upload_dir: &Path,
    base_url: &str,
    id: i32,
    merchant_id: i32,
    actor: &Actor,
    draft: &AnswerDraft,
) -> Result<i32, NoticeError> {
    // Ownership and state first, so a stranger learns nothing from validation messages.
    let n = own_notice(conn, id, merchant_id)?;
    let pending = Answer::pending(conn, id)?.is_some();
    apply(state_of(&n)?, Event::Answered, pending)?;
    let (body, types) = validate_answer(draft).map_err(NoticeError::Invalid)?;
    std::fs::create_dir_all(upload_dir)
        .map_err(|e| anyhow::anyhow!("cannot create upload directory {}: {e}", upload_dir.display()))?;
    let mut written = Written(Vec::new(), false);
    let mut files = Vec::new();
    for (p, t) in draft.photos.iter().zip(&types) {
        let mut key = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut key);
        let ext = if *t == "image/png" { "png" } else { "jpg" };
        let storage_key = format!("{}.{ext}", hex::encode(key));
        let path = attachment_path(upload_dir, &storage_key);
        std::fs::write(&path, &p.bytes)
            .map_err(|e| anyhow::anyhow!("cannot write upload {}: {e}", path.display()))?;
        written.0.push(path);
        files.push((clean_name(&p.file_name, t), *t, p.bytes.len() as i64, storage_key));
    }
    let answer_id = write_tx(conn, |c| -> Result<i32, NoticeError> {
        // Read again under the write lock: the state may have moved since.
        let n = own_notice(c, id, merchant_id)?;
        let pending = Answer::pending(c, id)?.is_some();
        let before = state_of(&n)?;
        let after = apply(before, Event::Answered, pending)?;
        let now = now_utc();
        let answer_id: i32 = crate::db::dispatch!(c, |cc| diesel::insert_into(notice_answers::table)
            .values((
                notice_answers::notice_id.eq(id),
                notice_answers::author_id.eq(actor.user_id),
                notice_answers::body.eq(&body),
                notice_answers::wants_follow_up.eq(draft.wants_follow_up),
                notice_answers::created_at.eq(now),
            ))
            .returning(notice_answers::id)
            .get_result(cc))?;
        for (name, t, size, key) in &files {
            diesel::insert_into(attachments::table)
                .values((
                    attachments::answer_id.eq(answer_id),
                    attachments::file_name.eq(name),
                    attachments::content_type.eq(*t),
                    attachments::size_bytes.eq(*size),
                    attachments::storage_key.eq(key),
                    attachments::created_at.eq(now),
                ))
                .execute(c)?;
        }
        diesel::update(notices::table.find(id))
            .set((notices::state.eq(after), notices::answered_at.eq(Some(now))))
            .execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "notice.answered",
                entity: "notice",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({ "state": before.as_str() })),
                after: Some(serde_json::json!({
                    "state": after.as_str(),
                    "answer_id": answer_id,
                    "wants_follow_up": draft.wants_follow_up,
                    "photos": files.len(),
                })),
            },
        )?;
        // A credit-repair (follow-up) request brings the merchant's next inspection forward.
        if draft.wants_follow_up {
            let policy = crate::services::policy::active_policy(c)?;
            crate::services::programme::refresh_in_tx(c, &policy.programme, Some(&[n.merchant_id]))?;
        }
        // Tell the inspector who issued it, when they have an address.
        let inspector: Option<(String, String, String)> = match n.issued_by {
            Some(uid) => users::table
                .find(uid)
                .filter(users::active.eq(true))
                .select((users::display_name, users::username, users::email))
                .first(c)
                .optional()?,
            None => None,
        };
        if let Some((display, username, email)) = inspector.filter(|i| !i.2.trim().is_empty()) {
            let merchant = Merchant::find(c, merchant_id)?.ok_or(NoticeError::NotFound)?;
            let rendered = render::notice_answered(&AnsweredMail {
                inspector_name: if display.is_empty() { username } else { display },
                merchant_name: merchant.name,
                number: n.number.clone(),
                body: body.clone(),
                photos: files.len(),
                wants_follow_up: draft.wants_follow_up,
                link: format!("{}/staff/notices/{id}", base_url.trim_end_matches('/')),
            })?;
            enqueue(
                c,
                NewMail {
                    kind: "notice.answered",
                    to: email.trim(),
                    notice_id: Some(id),
                    rendered,
                },
                base_url,
            )?;
        }
        Ok(answer_id)
    })?;
    written.1 = true;
    Ok(answer_id)
}

/// The inspector's decision on a pending answer.
#[derive(Debug, Clone)]
pub struct DecisionDraft {
    /// Accept (verified, closed) or reject (back to the merchant).
    pub accept: bool,
    /// Why (required when rejecting).
    pub reason: String,
    /// A new deadline when rejecting (`YYYY-MM-DD`, optional).
    pub new_deadline: String,
}

fn validate_decision(
    d: &DecisionDraft,
    current: NaiveDate,
    today: NaiveDate,
) -> Result<(String, Option<NaiveDate>), Vec<Problem>> {
    let mut problems = Vec::new();
    let reason = d.reason.trim().to_string();
    if !d.accept && reason.chars().count() < 2 {
        problems.push(Problem::at("reason").t("problems-decision-reason-missing"));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        problems.push(Problem::at("reason").tr(
            "problems-decision-reason-long",
            &[("max", MAX_REASON_CHARS.into())],
        ));
    }
    let mut deadline = None;
    let raw = d.new_deadline.trim();
    if !raw.is_empty() {
        if d.accept {
            problems.push(Problem::at("new_deadline").t("problems-decision-deadline-with-accept"));
        }
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(nd) if nd > today && nd <= today + Duration::days(MAX_DEADLINE_DAYS) => {
                if nd != current {
                    deadline = Some(nd);
                }
            }
            Ok(_) => problems.push(Problem::at("new_deadline").tr(
                "problems-decision-deadline-range",
                &[("days", MAX_DEADLINE_DAYS.into())],
            )),
            Err(_) => problems.push(Problem::at("new_deadline").t("problems-decision-deadline-format")),
        }
    }
    if problems.is_empty() {
        Ok((reason, deadline))
    } else {
        Err(problems)
    }
}

/// The inspector accepts (→ verified, closed) or rejects (→ back to the merchant with a reason,
/// optionally a new deadline) the pending answer: the decision, the notice's state, the audit
/// entry, the merchant's recomputed rating and the email to the merchant, in one transaction.
/// Returns the notice's state afterwards.
pub fn decide(
    conn: &mut DbConn,
    policy: &Policy,
    base_url: &str,
    today: NaiveDate,
    id: i32,
    actor: &Actor,
    draft: &DecisionDraft,
) -> Result<NoticeState, NoticeError> {
    write_tx(conn, |c| {
        let n = Notice::find(c, id)?.ok_or(NoticeError::NotFound)?;
        let pending = Answer::pending(c, id)?;
        let before = state_of(&n)?;
        let event = if draft.accept {
            Event::Accepted
        } else {
            Event::Rejected
        };
        let after = apply(before, event, pending.is_some())?;
        let pending = pending.ok_or(NoticeError::Refused(Refusal::NothingToDecide))?;
        let (reason, new_deadline) =
            validate_decision(draft, n.deadline, today).map_err(NoticeError::Invalid)?;
        let now: NaiveDateTime = now_utc();
        diesel::update(notice_answers::table.find(pending.id))
            .set((
                notice_answers::decision.eq(if draft.accept { "accepted" } else { "rejected" }),
                notice_answers::decided_by.eq(actor.user_id),
                notice_answers::decided_at.eq(Some(now)),
                notice_answers::decision_reason.eq(Some(&reason)),
            ))
            .execute(c)?;
        if before == NoticeState::Overdue && new_deadline.is_some() {
            // Extending an overdue notice would rewrite why the merchant is on the black list.
            return Err(NoticeError::Invalid(vec![
                Problem::at("new_deadline").t("problems-decision-overdue-extension")
            ]));
        }
        let deadline = new_deadline.unwrap_or(n.deadline);
        if draft.accept {
            diesel::update(notices::table.find(id))
                .set((notices::state.eq(after), notices::verified_at.eq(Some(now))))
                .execute(c)?;
        } else {
            diesel::update(notices::table.find(id))
                .set((
                    notices::state.eq(after),
                    notices::deadline.eq(deadline),
                    // A new deadline earns a new reminder.
                    notices::reminder_sent_at.eq(if new_deadline.is_some() {
                        None
                    } else {
                        n.reminder_sent_at
                    }),
                ))
                .execute(c)?;
        }
        audit::append(
            c,
            actor,
            Change {
                action: if draft.accept {
                    "notice.verified"
                } else {
                    "notice.rejected"
                },
                entity: "notice",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({ "state": before.as_str(), "deadline": n.deadline })),
                after: Some(serde_json::json!({
                    "state": after.as_str(),
                    "deadline": deadline,
                    "answer_id": pending.id,
                    "reason": reason,
                })),
            },
        )?;
        let merchant = Merchant::find(c, n.merchant_id)?.ok_or(NoticeError::NotFound)?;
        if let Some(to) = merchant_address(c, &merchant)? {
            let rendered = render::notice_decided(&DecisionMail {
                merchant_name: merchant.name.clone(),
                number: n.number.clone(),
                accepted: draft.accept,
                reason: reason.clone(),
                deadline: deadline.to_string(),
                link: portal_link(base_url, id),
            })?;
            enqueue(
                c,
                NewMail {
                    kind: "notice.decided",
                    to: &to,
                    notice_id: Some(id),
                    rendered,
                },
                base_url,
            )?;
        }
        recompute_in_tx(c, policy, today, actor, Some(&[n.merchant_id]))?;
        Ok(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_sniffed_not_trusted() {
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(
            sniff_image(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(sniff_image(b"GIF89a"), None);
        assert_eq!(sniff_image(b"<svg"), None);
    }

    #[test]
    fn answer_rules() {
        let ok = AnswerDraft {
            body: "  已更换冷柜并清洁  ".into(),
            wants_follow_up: true,
            photos: vec![Photo {
                file_name: "a.jpg".into(),
                bytes: vec![0xFF, 0xD8, 0xFF, 0xE0],
            }],
        };
        let (body, types) = validate_answer(&ok).unwrap();
        assert_eq!(body, "已更换冷柜并清洁");
        assert_eq!(types, vec!["image/jpeg"]);
        let mut too_many = ok.clone();
        too_many.photos = vec![ok.photos[0].clone(); 6];
        assert!(validate_answer(&too_many).is_err());
        let mut short = ok.clone();
        short.body = "好".into();
        assert_eq!(validate_answer(&short).unwrap_err()[0].field, "body");
        let mut gif = ok;
        gif.photos[0].bytes = b"GIF89a".to_vec();
        assert_eq!(validate_answer(&gif).unwrap_err()[0].field, "photos");
    }

    #[test]
    fn file_names_lose_their_paths() {
        assert_eq!(clean_name("../../etc/passwd", "image/png"), "passwd");
        assert_eq!(clean_name("C:\\photos\\冷柜.jpg", "image/jpeg"), "冷柜.jpg");
        assert_eq!(clean_name("", "image/png"), "photo.png");
    }

    #[test]
    fn rejections_need_a_reason() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let d = DecisionDraft {
            accept: false,
            reason: " ".into(),
            new_deadline: String::new(),
        };
        assert_eq!(
            validate_decision(&d, today, today).unwrap_err()[0].field,
            "reason"
        );
        let d = DecisionDraft {
            accept: false,
            reason: "照片不清楚".into(),
            new_deadline: "2026-12-10".into(),
        };
        assert_eq!(
            validate_decision(&d, today, today).unwrap().1,
            NaiveDate::from_ymd_opt(2026, 12, 10)
        );
        let d = DecisionDraft {
            accept: true,
            reason: String::new(),
            new_deadline: String::new(),
        };
        assert!(validate_decision(&d, today, today).is_ok());
    }
}
