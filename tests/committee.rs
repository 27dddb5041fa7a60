//! The committee and the administrator at work: trainings and attendance (which count in the
//! rating), rewards and the ledger, users, the audit log, API tokens and the OpenAPI document.

mod common;

use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{audit_log, rewards, training_attendance};

/// The demo's rewards: ¥11,500 of its own, and the rewards of its commendation decision.
fn demo_rewards_fen(app: &TestApp) -> i64 {
    use gongzhi::db::schema::commendations;
    let commended: Vec<i64> = commendations::table
        .select(commendations::reward_fen)
        .load(&mut *app.conn())
        .unwrap();
    1_150_000 + commended.iter().sum::<i64>()
}

fn count_rewards(app: &TestApp) -> i64 {
    rewards::table.count().get_result(&mut *app.conn()).unwrap()
}

#[test]
fn the_committee_records_a_training_and_attendance_counts_in_the_rating() {
    let app = TestApp::spawn();
    app.login("committee", "gongzhi-demo");
    let csrf = app.csrf("/staff/trainings");
    // Bad input: 422, field messages in Chinese, nothing written.
    let r = app.post_form(
        "/staff/trainings",
        &[
            ("csrf", &csrf),
            ("title", ""),
            ("held_on", "2026-13-01"),
            ("hours", "0"),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(
        body.contains("请填写培训主题") && body.contains("日期格式") && body.contains("学时"),
        "{body}"
    );

    let today = app.config.today().to_string();
    let r = app.post_form(
        "/staff/trainings",
        &[
            ("csrf", &csrf),
            ("title", "食品安全快速检测培训"),
            ("held_on", &today),
            ("hours", "2.5"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = app.get_text(&location);
    assert!(page.contains("食品安全快速检测培训") && page.contains("2.5"));

    // Merchant 7 attends: its rating gets the training term.
    let id = location.rsplit('/').next().unwrap();
    let before: serde_json::Value = app
        .get(&format!("/api/v1/public/merchants/{}", 7))
        .json()
        .unwrap();
    let r = app.post_form(
        &format!("/staff/trainings/{id}/attendance"),
        &[("csrf", &csrf), ("merchant", "7")],
    );
    assert_eq!(r.status().as_u16(), 303);
    let attended: i64 = training_attendance::table
        .filter(training_attendance::merchant_id.eq(7))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert!(attended >= 1);
    let after: serde_json::Value = app.get("/api/v1/public/merchants/7").json().unwrap();
    let training_points = |v: &serde_json::Value| {
        v["rating"]["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == "training")
            .map(|t| t["points_tenths"].as_i64().unwrap())
            .unwrap_or(0)
    };
    assert!(
        training_points(&after) >= training_points(&before),
        "{before} -> {after}"
    );
    // Nobody chosen → 422.
    let r = app.post_form(&format!("/staff/trainings/{id}/attendance"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 422);
}

#[test]
fn attendance_waits_until_the_training_has_taken_place() {
    let app = TestApp::spawn();
    app.login("committee", "gongzhi-demo");
    let csrf = app.csrf("/staff/trainings");
    let later = (app.config.today() + chrono::Days::new(10)).to_string();
    let r = app.post_form(
        "/staff/trainings",
        &[
            ("csrf", &csrf),
            ("title", "明火作业安全培训"),
            ("held_on", &later),
            ("hours", "2"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id = location.rsplit('/').next().unwrap().to_string();
    // The page says when attendance can be recorded, and offers no form for it.
    let (_, page) = app.get_text(&location);
    assert!(page.contains(&format!("这次培训在 {later} 举行")), "{page}");
    assert!(!page.contains(&format!("/staff/trainings/{id}/attendance")));
    let (_, en) = app.get_text(&format!("{location}?lang=en"));
    assert!(en.contains("attendance can be recorded once it has taken place"));
    // A posted form is refused with the same words (in English now: the reader chose it), and
    // nothing is recorded.
    let r = app.post_form(
        &format!("/staff/trainings/{id}/attendance"),
        &[("csrf", &csrf), ("merchant", "7")],
    );
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(body.contains("once it has taken place"), "{body}");
    let recorded: i64 = training_attendance::table
        .filter(training_attendance::training_id.eq(id.parse::<i32>().unwrap()))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(recorded, 0);
}

#[test]
fn rewards_are_granted_in_fen_and_the_ledger_adds_up() {
    let app = TestApp::spawn();
    app.login("committee", "gongzhi-demo");
    let before = count_rewards(&app);
    let csrf = app.csrf("/staff/rewards");
    let today = app.config.today().to_string();
    for (amount, merchant) in [("12.345", "1"), ("-5", "1"), ("100", "99999"), ("0", "1")] {
        let r = app.post_form(
            "/staff/rewards",
            &[
                ("csrf", &csrf),
                ("merchant_id", merchant),
                ("amount", amount),
                ("reason", "表彰"),
                ("granted_on", &today),
            ],
        );
        assert_eq!(r.status().as_u16(), 422, "{amount} for {merchant}");
    }
    assert_eq!(count_rewards(&app), before, "nothing written on bad input");
    let r = app.post_form(
        "/staff/rewards",
        &[
            ("csrf", &csrf),
            ("merchant_id", "2"),
            ("amount", "2,000.50"),
            ("reason", "年度优秀商家"),
            ("granted_on", &today),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let fen: i64 = rewards::table
        .order(rewards::id.desc())
        .select(rewards::amount_fen)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(fen, 200_050);
    let (_, page) = app.get_text("/staff/rewards");
    // What the demo granted (its rewards and its commendation's), and 2,000.50 more.
    let total: i64 = rewards::table
        .select(rewards::amount_fen)
        .load::<i64>(&mut *app.conn())
        .unwrap()
        .iter()
        .sum();
    assert_eq!(
        total,
        demo_rewards_fen(&app) + 200_050,
        "the ledger adds the new reward"
    );
    let shown = format!("¥{}", gongzhi::domain::money::format_fen(total));
    assert!(page.contains(&shown), "total {shown} shown");
}

#[test]
fn committee_api_with_a_bearer_token() {
    let app = TestApp::spawn();
    let c = common::client();
    let r = c
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "committee", "password": "wrong"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "", "password": ""}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["fields"].as_array().unwrap().len(), 2);
    let r = c
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "committee", "password": "gongzhi-demo", "name": "tablet"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: serde_json::Value = r.json().unwrap();
    let token = v["token"].as_str().unwrap().to_string();
    let token_id = v["id"].as_i64().unwrap();

    assert_eq!(
        c.get(app.url("/api/v1/rewards"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let r = c
        .get(app.url("/api/v1/rewards"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let ledger: serde_json::Value = r.json().unwrap();
    assert_eq!(ledger["total_fen"], demo_rewards_fen(&app), "the demo's rewards");

    let r = c
        .post(app.url("/api/v1/rewards"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"merchant_id": "3", "amount": "abc", "reason": "", "granted_on": "2026-02-30"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let v: serde_json::Value = r.json().unwrap();
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["amount", "reason", "granted_on"]);

    let r = c
        .post(app.url("/api/v1/trainings"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "消防培训", "held_on": "2026-10-01", "hours": "1.5"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let tid = r.json::<serde_json::Value>().unwrap()["id"].as_i64().unwrap();
    let r = c
        .post(app.url(&format!("/api/v1/trainings/{tid}/attendance")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"merchant_ids": [1, 2, 99999]}))
        .send()
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        422,
        "an unknown merchant rejects the whole request"
    );
    let r = c
        .post(app.url(&format!("/api/v1/trainings/{tid}/attendance")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"merchant_ids": [1, 2, 2]}))
        .send()
        .unwrap();
    assert_eq!(r.json::<serde_json::Value>().unwrap()["added"], 2);

    // Revoked tokens stop working.
    let r = c
        .delete(app.url(&format!("/api/v1/tokens/{token_id}")))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(
        c.get(app.url("/api/v1/rewards"))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .status()
            .as_u16(),
        401
    );

    // An inspector's token is not enough for committee endpoints.
    let r = c
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "inspector", "password": "gongzhi-demo"}))
        .send()
        .unwrap();
    let t = r.json::<serde_json::Value>().unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        c.get(app.url("/api/v1/rewards"))
            .bearer_auth(&t)
            .send()
            .unwrap()
            .status()
            .as_u16(),
        403
    );
}

#[test]
fn the_admin_manages_users_and_reads_the_audit_log() {
    let app = TestApp::spawn();
    app.login("admin", "gongzhi-demo");
    let csrf = app.csrf("/staff/users");
    let r = app.post_form(
        "/staff/users",
        &[
            ("csrf", &csrf),
            ("username", "zhao.inspector"),
            ("password", "short"),
            ("role", "inspector"),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("密码至少10个字符"));
    let r = app.post_form(
        "/staff/users",
        &[
            ("csrf", &csrf),
            ("username", "zhao.inspector"),
            ("password", "long-enough-pw"),
            ("role", "inspector"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let r = app.post_form(
        "/staff/users",
        &[
            ("csrf", &csrf),
            ("username", "shop2"),
            ("password", "long-enough-pw"),
            ("role", "merchant"),
        ],
    );
    assert_eq!(r.status().as_u16(), 422, "a merchant user needs its merchant");

    // Deactivated users cannot log in.
    let (_, page) = app.get_text("/staff/users");
    assert!(page.contains("zhao.inspector"));
    let id: i32 = gongzhi::db::schema::users::table
        .filter(gongzhi::db::schema::users::username.eq("zhao.inspector"))
        .select(gongzhi::db::schema::users::id)
        .first(&mut *app.conn())
        .unwrap();
    let r = app.post_form(
        &format!("/staff/users/{id}/active"),
        &[("csrf", &csrf), ("active", "false")],
    );
    assert_eq!(r.status().as_u16(), 303);
    let other = common::client();
    let body = other.get(app.url("/login")).send().unwrap().text().unwrap();
    let token = common::extract_csrf(&body).unwrap();
    let r = other
        .post(app.url("/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("username", "zhao.inspector"),
            ("password", "long-enough-pw"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    let (s, audit) = app.get_text("/staff/audit?action=user.set_active");
    assert_eq!(s, 200);
    assert!(
        audit.contains("哈希链完整"),
        "{}",
        &audit[audit.find("role=\"status\"").unwrap_or(0)..][..300]
    );
    assert!(
        audit.contains("user.set_active") && audit.contains("active&#34;:false"),
        "{audit}"
    );
    let n: i64 = audit_log::table
        .filter(audit_log::action.eq("user.create"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 5, "four demo users and one created here");
}

#[test]
fn the_openapi_document_is_served_and_lists_the_api() {
    let app = TestApp::spawn_with(false);
    let r = app.get("/api/v1/openapi.json");
    assert_eq!(r.status().as_u16(), 200);
    let doc: serde_json::Value = r.json().unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/tokens",
        "/api/v1/public/lists/{list}",
        "/api/v1/rewards",
        "/api/v1/trainings",
        "/api/v1/merchants",
        "/api/v1/merchants/{id}",
        "/api/v1/inspections",
        "/api/v1/inspections/{id}",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
