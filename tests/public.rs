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
    assert!(breakdown.iter().all(
        |t| t["label_zh"].as_str().is_some_and(|l| !l.is_empty() && l != "??")
            && t["label_en"].as_str().is_some_and(|l| l.is_ascii())
    ));
    assert_eq!(app.get("/api/v1/public/merchants/x").status().as_u16(), 404);

    // The black list's reasons: in words in the request's language, and as codes.
    let black = |query: &str, accept: &str| -> Vec<serde_json::Value> {
        let r = common::client()
            .get(app.url(&format!("/api/v1/public/lists/black{query}")))
            .header("accept-language", accept)
            .send()
            .unwrap();
        // The language, and gzip or not: a cache keeps one copy per language and encoding.
        assert_eq!(r.headers()["vary"], "Accept-Encoding, Accept-Language");
        let v: serde_json::Value = r.json().unwrap();
        v["items"].as_array().unwrap().clone()
    };
    let zh = black("", "");
    let yipin = zh
        .iter()
        .find(|i| i["id"] == 14)
        .expect("一品豆花 is on the black list");
    let reason = yipin["reason"].as_str().unwrap();
    assert!(reason.contains("存在严重违规"), "{reason}");
    assert!(
        !reason.contains('#'),
        "no internal ids in public reasons: {reason}"
    );
    let codes: Vec<&str> = yipin["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"serious_violation"), "{codes:?}");
    for en in [black("?lang=en", ""), black("", "en-GB,en;q=0.8")] {
        let yipin = en.iter().find(|i| i["id"] == 14).unwrap();
        let reason = yipin["reason"].as_str().unwrap();
        assert!(
            reason.contains("serious violation on") && reason.is_ascii(),
            "{reason}"
        );
        assert_eq!(
            yipin["reasons"],
            zh.iter().find(|i| i["id"] == 14).unwrap()["reasons"]
        );
    }
}

#[test]
fn only_the_committee_publishes_editions_and_they_are_public() {
    // A town that has published nothing says so.
    let (_, empty) = TestApp::spawn_with(false).get_text("/editions");
    assert!(empty.contains("尚未发布"));
    // The demo town has published an edition every two months.
    let app = TestApp::spawn();
    let n = demo_editions(&app);
    let (_, body) = app.get_text("/editions");
    assert!(body.contains(&format!("第{n}期")) && !body.contains("尚未发布"));
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
    // Publishing shows the preview first; the preview's form confirms it.
    let r = committee.post("/editions", &[("csrf", &csrf), ("note", "2026年第一期")]);
    assert_eq!(r.status().as_u16(), 200);
    let preview = r.text().unwrap();
    let fingerprint = common::extract_field(&preview, "fingerprint").expect("the preview's fingerprint");
    let r = committee.post(
        "/editions",
        &[
            ("csrf", &csrf),
            ("note", "2026年第一期"),
            ("confirm", "1"),
            ("fingerprint", &fingerprint),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], format!("/editions/{}", n + 1).as_str());
    let r = committee.post("/editions", &[("note", "no token")]);
    assert_eq!(r.status().as_u16(), 422);

    // Anyone reads it.
    let (s, ed) = app.get_text(&format!("/editions/{}", n + 1));
    assert_eq!(s, 200);
    assert!(ed.contains(&format!("第{}期", n + 1)) && ed.contains("2026年第一期"));
    assert!(ed.contains("一品豆花"));
    assert_eq!(app.get(&format!("/editions/{}", n + 2)).status().as_u16(), 404);
}

/// How many editions the demo town has published (one every two months).
fn demo_editions(app: &TestApp) -> i32 {
    let n = gongzhi::services::editions::list(&mut app.conn()).unwrap().len() as i32;
    assert!(n > 0, "the demo publishes editions");
    n
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

/// Before any edition the lists are the live ratings, said so, and follow every rating change.
#[test]
fn before_the_first_edition_the_lists_are_the_live_ratings() {
    use diesel::prelude::*;
    use gongzhi::db::models::audit::Actor;
    use gongzhi::db::models::inspection::{Inspection, NewInspection, NewViolation};
    use gongzhi::db::models::merchant::{Merchant, NewMerchant};
    use gongzhi::db::models::now_utc;
    let app = TestApp::spawn_with(false);
    let policy = gongzhi::domain::policy::Policy::default_policy();
    let today = app.config.today();
    // A merchant with a serious violation today, for the black list.
    let serious = |c: &mut gongzhi::db::DbConn, name: &str, seed: u64| {
        let now = now_utc();
        let code = gongzhi::domain::credit_code::CreditCode::generate(seed);
        let m = Merchant::insert(
            c,
            &NewMerchant {
                name: name.into(),
                credit_code: Some(code.as_str().into()),
                category: "餐饮服务".into(),
                address: "新街 1 号".into(),
                area: "新街片区".into(),
                contact_name: String::new(),
                email: String::new(),
                phone: String::new(),
                member_since: None,
                member_left_on: None,
                external_source: None,
                external_id: None,
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
        let i = Inspection::insert(
            c,
            &NewInspection::scored(m, today, "routine".parse().unwrap(), 80),
        )
        .unwrap();
        Inspection::insert_violation(
            c,
            &NewViolation {
                inspection_id: i,
                merchant_id: m,
                code: "V301".into(),
                severity: "serious".parse().unwrap(),
                description: "使用超过保质期的食品原料".into(),
                legal_basis: String::new(),
                fine_fen: 0,
                found_on: today,
                created_at: now,
            },
        )
        .unwrap();
        gongzhi::services::rating::recompute_all(c, &policy, today, &Actor::system("test")).unwrap();
    };
    serious(&mut app.conn(), "南门烧饼", 11);
    let (_, live) = app.get_text("/lists/black");
    assert!(live.contains("尚未发布正式期次"));
    assert!(live.contains("南门烧饼"));
    let v: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    assert!(v["edition"].is_null());

    // A rating change shows at once in the live list (the cache is invalidated).
    serious(&mut app.conn(), "北门凉皮", 12);
    let n: i64 = gongzhi::db::schema::merchants::table
        .filter(gongzhi::db::schema::merchants::current_list.eq("black"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 2);
    let v: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    assert_eq!(v["items"].as_array().unwrap().len() as i64, n);

    // The first edition: the lists show it from now on.
    gongzhi::services::editions::publish(&mut app.conn(), &policy, today, &Actor::system("test"), "")
        .unwrap();
    let (_, black) = app.get_text("/lists/black");
    assert!(
        black.contains("第1期") && !black.contains("尚未发布正式期次"),
        "{black}"
    );
}

#[test]
fn list_pages_show_the_latest_edition_filtered_and_follow_new_publications() {
    let app = TestApp::spawn();
    let published = demo_editions(&app);
    // The demo town's latest edition, not the live ratings.
    let (_, black) = app.get_text("/lists/black");
    assert!(black.contains(&format!("第{published}期")) && !black.contains("尚未发布正式期次"));
    assert!(black.contains("一品豆花"));
    let before: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    assert_eq!(before["edition"], published);

    // A rating change leaves the published list as it was published.
    let live_black = {
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
            .filter(gongzhi::db::schema::merchants::status.eq("open"))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        n
    };
    let v: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    assert_eq!(v, before);
    assert!(live_black as usize > before["items"].as_array().unwrap().len());

    // The committee publishes (on the day the notices went overdue): the list pages now show the
    // new edition.
    let mut conn = app.conn();
    let policy = gongzhi::domain::policy::Policy::default_policy();
    gongzhi::services::editions::publish(
        &mut conn,
        &policy,
        app.config.today() + chrono::Duration::days(11),
        &gongzhi::db::models::audit::Actor::system("test"),
        "test",
    )
    .unwrap();
    drop(conn);
    let (_, red) = app.get_text("/lists/red");
    assert!(red.contains(&format!("第{}期", published + 1)), "{red}");
    let v: serde_json::Value = app.get("/api/v1/public/lists/red").json().unwrap();
    assert_eq!(v["edition"], published + 1);
    let black: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    assert_eq!(black["items"].as_array().unwrap().len() as i64, live_black);
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
        filtered.matches("<td role=\"cell\" class=\"card-title\"").count(),
        expected
    );
    let (_, none) = app.get_text("/lists/red?category=no-such-category");
    assert!(none.contains("暂无商家"));

    let ed: serde_json::Value = app
        .get(&format!("/api/v1/public/editions/{}", published + 1))
        .json()
        .unwrap();
    assert_eq!(ed["red"].as_array().unwrap().len(), total);
    let next = format!("/api/v1/public/editions/{}", published + 2);
    assert_eq!(app.get(&next).status().as_u16(), 404);
    let all: serde_json::Value = app.get("/api/v1/public/editions").json().unwrap();
    assert_eq!(all["items"].as_array().unwrap().len() as i32, published + 1);
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// (status, ETag, Cache-Control) of `path`, sent with `If-None-Match: inm` when given.
fn tagged(
    client: &reqwest::blocking::Client,
    app: &TestApp,
    path: &str,
    inm: Option<&str>,
) -> (u16, String, String) {
    let mut req = client.get(app.url(path));
    if let Some(tag) = inm {
        req = req.header("If-None-Match", tag);
    }
    let r = req.send().unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (etag, cc) = (header("etag"), header("cache-control"));
    let status = r.status().as_u16();
    let body = r.text().unwrap();
    if status == 304 {
        assert!(body.is_empty(), "a 304 has no body");
    }
    (status, etag, cc)
}

#[test]
fn public_pages_carry_etags_answer_304_and_change_with_the_lists() {
    let app = TestApp::spawn();
    // A visitor without a cookie jar: `?lang=` would otherwise stick as a cookie.
    let anon = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let pages = ["/", "/lists/red", "/lists/black", "/merchants/14"];
    let mut tags = Vec::new();
    for path in pages {
        let r = anon.get(app.url(path)).send().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(
            r.headers().get("set-cookie").is_none(),
            "{path}: a visitor's page sets no cookie (it could not be shared)"
        );
        assert!(r.headers()["vary"].to_str().unwrap().contains("Accept-Language"));
        let (s, etag, cc) = tagged(&anon, &app, path, None);
        assert_eq!(s, 200);
        assert!(etag.starts_with('"') && etag.len() > 10, "{path}: ETag {etag:?}");
        assert_eq!(cc, "public, no-cache", "{path}");
        // Asking again with the tag: 304, same tag; a weak or listed form matches too.
        let (s, again, _) = tagged(&anon, &app, path, Some(&etag));
        assert_eq!((s, again.as_str()), (304, etag.as_str()), "{path}");
        let (s, _, _) = tagged(&anon, &app, path, Some(&format!("\"x\", W/{etag}")));
        assert_eq!(s, 304, "{path}");
        // The language and the query are part of the tag.
        let sep = if path.contains('?') { '&' } else { '?' };
        let (s, en, _) = tagged(&anon, &app, &format!("{path}{sep}lang=en"), Some(&etag));
        assert_eq!(s, 200, "{path} in English is another page");
        assert_ne!(en, etag);
        tags.push(etag);
    }
    let (_, first_page, _) = tagged(&anon, &app, "/lists/red?page=1", None);
    assert_eq!(first_page, tags[1], "page 1 is the list page");
    let (s, _, _) = tagged(&anon, &app, "/lists/red?category=no-such", Some(&tags[1]));
    assert_eq!(s, 200, "a filter is another page");

    // Bad page numbers are the visitor's mistake, in both languages.
    let r = anon.get(app.url("/lists/red?page=zero")).send().unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(body.contains("页码"), "{body}");
    assert_eq!(
        anon.get(app.url("/lists/red?page=0"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        422
    );
    assert_eq!(
        anon.get(app.url("/lists/red?page=999"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        404
    );

    // A rating change (notices go overdue): the merchant's record changes; the lists, which show
    // the latest published edition, do not until the next edition.
    let (_, record_before, _) = tagged(&anon, &app, "/merchants/20", None);
    let before: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    {
        let mut conn = app.conn();
        let policy = gongzhi::domain::policy::Policy::default_policy();
        gongzhi::services::notices::mark_overdue(
            &mut conn,
            &policy,
            app.config.today() + chrono::Duration::days(11),
            &gongzhi::db::models::audit::Actor::system("test"),
        )
        .unwrap();
    }
    let (s, _, _) = tagged(&anon, &app, "/merchants/20", Some(&record_before));
    assert_eq!(s, 200, "the record shows the new rating");
    let unchanged: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    assert_eq!(before, unchanged, "the published edition stays as published");
    for (path, old) in pages.iter().zip(&tags) {
        let (s, _, _) = tagged(&anon, &app, path, Some(old));
        if path.starts_with("/lists/") {
            assert_eq!(s, 304, "{path}: the edition it shows is unchanged");
        }
    }

    // An edition is published (on the day the notices went overdue): the list pages show it, so
    // their tags change, and the black list now names the merchants whose notices went overdue.
    let (_, red_before, _) = tagged(&anon, &app, "/lists/red", None);
    {
        let mut conn = app.conn();
        gongzhi::services::editions::publish(
            &mut conn,
            &gongzhi::domain::policy::Policy::default_policy(),
            app.config.today() + chrono::Duration::days(11),
            &gongzhi::db::models::audit::Actor::system("test"),
            "test",
        )
        .unwrap();
    }
    let (s, red_after, _) = tagged(&anon, &app, "/lists/red", Some(&red_before));
    assert_eq!(s, 200, "the red list page now names the new edition");
    assert_ne!(red_after, red_before);
    let (s, _, _) = tagged(&anon, &app, "/lists/red", Some(&red_after));
    assert_eq!(s, 304);
    for (path, old) in pages.iter().zip(&tags) {
        let (s, _, _) = tagged(&anon, &app, path, Some(old));
        if *path == "/" || *path == "/lists/black" {
            assert_eq!(s, 200, "{path} changed");
        }
    }
    let after: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    let newcomer = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| !before["items"].as_array().unwrap().contains(i))
        .expect("a merchant entered the black list")["id"]
        .as_i64()
        .unwrap();
    let (_, record, _) = tagged(&anon, &app, &format!("/merchants/{newcomer}"), None);
    let (s, _, _) = tagged(&anon, &app, &format!("/merchants/{newcomer}"), Some(&record));
    assert_eq!(s, 304);

    // A logged-in user's page shows their name: private, and never a 304 for a visitor's tag
    // or another user's.
    let committee = TestAppClient::login(&app, "committee");
    let inspector = TestAppClient::login(&app, "inspector");
    for path in pages {
        let (_, public_tag, _) = tagged(&anon, &app, path, None);
        let (s, mine, cc) = tagged(&committee.client, &app, path, Some(&public_tag));
        assert_eq!(s, 200, "{path}: a visitor's tag is not the committee's page");
        assert_eq!(cc, "private, no-cache", "{path}");
        let (s, _, _) = tagged(&inspector.client, &app, path, Some(&mine));
        assert_eq!(s, 200, "{path}: no 304 across users");
        let (s, _, _) = tagged(&committee.client, &app, path, Some(&mine));
        assert_eq!(s, 304, "{path}: the same user revalidates");
    }
    assert!(committee.get("/lists/red").1.contains("committee"));
}

#[test]
fn rating_history_is_open_data() {
    let app = TestApp::spawn();
    let r = app.get("/api/v1/public/merchants/14/ratings");
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["merchant_id"], 14);
    assert_eq!(v["page"], 1);
    assert_eq!(v["per_page"], 50);
    let items = v["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert_eq!(v["total"].as_u64().unwrap() as usize, items.len());
    let latest = &items[0];
    assert_eq!(latest["list"], "black");
    for key in ["as_of", "score_tenths", "stars", "list", "policy_version"] {
        assert!(latest.get(key).is_some(), "{key} in {latest}");
    }
    let public: serde_json::Value = app.get("/api/v1/public/merchants/14").json().unwrap();
    assert_eq!(latest["score_tenths"], public["rating"]["score_tenths"]);
    let dates: Vec<&str> = items.iter().map(|i| i["as_of"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");

    let v: serde_json::Value = app
        .get("/api/v1/public/merchants/14/ratings?page=2")
        .json()
        .unwrap();
    assert_eq!(v["items"], serde_json::json!([]));
    for bad in ["abc", "0", "-1", "100001"] {
        let r = app.get(&format!("/api/v1/public/merchants/14/ratings?page={bad}"));
        assert_eq!(r.status().as_u16(), 422, "page={bad}");
        let e: serde_json::Value = r.json().unwrap();
        assert!(e["message_zh"].is_string() && e["message_en"].is_string());
        assert_eq!(e["fields"][0]["field"], "page");
        assert!(e["fields"][0]["zh"].as_str().unwrap().contains("页码"));
        assert!(e["fields"][0]["en"].as_str().unwrap().contains("page"));
    }
    assert_eq!(
        app.get("/api/v1/public/merchants/x/ratings").status().as_u16(),
        404
    );
    assert_eq!(
        app.get("/api/v1/public/merchants/999999/ratings")
            .status()
            .as_u16(),
        404
    );
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").json().unwrap();
    assert!(doc["paths"]["/api/v1/public/merchants/{id}/ratings"]["get"].is_object());
    assert!(doc["components"]["schemas"]["RatingPoint"].is_object());
}

/// A visitor's merchant record is served from the rendered-record cache, and anything the page
/// shows — an inspection, a reply, a merchant edit — makes it fresh again at once.
#[test]
fn the_cached_merchant_record_follows_every_change() {
    let app = TestApp::spawn();
    let visitor = common::client();
    let get = || {
        let r = visitor.get(app.url("/merchants/1")).send().unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let tag = r.headers()["etag"].to_str().unwrap().to_string();
        (tag, r.text().unwrap())
    };
    let (t1, _) = get();
    let (t2, _) = get();
    assert_eq!(t1, t2, "unchanged record, same page");
    assert_eq!(
        visitor
            .get(app.url("/merchants/999999"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        404
    );

    // An inspection that does not move the rating still shows.
    let tok = {
        let r = app
            .client
            .post(app.url("/api/v1/tokens"))
            .json(&serde_json::json!({"username": "inspector", "password": "gongzhi-demo"}))
            .send()
            .unwrap();
        r.json::<serde_json::Value>().unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let yesterday = (app.config.today() - chrono::Duration::days(1)).to_string();
    let r = app
        .client
        .post(app.url("/api/v1/inspections"))
        .bearer_auth(&tok)
        .json(
            &serde_json::json!({"merchant_id": 1, "inspected_on": yesterday, "kind": "routine",
            "deductions": [{"code": "C03", "points": 1}], "violations": [], "notes": "", "confirm_same_day": true}),
        )
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let (t3, body) = get();
    assert_ne!(t2, t3);
    let shown = gongzhi::i18n::words::long_date(
        app.config.today() - chrono::Duration::days(1),
        gongzhi::i18n::Lang::Zh,
    );
    assert!(body.contains(&shown), "the new inspection is on the page");

    // The merchant's public reply shows at once.
    let merchant = common::client();
    let csrf =
        common::extract_csrf(&merchant.get(app.url("/login")).send().unwrap().text().unwrap()).unwrap();
    merchant
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "merchant"),
            ("password", "gongzhi-demo"),
        ])
        .send()
        .unwrap();
    let csrf = common::extract_csrf(&merchant.get(app.url("/my")).send().unwrap().text().unwrap()).unwrap();
    let r = merchant
        .post(app.url("/my/reply"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("body", "感谢顾客监督，我们每天自查卫生。"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (t4, body) = get();
    assert_ne!(t3, t4);
    assert!(body.contains("感谢顾客监督"));
    // And English is cached apart from Chinese.
    let en = visitor
        .get(app.url("/merchants/1?lang=en"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(en.contains("lang=\"en\""));
    let (_, zh_again) = {
        let r = common::client().get(app.url("/merchants/1")).send().unwrap();
        (r.status(), r.text().unwrap())
    };
    assert!(zh_again.contains("lang=\"zh-CN\""));
}

/// Browsers ask for gzip: the cached public pages come compressed once, with their own tag, the
/// same page once uncompressed, and `Vary` says the coding was chosen by `Accept-Encoding`.
#[test]
fn public_pages_come_gzip_compressed_to_browsers_that_ask() {
    use std::io::Read;
    let app = TestApp::spawn();
    let anon = common::client();
    for path in [
        "/",
        "/lists/red",
        "/lists/black",
        "/merchants/14",
        "/merchants/14?lang=en",
        "/search?q=%E5%BA%97",
        "/search?q=a&lang=en",
    ] {
        let plain = anon.get(app.url(path)).send().unwrap();
        assert_eq!(plain.status().as_u16(), 200);
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
        let plain_tag = plain.headers()["etag"].to_str().unwrap().to_string();
        let plain_body = plain.text().unwrap();

        let gz = anon
            .get(app.url(path))
            .header("Accept-Encoding", "gzip, deflate, br, zstd")
            .send()
            .unwrap();
        assert_eq!(gz.status().as_u16(), 200);
        assert_eq!(gz.headers()["content-encoding"], "gzip", "{path}");
        let vary = gz.headers()["vary"].to_str().unwrap().to_string();
        assert!(
            vary.contains("Accept-Encoding") && vary.contains("Accept-Language"),
            "{vary}"
        );
        let gz_tag = gz.headers()["etag"].to_str().unwrap().to_string();
        assert_ne!(gz_tag, plain_tag, "{path}: another coding, another tag");
        assert!(gz_tag.ends_with("-gzip\""), "{gz_tag}");
        let bytes = gz.bytes().unwrap();
        assert!(
            bytes.len() * 2 < plain_body.len(),
            "{path}: compressed {} of {}",
            bytes.len(),
            plain_body.len()
        );
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain_body, "{path}: the same page");

        // The compressed page's tag answers 304 to a browser that asks for gzip again.
        let again = anon
            .get(app.url(path))
            .header("Accept-Encoding", "gzip")
            .header("If-None-Match", &gz_tag)
            .send()
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), gz_tag);
    }
    // A client that refuses gzip gets the page as it is.
    let r = anon
        .get(app.url("/lists/red"))
        .header("Accept-Encoding", "gzip;q=0, identity")
        .send()
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert!(r.text().unwrap().contains("</html>"));
}

/// Many visitors asking for the same list page at once on a fresh server (the page not rendered
/// yet) take turns: one renders it, every one of them gets the same page, none waits forever.
#[test]
fn simultaneous_first_visitors_all_get_the_one_rendered_page() {
    let app = TestApp::spawn();
    let tags: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let url = app.url(if i % 2 == 0 {
                    "/lists/black"
                } else {
                    "/api/v1/public/lists/black"
                });
                s.spawn(move || {
                    let r = common::client().get(url).send().unwrap();
                    let tag = r.headers()["etag"].to_str().unwrap().to_string();
                    (r.status().as_u16(), tag)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, (status, tag)) in tags.iter().enumerate() {
        assert_eq!(*status, 200);
        assert_eq!(tag, &tags[i % 2].1, "one page, one tag");
    }
    assert_ne!(tags[0].1, tags[1].1, "the page and the JSON differ");
}

/// Answers too small to gain from gzip go out as they are, to browsers too, and the mark that
/// kept the `Compress` middleware off them (`Content-Encoding: identity`) does not reach the
/// client; a larger answer that is not a kept page (the OpenAPI document) is still compressed.
#[test]
fn small_answers_are_not_compressed() {
    let app = TestApp::spawn();
    let anon = common::client();
    for path in ["/livez", "/healthz"] {
        let r = anon
            .get(app.url(path))
            .header("Accept-Encoding", "gzip, deflate, br, zstd")
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(r.headers().get("content-encoding").is_none(), "{path}");
        assert!(r.headers().get("content-security-policy").is_some(), "{path}");
        assert!(r.text().unwrap().contains("\"status\""), "{path}");
    }
    let r = anon
        .get(app.url("/api/v1/openapi.json"))
        .header("Accept-Encoding", "gzip")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
}

/// Publishes edition `number` straight into the database with `count` black-listed entries named
/// 黑榜商户000, 黑榜商户001, … (one star each, so they sort by name).
fn black_edition(app: &TestApp, number: i32, count: usize) {
    use diesel::prelude::*;
    use gongzhi::db::schema::{edition_entries, editions};
    let mut c = app.conn();
    diesel::insert_into(editions::table)
        .values((
            editions::number.eq(number),
            editions::published_on.eq(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()),
            editions::published_at.eq(gongzhi::db::models::now_utc()),
            editions::policy_version.eq("test"),
            editions::note.eq(format!("{count} black")),
        ))
        .execute(&mut *c)
        .unwrap();
    let eid: i32 = editions::table
        .filter(editions::number.eq(number))
        .select(editions::id)
        .first(&mut *c)
        .unwrap();
    for i in 0..count {
        diesel::insert_into(edition_entries::table)
            .values((
                edition_entries::edition_id.eq(eid),
                edition_entries::merchant_id.eq(1 + (i % 40) as i32),
                edition_entries::merchant_name.eq(format!("黑榜商户{i:03}")),
                edition_entries::category.eq("餐饮服务"),
                edition_entries::area.eq("老街片区"),
                edition_entries::stars.eq(Some(1)),
                edition_entries::list.eq("black"),
                edition_entries::reason.eq("测试原因"),
                edition_entries::since.eq(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()),
            ))
            .execute(&mut *c)
            .unwrap();
    }
}

/// An edition's page shows the first 100 of each list with the counts; a whole list is paged 100
/// at a time (a large town's black list would be megabytes in one page); bad queries are refused.
#[test]
fn an_edition_page_shows_each_list_a_hundred_at_a_time() {
    let app = TestApp::spawn();
    // A number beyond the demo town's own editions.
    black_edition(&app, 77, 250);

    let (s, overview) = app.get_text("/editions/77");
    assert_eq!(s, 200);
    assert!(overview.contains("黑榜商户000") && overview.contains("黑榜商户099"));
    assert!(!overview.contains("黑榜商户100"), "only the first hundred");
    assert!(overview.contains("查看全部 250 家"), "and a link to the rest");
    assert!(
        overview.contains("href=\"/editions/77?list=black&#38;page=1\""),
        "{overview}"
    );

    let (s, p2) = app.get_text("/editions/77?list=black&page=2");
    assert_eq!(s, 200);
    assert!(p2.contains("黑榜商户100") && p2.contains("黑榜商户199") && !p2.contains("黑榜商户099"));
    assert!(p2.contains("2/3") && p2.contains("rel=\"prev\"") && p2.contains("rel=\"next\""));
    assert!(!p2.contains("class=\"card red\""), "one list only");
    let (s, p3) = app.get_text("/editions/77?list=black&page=3");
    assert_eq!(s, 200);
    assert!(p3.contains("黑榜商户249") && !p3.contains("rel=\"next\""));
    let (s, red) = app.get_text("/editions/77?list=red&lang=en");
    assert_eq!(s, 200);
    assert!(red.contains("class=\"card red\"") && !red.contains("class=\"card black\""));

    // A visitor's edition page is kept rendered: the same tag, 304 on it, no cookie.
    let anon = common::client();
    let first = anon
        .get(app.url("/editions/77?list=black&page=2"))
        .send()
        .unwrap();
    assert!(first.headers().get("set-cookie").is_none());
    assert_eq!(first.headers()["cache-control"], "public, no-cache");
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(first.text().unwrap(), p2, "the cached page is the page");
    let again = anon
        .get(app.url("/editions/77?list=black&page=2"))
        .header("If-None-Match", &tag)
        .send()
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    let other = anon
        .get(app.url("/editions/77?list=black&page=3"))
        .send()
        .unwrap();
    assert_ne!(
        other.headers()["etag"].to_str().unwrap(),
        tag,
        "another page, another tag"
    );

    assert_eq!(app.get("/editions/77?list=black&page=4").status().as_u16(), 404);
    assert_eq!(app.get("/editions/77?list=green").status().as_u16(), 404);
    let (s, body) = app.get_text("/editions/77?list=black&page=zero");
    assert_eq!(s, 422);
    assert!(
        body.contains("The page must be"),
        "in English, as chosen earlier: {body}"
    );
    let (s, body) = app.get_text("/editions/77?page=2");
    assert_eq!(s, 422, "page without a list");
    assert!(body.contains("red or the black list"), "{body}");
}

/// The API's lists come a hundred items a page too, in the list page's order, each page kept as
/// bytes with its own tag (304 on it, gzip when asked); a bad page is a 422 in JSON.
#[test]
fn the_api_lists_come_a_hundred_at_a_time() {
    let app = TestApp::spawn();
    // A number beyond the demo town's own editions.
    black_edition(&app, 88, 230);

    let names = common::item_names;
    let first: serde_json::Value = app.get("/api/v1/public/lists/black").json().unwrap();
    assert_eq!(first["edition"], 88);
    assert_eq!(
        (
            first["page"].as_i64(),
            first["per_page"].as_i64(),
            first["total"].as_i64()
        ),
        (Some(1), Some(100), Some(230))
    );
    let n1 = names(&first);
    assert_eq!(
        (n1.len(), n1[0].as_str(), n1[99].as_str()),
        (100, "黑榜商户000", "黑榜商户099")
    );
    let second: serde_json::Value = app
        .get("/api/v1/public/lists/black?page=2&lang=en")
        .json()
        .unwrap();
    let n2 = names(&second);
    assert_eq!((n2.len(), n2[0].as_str()), (100, "黑榜商户100"));
    let third: serde_json::Value = app.get("/api/v1/public/lists/black?page=3").json().unwrap();
    assert_eq!(names(&third).len(), 30);
    let past: serde_json::Value = app.get("/api/v1/public/lists/black?page=4").json().unwrap();
    assert_eq!((names(&past).len(), past["total"].as_i64()), (0, Some(230)));

    // Kept as bytes: the same tag twice, 304 on it, another page another tag, gzip when asked.
    let anon = common::client();
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut r = anon.get(app.url(path));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send().unwrap()
    };
    let a = get("/api/v1/public/lists/black?page=2", &[]);
    assert_eq!(a.status().as_u16(), 200);
    assert_eq!(a.headers()["content-type"], "application/json");
    assert_eq!(a.headers()["cache-control"], "public, max-age=60");
    let tag = a.headers()["etag"].to_str().unwrap().to_string();
    let body: serde_json::Value = a.json().unwrap();
    assert_eq!(names(&body)[0], "黑榜商户100");
    assert_eq!(
        get("/api/v1/public/lists/black?page=2", &[]).headers()["etag"]
            .to_str()
            .unwrap(),
        tag
    );
    assert_eq!(
        get("/api/v1/public/lists/black?page=2", &[("If-None-Match", &tag)])
            .status()
            .as_u16(),
        304
    );
    assert_ne!(
        get("/api/v1/public/lists/black?page=3", &[]).headers()["etag"]
            .to_str()
            .unwrap(),
        tag
    );
    let zipped = get(
        "/api/v1/public/lists/black?page=2",
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let mut raw = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&zipped.bytes().unwrap()[..]),
        &mut raw,
    )
    .unwrap();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&raw).unwrap(), body);

    for bad in ["0", "x", "-1", "100001"] {
        let r = get(&format!("/api/v1/public/lists/black?page={bad}"), &[]);
        assert_eq!(r.status().as_u16(), 422, "page={bad}");
        let e: serde_json::Value = r.json().unwrap();
        assert_eq!(e["error"], "invalid", "{e}");
    }
}

/// A policy loaded while the server runs (`gongzhi policy load` from another process) governs
/// the public record at once: here it discloses minor violations, which the shipped policy hides.
#[test]
fn a_policy_loaded_into_a_running_server_governs_its_public_pages() {
    use diesel::prelude::*;
    use gongzhi::db::schema::violations;
    let app = TestApp::spawn_with_config(true, &[("GONGZHI_PUBLIC_RECHECK_MS", "0")], false);
    let (merchant, description): (i32, String) = violations::table
        .filter(violations::severity.eq("minor"))
        .select((violations::merchant_id, violations::description))
        .first(&mut *app.conn())
        .expect("the demo town has a minor violation");
    let path = format!("/merchants/{merchant}");
    let (status, before) = app.get_text(&path);
    assert_eq!(status, 200);
    assert!(
        !before.contains(&description),
        "the shipped policy does not disclose minor violations"
    );

    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policy.toml")).unwrap();
    let changed = shipped
        .replace("version = \"2025.1\"", "version = \"2026.test\"")
        .replace(
            "disclose_violations = [\"major\", \"serious\"]",
            "disclose_violations = [\"minor\", \"major\", \"serious\"]",
        );
    assert_ne!(changed, shipped);
    gongzhi::services::policy::load(
        &mut app.conn(),
        &gongzhi::db::models::audit::Actor::system("test"),
        &changed,
    )
    .unwrap();
    let (status, after) = app.get_text(&path);
    assert_eq!(status, 200);
    assert!(
        after.contains(&description),
        "the new policy's disclosure shows without a restart"
    );
}
