//! Open data downloads (public, no login): `/export/merchants.csv`, `/export/lives.zip`,
//! `/export/fhrs.xml`, each with an ETag and `If-None-Match` → `304` (see [`super::cache`]).

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use super::cache::cached_response;
use super::{with_db, AppError, AppState};
use crate::services::export;

/// Registers the export routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/export/merchants.csv").route(web::get().to(merchants_csv)))
        .service(web::resource("/export/lives.zip").route(web::get().to(lives_zip)))
        .service(web::resource("/export/fhrs.xml").route(web::get().to(fhrs_xml)));
}

/// `Content-Disposition: attachment; filename="…"`, so browsers save the file.
fn attachment(value: &'static str) -> (HeaderName, HeaderValue) {
    (header::CONTENT_DISPOSITION, HeaderValue::from_static(value))
}

/// Every open merchant's public data as CSV (UTF-8 with BOM, for Excel).
#[utoipa::path(get, path = "/export/merchants.csv", tag = "open-data",
    responses((status = 200, description = "text/csv; columns id,name,credit_code,category,address,area,alliance_member,stars,score,list,rated_at"),
        (status = 304, description = "If-None-Match matched the ETag")))]
pub async fn merchants_csv(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let today = state.config.today();
    let body = with_db(&state, move |c| {
        let rows = export::load_merchants(c, today)?;
        Ok(export::merchants_csv(&rows)?)
    })
    .await?;
    Ok(cached_response(
        &req,
        "text/csv; charset=utf-8",
        body,
        &[attachment("attachment; filename=\"merchants.csv\"")],
    ))
}

/// The inspection record as a LIVES feed (zip of four CSV files).
#[utoipa::path(get, path = "/export/lives.zip", tag = "open-data",
    responses((status = 200, description = "application/zip: businesses.csv, inspections.csv, violations.csv, feed_info.csv"),
        (status = 304, description = "If-None-Match matched the ETag")))]
pub async fn lives_zip(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let policy = state.policy.clone();
    let today = state.config.today();
    let publisher = export::Publisher {
        name: "共治商家联盟 gongzhi merchant alliance".into(),
        url: state.config.base_url.clone(),
        contact_email: state
            .config
            .smtp
            .as_ref()
            .and_then(|s| s.from.parse::<lettre::message::Mailbox>().ok())
            .map(|m| m.email.to_string())
            .unwrap_or_default(),
    };
    let body = with_db(&state, move |c| {
        let policy = policy.current(c)?;
        let feed = export::load_lives(c, &policy, today, &publisher)?;
        Ok(export::lives_zip(&feed)?)
    })
    .await?;
    Ok(cached_response(
        &req,
        "application/zip",
        body,
        &[
            attachment("attachment; filename=\"lives.zip\""),
            // Already deflated: keeps the Compress middleware from gzipping it again.
            (header::CONTENT_ENCODING, HeaderValue::from_static("identity")),
        ],
    ))
}

/// The FHRS-scheme ratings in the FSA's open-data XML shape.
#[utoipa::path(get, path = "/export/fhrs.xml", tag = "open-data",
    responses((status = 200, description = "application/xml: FHRSEstablishment / EstablishmentDetail"),
        (status = 304, description = "If-None-Match matched the ETag")))]
pub async fn fhrs_xml(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let today = state.config.today();
    let body = with_db(&state, move |c| {
        let rows = export::load_fhrs(c)?;
        Ok(export::fhrs_xml(&rows, today)?)
    })
    .await?;
    Ok(cached_response(
        &req,
        "application/xml; charset=utf-8",
        body,
        &[attachment("attachment; filename=\"fhrs.xml\"")],
    ))
}
