//! The merchant register for staff: search, register, edit and close merchants, and import a
//! register from CSV — as askama pages under `/staff/merchants` and as JSON under
//! `/api/v1/merchants`. Inspectors, the committee and admins keep the register; closing a
//! merchant is the committee's (and admins') decision.

use actix_web::{http::header, http::StatusCode, web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::extract::{CsrfForm, Id};
use super::guard::{ApiRequire, Committee, CurrentUser, Require, RoleSet, Staff};
use super::public::stars_display;
use super::{html, see_other, with_db, ApiError, AppError, AppState, Lang, PageCtx};
use crate::db::models::merchant::{Merchant, MerchantFilter};
use crate::domain::words::ListStatus;
use crate::services::merchants::{self as service, MerchantError, MerchantInput, RegisterReport, SearchPage};

mod api;
mod form;
mod import;

pub use api::*;
pub use form::*;
pub use import::*;

#[cfg(test)]
mod tests;

impl From<MerchantError> for AppError {
    fn from(e: MerchantError) -> Self {
        match e {
            MerchantError::Invalid(f) => AppError::Invalid(super::error::field_errors(f)),
            MerchantError::NotFound => AppError::NotFound,
            MerchantError::Other(e) => AppError::Internal(e),
        }
    }
}

fn status_label(status: &str, lang: Lang) -> &'static str {
    if status == "closed" {
        lang.t("merchants-status-closed")
    } else {
        lang.t("merchants-status-open")
    }
}

// ---------------------------------------------------------------------------------------------
// Search (HTML)

/// The search form's parameters; everything is optional, a bad page number means page 1.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Part of the name (any case) or of the credit code.
    pub q: String,
    /// Exact category.
    pub category: String,
    /// Exact area.
    pub area: String,
    /// `open`, `closed`, or empty for both.
    pub status: String,
    /// 1-based page number.
    #[param(value_type = Option<i64>)]
    pub page: String,
}

impl SearchParams {
    fn filter(&self) -> MerchantFilter {
        let status = match self.status.trim() {
            s @ ("open" | "closed") => s.to_string(),
            _ => String::new(),
        };
        MerchantFilter {
            q: self.q.trim().to_string(),
            category: self.category.trim().to_string(),
            area: self.area.trim().to_string(),
            status,
        }
    }

    /// The query string of this search at another page.
    fn href(&self, page: i64) -> String {
        let f = self.filter();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &f.q)
            .append_pair("category", &f.category)
            .append_pair("area", &f.area)
            .append_pair("status", &f.status)
            .append_pair("page", &page.to_string())
            .finish();
        format!("/staff/merchants?{query}")
    }
}

/// A merchant in the staff list, ready to print.
pub struct Row {
    pub id: i32,
    pub name: String,
    pub credit_code: String,
    pub category: String,
    pub area: String,
    pub status: &'static str,
    pub closed: bool,
    pub stars_text: String,
    pub stars_label: String,
}

#[derive(Template)]
#[template(path = "staff/merchants/list.html")]
pub struct ListPage {
    page: PageCtx,
    filter: MerchantFilter,
    rows: Vec<Row>,
    total: i64,
    page_no: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    categories: Vec<String>,
    areas: Vec<String>,
}

/// GET /staff/merchants: the register with its search form.
pub async fn list(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
    query: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let params = query.into_inner();
    let filter = params.filter();
    let page_no = params.page.trim().parse::<i64>().unwrap_or(1);
    let f = filter.clone();
    let (result, (categories, areas)) = with_db(&state, move |c| {
        let result = service::search(c, &f, page_no)?;
        Ok((result, Merchant::categories_and_areas(c)?))
    })
    .await?;
    let lang = page.lang;
    let pages = result.pages();
    let SearchPage {
        items,
        page: page_no,
        total,
    } = result;
    let rows = items
        .into_iter()
        .map(|m| {
            let (stars_text, stars_label) = stars_display(m.current_stars, lang);
            Row {
                id: m.id,
                status: status_label(&m.status, lang),
                closed: m.status == "closed",
                name: m.name,
                credit_code: m.credit_code.unwrap_or_default(),
                category: m.category,
                area: m.area,
                stars_text,
                stars_label,
            }
        })
        .collect();
    let tpl = ListPage {
        page,
        filter,
        rows,
        total,
        page_no,
        pages,
        prev_href: (page_no > 1).then(|| params.href(page_no - 1)),
        next_href: (page_no < pages).then(|| params.href(page_no + 1)),
        categories,
        areas,
    };
    html(StatusCode::OK, &tpl)
}

// ---------------------------------------------------------------------------------------------
// Register and edit (HTML)

// ---------------------------------------------------------------------------------------------
// CSV import (HTML)

// ---------------------------------------------------------------------------------------------
// JSON API

/// Registers the merchant register's pages and API. The fixed paths come before `{id}`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/staff/merchants")
            .route(web::get().to(list))
            .route(web::post().to(create_submit)),
    )
    .service(web::resource("/staff/merchants/new").route(web::get().to(new_form)))
    .service(
        web::resource("/staff/merchants/import")
            .route(web::get().to(import_form))
            .route(web::post().to(import_submit)),
    )
    .service(web::resource("/staff/merchants/import/file").route(web::post().to(import_file_submit)))
    .service(
        web::resource("/staff/merchants/{id}")
            .route(web::get().to(show))
            .route(web::post().to(update_submit)),
    )
    .service(web::resource("/staff/merchants/{id}/edit").route(web::get().to(edit_form)))
    .service(web::resource("/staff/merchants/{id}/close").route(web::post().to(close_submit)))
    .service(
        web::resource("/api/v1/merchants")
            .route(web::get().to(api_search))
            .route(web::post().to(api_create)),
    )
    .service(
        web::resource("/api/v1/merchants/{id}")
            .route(web::get().to(api_get))
            .route(web::put().to(api_update)),
    )
    .service(web::resource("/api/v1/merchants/{id}/close").route(web::post().to(api_close)));
}
