//! Inspections for inspectors: the phone-sized logging form, the merchant picker, the result page
//! with the merchant's new rating, the 24-hour edit, and the same as JSON under `/api/v1`.
//! Validation and storage live in `services::inspections`; this module only translates.

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde::Deserialize;

use super::error::FieldError;
use super::extract::{CsrfForm, Id};
use super::guard::{Loggers, Require, RoleSet, Staff};
use super::public::{points, stars_display};
use super::{html, see_other, with_db, AppError, AppState, Lang, PageCtx};
use crate::db::models::inspection::{Inspection, NewItem, Violation};
use crate::domain::policy::Policy;
use crate::domain::rating::{InspectionKind, ListStatus, Severity};
use crate::services::inspections::{
    self as svc, check_editable, Draft, DraftDeduction, DraftViolation, Fine, InspectionError, RatingState,
};

// ---------------------------------------------------------------------------------------------
// The form: values as typed, and how they become a draft.

use super::error::field_errors;

// ---------------------------------------------------------------------------------------------
// Pages.

mod form;
mod photos;
mod views;

pub use form::*;
pub use photos::*;
pub use views::*;

pub(super) fn app_error(e: InspectionError) -> AppError {
    match e {
        InspectionError::Invalid(p) => AppError::Invalid(field_errors(p)),
        InspectionError::NotFound => AppError::NotFound,
        InspectionError::NotYours | InspectionError::TooLate => AppError::Forbidden,
        InspectionError::Other(e) => AppError::Internal(e),
    }
}

/// Registers the inspection routes: the pages under `/staff/inspections`, then the JSON API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/staff/inspections")
            .route(web::get().to(index))
            .route(web::post().to(create)),
    )
    .service(web::resource("/staff/inspections/new").route(web::get().to(new_form)))
    .service(web::resource("/staff/inspections/{id}").route(web::get().to(show)))
    .service(
        web::resource("/staff/inspections/{id}/edit")
            .route(web::get().to(edit_form))
            .route(web::post().to(update)),
    )
    .service(web::resource("/staff/inspections/{id}/photos").route(web::post().to(upload_photos)))
    .service(
        web::resource("/staff/inspections/{id}/photos/{photo}/remove").route(web::post().to(remove_photo)),
    )
    .service(web::resource("/inspection-photos/{id}").route(web::get().to(photo)));
}
