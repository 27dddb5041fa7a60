//! How an email leaves the building: the SMTP transport chosen by `GONGZHI_SMTP_URL` (plain for a
//! local relay, STARTTLS, or implicit TLS), an in-memory one for unit tests, or none at all — in
//! which case mail waits in the outbox. Also the one place that turns an outbox row into a MIME
//! message and a lettre error into "retry" or "give up".

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::outbox::OutboxRow;
use crate::config::Config;

/// How long one SMTP conversation may stall before it counts as a (transient) failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

pub use crate::config::{Security, SmtpEndpoint};

impl SmtpEndpoint {
    /// The lettre transport for this endpoint.
    pub fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let tls_params = || TlsParameters::new(self.host.clone()).map_err(|e| format!("TLS: {e}"));
        let tls = match self.security {
            Security::Plain => Tls::None,
            Security::StartTls => Tls::Required(tls_params()?),
            Security::Opportunistic => Tls::Opportunistic(tls_params()?),
            Security::Implicit => Tls::Wrapper(tls_params()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.clone())
            .port(self.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some((user, pass)) = &self.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(builder.build())
    }
}

/// Why a send failed, which decides what the worker does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The server could not be reached, timed out, or answered 4xx: try again later, forever.
    Transient,
    /// The server refused for good (5xx, e.g. an unknown recipient): try a few more times, then
    /// mark the email failed for the admin.
    Permanent,
    /// The email itself cannot be sent (an address that does not parse): failed at once.
    Invalid,
}

/// A failed send: its kind and the text the outbox keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendError {
    /// Retry or not.
    pub kind: FailureKind,
    /// What went wrong, for the attempts history and the admin page.
    pub message: String,
}

impl SendError {
    fn invalid(message: String) -> Self {
        Self {
            kind: FailureKind::Invalid,
            message,
        }
    }
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        // Only a 5xx reply is final. Everything else — refused connection, DNS, timeout, TLS
        // handshake, 4xx — may heal by itself, so it is retried without limit.
        let kind = if e.is_permanent() {
            FailureKind::Permanent
        } else {
            FailureKind::Transient
        };
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            let text = s.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = s.source();
        }
        Self { kind, message }
    }
}

/// An SMTP server and the sender address.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    endpoint: SmtpEndpoint,
}

/// Records messages instead of sending them, and fails on request: for unit tests.
#[derive(Clone)]
pub struct MemoryMailer {
    from: Mailbox,
    /// Every message "sent", as formatted bytes.
    pub sent: Arc<Mutex<Vec<Vec<u8>>>>,
    /// When set, every send fails with this error.
    pub fail_with: Arc<Mutex<Option<SendError>>>,
}

impl MemoryMailer {
    /// An empty recorder that sends from `from`.
    pub fn new(from: Mailbox) -> Self {
        Self {
            from,
            sent: Default::default(),
            fail_with: Default::default(),
        }
    }
}

/// Where the outbox worker hands its emails: chosen once at start-up from the configuration and
/// passed to the worker, never read from a global.
#[derive(Clone)]
pub enum Mailer {
    /// A real SMTP server (boxed: the transport is large and the other variants tiny).
    Smtp(Box<SmtpMailer>),
    /// In memory (tests).
    Memory(MemoryMailer),
    /// No SMTP configured: mail stays queued until one is.
    Disabled,
}

impl Mailer {
    /// The mailer `config.smtp` asks for; [`Mailer::Disabled`] without one.
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        let Some(smtp) = &config.smtp else {
            return Ok(Mailer::Disabled);
        };
        let endpoint = smtp.endpoint.clone();
        let from: Mailbox = smtp
            .from
            .parse()
            .map_err(|e| format!("GONGZHI_SMTP_FROM is not an address: {e}"))?;
        Ok(Mailer::Smtp(Box::new(SmtpMailer {
            transport: endpoint.transport()?,
            from,
            endpoint,
        })))
    }

    /// Whether anything is ever sent.
    pub fn is_enabled(&self) -> bool {
        !matches!(self, Mailer::Disabled)
    }

    /// Where mail goes, for the log and the admin page (no password).
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp(m) => m.endpoint.describe(),
            Mailer::Memory(_) => "memory".into(),
            Mailer::Disabled => "disabled".into(),
        }
    }

    /// Sends one outbox row, with its stored Message-ID; `Ok` means the server accepted it.
    pub async fn send(&self, row: &OutboxRow) -> Result<(), SendError> {
        match self {
            Mailer::Smtp(m) => {
                let msg = build_message(row, &m.from)?;
                m.transport.send(msg).await?;
                Ok(())
            }
            Mailer::Memory(m) => {
                let msg = build_message(row, &m.from)?;
                let failure = m.fail_with.lock().map(|f| f.clone()).unwrap_or(None);
                if let Some(e) = failure {
                    return Err(e);
                }
                if let Ok(mut sent) = m.sent.lock() {
                    sent.push(msg.formatted());
                }
                Ok(())
            }
            Mailer::Disabled => Err(SendError {
                kind: FailureKind::Transient,
                message: "no SMTP server configured".into(),
            }),
        }
    }
}

/// The MIME message for an outbox row: multipart/alternative (text, then HTML) with the row's
/// Message-ID, so a resend after a crash is recognisable as the same email.
pub fn build_message(row: &OutboxRow, from: &Mailbox) -> Result<Message, SendError> {
    let to: Mailbox = row.to_addr.trim().parse().map_err(|e| {
        SendError::invalid(format!(
            "recipient {} is not an email address: {e}",
            mask_addr(&row.to_addr)
        ))
    })?;
    Message::builder()
        .message_id(Some(row.message_id.clone()))
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            row.body_text.clone(),
            row.body_html.clone(),
        ))
        .map_err(|e| SendError::invalid(format!("cannot build the message: {e}")))
}

/// An address as logs and the admin page show it: `w***@example.com`. Enough to tell two
/// recipients apart, not enough to harvest them.
pub fn mask_addr(addr: &str) -> String {
    let addr = addr.trim();
    match addr.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_security_and_default_ports() {
        let e = SmtpEndpoint::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (e.security, e.port, e.credentials.clone()),
            (Security::Plain, 2525, None)
        );
        let e = SmtpEndpoint::parse("smtp://127.0.0.1").unwrap();
        assert_eq!(e.port, 25);
        let e = SmtpEndpoint::parse("smtp://u%40x.cn:p%2Fw+d@smtp.example.com?tls=starttls").unwrap();
        assert_eq!((e.security, e.port), (Security::StartTls, 587));
        assert_eq!(e.credentials, Some(("u@x.cn".into(), "p/w+d".into())));
        let e = SmtpEndpoint::parse("smtp://smtp.example.com?tls=opportunistic").unwrap();
        assert_eq!(e.security, Security::Opportunistic);
        let e = SmtpEndpoint::parse("smtps://u:secret@smtp.example.com").unwrap();
        assert_eq!((e.security, e.port), (Security::Implicit, 465));
        assert!(!e.describe().contains("secret"));
        assert!(!format!("{e:?}").contains("secret"));
        assert_eq!(e.describe(), "smtps://u@smtp.example.com:465 (TLS)");
    }

    #[test]
    fn bad_urls_say_why() {
        for bad in [
            "http://mail",
            "smtp://mail?tls=maybe",
            "smtps://mail?tls=starttls",
            "smtp://user@mail",
            "smtp://",
            "not a url",
        ] {
            assert!(SmtpEndpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_kind_of_transport_builds() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://u:p@smtp.example.com?tls=starttls",
            "smtps://smtp.example.com",
        ] {
            SmtpEndpoint::parse(url).unwrap().transport().unwrap();
        }
    }

    #[test]
    fn addresses_are_masked() {
        assert_eq!(mask_addr("wang@example.com"), "w***@example.com");
        assert_eq!(mask_addr("王小二@例子.中国"), "王***@例子.中国");
        assert_eq!(mask_addr("@x"), "***@x");
        assert_eq!(mask_addr("nobody"), "***");
    }

    fn row(to: &str) -> OutboxRow {
        let now = crate::db::models::now_utc();
        OutboxRow {
            id: 1,
            message_id: "<1.abc@gongzhi.test>".into(),
            kind: "test".into(),
            to_addr: to.into(),
            subject: "整改通知书 / Notice".into(),
            body_text: "您好 hello".into(),
            body_html: "<p>您好 hello</p>".into(),
            notice_id: None,
            created_at: now,
            next_attempt_at: now,
            attempts: 0,
            sent_at: None,
            failed_at: None,
            last_error: None,
        }
    }

    #[test]
    fn the_message_carries_the_stored_id_and_both_parts() {
        let from: Mailbox = "共治 <noreply@gongzhi.test>".parse().unwrap();
        let text = String::from_utf8(build_message(&row("m@x.cn"), &from).unwrap().formatted()).unwrap();
        assert!(text.contains("Message-ID: <1.abc@gongzhi.test>"), "{text}");
        assert!(text.contains("multipart/alternative"));
        assert!(text.contains("text/plain") && text.contains("text/html"));
        let err = build_message(&row("not an address"), &from).unwrap_err();
        assert_eq!(err.kind, FailureKind::Invalid);
        assert!(!err.message.contains("not an address"), "masked: {}", err.message);
    }
}
