//! Email: rendering from askama templates ([`render`]), the transactional outbox that every
//! email goes through ([`outbox`]), the SMTP transport ([`transport`]), and the worker inside
//! `gongzhi serve` that sends the outbox over it ([`worker`]). See `docs/email.md`. Also the
//! committee's Markdown as safe HTML and plain text ([`markdown`]), for emails and pages alike.

pub mod bulletins;
pub mod markdown;
pub mod outbox;
pub mod render;
pub mod transport;
pub mod worker;
