//! Use cases that span tables in one transaction. Each writes its audit entry; none renders.

pub mod auth;
pub mod complaints;
pub mod daily;
pub mod demo;
pub mod editions;
pub mod export;
pub mod import;
pub mod inspections;
pub mod lists;
pub mod login_links;
pub mod merchants;
pub mod notices;
pub mod plaque;
pub mod policy;
pub mod problem;
pub mod rating;
pub mod records;
pub mod replies;
pub mod reports;
pub mod rewards;
pub mod search;
pub mod sessions;
pub mod tokens;
pub mod trainings;
pub mod users;
