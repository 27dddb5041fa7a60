//! The work queue and the inspection programme (branch queue, issue 16): staff land on /staff,
//! the queue's counts per role and as they move, the JSON that matches the page, stored due
//! dates (new, by stars/list, complaint, follow-up, closed), a policy change through the daily
//! job, the due list's order and area filter, its CSV and its route sheet.

mod common;

use chrono::{Duration, NaiveDate};
use common::TestApp;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use gongzhi::db::models::audit::Actor;
use gongzhi::db::schema::{merchants, notices, users};
use gongzhi::domain::policy::DEFAULT_POLICY_TOML;
use gongzhi::domain::words::Role;
use gongzhi::services::{daily, programme, queue};

const PASSWORD: &str = "gongzhi-demo";

fn uid(app: &TestApp, name: &str) -> i32 {
    users::table
        .filter(users::username.eq(name))
        .select(users::id)
        .first(&mut *app.conn())
        .unwrap()
}

fn q(app: &TestApp, role: Role, name: &str) -> queue::Queue {
    queue::of(&mut app.conn(), role, uid(app, name), app.config.today()).unwrap()
}

fn due_of(app: &TestApp, id: i32) -> Option<(NaiveDate, String)> {
    programme::of_merchant(&mut app.conn(), id).unwrap()
}

fn login_location(app: &TestApp, name: &str) -> String {
    let csrf = app.csrf("/login");
    let r = app.post_form(
        "/login",
        &[("csrf", &csrf), ("username", name), ("password", PASSWORD)],
    );
    assert_eq!(r.status().as_u16(), 303);
    r.headers()["location"].to_str().unwrap().to_string()
}

#[test]
fn staff_land_on_their_queue_and_merchants_on_their_portal() {
    let app = TestApp::spawn();
    assert_eq!(login_location(&app, "inspector"), "/staff");
    let other = TestApp::spawn();
    assert_eq!(login_location(&other, "merchant"), "/my");
    let (s, body) = app.get_text("/staff");
    assert_eq!(s, 200);
    assert!(body.contains("work-queue"), "{body}");
}

#[test]
fn each_role_sees_its_rows_and_the_counts_move() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let inspector = q(&app, Role::Inspector, "inspector");
    let committee = q(&app, Role::Committee, "committee");
    let admin = q(&app, Role::Admin, "admin");
    assert_eq!(inspector.membership_waiting, None);
    assert!(committee.membership_waiting.is_some());
    assert!(admin.membership_waiting.is_some());
    // The demo's open campaign assigns merchants to the demo inspector, none to the committee.
    assert!(inspector.campaign_assignments > 0);
    assert_eq!(committee.campaign_assignments, 0);
    assert_eq!(q(&app, Role::Merchant, "merchant"), queue::Queue::default());

    // An open notice whose deadline passes counts as overdue; an answered one waits for a decision.
    let open: Vec<i32> = notices::table
        .filter(notices::state.eq_any(["issued", "emailed", "read"]))
        .filter(notices::deadline.ge(today))
        .select(notices::id)
        .load(&mut *app.conn())
        .unwrap();
    assert!(open.len() >= 2, "the demo has open notices");
    diesel::update(notices::table.find(open[0]))
        .set(notices::deadline.eq(today - Duration::days(1)))
        .execute(&mut *app.conn())
        .unwrap();
    diesel::sql_query(format!(
        "UPDATE notices SET state = 'answered' WHERE id = {}",
        open[1]
    ))
    .execute(&mut *app.conn())
    .unwrap();
    let after = q(&app, Role::Inspector, "inspector");
    assert_eq!(after.overdue_notices, inspector.overdue_notices + 1);
    assert_eq!(after.answers_to_verify, inspector.answers_to_verify + 1);

    // A filed complaint waits for triage.
    let mid: i32 = merchants::table
        .select(merchants::id)
        .first(&mut *app.conn())
        .unwrap();
    app.conn()
        .batch_execute(&format!(
            "INSERT INTO complaints (merchant_id, body, client_hash, status, created_at) \
             VALUES ({mid}, '菜里有虫', 'x', 'new', '{} 10:00:00')",
            today
        ))
        .unwrap();
    assert_eq!(
        q(&app, Role::Inspector, "inspector").complaints_to_triage,
        after.complaints_to_triage + 1
    );

    // An application to join waits for the committee, not the inspector.
    app.conn()
        .batch_execute("UPDATE membership_applications SET state = 'pending'")
        .ok();
    let waiting = gongzhi::services::membership::waiting(&mut app.conn()).unwrap();
    assert_eq!(
        q(&app, Role::Committee, "committee").membership_waiting,
        Some(waiting)
    );
    assert_eq!(q(&app, Role::Inspector, "inspector").membership_waiting, None);
}

fn token(app: &TestApp, name: &str) -> String {
    let r = common::client()
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": name, "password": PASSWORD, "name": "queue"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: serde_json::Value = r.json().unwrap();
    v["token"].as_str().unwrap().to_string()
}

#[test]
fn the_json_says_what_the_page_says() {
    let app = TestApp::spawn();
    let c = common::client();
    assert_eq!(
        c.get(app.url("/api/v1/staff/queue"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let r = c
        .get(app.url("/api/v1/staff/queue"))
        .bearer_auth(token(&app, "committee"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let json: serde_json::Value = r.json().unwrap();
    let want = serde_json::to_value(q(&app, Role::Committee, "committee")).unwrap();
    assert_eq!(json, want);
    // The page shows the same counts, each beside its link.
    app.login("committee", PASSWORD);
    let (_, page) = app.get_text("/staff");
    for key in ["complaints_to_triage", "membership_waiting", "overdue_notices"] {
        let n = want[key].as_i64().unwrap();
        if n > 0 {
            assert!(
                page.contains(&format!("<span class=\"work-queue-count\">{n}</span>")),
                "{key} = {n} on the page"
            );
        }
    }
    // Merchants may not read it.
    let r = c
        .get(app.url("/api/v1/staff/queue"))
        .bearer_auth(token(&app, "merchant"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // It is in the OpenAPI document.
    let (_, doc) = app.get_text("/api/v1/openapi.json");
    assert!(doc.contains("/api/v1/staff/queue"));
}

#[test]
fn due_dates_follow_the_record() {
    let app = TestApp::spawn();
    let policy = gongzhi::services::policy::active_policy(&mut app.conn()).unwrap();
    let p = &policy.programme;
    // Every open demo merchant has a due date after the demo's recompute.
    let missing: i64 = merchants::table
        .filter(merchants::status.ne("closed"))
        .filter(merchants::next_due_on.is_null())
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(missing, 0);

    // A new merchant: registration + unrated_days.
    let today = app.config.today();
    app.conn()
        .batch_execute(&format!(
            "INSERT INTO merchants (name, category, address, area, contact_name, email, phone, status, current_list, created_at, updated_at) \
             VALUES ('新开小店', '餐饮', '新街 1 号', '东区', '王', 'x@example.com', '1', 'open', 'none', '{today} 08:00:00', '{today} 08:00:00')"
        ))
        .unwrap();
    let new_id: i32 = merchants::table
        .filter(merchants::name.eq("新开小店"))
        .select(merchants::id)
        .first(&mut *app.conn())
        .unwrap();
    let actor = Actor::system("test");
    gongzhi::services::rating::recompute_all(&mut app.conn(), &policy, today, &actor).unwrap();
    assert_eq!(
        due_of(&app, new_id),
        Some((today + Duration::days(p.unrated_days), "new".into()))
    );

    // Inspected: by its stars or list.
    let (id, stars, list): (i32, Option<i32>, String) = merchants::table
        .filter(merchants::current_stars.is_not_null())
        .filter(merchants::current_list.ne("black"))
        .select((merchants::id, merchants::current_stars, merchants::current_list))
        .first(&mut *app.conn())
        .unwrap();
    let _ = list;
    let (_, reason) = due_of(&app, id).unwrap();
    assert!(
        reason == format!("stars:{}", stars.unwrap()) || reason == "complaint" || reason == "follow_up",
        "{reason}"
    );
    let black: Option<i32> = merchants::table
        .filter(merchants::current_list.eq("black"))
        .select(merchants::id)
        .first(&mut *app.conn())
        .optional()
        .unwrap();
    if let Some(b) = black {
        let (_, r) = due_of(&app, b).unwrap();
        assert!(
            ["black_list", "complaint", "follow_up"].contains(&r.as_str()),
            "{r}"
        );
    }

    // A verified complaint after the last inspection brings it forward.
    let last: NaiveDate = gongzhi::db::schema::inspections::table
        .filter(gongzhi::db::schema::inspections::merchant_id.eq(id))
        .select(diesel::dsl::max(gongzhi::db::schema::inspections::inspected_on))
        .first::<Option<NaiveDate>>(&mut *app.conn())
        .unwrap()
        .unwrap();
    let at = today.max(last + Duration::days(1));
    app.conn()
        .batch_execute(&format!(
            "INSERT INTO complaints (merchant_id, body, client_hash, status, created_at, triaged_at) \
             VALUES ({id}, '核实', 'y', 'verified', '{at} 09:00:00', '{at} 10:00:00')"
        ))
        .unwrap();
    programme::refresh_all(&mut app.conn()).unwrap();
    let (on, reason) = due_of(&app, id).unwrap();
    assert_eq!(reason, "complaint");
    assert_eq!(on, at + Duration::days(p.after_verified_complaint_days));

    // A closed merchant has none.
    gongzhi::services::merchants::close(&mut app.conn(), &actor, new_id).unwrap();
    assert_eq!(due_of(&app, new_id), None);
    programme::refresh_all(&mut app.conn()).unwrap();
    assert_eq!(due_of(&app, new_id), None);
}

#[test]
fn a_follow_up_request_brings_the_inspection_forward() {
    let app = TestApp::spawn();
    let policy = gongzhi::services::policy::active_policy(&mut app.conn()).unwrap();
    let today = app.config.today();
    let (nid, mid): (i32, i32) = notices::table
        .select((notices::id, notices::merchant_id))
        .first(&mut *app.conn())
        .unwrap();
    app.conn()
        .batch_execute(&format!(
            "DELETE FROM complaints WHERE merchant_id = {mid}; \
             UPDATE inspections SET inspected_on = '{}' WHERE merchant_id = {mid}; \
             INSERT INTO notice_answers (notice_id, body, wants_follow_up, created_at) \
             VALUES ({nid}, '已整改', TRUE, '{today} 09:00:00')",
            today - Duration::days(1)
        ))
        .unwrap();
    programme::refresh_all(&mut app.conn()).unwrap();
    assert_eq!(
        due_of(&app, mid),
        Some((
            today + Duration::days(policy.programme.after_follow_up_request_days),
            "follow_up".into()
        ))
    );
}

#[test]
fn a_policy_change_moves_dates_through_the_daily_job() {
    let app = TestApp::spawn();
    let today = app.config.today();
    // A merchant never inspected, registered today.
    app.conn()
        .batch_execute(&format!(
            "INSERT INTO merchants (name, category, address, area, contact_name, email, phone, status, current_list, created_at, updated_at) \
             VALUES ('新开小店', '餐饮', '新街 1 号', '东区', '王', 'x@example.com', '1', 'open', 'none', '{today} 08:00:00', '{today} 08:00:00')"
        ))
        .unwrap();
    let newcomer: i32 = merchants::table
        .filter(merchants::name.eq("新开小店"))
        .select(merchants::id)
        .first(&mut *app.conn())
        .unwrap();
    let body = DEFAULT_POLICY_TOML
        .replace("version = \"2025.1\"", "version = \"2099.1\"")
        .replace("unrated_days = 30", "unrated_days = 7");
    let actor = Actor::system("test");
    gongzhi::services::policy::load(&mut app.conn(), &actor, &body).unwrap();
    let first = daily::run_job(&mut app.conn(), programme::JOB, today, programme::refresh_all).unwrap();
    assert!(matches!(first, daily::RunOutcome::Done(_)), "{first:?}");
    let created: chrono::NaiveDateTime = merchants::table
        .find(newcomer)
        .select(merchants::created_at)
        .first(&mut *app.conn())
        .unwrap();
    let (on, reason) = due_of(&app, newcomer).unwrap();
    assert_eq!((on, reason.as_str()), (created.date() + Duration::days(7), "new"));
    // Idempotent: again the same day does nothing; the work itself changes nothing twice.
    let again = daily::run_job(&mut app.conn(), programme::JOB, today, programme::refresh_all).unwrap();
    assert_eq!(again, daily::RunOutcome::Skipped);
    assert_eq!(
        programme::refresh_all(&mut app.conn()).unwrap(),
        "0 due date(s) changed"
    );
}

#[test]
fn the_due_list_its_order_filter_csv_and_route_sheet() {
    let app = TestApp::spawn();
    let today = app.config.today();
    // Two merchants of one area, one more overdue than the other; one with a formula-like name.
    let ids: Vec<(i32, String)> = merchants::table
        .filter(merchants::status.eq("open"))
        .select((merchants::id, merchants::area))
        .order(merchants::id)
        .load(&mut *app.conn())
        .unwrap();
    let area = ids[0].1.clone();
    let same: Vec<i32> = ids.iter().filter(|(_, a)| *a == area).map(|(i, _)| *i).collect();
    assert!(same.len() >= 2, "two merchants in {area}");
    let set = |id: i32, on: NaiveDate| {
        diesel::update(merchants::table.find(id))
            .set(merchants::next_due_on.eq(on))
            .execute(&mut *app.conn())
            .unwrap();
    };
    set(same[0], today - Duration::days(3));
    set(same[1], today - Duration::days(30));
    diesel::update(merchants::table.find(same[1]))
        .set(merchants::name.eq("=HYPERLINK(\"x\")"))
        .execute(&mut *app.conn())
        .unwrap();
    let rows = programme::due_list(&mut app.conn(), today, 14, Some(&area)).unwrap();
    assert!(rows.iter().all(|r| r.area == area));

    app.login("inspector", PASSWORD);
    let enc: String = url::form_urlencoded::byte_serialize(area.as_bytes()).collect();
    let (s, page) = app.get_text(&format!("/staff/programme?area={enc}"));
    assert_eq!(s, 200);
    let a = page
        .find(&format!("/staff/inspections/new?merchant={}", same[1]))
        .unwrap();
    let b = page
        .find(&format!("/staff/inspections/new?merchant={}", same[0]))
        .unwrap();
    assert!(a < b, "the most overdue first");
    for (other_id, other_area) in &ids {
        if *other_area != area {
            assert!(
                !page.contains(&format!("merchant={other_id}\"")),
                "filtered by area"
            );
        }
    }

    let r = app.get(&format!("/staff/programme.csv?area={enc}"));
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let bytes = r.bytes().unwrap();
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(rdr.headers().unwrap().len(), 9);
    let recs: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(&recs[0][1], same[1].to_string().as_str());
    assert_eq!(&recs[0][2], "'=HYPERLINK(\"x\")");
    assert_eq!(&recs[0][8], "30");

    let (s, sheet) = app.get_text(&format!("/staff/programme/print?area={enc}"));
    assert_eq!(s, 200);
    assert!(sheet.contains("route-table"));
    assert!(sheet.contains("☐"));
    let (s, _) = app.get_text("/staff/programme?within=abc");
    assert_eq!(s, 200, "bad input falls back to the default");
}
