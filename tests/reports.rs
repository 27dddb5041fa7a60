//! The year in review: a database filled with known records of 2024 (and a few just outside it),
//! and the exact figures the JSON API, the page, its charts and their CSV files give for them.

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::*;
use gongzhi::db::DbConn;
use serde_json::{json, Value};

const YEAR: i32 = 2024;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn t(y: i32, m: u32, day: u32, h: u32) -> NaiveDateTime {
    d(y, m, day).and_hms_opt(h, 0, 0).unwrap()
}

fn now() -> NaiveDateTime {
    t(2024, 1, 1, 0)
}

/// Inserts a merchant; returns its id.
fn merchant(
    c: &mut DbConn,
    name: &str,
    since: Option<NaiveDate>,
    left: Option<NaiveDate>,
    status: &str,
) -> i32 {
    diesel::insert_into(merchants::table)
        .values((
            merchants::name.eq(name),
            merchants::category.eq("restaurant"),
            merchants::address.eq("1 Main Street"),
            merchants::area.eq("North"),
            merchants::contact_name.eq("Owner"),
            merchants::email.eq("owner@example.com"),
            merchants::phone.eq("13800000000"),
            merchants::member_since.eq(since),
            merchants::member_left_on.eq(left),
            merchants::status.eq(status),
            merchants::current_list.eq("none"),
            merchants::created_at.eq(now()),
            merchants::updated_at.eq(now()),
        ))
        .execute(c)
        .unwrap();
    merchants::table
        .select(diesel::dsl::max(merchants::id))
        .first::<Option<i32>>(c)
        .unwrap()
        .unwrap()
}

/// Inserts an inspection with its marked-down checklist items; returns its id.
fn inspection(c: &mut DbConn, merchant_id: i32, on: NaiveDate, items: &[(&str, i32)]) -> i32 {
    diesel::insert_into(inspections::table)
        .values((
            inspections::merchant_id.eq(merchant_id),
            inspections::inspected_on.eq(on),
            inspections::kind.eq("routine"),
            inspections::score.eq(90),
            inspections::created_at.eq(now()),
            inspections::updated_at.eq(now()),
        ))
        .execute(c)
        .unwrap();
    let id = inspections::table
        .select(diesel::dsl::max(inspections::id))
        .first::<Option<i32>>(c)
        .unwrap()
        .unwrap();
    for (code, deduction) in items {
        diesel::insert_into(inspection_items::table)
            .values((
                inspection_items::inspection_id.eq(id),
                inspection_items::item_code.eq(*code),
                inspection_items::deduction.eq(*deduction),
                inspection_items::note.eq(""),
            ))
            .execute(c)
            .unwrap();
    }
    id
}

fn violation(c: &mut DbConn, inspection_id: i32, merchant_id: i32, severity: &str, on: NaiveDate) {
    diesel::insert_into(violations::table)
        .values((
            violations::inspection_id.eq(inspection_id),
            violations::merchant_id.eq(merchant_id),
            violations::code.eq("V"),
            violations::severity.eq(severity),
            violations::description.eq("found"),
            violations::legal_basis.eq(""),
            violations::fine_fen.eq(0i64),
            violations::found_on.eq(on),
            violations::created_at.eq(now()),
        ))
        .execute(c)
        .unwrap();
}

fn notice(
    c: &mut DbConn,
    seq: i32,
    (merchant_id, inspection_id): (i32, i32),
    issued: NaiveDateTime,
    deadline: NaiveDate,
    verified: Option<NaiveDateTime>,
) {
    use chrono::Datelike;
    diesel::insert_into(notices::table)
        .values((
            notices::number.eq(format!("N-{seq}")),
            notices::year.eq(issued.year()),
            notices::seq.eq(seq),
            notices::merchant_id.eq(merchant_id),
            notices::inspection_id.eq(inspection_id),
            notices::required_actions.eq("fix it"),
            notices::deadline.eq(deadline),
            notices::state.eq(if verified.is_some() { "verified" } else { "overdue" }),
            notices::issued_at.eq(issued),
            notices::verified_at.eq(verified),
        ))
        .execute(c)
        .unwrap();
}

fn complaint(
    c: &mut DbConn,
    merchant_id: i32,
    status: &str,
    created: NaiveDateTime,
    triaged: Option<NaiveDateTime>,
) {
    diesel::insert_into(complaints::table)
        .values((
            complaints::merchant_id.eq(merchant_id),
            complaints::body.eq("a complaint"),
            complaints::client_hash.eq("h"),
            complaints::status.eq(status),
            complaints::created_at.eq(created),
            complaints::triaged_at.eq(triaged),
        ))
        .execute(c)
        .unwrap();
}

fn training(c: &mut DbConn, on: NaiveDate, hours_tenths: i32, attendees: &[i32]) {
    diesel::insert_into(trainings::table)
        .values((
            trainings::title.eq("Food safety"),
            trainings::held_on.eq(on),
            trainings::hours_tenths.eq(hours_tenths),
            trainings::created_at.eq(now()),
        ))
        .execute(c)
        .unwrap();
    let id = trainings::table
        .select(diesel::dsl::max(trainings::id))
        .first::<Option<i32>>(c)
        .unwrap()
        .unwrap();
    for m in attendees {
        diesel::insert_into(training_attendance::table)
            .values((
                training_attendance::training_id.eq(id),
                training_attendance::merchant_id.eq(*m),
            ))
            .execute(c)
            .unwrap();
    }
}

fn reward(c: &mut DbConn, merchant_id: i32, fen: i64, on: NaiveDate) {
    diesel::insert_into(rewards::table)
        .values((
            rewards::merchant_id.eq(merchant_id),
            rewards::amount_fen.eq(fen),
            rewards::reason.eq("excellent"),
            rewards::granted_on.eq(on),
            rewards::created_at.eq(now()),
        ))
        .execute(c)
        .unwrap();
}

fn snapshot(c: &mut DbConn, merchant_id: i32, as_of: NaiveDate, stars: Option<i32>) {
    diesel::insert_into(rating_snapshots::table)
        .values((
            rating_snapshots::merchant_id.eq(merchant_id),
            rating_snapshots::as_of.eq(as_of),
            rating_snapshots::computed_at.eq(now()),
            rating_snapshots::policy_version.eq("test"),
            rating_snapshots::score_tenths.eq(stars.map(|s| s * 200)),
            rating_snapshots::stars.eq(stars),
            rating_snapshots::list_status.eq("none"),
            rating_snapshots::breakdown.eq("{}"),
        ))
        .execute(c)
        .unwrap();
}

fn edition(c: &mut DbConn, number: i32, on: NaiveDate, entries: &[(i32, &str)]) {
    diesel::insert_into(editions::table)
        .values((
            editions::number.eq(number),
            editions::published_on.eq(on),
            editions::published_at.eq(now()),
            editions::policy_version.eq("test"),
            editions::note.eq(""),
        ))
        .execute(c)
        .unwrap();
    let id = editions::table
        .select(diesel::dsl::max(editions::id))
        .first::<Option<i32>>(c)
        .unwrap()
        .unwrap();
    for (m, list) in entries {
        diesel::insert_into(edition_entries::table)
            .values((
                edition_entries::edition_id.eq(id),
                edition_entries::merchant_id.eq(*m),
                edition_entries::merchant_name.eq("name"),
                edition_entries::category.eq("restaurant"),
                edition_entries::area.eq("North"),
                edition_entries::list.eq(*list),
                edition_entries::reason.eq(""),
                edition_entries::since.eq(on),
            ))
            .execute(c)
            .unwrap();
    }
}

fn list_entry(c: &mut DbConn, merchant_id: i32, list: &str, entered: NaiveDate, left: Option<NaiveDate>) {
    diesel::insert_into(list_entries::table)
        .values((
            list_entries::merchant_id.eq(merchant_id),
            list_entries::list.eq(list),
            list_entries::entered_on.eq(entered),
            list_entries::entered_reason.eq(""),
            list_entries::left_on.eq(left),
        ))
        .execute(c)
        .unwrap();
}

/// (merchant, name, level, rank, revoked)
fn commendations_of_2024(c: &mut DbConn, commended: &[(i32, &str, &str, i32, Option<NaiveDate>)]) {
    diesel::insert_into(commendation_decisions::table)
        .values((
            commendation_decisions::year.eq(YEAR),
            commendation_decisions::number.eq("D-2024"),
            commendation_decisions::seq.eq(1),
            commendation_decisions::decided_on.eq(d(2025, 1, 20)),
            commendation_decisions::decided_at.eq(now()),
            commendation_decisions::policy_version.eq("test"),
            commendation_decisions::note.eq(""),
        ))
        .execute(c)
        .unwrap();
    let decision: i32 = commendation_decisions::table
        .select(commendation_decisions::id)
        .first(c)
        .unwrap();
    for (m, name, level, rank, revoked) in commended {
        diesel::insert_into(commendations::table)
            .values((
                commendations::decision_id.eq(decision),
                commendations::year.eq(YEAR),
                commendations::merchant_id.eq(*m),
                commendations::merchant_name.eq(*name),
                commendations::category.eq("restaurant"),
                commendations::area.eq("North"),
                commendations::level.eq(*level),
                commendations::level_rank.eq(*rank),
                commendations::level_name_zh.eq(if *rank == 1 {
                    "金牌商家"
                } else {
                    "银牌商家"
                }),
                commendations::level_name_en.eq(if *rank == 1 { "Gold" } else { "Silver" }),
                commendations::criteria.eq("{}"),
                commendations::revoked_on.eq(*revoked),
            ))
            .execute(c)
            .unwrap();
    }
}

/// The town of the tests: three members' 2024, and records just before and after it.
fn fill(app: &TestApp) {
    let c = &mut *app.conn();
    let alpha = merchant(c, "Alpha Noodles", Some(d(2024, 2, 1)), None, "open");
    let beta = merchant(c, "Beta Tea", Some(d(2020, 5, 1)), Some(d(2024, 6, 30)), "open");
    let gamma = merchant(c, "Gamma Grill", Some(d(2023, 1, 1)), None, "open");
    let later = merchant(c, "Delta Bakery", Some(d(2025, 3, 1)), None, "open");
    let closed = merchant(c, "Epsilon Bar", None, None, "closed");

    // Two inspections in March, one in July; one on each side of the year.
    let i1 = inspection(c, alpha, d(2024, 3, 5), &[("C03", 5), ("C07", 2)]);
    let i2 = inspection(c, gamma, d(2024, 3, 20), &[("C03", 3), ("C01", 0)]);
    let i3 = inspection(c, beta, d(2024, 7, 10), &[("C07", 1), ("C05", 2)]);
    let i4 = inspection(c, alpha, d(2023, 12, 31), &[("C03", 4)]);
    let _i5 = inspection(c, gamma, d(2025, 1, 1), &[("C09", 4)]);

    violation(c, i1, alpha, "minor", d(2024, 3, 5));
    violation(c, i2, gamma, "major", d(2024, 3, 20));
    violation(c, i3, beta, "serious", d(2024, 7, 10));
    violation(c, i4, alpha, "serious", d(2023, 12, 31));

    // Verified on time after 7 days; unverified past its deadline; verified late after 13 days;
    // due in January 2025 (open at the year's end); issued in 2023.
    notice(
        c,
        1,
        (alpha, i1),
        t(2024, 3, 5, 9),
        d(2024, 3, 15),
        Some(t(2024, 3, 12, 9)),
    );
    notice(c, 2, (beta, i3), t(2024, 7, 10, 9), d(2024, 7, 20), None);
    notice(
        c,
        3,
        (gamma, i2),
        t(2024, 3, 20, 9),
        d(2024, 3, 30),
        Some(t(2024, 4, 2, 9)),
    );
    notice(
        c,
        4,
        (gamma, i2),
        t(2024, 12, 20, 9),
        d(2025, 1, 10),
        Some(t(2025, 1, 5, 9)),
    );
    notice(c, 5, (alpha, i4), t(2023, 12, 31, 9), d(2024, 1, 10), None);

    complaint(c, alpha, "verified", t(2024, 5, 1, 10), Some(t(2024, 5, 3, 10)));
    complaint(c, beta, "dismissed", t(2024, 6, 1, 10), Some(t(2024, 6, 2, 22)));
    complaint(c, gamma, "new", t(2024, 8, 1, 10), None);
    complaint(c, alpha, "verified", t(2023, 11, 1, 10), Some(t(2023, 11, 2, 10)));

    training(c, d(2024, 4, 10), 25, &[alpha, beta, gamma]);
    training(c, d(2024, 9, 1), 20, &[alpha]);
    training(c, d(2023, 6, 1), 30, &[alpha]);

    reward(c, alpha, 50_000, d(2024, 5, 1));
    reward(c, alpha, 30_000, d(2024, 11, 1));
    reward(c, gamma, 20_000, d(2024, 12, 31));
    reward(c, beta, 99_900, d(2025, 1, 1));

    snapshot(c, alpha, d(2024, 6, 1), Some(3));
    snapshot(c, alpha, d(2024, 12, 1), Some(5));
    snapshot(c, alpha, d(2025, 2, 1), Some(2));
    snapshot(c, beta, d(2024, 3, 1), Some(1));
    snapshot(c, gamma, d(2024, 5, 1), None);
    snapshot(c, later, d(2025, 3, 1), Some(4));
    snapshot(c, closed, d(2024, 5, 1), Some(4));

    edition(c, 1, d(2023, 12, 15), &[(alpha, "red")]);
    edition(
        c,
        2,
        d(2024, 4, 1),
        &[(alpha, "red"), (beta, "black"), (gamma, "red")],
    );
    edition(
        c,
        3,
        d(2024, 10, 1),
        &[(alpha, "red"), (beta, "black"), (gamma, "black")],
    );
    edition(c, 4, d(2024, 12, 31), &[]);

    // Beta leaves the black list twice, Gamma once: two merchants repaired their credit.
    list_entry(c, beta, "black", d(2024, 2, 1), Some(d(2024, 8, 1)));
    list_entry(c, beta, "black", d(2024, 9, 1), Some(d(2024, 11, 1)));
    list_entry(c, gamma, "black", d(2023, 5, 1), Some(d(2024, 1, 15)));
    list_entry(c, alpha, "red", d(2024, 1, 1), Some(d(2024, 5, 1)));
    list_entry(c, alpha, "black", d(2024, 12, 1), Some(d(2025, 1, 2)));

    commendations_of_2024(
        c,
        &[
            (beta, "Beta Tea", "silver", 2, Some(d(2025, 2, 1))),
            (alpha, "Alpha Noodles", "silver", 2, None),
            (gamma, "Gamma Grill", "gold", 1, None),
        ],
    );
}

#[test]
fn the_figures_of_a_year_are_exact() {
    let app = TestApp::spawn_with(false);
    fill(&app);
    let r = app.get(&format!("/api/v1/public/reports/{YEAR}"));
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().unwrap();
    assert_eq!(v["year"], 2024);
    assert_eq!(v["from"], "2024-01-01");
    assert_eq!(v["to"], "2024-12-31");
    assert_eq!(v["complete"], true);
    assert_eq!(v["members"], json!({"joined": 1, "left": 1, "at_end": 2}));
    assert_eq!(
        v["inspections_by_month"],
        json!([0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    );
    assert_eq!(v["inspections"], 3);
    assert_eq!(
        v["violations"],
        json!({"minor": 1, "major": 1, "serious": 1, "total": 3})
    );
    let top: Vec<(String, i64)> = v["checklist_top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap().to_string(),
                i["inspections"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(top, vec![("C03".into(), 2), ("C07".into(), 2), ("C05".into(), 1)]);
    assert_eq!(
        v["checklist_top"][0]["title_en"],
        "Raw and cooked food kept apart (preparation, storage, utensils)"
    );
    assert_eq!(
        v["notices"],
        json!({"issued": 4, "on_time": 1, "overdue": 2, "open": 1, "median_days_to_verify": 10.0})
    );
    assert_eq!(
        v["complaints"],
        json!({"verified": 1, "triaged": 2, "median_days_to_triage": 1.8})
    );
    assert_eq!(
        v["trainings"],
        json!({"held": 2, "attendances": 4, "attendance_hours_tenths": 95})
    );
    assert_eq!(
        v["rewards"],
        json!({"paid_fen": 100_000, "count": 3, "merchants": 2})
    );
    assert_eq!(v["stars"], json!({"by_stars": [1, 0, 0, 0, 1], "unrated": 1}));
    assert_eq!(
        v["editions"],
        json!([
            {"number": 2, "published_on": "2024-04-01", "red": 2, "black": 1},
            {"number": 3, "published_on": "2024-10-01", "red": 1, "black": 2},
            {"number": 4, "published_on": "2024-12-31", "red": 0, "black": 0},
        ])
    );
    assert_eq!(v["credit_repairs"], 2);
    let commended: Vec<(&str, Option<&str>)> = v["commendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["merchant_name"].as_str().unwrap(), c["revoked_on"].as_str()))
        .collect();
    assert_eq!(
        commended,
        vec![
            ("Gamma Grill", None),
            ("Alpha Noodles", None),
            ("Beta Tea", Some("2025-02-01"))
        ]
    );

    // The year before has its own figures, and no commendation.
    let before: Value = app.get("/api/v1/public/reports/2023").json().unwrap();
    assert_eq!(before["inspections"], 1);
    assert_eq!(before["violations"]["serious"], 1);
    assert_eq!(before["notices"]["issued"], 1);
    assert_eq!(
        before["notices"]["overdue"], 0,
        "due in 2024: open at the end of 2023"
    );
    assert_eq!(before["commendations"], json!([]));
}

/// Every chart's SVG, table and CSV link on the page.
fn assert_charts(body: &str, year: i32, lang: &str) {
    for id in [
        "inspections",
        "violations",
        "checklist",
        "notices",
        "stars",
        "lists",
        "members",
    ] {
        assert!(
            body.contains(&format!("data-chart=\"{id}\"><title id=\"chart-{id}-title\">")),
            "the {id} chart's SVG"
        );
        assert!(
            body.contains(&format!(
                "<table class=\"list report-table\" data-chart=\"{id}\">"
            )),
            "the {id} chart's table"
        );
        assert!(
            body.contains(&format!("href=\"/reports/{year}/{id}.csv?lang={lang}\"")),
            "the {id} chart's CSV link"
        );
    }
    assert_eq!(body.matches("<svg class=\"report-chart\"").count(), 7);
    assert!(!body.contains("style="), "no style attribute under the CSP");
}

#[test]
fn the_page_shows_each_chart_with_its_table_and_csv_in_either_language() {
    let app = TestApp::spawn_with(false);
    fill(&app);
    let (status, zh) = app.get_text(&format!("/reports/{YEAR}?lang=zh"));
    assert_eq!(status, 200);
    assert_charts(&zh, YEAR, "zh");
    for expected in [
        "2024 年度总结",
        "每月检查次数",
        "¥1,000.00 <small>2 家商家</small>",
        "9.5",
        "10.0 天",
        "1.8 天",
        "生熟分开（加工、存放、工用具）",
        "金牌商家",
        "已撤销 2025-02-01",
        "第2期",
    ] {
        assert!(zh.contains(expected), "{expected} missing from the Chinese page");
    }
    // Gold first, then silver by name.
    let (g, a, b) = (
        zh.find("Gamma Grill</a>").unwrap(),
        zh.find("Alpha Noodles</a>").unwrap(),
        zh.find("Beta Tea</a>").unwrap(),
    );
    assert!(g < a && a < b, "commended by level, then name");

    let (status, en) = app.get_text(&format!("/reports/{YEAR}?lang=en"));
    assert_eq!(status, 200);
    assert_charts(&en, YEAR, "en");
    for expected in [
        "2024 year in review",
        "Inspections by month",
        "¥1,000.00 <small>to 2 merchants</small>",
        "10.0 days",
        "Raw and cooked food kept apart",
        "Gold",
        "Revoked 2025-02-01",
        "No. 2",
    ] {
        assert!(en.contains(expected), "{expected} missing from the English page");
    }
    // Every name in this town is typed in English, so the English page has no Chinese at all.
    let chinese: String = en
        .chars()
        .filter(|ch| ('\u{4e00}'..='\u{9fff}').contains(ch))
        .collect();
    assert_eq!(chinese, "共治中文", "only the brand and the switch to Chinese");

    // The CSV files: a BOM, the header in the reader's language, the chart's numbers.
    let csv = |path: &str| {
        let r = app.get(path);
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        let bytes = r.bytes().unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{path} starts with a BOM");
        let mut rows = csv::Reader::from_reader(&bytes[3..]);
        let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
        let body: Vec<Vec<String>> = rows
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        (header, body)
    };
    let (h, rows) = csv("/reports/2024/inspections.csv?lang=en");
    assert_eq!(h, ["Month", "Inspections"]);
    assert_eq!(rows.len(), 12);
    assert_eq!(rows[2], ["Mar", "2"]);
    assert_eq!(rows[6], ["Jul", "1"]);
    let (h, rows) = csv("/reports/2024/violations.csv?lang=zh");
    assert_eq!(h, ["严重程度", "起数"]);
    assert_eq!(rows, [["一般", "1"], ["较重", "1"], ["严重", "1"]]);
    let (h, rows) = csv("/reports/2024/checklist.csv?lang=en");
    assert_eq!(h, ["Code", "Checklist item", "Inspections marked down"]);
    assert_eq!(rows[0][0], "C03");
    assert_eq!(
        rows[0][1],
        "Raw and cooked food kept apart (preparation, storage, utensils)"
    );
    assert_eq!(rows[0][2], "2");
    let (_, rows) = csv("/reports/2024/notices.csv?lang=en");
    assert_eq!(
        rows,
        [["Issued", "4"], ["On time", "1"], ["Overdue", "2"], ["Open", "1"]]
    );
    let (_, rows) = csv("/reports/2024/stars.csv?lang=en");
    assert_eq!(rows[0], ["★1", "1"]);
    assert_eq!(rows[4], ["★5", "1"]);
    assert_eq!(rows[5], ["Unrated", "1"]);
    let (h, rows) = csv("/reports/2024/lists.csv?lang=en");
    assert_eq!(h, ["Edition", "Published", "Red list", "Black list"]);
    assert_eq!(rows[0], ["No. 2", "2024-04-01", "2", "1"]);
    assert_eq!(rows.len(), 3);
    let (_, rows) = csv("/reports/2024/members.csv?lang=en");
    assert_eq!(rows, [["Joined", "1"], ["Left", "1"]]);
}

#[test]
fn years_with_data_are_listed_and_bad_years_are_a_clear_404() {
    let app = TestApp::spawn_with(false);
    let (status, empty) = app.get_text("/reports?lang=en");
    assert_eq!(status, 200);
    assert!(empty.contains("No data yet."));
    fill(&app);
    let (_, index) = app.get_text("/reports?lang=en");
    let (y25, y24, y23) = (
        index.find("href=\"/reports/2025\"").expect("2025"),
        index.find("href=\"/reports/2024\"").expect("2024"),
        index.find("href=\"/reports/2023\"").expect("2023"),
    );
    assert!(y25 < y24 && y24 < y23, "newest first");
    assert!(
        index.contains("href=\"/reports/2020\""),
        "Beta Tea joined in 2020"
    );
    assert!(
        !index.contains("href=\"/reports/2022\""),
        "nothing happened in 2022"
    );

    let next = app
        .config
        .today()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        + 1;
    for (path, zh, en) in [
        (
            "/reports/1999",
            "没有 1999 年的年度总结",
            "There is no report for 1999",
        ),
        (
            &format!("/reports/{}", next + 1),
            "年份应在 2000 到",
            "reports cover the years 2000 to",
        ),
        ("/reports/abc", "不是年份", "is not a year"),
        ("/reports/2024/nope.csv", "没有名为", "has no chart called"),
        (
            "/reports/1999/stars.csv",
            "没有 1999 年",
            "There is no report for 1999",
        ),
    ] {
        let (status, body) = app.get_text(&format!("{path}?lang=zh"));
        assert_eq!(status, 404, "{path}");
        assert!(body.contains(zh), "{path} in Chinese: {body}");
        let (status, body) = app.get_text(&format!("{path}?lang=en"));
        assert_eq!(status, 404, "{path}");
        assert!(body.contains(en), "{path} in English: {body}");
    }
    let r = app.get("/api/v1/public/reports/1999");
    assert_eq!(r.status().as_u16(), 404);
    let v: Value = r.json().unwrap();
    assert_eq!(v["error"], "not_found");
    assert!(v["message_en"].as_str().unwrap().contains("2000 to"));
    assert_eq!(app.get("/api/v1/public/reports/twenty").status().as_u16(), 404);
    // Next year is in range: a report with nothing in it yet.
    let v: Value = app.get(&format!("/api/v1/public/reports/{next}")).json().unwrap();
    assert_eq!(v["inspections"], 0);
    assert_eq!(v["complete"], false);
}

#[test]
fn this_year_runs_to_today_and_the_staff_see_it_after_logging_in() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let year = today.format("%Y").to_string();
    let v: Value = app.get(&format!("/api/v1/public/reports/{year}")).json().unwrap();
    assert_eq!(v["to"], today.to_string());
    assert_eq!(v["complete"], today.format("%m-%d").to_string() == "12-31");
    assert_eq!(v["inspections_by_month"].as_array().unwrap().len(), 12);

    assert_eq!(app.get("/staff/stats").status().as_u16(), 401);
    app.login("merchant", "gongzhi-demo");
    assert_eq!(app.get("/staff/stats").status().as_u16(), 403);
    let app2 = TestApp::spawn();
    app2.login("inspector", "gongzhi-demo");
    let r = app2.get("/staff/stats?lang=en");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body = r.text().unwrap();
    assert!(body.contains("This year so far"));
    assert!(
        body.contains(&format!("Year to date: {year}-01-01"))
            || body.contains(&format!("{year}-01-01 – {year}-12-31"))
    );
    // The bulletins' read rate over time follows the year's charts, with its own chart.
    let (year_part, bulletins) = body.split_at(
        body.find("id=\"bulletin-rates\"")
            .expect("the bulletins' section"),
    );
    assert_charts(year_part, year.parse().unwrap(), "en");
    assert!(bulletins.contains("data-chart=\"bulletin-rates\"") && !bulletins.contains("style="));
    // The dashboard links to it.
    let (_, dash) = app2.get_text("/staff");
    assert!(dash.contains("href=\"/staff/stats\""));
    // The footer of every page links to the reports.
    let (_, home) = app2.get_text("/");
    assert!(home.contains("<a href=\"/reports\">"));
}

#[test]
fn the_openapi_document_describes_the_report() {
    let app = TestApp::spawn_with(false);
    let doc: Value = app.get("/api/v1/openapi.json").json().unwrap();
    assert!(doc["paths"]["/api/v1/public/reports/{year}"]["get"].is_object());
    let schema = &doc["components"]["schemas"]["YearReport"];
    for field in [
        "members",
        "inspections_by_month",
        "notices",
        "stars",
        "commendations",
    ] {
        assert!(schema["properties"][field].is_object(), "{field} in {schema}");
    }
}
