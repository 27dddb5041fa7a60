//! The transactional outbox: an email is a row written in the same transaction as the fact that
//! caused it; the worker sends it later and marks it sent only after the server accepted it.

use diesel::prelude::*;
use rand::RngCore;

use super::render::Rendered;
use crate::db::models::now_utc;
use crate::db::schema::outbox;
use crate::db::DbConn;

/// An email to queue.
pub struct NewMail<'a> {
    /// What the email is for, e.g. `notice.issued`, `notice.reminder`, `notice.answered`,
    /// `login.link` (shown on the admin page; the worker uses it to mark a notice emailed).
    pub kind: &'a str,
    /// The recipient's address.
    pub to: &'a str,
    /// The notice the email is about, if any.
    pub notice_id: Option<i32>,
    /// Subject and bodies.
    pub rendered: Rendered,
}

/// A Message-ID unique to this email and kept with it, so a resend after a crash carries the
/// same id and the recipient's mail system can recognise the duplicate.
pub fn new_message_id(base_url: &str) -> String {
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "gongzhi.localhost".to_string());
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("<{}.{}@{}>", now_utc().format("%Y%m%d%H%M%S"), hex::encode(bytes), host)
}

/// Queues `mail` (call inside the transaction that made it due); returns the outbox row's id.
pub fn enqueue(conn: &mut DbConn, mail: NewMail<'_>, base_url: &str) -> QueryResult<i32> {
    let now = now_utc();
    crate::dispatch!(conn, |c| diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(new_message_id(base_url)),
            outbox::kind.eq(mail.kind),
            outbox::to_addr.eq(mail.to),
            outbox::subject.eq(&mail.rendered.subject),
            outbox::body_text.eq(&mail.rendered.text),
            outbox::body_html.eq(&mail.rendered.html),
            outbox::notice_id.eq(mail.notice_id),
            outbox::created_at.eq(now),
            outbox::next_attempt_at.eq(now),
            outbox::attempts.eq(0),
        ))
        .returning(outbox::id)
        .get_result(c))
}
