//! The JSON API. Public endpoints need no login; errors are JSON bodies with both languages.

use actix_web::{http::header, web, HttpResponse};
use serde::Serialize;

use super::{with_db, ApiError, AppError, AppState};
use crate::db::models::merchant::Merchant;
use crate::domain::rating::Rating;

/// A merchant on a public list.
#[derive(Serialize)]
pub struct ListItem {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub area: String,
    pub stars: Option<i32>,
    pub score: Option<f64>,
}

/// GET /api/v1/public/lists/{red|black}: the live list.
pub async fn public_list(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let list = path.into_inner();
    if list != "red" && list != "black" {
        return Err(AppError::NotFound.into());
    }
    let name = list.clone();
    let rows = with_db(&state, move |c| Ok(Merchant::on_list(c, &name)?)).await?;
    let items: Vec<ListItem> = rows
        .into_iter()
        .map(|m| ListItem {
            id: m.id,
            name: m.name,
            category: m.category,
            area: m.area,
            stars: m.current_stars,
            score: m.current_score_tenths.map(|t| f64::from(t) / 10.0),
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(serde_json::json!({ "list": list, "items": items })))
}

/// A merchant's public record as JSON: no contact details, the rating with its breakdown.
#[derive(Serialize)]
pub struct PublicMerchant {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub address: String,
    pub area: String,
    pub alliance_member: bool,
    pub list: String,
    pub rating: Option<Rating>,
}

/// GET /api/v1/public/merchants/{id}
pub async fn public_merchant(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: i32 = path.parse().map_err(|_| AppError::NotFound)?;
    let policy = state.policy.clone();
    let rec = with_db(&state, move |c| {
        Ok(crate::services::records::merchant_record(c, id, &policy)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let m = rec.merchant;
    Ok(HttpResponse::Ok().json(PublicMerchant {
        id: m.id,
        name: m.name,
        category: m.category,
        address: m.address,
        area: m.area,
        alliance_member: m.member_since.is_some(),
        list: m.current_list,
        rating: rec.rating,
    }))
}
