//! What consumers need to understand what they see: the page that explains the stars and the
//! lists from the policy in force, the words beside every star display, the lists on a phone and
//! their edition line, the language switch, categories and areas in English, and the open data.

mod common;

use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::models::audit::Actor;
use gongzhi::db::schema::merchants;

const SHIPPED: &str = include_str!("../policy.toml");

fn load_policy(app: &TestApp, body: &str) {
    gongzhi::services::policy::load(&mut app.conn(), &Actor::system("test"), body).expect("policy loads");
}

/// The `href` of the language switch to `code` on a page (`&amp;` unescaped).
fn switch_href(body: &str, code: &str) -> String {
    let tag = if code == "en" { "en" } else { "zh-CN" };
    let end = body
        .find(&format!("hreflang=\"{tag}\""))
        .unwrap_or_else(|| panic!("no switch to {tag}"));
    let start = body[..end].rfind("href=\"").expect("href") + "href=\"".len();
    let href = &body[start..];
    href[..href.find('"').expect("quote")]
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The words of a star level as the catalogue has them (both languages).
fn words(stars: Option<i32>) -> (&'static str, &'static str) {
    match stars {
        Some(5) => ("优秀", "very good"),
        Some(4) => ("良好", "good"),
        Some(3) => ("一般", "generally satisfactory"),
        Some(2) => ("需改进", "improvement necessary"),
        Some(_) => ("差，亟需整改", "major improvement necessary"),
        None => (
            "评价期内尚无检查，暂不评级",
            "no inspection in the rating window yet",
        ),
    }
}

/// Every star display on the page is a link to /about/ratings with its words beside the stars.
fn assert_stars_carry_words(path: &str, body: &str) {
    let displays: Vec<&str> = body.split("class=\"stars-link").skip(1).collect();
    assert!(!displays.is_empty(), "{path}: no star display");
    for d in &displays {
        let d = &d[..d.find("</a>").expect("the display is a link")];
        assert!(d.contains("href=\"/about/ratings\""), "{path}: {d}");
        let w = d
            .split("<span class=\"stars-words\">")
            .nth(1)
            .and_then(|w| w.split("</span>").next())
            .unwrap_or_default();
        assert!(!w.trim().is_empty(), "{path}: a star display without words: {d}");
    }
    // No bare star display is left (the old markup).
    assert!(!body.contains("<span class=\"stars\" aria-label="), "{path}");
    assert!(!body.contains("<td class=\"stars\" aria-label="), "{path}");
}

#[test]
fn the_ratings_page_says_the_policy_in_force_in_both_languages() {
    let app = TestApp::spawn();
    let (s, zh) = app.get_text("/about/ratings");
    assert_eq!(s, 200);
    for want in [
        "优秀",
        "90 分及以上",
        "80 – 89.9 分",
        "低于 60 分",
        "严重 20 分",
        "最多扣 15 分",
        "每小时加 0.5 分",
        "至少 5 颗星",
        "满 90 天",
        "不低于 60 分",
        "只有 1 颗星或更低",
        "待评",
        "最近 365 天",
    ] {
        assert!(zh.contains(want), "{want} missing");
    }
    // The real inspection figures, counted from the data.
    let f = gongzhi::services::about::count(&mut app.conn(), app.config.today()).unwrap();
    assert!(f.rated > 0 && f.inspections > 0);
    assert!(
        zh.contains(&format!("共检查 {} 次，已评级商家 {} 家", f.inspections, f.rated)),
        "{f:?}"
    );

    let (s, en) = app.get_text("/about/ratings?lang=en");
    assert_eq!(s, 200);
    for want in [
        "very good",
        "generally satisfactory",
        "90 points or more",
        "80 – 89.9 points",
        "below 60 points",
        "serious 20",
        "90 days have passed",
        "at least 60 points",
        "1 star or fewer",
        "Not yet rated",
    ] {
        assert!(en.contains(want), "{want} missing");
    }
    assert!(
        !en.contains("优秀") && !en.contains("分及以上"),
        "no Chinese on the English page"
    );

    // The committee changes the rules: the page follows at once.
    let changed = SHIPPED
        .replace("version = \"2025.1\"", "version = \"2026.about\"")
        .replace("thresholds = [90, 80, 70, 60]", "thresholds = [95, 85, 75, 65]")
        .replace("min_stay_days = 90", "min_stay_days = 120")
        .replace("serious = 20", "serious = 25")
        .replace(
            "require_alliance_member = true",
            "require_alliance_member = false",
        )
        .replace("max_stars = 1", "max_stars = 0");
    load_policy(&app, &changed);
    let (_, zh) = app.get_text("/about/ratings?lang=zh");
    for want in [
        "95 分及以上",
        "85 – 94.9 分",
        "低于 65 分",
        "满 120 天",
        "严重 25 分",
        "2026.about",
    ] {
        assert!(zh.contains(want), "{want} missing after the change");
    }
    assert!(
        !zh.contains("联盟成员。"),
        "a criterion switched off is not listed"
    );
    assert!(!zh.contains("颗星或更低"), "a trigger switched off is not listed");
    let (_, en) = app.get_text("/about/ratings?lang=en");
    assert!(en.contains("95 points or more") && en.contains("120 days"));
}

#[test]
fn every_star_display_carries_its_words_and_a_link_to_the_explanation() {
    let app = TestApp::spawn();
    let edition: i32 = {
        use gongzhi::db::schema::editions;
        editions::table
            .select(diesel::dsl::max(editions::number))
            .first::<Option<i32>>(&mut app.conn())
            .unwrap()
            .expect("the demo publishes editions")
    };
    for lang in ["zh", "en"] {
        for path in [
            "/".to_string(),
            "/lists/red".into(),
            "/lists/black".into(),
            "/search?q=%E9%9D%A2".into(),
            "/merchants/2".into(),
            format!("/editions/{edition}"),
        ] {
            let path = format!("{path}{}lang={lang}", if path.contains('?') { '&' } else { '?' });
            let (s, body) = app.get_text(&path);
            assert_eq!(s, 200, "{path}");
            assert_stars_carry_words(&path, &body);
        }
    }
    // The record's words are the merchant's level.
    let stars: Option<i32> = merchants::table
        .find(2)
        .select(merchants::current_stars)
        .first(&mut app.conn())
        .unwrap();
    let (zh, en) = words(stars);
    let (_, record) = app.get_text("/merchants/2?lang=en");
    assert!(record.contains(&format!("<span class=\"stars-words\">{en}</span>")));

    // The plaque and its check page say the words and link the explanation.
    let (s, plaque) = app.get_text("/merchants/2/plaque?lang=zh");
    assert_eq!(s, 200);
    assert!(
        plaque.contains(&format!("<a href=\"/about/ratings\">{zh}</a>")),
        "{plaque}"
    );
    let url = plaque
        .split("<small class=\"plaque-url\">")
        .nth(1)
        .and_then(|u| u.split('<').next())
        .expect("the plaque prints its check URL")
        .replace("&amp;", "&");
    let path = &url[url.find("/merchants/").expect("check path")..];
    let (s, check) = app.get_text(path);
    assert_eq!(s, 200);
    assert!(check.contains("标牌有效"));
    assert!(check.contains(zh) && check.contains("href=\"/about/ratings\""));
}

#[test]
fn the_lists_are_cards_on_a_phone_and_say_their_edition() {
    let app = TestApp::spawn();
    let number: i32 = {
        use gongzhi::db::schema::editions;
        editions::table
            .select(diesel::dsl::max(editions::number))
            .first::<Option<i32>>(&mut app.conn())
            .unwrap()
            .unwrap()
    };
    for list in ["red", "black"] {
        let (_, zh) = app.get_text(&format!("/lists/{list}?lang=zh"));
        assert!(
            zh.contains(&format!("第{number}期 · 发布日期")),
            "{list}: the edition line"
        );
        assert!(zh.contains("href=\"/editions\""), "{list}: the archive link");
        assert!(
            zh.contains("<td role=\"cell\" data-label=\"类别\""),
            "{list}: labelled cells"
        );
        assert!(zh.contains("共 ") || zh.contains("家"), "{list}: the count");
        let (_, en) = app.get_text(&format!("/lists/{list}?lang=en"));
        assert!(en.contains(&format!("No. {number} · Published")), "{list}");
        assert!(en.contains("data-label=\"Category\""));
    }
    let (_, black) = app.get_text("/lists/black?lang=zh");
    assert!(
        black.contains("<ul class=\"reasons\"><li>"),
        "reasons are bullets"
    );
    let (_, home) = app.get_text("/?lang=zh");
    assert!(home.contains("href=\"/editions\"") && home.contains(&format!("第{number}期")));
    let (_, css) = app.get_text("/static/app.css");
    assert!(css.contains("@media (max-width: 600px)") && css.contains("attr(data-label)"));
}

#[test]
fn the_language_switch_keeps_the_page_and_its_query() {
    let app = TestApp::spawn();
    let (_, page) = app.get_text("/search?q=%E7%89%9B%E8%82%89&page=1&lang=zh");
    let href = switch_href(&page, "en");
    assert_eq!(href, "/search?q=%E7%89%9B%E8%82%89&page=1&lang=en");
    let (s, en) = app.get_text(&href);
    assert_eq!(s, 200);
    assert!(en.contains("李记牛肉面") && en.contains("<html lang=\"en\">"));
    // And back, without piling up `lang`.
    assert_eq!(
        switch_href(&en, "zh"),
        "/search?q=%E7%89%9B%E8%82%89&page=1&lang=zh"
    );

    let (_, list) = app.get_text("/lists/black?category=%E9%A4%90%E9%A5%AE%E6%9C%8D%E5%8A%A1&lang=zh");
    assert_eq!(
        switch_href(&list, "en"),
        "/lists/black?category=%E9%A4%90%E9%A5%AE%E6%9C%8D%E5%8A%A1&lang=en"
    );
    let (_, record) = app.get_text("/merchants/2?lang=zh");
    assert_eq!(switch_href(&record, "en"), "/merchants/2?lang=en");

    // A page rendered in answer to a POST leads to its form page (GET), not to a 405.
    let (_, form) = app.get_text("/complaints/new?merchant=2&lang=zh");
    let csrf = common::extract_csrf(&form).unwrap();
    let ts = form
        .split("name=\"ts\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap()
        .to_string();
    let r = app.post_form(
        "/complaints",
        &[("csrf", &csrf), ("ts", &ts), ("merchant", "2"), ("body", "太短")],
    );
    assert_eq!(r.status().as_u16(), 422);
    let error_page = r.text().unwrap();
    let href = switch_href(&error_page, "en");
    assert_eq!(href, "/complaints/new?merchant=2&lang=en");
    let (s, en) = app.get_text(&href);
    assert_eq!(s, 200, "the switch leads to a page that exists");
    assert!(en.contains("李记牛肉面"));
}

#[test]
fn categories_and_areas_show_in_the_readers_language() {
    let app = TestApp::spawn_with_config(true, &[("GONGZHI_PUBLIC_RECHECK_MS", "0")], false);
    let number: i32 = {
        use gongzhi::db::schema::editions;
        editions::table
            .select(diesel::dsl::max(editions::number))
            .first::<Option<i32>>(&mut app.conn())
            .unwrap()
            .unwrap()
    };
    for path in [
        "/lists/red?lang=en".to_string(),
        "/lists/black?lang=en".into(),
        "/".into(),
        "/search?q=%E9%9D%A2&lang=en".into(),
        "/merchants/2?lang=en".into(),
        format!("/editions/{number}?lang=en"),
    ] {
        let (s, body) = app.get_text(&path);
        assert_eq!(s, 200, "{path}");
        if path == "/" {
            continue; // the cookie says English now; the home page shows no categories
        }
        assert!(body.contains("Food service"), "{path}: the category in English");
        assert!(!body.contains(">餐饮服务<"), "{path}: no Chinese category shown");
    }
    let (_, record) = app.get_text("/merchants/2?lang=en");
    assert!(
        record.contains("<span>Food service</span> ·"),
        "the record's category line, not marked as typed"
    );
    let (_, black) = app.get_text("/lists/black?lang=en");
    assert!(
        black.contains("Old Street")
            || black.contains("New Town")
            || black.contains("Riverside")
            || black.contains("Station")
    );
    // The filter keeps the stored text as its value, the English name as its label.
    assert!(black.contains("<option value=\"餐饮服务\""));
    let (s, filtered) = app.get_text("/lists/black?category=%E9%A4%90%E9%A5%AE%E6%9C%8D%E5%8A%A1&lang=en");
    assert_eq!(s, 200);
    assert!(filtered.contains("value=\"餐饮服务\" selected>Food service</option>"));
    // Chinese pages show the stored names.
    let (_, zh) = app.get_text("/lists/black?lang=zh");
    assert!(zh.contains(">餐饮服务<") && !zh.contains("Food service"));

    // Free text that matches no declared name is shown as typed, marked translate="no".
    diesel::update(merchants::table.find(2))
        .set((
            merchants::category.eq("夜市小吃"),
            merchants::updated_at.eq(gongzhi::db::models::now_utc()),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let (_, en) = app.get_text("/search?q=%E6%9D%8E%E8%AE%B0&lang=en");
    assert!(en.contains("translate=\"no\">夜市小吃<"), "{en}");

    // A new policy naming a category differently shows on the kept list pages at once.
    let body = gongzhi::services::policy::active_body(&mut app.conn()).unwrap();
    let renamed = body
        .replace("name_en = \"Food service\"", "name_en = \"Restaurants\"")
        .replace("version = \"2025.1+demo\"", "version = \"2026.names\"");
    assert_ne!(renamed, body);
    load_policy(&app, &renamed);
    let (_, black) = app.get_text("/lists/black?lang=en");
    assert!(black.contains("Restaurants") && !black.contains("Food service"));
}

#[test]
fn the_open_data_page_links_what_works_and_the_footer_links_both_pages() {
    let app = TestApp::spawn();
    let (s, home) = app.get_text("/");
    assert_eq!(s, 200);
    let footer = &home[home.find("<footer").expect("footer")..];
    assert!(footer.contains("href=\"/about/ratings\"") && footer.contains("href=\"/about/data\""));
    for lang in ["zh", "en"] {
        let (s, page) = app.get_text(&format!("/about/data?lang={lang}"));
        assert_eq!(s, 200);
        let links: Vec<String> = page
            .split("<ul class=\"data-links\">")
            .skip(1)
            .flat_map(|ul| {
                ul[..ul.find("</ul>").unwrap()]
                    .split("<a href=\"")
                    .skip(1)
                    .map(|a| a[..a.find('"').unwrap()].replace("&#38;", "&"))
                    .collect::<Vec<_>>()
            })
            .collect();
        for want in [
            "/export/merchants.csv",
            "/export/lives.zip",
            "/export/fhrs.xml",
            "/api/v1/openapi.json",
            "/api/v1/public/lists/red",
            "/api/v1/public/editions",
        ] {
            assert!(links.iter().any(|l| l == want), "{want} not linked");
        }
        assert!(links.iter().any(|l| l.starts_with("/api/v1/public/editions/")));
        for l in &links {
            let r = app.get(l);
            assert_eq!(r.status().as_u16(), 200, "{l}");
        }
    }
    let (s, _) = app.get_text("/about/ratings");
    assert_eq!(s, 200);
}
