//! The public site for consumers: search, the storefront plaque and its check, complaints with
//! their limits, and the inspectors' triage that feeds verified complaints into the rating.

mod common;

use common::item_names as names;
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{audit_log, complaints, merchants};
use gongzhi::services::complaints::form_token;

/// (name, credit code, address) of a demo merchant.
fn merchant(app: &TestApp, id: i32) -> (String, String, String) {
    let mut c = app.conn();
    let (n, code, a): (String, Option<String>, String) = merchants::table
        .find(id)
        .select((merchants::name, merchants::credit_code, merchants::address))
        .first(&mut *c)
        .unwrap();
    (n, code.unwrap(), a)
}

/// Changes a merchant as the staff pages do: in a write transaction, touching `updated_at`.
fn edit(app: &TestApp, id: i32, change: impl FnOnce(&mut gongzhi::db::DbConn) -> diesel::QueryResult<usize>) {
    let mut conn = app.conn();
    gongzhi::db::models::write_tx(&mut conn, |c| {
        change(c)?;
        diesel::update(merchants::table.find(id))
            .set(merchants::updated_at.eq(gongzhi::db::models::now_utc()))
            .execute(c)
    })
    .unwrap();
}

fn search_json(app: &TestApp, q: &str) -> (serde_json::Value, String) {
    let r = app
        .client
        .get(app.url("/api/v1/public/merchants"))
        .query(&[("q", q)])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

fn search_page(app: &TestApp, q: &str) -> String {
    let r = app
        .client
        .get(app.url("/search"))
        .query(&[("q", q)])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().unwrap()
}

#[test]
fn search_finds_open_merchants_by_part_of_name_code_or_address() {
    let app = TestApp::spawn();
    let (name, code, address) = merchant(&app, 2);
    assert_eq!(name, "李记牛肉面");

    // Part of the name, on the page and in the API.
    let page = search_page(&app, "牛肉");
    assert!(
        page.contains("李记牛肉面") && page.contains("/merchants/2\""),
        "{page}"
    );
    assert!(page.contains("class=\"stars\""), "stars are shown");
    let (v, text) = search_json(&app, "牛肉");
    assert_eq!(names(&v), vec!["李记牛肉面"]);
    assert_eq!(v["page"], 1);
    assert_eq!(v["total"], 1);
    assert!(v["items"][0].get("stars").is_some() && v["items"][0].get("list").is_some());
    for private in [
        "phone",
        "email",
        "contact",
        "1380571",
        "merchants.gongzhi.localhost",
    ] {
        assert!(!text.contains(private), "search JSON leaks {private}");
    }

    // Part of the credit code, typed in lower case.
    let part = code[6..14].to_lowercase();
    let (v, _) = search_json(&app, &part);
    assert!(names(&v).contains(&name), "code part {part}: {v}");
    assert!(search_page(&app, &part).contains(&name));

    // Part of the address.
    let street: String = address.chars().skip(4).collect();
    let (v, _) = search_json(&app, &street);
    assert!(names(&v).contains(&name), "address part {street}: {v}");

    // LIKE wildcards match literally; nonsense finds nothing; an empty query on the page lists
    // nothing (in the API it lists every open merchant, see below).
    for q in ["%", "_", "不存在的商家"] {
        let (v, _) = search_json(&app, q);
        assert_eq!(v["total"], 0, "{q}");
    }
    assert!(search_page(&app, "不存在的商家").contains("没有找到营业中的商家"));
    let (v, _) = search_json(&app, "  ");
    assert_eq!(v["total"], 40);
    assert!(!search_page(&app, "  ").contains("/merchants/1\""));

    // Every demo address names its area: all forty merchants fit on one page of fifty.
    let (v, _) = search_json(&app, "片区");
    assert_eq!(v["total"], 40);
    assert_eq!(v["items"].as_array().unwrap().len(), 40);

    // Latin letters match in any case, on both backends.
    edit(&app, 36, |c| {
        diesel::update(merchants::table.find(36))
            .set(merchants::name.eq("Star Coffee 星辰咖啡"))
            .execute(c)
    });
    for q in ["star coffee", "STAR", "sTaR cOf"] {
        let (v, _) = search_json(&app, q);
        assert_eq!(names(&v), vec!["Star Coffee 星辰咖啡"], "{q}");
    }

    // Closed merchants are not found.
    edit(&app, 2, |c| {
        diesel::update(merchants::table.find(2))
            .set(merchants::status.eq("closed"))
            .execute(c)
    });
    let (v, _) = search_json(&app, "牛肉");
    assert_eq!(v["total"], 0);
    let (_, en) = app.get_text("/search?q=x&lang=en");
    assert!(en.contains("Find a merchant"));
}

/// With no `q`, the open-data endpoint pages through every open merchant by id; page numbers
/// that are not whole numbers from 1 are refused, in both languages, on the API and the page.
#[test]
fn every_open_merchant_is_listed_page_by_page_and_bad_pages_are_refused() {
    let app = TestApp::spawn();
    diesel::update(merchants::table.find(5))
        .set(merchants::status.eq("closed"))
        .execute(&mut *app.conn())
        .unwrap();
    let (v, _) = search_json(&app, "");
    assert_eq!(v["total"], 39, "the forty demo merchants but the closed one");
    assert_eq!((v["page"].as_i64(), v["per_page"].as_i64()), (Some(1), Some(50)));
    let ids: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = (1..=40).filter(|id| *id != 5).collect();
    assert_eq!(ids, expected, "ordered by id, the closed merchant left out");
    assert!(v["items"][0].get("phone").is_none() && v["items"][0].get("contact_name").is_none());
    let r = app.get("/api/v1/public/merchants?page=2");
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(
        (v["total"].as_i64(), v["items"].as_array().map(Vec::len)),
        (Some(39), Some(0))
    );

    for bad in ["0", "-1", "zwei", "1.5", "100001"] {
        let r = app.get(&format!("/api/v1/public/merchants?page={bad}"));
        assert_eq!(r.status().as_u16(), 422, "page={bad}");
        let e: serde_json::Value = r.json().unwrap();
        assert_eq!(e["fields"][0]["field"], "page", "{e}");
        assert!(e["fields"][0]["zh"].as_str().unwrap().contains("页码"), "{e}");
        let (s, body) = app.get_text(&format!("/search?q=%E7%8E%8B&page={bad}"));
        assert_eq!(s, 422, "page={bad}");
        assert!(body.contains("页码"), "{body}");
    }
}

fn plaque_code(app: &TestApp, id: i32) -> (String, String) {
    let (s, body) = app.get_text(&format!("/merchants/{id}/plaque"));
    assert_eq!(s, 200);
    let marker = format!("/merchants/{id}/plaque/check?code=");
    let i = body.find(&marker).expect("check URL on the plaque");
    let code: String = body[i + marker.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || ".-_".contains(*c))
        .collect();
    (body, code)
}

#[test]
fn plaque_carries_a_qr_code_that_checks_itself() {
    let app = TestApp::spawn();
    let (body, code) = plaque_code(&app, 1);
    assert!(body.contains("<svg"), "inline SVG QR code");
    // Printed on A5: the paper size comes from the plaque's own stylesheet (no inline style).
    assert!(body.contains("href=\"/static/plaque.css\""));
    let (_, css) = app.get_text("/static/plaque.css");
    assert!(css.contains("size: A5"), "{css}");
    assert!(body.contains("老王家常菜馆"));
    assert!(body.contains(&format!(
        "{}/merchants/1/plaque/check?code={code}",
        app.config.base_url
    )));
    assert!(code.len() > 16, "{code}");

    let check = |code: &str| app.get_text(&format!("/merchants/1/plaque/check?code={code}"));
    let (s, page) = check(&code);
    assert_eq!(s, 200);
    assert!(page.contains("标牌有效，与当前评定一致"), "{page}");
    assert!(page.contains("href=\"/merchants/1\""));

    // Tampered: another star count, another merchant, garbage.
    let stars = code.split('.').nth(1).unwrap();
    let other = if stars == "5" { "4" } else { "5" };
    let forged = code.replacen(&format!(".{stars}."), &format!(".{other}."), 1);
    assert!(check(&forged).1.contains("标牌无法验证（可能伪造）"));
    assert!(check("garbage").1.contains("标牌无法验证"));
    let (_, on_other) = app.get_text(&format!("/merchants/2/plaque/check?code={code}"));
    assert!(on_other.contains("标牌无法验证"));

    // The rating changes: the genuine plaque is now out of date.
    let current: Option<i32> = merchants::table
        .find(1)
        .select(merchants::current_stars)
        .first(&mut *app.conn())
        .unwrap();
    let changed = current.map_or(3, |s| if s == 1 { 2 } else { s - 1 });
    diesel::update(merchants::table.find(1))
        .set(merchants::current_stars.eq(Some(changed)))
        .execute(&mut *app.conn())
        .unwrap();
    let (_, page) = check(&code);
    assert!(page.contains("标牌已过期：当前评定为"), "{page}");
    assert!(page.contains(&format!("{changed}星")));
    let (_, en) = app.get_text(&format!("/merchants/1/plaque/check?code={code}&lang=en"));
    assert!(en.contains("out of date"));

    assert_eq!(app.get("/merchants/999/plaque").status().as_u16(), 404);
    assert_eq!(app.get("/merchants/x/plaque/check?code=1").status().as_u16(), 404);
}

fn secret(app: &TestApp) -> Vec<u8> {
    gongzhi::services::plaque::app_secret(&mut app.conn(), app.config.session_secret.as_deref()).unwrap()
}

/// A form token from `secs` seconds ago, so tests need not wait for the minimum time.
fn older_token(app: &TestApp, secs: i64) -> String {
    form_token(&secret(app), chrono::Utc::now().timestamp() - secs)
}

fn field(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let i = body.find(&marker).unwrap_or_else(|| panic!("no {name} field"));
    let rest = &body[i + marker.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Complaints filed in the last hour: the test's own (the demo town's are a day old or more).
fn complaint_count(app: &TestApp) -> i64 {
    complaints::table
        .filter(complaints::created_at.gt(gongzhi::db::models::now_utc() - chrono::Duration::hours(1)))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

const TEXT: &str = "菜里吃出了头发，服务员态度也很差。";

#[test]
fn a_consumer_files_a_complaint_within_the_limits() {
    let app = TestApp::spawn();
    let day = app.config.today().to_string();
    let (s, form) = app.get_text("/complaints/new?merchant=2");
    assert_eq!(s, 200);
    assert!(form.contains("李记牛肉面") && form.contains("name=\"website\""));
    let csrf = common::extract_csrf(&form).unwrap();
    let fresh = field(&form, "ts");
    let old = older_token(&app, 10);
    let post = |fields: &[(&str, &str)]| app.post_form("/complaints", fields);

    // Sent at once: a bot's speed.
    let r = post(&[
        ("csrf", &csrf),
        ("ts", &fresh),
        ("merchant", "2"),
        ("body", TEXT),
        ("category", "hygiene"),
        ("visited_on", day.as_str()),
    ]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.headers().contains_key("retry-after"));
    let body = r.text().unwrap();
    assert!(
        body.contains("表单提交过快。请在 ") && body.contains(" 秒后再提交"),
        "{body}"
    );
    assert!(body.contains(TEXT), "the text is kept");

    // Field messages in both languages.
    let r = post(&[("csrf", &csrf), ("ts", &old), ("merchant", "2"), ("body", "太差")]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("投诉内容应为 10 到 1000 个字"));
    let long_contact = "1".repeat(101);
    let r = app
        .client
        .post(app.url("/complaints?lang=en"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("ts", old.as_str()),
            ("merchant", "2"),
            ("body", TEXT),
            ("category", "hygiene"),
            ("visited_on", day.as_str()),
            ("contact", long_contact.as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("at most 100 characters"));
    app.get("/?lang=zh"); // the language choice sticks in a cookie: back to Chinese
    let r = post(&[
        ("csrf", &csrf),
        ("ts", "1.0123456789abcdef"),
        ("merchant", "2"),
        ("body", TEXT),
        ("category", "hygiene"),
        ("visited_on", day.as_str()),
    ]);
    assert_eq!(r.status().as_u16(), 422, "forged timestamp");
    let r = post(&[
        ("ts", &old),
        ("merchant", "2"),
        ("body", TEXT),
        ("category", "hygiene"),
        ("visited_on", day.as_str()),
    ]);
    assert_eq!(r.status().as_u16(), 422, "no CSRF token");
    assert_eq!(complaint_count(&app), 0);

    // The honeypot: pretend success, store nothing.
    let r = post(&[
        ("csrf", &csrf),
        ("ts", &old),
        ("merchant", "2"),
        ("body", TEXT),
        ("category", "hygiene"),
        ("visited_on", day.as_str()),
        ("website", "http://spam"),
    ]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(complaint_count(&app), 0);

    // A genuine complaint.
    let r = post(&[
        ("csrf", &csrf),
        ("ts", &old),
        ("merchant", "2"),
        ("body", TEXT),
        ("category", "hygiene"),
        ("visited_on", day.as_str()),
        ("contact", "138 0000 0000"),
    ]);
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/complaints/thanks?merchant=2&ref=TS-"),
        "{location}"
    );
    let (_, thanks) = app.get_text(&location);
    assert!(thanks.contains("投诉已收到"));
    // The newest complaint (the demo town has older ones).
    let (id, mid, body, contact, hash, status): (i32, i32, String, Option<String>, String, String) =
        complaints::table
            .order(complaints::id.desc())
            .select((
                complaints::id,
                complaints::merchant_id,
                complaints::body,
                complaints::contact,
                complaints::client_hash,
                complaints::status,
            ))
            .first(&mut *app.conn())
            .unwrap();
    assert_eq!(
        (mid, body.as_str(), contact.as_deref(), status.as_str()),
        (2, TEXT, Some("138 0000 0000"), "new")
    );
    assert_eq!(hash.len(), 64);
    assert!(!hash.contains("127.0.0.1"));
    let audit: Vec<(String, Option<String>)> = audit_log::table
        .filter(audit_log::action.eq("complaint.create"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .select((audit_log::actor_label, audit_log::after_json))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "system:public");
    let after = audit[0].1.clone().unwrap();
    assert!(
        !after.contains("127.0.0.1") && !after.contains("138 0000"),
        "{after}"
    );

    // Two more today are fine; the fourth is refused with a friendly page.
    for m in ["3", "4"] {
        // Each complaint is its own form: a form's token files one complaint only.
        let r = post(&[
            ("csrf", &csrf),
            ("ts", &older_token(&app, 10)),
            ("merchant", m),
            ("body", TEXT),
            ("category", "hygiene"),
            ("visited_on", day.as_str()),
        ]);
        assert_eq!(r.status().as_u16(), 303);
    }
    let r = post(&[
        ("csrf", &csrf),
        ("ts", &older_token(&app, 10)),
        ("merchant", "5"),
        ("body", TEXT),
        ("category", "hygiene"),
        ("visited_on", day.as_str()),
    ]);
    assert_eq!(r.status().as_u16(), 429);
    // Until midnight where the alliance is.
    let secs: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=24 * 3600).contains(&secs), "{secs}");
    let page = r.text().unwrap();
    assert!(page.contains("每人每天最多提交 3 条投诉"));
    assert!(page.contains("请在 ") && page.contains("后再试。"), "{page}");
    assert_eq!(complaint_count(&app), 3);

    // Unknown merchant.
    assert_eq!(app.get("/complaints/new?merchant=999").status().as_u16(), 404);
}

#[test]
fn a_merchant_receives_at_most_twenty_complaints_a_day() {
    let app = TestApp::spawn();
    let day = app.config.today().to_string();
    let now = chrono::Utc::now().naive_utc();
    for i in 0..20 {
        diesel::insert_into(complaints::table)
            .values((
                complaints::merchant_id.eq(6),
                complaints::body.eq(TEXT),
                complaints::client_hash.eq(format!("other-client-{i}")),
                complaints::status.eq("new"),
                complaints::created_at.eq(now),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let csrf = app.csrf("/complaints/new?merchant=6");
    let old = older_token(&app, 5);
    let r = app.post_form(
        "/complaints",
        &[
            ("csrf", &csrf),
            ("ts", &old),
            ("merchant", "6"),
            ("body", TEXT),
            ("category", "hygiene"),
            ("visited_on", day.as_str()),
        ],
    );
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.text().unwrap().contains("该商家今天已收到较多投诉"));
    let r = app.post_form(
        "/complaints",
        &[
            ("csrf", &csrf),
            ("ts", &old),
            ("merchant", "7"),
            ("body", TEXT),
            ("category", "hygiene"),
            ("visited_on", day.as_str()),
        ],
    );
    assert_eq!(r.status().as_u16(), 303, "other merchants are not affected");
}

/// Files a complaint about `merchant` as a fresh anonymous client; returns its id.
fn file_complaint(app: &TestApp, merchant: i32) -> i32 {
    let client = common::client();
    let day = app.config.today().to_string();
    let form = client
        .get(app.url(&format!("/complaints/new?merchant={merchant}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let csrf = common::extract_csrf(&form).unwrap();
    let old = older_token(app, 5);
    let m = merchant.to_string();
    let r = client
        .post(app.url("/complaints"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("ts", old.as_str()),
            ("merchant", m.as_str()),
            ("body", TEXT),
            ("category", "hygiene"),
            ("visited_on", day.as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    complaints::table
        .filter(complaints::merchant_id.eq(merchant))
        .select(diesel::dsl::max(complaints::id))
        .first::<Option<i32>>(&mut *app.conn())
        .unwrap()
        .unwrap()
}

/// (score tenths, complaints term points) from the public JSON record.
fn score(app: &TestApp, merchant: i32) -> (i64, Option<i64>) {
    let v: serde_json::Value = app
        .get(&format!("/api/v1/public/merchants/{merchant}"))
        .json()
        .unwrap();
    let s = v["rating"]["score_tenths"].as_i64().expect("rated");
    let term = v["rating"]["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "complaints")
        .map(|t| t["points_tenths"].as_i64().unwrap());
    (s, term)
}

fn status_of(app: &TestApp, id: i32) -> (String, Option<i32>, Option<String>) {
    complaints::table
        .find(id)
        .select((
            complaints::status,
            complaints::triaged_by,
            complaints::triage_note,
        ))
        .first(&mut *app.conn())
        .unwrap()
}

#[test]
fn inspectors_triage_and_verified_complaints_lower_the_score() {
    let app = TestApp::spawn();
    let verified = file_complaint(&app, 2);
    let dismissed = file_complaint(&app, 3);
    let (before2, term2) = score(&app, 2);
    let (before3, _) = score(&app, 3);
    assert_eq!(term2, None, "a new complaint does not count");

    // Anonymous: 401; a merchant: 403.
    let anon_csrf = app.csrf("/login");
    let r = app.post_form(
        &format!("/staff/complaints/{verified}/triage"),
        &[("csrf", &anon_csrf), ("decision", "verified")],
    );
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(app.get("/staff/complaints").status().as_u16(), 401);
    app.login("merchant", "gongzhi-demo");
    let csrf = app.csrf("/");
    let r = app.post_form(
        &format!("/staff/complaints/{verified}/triage"),
        &[("csrf", &csrf), ("decision", "verified")],
    );
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(app.get("/staff/complaints").status().as_u16(), 403);
    assert_eq!(status_of(&app, verified).0, "new");

    let inspector = common::client();
    let login = inspector.get(app.url("/login")).send().unwrap().text().unwrap();
    let csrf = common::extract_csrf(&login).unwrap();
    let r = inspector
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "inspector"),
            ("password", "gongzhi-demo"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let list = inspector.get(app.url("/staff/complaints")).send().unwrap();
    assert_eq!(list.status().as_u16(), 200);
    let list = list.text().unwrap();
    assert!(list.contains(TEXT) && list.contains("李记牛肉面"));
    let csrf = common::extract_csrf(&list).unwrap();
    let triage = |id: i32, fields: &[(&str, &str)]| {
        inspector
            .post(app.url(&format!("/staff/complaints/{id}/triage")))
            .form(fields)
            .send()
            .unwrap()
    };
    let r = triage(verified, &[("csrf", &csrf), ("decision", "maybe")]);
    assert_eq!(r.status().as_u16(), 422);
    let r = triage(
        verified,
        &[
            ("csrf", &csrf),
            ("decision", "verified"),
            ("note", "现场核实属实"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let r = triage(
        dismissed,
        &[("csrf", &csrf), ("decision", "dismissed"), ("note", "查无此事")],
    );
    assert_eq!(r.status().as_u16(), 303);
    let r = triage(verified, &[("csrf", &csrf), ("decision", "dismissed")]);
    assert_eq!(r.status().as_u16(), 422, "already triaged");
    assert_eq!(
        triage(999_999, &[("csrf", &csrf), ("decision", "verified")])
            .status()
            .as_u16(),
        404
    );

    let (st, by, note) = status_of(&app, verified);
    assert_eq!((st.as_str(), note.as_deref()), ("verified", Some("现场核实属实")));
    assert!(by.is_some());
    assert_eq!(status_of(&app, dismissed).0, "dismissed");

    let (after2, term2) = score(&app, 2);
    assert_eq!(term2, Some(-50), "one verified complaint: −5 points");
    assert!(after2 < before2, "{after2} < {before2}");
    let (after3, term3) = score(&app, 3);
    assert_eq!(
        (after3, term3),
        (before3, None),
        "a dismissed complaint does not count"
    );

    let n: i64 = audit_log::table
        .filter(audit_log::action.eq("complaint.triage"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 2);
    let list = inspector
        .get(app.url("/staff/complaints"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    // Both left the queue; the demo town's own waiting complaints are still in it.
    assert!(!list.contains(TEXT), "{list}");
    assert!(list.contains("包间的空调滴水"), "{list}");
}

// ---------------------------------------------------------------------------------------------
// Issue 14: the plaque check says where the merchant stands; complaints a consumer can follow.

/// What is left of an English page's `<main>` once the allowed names are taken out: it must hold
/// no Chinese.
fn chinese_in(en: &str, allowed: &[&str]) -> String {
    let mut main = en[en.find("<main").expect("a main element")..].to_string();
    for a in allowed {
        main = main.replace(a, "");
    }
    main.chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .collect()
}

/// A merchant on `list` now with its open entry: (id, name, entered on, reasons as stored).
fn on_list(app: &TestApp, list: &str) -> (i32, String, chrono::NaiveDate, String) {
    use gongzhi::db::schema::list_entries;
    merchants::table
        .inner_join(list_entries::table)
        .filter(merchants::current_list.eq(list))
        .filter(list_entries::list.eq(list))
        .filter(list_entries::left_on.is_null())
        .filter(merchants::status.eq("open"))
        .order(merchants::id.asc())
        .select((
            merchants::id,
            merchants::name,
            list_entries::entered_on,
            list_entries::entered_reason,
        ))
        .first(&mut *app.conn())
        .unwrap_or_else(|_| panic!("a merchant on the {list} list"))
}

fn last_inspection(app: &TestApp, id: i32) -> Option<chrono::NaiveDate> {
    use gongzhi::db::schema::inspections;
    inspections::table
        .filter(inspections::merchant_id.eq(id))
        .select(diesel::dsl::max(inspections::inspected_on))
        .first(&mut *app.conn())
        .unwrap()
}

#[test]
fn the_plaque_check_says_first_where_the_merchant_stands() {
    use gongzhi::domain::reasons::EnteredReasons;
    use gongzhi::i18n::{words, Lang};
    let app = TestApp::spawn();
    let check = |id: i32, lang: &str| {
        let (_, code) = plaque_code(&app, id);
        let (s, page) = app.get_text(&format!("/merchants/{id}/plaque/check?code={code}&lang={lang}"));
        assert_eq!(s, 200);
        page
    };

    // Black list: a warning in the dark box, with the date, the reasons and the last inspection,
    // before the plaque's own verdict, which is not green.
    let (id, name, since, reason) = on_list(&app, "black");
    let page = check(id, "zh");
    let standing = page
        .find("standing standing-black\" role=\"alert\"")
        .expect("the warning");
    let verdict = page.find("class=\"card verdict").unwrap();
    assert!(standing < verdict, "the standing comes first");
    assert!(
        page.contains(&format!(
            "警告：该商家自 {} 起被列入黑榜",
            words::long_date(since, Lang::Zh)
        )),
        "{page}"
    );
    let reasons = words::entered_reasons(&EnteredReasons::parse(&reason), Lang::Zh);
    assert!(!reasons.is_empty());
    assert!(page.contains(&format!("原因：{reasons}")), "{reasons}");
    let inspected = last_inspection(&app, id).expect("the black-listed merchant was inspected");
    assert!(page.contains(&format!(
        "最近一次检查：{}",
        words::long_date(inspected, Lang::Zh)
    )));
    assert!(
        page.contains("verdict-valid verdict-on-black"),
        "a genuine plaque, not green"
    );
    let en = check(id, "en");
    assert!(en.contains(&format!(
        "Warning: this shop is on the black list since {}",
        words::long_date(since, Lang::En)
    )));
    let reasons_en = words::entered_reasons(&EnteredReasons::parse(&reason), Lang::En);
    assert!(en.contains(&format!("Why: {reasons_en}")));
    assert!(en.contains(&format!(
        "Last inspection: {}",
        words::long_date(inspected, Lang::En)
    )));
    assert_eq!(chinese_in(&en, &[&name]), "", "Chinese on the English check page");

    // Red list: commended, in green.
    let (id, name, since, reason) = on_list(&app, "red");
    let page = check(id, "zh");
    assert!(page.contains("standing standing-red\""), "{page}");
    assert!(!page.contains("role=\"alert\""));
    assert!(page.contains(&format!(
        "红榜商家：自 {} 起受到表彰",
        words::long_date(since, Lang::Zh)
    )));
    let reasons = words::entered_reasons(&EnteredReasons::parse(&reason), Lang::Zh);
    assert!(page.contains(&format!("原因：{reasons}")));
    assert!(page.contains("verdict-valid\""));
    let en = check(id, "en");
    assert!(en.contains(&format!(
        "Commended: this shop is on the red list since {}",
        words::long_date(since, Lang::En)
    )));
    assert_eq!(chinese_in(&en, &[&name]), "");
    let css = app.get_text("/static/app.css").1;
    assert!(css.contains(".standing-black {") && css.contains(".standing-red {"));

    // On neither list: its stars in words.
    let (id, name, stars): (i32, String, Option<i32>) = merchants::table
        .filter(merchants::current_list.eq("none"))
        .filter(merchants::current_stars.is_not_null())
        .filter(merchants::status.eq("open"))
        .order(merchants::id.asc())
        .select((merchants::id, merchants::name, merchants::current_stars))
        .first(&mut *app.conn())
        .unwrap();
    let stars = stars.unwrap();
    let page = check(id, "zh");
    assert!(page.contains("standing standing-none\""));
    assert!(
        page.contains(&format!("当前评定：{stars} 星（满分 5 星）")),
        "{page}"
    );
    assert!(!page.contains("原因："));
    let en = check(id, "en");
    assert!(en.contains(&format!("Current rating: {stars} of 5 stars")));
    match last_inspection(&app, id) {
        Some(d) => assert!(en.contains(&format!("Last inspection: {}", words::long_date(d, Lang::En)))),
        None => assert!(en.contains("No inspection on record yet")),
    }
    assert_eq!(chinese_in(&en, &[&name]), "");

    // A forged plaque of a black-listed merchant still says the warning first.
    let (black, ..) = on_list(&app, "black");
    let (_, page) = app.get_text(&format!("/merchants/{black}/plaque/check?code=garbage&lang=zh"));
    assert!(page.contains("standing-black") && page.contains("标牌无法验证（可能伪造）"));
}

/// A JPEG whose EXIF block carries a GPS position, a comment, and a tiny scan.
fn jpeg_with_gps() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend([
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ]);
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    // One IFD entry: the GPS IFD pointer (tag 0x8825).
    exif.extend([0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x1a, 0, 0, 0, 0]);
    exif.extend(b"GPSLatitude 30.2741N GPSLongitude 120.1551E");
    let len = exif.len() + 2;
    j.extend([0xFF, 0xE1, (len >> 8) as u8, len as u8]);
    j.extend(exif);
    let comment = b"taken at home";
    j.extend([0xFF, 0xFE, 0, comment.len() as u8 + 2]);
    j.extend(comment);
    j.extend([0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
    j.extend([0x12, 0x34, 0x56, 0x78, 0xFF, 0xD9]);
    j
}

/// The complaint form as multipart, with an optional photo.
fn complaint_multipart(
    csrf: &str,
    ts: &str,
    merchant: &str,
    fields: &[(&str, &str)],
    photo: Option<(&str, Vec<u8>)>,
) -> reqwest::blocking::multipart::Form {
    let mut f = reqwest::blocking::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("ts", ts.to_string())
        .text("merchant", merchant.to_string())
        .text("website", "");
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    match photo {
        Some((name, bytes)) => f.part(
            "photo",
            reqwest::blocking::multipart::Part::bytes(bytes).file_name(name.to_string()),
        ),
        None => f,
    }
}

fn reference_in(page: &str) -> String {
    let i = page
        .find("class=\"reference\" translate=\"no\">")
        .expect("a reference")
        + 33;
    page[i..i + 11].to_string()
}

#[test]
fn a_complaint_with_category_visit_date_and_photo_can_be_followed_by_its_reference() {
    let app = TestApp::spawn();
    let (name, ..) = merchant(&app, 2);
    let today = app.config.today();
    let visit = (today - chrono::Duration::days(3)).to_string();
    let (s, form) = app.get_text("/complaints/new?merchant=2");
    assert_eq!(s, 200);
    for f in [
        "enctype=\"multipart/form-data\"",
        "<label for=\"category\">投诉类别</label>",
        "<select id=\"category\" name=\"category\" required",
        "<option value=\"food_safety\">食品质量与安全</option>",
        "<label for=\"visited_on\">消费日期</label>",
        &format!("max=\"{today}\""),
        "aria-describedby=\"visited_on-hint\"",
        "type=\"file\" accept=\"image/jpeg,image/png\"",
    ] {
        assert!(form.contains(f), "{f} missing from the form");
    }
    let csrf = common::extract_csrf(&form).unwrap();
    let r = app
        .client
        .post(app.url("/complaints"))
        .multipart(complaint_multipart(
            &csrf,
            &older_token(&app, 10),
            "2",
            &[
                ("body", TEXT),
                ("contact", "138 0000 0000"),
                ("category", "food_safety"),
                ("visited_on", &visit),
            ],
            Some(("IMG_0001.jpg", jpeg_with_gps())),
        ))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().unwrap_or_default());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (_, thanks) = app.get_text(&location);
    let reference = reference_in(&thanks);
    assert!(
        reference.starts_with("TS-") && reference.len() == 11,
        "{reference}"
    );
    assert!(thanks.contains(&format!("/complaints/status?ref={reference}")));

    // Stored with its details; the photo without its EXIF block or comment.
    let (id, category, visited, stored_ref, key, kind): (
        i32,
        String,
        Option<chrono::NaiveDate>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = complaints::table
        .order(complaints::id.desc())
        .select((
            complaints::id,
            complaints::category,
            complaints::visited_on,
            complaints::reference,
            complaints::photo_key,
            complaints::photo_type,
        ))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(category, "food_safety");
    assert_eq!(visited.unwrap().to_string(), visit);
    assert_eq!(stored_ref.as_deref(), Some(reference.as_str()));
    assert_eq!(kind.as_deref(), Some("image/jpeg"));
    let bytes = std::fs::read(app.config.upload_dir.join(key.unwrap())).unwrap();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]));
    assert!(!has(b"Exif") && !has(b"GPSLatitude") && !has(b"taken at home"));
    assert!(
        has(&[0x12, 0x34, 0x56, 0x78, 0xFF, 0xD9]),
        "the image data is kept"
    );

    // The status page: no personal data, in both languages.
    let status = |r: &str, lang: &str| app.get_text(&format!("/complaints/status?ref={r}&lang={lang}"));
    let (s, page) = status(&reference, "zh");
    assert_eq!(s, 200);
    for shown in [
        reference.as_str(),
        "已收到，等待核实",
        name.as_str(),
        "食品质量与安全",
        visit.as_str(),
    ] {
        assert!(page.contains(shown), "{shown} missing from the status page");
    }
    for private in [TEXT, "138 0000", "/staff/complaints", "photo"] {
        assert!(!page.contains(private), "the status page shows {private}");
    }
    // Typed loosely: lower case, spaces, no prefix.
    let loose = format!(" {} ", reference[3..].to_lowercase());
    assert_eq!(status(&loose, "zh").0, 200);
    let (_, en) = status(&reference, "en");
    assert!(en.contains("Received, waiting to be checked") && en.contains("Food quality and safety"));
    assert_eq!(
        chinese_in(&en, &[&name]),
        "",
        "Chinese on the English status page"
    );
    app.get("/?lang=zh");
    let (s, page) = status("TS-22222222", "zh");
    assert_eq!(s, 404);
    assert!(page.contains("没有找到这个编号的投诉"));
    assert_eq!(status("nonsense", "zh").0, 404);
    assert_eq!(status("", "zh").0, 200, "an empty form to type a reference in");
    app.get("/?lang=zh");

    // The photo is for staff only.
    assert_eq!(
        app.get(&format!("/staff/complaints/{id}/photo"))
            .status()
            .as_u16(),
        401
    );
    let staff = common::client();
    let login = staff.get(app.url("/login")).send().unwrap().text().unwrap();
    staff
        .post(app.url("/login"))
        .form(&[
            ("csrf", common::extract_csrf(&login).unwrap().as_str()),
            ("username", "inspector"),
            ("password", "gongzhi-demo"),
        ])
        .send()
        .unwrap();
    let r = staff
        .get(app.url(&format!("/staff/complaints/{id}/photo")))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().unwrap().to_vec(), bytes);
    let triage = staff
        .get(app.url("/staff/complaints"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let card = &triage[triage.find(&format!("id=\"complaint-{id}\"")).unwrap()..];
    let card = &card[..card.find("</section>").unwrap()];
    assert!(card.contains("食品质量与安全") && card.contains(&visit), "{card}");
    assert!(card.contains(&format!("src=\"/staff/complaints/{id}/photo\"")));

    // After the triage: verified; and a second one dismissed.
    let csrf = common::extract_csrf(&triage).unwrap();
    let decide = |id: i32, decision: &str| {
        let r = staff
            .post(app.url(&format!("/staff/complaints/{id}/triage")))
            .form(&[("csrf", csrf.as_str()), ("decision", decision)])
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
    };
    decide(id, "verified");
    let (_, page) = status(&reference, "zh");
    assert!(
        page.contains("已核实，情况属实") && page.contains("处理日期"),
        "{page}"
    );
    let (_, en) = status(&reference, "en");
    assert!(en.contains("Checked: verified"));
    app.get("/?lang=zh");
    let other = file_complaint(&app, 3);
    let other_ref: String = complaints::table
        .find(other)
        .select(complaints::reference.assume_not_null())
        .first(&mut *app.conn())
        .unwrap();
    assert!(status(&other_ref, "zh").1.contains("已收到，等待核实"));
    decide(other, "dismissed");
    let (_, page) = status(&other_ref, "zh");
    assert!(page.contains("已处理，未能核实"));
    assert!(!page.contains(TEXT));
    assert!(status(&other_ref, "en").1.contains("Checked: dismissed"));
}

#[test]
fn a_bad_category_date_or_photo_is_refused_in_both_languages() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let csrf = app.csrf("/complaints/new?merchant=4");
    // Each case about another merchant: the throttle allows ten posts per merchant at once.
    let send = |lang: &str, m: &str, fields: &[(&str, &str)], photo: Option<(&str, Vec<u8>)>| {
        let r = app
            .client
            .post(app.url(&format!("/complaints?lang={lang}")))
            .multipart(complaint_multipart(
                &csrf,
                &older_token(&app, 10),
                m,
                fields,
                photo,
            ))
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let ok_day = today.to_string();
    let future = (today + chrono::Duration::days(1)).to_string();
    let old = (today - chrono::Duration::days(91)).to_string();
    let gif = b"GIF89a\x01\x00\x01\x00".to_vec();
    let mut large = jpeg_with_gps();
    large.resize(5 * 1024 * 1024 + 10, 0);
    /// (fields, photo, the field in error, its message in Chinese, in English)
    type Case<'a> = (
        Vec<(&'a str, &'a str)>,
        Option<(&'a str, Vec<u8>)>,
        &'a str,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            vec![("category", "noise"), ("visited_on", &ok_day)],
            None,
            "category",
            "请选择投诉类别",
            "Choose what the complaint is about",
        ),
        (
            vec![("category", "service"), ("visited_on", "")],
            None,
            "visited_on",
            "请填写消费日期",
            "Enter the date of your visit",
        ),
        (
            vec![("category", "service"), ("visited_on", &future)],
            None,
            "visited_on",
            "消费日期不能晚于今天",
            "cannot be after today",
        ),
        (
            vec![("category", "service"), ("visited_on", &old)],
            None,
            "visited_on",
            "消费日期不能早于 90 天前",
            "cannot be more than 90 days ago",
        ),
        (
            vec![("category", "service"), ("visited_on", &ok_day)],
            Some(("a.gif", gif)),
            "photo",
            "照片须为 JPEG 或 PNG 图片",
            "must be a JPEG or PNG image",
        ),
        (
            vec![("category", "service"), ("visited_on", &ok_day)],
            Some(("big.jpg", large)),
            "photo",
            "照片不能超过 5 MB",
            "at most 5 MB",
        ),
    ];
    for (i, (fields, photo, field, zh, en)) in cases.into_iter().enumerate() {
        let m = (4 + i).to_string();
        let mut all = fields.clone();
        all.push(("body", TEXT));
        let (s, page) = send("zh", &m, &all, photo.clone());
        assert_eq!(s, 422, "{field}: {zh}");
        assert!(page.contains(zh), "{zh} missing: {page}");
        // The message is beside its field and the field points to it.
        assert!(page.contains(&format!("id=\"{field}-error\"")), "{field}");
        assert!(page.contains("aria-invalid=\"true\""));
        assert!(
            page.contains(&format!("href=\"#{field}\"")),
            "the summary links to the field"
        );
        let (s, page) = send("en", &m, &all, photo);
        assert_eq!(s, 422);
        assert!(page.contains(en), "{en} missing: {page}");
        assert_eq!(chinese_in(&page, &[&merchant(&app, 4 + i as i32).0, TEXT]), "");
        app.get("/?lang=zh");
    }
    assert_eq!(complaint_count(&app), 0);
}

#[test]
fn a_form_sent_too_fast_or_too_often_says_when_to_try_again() {
    let app = TestApp::spawn();
    let day = app.config.today().to_string();
    let csrf = app.csrf("/complaints/new?merchant=5");
    let fresh = form_token(&secret(&app), chrono::Utc::now().timestamp());
    let fields = |ts: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("ts".into(), ts.to_string()),
            ("merchant".into(), "5".into()),
            ("body".into(), TEXT.into()),
            ("category".into(), "prices".into()),
            ("visited_on".into(), day.clone()),
        ]
    };
    let r = app
        .client
        .post(app.url("/complaints?lang=en"))
        .form(&fields(&fresh))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3).contains(&wait), "{wait}");
    let page = r.text().unwrap();
    let second = if wait == 1 { "second" } else { "seconds" };
    assert!(
        page.contains(&format!("Please send it again in {wait} {second}")),
        "{page}"
    );

    // The per-address-and-merchant throttle: ten posts, then "try again in 10 minutes".
    let bad = |lang: &str| {
        app.client
            .post(app.url(&format!("/complaints?lang={lang}")))
            .form(&[("csrf", csrf.as_str()), ("merchant", "5"), ("body", "x")])
            .send()
            .unwrap()
    };
    for _ in 0..9 {
        assert_eq!(bad("en").status().as_u16(), 422);
    }
    let r = bad("en");
    assert_eq!(r.status().as_u16(), 429);
    let secs: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((500..=600).contains(&secs), "{secs}");
    let page = r.text().unwrap();
    assert!(page.contains("Please try again in 10 minutes."), "{page}");
    assert_eq!(chinese_in(&page, &[]), "");
    let r = bad("zh");
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.text().unwrap().contains("请在 10 分钟后再试。"));
}
