//! The web layer's defences (docs/security.md): security headers on every area, no inline
//! script or style anywhere, log-in throttling by client address and (address, user name) that
//! never locks out the right password from elsewhere and treats unknown names like known ones,
//! client addresses that a client cannot choose, and a complaint form token that works once.

mod common;

use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{complaints, users};
use gongzhi::services::complaints::form_token;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const PASSWORD: &str = "gongzhi-demo";
const TEXT: &str = "菜里吃出了头发，服务员态度也很差。";

/// A test server that believes `X-Forwarded-For` from 127.0.0.1 (the test client), so a test
/// can speak from any address, as a reverse proxy would report it.
fn behind_proxy() -> TestApp {
    TestApp::spawn_with_config(true, &[("GONGZHI_TRUSTED_PROXIES", "127.0.0.1")], false)
}

/// A cookie-keeping client whose requests claim to come from `ip`.
fn from(ip: &str) -> reqwest::blocking::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", ip.parse().unwrap());
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

fn text(c: &reqwest::blocking::Client, app: &TestApp, path: &str) -> String {
    c.get(app.url(path)).send().unwrap().text().unwrap()
}

fn login_as(
    c: &reqwest::blocking::Client,
    app: &TestApp,
    user: &str,
    password: &str,
) -> reqwest::blocking::Response {
    let csrf = common::extract_csrf(&text(c, app, "/login")).unwrap();
    c.post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", user),
            ("password", password),
        ])
        .send()
        .unwrap()
}

fn header(r: &reqwest::blocking::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Headers

#[test]
fn every_area_answers_with_the_security_headers() {
    let app = TestApp::spawn();
    let anon = common::client();
    let staff = common::client();
    assert_eq!(
        login_as(&staff, &app, "inspector", PASSWORD).status().as_u16(),
        303
    );
    let merchant = common::client();
    assert_eq!(
        login_as(&merchant, &app, "merchant", PASSWORD).status().as_u16(),
        303
    );
    let token = staff
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "inspector", "password": PASSWORD}))
        .send()
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();

    // (who, path, status, must it be no-store?)
    let pages: Vec<(&reqwest::blocking::Client, &str, u16, bool)> = vec![
        (&anon, "/", 200, false),
        (&anon, "/lists/red", 200, false),
        (&anon, "/merchants/1", 200, false),
        (&anon, "/static/app.css", 200, false),
        (&anon, "/api/v1/public/lists/red", 200, false),
        (&anon, "/login", 200, true),
        (&anon, "/no-such-page", 404, false),
        (&anon, "/staff", 401, true),
        (&staff, "/staff", 200, true),
        (&staff, "/staff/merchants", 200, true),
        (&merchant, "/my", 200, true),
        (&merchant, "/account", 200, true),
    ];
    for (client, path, status, private) in pages {
        let r = client.get(app.url(path)).send().unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        check_headers(&r, path, private);
    }
    // A public page keeps its own caching (an ETag and `no-cache`), not `no-store`.
    let r = anon.get(app.url("/lists/red")).send().unwrap();
    assert_eq!(header(&r, "cache-control"), "public, no-cache");
    assert!(r.headers().contains_key("etag"));

    // The API's private side: a bearer-token endpoint, and the token endpoint itself.
    let r = anon
        .get(app.url("/api/v1/notices/1"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert!(r.status().as_u16() < 500);
    check_headers(&r, "/api/v1/notices/1", true);
    let r = anon
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "inspector", "password": "wrong"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    check_headers(&r, "/api/v1/tokens", true);
}

fn check_headers(r: &reqwest::blocking::Response, path: &str, private: bool) {
    assert_eq!(header(r, "content-security-policy"), CSP, "{path}");
    assert_eq!(header(r, "x-content-type-options"), "nosniff", "{path}");
    assert_eq!(header(r, "referrer-policy"), "same-origin", "{path}");
    let cache = header(r, "cache-control");
    if private {
        assert_eq!(cache, "no-store", "{path}");
    } else {
        assert!(!cache.contains("no-store"), "{path}: {cache}");
    }
}

/// What a Content-Security-Policy without `'unsafe-inline'` would block, found in `html`.
fn inline_code(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_lowercase();
    let mut at = 0;
    while let Some(offset) = lower[at..].find('<') {
        let start = at + offset;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        let inline_script = tag.starts_with("<script") && !tag.contains(" src=");
        // Attributes: style="…" and on…="…" event handlers.
        let inline_attr = tag.split_whitespace().skip(1).any(|attr| {
            let name = attr.split('=').next().unwrap_or("");
            attr.contains('=') && (name == "style" || name.starts_with("on"))
        });
        if tag.starts_with("<style") || inline_script || inline_attr || tag.contains("javascript:") {
            found.push(tag.to_string());
        }
        at = end;
    }
    found
}

#[test]
fn no_page_of_any_area_has_inline_script_or_style() {
    let app = TestApp::spawn();
    let anon = common::client();
    let staff = common::client();
    assert_eq!(login_as(&staff, &app, "admin", PASSWORD).status().as_u16(), 303);
    let merchant = common::client();
    assert_eq!(
        login_as(&merchant, &app, "merchant", PASSWORD).status().as_u16(),
        303
    );
    let mut pages: Vec<(&reqwest::blocking::Client, &str)> = [
        "/",
        "/lists/red",
        "/lists/black",
        "/merchants/1",
        "/merchants/1/plaque",
        "/search?q=面",
        "/complaints/new?merchant=2",
        "/complaints/thanks?merchant=2",
        "/editions",
        "/reports",
        "/reports/2025",
        "/reports/1999",
        "/login",
        "/login/link",
        "/no-such-page",
        "/staff",
    ]
    .iter()
    .map(|p| (&anon, *p))
    .collect();
    for p in [
        "/",
        "/staff",
        "/staff/merchants",
        "/staff/merchants/new",
        "/staff/merchants/1/edit",
        "/staff/merchants/import",
        "/staff/inspections/new",
        "/staff/inspections",
        "/staff/notices",
        "/staff/complaints",
        "/staff/trainings",
        "/staff/rewards",
        "/staff/users",
        "/staff/audit",
        "/staff/outbox",
        "/staff/stats",
        "/editions",
        "/editions/preview",
        "/staff/campaigns",
        "/staff/campaigns/1",
        "/staff/campaigns/1/close",
    ] {
        pages.push((&staff, p));
    }
    pages.push((&merchant, "/my"));
    pages.push((&merchant, "/account"));
    pages.push((&staff, "/account"));
    let mut bad = Vec::new();
    for (client, path) in pages {
        let r = client.get(app.url(path)).send().unwrap();
        let status = r.status().as_u16();
        assert!(status < 500, "{path}: {status}");
        let html = r.text().unwrap();
        assert!(html.contains("</html>"), "{path} is a page ({status})");
        for tag in inline_code(&html) {
            bad.push(format!("{path}: {tag}"));
        }
    }
    assert!(
        bad.is_empty(),
        "inline code the CSP would block:\n{}",
        bad.join("\n")
    );
    // The scanner does see inline code.
    assert_eq!(
        inline_code("<p style=\"x\"><script>1</script><button onclick=\"y\"><style>").len(),
        4
    );
    // The plaque's print button and paper size come from served files.
    let plaque = text(&anon, &app, "/merchants/1/plaque");
    assert!(plaque.contains("data-print") && plaque.contains("/static/app.js"));
    assert!(plaque.contains("/static/plaque.css"));
    let css = text(&anon, &app, "/static/plaque.css");
    assert!(css.contains("@page") && css.contains("A5"), "{css}");
    let js = anon.get(app.url("/static/app.js")).send().unwrap();
    assert!(header(&js, "content-type").starts_with("text/javascript"));
    assert!(js.text().unwrap().contains("window.print()"));
}

// ---------------------------------------------------------------------------------------------
// Log-in throttling

/// A login page's body with the typed user name taken out (the page echoes it back).
fn without(body: &str, name: &str) -> String {
    body.replace(name, "NAME")
}

/// A throttled answer with its figures taken out (the seconds to wait tick down).
fn without_digits(body: &str) -> String {
    body.chars().filter(|c| !c.is_ascii_digit()).collect()
}

#[test]
fn failures_from_one_address_never_lock_out_the_right_password_from_another() {
    let app = behind_proxy();
    let attacker = from("198.51.100.1");
    let csrf = common::extract_csrf(&text(&attacker, &app, "/login")).unwrap();
    let attempt = |user: &str, password: &str| {
        attacker
            .post(app.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", user),
                ("password", password),
            ])
            .send()
            .unwrap()
    };
    // A known and an unknown name, side by side: the same answers, throttled at the same point.
    for i in 0..5 {
        let known = attempt("committee", "nope");
        let unknown = attempt("no-such-user", "nope");
        assert_eq!(known.status().as_u16(), 401, "attempt {}", i + 1);
        assert_eq!(unknown.status().as_u16(), 401, "attempt {}", i + 1);
        let known = without(&known.text().unwrap(), "committee");
        let unknown = without(&unknown.text().unwrap(), "no-such-user");
        assert_eq!(known, unknown, "attempt {}", i + 1);
        assert!(known.contains("用户名或密码错误"));
    }
    let known = attempt("committee", "nope");
    let unknown = attempt("no-such-user", "nope");
    for r in [&known, &unknown] {
        assert_eq!(r.status().as_u16(), 429);
        let secs: u64 = header(r, "retry-after").parse().expect("Retry-After in seconds");
        assert!((1..=60).contains(&secs), "{secs}");
    }
    let known = known.text().unwrap();
    assert_eq!(without_digits(&known), without_digits(&unknown.text().unwrap()));
    assert!(known.contains("秒后再试"), "{known}");
    // From the attacker's address even the right password waits: the answer tells nothing.
    let r = attempt("committee", PASSWORD);
    assert_eq!(r.status().as_u16(), 429);

    // The committee member, from their own address, logs in at once.
    let member = from("203.0.113.50");
    assert_eq!(
        login_as(&member, &app, "committee", PASSWORD).status().as_u16(),
        303
    );
    let home = text(&member, &app, "/");
    assert!(home.contains("class=\"who\">committee<"));
    // Nothing was locked on the account.
    let locked: Option<chrono::NaiveDateTime> = users::table
        .filter(users::username.eq("committee"))
        .select(users::locked_until)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(locked, None);
}

#[test]
fn one_address_trying_many_names_is_throttled_too() {
    let app = behind_proxy();
    let sprayer = from("198.51.100.9");
    let csrf = common::extract_csrf(&text(&sprayer, &app, "/login")).unwrap();
    let burst = gongzhi::web::throttle::Family::Password.per_address().burst;
    for i in 0..burst {
        let r = sprayer
            .post(app.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", &format!("user{i}")),
                ("password", "x"),
            ])
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 401, "name {i}");
    }
    let r = sprayer
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "admin"),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // Admin, elsewhere, is not affected.
    assert_eq!(
        login_as(&from("203.0.113.7"), &app, "admin", PASSWORD)
            .status()
            .as_u16(),
        303
    );
}

#[test]
fn the_token_endpoint_shares_the_log_in_budget_and_answers_in_json() {
    let app = behind_proxy();
    let attacker = from("198.51.100.2");
    let token = |user: &str, password: &str| {
        attacker
            .post(app.url("/api/v1/tokens"))
            .json(&serde_json::json!({"username": user, "password": password}))
            .send()
            .unwrap()
    };
    // Three guesses on the form, two on the API: the sixth try is refused on either.
    for _ in 0..3 {
        assert_eq!(
            login_as(&attacker, &app, "inspector", "nope").status().as_u16(),
            401
        );
    }
    for _ in 0..2 {
        assert_eq!(token("inspector", "nope").status().as_u16(), 401);
    }
    let r = token("inspector", PASSWORD);
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(body["error"], "too_many_requests");
    assert!(body["message_en"].as_str().unwrap().contains("try again in"));
    // The same for a name that does not exist.
    for _ in 0..5 {
        assert_eq!(token("ghost", "nope").status().as_u16(), 401);
    }
    assert_eq!(token("ghost", "nope").status().as_u16(), 429);
    // Another address gets its token.
    let r = from("203.0.113.8")
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "inspector", "password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
}

#[test]
fn sign_in_link_requests_are_throttled() {
    let app = behind_proxy();
    let c = from("198.51.100.3");
    let csrf = common::extract_csrf(&text(&c, &app, "/login/link")).unwrap();
    let ask = |c: &reqwest::blocking::Client, ident: &str| {
        c.post(app.url("/login/link"))
            .form(&[("csrf", csrf.as_str()), ("ident", ident)])
            .send()
            .unwrap()
    };
    let burst = gongzhi::web::throttle::Family::LoginLink.per_name().burst;
    for _ in 0..burst {
        assert_eq!(ask(&c, "merchant").status().as_u16(), 200);
        assert_eq!(ask(&c, "nobody").status().as_u16(), 200);
    }
    for ident in ["merchant", "nobody"] {
        let r = ask(&c, ident);
        assert_eq!(r.status().as_u16(), 429, "{ident}");
        assert!(r.headers().contains_key("retry-after"));
    }
    // Another address may still ask.
    let other = from("203.0.113.9");
    let csrf2 = common::extract_csrf(&text(&other, &app, "/login/link")).unwrap();
    let r = other
        .post(app.url("/login/link"))
        .form(&[("csrf", csrf2.as_str()), ("ident", "merchant")])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

// ---------------------------------------------------------------------------------------------
// Client addresses and complaints

fn secret(app: &TestApp) -> Vec<u8> {
    gongzhi::services::plaque::app_secret(&mut app.conn(), app.config.session_secret.as_deref()).unwrap()
}

/// A genuine complaint form token shown ten seconds ago (so no test waits for the minimum).
fn token(app: &TestApp) -> String {
    form_token(&secret(app), chrono::Utc::now().timestamp() - 10)
}

fn complain(
    c: &reqwest::blocking::Client,
    app: &TestApp,
    merchant: &str,
    ts: &str,
) -> reqwest::blocking::Response {
    let csrf = common::extract_csrf(&text(c, app, &format!("/complaints/new?merchant={merchant}"))).unwrap();
    c.post(app.url("/complaints"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("ts", ts),
            ("merchant", merchant),
            ("body", TEXT),
            ("category", "service"),
            ("visited_on", app.config.today().to_string().as_str()),
        ])
        .send()
        .unwrap()
}

/// Complaints filed in the last hour: the test's own (the demo town's are a day old or more).
fn complaint_count(app: &TestApp) -> i64 {
    complaints::table
        .filter(complaints::created_at.gt(gongzhi::db::models::now_utc() - chrono::Duration::hours(1)))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

#[test]
fn a_spoofed_forwarded_for_does_not_escape_the_complaint_limit() {
    // No trusted proxies (the default): the header is the client's own claim.
    let app = TestApp::spawn();
    let c = common::client();
    for (i, merchant) in ["2", "3", "4", "5"].iter().enumerate() {
        let r = c
            .post(app.url("/complaints"))
            .header("x-forwarded-for", format!("192.0.2.{i}"))
            .form(&[
                (
                    "csrf",
                    common::extract_csrf(&text(&c, &app, &format!("/complaints/new?merchant={merchant}")))
                        .unwrap()
                        .as_str(),
                ),
                ("ts", &token(&app)),
                ("merchant", merchant),
                ("body", TEXT),
                ("category", "service"),
                ("visited_on", app.config.today().to_string().as_str()),
            ])
            .send()
            .unwrap();
        let expected = if i < 3 { 303 } else { 429 };
        assert_eq!(r.status().as_u16(), expected, "complaint {}", i + 1);
        if expected == 429 {
            assert!(r.text().unwrap().contains("每人每天最多提交 3 条投诉"));
        }
    }
    assert_eq!(complaint_count(&app), 3);
    // All three were counted as one client.
    let hashes: Vec<String> = complaints::table
        .filter(complaints::created_at.gt(gongzhi::db::models::now_utc() - chrono::Duration::hours(1)))
        .select(complaints::client_hash)
        .distinct()
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(hashes.len(), 1);
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_counts_on_its_own() {
    let app = behind_proxy();
    for (i, merchant) in ["2", "3", "4", "5"].iter().enumerate() {
        let c = from(&format!("192.0.2.{i}"));
        assert_eq!(complain(&c, &app, merchant, &token(&app)).status().as_u16(), 303);
    }
    // A proxy that is not trusted cannot speak for anyone: with 127.0.0.1 trusted, the header
    // "6.6.6.6, 192.0.2.1" names 192.0.2.1 (appended by our proxy), not 6.6.6.6.
    let c = from("6.6.6.6, 192.0.2.1");
    assert_eq!(complain(&c, &app, "6", &token(&app)).status().as_u16(), 303);
    let c = from("7.7.7.7, 192.0.2.1");
    assert_eq!(complain(&c, &app, "7", &token(&app)).status().as_u16(), 303);
    let c = from("8.8.8.8, 192.0.2.1");
    let r = complain(&c, &app, "8", &token(&app));
    assert_eq!(r.status().as_u16(), 429, "192.0.2.1's fourth complaint");
}

#[test]
fn a_complaint_form_token_files_one_complaint_only() {
    let app = TestApp::spawn();
    let c = common::client();
    let ts = token(&app);
    assert_eq!(complain(&c, &app, "2", &ts).status().as_u16(), 303);
    // The same form again — a replayed post or a second click — is refused with a new form.
    let r = complain(&c, &app, "2", &ts);
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    assert!(page.contains("此表单已提交过"), "{page}");
    assert!(page.contains(TEXT), "the text is kept");
    assert!(!page.contains(&ts), "a new token");
    // Nor can it be spent on another merchant.
    assert_eq!(complain(&c, &app, "3", &ts).status().as_u16(), 422);
    assert_eq!(complaint_count(&app), 1);
    // A new form works.
    assert_eq!(complain(&c, &app, "3", &token(&app)).status().as_u16(), 303);
    assert_eq!(complaint_count(&app), 2);
}
