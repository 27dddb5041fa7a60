//! The authorization matrix: every route, tried by every role and by an anonymous visitor, is
//! allowed for exactly the roles listed here. A route added to the code but not to this table
//! fails the test too.

mod common;

use common::TestApp;

const ANON: &str = "anonymous";
const ROLES: [&str; 5] = [ANON, "admin", "committee", "inspector", "merchant"];
const ALL: &[&str] = &[ANON, "admin", "committee", "inspector", "merchant"];
const LOGGED_IN: &[&str] = &["admin", "committee", "inspector", "merchant"];
const STAFF: &[&str] = &["admin", "committee", "inspector"];
const COMMITTEE: &[&str] = &["admin", "committee"];
const LOGGERS: &[&str] = &["admin", "inspector"];
const ADMIN: &[&str] = &["admin"];
const MERCHANT: &[&str] = &["merchant"];
/// Editing an inspection: only its own inspector (the demo's inspections are the inspector's),
/// within a day of logging it: `TODAY` in a path stands for the demo's inspection logged today.
const OWN_INSPECTOR: &[&str] = &["inspector"];

/// (method, path as requested, the route pattern in the code, allowed roles)
const MATRIX: &[(&str, &str, &str, &[&str])] = &[
    ("GET", "/", "/", ALL),
    ("GET", "/search?q=1", "/search", ALL),
    (
        "GET",
        "/api/v1/public/merchants?q=1",
        "/api/v1/public/merchants",
        ALL,
    ),
    ("GET", "/merchants/1/plaque", "/merchants/{id}/plaque", ALL),
    (
        "GET",
        "/merchants/1/plaque/check?code=x",
        "/merchants/{id}/plaque/check",
        ALL,
    ),
    ("GET", "/complaints/new?merchant=1", "/complaints/new", ALL),
    ("POST", "/complaints", "/complaints", ALL),
    ("GET", "/complaints/thanks", "/complaints/thanks", ALL),
    (
        "GET",
        "/complaints/status?ref=TS-2345ABCD",
        "/complaints/status",
        ALL,
    ),
    (
        "GET",
        "/staff/complaints/1/photo",
        "/staff/complaints/{id}/photo",
        STAFF,
    ),
    ("GET", "/staff/complaints", "/staff/complaints", STAFF),
    ("GET", "/staff/programme", "/staff/programme", STAFF),
    ("GET", "/staff/programme/print", "/staff/programme/print", STAFF),
    ("GET", "/staff/programme.csv", "/staff/programme.csv", STAFF),
    ("GET", "/api/v1/staff/queue", "/api/v1/staff/queue", STAFF),
    (
        "POST",
        "/staff/complaints/1/triage",
        "/staff/complaints/{id}/triage",
        STAFF,
    ),
    ("GET", "/healthz", "/healthz", ALL),
    ("GET", "/livez", "/livez", ALL),
    ("GET", "/static/app.css", "/static/app.css", ALL),
    ("GET", "/static/plaque.css", "/static/plaque.css", ALL),
    ("GET", "/static/app.js", "/static/app.js", ALL),
    ("GET", "/static/inspection.js", "/static/inspection.js", ALL),
    ("GET", "/favicon.ico", "/favicon.ico", ALL),
    ("GET", "/about/ratings", "/about/ratings", ALL),
    ("GET", "/about/data", "/about/data", ALL),
    ("GET", "/lists/red", "/lists/{list}", ALL),
    ("GET", "/merchants/1", "/merchants/{id}", ALL),
    ("GET", "/editions", "/editions", ALL),
    ("POST", "/editions", "/editions", COMMITTEE),
    // Branch campaigns: the edition preview and star-rating campaigns.
    ("GET", "/editions/preview", "/editions/preview", COMMITTEE),
    ("GET", "/staff/campaigns", "/staff/campaigns", STAFF),
    ("POST", "/staff/campaigns", "/staff/campaigns", COMMITTEE),
    ("GET", "/staff/campaigns/1", "/staff/campaigns/{id}", STAFF),
    (
        "POST",
        "/staff/campaigns/1/assign",
        "/staff/campaigns/{id}/assign",
        COMMITTEE,
    ),
    (
        "GET",
        "/staff/campaigns/1/close",
        "/staff/campaigns/{id}/close",
        COMMITTEE,
    ),
    (
        "POST",
        "/staff/campaigns/1/close",
        "/staff/campaigns/{id}/close",
        COMMITTEE,
    ),
    ("GET", "/editions/1", "/editions/{number}", ALL),
    ("GET", "/reports", "/reports", ALL),
    ("GET", "/reports/2025", "/reports/{year}", ALL),
    (
        "GET",
        "/reports/2025/stars.csv",
        "/reports/{year}/{chart}.csv",
        ALL,
    ),
    (
        "GET",
        "/api/v1/public/reports/2025",
        "/api/v1/public/reports/{year}",
        ALL,
    ),
    ("GET", "/staff/stats", "/staff/stats", STAFF),
    ("GET", "/login", "/login", ALL),
    ("POST", "/login", "/login", ALL),
    ("POST", "/logout", "/logout", ALL),
    ("GET", "/staff", "/staff", LOGGED_IN),
    ("GET", "/staff/trainings", "/staff/trainings", COMMITTEE),
    ("GET", "/staff/bulletins", "/staff/bulletins", COMMITTEE),
    ("POST", "/staff/bulletins", "/staff/bulletins", COMMITTEE),
    ("GET", "/staff/bulletins/1", "/staff/bulletins/{id}", COMMITTEE),
    (
        "POST",
        "/staff/bulletins/1/remind",
        "/staff/bulletins/{id}/remind",
        COMMITTEE,
    ),
    // Staff, and the merchants that received it (others get 404, not 403).
    (
        "GET",
        "/bulletins/1/attachment",
        "/bulletins/{id}/attachment",
        LOGGED_IN,
    ),
    ("GET", "/my/bulletins/1", "/my/bulletins/{id}", MERCHANT),
    // The email's link needs no sign-in: a bad token is a 404 for everyone.
    ("GET", "/bulletins/read/1-00", "/bulletins/read/{token}", ALL),
    (
        "GET",
        "/bulletins/read/1-00/attachment",
        "/bulletins/read/{token}/attachment",
        ALL,
    ),
    ("POST", "/staff/trainings", "/staff/trainings", COMMITTEE),
    ("GET", "/staff/trainings/1", "/staff/trainings/{id}", COMMITTEE),
    (
        "POST",
        "/staff/trainings/1/attendance",
        "/staff/trainings/{id}/attendance",
        COMMITTEE,
    ),
    ("GET", "/commendations", "/commendations", ALL),
    ("GET", "/commendations/2025", "/commendations/{year}", ALL),
    (
        "GET",
        "/api/v1/public/commendations/2025",
        "/api/v1/public/commendations/{year}",
        ALL,
    ),
    ("GET", "/staff/commendations", "/staff/commendations", COMMITTEE),
    (
        "GET",
        "/staff/commendations/2025",
        "/staff/commendations/{year}",
        COMMITTEE,
    ),
    // 2020 has no candidates: the POSTs are refused after the role check, changing nothing.
    (
        "POST",
        "/staff/commendations/2020/adjust",
        "/staff/commendations/{year}/adjust",
        COMMITTEE,
    ),
    (
        "POST",
        "/staff/commendations/2020/adjust/1/withdraw",
        "/staff/commendations/{year}/adjust/{merchant}/withdraw",
        COMMITTEE,
    ),
    (
        "POST",
        "/staff/commendations/2020/decide",
        "/staff/commendations/{year}/decide",
        COMMITTEE,
    ),
    (
        "GET",
        "/my/commendations/2025",
        "/my/commendations/{year}",
        MERCHANT,
    ),
    ("GET", "/static/certificate.css", "/static/certificate.css", ALL),
    ("GET", "/static/notice-print.css", "/static/notice-print.css", ALL),
    ("GET", "/staff/rewards", "/staff/rewards", COMMITTEE),
    ("POST", "/staff/rewards", "/staff/rewards", COMMITTEE),
    ("GET", "/staff/users", "/staff/users", ADMIN),
    ("POST", "/staff/users", "/staff/users", ADMIN),
    ("POST", "/staff/users/3/active", "/staff/users/{id}/active", ADMIN),
    // A user that does not exist: these would end the callers' own sessions (a 404 is allowed).
    (
        "POST",
        "/staff/users/999999/role",
        "/staff/users/{id}/role",
        ADMIN,
    ),
    (
        "POST",
        "/staff/users/999999/sign-out",
        "/staff/users/{id}/sign-out",
        ADMIN,
    ),
    (
        "POST",
        "/staff/users/999999/reset",
        "/staff/users/{id}/reset",
        ADMIN,
    ),
    ("GET", "/account", "/account", LOGGED_IN),
    ("POST", "/account/password", "/account/password", LOGGED_IN),
    (
        "POST",
        "/account/sign-out-everywhere",
        "/account/sign-out-everywhere",
        LOGGED_IN,
    ),
    ("GET", "/login/reset/00", "/login/reset/{token}", ALL),
    ("POST", "/login/reset/00", "/login/reset/{token}", ALL),
    ("GET", "/staff/audit", "/staff/audit", ADMIN),
    ("GET", "/staff/outbox", "/staff/outbox", ADMIN),
    ("POST", "/staff/outbox/1/retry", "/staff/outbox/{id}/retry", ADMIN),
    ("GET", "/staff/merchants", "/staff/merchants", STAFF),
    ("POST", "/staff/merchants", "/staff/merchants", STAFF),
    ("GET", "/staff/merchants/new", "/staff/merchants/new", STAFF),
    ("GET", "/staff/merchants/import", "/staff/merchants/import", STAFF),
    (
        "POST",
        "/staff/merchants/import",
        "/staff/merchants/import",
        STAFF,
    ),
    (
        "POST",
        "/staff/merchants/import/file",
        "/staff/merchants/import/file",
        STAFF,
    ),
    ("GET", "/staff/merchants/1", "/staff/merchants/{id}", STAFF),
    ("POST", "/staff/merchants/1", "/staff/merchants/{id}", STAFF),
    (
        "GET",
        "/staff/merchants/1/edit",
        "/staff/merchants/{id}/edit",
        STAFF,
    ),
    (
        "POST",
        "/staff/merchants/1/close",
        "/staff/merchants/{id}/close",
        COMMITTEE,
    ),
    ("GET", "/staff/inspections", "/staff/inspections", STAFF),
    ("POST", "/staff/inspections", "/staff/inspections", LOGGERS),
    ("GET", "/staff/inspections/new", "/staff/inspections/new", LOGGERS),
    ("GET", "/staff/inspections/1", "/staff/inspections/{id}", STAFF),
    (
        "GET",
        "/staff/inspections/TODAY/edit",
        "/staff/inspections/{id}/edit",
        OWN_INSPECTOR,
    ),
    (
        "POST",
        "/staff/inspections/TODAY/edit",
        "/staff/inspections/{id}/edit",
        OWN_INSPECTOR,
    ),
    ("GET", "/export/merchants.csv", "/export/merchants.csv", ALL),
    ("GET", "/export/lives.zip", "/export/lives.zip", ALL),
    ("GET", "/export/fhrs.xml", "/export/fhrs.xml", ALL),
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", ALL),
    (
        "GET",
        "/api/v1/public/lists/red",
        "/api/v1/public/lists/{list}",
        ALL,
    ),
    (
        "GET",
        "/api/v1/public/merchants/1",
        "/api/v1/public/merchants/{id}",
        ALL,
    ),
    (
        "GET",
        "/api/v1/public/merchants/1/ratings",
        "/api/v1/public/merchants/{id}/ratings",
        ALL,
    ),
    ("GET", "/api/v1/public/editions", "/api/v1/public/editions", ALL),
    (
        "GET",
        "/api/v1/public/editions/1",
        "/api/v1/public/editions/{number}",
        ALL,
    ),
    ("POST", "/api/v1/tokens", "/api/v1/tokens", ALL),
    (
        "DELETE",
        "/api/v1/tokens/999999",
        "/api/v1/tokens/{id}",
        LOGGED_IN,
    ),
    ("GET", "/api/v1/merchants", "/api/v1/merchants", STAFF),
    ("POST", "/api/v1/merchants", "/api/v1/merchants", STAFF),
    ("GET", "/api/v1/merchants/1", "/api/v1/merchants/{id}", STAFF),
    ("PUT", "/api/v1/merchants/1", "/api/v1/merchants/{id}", STAFF),
    (
        "POST",
        "/api/v1/merchants/1/close",
        "/api/v1/merchants/{id}/close",
        COMMITTEE,
    ),
    ("POST", "/api/v1/inspections", "/api/v1/inspections", LOGGERS),
    ("GET", "/api/v1/inspections/1", "/api/v1/inspections/{id}", STAFF),
    (
        "PUT",
        "/api/v1/inspections/TODAY",
        "/api/v1/inspections/{id}",
        OWN_INSPECTOR,
    ),
    ("GET", "/staff/notices", "/staff/notices", STAFF),
    ("GET", "/staff/notices/1", "/staff/notices/{id}", STAFF),
    (
        "GET",
        "/staff/notices/1/print",
        "/staff/notices/{id}/print",
        STAFF,
    ),
    (
        "POST",
        "/staff/notices/1/decide",
        "/staff/notices/{id}/decide",
        STAFF,
    ),
    (
        "GET",
        "/staff/inspections/1/notice",
        "/staff/inspections/{id}/notice",
        STAFF,
    ),
    (
        "POST",
        "/staff/inspections/1/notice",
        "/staff/inspections/{id}/notice",
        STAFF,
    ),
    ("POST", "/api/v1/notices", "/api/v1/notices", STAFF),
    ("GET", "/api/v1/notices/1", "/api/v1/notices/{id}", STAFF),
    (
        "POST",
        "/api/v1/notices/1/decision",
        "/api/v1/notices/{id}/decision",
        STAFF,
    ),
    ("GET", "/my", "/my", MERCHANT),
    ("POST", "/my/reply", "/my/reply", MERCHANT),
    // Notice 1 is the demo merchant's own (another merchant's is a 404, tested in tests/notices.rs).
    ("GET", "/my/notices/1", "/my/notices/{id}", MERCHANT),
    ("GET", "/my/notices/1/print", "/my/notices/{id}/print", MERCHANT),
    (
        "POST",
        "/my/notices/1/answer",
        "/my/notices/{id}/answer",
        MERCHANT,
    ),
    // Training 1 is over: the demo merchant's sign-up is refused with a 409, not denied.
    (
        "POST",
        "/my/trainings/1/signup",
        "/my/trainings/{id}/signup",
        MERCHANT,
    ),
    (
        "POST",
        "/my/trainings/1/cancel",
        "/my/trainings/{id}/cancel",
        MERCHANT,
    ),
    ("GET", "/attachments/1", "/attachments/{id}", LOGGED_IN),
    (
        "GET",
        "/inspection-photos/1",
        "/inspection-photos/{id}",
        LOGGED_IN,
    ),
    (
        "POST",
        "/staff/inspections/1/photos",
        "/staff/inspections/{id}/photos",
        LOGGERS,
    ),
    (
        "POST",
        "/staff/inspections/1/photos/1/remove",
        "/staff/inspections/{id}/photos/{photo}/remove",
        LOGGERS,
    ),
    ("GET", "/login/link", "/login/link", ALL),
    ("POST", "/login/link", "/login/link", ALL),
    ("GET", "/login/link/0123", "/login/link/{token}", ALL),
    ("POST", "/login/link/0123", "/login/link/{token}", ALL),
    ("GET", "/api/v1/rewards", "/api/v1/rewards", COMMITTEE),
    ("POST", "/api/v1/rewards", "/api/v1/rewards", COMMITTEE),
    ("POST", "/api/v1/trainings", "/api/v1/trainings", COMMITTEE),
    (
        "POST",
        "/api/v1/trainings/1/attendance",
        "/api/v1/trainings/{id}/attendance",
        COMMITTEE,
    ),
    // branch join: joining, leaving, the charter
    ("GET", "/join", "/join", ALL),
    ("POST", "/join", "/join", ALL),
    ("GET", "/join/thanks", "/join/thanks", ALL),
    ("GET", "/charter", "/charter", ALL),
    ("GET", "/charter/1", "/charter/{n}", ALL),
    ("GET", "/staff/members", "/staff/members", COMMITTEE),
    ("GET", "/staff/members/1", "/staff/members/{id}", COMMITTEE),
    (
        "POST",
        "/staff/members/applications/1/approve",
        "/staff/members/applications/{id}/approve",
        COMMITTEE,
    ),
    (
        "POST",
        "/staff/members/applications/1/decline",
        "/staff/members/applications/{id}/decline",
        COMMITTEE,
    ),
    (
        "POST",
        "/staff/members/leaves/1/confirm",
        "/staff/members/leaves/{id}/confirm",
        COMMITTEE,
    ),
    ("GET", "/staff/charter", "/staff/charter", COMMITTEE),
    ("POST", "/staff/charter", "/staff/charter", COMMITTEE),
    ("GET", "/staff/charter/1", "/staff/charter/{n}", COMMITTEE),
    ("POST", "/my/charter/confirm", "/my/charter/confirm", MERCHANT),
    ("POST", "/my/leave", "/my/leave", MERCHANT),
    ("POST", "/my/leave/withdraw", "/my/leave/withdraw", MERCHANT),
];

struct Caller {
    client: reqwest::blocking::Client,
    csrf: String,
    token: Option<String>,
}

fn caller(app: &TestApp, role: &str) -> Caller {
    let client = common::client();
    let login = client.get(app.url("/login")).send().unwrap().text().unwrap();
    let mut csrf = common::extract_csrf(&login).unwrap();
    let mut token = None;
    if role != ANON {
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", role),
                ("password", "gongzhi-demo"),
            ])
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{role} logs in");
        // The session is renewed at log-in: take the new token.
        let home = client.get(app.url("/")).send().unwrap().text().unwrap();
        csrf = common::extract_csrf(&home).unwrap();
        let r = client
            .post(app.url("/api/v1/tokens"))
            .json(&serde_json::json!({"username": role, "password": "gongzhi-demo"}))
            .send()
            .unwrap();
        token = Some(
            r.json::<serde_json::Value>().unwrap()["token"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    Caller { client, csrf, token }
}

fn call(app: &TestApp, c: &Caller, method: &str, path: &str) -> u16 {
    let url = app.url(path);
    let api = path.starts_with("/api/");
    let req = match method {
        "GET" => c.client.get(url),
        "DELETE" => c.client.delete(url),
        "PUT" => c.client.put(url),
        _ => c.client.post(url),
    };
    let req = if api {
        let req = match &c.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        if method == "GET" || method == "DELETE" {
            req
        } else {
            req.json(&serde_json::json!({}))
        }
    } else if method == "POST" {
        // A valid token and nothing else: authorization is decided before validation.
        req.form(&[("csrf", c.csrf.as_str())])
    } else {
        req
    };
    req.send().unwrap().status().as_u16()
}

#[test]
fn every_route_allows_exactly_its_roles() {
    let app = TestApp::spawn();
    let callers: Vec<(&str, Caller)> = ROLES.iter().map(|r| (*r, caller(&app, r))).collect();
    let today: i32 = {
        use diesel::prelude::*;
        use gongzhi::db::schema::inspections;
        inspections::table
            .filter(inspections::inspected_on.eq(app.config.today()))
            .select(inspections::id)
            .first(&mut *app.conn())
            .expect("the demo has an inspection logged today")
    };
    let mut wrong = Vec::new();
    for (method, path, _, allowed) in MATRIX {
        let path = &path.replace("TODAY", &today.to_string());
        for (role, c) in &callers {
            // Logging out would end the caller's session for the rows after it.
            if *path == "/logout" || (*path == "/account/sign-out-everywhere" && *role != ANON) {
                continue;
            }
            let status = call(&app, c, method, path);
            let denied = status == 401 || status == 403;
            let expect_allowed = allowed.contains(role);
            if expect_allowed == denied || status >= 500 {
                wrong.push(format!(
                    "{method} {path} as {role}: {status} (allowed: {allowed:?})"
                ));
            }
            if !expect_allowed && *role == ANON && status != 401 {
                wrong.push(format!("{method} {path} as anonymous: {status}, expected 401"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "authorization matrix broken:\n{}",
        wrong.join("\n")
    );
}

/// Every route the code registers is in the matrix.
#[test]
fn the_matrix_lists_every_route() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
    let mut missing = Vec::new();
    // Every file under src/web, folders included.
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 20, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for chunk in text.split("web::resource(\"").skip(1) {
            let route = chunk.split('"').next().unwrap();
            if !MATRIX.iter().any(|(_, _, pattern, _)| *pattern == route) {
                missing.push(format!("{}: {route}", path.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing from the authorization matrix: {missing:?}"
    );
}
