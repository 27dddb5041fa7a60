//! Email rendering: each email is an askama text template and an HTML template under
//! `templates/email/`, with its subject beside them, sent as multipart/alternative.

/// A rendered email, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}
