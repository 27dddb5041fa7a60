//! Pure domain rules: no database, no web, no I/O.
//!
//! Everything here is a function of its inputs so that a rating can be recomputed from scratch and
//! checked against reality (see `docs/rating.md`).

pub mod commendation;
pub mod credit_code;
pub mod csv_cell;
pub mod facts;
pub mod fhrs;
pub mod lives;
pub mod money;
pub mod notice;
pub mod policy;
pub mod programme;
pub mod public_record;
pub mod rating;
pub mod reasons;
pub mod utc;
pub mod way;
pub mod words;
