//! Inspectors log and correct inspections on the phone form and through the JSON API; the
//! committee reads them; merchants and visitors cannot.

mod common;

use chrono::Duration;
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{audit_log, inspection_items, inspections, merchants, violations};

/// 老王家常菜馆: a good demo merchant with only a minor violation, so one serious violation moves it.
const MERCHANT: i32 = 1;

/// A second logged-in browser against the same app.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::blocking::Client,
}

impl<'a> Browser<'a> {
    fn login(app: &'a TestApp, user: &str, password: &str) -> Self {
        let client = common::client();
        let body = client.get(app.url("/login")).send().unwrap().text().unwrap();
        let csrf = common::extract_csrf(&body).unwrap();
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", user),
                ("password", password),
            ])
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "log-in as {user}");
        Browser { app, client }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(self.app.url(path)).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    fn csrf(&self, path: &str) -> String {
        common::extract_csrf(&self.get(path).1).unwrap()
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
        self.client.post(self.app.url(path)).form(form).send().unwrap()
    }
}

/// The form an inspector fills in: two deductions and one serious violation with a fine.
fn serious_form(csrf: &str, date: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.to_string()),
        ("merchant_id", MERCHANT.to_string()),
        ("inspected_on", date.to_string()),
        ("kind", "routine".into()),
        ("d_C01", "3".into()),
        ("d_C04", "5".into()),
        ("d_C02", "".into()),
        ("v0_id", "".into()),
        ("v0_code", "V301".into()),
        ("v0_severity", "serious".into()),
        ("v0_description", "使用超过保质期的食品原料".into()),
        ("v0_legal_basis", "《中华人民共和国食品安全法》第三十四条".into()),
        ("v0_fine", "200.50".into()),
        ("v1_code", "".into()),
        ("v1_severity", "".into()),
        ("notes", "后厨冷库检查".into()),
        // These tests log the same merchant more than once a day on purpose.
        ("confirm_same_day", "1".into()),
    ]
}

fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn with(form: &[(&'static str, String)], key: &'static str, value: &str) -> Vec<(&'static str, String)> {
    let mut f: Vec<_> = form.iter().filter(|(k, _)| *k != key).cloned().collect();
    f.push((key, value.to_string()));
    f
}

/// Logs the standard inspection as `browser` and returns its id.
fn log_one(b: &Browser<'_>, today: &str) -> i32 {
    let csrf = b.csrf(&format!("/staff/inspections/new?merchant={MERCHANT}"));
    let r = b.post("/staff/inspections", &pairs(&serious_form(&csrf, today)));
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    location
        .strip_prefix("/staff/inspections/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("unexpected redirect {location}"))
}

fn counts(app: &TestApp) -> (i64, i64, i64, i64) {
    let mut c = app.conn();
    (
        inspections::table.count().get_result(&mut *c).unwrap(),
        inspection_items::table.count().get_result(&mut *c).unwrap(),
        violations::table.count().get_result(&mut *c).unwrap(),
        audit_log::table.count().get_result(&mut *c).unwrap(),
    )
}

fn token(app: &TestApp, user: &str, password: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "token for {user}");
    let v: serde_json::Value = r.json().unwrap();
    v["token"].as_str().unwrap().to_string()
}

fn add_inspector(app: &TestApp, name: &str) {
    let mut c = app.conn();
    gongzhi::services::users::add_user(
        &mut c,
        &gongzhi::db::models::audit::Actor::system("test"),
        &gongzhi::services::users::UserSpec {
            username: name,
            password: "another-inspector",
            role: "inspector",
            merchant_id: None,
            display_name: "第二检查员",
            email: "",
        },
    )
    .unwrap();
}

fn age_inspection(app: &TestApp, id: i32, hours: i64) {
    let mut c = app.conn();
    let created: chrono::NaiveDateTime = inspections::table
        .find(id)
        .select(inspections::created_at)
        .first(&mut *c)
        .unwrap();
    diesel::update(inspections::table.find(id))
        .set(inspections::created_at.eq(created - Duration::hours(hours)))
        .execute(&mut *c)
        .unwrap();
}

#[test]
fn inspector_logs_an_inspection_on_the_phone_form_and_sees_the_merchant_move_to_the_black_list() {
    let app = TestApp::spawn();
    let today = app.config.today().to_string();
    let inspector = Browser::login(&app, "inspector", "gongzhi-demo");

    // The picker finds the merchant by name and links to the form.
    let (s, list) = inspector.get("/staff/inspections?q=老王");
    assert_eq!(s, 200);
    assert!(list.contains("/staff/inspections/new?merchant=1"), "{list}");
    assert!(list.contains("老王家常菜馆"));

    let (s, form) = inspector.get("/staff/inspections/new?merchant=1");
    assert_eq!(s, 200);
    assert!(form.contains("老王家常菜馆"));
    assert!(form.contains(&format!("value=\"{today}\"")), "dated today");
    assert!(form.contains("inputmode=\"numeric\""));
    assert!(
        form.contains("证照公示") && form.contains("name=\"d_C10\""),
        "the active checklist"
    );
    for label in ["日常", "复查", "投诉", "自查", "一般", "较重", "严重"] {
        assert!(form.contains(label), "{label}");
    }
    assert!(form.contains("<label for=\"inspected_on\">"), "labels on inputs");
    assert!(form.contains("name=\"d_C01\" type=\"number\" inputmode=\"numeric\" pattern=\"[0-9]*\" min=\"0\" max=\"8\" step=\"1\" value=\"\" placeholder=\"0\""), "deductions default to full marks (an empty box), not a typed 0");

    let (before, _, _, _) = counts(&app);
    let id = log_one(&inspector, &today);
    assert_eq!(counts(&app).0, before + 1);

    let (s, page) = inspector.get(&format!("/staff/inspections/{id}"));
    assert_eq!(s, 200);
    assert!(
        page.contains("本次检查得分") && page.contains(">92<"),
        "score 100 − 3 − 5"
    );
    assert!(page.contains("黑榜"), "moved to the black list");
    assert!(page.contains("→"), "before → after");
    assert!(page.contains("严重违规"), "the breakdown term");
    assert!(page.contains("200.50"), "the fine in yuan");
    assert!(
        page.contains(&format!("/staff/inspections/{id}/edit")),
        "editable by its inspector"
    );

    let mut c = app.conn();
    let (list, stars): (String, Option<i32>) = merchants::table
        .find(MERCHANT)
        .select((merchants::current_list, merchants::current_stars))
        .first(&mut *c)
        .unwrap();
    assert_eq!(list, "black");
    assert!(page.contains(&format!("{}星", stars.unwrap())), "the new stars");
    let fine: i64 = violations::table
        .filter(violations::inspection_id.eq(id))
        .select(violations::fine_fen)
        .first(&mut *c)
        .unwrap();
    assert_eq!(fine, 20050, "200.50 yuan stored exactly as fen");
    let found_on: chrono::NaiveDate = violations::table
        .filter(violations::inspection_id.eq(id))
        .select(violations::found_on)
        .first(&mut *c)
        .unwrap();
    assert_eq!(found_on.to_string(), today);
    let items: i64 = inspection_items::table
        .filter(inspection_items::inspection_id.eq(id))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(items, 2, "only the non-zero deductions");
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::action.eq_any(["inspection.create", "violation.create", "rating.change"]))
        .filter(audit_log::actor_label.eq("inspector"))
        .select(audit_log::action)
        .load(&mut *c)
        .unwrap();
    assert_eq!(actions.len(), 3, "{actions:?}");

    // The recent list shows it; English works too.
    let (_, list) = inspector.get("/staff/inspections");
    assert!(list.contains(&format!("/staff/inspections/{id}")));
    let (_, en) = inspector.get(&format!("/staff/inspections/{id}?lang=en"));
    assert!(en.contains("Inspection score") && en.contains("Black list"));
}

#[test]
fn bad_input_comes_back_with_chinese_field_messages_and_nothing_is_written() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let inspector = Browser::login(&app, "inspector", "gongzhi-demo");
    let csrf = inspector.csrf("/staff/inspections/new?merchant=1");
    let good = serious_form(&csrf, &today.to_string());
    let tomorrow = (today + Duration::days(1)).to_string();
    let cases: Vec<(Vec<(&'static str, String)>, &str)> = vec![
        (with(&good, "d_C01", "9"), "C01 的扣分应在 0 到 8 分之间"),
        (with(&good, "d_X99", "1"), "检查表中没有“X99”这一项"),
        (with(&good, "d_C03", "两分"), "C03 的扣分应为整数"),
        (with(&good, "inspected_on", &tomorrow), "检查日期不能晚于今天"),
        (with(&good, "inspected_on", "1999-12-31"), "不能早于 2000 年"),
        (with(&good, "inspected_on", "31/12/2025"), "日期格式"),
        (with(&good, "v0_fine", "12.345"), "最多两位小数"),
        (with(&good, "v0_fine", "-5"), "罚款金额应为数字"),
        (with(&good, "v0_severity", "catastrophic"), "请选择严重程度"),
        (with(&good, "v0_description", ""), "请描述违规情况"),
        (with(&good, "kind", "weekly"), "请选择检查类型"),
        (with(&good, "merchant_id", ""), "请选择商家"),
        (with(&good, "merchant_id", "99999"), "没有这个商家"),
        (with(&good, "merchant_id", "abc"), "商家编号无效"),
    ];
    let before = counts(&app);
    for (form, message) in &cases {
        let r = inspector.post("/staff/inspections", &pairs(form));
        assert_eq!(r.status().as_u16(), 422, "{message}");
        let body = r.text().unwrap();
        assert!(body.contains(message), "expected “{message}” in the form");
        assert!(body.contains("请修改以下内容"), "the summary");
        assert!(
            body.contains("使用超过保质期的食品原料") || message.contains("描述"),
            "the form keeps what was typed"
        );
        assert!(
            body.contains("name=\"csrf\""),
            "the form comes back, ready to resend"
        );
    }
    // Several problems at once are all reported.
    let mut many = with(&good, "d_C01", "9");
    many = with(&many, "v0_severity", "");
    let r = inspector.post("/staff/inspections", &pairs(&many));
    let body = r.text().unwrap();
    assert!(body.contains("C01 的扣分") && body.contains("请选择严重程度"));
    assert_eq!(counts(&app), before, "nothing written for bad input");

    // Without the form's token nothing happens either.
    let r = inspector.post("/staff/inspections", &pairs(&with(&good, "csrf", "forged")));
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(counts(&app), before);
}

#[test]
fn only_its_inspector_edits_an_inspection_and_only_within_24_hours() {
    let app = TestApp::spawn();
    let today = app.config.today().to_string();
    let inspector = Browser::login(&app, "inspector", "gongzhi-demo");
    let id = log_one(&inspector, &today);
    let edit = format!("/staff/inspections/{id}/edit");

    let (s, form) = inspector.get(&edit);
    assert_eq!(s, 200);
    assert!(form.contains("修改检查记录"));
    assert!(form.contains("使用超过保质期的食品原料") && form.contains("value=\"200.50\""));
    let vid: i32 = {
        let mut c = app.conn();
        violations::table
            .filter(violations::inspection_id.eq(id))
            .select(violations::id)
            .first(&mut *c)
            .unwrap()
    };
    assert!(form.contains(&format!("name=\"v0_id\" value=\"{vid}\"")));

    // Correct it: less deducted, the violation downgraded and its fine corrected in place.
    let csrf = common::extract_csrf(&form).unwrap();
    let mut corrected = serious_form(&csrf, &today);
    corrected = with(&corrected, "d_C04", "0");
    corrected = with(&corrected, "v0_id", &vid.to_string());
    corrected = with(&corrected, "v0_severity", "minor");
    corrected = with(&corrected, "v0_fine", "80");
    let r = inspector.post(&edit, &pairs(&corrected));
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = inspector.get(&format!("/staff/inspections/{id}"));
    assert!(page.contains(">97<"), "new score");
    assert!(page.contains("80.00"));
    {
        let mut c = app.conn();
        let (sev, fine): (String, i64) = violations::table
            .find(vid)
            .select((violations::severity, violations::fine_fen))
            .first(&mut *c)
            .unwrap();
        assert_eq!(
            (sev.as_str(), fine),
            ("minor", 8000),
            "the same violation, changed"
        );
        let list: String = merchants::table
            .find(MERCHANT)
            .select(merchants::current_list)
            .first(&mut *c)
            .unwrap();
        assert_ne!(
            list, "black",
            "no serious violation any more: the rating was recomputed"
        );
        let (before, after): (Option<String>, Option<String>) = audit_log::table
            .filter(audit_log::action.eq("inspection.update"))
            .filter(audit_log::entity_id.eq(id.to_string()))
            .select((audit_log::before_json, audit_log::after_json))
            .first(&mut *c)
            .unwrap();
        let before: serde_json::Value = serde_json::from_str(&before.unwrap()).unwrap();
        let after: serde_json::Value = serde_json::from_str(&after.unwrap()).unwrap();
        assert_eq!(before["inspection"]["score"], 92);
        assert_eq!(after["inspection"]["score"], 97);
        assert_eq!(before["violations"][0]["severity"], "serious");
        assert_eq!(after["violations"][0]["severity"], "minor");
        assert_eq!(after["rating"]["before"]["list"], "black");
        assert!(
            matches!(
                gongzhi::db::models::audit::verify(&mut c).unwrap(),
                gongzhi::db::models::audit::Verification::Intact { .. }
            ),
            "the audit chain still holds"
        );
    }

    // A bad edit is refused like a bad form, and changes nothing.
    let r = inspector.post(&edit, &pairs(&with(&corrected, "d_C01", "99")));
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("C01 的扣分应在 0 到 8 分之间"));

    // Another inspector may read it but not edit it.
    add_inspector(&app, "inspector2");
    let other = Browser::login(&app, "inspector2", "another-inspector");
    let (s, page) = other.get(&format!("/staff/inspections/{id}"));
    assert_eq!(s, 200);
    assert!(!page.contains(&edit), "no edit link for others");
    assert_eq!(other.get(&edit).0, 403);
    let csrf2 = other.csrf("/staff/inspections");
    let r = other.post(&edit, &pairs(&with(&corrected, "csrf", &csrf2)));
    assert_eq!(r.status().as_u16(), 403);

    // After 24 hours not even its inspector may, and the page says why.
    age_inspection(&app, id, 25);
    let (s, body) = inspector.get(&edit);
    assert_eq!(s, 403);
    assert!(body.contains("超过 24 小时"), "{body}");
    let r = inspector.post(&edit, &pairs(&corrected));
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().unwrap().contains("超过 24 小时"));
    let (_, page) = inspector.get(&format!("/staff/inspections/{id}"));
    assert!(!page.contains(&edit), "no edit link after 24 hours");
}

#[test]
fn the_json_api_logs_reads_and_corrects_inspections() {
    let app = TestApp::spawn();
    let today = app.config.today().to_string();
    let tok = token(&app, "inspector", "gongzhi-demo");
    let api = |method: reqwest::Method, path: &str, tok: Option<&str>, body: Option<serde_json::Value>| {
        let mut r = app.client.request(method, app.url(path));
        if let Some(t) = tok {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().unwrap();
        let status = resp.status().as_u16();
        let v: serde_json::Value = resp.json().unwrap_or(serde_json::Value::Null);
        (status, v)
    };
    let body = serde_json::json!({
        "merchant_id": MERCHANT,
        "inspected_on": today,
        "kind": "complaint",
        "deductions": [{"code": "C03", "points": 10}, {"code": "C05", "points": 4}],
        "violations": [
            {"code": "V301", "severity": "serious", "description": "过期原料", "legal_basis": "食品安全法第三十四条", "fine_fen": 500000},
            {"code": "V101", "severity": "minor", "description": "原料未离地", "legal_basis": "", "fine_fen": 0}
        ],
        "notes": "投诉核查"
    });

    // Without a token: 401; a merchant or the committee cannot log.
    let (s, v) = api(
        reqwest::Method::POST,
        "/api/v1/inspections",
        None,
        Some(body.clone()),
    );
    assert_eq!(s, 401);
    assert_eq!(v["error"], "unauthorized");
    let merchant = token(&app, "merchant", "gongzhi-demo");
    let committee = token(&app, "committee", "gongzhi-demo");
    assert_eq!(
        api(
            reqwest::Method::POST,
            "/api/v1/inspections",
            Some(&merchant),
            Some(body.clone())
        )
        .0,
        403
    );
    assert_eq!(
        api(
            reqwest::Method::POST,
            "/api/v1/inspections",
            Some(&committee),
            Some(body.clone())
        )
        .0,
        403
    );

    let before = counts(&app);
    let (s, v) = api(
        reqwest::Method::POST,
        "/api/v1/inspections",
        Some(&tok),
        Some(body.clone()),
    );
    assert_eq!(s, 201, "{v}");
    let id = v["inspection"]["id"].as_i64().unwrap();
    assert_eq!(v["inspection"]["score"], 86);
    assert_eq!(v["inspection"]["kind"], "complaint");
    assert_eq!(v["inspection"]["violations"].as_array().unwrap().len(), 2);
    assert_eq!(v["inspection"]["violations"][0]["fine_fen"], 500000);
    assert_eq!(v["rating"]["after"]["list"], "black");
    assert_ne!(v["rating"]["before"]["list"], "black");
    let sum: i64 = v["rating"]["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["points_tenths"].as_i64().unwrap())
        .sum();
    assert_eq!(Some(sum), v["rating"]["after"]["score_tenths"].as_i64());

    // Bad input: 422 with field messages in both languages, nothing written.
    let after_create = counts(&app);
    assert_eq!(after_create.0, before.0 + 1);
    let mut bad = body.clone();
    bad["deductions"][0]["points"] = 15.into();
    bad["violations"][0]["severity"] = "apocalyptic".into();
    bad["violations"][1]["fine_fen"] = (-1).into();
    bad["inspected_on"] = "2999-01-01".into();
    bad.as_object_mut().unwrap().remove("merchant_id");
    let (s, v) = api(
        reqwest::Method::POST,
        "/api/v1/inspections",
        Some(&tok),
        Some(bad),
    );
    assert_eq!(s, 422);
    assert_eq!(v["error"], "invalid");
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in [
        "merchant_id",
        "inspected_on",
        "deductions[0].points",
        "violations[0].severity",
        "violations[1].fine_fen",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(v["fields"][0]["zh"].as_str().unwrap().contains("商家"));
    let (s, _) = api(
        reqwest::Method::POST,
        "/api/v1/inspections",
        Some(&tok),
        Some(serde_json::json!({"merchant_id": 424242, "inspected_on": today, "kind": "routine"})),
    );
    assert_eq!(s, 422);
    let (s, v) = app
        .client
        .post(app.url("/api/v1/inspections"))
        .bearer_auth(&tok)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .map(|r| (r.status().as_u16(), r.json::<serde_json::Value>().unwrap()))
        .unwrap();
    assert_eq!((s, v["error"].as_str()), (422, Some("invalid")));
    assert_eq!(counts(&app), after_create, "nothing written");

    // Read it back: staff only.
    let path = format!("/api/v1/inspections/{id}");
    let (s, v) = api(reqwest::Method::GET, &path, Some(&committee), None);
    assert_eq!(s, 200);
    assert_eq!(v["inspection"]["score"], 86);
    assert_eq!(v["rating"]["after"]["list"], "black");
    assert_eq!(api(reqwest::Method::GET, &path, Some(&merchant), None).0, 403);
    assert_eq!(api(reqwest::Method::GET, &path, None, None).0, 401);
    assert_eq!(
        api(
            reqwest::Method::GET,
            "/api/v1/inspections/999999",
            Some(&tok),
            None
        )
        .0,
        404
    );

    // Correct it: keep the serious violation (by id), drop the minor one.
    let serious_id = v["inspection"]["violations"][0]["id"].as_i64().unwrap();
    let minor_id = v["inspection"]["violations"][1]["id"].as_i64().unwrap();
    let mut put = body.clone();
    put["deductions"] = serde_json::json!([{"code": "C03", "points": 2}]);
    put["violations"] = serde_json::json!([
        {"id": serious_id, "code": "V301", "severity": "serious", "description": "过期原料（已销毁）", "legal_basis": "食品安全法第三十四条", "fine_fen": 500000}
    ]);
    let (s, v) = api(reqwest::Method::PUT, &path, Some(&tok), Some(put.clone()));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["inspection"]["score"], 98);
    assert_eq!(v["inspection"]["violations"].as_array().unwrap().len(), 1);
    assert_eq!(v["inspection"]["violations"][0]["id"], serious_id);
    assert_eq!(
        v["inspection"]["violations"][0]["description"],
        "过期原料（已销毁）"
    );
    {
        let mut c = app.conn();
        let gone: i64 = violations::table
            .find(minor_id as i32)
            .count()
            .get_result(&mut *c)
            .unwrap();
        assert_eq!(gone, 0);
    }

    // A violation on a rectification notice cannot be removed: a field message, not a DB error.
    {
        use gongzhi::db::models::notice::{format_number, NewNotice, Notice};
        let mut c = app.conn();
        let now = gongzhi::db::models::now_utc();
        let seq = Notice::next_seq(&mut c, 2026).unwrap();
        Notice::insert(
            &mut c,
            &NewNotice {
                number: format_number(2026, seq),
                year: 2026,
                seq,
                merchant_id: MERCHANT,
                inspection_id: id as i32,
                issued_by: None,
                required_actions: "销毁过期原料".into(),
                deadline: app.config.today() + Duration::days(7),
                state: "issued".parse().unwrap(),
                issued_at: now,
            },
            &[serious_id as i32],
        )
        .unwrap();
    }
    let mut drop_all = put.clone();
    drop_all["violations"] = serde_json::json!([]);
    let (s, v) = api(reqwest::Method::PUT, &path, Some(&tok), Some(drop_all));
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["fields"][0]["field"], "violations");
    assert!(v["fields"][0]["zh"].as_str().unwrap().contains("整改通知书"));
    let mut foreign = put.clone();
    foreign["violations"][0]["id"] = 1.into();
    let (s, v) = api(reqwest::Method::PUT, &path, Some(&tok), Some(foreign));
    assert_eq!(s, 422);
    assert_eq!(v["fields"][0]["field"], "violations[0].id");
    let mut move_it = put.clone();
    move_it["merchant_id"] = 2.into();
    assert_eq!(api(reqwest::Method::PUT, &path, Some(&tok), Some(move_it)).0, 422);
    let (s, _) = api(reqwest::Method::PUT, &path, Some(&tok), Some(put.clone()));
    assert_eq!(s, 200, "keeping the noticed violation is fine");

    // Other inspectors and late edits: 403, the late one saying why.
    add_inspector(&app, "inspector3");
    let other = token(&app, "inspector3", "another-inspector");
    assert_eq!(
        api(reqwest::Method::PUT, &path, Some(&other), Some(put.clone())).0,
        403
    );
    assert_eq!(api(reqwest::Method::PUT, &path, None, Some(put.clone())).0, 401);
    age_inspection(&app, id as i32, 24);
    let (s, v) = api(reqwest::Method::PUT, &path, Some(&tok), Some(put));
    assert_eq!(s, 403);
    assert!(v["message_zh"].as_str().unwrap().contains("24 小时"));
}

#[test]
fn roles_visitors_and_merchants_are_kept_out_and_the_committee_only_reads() {
    let app = TestApp::spawn();
    let today = app.config.today().to_string();
    for path in [
        "/staff/inspections",
        "/staff/inspections/new?merchant=1",
        "/staff/inspections/1",
    ] {
        assert_eq!(app.get(path).status().as_u16(), 401, "{path}");
    }
    let csrf = app.csrf("/login");
    let r = app.post_form("/staff/inspections", &pairs(&serious_form(&csrf, &today)));
    assert_eq!(r.status().as_u16(), 401);

    let merchant = Browser::login(&app, "merchant", "gongzhi-demo");
    for path in [
        "/staff/inspections",
        "/staff/inspections/new?merchant=1",
        "/staff/inspections/1",
    ] {
        assert_eq!(merchant.get(path).0, 403, "{path}");
    }
    let csrf = merchant.csrf("/login");
    let r = merchant.post("/staff/inspections", &pairs(&serious_form(&csrf, &today)));
    assert_eq!(r.status().as_u16(), 403);

    let inspector = Browser::login(&app, "inspector", "gongzhi-demo");
    let id = log_one(&inspector, &today);

    let committee = Browser::login(&app, "committee", "gongzhi-demo");
    let (s, list) = committee.get("/staff/inspections?q=老王");
    assert_eq!(s, 200);
    assert!(list.contains(&format!("/staff/inspections/{id}")));
    assert!(
        !list.contains("/staff/inspections/new"),
        "no logging link for the committee"
    );
    let (s, page) = committee.get(&format!("/staff/inspections/{id}"));
    assert_eq!(s, 200);
    assert!(page.contains("黑榜"));
    assert!(
        !page.contains(&format!("/staff/inspections/{id}/edit")),
        "no edit link for the committee"
    );
    assert_eq!(committee.get("/staff/inspections/new?merchant=1").0, 403);
    assert_eq!(committee.get(&format!("/staff/inspections/{id}/edit")).0, 403);
    let csrf = committee.csrf("/staff/inspections");
    let before = counts(&app);
    let r = committee.post("/staff/inspections", &pairs(&serious_form(&csrf, &today)));
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(counts(&app), before);

    // The admin logs too.
    let admin = Browser::login(&app, "admin", "gongzhi-demo");
    let id2 = log_one(&admin, &today);
    assert!(id2 > id);
    assert_eq!(admin.get("/staff/inspections/abc").0, 404);
    assert_eq!(admin.get("/staff/inspections/999999").0, 404);
}

#[test]
fn the_inspection_endpoints_are_described_for_openapi() {
    use utoipa::OpenApi;
    let doc = gongzhi::web::inspections_api::InspectionsApi::openapi();
    let json = serde_json::to_value(&doc).unwrap();
    let params = &json["paths"]["/api/v1/inspections/{id}"]["get"]["parameters"];
    assert_eq!(params.as_array().map(Vec::len), Some(1), "{params}");
    assert_eq!(params[0]["schema"]["type"], "integer");
    let paths = json["paths"].as_object().unwrap();
    assert!(paths["/api/v1/inspections"]["post"].is_object());
    assert!(paths["/api/v1/inspections/{id}"]["get"].is_object());
    assert!(paths["/api/v1/inspections/{id}"]["put"].is_object());
    let schemas = json["components"]["schemas"].as_object().unwrap();
    for s in [
        "InspectionBody",
        "InspectionResponse",
        "ViolationBody",
        "RatingChangeOut",
    ] {
        assert!(schemas.contains_key(s), "{s}");
    }
}
