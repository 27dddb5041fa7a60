//! The web skeleton as a visitor and a staff member meet it: home, lists, language, log-in with
//! CSRF, lock-out, error pages, health check, static assets.

mod common;

use common::TestApp;

#[test]
fn health_check_reports_the_database() {
    let app = TestApp::spawn_with(false);
    let r = app.get("/healthz");
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(body["status"], "ok");
    let expected = if app.db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
    // Liveness: the process answers, without a database query.
    let r = app.get("/livez");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(
        r.json::<serde_json::Value>().unwrap(),
        serde_json::json!({"status": "ok"})
    );
}

#[test]
fn home_shows_both_lists_in_chinese_by_default_and_english_on_request() {
    let app = TestApp::spawn();
    let (status, body) = app.get_text("/");
    assert_eq!(status, 200);
    assert!(body.contains("<html lang=\"zh-CN\">"));
    assert!(body.contains("红榜") && body.contains("黑榜"));
    assert!(body.contains("href=\"/lists/red\"") && body.contains("href=\"/lists/black\""));
    assert!(body.contains("href=\"/login\""));
    assert!(body.contains("商家总数: 40"), "demo town has 40 merchants");

    // ?lang=en switches and the choice sticks through a cookie.
    let (_, en) = app.get_text("/?lang=en");
    assert!(en.contains("<html lang=\"en\">") && en.contains("Red list"));
    let (_, again) = app.get_text("/lists/red");
    assert!(again.contains("<html lang=\"en\">"), "language cookie remembered");

    // A fresh client that prefers English gets English.
    let c = common::client();
    let body = c
        .get(app.url("/"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(body.contains("Black list"));
}

#[test]
fn lists_show_the_demo_towns_red_and_black_merchants() {
    let app = TestApp::spawn();
    let (s, red) = app.get_text("/lists/red");
    assert_eq!(s, 200);
    assert!(red.contains("★★★★★"), "red list shows five-star merchants");
    let (s, black) = app.get_text("/lists/black");
    assert_eq!(s, 200);
    // 一品豆花 has a serious violation and an overdue notice in the demo town.
    assert!(black.contains("一品豆花"), "{black}");
    assert_eq!(app.get("/lists/grey").status().as_u16(), 404);
}

#[test]
fn merchant_record_and_missing_pages() {
    let app = TestApp::spawn();
    let (s, body) = app.get_text("/merchants/1");
    assert_eq!(s, 200);
    assert!(body.contains("老王家常菜馆"));
    assert!(!body.contains("1380571"), "no contact phone on the public record");
    // A friendly page in the reader's language: Chinese by default, English when asked for
    // (then the cookie keeps English).
    for lang in ["", "?lang=en"] {
        for path in ["/merchants/99999", "/merchants/abc", "/no/such/page"] {
            let (s, body) = app.get_text(&format!("{path}{lang}"));
            assert_eq!(s, 404, "{path}");
            if lang.is_empty() {
                assert!(
                    body.contains("页面或记录不存在") && body.contains("<html lang=\"zh-CN\">"),
                    "{body}"
                );
            } else {
                assert!(
                    body.contains("Page or record not found.") && body.contains("<html lang=\"en\">"),
                    "{body}"
                );
                assert!(!body.contains("页面或记录不存在"), "{body}");
            }
        }
    }
}

#[test]
fn static_assets_are_cached() {
    let app = TestApp::spawn_with(false);
    let r = app.get("/static/app.css");
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
}

#[test]
fn login_needs_csrf_and_the_right_password_then_logout() {
    let app = TestApp::spawn();
    // No token: rejected with a 4xx, not a 500.
    let r = app.post_form(
        "/login",
        &[("username", "inspector"), ("password", "gongzhi-demo")],
    );
    assert_eq!(r.status().as_u16(), 422);

    let csrf = app.csrf("/login");
    let r = app.post_form(
        "/login",
        &[("csrf", &csrf), ("username", "inspector"), ("password", "wrong")],
    );
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.text().unwrap().contains("用户名或密码错误"));

    let r = app.post_form("/login", &[("csrf", &csrf), ("username", ""), ("password", "")]);
    assert_eq!(r.status().as_u16(), 422);

    app.login("inspector", "gongzhi-demo");
    let (_, home) = app.get_text("/");
    assert!(home.contains("class=\"who\">inspector<"), "logged-in user shown");

    // The session cookie is HttpOnly and SameSite.
    let csrf = common::extract_csrf(&home).unwrap();
    let r = app.post_form("/logout", &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 303);
    let (_, home) = app.get_text("/");
    assert!(!home.contains("class=\"who\""));
}

#[test]
fn session_cookie_is_http_only_and_same_site() {
    let app = TestApp::spawn();
    let c = common::client();
    let r = c.get(app.url("/login")).send().unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("gongzhi_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

#[test]
fn five_failed_logins_from_one_address_slow_that_address_down_not_the_account() {
    let app = TestApp::spawn();
    let csrf = app.csrf("/login");
    let attempt = |user: &str, password: &str| {
        app.post_form(
            "/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
    };
    for i in 0..5 {
        assert_eq!(
            attempt("committee", "nope").status().as_u16(),
            401,
            "attempt {}",
            i + 1
        );
    }
    // The sixth try from this address waits, right password or not, and is told how long.
    let r = attempt("committee", "gongzhi-demo");
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body = r.text().unwrap();
    assert!(body.contains(&format!("请在 {wait} 秒后再试")), "{body}");
    // The same page in English when the reader asks for it.
    // Another account from the same address is unaffected. (Other addresses, and unknown names:
    // tests/security.rs.)
    app.login("admin", "gongzhi-demo");
}

#[test]
fn malformed_form_body_is_a_4xx() {
    let app = TestApp::spawn_with(false);
    let r = app
        .client
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=%ZZ&&&=")
        .send()
        .unwrap();
    let s = r.status().as_u16();
    assert!((400..500).contains(&s), "got {s}");
}

/// The checks a handler states in its signature (`Require<Committee>`, `Id`, `CsrfForm`) refuse
/// a visitor (401), another role (403), a path id that is not a number (404) and a missing or
/// wrong token (422); only then does the handler run.
#[test]
fn a_handlers_checks_refuse_the_visitor_the_wrong_role_a_bad_id_and_a_bad_token() {
    let app = TestApp::spawn();
    let close = "/staff/merchants/1/close";
    let csrf = app.csrf("/login");
    assert_eq!(app.post_form(close, &[("csrf", &csrf)]).status().as_u16(), 401);

    app.login("inspector", "gongzhi-demo");
    let token = common::extract_csrf(&app.get_text("/").1).unwrap();
    assert_eq!(app.post_form(close, &[("csrf", &token)]).status().as_u16(), 403);

    app.login("committee", "gongzhi-demo");
    let token = common::extract_csrf(&app.get_text("/").1).unwrap();
    assert_eq!(
        app.post_form("/staff/merchants/abc/close", &[("csrf", &token)])
            .status()
            .as_u16(),
        404
    );
    for form in [&[("csrf", "not-the-token")][..], &[][..]] {
        let r = app.post_form(close, form);
        assert_eq!(r.status().as_u16(), 422);
        assert!(r.text().unwrap().contains("data-field=\"csrf\""));
    }
    let open: String = {
        use diesel::prelude::*;
        gongzhi::db::schema::merchants::table
            .find(1)
            .select(gongzhi::db::schema::merchants::status)
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(open, "open", "nothing changed so far");
    assert_eq!(app.post_form(close, &[("csrf", &token)]).status().as_u16(), 303);
}
