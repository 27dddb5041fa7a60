//! Sessions and accounts (issue 11, items 1, 2, 4): server-side sessions that end on log-out,
//! deactivation, password and role changes, "sign out everywhere" and timeouts — for the
//! browser and for anyone who copied its cookie; strong passwords; forced resets by email; API
//! tokens that expire.

mod common;

use std::sync::Arc;

use chrono::Duration;
use common::{extract_csrf, TestApp};
use diesel::prelude::*;
use gongzhi::db::schema::{api_tokens, audit_log, outbox, sessions, users};
use reqwest::blocking::Client;
use reqwest::cookie::{CookieStore, Jar};

const DEMO: &str = "gongzhi-demo";

/// A browser of its own: a cookie jar we can read, to replay its cookie elsewhere.
struct Browser<'a> {
    app: &'a TestApp,
    jar: Arc<Jar>,
    client: Client,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { app, jar, client }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(self.app.url(path)).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    fn csrf(&self, path: &str) -> String {
        let (_, body) = self.get(path);
        extract_csrf(&body).unwrap_or_else(|| panic!("no csrf on {path}"))
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self.client.post(self.app.url(path)).form(form).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    fn login(&self, user: &str, password: &str) -> u16 {
        let csrf = self.csrf("/login");
        self.post(
            "/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
        .0
    }

    /// The `Cookie` header this browser sends.
    fn cookie_header(&self) -> String {
        let url = reqwest::Url::parse(&self.app.base).unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

/// A request with a copied cookie, as an attacker who took it would send it.
fn replay(app: &TestApp, cookie: &str, path: &str) -> u16 {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("Cookie", cookie)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn user_id(app: &TestApp, name: &str) -> i32 {
    users::table
        .filter(users::username.eq(name))
        .select(users::id)
        .first(&mut *app.conn())
        .unwrap()
}

fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::table
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut *app.conn())
        .unwrap()
}

#[test]
fn the_cookie_holds_no_identity_and_sessions_are_rows() {
    let app = TestApp::spawn();
    let b = Browser::new(&app);
    assert_eq!(b.login("inspector", DEMO), 303);
    assert_eq!(b.get("/staff").0, 200);
    let n: i64 = sessions::table
        .filter(sessions::user_id.eq(user_id(&app, "inspector")))
        .filter(sessions::revoked_at.is_null())
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 1);
    // The stored hash is not the cookie's id: a copy of the table does not open sessions.
    let hash: String = sessions::table
        .select(sessions::token_hash)
        .first(&mut *app.conn())
        .unwrap();
    assert!(!b.cookie_header().contains(&hash));
}

#[test]
fn a_deactivated_users_old_cookie_gets_401() {
    let app = TestApp::spawn();
    let inspector = Browser::new(&app);
    assert_eq!(inspector.login("inspector", DEMO), 303);
    assert_eq!(inspector.get("/staff/merchants").0, 200);
    let copied = inspector.cookie_header();

    let admin = Browser::new(&app);
    assert_eq!(admin.login("admin", DEMO), 303);
    let csrf = admin.csrf("/staff/users");
    let id = user_id(&app, "inspector");
    let (status, _) = admin.post(
        &format!("/staff/users/{id}/active"),
        &[("csrf", &csrf), ("active", "false")],
    );
    assert_eq!(status, 303);

    assert_eq!(inspector.get("/staff/merchants").0, 401);
    assert_eq!(replay(&app, &copied, "/staff/merchants"), 401);
    // The page no longer shows them logged in either.
    let (_, home) = inspector.get("/");
    assert!(
        !home.contains("/logout"),
        "a deactivated user still looks logged in"
    );
    // Reactivated, the old session stays ended: a new log-in is needed.
    let csrf = admin.csrf("/staff/users");
    admin.post(
        &format!("/staff/users/{id}/active"),
        &[("csrf", &csrf), ("active", "true")],
    );
    assert_eq!(replay(&app, &copied, "/staff/merchants"), 401);
    assert_eq!(inspector.login("inspector", DEMO), 303);
    assert_eq!(inspector.get("/staff/merchants").0, 200);
}

#[test]
fn a_logged_out_cookie_replayed_gets_401() {
    let app = TestApp::spawn();
    let b = Browser::new(&app);
    assert_eq!(b.login("committee", DEMO), 303);
    let copied = b.cookie_header();
    assert_eq!(replay(&app, &copied, "/staff/trainings"), 200);
    let csrf = b.csrf("/staff");
    assert_eq!(b.post("/logout", &[("csrf", &csrf)]).0, 303);
    assert_eq!(b.get("/staff/trainings").0, 401);
    assert_eq!(replay(&app, &copied, "/staff/trainings"), 401);
    let reason: Option<String> = sessions::table
        .select(sessions::revoked_reason)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(reason.as_deref(), Some("logout"));
}

#[test]
fn idle_and_absolute_timeouts_end_sessions() {
    let app = TestApp::spawn();
    let now = gongzhi::db::models::now_utc();
    let b = Browser::new(&app);
    assert_eq!(b.login("inspector", DEMO), 303);
    assert_eq!(b.get("/staff").0, 200);
    // Idle for longer than the default 120 minutes.
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(now - Duration::minutes(121)))
        .execute(&mut *app.conn())
        .unwrap();
    assert_eq!(b.get("/staff").0, 401);

    // Busy but older than the absolute limit.
    assert_eq!(b.login("inspector", DEMO), 303);
    assert_eq!(b.get("/staff").0, 200);
    diesel::update(sessions::table.filter(sessions::revoked_at.is_null()))
        .set(sessions::expires_at.eq(now - Duration::seconds(1)))
        .execute(&mut *app.conn())
        .unwrap();
    assert_eq!(b.get("/staff").0, 401);

    // A request within the idle time keeps the session going (last seen moves).
    assert_eq!(b.login("inspector", DEMO), 303);
    diesel::update(sessions::table.filter(sessions::expires_at.gt(now)))
        .set(sessions::last_seen_at.eq(now - Duration::minutes(100)))
        .execute(&mut *app.conn())
        .unwrap();
    assert_eq!(b.get("/staff").0, 200);
    let seen: chrono::NaiveDateTime = sessions::table
        .filter(sessions::expires_at.gt(now))
        .select(sessions::last_seen_at)
        .first(&mut *app.conn())
        .unwrap();
    assert!(seen > now - Duration::minutes(1), "last seen not updated: {seen}");
}

#[test]
fn timeouts_are_configurable() {
    let app = TestApp::spawn_with_config(
        true,
        &[
            ("GONGZHI_SESSION_IDLE_MINUTES", "5"),
            ("GONGZHI_SESSION_MAX_HOURS", "1"),
        ],
        false,
    );
    let b = Browser::new(&app);
    assert_eq!(b.login("inspector", DEMO), 303);
    let (created, expires): (chrono::NaiveDateTime, chrono::NaiveDateTime) = sessions::table
        .select((sessions::created_at, sessions::expires_at))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(expires - created, Duration::hours(1));
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(gongzhi::db::models::now_utc() - Duration::minutes(6)))
        .execute(&mut *app.conn())
        .unwrap();
    assert_eq!(b.get("/staff").0, 401);
}

#[test]
fn sign_out_everywhere_by_the_user_and_by_an_admin() {
    let app = TestApp::spawn();
    let phone = Browser::new(&app);
    let laptop = Browser::new(&app);
    assert_eq!(phone.login("inspector", DEMO), 303);
    assert_eq!(laptop.login("inspector", DEMO), 303);
    let (status, page) = laptop.get("/account");
    assert_eq!(status, 200);
    assert_eq!(page.matches("<li><span>").count(), 2, "two live sessions listed");

    let csrf = laptop.csrf("/account");
    let (status, _) = laptop.post("/account/sign-out-everywhere", &[("csrf", &csrf)]);
    assert_eq!(status, 303);
    assert_eq!(phone.get("/staff").0, 401);
    assert_eq!(laptop.get("/staff").0, 401);

    // An administrator signs a user out everywhere.
    assert_eq!(phone.login("inspector", DEMO), 303);
    let admin = Browser::new(&app);
    assert_eq!(admin.login("admin", DEMO), 303);
    let (_, users_page) = admin.get("/staff/users");
    assert!(users_page.contains("/sign-out"));
    let id = user_id(&app, "inspector");
    let csrf = admin.csrf("/staff/users");
    let (status, body) = admin.post(&format!("/staff/users/{id}/sign-out"), &[("csrf", &csrf)]);
    assert_eq!(status, 200);
    assert!(
        body.contains("已结束的会话数： 1") || body.contains("已结束的会话数：1"),
        "{body}"
    );
    assert_eq!(phone.get("/staff").0, 401);
    assert_eq!(admin.get("/staff").0, 200, "the admin's own session is untouched");
    let actions = audit_actions(&app);
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "user.signed_out_everywhere")
            .count(),
        2
    );
}

#[test]
fn changing_the_password_checks_strength_and_ends_the_other_sessions() {
    let app = TestApp::spawn();
    let b = Browser::new(&app);
    let other = Browser::new(&app);
    assert_eq!(b.login("inspector", DEMO), 303);
    assert_eq!(other.login("inspector", DEMO), 303);

    let try_change = |current: &str, new: &str, confirm: &str| {
        let csrf = b.csrf("/account");
        b.post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", current),
                ("new", new),
                ("confirm", confirm),
            ],
        )
    };
    // Refused, each with its message, nothing changed.
    for (current, new, confirm, says) in [
        (
            "wrong-one-entirely",
            "teal-otter-91-lantern",
            "teal-otter-91-lantern",
            "当前密码不正确",
        ),
        (DEMO, "aaaaaaaaaa", "aaaaaaaaaa", "太容易被猜到"),
        (DEMO, "password123", "password123", "太容易被猜到"),
        (DEMO, "inspector-2026-x", "inspector-2026-x", "不能包含用户名"),
        (DEMO, "short", "short", "至少10个字符"),
        (DEMO, "teal-otter-91-lantern", "teal-otter-91-lanter", "不一致"),
    ] {
        let (status, body) = try_change(current, new, confirm);
        assert_eq!(status, 422, "{new}");
        assert!(body.contains(says), "{new}: expected {says}");
    }
    assert_eq!(other.get("/staff").0, 200, "refused changes end nothing");

    let (status, _) = try_change(DEMO, "teal-otter-91-lantern", "teal-otter-91-lantern");
    assert_eq!(status, 303);
    let (status, page) = b.get("/account?changed=1");
    assert_eq!(status, 200, "the browser that changed it stays logged in");
    assert!(page.contains("密码已修改"));
    assert_eq!(other.get("/staff").0, 401, "every other session ended");

    let fresh = Browser::new(&app);
    assert_eq!(fresh.login("inspector", DEMO), 401);
    assert_eq!(fresh.login("inspector", "teal-otter-91-lantern"), 303);
    assert!(audit_actions(&app).contains(&"user.password_changed".to_string()));

    // English page, English messages.
    let csrf = b.csrf("/account?lang=en");
    let (status, body) = b.post(
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current", "teal-otter-91-lantern"),
            ("new", "qwertyuiop"),
            ("confirm", "qwertyuiop"),
        ],
    );
    assert_eq!(status, 422);
    assert!(body.contains("too easy to guess"), "{body}");
}

#[test]
fn weak_passwords_are_refused_when_an_admin_creates_a_user() {
    let app = TestApp::spawn();
    let admin = Browser::new(&app);
    assert_eq!(admin.login("admin", DEMO), 303);
    for pw in ["aaaaaaaaaa", "1234567890", "zhang.san.pw1"] {
        let csrf = admin.csrf("/staff/users");
        let (status, _) = admin.post(
            "/staff/users",
            &[
                ("csrf", &csrf),
                ("username", "zhang.san"),
                ("password", pw),
                ("role", "inspector"),
                ("merchant_id", ""),
                ("email", ""),
            ],
        );
        assert_eq!(status, 422, "{pw}");
    }
    let csrf = admin.csrf("/staff/users");
    let (status, _) = admin.post(
        "/staff/users",
        &[
            ("csrf", &csrf),
            ("username", "zhang.san"),
            ("password", "violet-harbor-77-cedar"),
            ("role", "inspector"),
            ("merchant_id", ""),
            ("email", ""),
        ],
    );
    assert_eq!(status, 303);
}

#[test]
fn a_role_change_ends_the_users_sessions() {
    let app = TestApp::spawn();
    let inspector = Browser::new(&app);
    assert_eq!(inspector.login("inspector", DEMO), 303);
    let copied = inspector.cookie_header();
    let admin = Browser::new(&app);
    assert_eq!(admin.login("admin", DEMO), 303);
    let id = user_id(&app, "inspector");
    let csrf = admin.csrf("/staff/users");
    let (status, _) = admin.post(
        &format!("/staff/users/{id}/role"),
        &[("csrf", &csrf), ("role", "committee")],
    );
    assert_eq!(status, 303);
    assert_eq!(replay(&app, &copied, "/staff"), 401);
    assert_eq!(inspector.login("inspector", DEMO), 303);
    // The committee's page, which an inspector could not open.
    assert_eq!(inspector.get("/staff/rewards").0, 200);

    // A merchant account stays a merchant's; an admin cannot change their own role.
    let merchant = user_id(&app, "merchant");
    let own = user_id(&app, "admin");
    for (uid, role) in [(merchant, "inspector"), (own, "inspector"), (id, "chef")] {
        let csrf = admin.csrf("/staff/users");
        let (status, _) = admin.post(
            &format!("/staff/users/{uid}/role"),
            &[("csrf", &csrf), ("role", role)],
        );
        assert_eq!(status, 422, "{uid} {role}");
    }
}

#[test]
fn a_forced_reset_emails_a_link_and_the_old_password_stops_working() {
    let app = TestApp::spawn();
    let inspector = Browser::new(&app);
    assert_eq!(inspector.login("inspector", DEMO), 303);
    let admin = Browser::new(&app);
    assert_eq!(admin.login("admin", DEMO), 303);
    let id = user_id(&app, "inspector");
    let csrf = admin.csrf("/staff/users");
    let (status, body) = admin.post(&format!("/staff/users/{id}/reset"), &[("csrf", &csrf)]);
    assert_eq!(status, 200);
    assert!(
        body.contains("inspector@gongzhi.localhost"),
        "the page says where the link went"
    );

    assert_eq!(inspector.get("/staff").0, 401, "sessions ended");
    let fresh = Browser::new(&app);
    assert_eq!(
        fresh.login("inspector", DEMO),
        401,
        "the old password no longer works"
    );

    let (to, text): (String, String) = outbox::table
        .filter(outbox::kind.eq("password.reset"))
        .select((outbox::to_addr, outbox::body_text))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(to, "inspector@gongzhi.localhost");
    let start = text.find("/login/reset/").expect("link in the email");
    let path: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert!(text.contains("24") && text.contains("Set a new password"));

    let (status, page) = fresh.get(&path);
    assert_eq!(status, 200);
    assert!(page.contains("inspector"));
    let csrf = extract_csrf(&page).unwrap();
    let (status, body) = fresh.post(
        &path,
        &[("csrf", &csrf), ("new", "aaaaaaaaaa"), ("confirm", "aaaaaaaaaa")],
    );
    assert_eq!(status, 422);
    assert!(body.contains("太容易被猜到"));
    let csrf = fresh.csrf(&path);
    let (status, body) = fresh.post(
        &path,
        &[
            ("csrf", &csrf),
            ("new", "amber-kettle-48-river"),
            ("confirm", "amber-kettle-48-river"),
        ],
    );
    assert_eq!(status, 200);
    assert!(body.contains("新密码已设置"));
    assert_eq!(fresh.login("inspector", "amber-kettle-48-river"), 303);
    // Single use.
    assert_eq!(fresh.get(&path).0, 410);
    // Audited, and the chain holds.
    let actions = audit_actions(&app);
    assert!(actions.contains(&"user.password_reset_forced".to_string()));
    assert!(actions.contains(&"user.password_reset".to_string()));
    assert!(matches!(
        gongzhi::db::models::audit::verify(&mut app.conn()).unwrap(),
        gongzhi::db::models::audit::Verification::Intact { .. }
    ));
    // A reset link is not a sign-in link and vice versa.
    assert_eq!(fresh.get(&path.replace("/login/reset/", "/login/link/")).0, 410);
}

#[test]
fn a_reset_needs_an_address() {
    let app = TestApp::spawn();
    let admin = Browser::new(&app);
    assert_eq!(admin.login("admin", DEMO), 303);
    let id = user_id(&app, "inspector");
    diesel::update(users::table.find(id))
        .set(users::email.eq(""))
        .execute(&mut *app.conn())
        .unwrap();
    let csrf = admin.csrf("/staff/users");
    let (status, body) = admin.post(&format!("/staff/users/{id}/reset"), &[("csrf", &csrf)]);
    assert_eq!(status, 422);
    assert!(body.contains("没有邮箱地址"));
    let fresh = Browser::new(&app);
    assert_eq!(fresh.login("inspector", DEMO), 303, "nothing changed");
}

#[test]
fn api_tokens_can_expire_and_record_their_last_use() {
    let app = TestApp::spawn();
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "inspector", "password": DEMO, "name": "tablet", "expires_in_days": 30}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let body: serde_json::Value = r.json().unwrap();
    let token = body["token"].as_str().unwrap().to_string();
    assert!(body["expires_at"].is_string(), "{body}");
    let id = body["id"].as_i64().unwrap() as i32;

    let get = |t: &str| {
        app.client
            .get(app.url("/api/v1/notices/1"))
            .bearer_auth(t)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(get(&token), 200);
    let last: Option<chrono::NaiveDateTime> = api_tokens::table
        .find(id)
        .select(api_tokens::last_used_at)
        .first(&mut *app.conn())
        .unwrap();
    assert!(last.is_some());
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::expires_at.eq(Some(gongzhi::db::models::now_utc() - Duration::seconds(1))))
        .execute(&mut *app.conn())
        .unwrap();
    assert_eq!(get(&token), 401, "an expired token is refused");

    for bad in [0, 3651, -1] {
        let r = app
            .client
            .post(app.url("/api/v1/tokens"))
            .json(&serde_json::json!({"username": "inspector", "password": DEMO, "expires_in_days": bad}))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 422, "{bad}");
    }
}

#[test]
fn a_deactivated_users_tokens_stop_working() {
    let app = TestApp::spawn();
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "inspector", "password": DEMO}))
        .send()
        .unwrap();
    let token = r.json::<serde_json::Value>().unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    diesel::update(users::table.filter(users::username.eq("inspector")))
        .set(users::active.eq(false))
        .execute(&mut *app.conn())
        .unwrap();
    let status = app
        .client
        .get(app.url("/api/v1/notices/1"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 401);
}

#[test]
fn the_account_page_reads_in_both_languages() {
    let app = TestApp::spawn();
    let b = Browser::new(&app);
    assert_eq!(b.login("merchant", DEMO), 303);
    let (status, zh) = b.get("/account?lang=zh");
    assert_eq!(status, 200);
    assert!(zh.contains("修改密码") && zh.contains("退出所有设备") && zh.contains("商家"));
    let (_, en) = b.get("/account?lang=en");
    assert!(en.contains("Change password") && en.contains("Sign out everywhere"));
    let main = &en[en.find("<main").unwrap()..];
    assert!(
        !main.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese on the English account page"
    );
    // Nobody logged in: 401.
    assert_eq!(app.get("/account").status().as_u16(), 401);
}

#[test]
fn the_daily_job_removes_sessions_that_ended_a_week_ago() {
    let app = TestApp::spawn();
    let b = Browser::new(&app);
    assert_eq!(b.login("inspector", DEMO), 303);
    let live = Browser::new(&app);
    assert_eq!(live.login("committee", DEMO), 303);
    let now = gongzhi::db::models::now_utc();
    let old = now - Duration::days(8);
    diesel::update(sessions::table.filter(sessions::user_id.eq(user_id(&app, "inspector"))))
        .set((sessions::revoked_at.eq(Some(old)), sessions::last_seen_at.eq(old)))
        .execute(&mut *app.conn())
        .unwrap();
    let summary =
        gongzhi::services::daily::daily_work(&mut app.conn(), &app.config, app.config.today()).unwrap();
    assert!(summary.contains("1 old session(s) removed"), "{summary}");
    let left: Vec<i32> = sessions::table
        .select(sessions::user_id)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(left, vec![user_id(&app, "committee")]);
    assert_eq!(live.get("/staff").0, 200);
}
