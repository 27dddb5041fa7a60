//! Star-rating campaigns (星级评比, branch campaigns): the scope (all / areas / categories, members
//! only, open merchants only), the assignment by area and its editing, the inspector's own view,
//! progress moving after an inspection, closing (confirmation, unfinished listed), the work
//! queue's count; and publishing an edition with care: the preview (who enters and leaves, with
//! reasons), the confirmation, a stale preview shown again, an identical edition refused without
//! a note. Who may do what.

mod common;

use std::collections::BTreeMap;

use chrono::Duration;
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::models::audit::Actor;
use gongzhi::db::models::now_utc;
use gongzhi::db::schema::{audit_log, campaign_merchants, inspections, merchants, users};
use gongzhi::services::campaigns::{self, NewCampaign, Scope};
use gongzhi::services::users::{add_user, UserSpec};

/// A client logged in as `user` (demo password).
fn login(app: &TestApp, user: &str) -> reqwest::blocking::Client {
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
    assert_eq!(r.status().as_u16(), 303, "login as {user}");
    client
}

fn get(app: &TestApp, c: &reqwest::blocking::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

fn post(
    app: &TestApp,
    c: &reqwest::blocking::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let r = c.post(app.url(path)).form(form).send().unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().unwrap())
}

fn user_id(app: &TestApp, name: &str) -> i32 {
    users::table
        .filter(users::username.eq(name))
        .select(users::id)
        .first(&mut *app.conn())
        .unwrap()
}

/// A second inspector, "inspector2".
fn second_inspector(app: &TestApp) -> i32 {
    add_user(
        &mut app.conn(),
        &Actor::system("test"),
        &UserSpec {
            username: "inspector2",
            password: "a-long-and-unusual-passphrase-42",
            role: "inspector",
            merchant_id: None,
            display_name: "第二检查员",
            email: "inspector2@gongzhi.localhost",
        },
    )
    .unwrap()
}

/// Logs an inspection of `merchant` on `day` directly (the campaign only looks at its date).
fn inspect(app: &TestApp, merchant: i32, inspector: i32, day: chrono::NaiveDate) {
    diesel::insert_into(inspections::table)
        .values((
            inspections::merchant_id.eq(merchant),
            inspections::inspector_id.eq(Some(inspector)),
            inspections::inspected_on.eq(day),
            inspections::kind.eq("routine"),
            inspections::score.eq(95),
            inspections::notes.eq(""),
            inspections::created_at.eq(now_utc()),
            inspections::updated_at.eq(now_utc()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

fn campaign_merchants_of(app: &TestApp, id: i32) -> Vec<(i32, String, Option<i32>)> {
    campaign_merchants::table
        .filter(campaign_merchants::campaign_id.eq(id))
        .order(campaign_merchants::merchant_id)
        .select((
            campaign_merchants::merchant_id,
            campaign_merchants::area,
            campaign_merchants::inspector_id,
        ))
        .load(&mut *app.conn())
        .unwrap()
}

#[test]
fn the_scope_takes_open_members_on_the_first_day_by_area_or_category() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let starts = today + Duration::days(1);
    // Three open members: one becomes a non-member, one closes, one joins after the first day.
    let ids: Vec<i32> = merchants::table
        .filter(merchants::status.eq("open"))
        .filter(merchants::member_since.is_not_null())
        .filter(merchants::member_left_on.is_null())
        .order(merchants::id)
        .select(merchants::id)
        .limit(3)
        .load(&mut *app.conn())
        .unwrap();
    let (gone, closed, late) = (ids[0], ids[1], ids[2]);
    {
        let mut c = app.conn();
        diesel::update(merchants::table.find(gone))
            .set(merchants::member_left_on.eq(Some(today)))
            .execute(&mut *c)
            .unwrap();
        diesel::update(merchants::table.find(closed))
            .set(merchants::status.eq("closed"))
            .execute(&mut *c)
            .unwrap();
        diesel::update(merchants::table.find(late))
            .set(merchants::member_since.eq(Some(starts + Duration::days(3))))
            .execute(&mut *c)
            .unwrap();
    }
    let actor = Actor::system("test");
    let new = |scope: Scope| NewCampaign {
        name: "测试评比".into(),
        starts_on: starts,
        ends_on: starts + Duration::days(20),
        scope,
    };
    let all = campaigns::open(&mut app.conn(), &actor, &new(Scope::All), &BTreeMap::new()).unwrap();
    let rows = campaign_merchants_of(&app, all);
    let members: Vec<(i32, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)> = merchants::table
        .filter(merchants::status.eq("open"))
        .select((merchants::id, merchants::member_since, merchants::member_left_on))
        .load(&mut *app.conn())
        .unwrap();
    let mut expected: Vec<i32> = members
        .iter()
        .filter(|m| gongzhi::db::models::merchant::is_member_on(m.1, m.2, starts))
        .map(|m| m.0)
        .collect();
    expected.sort();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), expected);
    for out in [gone, closed, late] {
        assert!(!rows.iter().any(|r| r.0 == out), "{out} is not in scope");
    }
    // Every area is given to the only inspector.
    let inspector = user_id(&app, "inspector");
    assert!(rows.iter().all(|r| r.2 == Some(inspector)));

    // By area: only that area's members.
    let area = rows[0].1.clone();
    let by_area = campaigns::open(
        &mut app.conn(),
        &actor,
        &new(Scope::Areas(vec![area.clone()])),
        &BTreeMap::new(),
    )
    .unwrap();
    let in_area = campaign_merchants_of(&app, by_area);
    assert!(!in_area.is_empty() && in_area.iter().all(|r| r.1 == area));
    assert_eq!(in_area.len(), rows.iter().filter(|r| r.1 == area).count());

    // By category.
    let category: String = merchants::table
        .find(rows[0].0)
        .select(merchants::category)
        .first(&mut *app.conn())
        .unwrap();
    let by_cat = campaigns::open(
        &mut app.conn(),
        &actor,
        &new(Scope::Categories(vec![category.clone()])),
        &BTreeMap::new(),
    )
    .unwrap();
    let in_cat = campaign_merchants_of(&app, by_cat);
    let cats: Vec<String> = merchants::table
        .filter(merchants::id.eq_any(in_cat.iter().map(|r| r.0)))
        .select(merchants::category)
        .load(&mut *app.conn())
        .unwrap();
    assert!(!cats.is_empty() && cats.iter().all(|c| *c == category));

    // A scope with nobody in it is refused.
    assert!(matches!(
        campaigns::open(
            &mut app.conn(),
            &actor,
            &new(Scope::Areas(vec!["无此片区".into()])),
            &BTreeMap::new()
        ),
        Err(campaigns::CampaignError::EmptyScope)
    ));
}

#[test]
fn the_committee_runs_a_campaign_and_the_inspector_works_through_it() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let other = second_inspector(&app);
    let inspector = user_id(&app, "inspector");
    let committee = login(&app, "committee");
    let (s, page) = get(&app, &committee, "/staff/campaigns");
    assert_eq!(s, 200);
    assert!(
        page.contains("action=\"/staff/campaigns\""),
        "the committee's form"
    );
    let csrf = common::extract_csrf(&page).unwrap();

    // Bad input: 422 with the reason in the user's language.
    let (s, _, body) = post(
        &app,
        &committee,
        "/staff/campaigns",
        &[
            ("csrf", &csrf),
            ("name", "冬季评比"),
            ("starts_on", "2026-12-10"),
            ("ends_on", "2026-12-01"),
            ("scope", "all"),
        ],
    );
    assert_eq!(s, 422);
    assert!(body.contains("结束日期不能早于开始日期"), "{body}");
    let (s, _, body) = post(
        &app,
        &committee,
        "/staff/campaigns?lang=en",
        &[
            ("csrf", &csrf),
            ("name", ""),
            ("starts_on", "x"),
            ("ends_on", "2026-12-01"),
            ("scope", "areas"),
        ],
    );
    assert_eq!(s, 422);
    assert!(
        body.contains("Enter a name") && body.contains("Choose at least one area"),
        "{body}"
    );
    let (s, _, _) = post(
        &app,
        &committee,
        "/staff/campaigns?lang=zh-CN",
        &[("csrf", &csrf)],
    );
    assert_eq!(s, 422);

    // Open one for every member from a week ago: the areas are spread over both inspectors.
    let starts = (today - Duration::days(7)).to_string();
    let ends = (today + Duration::days(14)).to_string();
    let (s, location, _) = post(
        &app,
        &committee,
        "/staff/campaigns",
        &[
            ("csrf", &csrf),
            ("name", "冬季评比"),
            ("starts_on", &starts),
            ("ends_on", &ends),
            ("scope", "all"),
        ],
    );
    assert_eq!(s, 303);
    let id: i32 = location.rsplit('/').next().unwrap().parse().unwrap();
    let rows = campaign_merchants_of(&app, id);
    assert!(rows.iter().any(|r| r.2 == Some(inspector)) && rows.iter().any(|r| r.2 == Some(other)));
    let areas: std::collections::BTreeSet<&String> = rows.iter().map(|r| &r.1).collect();
    for a in &areas {
        let who: std::collections::BTreeSet<Option<i32>> =
            rows.iter().filter(|r| &r.1 == *a).map(|r| r.2).collect();
        assert_eq!(who.len(), 1, "one inspector per area");
    }

    // The committee gives every area to the demo inspector, then one merchant back to the other.
    for a in &areas {
        let (s, _, _) = post(
            &app,
            &committee,
            &format!("/staff/campaigns/{id}/assign"),
            &[
                ("csrf", &csrf),
                ("area", a),
                ("inspector", &inspector.to_string()),
            ],
        );
        assert_eq!(s, 303);
    }
    let given = rows[0].0;
    let (s, _, _) = post(
        &app,
        &committee,
        &format!("/staff/campaigns/{id}/assign"),
        &[
            ("csrf", &csrf),
            ("merchant", &given.to_string()),
            ("inspector", &other.to_string()),
        ],
    );
    assert_eq!(s, 303);
    let rows = campaign_merchants_of(&app, id);
    assert_eq!(
        rows.iter()
            .filter(|r| r.2 == Some(other))
            .map(|r| r.0)
            .collect::<Vec<_>>(),
        vec![given]
    );
    // Not an inspector: refused with a message, nothing changed.
    let committee_id = user_id(&app, "committee");
    let (s, _, _) = post(
        &app,
        &committee,
        &format!("/staff/campaigns/{id}/assign"),
        &[
            ("csrf", &csrf),
            ("merchant", &given.to_string()),
            ("inspector", &committee_id.to_string()),
        ],
    );
    assert_eq!(s, 422);

    // The demo inspector's own view: every merchant but the one given away, none done yet…
    let (_, before) = get(&app, &committee, &format!("/staff/campaigns/{id}"));
    let mine_before = campaigns::open_assignments(&mut app.conn(), inspector).unwrap();
    let done_before = rows
        .iter()
        .filter(|r| {
            inspections::table
                .filter(inspections::merchant_id.eq(r.0))
                .filter(inspections::inspected_on.ge(today - Duration::days(7)))
                .filter(inspections::inspected_on.le(today + Duration::days(14)))
                .count()
                .get_result::<i64>(&mut *app.conn())
                .unwrap()
                > 0
        })
        .count();
    // (The demo's own campaign counts too: the work queue counts every open campaign.)
    let mine_rows = rows.iter().filter(|r| r.2 == Some(inspector)).count();
    assert!(mine_before > 0 && mine_rows > 0);
    let ins = login(&app, "inspector");
    let (s, mine) = get(&app, &ins, &format!("/staff/campaigns/{id}?mine=1"));
    assert_eq!(s, 200);
    // The inspector's work queue on /staff counts the same merchants.
    let (_, start) = get(&app, &ins, "/staff");
    assert!(
        start.contains(&format!(
            "<span class=\"work-queue-count\">{mine_before}</span> 家商户在星级评比中待我检查"
        )),
        "{start}"
    );
    let given_name: String = merchants::table
        .find(given)
        .select(merchants::name)
        .first(&mut *app.conn())
        .unwrap();
    assert!(
        !mine.contains(&given_name),
        "another inspector's merchant is not in my assignment"
    );
    assert!(
        mine.contains("/staff/inspections/new?merchant="),
        "links to the inspection form"
    );
    assert!(!mine.contains("/assign\""), "the inspector cannot reassign");

    // …an inspection within the dates ticks it off and moves the progress. (A merchant still
    // to do in the demo's own campaign too would be ticked off twice; which of the demo's are
    // still to do depends on the day the test runs, so one done there is taken.)
    let open_elsewhere: std::collections::BTreeSet<i32> = campaigns::list(&mut app.conn())
        .unwrap()
        .into_iter()
        .filter(|(c, _)| c.id != id && c.status == "open")
        .flat_map(|(c, _)| campaigns::merchants_of(&mut app.conn(), &c).unwrap())
        .filter(|m| m.inspector_id == Some(inspector) && m.done_on.is_none())
        .map(|m| m.merchant_id)
        .collect();
    let todo = campaigns::merchants_of(
        &mut app.conn(),
        &campaigns::find(&mut app.conn(), id).unwrap().unwrap(),
    )
    .unwrap()
    .into_iter()
    .find(|m| {
        m.inspector_id == Some(inspector) && m.done_on.is_none() && !open_elsewhere.contains(&m.merchant_id)
    })
    .unwrap();
    inspect(&app, todo.merchant_id, inspector, today);
    assert_eq!(
        campaigns::open_assignments(&mut app.conn(), inspector).unwrap(),
        mine_before - 1
    );
    // An inspection before the campaign does not count.
    let other_todo = campaigns::merchants_of(
        &mut app.conn(),
        &campaigns::find(&mut app.conn(), id).unwrap().unwrap(),
    )
    .unwrap()
    .into_iter()
    .find(|m| m.inspector_id == Some(inspector) && m.done_on.is_none())
    .unwrap();
    inspect(
        &app,
        other_todo.merchant_id,
        inspector,
        today - Duration::days(30),
    );
    assert_eq!(
        campaigns::open_assignments(&mut app.conn(), inspector).unwrap(),
        mine_before - 1
    );
    let (_, after) = get(&app, &committee, &format!("/staff/campaigns/{id}"));
    let total = rows.len();
    assert!(before.contains(&format!("{done_before} / {total}")), "{before}");
    assert!(
        after.contains(&format!("{} / {total}", done_before + 1)),
        "{after}"
    );
    assert!(after.contains("按检查员") && after.contains("按片区") && after.contains("第二检查员"));
    let (_, list) = get(&app, &committee, "/staff/campaigns");
    assert!(
        list.contains("冬季评比")
            && list.contains("进行中")
            && list.contains(&format!("{} / {total}", done_before + 1))
    );

    // The inspector may look but not open, assign or close.
    let icsrf = common::extract_csrf(&mine).unwrap();
    let (s, _, _) = post(
        &app,
        &ins,
        "/staff/campaigns",
        &[
            ("csrf", &icsrf),
            ("name", "x"),
            ("starts_on", &starts),
            ("ends_on", &ends),
            ("scope", "all"),
        ],
    );
    assert_eq!(s, 403);
    let (s, _, _) = post(
        &app,
        &ins,
        &format!("/staff/campaigns/{id}/close"),
        &[("csrf", &icsrf), ("confirm", "1")],
    );
    assert_eq!(s, 403);
    assert_eq!(get(&app, &ins, &format!("/staff/campaigns/{id}/close")).0, 403);

    // Closing: the confirmation lists the unfinished merchants and counts them.
    let unfinished = total - done_before - 1;
    let (s, confirm) = get(&app, &committee, &format!("/staff/campaigns/{id}/close"));
    assert_eq!(s, 200);
    assert!(
        confirm.contains(&format!("尚未检查的商家：{unfinished} 家")),
        "{confirm}"
    );
    assert!(confirm.contains(&other_todo.name));
    // Without the confirmation nothing closes.
    let (s, location, _) = post(
        &app,
        &committee,
        &format!("/staff/campaigns/{id}/close"),
        &[("csrf", &csrf)],
    );
    assert_eq!(
        (s, location.as_str()),
        (303, format!("/staff/campaigns/{id}/close").as_str())
    );
    let (s, _, _) = post(
        &app,
        &committee,
        &format!("/staff/campaigns/{id}/close"),
        &[("csrf", &csrf), ("confirm", "1")],
    );
    assert_eq!(s, 303);
    let status: String = gongzhi::db::schema::campaigns::table
        .find(id)
        .select(gongzhi::db::schema::campaigns::status)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(status, "closed");
    let (_, closed) = get(&app, &committee, &format!("/staff/campaigns/{id}"));
    assert!(closed.contains(&format!("/editions/preview?campaign={id}")) && closed.contains("已结束"));
    // The preview names the campaign in the note.
    let (s, preview) = get(&app, &committee, &format!("/editions/preview?campaign={id}"));
    assert_eq!(s, 200);
    assert!(preview.contains("星级评比：冬季评比"), "{preview}");
    // Closed: no more assignments, and it no longer counts in the queue.
    let (s, _, _) = post(
        &app,
        &committee,
        &format!("/staff/campaigns/{id}/assign"),
        &[
            ("csrf", &csrf),
            ("merchant", &given.to_string()),
            ("inspector", &inspector.to_string()),
        ],
    );
    assert_eq!(s, 422);
    let demo_open = campaigns::open_assignments(&mut app.conn(), other).unwrap();
    assert_eq!(demo_open, 0);

    // Each step is in the audit log.
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity.eq("campaign"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .select(audit_log::action)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(actions.iter().filter(|a| *a == "campaign.open").count(), 1);
    assert_eq!(
        actions.iter().filter(|a| *a == "campaign.assign").count(),
        areas.len() + 1
    );
    assert_eq!(actions.iter().filter(|a| *a == "campaign.close").count(), 1);

    // The form can give an area to a chosen inspector when opening; a wrong choice is a 422.
    let area = rows[0].1.clone();
    let field = format!("inspector:{area}");
    let (s, _, body) = post(
        &app,
        &committee,
        "/staff/campaigns",
        &[
            ("csrf", &csrf),
            ("name", "片区抽查"),
            ("starts_on", &starts),
            ("ends_on", &ends),
            ("scope", "areas"),
            ("area", &area),
            (&field, "x"),
        ],
    );
    assert_eq!(s, 422);
    assert!(body.contains("请选择一位在职的检查员"));
    let (s, location, _) = post(
        &app,
        &committee,
        "/staff/campaigns",
        &[
            ("csrf", &csrf),
            ("name", "片区抽查"),
            ("starts_on", &starts),
            ("ends_on", &ends),
            ("scope", "areas"),
            ("area", &area),
            (&field, &other.to_string()),
        ],
    );
    assert_eq!(s, 303);
    let spot: i32 = location.rsplit('/').next().unwrap().parse().unwrap();
    let spot_rows = campaign_merchants_of(&app, spot);
    assert!(!spot_rows.is_empty() && spot_rows.iter().all(|r| r.1 == area && r.2 == Some(other)));
}

#[test]
fn the_demo_has_a_campaign_under_way() {
    let app = TestApp::spawn();
    let inspector = user_id(&app, "inspector");
    let list = campaigns::list(&mut app.conn()).unwrap();
    assert_eq!(list.len(), 1);
    let (c, p) = &list[0];
    assert!(c.is_open());
    assert!(p.assigned > 0 && p.done > 0 && p.done < p.assigned, "{p:?}");
    assert_eq!(
        campaigns::open_assignments(&mut app.conn(), inspector).unwrap(),
        (p.assigned - p.done) as i64
    );
}

/// Three open merchants on the red list (as the last recompute left them).
fn red_merchants(app: &TestApp) -> Vec<(i32, String)> {
    merchants::table
        .filter(merchants::current_list.eq("red"))
        .filter(merchants::status.eq("open"))
        .order(merchants::id)
        .select((merchants::id, merchants::name))
        .limit(3)
        .load(&mut *app.conn())
        .unwrap()
}

fn set_status(app: &TestApp, id: i32, status: &str) {
    diesel::update(merchants::table.find(id))
        .set(merchants::status.eq(status))
        .execute(&mut *app.conn())
        .unwrap();
}

/// The preview's entering and leaving sections.
fn sections(page: &str) -> (&str, &str) {
    let i = page.find("新上榜").expect("entering");
    let j = page.find("离榜").expect("leaving");
    let k = page.find("确认发布").expect("confirm");
    (&page[i..j], &page[j..k])
}

#[test]
fn publishing_shows_a_preview_needs_a_confirmation_and_refuses_the_same_lists_without_a_note() {
    let app = TestApp::spawn();
    let red = red_merchants(&app);
    assert!(red.len() >= 3, "the demo town has red merchants");
    let (a, b) = (&red[0], &red[1]);
    // A baseline without `a` (closed), published through the service.
    set_status(&app, a.0, "closed");
    let policy = gongzhi::services::policy::active_policy(&mut app.conn()).unwrap();
    let today = app.config.today();
    gongzhi::services::editions::publish(&mut app.conn(), &policy, today, &Actor::system("test"), "基线")
        .unwrap();

    // `a` reopens, `b` closes: the preview shows `a` entering with its reasons, `b` leaving.
    set_status(&app, a.0, "open");
    set_status(&app, b.0, "closed");
    let committee = login(&app, "committee");
    let (s, page) = get(&app, &committee, "/editions/preview");
    assert_eq!(s, 200);
    let (entering, leaving) = sections(&page);
    assert!(entering.contains(&a.1) && !entering.contains(&b.1), "{entering}");
    assert!(
        leaving.contains(&b.1) && leaving.contains("已停业或已退出联盟"),
        "{leaving}"
    );
    let reason: String = gongzhi::db::schema::list_entries::table
        .filter(gongzhi::db::schema::list_entries::merchant_id.eq(a.0))
        .filter(gongzhi::db::schema::list_entries::left_on.is_null())
        .select(gongzhi::db::schema::list_entries::entered_reason)
        .first(&mut *app.conn())
        .unwrap();
    let words = gongzhi::i18n::words::entered_reasons(
        &gongzhi::domain::reasons::EnteredReasons::parse(&reason),
        gongzhi::i18n::Lang::Zh,
    );
    assert!(
        !words.is_empty() && entering.contains(&words),
        "{words} in {entering}"
    );
    assert!(page.contains("与第") && page.contains("红榜"));
    let csrf = common::extract_csrf(&page).unwrap();
    let first = common::extract_field(&page, "fingerprint").unwrap();
    let editions_before = gongzhi::services::editions::list(&mut app.conn()).unwrap().len();

    // Without the confirmation the form only shows the preview.
    let (s, _, shown) = post(
        &app,
        &committee,
        "/editions",
        &[("csrf", &csrf), ("note", "第N期")],
    );
    assert_eq!(s, 200);
    assert!(shown.contains("name=\"confirm\""));
    assert_eq!(
        gongzhi::services::editions::list(&mut app.conn()).unwrap().len(),
        editions_before
    );

    // The lists change after the preview: the confirmation shows the new preview instead.
    let c = &red[2];
    set_status(&app, c.0, "closed");
    let (s, _, again) = post(
        &app,
        &committee,
        "/editions",
        &[
            ("csrf", &csrf),
            ("note", "第N期"),
            ("confirm", "1"),
            ("fingerprint", &first),
        ],
    );
    assert_eq!(s, 409);
    assert!(again.contains("预览之后名单有了变化"));
    assert!(sections(&again).1.contains(&c.1));
    let second = common::extract_field(&again, "fingerprint").unwrap();
    assert_ne!(first, second);
    assert_eq!(
        gongzhi::services::editions::list(&mut app.conn()).unwrap().len(),
        editions_before
    );
    let (s, location, _) = post(
        &app,
        &committee,
        "/editions",
        &[
            ("csrf", &csrf),
            ("note", "第N期"),
            ("confirm", "1"),
            ("fingerprint", &second),
        ],
    );
    assert_eq!(s, 303);
    assert!(location.starts_with("/editions/"));

    // Now nothing changed: the preview says so, and publishing without a note is refused.
    let (_, same) = get(&app, &committee, "/editions/preview?lang=en");
    assert!(same.contains("identical to the last edition"));
    let fp = common::extract_field(&same, "fingerprint").unwrap();
    let (s, _, refused) = post(
        &app,
        &committee,
        "/editions?lang=en",
        &[
            ("csrf", &csrf),
            ("note", "  "),
            ("confirm", "1"),
            ("fingerprint", &fp),
        ],
    );
    assert_eq!(s, 422);
    assert!(refused.contains("not published"), "{refused}");
    assert_eq!(
        gongzhi::services::editions::list(&mut app.conn()).unwrap().len(),
        editions_before + 1
    );
    let (s, location, _) = post(
        &app,
        &committee,
        "/editions",
        &[
            ("csrf", &csrf),
            ("note", "更正：重新发布"),
            ("confirm", "1"),
            ("fingerprint", &fp),
        ],
    );
    assert_eq!(s, 303);
    let (_, edition) = get(&app, &committee, &location);
    assert!(edition.contains("更正：重新发布"));

    // The inspector sees no preview.
    let ins = login(&app, "inspector");
    assert_eq!(get(&app, &ins, "/editions/preview").0, 403);
}

/// The text of `el` outside elements marked `translate="no"` (and outside the title).
fn words_outside_names(el: scraper::ElementRef, out: &mut String) {
    for child in el.children() {
        if let Some(e) = scraper::ElementRef::wrap(child) {
            let v = e.value();
            // Names, the title, and the language switch (marked lang="zh-CN").
            if v.attr("translate") == Some("no")
                || v.attr("lang").is_some_and(|l| l.starts_with("zh"))
                || v.name() == "title"
                || v.name() == "script"
            {
                continue;
            }
            words_outside_names(e, out);
        } else if let Some(t) = child.value().as_text() {
            out.push_str(t);
        }
    }
}

#[test]
fn the_campaign_and_preview_pages_in_english_show_no_chinese_but_names() {
    let app = TestApp::spawn();
    let is_chinese =
        |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c);
    for (user, paths) in [
        (
            "committee",
            vec![
                "/staff/campaigns",
                "/staff/campaigns/1",
                "/staff/campaigns/1/close",
                "/editions/preview",
                "/staff",
            ],
        ),
        ("inspector", vec!["/staff/campaigns", "/staff/campaigns/1?mine=1"]),
    ] {
        let c = login(&app, user);
        assert_eq!(get(&app, &c, "/?lang=en").0, 200);
        for path in paths {
            let (s, body) = get(&app, &c, path);
            assert_eq!(s, 200, "{path}");
            let doc = scraper::Html::parse_document(&body);
            let mut text = String::new();
            words_outside_names(doc.root_element(), &mut text);
            let found: Vec<&str> = text.lines().filter(|l| l.chars().any(is_chinese)).collect();
            assert!(found.is_empty(), "{user} {path}: {found:?}");
        }
    }
}
