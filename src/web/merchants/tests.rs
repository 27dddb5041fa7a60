use super::*;
use utoipa::OpenApi;

#[test]
fn the_openapi_part_lists_every_merchant_endpoint() {
    let doc = serde_json::to_value(MerchantsApi::openapi()).unwrap();
    for path in [
        "/api/v1/merchants",
        "/api/v1/merchants/{id}",
        "/api/v1/merchants/{id}/close",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["paths"]["/api/v1/merchants"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/merchants/{id}"]["put"].is_object());
    assert!(doc["components"]["schemas"]["MerchantRequest"].is_object());
    let params = doc["paths"]["/api/v1/merchants"]["get"]["parameters"].to_string();
    assert!(
        params.contains("\"q\"") && params.contains("\"page\""),
        "{params}"
    );
}
