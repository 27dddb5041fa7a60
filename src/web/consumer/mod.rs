//! What consumers do without an account beyond reading the lists: search merchants, print or
//! check a storefront plaque, and file a complaint; and the inspectors' triage of complaints.

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Datelike, TimeZone};
use serde::{Deserialize, Serialize};

use super::cache::Checked;
use super::client::client_ip;
use super::error::FieldError;
use super::extract::{CsrfForm, Id};
use super::guard::{Require, Staff};
use super::public::stars_display;
use super::throttle::Family;
use super::{html, parse_id, with_db, ApiError, AppError, AppState, Lang, PageCtx};
use crate::db::models::merchant::Merchant;
use crate::db::models::now_utc;
use crate::domain::words::ListStatus;
use crate::services::complaints::{self, Decision, FileError, FormTiming, NewComplaint, TriageError};
use crate::services::plaque::{self, PlaqueFacts, Verdict};
use crate::services::search;

mod complaint_pages;
mod plaque_pages;
mod search_pages;

pub use complaint_pages::*;
pub use plaque_pages::*;
pub use search_pages::*;

fn field(name: &str, zh: &str, en: &str) -> FieldError {
    FieldError {
        field: name.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

fn list_label(list: ListStatus, lang: Lang) -> &'static str {
    match list {
        ListStatus::Red => lang.t("list-red-title"),
        ListStatus::Black => lang.t("list-black-title"),
        ListStatus::None => lang.t("consumer-list-none"),
    }
}

/// The application secret (configured, or generated and stored at first start).
async fn secret(state: &AppState) -> Result<Vec<u8>, AppError> {
    let configured = state.config.session_secret.clone();
    with_db(state, move |c| Ok(plaque::app_secret(c, configured.as_deref())?)).await
}

// ---------------------------------------------------------------------------------------------
// Search

// ---------------------------------------------------------------------------------------------
// Plaque

// ---------------------------------------------------------------------------------------------
// Complaints

/// Registers the consumer routes and the triage pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/search").route(web::get().to(search_page)))
        .service(web::resource("/api/v1/public/merchants").route(web::get().to(api_search)))
        .service(web::resource("/merchants/{id}/plaque").route(web::get().to(plaque_page)))
        .service(web::resource("/merchants/{id}/plaque/check").route(web::get().to(plaque_check)))
        .service(web::resource("/complaints/new").route(web::get().to(complaint_form)))
        .service(web::resource("/complaints").route(web::post().to(complaint_submit)))
        .service(web::resource("/complaints/thanks").route(web::get().to(complaint_thanks)))
        .service(web::resource("/complaints/status").route(web::get().to(complaint_status)))
        .service(web::resource("/staff/complaints/{id}/photo").route(web::get().to(complaint_photo)))
        .service(web::resource("/staff/complaints").route(web::get().to(staff_complaints)))
        .service(web::resource("/staff/complaints/{id}/triage").route(web::post().to(triage)));
}
