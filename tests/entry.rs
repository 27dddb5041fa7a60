//! Branch entry (issue 16): the formal notice's A4 print page (content and who may see it), the
//! committee picking merchants by name (rewards, attendance), a training's hours bounded by its
//! day, confirmations and badges after each decision, and the audit log in words with local
//! times, linked names and the change as before → after rows.

mod common;

use chrono::TimeZone;
use common::web_client::{add_merchant_user, location, Browser};
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{audit_log, merchants, outbox, rewards};

/// The demo merchant account's shop.
const MERCHANT: i64 = 1;
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00,
    0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01,
    0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The merchant `b` answers notice `id` with `body` and a photo.
fn answer(b: &Browser, id: i32, body: &str) {
    let path = format!("/my/notices/{id}");
    let csrf = b.csrf(&path);
    let form = reqwest::blocking::multipart::Form::new()
        .text("csrf", csrf)
        .text("body", body.to_string())
        .part(
            "photos",
            reqwest::blocking::multipart::Part::bytes(PNG.to_vec())
                .file_name("a.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let r = b.post_multipart(&format!("{path}/answer"), form);
    assert_eq!(r.status().as_u16(), 303, "answered");
}

/// Logs an inspection of `merchant` with one violation (with its legal basis) through the API
/// and issues a notice for it through the inspector's form; returns the notice's id.
fn issue_notice(app: &TestApp, inspector: &Browser, merchant: i64) -> i32 {
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "inspector", "password": "gongzhi-demo"}))
        .send()
        .unwrap();
    let tok = r.json::<serde_json::Value>().unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .client
        .post(app.url("/api/v1/inspections"))
        .bearer_auth(tok)
        .json(&serde_json::json!({
            "merchant_id": merchant,
            "inspected_on": app.config.today().to_string(),
            "kind": "routine",
            "deductions": [{"code": "C03", "points": 6}],
            "violations": [{"code": "V201", "severity": "major", "description": "从业人员未取得有效健康证明",
                             "legal_basis": "食品安全法第四十五条", "fine_fen": 0}],
            "notes": ""
        }))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: serde_json::Value = r.json().unwrap();
    let inspection = v["inspection"]["id"].as_i64().unwrap();
    let violation = v["inspection"]["violations"][0]["id"].as_i64().unwrap();
    let path = format!("/staff/inspections/{inspection}/notice");
    let csrf = inspector.csrf(&path);
    let deadline = (app.config.today() + chrono::Duration::days(14)).to_string();
    let r = inspector.post(
        &path,
        &[
            ("csrf", csrf.as_str()),
            ("violation_ids", &violation.to_string()),
            ("required_actions", "全部从业人员办理健康证明并上墙公示"),
            ("deadline", &deadline),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    location(&r)
        .trim_start_matches("/staff/notices/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn merchant_name(app: &TestApp, id: i32) -> String {
    merchants::table
        .find(id)
        .select(merchants::name)
        .first(&mut *app.conn())
        .unwrap()
}

#[test]
fn the_formal_notice_prints_on_a4_for_staff_and_its_merchant_only() {
    let app = TestApp::spawn();
    let inspector = Browser::login(&app, "inspector");
    let id = issue_notice(&app, &inspector, MERCHANT);
    let (number, deadline): (String, chrono::NaiveDate) = gongzhi::db::schema::notices::table
        .find(id)
        .select((
            gongzhi::db::schema::notices::number,
            gongzhi::db::schema::notices::deadline,
        ))
        .first(&mut *app.conn())
        .unwrap();
    let name = merchant_name(&app, MERCHANT as i32);

    // The staff notice page links the print page; the print page is the whole document.
    let (_, show) = inspector.get(&format!("/staff/notices/{id}"));
    assert!(
        show.contains(&format!("href=\"/staff/notices/{id}/print\"")),
        "{show}"
    );
    let (s, doc) = inspector.get(&format!("/staff/notices/{id}/print"));
    assert_eq!(s, 200);
    for want in [
        "整改通知书",
        number.as_str(),
        name.as_str(),
        "V201",
        "从业人员未取得有效健康证明",
        "食品安全法第四十五条",
        "全部从业人员办理健康证明并上墙公示",
        "检查员签名",
        "商家负责人签收",
        "盖章",
        "/static/notice-print.css",
        &format!("/my/notices/{id}"),
    ] {
        assert!(doc.contains(want), "print page lacks {want}: {doc}");
    }
    let long = gongzhi::i18n::words::long_date(deadline, gongzhi::i18n::Lang::Zh);
    assert!(doc.contains(&long), "deadline {long}");
    // The stylesheet is served, A4.
    let (s, css) = inspector.get("/static/notice-print.css");
    assert_eq!(s, 200);
    assert!(css.contains("A4"));

    // In English, wholly (names and typed text aside).
    let (_, en) = inspector.get(&format!("/staff/notices/{id}/print?in=en"));
    assert!(en.contains("Rectification notice") && en.contains("Inspector&#39;s signature"));
    assert!(en.contains("lang=\"en\"") && !en.contains("检查员签名"));

    // The merchant sees its own, linked from its notice page; the email carries the link.
    let merchant = Browser::login(&app, "merchant");
    let (_, portal) = merchant.get(&format!("/my/notices/{id}"));
    assert!(portal.contains(&format!("href=\"/my/notices/{id}/print\"")));
    let (s, mine) = merchant.get(&format!("/my/notices/{id}/print"));
    assert_eq!(s, 200);
    assert!(mine.contains(&number) && mine.contains("食品安全法第四十五条"));
    let bodies: Vec<String> = outbox::table
        .filter(outbox::notice_id.eq(id))
        .filter(outbox::kind.eq("notice.issued"))
        .select(outbox::body_text)
        .load(&mut *app.conn())
        .unwrap();
    assert!(
        bodies[0].contains(&format!("/my/notices/{id}/print")),
        "{}",
        bodies[0]
    );

    // Another merchant gets a 404; a visitor must log in; the merchant's language is the default.
    add_merchant_user(&app, "other_shop", 2, "zh-CN");
    let other = Browser::login(&app, "other_shop");
    assert_eq!(other.get(&format!("/my/notices/{id}/print")).0, 404);
    assert_eq!(other.get(&format!("/staff/notices/{id}/print")).0, 403);
    let visitor = Browser::anonymous(&app);
    assert!(matches!(
        visitor.get(&format!("/staff/notices/{id}/print")).0,
        401 | 303
    ));
    assert_eq!(inspector.get("/staff/notices/999999/print").0, 404);
    let english_shop = issue_notice(&app, &inspector, 3);
    add_merchant_user(&app, "english_shop", 3, "en");
    let (_, doc) = inspector.get(&format!("/staff/notices/{english_shop}/print"));
    assert!(
        doc.contains("Rectification notice"),
        "the merchant's language by default"
    );
}

#[test]
fn rewards_and_attendance_pick_merchants_by_name_with_confirmations() {
    let app = TestApp::spawn();
    app.login("committee", "gongzhi-demo");
    let name = merchant_name(&app, 2);
    let part: String = name.chars().take(2).collect();

    // No raw id field; a search lists matching merchants to choose.
    let (_, page) = app.get_text("/staff/rewards");
    assert!(!page.contains("inputmode=\"numeric\""), "no raw id box");
    assert!(!page.contains("type=\"radio\" name=\"merchant_id\""));
    let q: String = url::form_urlencoded::byte_serialize(part.as_bytes()).collect();
    let (_, page) = app.get_text(&format!("/staff/rewards?q={q}"));
    assert!(
        page.contains("type=\"radio\" name=\"merchant_id\" value=\"2\""),
        "{page}"
    );
    let (_, page) = app.get_text("/staff/rewards?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E5%BA%97zz");
    assert!(page.contains("没有找到"));

    let csrf = app.csrf("/staff/rewards");
    let today = app.config.today().to_string();
    // Without a merchant chosen: a clear 422.
    let r = app.post_form(
        "/staff/rewards",
        &[
            ("csrf", &csrf),
            ("amount", "100"),
            ("reason", "表彰"),
            ("granted_on", &today),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("请选择商家"));
    let r = app.post_form(
        "/staff/rewards",
        &[
            ("csrf", &csrf),
            ("merchant_id", "2"),
            ("amount", "500"),
            ("reason", "热心公益"),
            ("granted_on", &today),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let to = location(&r);
    let id: i32 = rewards::table
        .order(rewards::id.desc())
        .select(rewards::id)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(to, format!("/staff/rewards?granted={id}"));
    let (_, page) = app.get_text(&to);
    assert!(
        page.contains("id=\"confirmation\"") && page.contains("已发放奖励") && page.contains(&name),
        "{page}"
    );

    // Attendance: the walk-ins narrow to the search, and the save is confirmed.
    let csrf = app.csrf("/staff/trainings");
    let r = app.post_form(
        "/staff/trainings",
        &[
            ("csrf", &csrf),
            ("title", "餐具消毒培训"),
            ("held_on", &today),
            ("hours", "2"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let training = location(&r);
    let (_, page) = app.get_text(&format!("{training}?q={q}"));
    assert!(page.contains("name=\"merchant\" value=\"2\""), "{page}");
    let everyone = app.get_text(&training).1.matches("name=\"merchant\"").count();
    let found = page.matches("name=\"merchant\"").count();
    assert!(
        found < everyone,
        "the search narrows the list ({found} of {everyone})"
    );
    let csrf = common::extract_csrf(&page).unwrap();
    let r = app.post_form(
        &format!("{training}/attendance"),
        &[("csrf", &csrf), ("merchant", "2")],
    );
    assert_eq!(r.status().as_u16(), 303);
    let to = location(&r);
    assert!(to.ends_with("?recorded=1"), "{to}");
    let (_, page) = app.get_text(&to);
    assert!(page.contains("已登记 1 家商家出勤"), "{page}");
    let (_, page) = app.get_text(&format!("{to}&lang=en"));
    assert!(page.contains("Attendance recorded for one merchant"), "{page}");
}

#[test]
fn a_trainings_hours_must_fit_its_day() {
    let app = TestApp::spawn();
    app.login("committee", "gongzhi-demo");
    let csrf = app.csrf("/staff/trainings");
    let today = app.config.today().to_string();
    let post = |hours: &str, starts: &str| {
        app.post_form(
            "/staff/trainings",
            &[
                ("csrf", &csrf),
                ("title", "夜间培训"),
                ("held_on", &today),
                ("hours", hours),
                ("starts_at", starts),
            ],
        )
    };
    for bad in ["0", "-1", "25", "abc"] {
        assert_eq!(post(bad, "").status().as_u16(), 422, "{bad} hours");
    }
    let r = post("8", "20:00");
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(
        body.contains("培训从 20:00 开始，当天最多还有 4.0 学时"),
        "{body}"
    );
    assert_eq!(post("4", "20:00").status().as_u16(), 303);
    assert_eq!(post("8", "").status().as_u16(), 303);
    // The API keeps the same rule.
    let tok = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "committee", "password": "gongzhi-demo"}))
        .send()
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .client
        .post(app.url("/api/v1/trainings"))
        .bearer_auth(tok)
        .json(&serde_json::json!({"title": "x", "held_on": today, "hours": "5", "starts_at": "22:30"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
}

#[test]
fn decisions_are_confirmed_and_badges_say_what_happened() {
    let app = TestApp::spawn();
    let inspector = Browser::login(&app, "inspector");
    let merchant = Browser::login(&app, "merchant");
    let id = issue_notice(&app, &inspector, MERCHANT);
    answer(&merchant, id, "已办理健康证。");
    let decide = format!("/staff/notices/{id}/decide");
    let csrf = inspector.csrf(&format!("/staff/notices/{id}"));
    let r = inspector.post(
        &decide,
        &[
            ("csrf", csrf.as_str()),
            ("decision", "reject"),
            ("reason", "照片看不清"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let to = location(&r);
    assert!(to.contains("decided=rejected"), "{to}");
    let (_, page) = inspector.get(&to);
    assert!(
        page.contains("id=\"confirmation\"")
            && page.contains("已退回整改")
            && page.contains("已发邮件告知商家"),
        "{page}"
    );
    assert!(page.contains(">退回整改</span>"), "badge: {page}");
    let (_, page) = inspector.get(&format!("{to}&lang=en"));
    assert!(page.contains("Sent back for rectification"));
    // The notice list says the same in the notice's row.
    let (_, list) = inspector.get("/staff/notices?lang=zh-CN");
    let row = &list[list.find(&format!("href=\"/staff/notices/{id}\"")).expect("row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains(">退回整改</span>"), "{row}");
    let (_, portal) = merchant.get(&format!("/my/notices/{id}"));
    assert!(portal.contains(">退回整改</span>"), "{portal}");

    answer(&merchant, id, "重新拍了照片。");
    let csrf = inspector.csrf(&format!("/staff/notices/{id}"));
    let r = inspector.post(
        &decide,
        &[("csrf", csrf.as_str()), ("decision", "accept"), ("reason", "")],
    );
    let to = location(&r);
    assert!(to.contains("decided=accepted"));
    let (_, page) = inspector.get(&to);
    assert!(
        page.contains("已验收通过") && page.contains(">已通过验收</span>"),
        "{page}"
    );
    // The history says it in words (the codes stay in attributes for tools).
    assert!(
        page.contains("整改验收通过") && page.contains("签发整改通知"),
        "{page}"
    );
}

#[test]
fn the_audit_log_speaks_words_with_local_times_names_and_changes() {
    let app = TestApp::spawn();
    app.login("admin", "gongzhi-demo");
    let (s, page) = app.get_text("/staff/audit?action=merchant.create");
    assert_eq!(s, 200);
    let (at, mid): (chrono::NaiveDateTime, Option<String>) = audit_log::table
        .filter(audit_log::action.eq("merchant.create"))
        .order(audit_log::id.desc())
        .select((audit_log::at, audit_log::entity_id))
        .first(&mut *app.conn())
        .unwrap();
    let local = app
        .config
        .time_zone
        .from_utc_datetime(&at)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    assert!(page.contains(&local), "local time {local}");
    assert!(!page.contains("UTC"), "no UTC on the page");
    let mid: i32 = mid.unwrap().parse().unwrap();
    let name = merchant_name(&app, mid);
    assert!(
        page.contains(&format!(
            "<a href=\"/staff/merchants/{mid}/edit\"><span translate=\"no\">{name}</span></a>"
        )),
        "linked name: {page}"
    );
    assert!(
        page.contains("新增商家") && page.contains("系统（演示数据）"),
        "{page}"
    );
    assert!(!page.contains(">merchant.create<") && !page.contains(">system:demo<"));
    assert!(page.contains("class=\"audit-diff\""), "{page}");
    let (_, en) = app.get_text("/staff/audit?action=merchant.create&lang=en");
    assert!(en.contains("Merchant added") && en.contains("System (demo data)"));
    app.get_text("/staff/audit?lang=zh-CN");

    // A change shows before → after.
    let csrf = app.csrf("/staff/users");
    let uid: i32 = gongzhi::db::schema::users::table
        .filter(gongzhi::db::schema::users::username.eq("inspector"))
        .select(gongzhi::db::schema::users::id)
        .first(&mut *app.conn())
        .unwrap();
    let r = app.post_form(
        &format!("/staff/users/{uid}/active"),
        &[("csrf", &csrf), ("active", "false")],
    );
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    let (_, page) = app.get_text("/staff/audit?action=user.set_active");
    assert!(page.contains("启用/停用用户"), "{page}");
    assert!(
        page.contains(
            "<code translate=\"no\">active</code>: <del translate=\"no\">true</del> → <ins translate=\"no\">false</ins>"
        ),
        "{page}"
    );
}
