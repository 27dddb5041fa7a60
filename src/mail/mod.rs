//! Email: rendering from askama templates ([`render`]), the transactional outbox that every
//! email goes through ([`outbox`]), and the worker inside `gongzhi serve` that sends it over SMTP
//! ([`worker`]).

pub mod outbox;
pub mod render;
