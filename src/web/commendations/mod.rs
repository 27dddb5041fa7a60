//! The annual commendation (年度表彰) on the web: the public honour rolls, the committee's page
//! (candidates with each criterion, adjustments, the decision), the merchant's certificate, and
//! the public JSON. The words for the rule's codes live here (`criterion_lines`,
//! `revocation_text`); the service and the domain speak in codes.

use actix_web::web;

use super::AppError;
use crate::services::commendations::CommendationError;
use crate::services::problem::Problem;

mod certificate;
mod public;
mod staff;
pub(crate) mod words;

pub use certificate::*;
pub use public::*;
pub use staff::*;
pub use words::*;

/// `year` from a path, or 404 for anything that is not a plausible year.
fn parse_year(raw: &str) -> Result<i32, AppError> {
    match raw.trim().parse::<i32>() {
        Ok(y) if (2000..=9999).contains(&y) => Ok(y),
        _ => Err(AppError::NotFound),
    }
}

fn to_app(e: CommendationError) -> AppError {
    match e {
        CommendationError::NoMerchant(_) => AppError::NotFound,
        CommendationError::BadYear => AppError::NotFound,
        CommendationError::Other(e) => AppError::Internal(e),
        other => AppError::Invalid(vec![Problem {
            field: "commendation".into(),
            message: other.message(),
        }
        .into()]),
    }
}

/// The commendation pages' routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/commendations").route(web::get().to(index)))
        .service(web::resource("/commendations/{year}").route(web::get().to(year_page)))
        .service(web::resource("/api/v1/public/commendations/{year}").route(web::get().to(api_year)))
        .service(web::resource("/staff/commendations").route(web::get().to(staff_index)))
        .service(web::resource("/staff/commendations/{year}").route(web::get().to(staff_year)))
        .service(web::resource("/staff/commendations/{year}/adjust").route(web::post().to(staff_adjust)))
        .service(
            web::resource("/staff/commendations/{year}/adjust/{merchant}/withdraw")
                .route(web::post().to(staff_withdraw)),
        )
        .service(web::resource("/staff/commendations/{year}/decide").route(web::post().to(staff_decide)))
        .service(web::resource("/my/commendations/{year}").route(web::get().to(certificate)));
}
