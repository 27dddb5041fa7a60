//! The merchant register as staff use it: inspectors register and edit merchants through the
//! form and the JSON API, the committee closes them, bad input gets a message next to its field
//! and writes nothing, and a register file imports all-or-nothing unless asked otherwise.

mod common;

use std::process::Command;

use common::{extract_csrf, TestApp};
use diesel::prelude::*;
use gongzhi::db::schema::{audit_log, merchants};
use gongzhi::domain::credit_code::CreditCode;
use serde_json::{json, Value};

const PASSWORD: &str = "gongzhi-demo";

/// A valid credit code no demo merchant has.
fn code(n: u64) -> String {
    CreditCode::generate(50_000_000 + n).as_str().to_string()
}

/// A demo merchant's code (the demo numbers its merchants' codes from seed 1000).
fn demo_code() -> String {
    CreditCode::generate(1_000).as_str().to_string()
}

/// The valid code with its check character changed.
fn bad_check_code() -> String {
    let good = code(1);
    let last = good.chars().last().unwrap();
    let wrong = if last == '0' { '1' } else { '0' };
    format!("{}{wrong}", &good[..17])
}

fn merchant_count(app: &TestApp) -> i64 {
    merchants::table.count().get_result(&mut *app.conn()).unwrap()
}

fn audit_count(app: &TestApp) -> i64 {
    audit_log::table.count().get_result(&mut *app.conn()).unwrap()
}

/// The audit entries with `action` for merchant `id`: (before, after).
fn audits(app: &TestApp, action: &str, id: i32) -> Vec<(Option<String>, Option<String>)> {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .select((audit_log::before_json, audit_log::after_json))
        .load(&mut *app.conn())
        .unwrap()
}

fn id_by_code(app: &TestApp, code: &str) -> Option<i32> {
    merchants::table
        .filter(merchants::credit_code.eq(code))
        .select(merchants::id)
        .first(&mut *app.conn())
        .optional()
        .unwrap()
}

fn form<'a>(csrf: &'a str, name: &'a str, code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("credit_code", code),
        ("category", "餐饮"),
        ("address", "古镇老街 18 号"),
        ("area", "老街片区"),
        ("contact_name", "赵师傅"),
        ("email", "laojie@example.com"),
        ("phone", "0571-8888 1234"),
        ("member_since", "2025-06-01"),
    ]
}

/// Registers a merchant through the form as the logged-in user; returns its id.
fn register(app: &TestApp, name: &str, code: &str) -> i32 {
    let csrf = app.csrf("/staff/merchants/new");
    let r = app.post_form("/staff/merchants", &form(&csrf, name, code));
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().unwrap_or_default());
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let id = loc
        .trim_start_matches("/staff/merchants/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(loc, format!("/staff/merchants/{id}/edit?saved=1"));
    id
}

fn token(app: &TestApp, user: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"username": user, "password": PASSWORD, "name": "test"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.json::<Value>().unwrap()["token"].as_str().unwrap().to_string()
}

/// Calls the API without cookies; returns status and JSON body.
fn api(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::blocking::Client::new();
    let mut req = client.request(method.parse().unwrap(), app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().unwrap();
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn field_messages(v: &Value, field: &str) -> Vec<(String, String)> {
    v["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["field"] == field)
                .map(|f| {
                    (
                        f["zh"].as_str().unwrap().to_string(),
                        f["en"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn inspector_registers_a_merchant_through_the_form() {
    let app = TestApp::spawn();
    app.login("inspector", PASSWORD);
    let (s, page) = app.get_text("/staff/merchants/new");
    assert_eq!(s, 200);
    assert!(page.contains("统一社会信用代码") && page.contains("入盟日期"));

    let before = merchant_count(&app);
    let c = code(1);
    let id = register(&app, "老街手工面馆", &c);
    assert_eq!(merchant_count(&app), before + 1);

    let (s, page) = app.get_text(&format!("/staff/merchants/{id}/edit?saved=1"));
    assert_eq!(s, 200);
    assert!(page.contains("已保存") && page.contains("老街手工面馆") && page.contains(&c));
    // Inspectors may not close merchants, so they get no close button.
    assert!(!page.contains("/close\""), "close form shown to an inspector");

    let entries = audits(&app, "merchant.create", id);
    assert_eq!(entries.len(), 1);
    let after: Value = serde_json::from_str(entries[0].1.as_deref().unwrap()).unwrap();
    assert_eq!(after["name"], "老街手工面馆");
    assert_eq!(after["credit_code"], c.as_str());
    assert_eq!(after["member_since"], "2025-06-01");

    // The public record exists without contact details.
    let (s, public) = app.get_text(&format!("/merchants/{id}"));
    assert_eq!(s, 200);
    assert!(public.contains("老街手工面馆") && !public.contains("laojie@example.com"));
}

#[test]
fn bad_input_shows_messages_next_to_the_fields_and_writes_nothing() {
    let app = TestApp::spawn();
    app.login("inspector", PASSWORD);
    let before = (merchant_count(&app), audit_count(&app));
    let csrf = app.csrf("/staff/merchants/new");
    let bad = bad_check_code();
    let mut fields = form(&csrf, "错码小馆", &bad);
    fields.retain(|(k, _)| *k != "email" && *k != "member_since");
    fields.push(("email", "not-an-email"));
    fields.push(("member_since", "2025/06/01"));
    let r = app.post_form("/staff/merchants", &fields);
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(body.contains("校验码错误：第18位应为"), "{body}");
    assert!(body.contains("电子邮箱格式不正确"));
    assert!(body.contains("入盟日期格式应为 YYYY-MM-DD"));
    // What the user typed is kept.
    assert!(body.contains("value=\"错码小馆\"") && body.contains(&format!("value=\"{bad}\"")));
    assert!(body.contains("aria-invalid=\"true\""));
    assert_eq!(
        (merchant_count(&app), audit_count(&app)),
        before,
        "nothing written"
    );

    // In English the same messages are in English.
    let csrf = app.csrf("/staff/merchants/new?lang=en");
    let r = app.post_form("/staff/merchants?lang=en", &form(&csrf, "", "123"));
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(
        body.contains("Name is required") && body.contains("must be 18 characters"),
        "{body}"
    );

    // Missing CSRF token: refused, nothing written.
    let r = app.post_form("/staff/merchants", &form("", "无令牌", &code(2)));
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!((merchant_count(&app), audit_count(&app)), before);
}

#[test]
fn a_credit_code_is_registered_once() {
    let app = TestApp::spawn();
    app.login("inspector", PASSWORD);
    let before = merchant_count(&app);
    let csrf = app.csrf("/staff/merchants/new");
    // Lower case is the same code.
    let dup = demo_code().to_lowercase();
    let r = app.post_form("/staff/merchants", &form(&csrf, "冒名商家", &dup));
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(body.contains("已登记"), "{body}");
    assert_eq!(merchant_count(&app), before);

    // Editing a merchant onto another's code is refused the same way.
    let id = register(&app, "新开茶铺", &code(3));
    let csrf = app.csrf(&format!("/staff/merchants/{id}/edit"));
    let r = app.post_form(
        &format!("/staff/merchants/{id}"),
        &form(&csrf, "新开茶铺", &demo_code()),
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("已登记"));
    assert_eq!(id_by_code(&app, &code(3)), Some(id));
}

#[test]
fn inspector_edits_a_merchant_and_the_change_is_audited() {
    let app = TestApp::spawn();
    app.login("inspector", PASSWORD);
    let c4 = code(4);
    let id = register(&app, "河畔烧烤", &c4);
    let csrf = app.csrf(&format!("/staff/merchants/{id}/edit"));
    let mut fields = form(&csrf, "河畔烧烤（总店）", &c4);
    fields.retain(|(k, _)| *k != "member_since");
    fields.push(("member_since", ""));
    let r = app.post_form(&format!("/staff/merchants/{id}"), &fields);
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = app.get_text(&format!("/staff/merchants/{id}/edit"));
    assert!(page.contains("河畔烧烤（总店）"));
    let entries = audits(&app, "merchant.update", id);
    assert_eq!(entries.len(), 1);
    let before: Value = serde_json::from_str(entries[0].0.as_deref().unwrap()).unwrap();
    let after: Value = serde_json::from_str(entries[0].1.as_deref().unwrap()).unwrap();
    assert_eq!(before["name"], "河畔烧烤");
    assert_eq!(before["member_since"], "2025-06-01");
    assert_eq!(after["name"], "河畔烧烤（总店）");
    assert_eq!(after["member_since"], Value::Null);

    // A bad edit keeps the form as typed, with 422, and changes nothing.
    let csrf = app.csrf(&format!("/staff/merchants/{id}/edit"));
    let mut fields = form(&csrf, "河畔烧烤", &c4);
    fields.retain(|(k, _)| *k != "phone");
    fields.push(("phone", "call me maybe"));
    let r = app.post_form(&format!("/staff/merchants/{id}"), &fields);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("电话只能包含数字"));
    assert_eq!(audits(&app, "merchant.update", id).len(), 1);
    assert_eq!(app.get("/staff/merchants/99999/edit").status().as_u16(), 404);
}

#[test]
fn search_finds_merchants_by_part_of_the_name_or_code_and_filters() {
    let app = TestApp::spawn();
    app.login("inspector", PASSWORD);
    let c = code(5);
    register(&app, "Golden Lotus 金莲茶楼", &c);

    let (s, page) = app.get_text("/staff/merchants?q=%E9%87%91%E8%8E%B2");
    assert_eq!(s, 200);
    assert!(page.contains("Golden Lotus 金莲茶楼"));
    // Case does not matter for names.
    let (_, page) = app.get_text("/staff/merchants?q=golden+lotus");
    assert!(page.contains("金莲茶楼"));
    // Part of the code, in lower case.
    let part = c[4..14].to_lowercase();
    let (_, page) = app.get_text(&format!("/staff/merchants?q={part}"));
    assert!(page.contains("金莲茶楼"), "by code {part}");
    let (_, page) = app.get_text("/staff/merchants?q=%E9%87%91%E8%8E%B2&area=%E8%80%81%E8%A1%97%E7%89%87%E5%8C%BA&category=%E9%A4%90%E9%A5%AE");
    assert!(page.contains("金莲茶楼"));
    let (_, page) = app.get_text("/staff/merchants?q=%E9%87%91%E8%8E%B2&area=elsewhere");
    assert!(!page.contains("金莲茶楼") && page.contains("没有符合条件的商家"));
    // LIKE wildcards are taken literally.
    let (_, page) = app.get_text("/staff/merchants?q=%25");
    assert!(page.contains("没有符合条件的商家"));
    // A bad page number is page 1, not an error.
    assert_eq!(app.get("/staff/merchants?page=abc").status().as_u16(), 200);
    let (_, en) = app.get_text("/staff/merchants?lang=en");
    assert!(en.contains("Matching merchants"));
}

#[test]
fn only_staff_keep_the_register_and_only_the_committee_closes() {
    let app = TestApp::spawn();
    // Anonymous: 401 everywhere.
    assert_eq!(app.get("/staff/merchants").status().as_u16(), 401);
    assert_eq!(app.get("/staff/merchants/new").status().as_u16(), 401);
    let csrf = app.csrf("/login");
    let r = app.post_form("/staff/merchants", &form(&csrf, "匿名", &code(6)));
    assert_eq!(r.status().as_u16(), 401);
    let r = app.post_form("/staff/merchants/1/close", &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 401);

    // A merchant user: 403.
    app.login("merchant", PASSWORD);
    assert_eq!(app.get("/staff/merchants").status().as_u16(), 403);
    assert_eq!(app.get("/staff/merchants/import").status().as_u16(), 403);
    let csrf = app.csrf("/staff");
    let r = app.post_form("/staff/merchants", &form(&csrf, "越权", &code(6)));
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(id_by_code(&app, &code(6)), None);

    // An inspector registers but cannot close.
    let inspector = Browser::login(&app, "inspector");
    let id = inspector.register("将关小店", &code(7));
    let csrf = inspector.csrf(&format!("/staff/merchants/{id}/edit"));
    let r = inspector.post(&format!("/staff/merchants/{id}/close"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 403);

    // The committee closes a merchant on the red list; it leaves the public list.
    let (_, red) = api(&app, "GET", "/api/v1/public/lists/red", None, None);
    let red_id = red["items"][0]["id"].as_i64().unwrap() as i32;
    let committee = Browser::login(&app, "committee");
    let page = committee.get(&format!("/staff/merchants/{red_id}/edit"));
    assert!(page.contains(&format!("/staff/merchants/{red_id}/close")));
    let csrf = extract_csrf(&page).unwrap();
    let r = committee.post(&format!("/staff/merchants/{red_id}/close"), &[("csrf", "wrong")]);
    assert_eq!(r.status().as_u16(), 422);
    let r = committee.post(&format!("/staff/merchants/{red_id}/close"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 303);
    let page = committee.get(&format!("/staff/merchants/{red_id}/edit"));
    assert!(page.contains("该商家已关闭"));
    // The published edition stays as published; the next one leaves the closed merchant out.
    let (_, red) = api(&app, "GET", "/api/v1/public/lists/red", None, None);
    assert!(red["items"].as_array().unwrap().iter().any(|i| i["id"] == red_id));
    publish_edition(&app);
    let (_, red) = api(&app, "GET", "/api/v1/public/lists/red", None, None);
    assert!(red["items"].as_array().unwrap().iter().all(|i| i["id"] != red_id));
    let entries = audits(&app, "merchant.close", red_id);
    assert_eq!(entries.len(), 1);
    assert!(entries[0].1.as_deref().unwrap().contains("closed"));
    // Closing again changes nothing and audits nothing.
    let r = committee.post(&format!("/staff/merchants/{red_id}/close"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(audits(&app, "merchant.close", red_id).len(), 1);
    let page = committee.get("/staff/merchants?status=closed");
    assert!(page.contains("已关闭"));
}

#[test]
fn json_api_creates_updates_searches_and_closes() {
    let app = TestApp::spawn();
    let body = json!({
        "name": "API 小吃店", "credit_code": code(8), "category": "小吃",
        "address": "新街 2 号", "area": "新街片区", "email": "api@example.com",
        "member_since": "2024-01-15"
    });
    let (s, v) = api(&app, "POST", "/api/v1/merchants", None, Some(body.clone()));
    assert_eq!(s, 401);
    assert_eq!(v["error"], "unauthorized");

    let merchant = token(&app, "merchant");
    let (s, _) = api(&app, "GET", "/api/v1/merchants", Some(&merchant), None);
    assert_eq!(s, 403);
    let (s, _) = api(
        &app,
        "POST",
        "/api/v1/merchants",
        Some(&merchant),
        Some(body.clone()),
    );
    assert_eq!(s, 403);

    let t = token(&app, "inspector");
    let (s, created) = api(&app, "POST", "/api/v1/merchants", Some(&t), Some(body.clone()));
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["credit_code"], code(8).as_str());
    assert_eq!(created["member_since"], "2024-01-15");
    assert_eq!(created["status"], "open");
    assert_eq!(audits(&app, "merchant.create", id as i32).len(), 1);

    // Same code again: 422 with the field message; bad fields each get a message.
    let (s, v) = api(&app, "POST", "/api/v1/merchants", Some(&t), Some(body.clone()));
    assert_eq!(s, 422);
    assert!(field_messages(&v, "credit_code")[0].0.contains("已登记"), "{v}");
    let before = merchant_count(&app);
    let (s, v) = api(
        &app,
        "POST",
        "/api/v1/merchants",
        Some(&t),
        Some(
            json!({"name": "", "credit_code": bad_check_code(), "email": "x@y", "phone": "abc", "member_since": null}),
        ),
    );
    assert_eq!(s, 422);
    assert_eq!(v["error"], "invalid");
    for f in [
        "name",
        "credit_code",
        "category",
        "address",
        "area",
        "email",
        "phone",
    ] {
        let msgs = field_messages(&v, f);
        assert!(
            !msgs.is_empty() && !msgs[0].0.is_empty() && !msgs[0].1.is_empty(),
            "{f}: {v}"
        );
    }
    assert!(field_messages(&v, "credit_code")[0].0.contains("校验码错误"));
    // Not JSON at all: still a 422 JSON answer, never a 500.
    let r = reqwest::blocking::Client::new()
        .post(app.url("/api/v1/merchants"))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid");
    assert_eq!(merchant_count(&app), before);

    // Update.
    let mut changed = body.clone();
    changed["name"] = json!("API 小吃店（新）");
    changed["phone"] = json!("+86 571 1234");
    let (s, v) = api(
        &app,
        "PUT",
        &format!("/api/v1/merchants/{id}"),
        Some(&t),
        Some(changed),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["name"], "API 小吃店（新）");
    assert_eq!(v["phone"], "+86 571 1234");
    assert_eq!(audits(&app, "merchant.update", id as i32).len(), 1);
    let (s, v) = api(
        &app,
        "PUT",
        "/api/v1/merchants/99999",
        Some(&t),
        Some(body.clone()),
    );
    assert_eq!(s, 404, "{v}");

    // Search.
    let (s, v) = api(
        &app,
        "GET",
        "/api/v1/merchants?q=%E5%B0%8F%E5%90%83%E5%BA%97",
        Some(&t),
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(v["total"], 1);
    assert_eq!(v["page"], 1);
    assert_eq!(v["items"][0]["id"], id);
    let (_, v) = api(
        &app,
        "GET",
        &format!("/api/v1/merchants?q={}", code(8)),
        Some(&t),
        None,
    );
    assert_eq!(v["total"], 1);
    let (_, all) = api(&app, "GET", "/api/v1/merchants", Some(&t), None);
    let total = all["total"].as_i64().unwrap();
    assert!(total > 20, "the demo town has more than a page");
    assert_eq!(all["items"].as_array().unwrap().len(), 20);
    let (_, p2) = api(&app, "GET", "/api/v1/merchants?page=2", Some(&t), None);
    assert_eq!(p2["page"], 2);
    assert_ne!(p2["items"][0]["id"], all["items"][0]["id"]);
    let (s, v) = api(&app, "GET", "/api/v1/merchants?page=zero", Some(&t), None);
    assert_eq!(s, 422);
    assert_eq!(v["fields"][0]["field"], "page");

    // Close: committee only.
    let (s, _) = api(
        &app,
        "POST",
        &format!("/api/v1/merchants/{id}/close"),
        Some(&t),
        None,
    );
    assert_eq!(s, 403);
    let committee = token(&app, "committee");
    let (s, v) = api(
        &app,
        "POST",
        &format!("/api/v1/merchants/{id}/close"),
        Some(&committee),
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(v["status"], "closed");
    assert_eq!(audits(&app, "merchant.close", id as i32).len(), 1);
}

/// Publishes the next edition of the red and black lists (the public lists show the latest).
fn publish_edition(app: &TestApp) {
    let policy = gongzhi::domain::policy::Policy::default_policy();
    let actor = gongzhi::db::models::audit::Actor::system("test");
    gongzhi::services::editions::publish(&mut app.conn(), &policy, app.config.today(), &actor, "test")
        .unwrap();
}

#[test]
fn leaving_the_alliance_takes_a_merchant_off_the_red_list() {
    let app = TestApp::spawn();
    let t = token(&app, "committee");
    let id: i64 = merchants::table
        .filter(merchants::current_list.eq("red"))
        .order(merchants::id.asc())
        .select(merchants::id)
        .first::<i32>(&mut *app.conn())
        .unwrap()
        .into();
    let (s, mut m) = api(&app, "GET", &format!("/api/v1/merchants/{id}"), Some(&t), None);
    assert_eq!(s, 200);
    assert_eq!(m["list"], "red");
    m["member_since"] = Value::Null;
    let (s, v) = api(&app, "PUT", &format!("/api/v1/merchants/{id}"), Some(&t), Some(m));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["list"], "none", "the rating was recomputed in the same write");
    publish_edition(&app);
    let (_, red) = api(&app, "GET", "/api/v1/public/lists/red", None, None);
    assert!(red["items"].as_array().unwrap().iter().all(|i| i["id"] != id));
}

fn register_csv(good: &[(&str, String)], bad_line: Option<&str>) -> String {
    let mut s =
        String::from("name,credit_code,category,address,area,contact_name,email,phone,member_since\n");
    for (name, code) in good {
        s.push_str(&format!(
            "{name},{code},餐饮,\"新街 1 号, 东侧\",新街片区,钱女士,,0571-1234,2025-01-01\n"
        ));
    }
    if let Some(b) = bad_line {
        s.push_str(b);
        s.push('\n');
    }
    s
}

fn cli(app: &TestApp, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(args)
        .env("GONGZHI_DATABASE_URL", app.db.url())
        .env("GONGZHI_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn cli_import_is_all_or_nothing_unless_good_rows_only() {
    let app = TestApp::spawn();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("register.csv");
    let csv = register_csv(
        &[
            ("东街包子铺", code(10)),
            ("西街豆浆店", code(11)),
            ("重复店", code(10)),
        ],
        Some(&format!(
            "坏码店,{},餐饮,北街,北街片区,,bad-email,,",
            bad_check_code()
        )),
    );
    std::fs::write(&file, &csv).unwrap();
    let path = file.to_str().unwrap();
    let before = (merchant_count(&app), audit_count(&app));

    let (code_, out) = cli(&app, &["import", "merchants", path]);
    assert_eq!(code_, 1, "{out}");
    assert!(
        out.contains("line 4 [credit_code]") && out.contains("与第 2 行重复"),
        "{out}"
    );
    assert!(
        out.contains("line 5 [credit_code]") && out.contains("line 5 [email]"),
        "{out}"
    );
    assert!(
        out.contains("nothing was imported") && out.contains("未导入任何商家"),
        "{out}"
    );
    assert_eq!((merchant_count(&app), audit_count(&app)), before);

    let (code_, out) = cli(&app, &["import", "merchants", path, "--good-rows-only"]);
    assert_eq!(code_, 0, "{out}");
    assert!(
        out.contains("2 merchants imported") && out.contains("2 rows with errors skipped (lines 4, 5)"),
        "{out}"
    );
    assert_eq!(merchant_count(&app), before.0 + 2);
    let id = id_by_code(&app, &code(10)).unwrap();
    assert_eq!(audits(&app, "merchant.create", id).len(), 1);
    let address: String = merchants::table
        .find(id)
        .select(merchants::address)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(address, "新街 1 号, 东侧", "quoted commas survive");

    // Importing the same file again: every row is now a duplicate of the database.
    let (code_, out) = cli(&app, &["import", "merchants", path]);
    assert_eq!(code_, 1);
    assert!(out.contains("已登记"), "{out}");
    // A bad header imports nothing even with --good-rows-only.
    std::fs::write(&file, "name,credit,category\n甲,x,y\n").unwrap();
    let (code_, out) = cli(&app, &["import", "merchants", path, "--good-rows-only"]);
    assert_eq!(code_, 1);
    assert!(
        out.contains("Unknown column \"credit\"") && out.contains("address"),
        "{out}"
    );
    assert!(out.contains("The header is wrong"), "{out}");
    assert_eq!(merchant_count(&app), before.0 + 2);
}

#[test]
fn form_import_reports_each_row() {
    let app = TestApp::spawn();
    app.login("inspector", PASSWORD);
    let (s, page) = app.get_text("/staff/merchants/import");
    assert_eq!(s, 200);
    assert!(page.contains("name=\"csv\""));
    let csv = register_csv(
        &[("南门烧饼", code(20)), ("北门凉皮", demo_code())],
        Some("缺列店,only,three"),
    );
    let before = (merchant_count(&app), audit_count(&app));
    let csrf = extract_csrf(&page).unwrap();
    let r = app.post_form("/staff/merchants/import", &[("csrf", &csrf), ("csv", &csv)]);
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(body.contains("未导入任何商家"), "{body}");
    assert!(
        body.contains("<td>3</td><td>credit_code</td>") && body.contains("已登记"),
        "{body}"
    );
    assert!(
        body.contains("<td>4</td>") && body.contains("该行有 3 列"),
        "{body}"
    );
    assert!(body.contains("南门烧饼"), "the pasted text is kept to fix it");
    assert_eq!((merchant_count(&app), audit_count(&app)), before);

    let r = app.post_form(
        "/staff/merchants/import?lang=en",
        &[("csrf", &csrf), ("csv", &csv), ("good_rows_only", "on")],
    );
    assert_eq!(r.status().as_u16(), 200);
    let body = r.text().unwrap();
    assert!(
        body.contains("1 merchant imported") && body.contains("skipped (lines 3, 4)"),
        "{body}"
    );
    assert_eq!(merchant_count(&app), before.0 + 1);
    let id = id_by_code(&app, &code(20)).unwrap();
    assert_eq!(audits(&app, "merchant.create", id).len(), 1);

    // The merchant role may not import.
    let merchant = Browser::login(&app, "merchant");
    let csrf = merchant.csrf("/staff");
    let r = merchant.post("/staff/merchants/import", &[("csrf", &csrf), ("csv", &csv)]);
    assert_eq!(r.status().as_u16(), 403);
}

/// A second logged-in browser against the same server.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::blocking::Client,
}

impl<'a> Browser<'a> {
    fn login(app: &'a TestApp, user: &str) -> Browser<'a> {
        let b = Browser {
            app,
            client: common::client(),
        };
        let csrf = b.csrf("/login");
        let r = b.post(
            "/login",
            &[("csrf", &csrf), ("username", user), ("password", PASSWORD)],
        );
        assert_eq!(r.status().as_u16(), 303, "login as {user}");
        b
    }
}

impl Browser<'_> {
    fn get(&self, path: &str) -> String {
        self.client
            .get(self.app.url(path))
            .send()
            .unwrap()
            .text()
            .unwrap()
    }

    fn csrf(&self, path: &str) -> String {
        extract_csrf(&self.get(path)).unwrap_or_else(|| panic!("no csrf on {path}"))
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
        self.client.post(self.app.url(path)).form(form).send().unwrap()
    }

    fn register(&self, name: &str, code: &str) -> i32 {
        let csrf = self.csrf("/staff/merchants/new");
        let r = self.post("/staff/merchants", &form(&csrf, name, code));
        assert_eq!(r.status().as_u16(), 303);
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        loc.split('/').nth(3).unwrap().parse().unwrap()
    }
}

/// Staff record the day a member left the alliance (离盟日期) on the edit form: checked against
/// the membership date and today (a 422 with the message, nothing written), audited like the
/// other fields, and shown on the public record as "from … to …". From that day on the merchant
/// is no longer a member: off the red list, and not a member in the open-data export.
#[test]
fn staff_record_the_day_a_member_left_the_alliance() {
    use gongzhi::db::models::merchant::Merchant;
    let app = TestApp::spawn();
    let today = app.config.today();
    let id: i32 = merchants::table
        .filter(merchants::current_list.eq("red"))
        .filter(merchants::member_left_on.is_null())
        .order(merchants::id.asc())
        .select(merchants::id)
        .first(&mut *app.conn())
        .unwrap();
    let m = Merchant::find(&mut app.conn(), id).unwrap().unwrap();
    let since = m.member_since.expect("a red-list merchant is a member");
    let (since_text, code) = (since.to_string(), m.credit_code.clone().unwrap());

    let committee = Browser::login(&app, "committee");
    assert!(!committee
        .get("/staff/merchants/new")
        .contains("name=\"member_left_on\""));
    let edit = format!("/staff/merchants/{id}/edit");
    let page = committee.get(&edit);
    assert!(page.contains("离盟日期") && page.contains("name=\"member_left_on\""));
    let csrf = extract_csrf(&page).unwrap();
    let fields = |left: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf.as_str()),
            ("name", m.name.as_str()),
            ("credit_code", code.as_str()),
            ("category", m.category.as_str()),
            ("address", m.address.as_str()),
            ("area", m.area.as_str()),
            ("contact_name", m.contact_name.as_str()),
            ("email", m.email.as_str()),
            ("phone", m.phone.as_str()),
            ("member_since", since_text.as_str()),
            ("member_left_on", left),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let post = |path: &str, left: &str| {
        committee
            .client
            .post(app.url(path))
            .form(&fields(left))
            .send()
            .unwrap()
    };
    let before = audit_count(&app);
    let day_before = (since - chrono::Duration::days(1)).to_string();
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    for (left, says) in [
        (
            day_before.as_str(),
            format!("离盟日期不能早于入盟日期（{since}）"),
        ),
        (tomorrow.as_str(), "离盟日期不能晚于今天".to_string()),
        ("2025/09/15", "离盟日期格式应为 YYYY-MM-DD".to_string()),
    ] {
        let r = post(&format!("/staff/merchants/{id}"), left);
        assert_eq!(r.status().as_u16(), 422, "{left}");
        let body = r.text().unwrap();
        assert!(body.contains(&says), "{left}: {body}");
        assert!(
            body.contains(&format!("value=\"{left}\"")),
            "what was typed is kept"
        );
    }
    let r = post(&format!("/staff/merchants/{id}?lang=en"), &day_before);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("cannot be before the membership date"));
    assert_eq!(audit_count(&app), before, "nothing written");
    assert_eq!(
        Merchant::find(&mut app.conn(), id)
            .unwrap()
            .unwrap()
            .member_left_on,
        None
    );

    // Left today: saved, audited, no longer a member.
    let r = post(&format!("/staff/merchants/{id}"), &today.to_string());
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().unwrap_or_default());
    let saved = Merchant::find(&mut app.conn(), id).unwrap().unwrap();
    assert_eq!(saved.member_left_on, Some(today));
    assert_ne!(
        saved.current_list.as_str(),
        "red",
        "the rating was recomputed in the same write"
    );
    let entries = audits(&app, "merchant.update", id);
    let (b, a) = entries.last().unwrap();
    let b: Value = serde_json::from_str(b.as_deref().unwrap()).unwrap();
    let a: Value = serde_json::from_str(a.as_deref().unwrap()).unwrap();
    assert_eq!(
        (b["member_left_on"].clone(), a["member_left_on"].clone()),
        (Value::Null, json!(today))
    );
    assert!(committee.get(&edit).contains(&format!("value=\"{today}\"")));

    // The public record says from when to when, in both languages.
    // (Dates as the record writes them: 2026年3月12日, 12 Mar 2026.)
    use gongzhi::i18n::{words::long_date, Lang};
    let (_, public) = app.get_text(&format!("/merchants/{id}"));
    assert!(
        public.contains(&format!(
            "曾为联盟成员： {} 至 {}",
            long_date(since, Lang::Zh),
            long_date(today, Lang::Zh)
        )),
        "{public}"
    );
    let (_, en) = app.get_text(&format!("/merchants/{id}?lang=en"));
    assert!(
        en.contains(&format!(
            "Alliance member from {} to {}",
            long_date(since, Lang::En),
            long_date(today, Lang::En)
        )),
        "{en}"
    );
    let (_, member) = app.get_text("/merchants/1?lang=zh");
    assert!(
        member.contains("联盟成员，入盟于 "),
        "a member's record says since when"
    );

    // The export no longer counts it as a member; the API shows the date and checks it too.
    let csv = app.get("/export/merchants.csv").bytes().unwrap();
    let mut rows = csv::Reader::from_reader(&csv[3..]);
    let row = rows
        .records()
        .map(|r| r.unwrap())
        .find(|r| r[0] == id.to_string())
        .unwrap();
    assert_eq!(&row[6], "false");
    let t = token(&app, "committee");
    let (s, mut v) = api(&app, "GET", &format!("/api/v1/merchants/{id}"), Some(&t), None);
    assert_eq!(s, 200);
    assert_eq!(v["member_left_on"], json!(today));
    v["member_left_on"] = json!(tomorrow);
    let (s, e) = api(&app, "PUT", &format!("/api/v1/merchants/{id}"), Some(&t), Some(v));
    assert_eq!(s, 422, "{e}");
    assert!(
        field_messages(&e, "member_left_on")[0].1.contains("future"),
        "{e}"
    );
}
