//! The API keeps its contract (issue 17, branch api): timestamps carry their offset (RFC 3339,
//! `Z`), every `/api/` error is the documented JSON error — query-string, path, body, unknown
//! path, wrong method, too large, wrong content type — and the OpenAPI document's bounds are
//! the ones the server keeps. `scripts/schemathesis.sh` checks the whole document; this file
//! pins the cases one by one.

mod common;

use common::TestApp;
use serde_json::{json, Value};

const PASSWORD: &str = "gongzhi-demo";

fn token(app: &TestApp, user: &str, extra: Value) -> Value {
    let mut body = json!({"username": user, "password": PASSWORD});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "token for {user}");
    r.json().unwrap()
}

fn bearer(app: &TestApp, user: &str) -> String {
    format!(
        "Bearer {}",
        token(app, user, json!({}))["token"].as_str().unwrap()
    )
}

/// A timestamp as the API must write it: RFC 3339, in UTC, with `Z`.
fn assert_rfc3339_z(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    assert!(s.ends_with('Z'), "{what} has no offset: {s}");
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{what} = {s}: {e}"));
}

/// Asserts `r` is the documented JSON error with `status`; returns its body.
fn assert_json_error(r: reqwest::blocking::Response, status: u16, what: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "{what}");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(ct.starts_with("application/json"), "{what}: content-type {ct}");
    let body: Value = r.json().unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
    for key in ["error", "message_zh", "message_en"] {
        assert!(
            body[key].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: no {key} in {body}"
        );
    }
    if let Some(fields) = body.get("fields") {
        for f in fields.as_array().unwrap() {
            for key in ["field", "zh", "en"] {
                assert!(f[key].is_string(), "{what}: field error without {key}: {body}");
            }
        }
    }
    body
}

#[test]
fn timestamps_carry_their_offset() {
    let app = TestApp::spawn();
    let created = token(&app, "inspector", json!({"expires_in_days": 30}));
    assert_rfc3339_z(&created["expires_at"], "token expires_at");
    let inspector = format!("Bearer {}", created["token"].as_str().unwrap());

    let today = app.config.today().to_string();
    let r = app
        .client
        .post(app.url("/api/v1/inspections"))
        .header("authorization", &inspector)
        .json(
            &json!({"merchant_id": 1, "inspected_on": today, "kind": "routine",
            "confirm_same_day": true}),
        )
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let logged: Value = r.json().unwrap();
    for key in ["created_at", "updated_at", "editable_until"] {
        assert_rfc3339_z(&logged["inspection"][key], key);
    }
    // Dates stay dates.
    assert_eq!(logged["inspection"]["inspected_on"], json!(today));

    // Without confirm_same_day the same day is refused, and the earlier one's time has its offset.
    let r = app
        .client
        .post(app.url("/api/v1/inspections"))
        .header("authorization", &inspector)
        .json(&json!({"merchant_id": 1, "inspected_on": today, "kind": "routine"}))
        .send()
        .unwrap();
    let conflict = assert_json_error(r, 409, "same day");
    assert_rfc3339_z(&conflict["existing"][0]["logged_at"], "same_day logged_at");

    // A notice of the demo town: its timeline.
    let r = app
        .client
        .get(app.url("/api/v1/notices/1"))
        .header("authorization", &inspector)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let notice: Value = r.json().unwrap();
    assert_rfc3339_z(&notice["issued_at"], "notice issued_at");
    for key in [
        "emailed_at",
        "read_at",
        "answered_at",
        "verified_at",
        "overdue_at",
    ] {
        if !notice[key].is_null() {
            assert_rfc3339_z(&notice[key], key);
        }
    }

    // The rewards ledger.
    let r = app
        .client
        .get(app.url("/api/v1/rewards"))
        .header("authorization", bearer(&app, "admin"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let ledger: Value = r.json().unwrap();
    let rows = ledger["rewards"].as_array().unwrap();
    assert!(!rows.is_empty(), "the demo town has rewards: {ledger}");
    for row in rows {
        assert_rfc3339_z(&row["created_at"], "reward created_at");
    }
}

#[test]
fn every_api_error_is_the_json_error() {
    let app = TestApp::spawn();
    let c = &app.client;
    let get = |path: &str| c.get(app.url(path)).send().unwrap();

    // Query strings: not a number, out of bounds, empty, a parameter twice.
    for (path, what) in [
        ("/api/v1/public/merchants?page=abc", "page=abc"),
        ("/api/v1/public/merchants?page=0", "page=0"),
        ("/api/v1/public/merchants?page=100001", "page=100001"),
        ("/api/v1/public/merchants?page=", "an empty page"),
        ("/api/v1/public/merchants?page=%2B5", "a signed page"),
        ("/api/v1/public/merchants/1/ratings?page=-1", "ratings page=-1"),
        (
            "/api/v1/public/merchants/1/ratings?page=100001",
            "ratings page=100001",
        ),
    ] {
        let body = assert_json_error(get(path), 422, what);
        assert_eq!(body["fields"][0]["field"], "page", "{what}: {body}");
    }
    let body = assert_json_error(get("/api/v1/public/merchants?q=a&q=b"), 422, "q twice");
    assert_eq!(body["fields"][0]["field"], "query", "{body}");

    // Paths: unknown ones, a bad segment, a record that is not there.
    for path in [
        "/api/v1/nope",
        "/api/nope",
        "/api/v1/public/merchants/abc",
        "/api/v1/public/merchants/99999999999",
        "/api/v1/public/merchants/424242",
        "/api/v1/public/lists/green",
        "/api/v1/public/editions/abc",
    ] {
        let body = assert_json_error(get(path), 404, path);
        assert_eq!(body["error"], "not_found", "{path}");
    }

    // A method the path does not take: 405 with Allow.
    let r = c.patch(app.url("/api/v1/public/editions")).send().unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET");
    let body = assert_json_error(r, 405, "PATCH");
    assert_eq!(body["error"], "method_not_allowed");
    let r = c.delete(app.url("/api/v1/tokens")).send().unwrap();
    assert_json_error(r, 405, "DELETE /api/v1/tokens");

    // JSON bodies: wrong content type, not JSON, a wrong type, a field missing, too large.
    let post = |body: &str, ct: &str| {
        c.post(app.url("/api/v1/tokens"))
            .header("content-type", ct)
            .body(body.to_string())
            .send()
            .unwrap()
    };
    let body = assert_json_error(
        post("username=a", "application/x-www-form-urlencoded"),
        415,
        "a form",
    );
    assert_eq!(body["error"], "unsupported_media_type");
    let body = assert_json_error(post("{", "application/json"), 422, "broken JSON");
    assert_eq!(body["fields"][0]["field"], "body");
    let body = assert_json_error(
        post(r#"{"username": 1, "password": "x"}"#, "application/json"),
        422,
        "a number for a string",
    );
    assert_eq!(body["fields"][0]["field"], "body");
    assert_json_error(
        post(r#"{"password": "x"}"#, "application/json"),
        422,
        "no username",
    );
    assert_json_error(
        post(
            r#"{"username": "a", "password": "x", "expires_in_days": 1.5}"#,
            "application/json",
        ),
        422,
        "a fraction for an integer",
    );
    let big = format!(
        r#"{{"username": "{}", "password": "x"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let body = assert_json_error(post(&big, "application/json"), 413, "2 MB");
    assert_eq!(body["error"], "too_large");

    // Authentication and roles.
    let r = c
        .post(app.url("/api/v1/inspections"))
        .json(&json!({}))
        .send()
        .unwrap();
    assert_eq!(assert_json_error(r, 401, "no token")["error"], "unauthorized");
    let r = c
        .get(app.url("/api/v1/rewards"))
        .header("authorization", bearer(&app, "inspector"))
        .send()
        .unwrap();
    assert_eq!(
        assert_json_error(r, 403, "an inspector's ledger")["error"],
        "forbidden"
    );

    // Pages keep their HTML errors.
    let r = get("/nope");
    assert_eq!(r.status().as_u16(), 404);
    let ct = r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(ct.starts_with("text/html"), "{ct}");
}

#[test]
fn the_openapi_document_states_the_bounds_the_server_keeps() {
    let app = TestApp::spawn();
    let doc: Value = app.get("/api/v1/openapi.json").json().unwrap();
    let c = &app.client;

    // `page`: what the document says is what the server takes.
    for (path, url) in [
        ("/api/v1/public/merchants", "/api/v1/public/merchants"),
        (
            "/api/v1/public/merchants/{id}/ratings",
            "/api/v1/public/merchants/1/ratings",
        ),
    ] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let page = params.iter().find(|p| p["name"] == "page").unwrap();
        assert_eq!(page["schema"]["type"], "integer", "{path}");
        let (min, max) = (
            page["schema"]["minimum"].as_i64().unwrap(),
            page["schema"]["maximum"].as_i64().unwrap(),
        );
        assert_eq!((min, max), (1, 100_000), "{path}");
        for ok in [min, max] {
            let r = app.get(&format!("{url}?page={ok}"));
            assert_eq!(r.status().as_u16(), 200, "{url}?page={ok}");
        }
        for bad in [min - 1, max + 1] {
            assert_json_error(
                app.get(&format!("{url}?page={bad}")),
                422,
                &format!("{url}?page={bad}"),
            );
        }
    }

    // A token's lifetime: 1–3650 days, an integer.
    let days = &doc["components"]["schemas"]["TokenRequest"]["properties"]["expires_in_days"];
    assert_eq!(
        (days["minimum"].as_i64(), days["maximum"].as_i64()),
        (Some(1), Some(3650))
    );
    assert!(days["type"].to_string().contains("integer"), "{days}");
    for (n, status) in [(1, 201), (3650, 201), (0, 422), (3651, 422)] {
        let r = c
            .post(app.url("/api/v1/tokens"))
            .json(&json!({"username": "inspector", "password": PASSWORD, "expires_in_days": n}))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "expires_in_days = {n}");
    }

    // Enums are the stored codes; required fields are the ones the server refuses to go without.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["InspectionOut"]["properties"]["kind"]["enum"],
        json!(["routine", "follow_up", "complaint", "self_check"])
    );
    assert_eq!(
        schemas["DecisionBody"]["properties"]["decision"]["enum"],
        json!(["accept", "reject"])
    );
    assert_eq!(schemas["DecisionBody"]["required"], json!(["decision"]));
    assert_eq!(
        schemas["InspectionOut"]["properties"]["created_at"]["format"],
        "date-time"
    );

    // Every error response of every operation is the Error schema; secured ones say 401 and 403,
    // those with a body 413, 415 and 422.
    let error_ref = json!({"$ref": "#/components/schemas/Error"});
    assert!(schemas["Error"]["required"]
        .as_array()
        .unwrap()
        .contains(&json!("message_en")));
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"], error_ref,
                        "{method} {path} {status}"
                    );
                }
            }
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                for s in ["401", "403"] {
                    assert!(responses.contains_key(s), "{method} {path} lacks {s}");
                }
            }
            if op.get("requestBody").is_some() {
                for s in ["413", "415", "422"] {
                    assert!(responses.contains_key(s), "{method} {path} lacks {s}");
                }
            }
        }
    }
    assert!(operations > 20, "{operations}");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
