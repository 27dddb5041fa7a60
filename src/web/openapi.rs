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

/// GET /api/v1/openapi.json: the document with the contract every endpoint keeps ([`contract`]).
pub async fn serve() -> HttpResponse {
    static DOC: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let doc = serde_json::to_value(document()).unwrap_or_default();
        serde_json::to_string(&contract(doc)).unwrap_or_default()
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOC.as_str())
}

/// The codes of a stored word, as the API writes them.
fn codes<T: Copy>(variants: &[T], code: fn(T) -> &'static str) -> Vec<serde_json::Value> {
    variants.iter().map(|v| code(*v).into()).collect()
}

/// The same, or null.
fn codes_or_null<T: Copy>(variants: &[T], code: fn(T) -> &'static str) -> Vec<serde_json::Value> {
    let mut all = codes(variants, code);
    all.push(serde_json::Value::Null);
    all
}

type Constraint = (
    &'static str,
    &'static [&'static str],
    Vec<(&'static str, serde_json::Value)>,
);

/// What the handlers and services check that utoipa cannot see in the types: per schema, the
/// fields the server refuses to go without, and per field its enum, bounds and format. Each
/// bound is the one the service checks (named beside it), so schemathesis's negative cases are
/// refused and its positive ones pass the schema's part of validation.
fn constraints() -> Vec<Constraint> {
    use crate::domain::words::{InspectionKind, ListStatus, NoticeState, Severity};
    use serde_json::json;
    use strum::VariantArray;
    let list = json!({"type": "string", "enum": codes(ListStatus::VARIANTS, ListStatus::as_str)});
    let int_id = json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": i32::MAX});
    vec![
        // Answers.
        (
            "ListResponse",
            &[],
            vec![("list", json!({"type": "string", "enum": ["red", "black"]}))],
        ),
        (
            "PublicMerchant",
            &[],
            vec![
                ("list", list.clone()),
                ("rating", json!({"type": ["object", "null"]})),
            ],
        ),
        ("RatingOut", &[], vec![("list", list.clone())]),
        ("RatingPoint", &[], vec![("list", list.clone())]),
        (
            "MerchantJson",
            &[],
            vec![
                ("list", list),
                ("status", json!({"type": "string", "enum": ["open", "closed"]})),
            ],
        ),
        (
            "InspectionOut",
            &[],
            vec![(
                "kind",
                json!({"type": "string", "enum": codes(InspectionKind::VARIANTS, InspectionKind::as_str)}),
            )],
        ),
        (
            "ViolationOut",
            &[],
            vec![(
                "severity",
                json!({"type": "string", "enum": codes(Severity::VARIANTS, Severity::as_str)}),
            )],
        ),
        (
            "NoticeJson",
            &[],
            vec![(
                "state",
                json!({"type": "string", "enum": codes(NoticeState::VARIANTS, NoticeState::as_str)}),
            )],
        ),
        (
            "AnswerJson",
            &[],
            vec![(
                "decision",
                json!({"type": ["string", "null"], "enum": ["accepted", "rejected", null]}),
            )],
        ),
        // Requests: services::inspections::validate.
        (
            "InspectionBody",
            &[],
            vec![
                (
                    "merchant_id",
                    json!({"type": ["integer", "null"], "format": "int64", "minimum": 1, "maximum": i32::MAX}),
                ),
                (
                    "inspected_on",
                    json!({"type": ["string", "null"], "format": "date"}),
                ),
                (
                    "kind",
                    json!({"type": ["string", "null"], "enum": codes_or_null(InspectionKind::VARIANTS, InspectionKind::as_str)}),
                ),
                ("notes", json!({"type": ["string", "null"], "maxLength": 2000})),
            ],
        ),
        (
            "DeductionBody",
            &[],
            vec![(
                "points",
                json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": 100}),
            )],
        ),
        (
            "ViolationBody",
            &[],
            vec![
                (
                    "id",
                    json!({"type": ["integer", "null"], "format": "int64", "minimum": 1, "maximum": i32::MAX}),
                ),
                ("code", json!({"type": "string", "maxLength": 32})),
                (
                    "severity",
                    json!({"type": "string", "enum": codes(Severity::VARIANTS, Severity::as_str)}),
                ),
                ("description", json!({"type": "string", "maxLength": 500})),
                ("legal_basis", json!({"type": "string", "maxLength": 200})),
                (
                    "fine_fen",
                    json!({"type": "integer", "format": "int64", "minimum": 0,
                "maximum": crate::services::inspections::MAX_FINE_FEN}),
                ),
            ],
        ),
        // services::notices::issue and ::answer.
        (
            "IssueBody",
            &["inspection_id", "violation_ids", "required_actions", "deadline"],
            vec![
                ("inspection_id", int_id.clone()),
                (
                    "violation_ids",
                    json!({"type": "array", "minItems": 1, "items": int_id}),
                ),
                (
                    "required_actions",
                    json!({"type": "string", "minLength": 5, "maxLength": crate::services::notices::MAX_ACTIONS_CHARS}),
                ),
                ("deadline", json!({"type": "string", "format": "date"})),
            ],
        ),
        (
            "DecisionBody",
            &["decision"],
            vec![
                (
                    "decision",
                    json!({"type": "string", "enum": ["accept", "reject"]}),
                ),
                ("reason", json!({"type": "string", "maxLength": 1000})),
            ],
        ),
        // services::merchants::validate (PUT replaces every field, so the same rules).
        (
            "MerchantRequest",
            &["name", "category", "address", "area"],
            vec![
                ("name", json!({"type": "string", "maxLength": 100})),
                ("category", json!({"type": "string", "maxLength": 50})),
                ("address", json!({"type": "string", "maxLength": 200})),
                ("area", json!({"type": "string", "maxLength": 50})),
                (
                    "contact_name",
                    json!({"type": ["string", "null"], "maxLength": 50}),
                ),
                ("phone", json!({"type": ["string", "null"], "maxLength": 30})),
            ],
        ),
        // committee::validate_reward and ::validate_training (amounts and hours are typed text).
        (
            "RewardInput",
            &["merchant_id", "amount", "reason", "granted_on"],
            vec![
                ("reason", json!({"type": "string", "maxLength": 200})),
                ("granted_on", json!({"type": "string", "format": "date"})),
            ],
        ),
        (
            "TrainingInput",
            &["title", "held_on", "hours"],
            vec![
                ("title", json!({"type": "string", "maxLength": 100})),
                ("held_on", json!({"type": "string", "format": "date"})),
            ],
        ),
        // api::create_token.
        (
            "TokenRequest",
            &["username", "password"],
            vec![
                ("password", json!({"type": "string", "minLength": 1})),
                ("name", json!({"type": "string", "maxLength": 100})),
            ],
        ),
    ]
}

/// The error statuses any endpoint may answer with, whatever its handler says: the database away.
const ALWAYS: &[(&str, &str)] = &[(
    "503",
    "the database is unavailable for now; retry after `Retry-After` seconds",
)];

/// Adds to the generated document what every `/api/` endpoint enforces the same way, so it need
/// not be repeated on each handler: the JSON error (schema `Error`) on every error response, the
/// error statuses the framework answers with (401/403 with a token, 404 with a path parameter,
/// 400/413/415/422 with a JSON body, 422 with a query string, 503), and the bounds of `page`.
pub fn contract(mut doc: serde_json::Value) -> serde_json::Value {
    use crate::domain::words::ListStatus;
    use serde_json::json;
    use strum::VariantArray;
    let schemas = &mut doc["components"]["schemas"];
    schemas["Error"] = json!({
        "type": "object",
        "description": "Every /api/ error: a code, the message in Chinese and English, and the fields at fault (422).",
        "required": ["error", "message_zh", "message_en"],
        "properties": {
            "error": {"type": "string", "enum": [
                "bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed",
                "not_acceptable", "too_large", "unsupported_media_type", "invalid", "same_day",
                "too_many_requests", "unavailable", "internal", "error"]},
            "message_zh": {"type": "string"},
            "message_en": {"type": "string"},
            "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}
        }
    });
    schemas["FieldError"] = json!({
        "type": "object",
        "required": ["field", "zh", "en"],
        "properties": {"field": {"type": "string"}, "zh": {"type": "string"}, "en": {"type": "string"}}
    });
    for (schema, required, props) in constraints() {
        let Some(target) = schemas.get_mut(schema) else {
            continue;
        };
        if !required.is_empty() {
            target["required"] = json!(required);
        }
        for (name, patch) in props {
            if let (Some(prop), Some(patch)) = (target["properties"].get_mut(name), patch.as_object()) {
                if let Some(prop) = prop.as_object_mut() {
                    // A constraint replaces the type's `oneOf` wrapper utoipa writes for `Option<T>`.
                    if patch.contains_key("type") || patch.contains_key("enum") {
                        prop.remove("oneOf");
                    }
                    for (k, v) in patch {
                        prop.insert(k.clone(), v.clone());
                    }
                }
            }
        }
    }
    // Answers that handlers build as JSON by hand: their shape.
    schemas["SearchItem"] =
        serde_json::to_value(<super::consumer::SearchItem as utoipa::PartialSchema>::schema())
            .unwrap_or_default();
    if let Some(list) = schemas["SearchItem"]["properties"].get_mut("list") {
        *list = json!({"type": "string", "enum": codes(ListStatus::VARIANTS, ListStatus::as_str)});
    }
    let answers = [
        (
            "/api/v1/public/merchants",
            json!({"type": "object", "required": ["items", "page", "per_page", "total"],
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/SearchItem"}},
                "page": {"type": "integer", "minimum": 1, "maximum": super::MAX_PAGE},
                "per_page": {"type": "integer"}, "total": {"type": "integer", "minimum": 0}}}),
        ),
        (
            "/api/v1/public/editions",
            json!({"type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"type": "object",
                "required": ["number", "published_on", "note"],
                "properties": {"number": {"type": "integer", "format": "int32"},
                    "published_on": {"type": "string", "format": "date"}, "note": {"type": "string"}}}}}}),
        ),
    ];
    for (path, schema) in answers {
        let ok = &mut doc["paths"][path]["get"]["responses"]["200"];
        if ok.is_object() {
            ok["content"] = json!({"application/json": {"schema": schema}});
        }
    }
    let error = json!({"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}});
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        // The open-data files under /export/ are pages, with the pages' HTML errors.
        if !path.starts_with("/api/") {
            continue;
        }
        let has_path_params = path.contains('{');
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let has_body = op.get("requestBody").is_some();
            let params = op.get_mut("parameters").and_then(|p| p.as_array_mut());
            let mut has_query = false;
            for p in params.into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default().to_string();
                match p["in"].as_str() {
                    Some("query") => {
                        has_query = true;
                        if name == "page" {
                            p["schema"] = json!({"type": "integer", "format": "int64",
                                "minimum": 1, "maximum": super::MAX_PAGE});
                        }
                    }
                    Some("path") => p["required"] = json!(true),
                    _ => {}
                }
            }
            let mut add: Vec<(&str, &str)> = Vec::new();
            if secured {
                add.push(("401", "no token, or a wrong, expired or revoked one"));
                add.push(("403", "the token's role may not do this"));
            }
            if has_path_params {
                add.push(("404", "no such record"));
            }
            if has_body {
                add.push(("400", "the body could not be read"));
                add.push(("413", "the body is larger than 1 MB"));
                add.push(("415", "the body is not `application/json`"));
                add.push((
                    "422",
                    "the body does not fit the schema or does not validate: `fields` says where",
                ));
            }
            if has_query {
                add.push((
                    "422",
                    "a query parameter does not fit the schema: `fields` says which",
                ));
            }
            add.extend_from_slice(ALWAYS);
            let responses = op.get_mut("responses").and_then(|r| r.as_object_mut());
            let Some(responses) = responses else { continue };
            for (status, description) in add {
                responses
                    .entry(status)
                    .or_insert_with(|| json!({"description": description}));
            }
            for (status, r) in responses.iter_mut() {
                if status.starts_with('4') || status.starts_with('5') {
                    if r["description"].as_str().is_none_or(str::is_empty) {
                        r["description"] = json!("error");
                    }
                    r["content"] = error.clone();
                }
            }
        }
    }
    doc
}
