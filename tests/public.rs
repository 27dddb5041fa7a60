//! What consumers and the committee see of ratings: the explained public record, the JSON API,
//! and published editions.

mod common;

use common::TestApp;

#[test]
fn merchant_record_explains_the_stars_without_personal_data() {
    let app = TestApp::spawn();
    // 一品豆花 (14) is on the black list for a serious violation and an overdue notice.
    let (s, body) = app.get_text("/merchants/14");
    assert_eq!(s, 200);
    assert!(body.contains("为什么是这个星级"));
    assert!(body.contains("合计"));
    assert!(body.contains("黑榜"));
    assert!(body.contains("严重"), "the serious violation is disclosed");
    assert!(body.contains("<svg class=\"chart\"") || body.contains("近期检查"));
    for private in [
        "1380571",
        "merchants.gongzhi.localhost",
        "王建国",
        "李秀英",
        "张伟",
        "刘芳",
        "陈强",
    ] {
        assert!(!body.contains(private), "public record leaks {private}");
    }
    let (_, en) = app.get_text("/merchants/14?lang=en");
    assert!(en.contains("Why these stars") && en.contains("Black list"));
}

#[test]
fn public_json_lists_and_records() {
    let app = TestApp::spawn();
    let r = app.get("/api/v1/public/lists/red");
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().unwrap();
    let items = v["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["stars"] == 5));

    let r = app.get("/api/v1/public/lists/grey");
    assert_eq!(r.status().as_u16(), 404);
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["error"], "not_found");
    assert!(v["message_zh"].as_str().unwrap().contains("不存在"));

    let r = app.get("/api/v1/public/merchants/14");
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["list"], "black");
    let breakdown = v["rating"]["breakdown"].as_array().unwrap();
    let sum: i64 = breakdown
        .iter()
        .map(|t| t["points_tenths"].as_i64().unwrap())
        .sum();
    assert_eq!(
        Some(sum),
        v["rating"]["score_tenths"].as_i64(),
        "the breakdown adds up to the score"
    );
    assert!(!text.contains("phone") && !text.contains("email") && !text.contains("contact"));
    assert_eq!(app.get("/api/v1/public/merchants/x").status().as_u16(), 404);
}

#[test]
fn only_the_committee_publishes_editions_and_they_are_public() {
    let app = TestApp::spawn();
    let (_, body) = app.get_text("/editions");
    assert!(body.contains("尚未发布"));
    assert!(
        !body.contains("action=\"/editions\""),
        "no publish form for visitors"
    );
    let csrf = app.csrf("/login");
    let r = app.post_form("/editions", &[("csrf", &csrf), ("note", "x")]);
    assert_eq!(r.status().as_u16(), 401);

    app.login("inspector", "gongzhi-demo");
    let csrf = app.csrf("/editions");
    let r = app.post_form("/editions", &[("csrf", &csrf), ("note", "x")]);
    assert_eq!(r.status().as_u16(), 403);

    let committee = TestAppClient::login(&app, "committee");
    let (_, page) = committee.get("/editions");
    assert!(
        page.contains("action=\"/editions\""),
        "publish form for the committee"
    );
    let csrf = common::extract_csrf(&page).unwrap();
    let long = "长".repeat(501);
    let r = committee.post("/editions", &[("csrf", &csrf), ("note", &long)]);
    assert_eq!(r.status().as_u16(), 422);
    let r = committee.post("/editions", &[("csrf", &csrf), ("note", "2026年第一期")]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/editions/1");
    let r = committee.post("/editions", &[("note", "no token")]);
    assert_eq!(r.status().as_u16(), 422);

    // Anyone reads it.
    let (s, ed) = app.get_text("/editions/1");
    assert_eq!(s, 200);
    assert!(ed.contains("第1期") && ed.contains("2026年第一期"));
    assert!(ed.contains("一品豆花"));
    assert_eq!(app.get("/editions/2").status().as_u16(), 404);
}

/// A second logged-in client against the same app.
struct TestAppClient<'a> {
    app: &'a TestApp,
    client: reqwest::blocking::Client,
}

impl<'a> TestAppClient<'a> {
    fn login(app: &'a TestApp, user: &str) -> Self {
        let client = common::client();
        let body = client.get(app.url("/login")).send().unwrap().text().unwrap();
        let csrf = common::extract_csrf(&body).unwrap();
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", user),
                ("password", "gongzhi-demo"),
            ])
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        TestAppClient { app, client }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(self.app.url(path)).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
        self.client.post(self.app.url(path)).form(form).send().unwrap()
    }
}

#[test]
fn list_pages_show_the_latest_edition_filtered_and_follow_new_publications() {
    let app = TestApp::spawn();
    // Before any edition: the live ratings, said so.
    let (_, live) = app.get_text("/lists/black");
    assert!(live.contains("尚未发布正式期次"));
    assert!(live.contains("一品豆花"));
    let v: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    assert!(v["edition"].is_null());

    // A rating change shows at once in the live list (the cache is invalidated).
    {
        use diesel::prelude::*;
        let mut conn = app.conn();
        let policy = gongzhi::domain::policy::Policy::default_policy();
        let actor = gongzhi::db::models::audit::Actor::system("test");
        gongzhi::services::notices::mark_overdue(
            &mut conn,
            &policy,
            app.config.today() + chrono::Duration::days(11),
            &actor,
        )
        .unwrap();
        let n: i64 = gongzhi::db::schema::merchants::table
            .filter(gongzhi::db::schema::merchants::current_list.eq("black"))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        let v: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
        assert_eq!(v["items"].as_array().unwrap().len() as i64, n);
    }

    // The committee publishes: the list pages now show edition 1.
    let mut conn = app.conn();
    let policy = gongzhi::domain::policy::Policy::default_policy();
    gongzhi::services::editions::publish(
        &mut conn,
        &policy,
        app.config.today(),
        &gongzhi::db::models::audit::Actor::system("test"),
        "",
    )
    .unwrap();
    let (_, red) = app.get_text("/lists/red");
    assert!(red.contains("第1期"), "{red}");
    let v: serde_json::Value = app.get("/api/v1/public/lists/red").json().unwrap();
    assert_eq!(v["edition"], 1);
    let total = v["items"].as_array().unwrap().len();
    assert!(total > 1);
    // Filter by area: only that area's merchants.
    let area = v["items"][0]["area"].as_str().unwrap().to_string();
    let expected = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["area"] == area.as_str())
        .count();
    let (_, filtered) = app.get_text(&format!("/lists/red?area={}", url_encode(&area)));
    assert_eq!(
        filtered.matches("<tr><td><a href=\"/merchants/").count(),
        expected
    );
    let (_, none) = app.get_text("/lists/red?category=no-such-category");
    assert!(none.contains("暂无商家"));

    let ed: serde_json::Value = app.get("/api/v1/public/editions/1").json().unwrap();
    assert_eq!(ed["red"].as_array().unwrap().len(), total);
    assert_eq!(app.get("/api/v1/public/editions/2").status().as_u16(), 404);
    let all: serde_json::Value = app.get("/api/v1/public/editions").json().unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
