//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's paths and schemas.
#[derive(OpenApi)]
#[openapi(
    info(title = "gongzhi API", description = "共治 gongzhi: merchant alliance platform. Public endpoints need no login; others take `Authorization: Bearer <token>` from POST /api/v1/tokens."),
    paths(
        super::api::public_list,
        super::api::public_merchant,
        super::api::public_ratings,
        super::api::public_editions,
        super::consumer::api_search,
        super::api::public_edition,
        super::api::create_token,
        super::api::revoke_token,
        super::committee::api_rewards,
        super::committee::api_grant,
        super::committee::api_training,
        super::committee::api_attendance,
        super::export::merchants_csv,
        super::export::lives_zip,
        super::export::fhrs_xml,
        super::commendations::api_year,
    ),
    components(schemas(
        super::api::ListResponse,
        super::api::EditionResponse,
        super::api::ListItem,
        super::api::PublicMerchant,
        super::api::RatingsResponse,
        crate::services::records::RatingPoint,
        super::api::TokenRequest,
        super::api::TokenCreated,
        super::committee::RewardInput,
        super::committee::TrainingInput,
        super::committee::AttendanceInput,
        crate::services::rewards::Ledger,
        crate::services::rewards::RewardRow,
        super::commendations::RollResponse,
        super::commendations::RollEntry,
        crate::services::commendations::Decision,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole document, with the other areas' paths merged in.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::merchants::MerchantsApi::openapi());
    doc.merge(super::inspections_api::InspectionsApi::openapi());
    doc.merge(super::notices_api::NoticesApi::openapi());
    doc.merge(super::reports::ReportsApi::openapi());
    doc.merge(super::programme::QueueApi::openapi());
    doc
}

/// GET /api/v1/openapi.json
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
