//! Trainings from the merchant portal (branch training): signing up within the seats, cancelling,
//! members only, closed once started, two sign-ups racing for the last seat, the reminder the day
//! before (once), attendance from the sign-up list, the hours and points in the portal, and the
//! way to the red list criterion by criterion.

mod common;

use chrono::{Duration, NaiveDate};
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::models::audit::Actor;
use gongzhi::db::schema::{audit_log, merchants, outbox, training_signups, users};
use gongzhi::services::trainings::{self, SignupError, TrainingDetails};

const PASSWORD: &str = "gongzhi-demo";

/// The demo merchant user's (user id, merchant id).
fn demo_merchant(app: &TestApp) -> (i32, i32) {
    let (uid, mid): (i32, Option<i32>) = users::table
        .filter(users::username.eq("merchant"))
        .select((users::id, users::merchant_id))
        .first(&mut *app.conn())
        .unwrap();
    (uid, mid.unwrap())
}

/// Open member merchants other than `not`.
fn other_members(app: &TestApp, not: i32) -> Vec<i32> {
    let today = app.config.today();
    merchants::table
        .filter(merchants::status.eq("open"))
        .filter(merchants::member_since.le(today))
        .filter(merchants::member_left_on.is_null())
        .filter(merchants::id.ne(not))
        .order(merchants::id)
        .select(merchants::id)
        .load(&mut *app.conn())
        .unwrap()
}

/// A training `days` from today at `starts_at` with `capacity` seats.
fn training(app: &TestApp, title: &str, days: i64, starts_at: &str, capacity: Option<i32>) -> i32 {
    let held_on = app.config.today() + Duration::days(days);
    trainings::create_with(
        &mut app.conn(),
        &Actor::system("test"),
        title,
        held_on,
        20,
        &TrainingDetails {
            place: "社区服务中心".into(),
            starts_at: starts_at.into(),
            capacity,
            description: "测试培训".into(),
        },
    )
    .unwrap()
}

/// A second signed-in client beside `app.client`.
fn login_client(app: &TestApp, username: &str) -> reqwest::blocking::Client {
    let c = common::client();
    let body = c.get(app.url("/login")).send().unwrap().text().unwrap();
    let csrf = common::extract_csrf(&body).unwrap();
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    c
}

fn now(app: &TestApp) -> chrono::NaiveDateTime {
    chrono::Utc::now()
        .with_timezone(&app.config.time_zone)
        .naive_local()
}

fn active_signups(app: &TestApp, tid: i32) -> i64 {
    training_signups::table
        .filter(training_signups::training_id.eq(tid))
        .filter(training_signups::cancelled_at.is_null())
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

/// The portal's trainings section.
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &body[start..];
    &rest[..rest.find("</section>").unwrap()]
}

#[test]
fn a_member_signs_up_for_the_last_seat_then_it_is_full_and_a_cancel_frees_it() {
    let app = TestApp::spawn();
    let (_, mid) = demo_merchant(&app);
    let others = other_members(&app, mid);
    let tid = training(&app, "小班培训甲", 5, "14:30", Some(2));
    let actor = Actor::system("test");
    // Another member takes the first seat.
    trainings::sign_up(&mut app.conn(), &actor, tid, others[0], now(&app)).unwrap();

    app.login("merchant", PASSWORD);
    let (status, body) = app.get_text("/my");
    assert_eq!(status, 200);
    let s = section(&body, "trainings");
    assert!(
        s.contains("小班培训甲") && s.contains("剩余 1 个名额") && s.contains("14:30"),
        "{s}"
    );
    assert!(s.contains(&format!("/my/trainings/{tid}/signup")), "{s}");

    // The demo merchant takes the last seat.
    let csrf = app.csrf("/my");
    let r = app.post_form(&format!("/my/trainings/{tid}/signup"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(active_signups(&app, tid), 2);
    let (_, body) = app.get_text("/my");
    let s = section(&body, "trainings");
    assert!(
        s.contains("已报名") && s.contains(&format!("/my/trainings/{tid}/cancel")),
        "{s}"
    );
    // Twice is refused, not a second seat.
    let r = app.post_form(&format!("/my/trainings/{tid}/signup"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(active_signups(&app, tid), 2);

    // Full: a third member is refused.
    let third = trainings::sign_up(&mut app.conn(), &actor, tid, others[1], now(&app));
    assert!(matches!(third, Err(SignupError::Full)), "{third:?}");

    // The demo merchant cancels: the seat is free, the third member gets it.
    let r = app.post_form(&format!("/my/trainings/{tid}/cancel"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(active_signups(&app, tid), 1);
    trainings::sign_up(&mut app.conn(), &actor, tid, others[1], now(&app)).unwrap();
    // Now the demo merchant finds it full: a clear message and a 409.
    let r = app.post_form(&format!("/my/trainings/{tid}/signup"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 409);
    let body = r.text().unwrap();
    assert!(body.contains("名额已满，无法报名"), "{body}");
    let (_, body) = app.get_text("/my");
    assert!(section(&body, "trainings").contains("名额已满"));
    // Cancelling a sign-up one does not have is refused too.
    let r = app.post_form(&format!("/my/trainings/{tid}/cancel"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 409);
    // No such training: 404. No CSRF token: refused.
    let r = app.post_form("/my/trainings/999999/signup", &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 404);
    let r = app.post_form(&format!("/my/trainings/{tid}/signup"), &[]);
    assert!(r.status().is_client_error());

    // Each change is audited.
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity.eq("training"))
        .filter(audit_log::entity_id.eq(tid.to_string()))
        .select(audit_log::action)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(
        actions.iter().filter(|a| *a == "training.signup").count(),
        3,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "training.signup_cancel").count(),
        1
    );
}

#[test]
fn non_members_and_trainings_that_have_started_are_refused_with_a_reason() {
    let app = TestApp::spawn();
    let (_, mid) = demo_merchant(&app);
    let future = training(&app, "会员培训", 4, "", None);
    let yesterday = training(&app, "昨天的培训", -1, "09:00", None);
    let midnight = training(&app, "今天零点的培训", 0, "00:00", None);
    app.login("merchant", PASSWORD);
    let csrf = app.csrf("/my");
    for tid in [yesterday, midnight] {
        let r = app.post_form(&format!("/my/trainings/{tid}/signup"), &[("csrf", &csrf)]);
        assert_eq!(r.status().as_u16(), 409);
        assert!(r.text().unwrap().contains("培训已经开始，报名已截止"));
    }
    // Started trainings are not offered.
    let (_, body) = app.get_text("/my");
    let s = section(&body, "trainings");
    assert!(s.contains("会员培训") && !s.contains("昨天的培训") && !s.contains("今天零点的培训"));

    // The merchant leaves the alliance: no sign-up button, the reason, and a refusal.
    diesel::update(merchants::table.find(mid))
        .set(merchants::member_left_on.eq(Some(app.config.today())))
        .execute(&mut *app.conn())
        .unwrap();
    let (_, body) = app.get_text("/my");
    let s = section(&body, "trainings");
    assert!(
        s.contains("只有联盟成员可以报名培训") && s.contains("href=\"/join\""),
        "{s}"
    );
    assert!(!s.contains(&format!("/my/trainings/{future}/signup")));
    let r = app.post_form(&format!("/my/trainings/{future}/signup"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(active_signups(&app, future), 0);
    // In English, in English.
    let r = app
        .client
        .post(app.url(&format!("/my/trainings/{future}/signup?lang=en")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    let body = r.text().unwrap();
    assert!(
        body.contains("Only alliance members can sign up for trainings."),
        "{body}"
    );
}

#[test]
fn two_sign_ups_racing_for_the_last_seat_get_one_seat() {
    let app = TestApp::spawn();
    let (_, mid) = demo_merchant(&app);
    let others = other_members(&app, mid);
    for round in 0..3 {
        let tid = training(&app, &format!("抢座培训{round}"), 6, "10:00", Some(1));
        let at = now(&app);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let handles: Vec<_> = [others[2 * round], others[2 * round + 1]]
            .into_iter()
            .map(|m| {
                let barrier = barrier.clone();
                let mut conn = common::open(&app.db);
                std::thread::spawn(move || {
                    barrier.wait();
                    trainings::sign_up(&mut conn, &Actor::system("race"), tid, m, at)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let full = results
            .iter()
            .filter(|r| matches!(r, Err(SignupError::Full)))
            .count();
        assert_eq!((ok, full), (1, 1), "{results:?}");
        assert_eq!(active_signups(&app, tid), 1);
    }
}

fn reminders(app: &TestApp) -> Vec<(String, String)> {
    outbox::table
        .filter(outbox::kind.eq("training.reminder"))
        .order(outbox::id)
        .select((outbox::to_addr, outbox::subject))
        .load(&mut *app.conn())
        .unwrap()
}

#[test]
fn the_reminder_goes_once_the_day_before_in_the_users_language() {
    let app = TestApp::spawn();
    let (uid, mid) = demo_merchant(&app);
    let others = other_members(&app, mid);
    let today = app.config.today();
    let tomorrow = training(&app, "明天的培训", 1, "14:00", Some(10));
    let later = training(&app, "后天的培训", 2, "14:00", Some(10));
    diesel::update(users::table.find(uid))
        .set(users::language.eq("en"))
        .execute(&mut *app.conn())
        .unwrap();
    let me = Actor::user(uid, "merchant");
    let sys = Actor::system("test");
    trainings::sign_up(&mut app.conn(), &me, tomorrow, mid, now(&app)).unwrap();
    trainings::sign_up(&mut app.conn(), &sys, tomorrow, others[0], now(&app)).unwrap();
    trainings::sign_up(&mut app.conn(), &sys, tomorrow, others[1], now(&app)).unwrap();
    trainings::cancel(&mut app.conn(), &sys, tomorrow, others[1], now(&app)).unwrap();
    trainings::sign_up(&mut app.conn(), &me, later, mid, now(&app)).unwrap();
    let before = reminders(&app).len();

    // The day's job, twice: one reminder per active sign-up for tomorrow, once.
    let first = gongzhi::services::daily::training_reminders(&mut app.conn(), &app.config, today).unwrap();
    assert!(first.starts_with("2 "), "{first}");
    let again = gongzhi::services::daily::training_reminders(&mut app.conn(), &app.config, today).unwrap();
    assert!(again.starts_with("0 "), "{again}");
    let sent = reminders(&app);
    assert_eq!(sent.len() - before, 2, "{sent:?}");
    let new = &sent[before..];
    // The demo merchant's user reads English; the other merchant signed up without a user:
    // Chinese, the default.
    assert!(
        new.iter().any(|(to, s)| to == "merchant@gongzhi.localhost"
            && s.contains("Reminder")
            && s.contains("明天的培训")),
        "{new:?}"
    );
    assert!(new.iter().any(|(_, s)| s.contains("培训提醒")), "{new:?}");
    let reminded: i64 = training_signups::table
        .filter(training_signups::reminded_at.is_not_null())
        .filter(training_signups::training_id.eq(tomorrow))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(reminded, 2);
    // Tomorrow, the training after is the one reminded.
    let next =
        gongzhi::services::daily::training_reminders(&mut app.conn(), &app.config, today + Duration::days(1))
            .unwrap();
    assert!(next.starts_with("1 "), "{next}");
    // The daily run records the reminders as a job of their own, once a day.
    gongzhi::services::daily::run_daily(&mut app.conn(), &app.config).unwrap();
    let o = gongzhi::services::daily::run_job(&mut app.conn(), trainings::REMINDER_JOB, today, |_| {
        Ok(String::new())
    })
    .unwrap();
    assert_eq!(o, gongzhi::services::daily::RunOutcome::Skipped);
}

fn training_term(app: &TestApp, mid: i32) -> i64 {
    let v: serde_json::Value = app
        .get(&format!("/api/v1/public/merchants/{mid}"))
        .json()
        .unwrap();
    v["rating"]["breakdown"]
        .as_array()
        .map(|b| {
            b.iter()
                .find(|t| t["key"] == "training")
                .map(|t| t["points_tenths"].as_i64().unwrap())
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

#[test]
fn attendance_is_recorded_from_the_sign_up_list_and_the_portal_shows_hours_and_points() {
    let app = TestApp::spawn();
    let (uid, mid) = demo_merchant(&app);
    let others = other_members(&app, mid);
    let tid = training(&app, "出席登记培训", 2, "09:00", Some(5));
    trainings::sign_up(
        &mut app.conn(),
        &Actor::user(uid, "merchant"),
        tid,
        mid,
        now(&app),
    )
    .unwrap();
    trainings::sign_up(&mut app.conn(), &Actor::system("t"), tid, others[0], now(&app)).unwrap();
    // Time passes: the training is held today.
    diesel::update(gongzhi::db::schema::trainings::table.find(tid))
        .set(gongzhi::db::schema::trainings::held_on.eq(app.config.today()))
        .execute(&mut *app.conn())
        .unwrap();

    // The committee sees the sign-up list ticked, and walk-ins unticked.
    let committee = login_client(&app, "committee");
    let body = committee
        .get(app.url(&format!("/staff/trainings/{tid}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(body.contains(&format!("value=\"{mid}\" checked")), "{body}");
    assert!(body.contains(&format!("value=\"{}\" checked", others[0])));
    assert!(body.contains(&format!("value=\"{}\">", others[1])));
    let csrf = common::extract_csrf(&body).unwrap();
    // It saves the list as ticked (the one merchant who signed up and came).
    let mid_s = mid.to_string();
    let r = committee
        .post(app.url(&format!("/staff/trainings/{tid}/attendance")))
        .form(&[("csrf", csrf.as_str()), ("merchant", mid_s.as_str())])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let body = committee
        .get(app.url(&format!("/staff/trainings/{tid}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        !body.contains(&format!("value=\"{mid}\"")),
        "attended: off the lists"
    );

    // The portal: the hours in the window and the points of the rating's training term.
    let points = training_term(&app, mid);
    app.login("merchant", PASSWORD);
    let (_, body) = app.get_text("/my");
    let s = section(&body, "trainings");
    let expected = format!("→ +{}.{} 分", points / 10, points % 10);
    assert!(points > 0 && s.contains(&expected), "{expected} in {s}");
    assert!(s.contains("小时（评分窗口内）") && s.contains("上限"), "{s}");
    let (_, body) = app.get_text("/my?lang=en");
    let s = section(&body, "trainings");
    assert!(
        s.contains("hours in the rating window") && s.contains("at most"),
        "{s}"
    );
}

fn cjk(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c))
}

#[test]
fn the_way_to_the_red_list_names_each_lacking_criterion() {
    let app = TestApp::spawn();
    let (_, mid) = demo_merchant(&app);
    app.login("merchant", PASSWORD);
    let (_, body) = app.get_text("/my");
    let w = section(&body, "way");
    assert!(w.contains("上红榜之路") && w.contains("星级："), "{w}");
    // The demo merchant has an open notice (due in ten days): lacking, with its number.
    assert!(
        w.contains("尚欠") && w.contains("尚未通过核查") && w.contains("整改通知书"),
        "{w}"
    );
    assert!(
        w.contains("✗") && w.contains("✓"),
        "met and lacking in text, not colour alone: {w}"
    );

    // A violation in the window and leaving the alliance: each named, with the way to /join.
    let today = app.config.today();
    let found: NaiveDate = {
        use gongzhi::db::schema::violations;
        violations::table
            .filter(violations::merchant_id.eq(mid))
            .filter(violations::found_on.gt(today - Duration::days(365)))
            .select(diesel::dsl::max(violations::found_on))
            .first::<Option<NaiveDate>>(&mut *app.conn())
            .unwrap()
            .expect("the demo merchant has a violation in the window")
    };
    diesel::update(merchants::table.find(mid))
        .set((
            merchants::member_since.eq(None::<NaiveDate>),
            merchants::member_left_on.eq(None::<NaiveDate>),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let (_, body) = app.get_text("/my");
    let w = section(&body, "way");
    assert!(
        w.contains("贵店还不是联盟成员") && w.contains("href=\"/join\""),
        "{w}"
    );
    assert!(w.contains("条违规记录"), "{w}");
    let leaves = found + Duration::days(365);
    assert!(
        w.contains(&format!(
            "{}年{}月{}日",
            leaves.format("%Y"),
            leaves.format("%-m"),
            leaves.format("%-d")
        )),
        "leaves the window on {leaves}: {w}"
    );

    // English: the same in English, no Chinese in the section.
    let (_, body) = app.get_text("/my?lang=en");
    let w = section(&body, "way");
    assert!(
        w.contains("The way to the red list") && w.contains("Lacking"),
        "{w}"
    );
    assert!(
        w.contains("not an alliance member yet") && w.contains("leaves the window on"),
        "{w}"
    );
    assert!(!cjk(w), "Chinese on the English page: {w}");
}

#[test]
fn the_committee_announces_a_training_with_place_time_and_seats() {
    let app = TestApp::spawn();
    app.login("committee", PASSWORD);
    let csrf = app.csrf("/staff/trainings");
    let day = (app.config.today() + Duration::days(7)).to_string();
    // Bad time and seats: 422, both named, nothing written.
    let r = app.post_form(
        "/staff/trainings",
        &[
            ("csrf", &csrf),
            ("title", "消防器材使用培训"),
            ("held_on", &day),
            ("hours", "1.5"),
            ("starts_at", "25:61"),
            ("capacity", "0"),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(
        body.contains("开始时间格式") && body.contains("名额应为"),
        "{body}"
    );
    let r = app.post_form(
        "/staff/trainings",
        &[
            ("csrf", &csrf),
            ("title", "消防器材使用培训"),
            ("held_on", &day),
            ("hours", "1.5"),
            ("starts_at", "9:30"),
            ("place", "联盟办公室"),
            ("capacity", "12"),
            ("description", "灭火器、消防毯实操"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let tid: i32 = location.rsplit('/').next().unwrap().parse().unwrap();
    let d = trainings::details(&mut app.conn(), tid).unwrap().unwrap();
    assert_eq!(
        d,
        TrainingDetails {
            place: "联盟办公室".into(),
            starts_at: "09:30".into(),
            capacity: Some(12),
            description: "灭火器、消防毯实操".into(),
        }
    );
    let (_, page) = app.get_text(&location);
    assert!(
        page.contains("09:30") && page.contains("联盟办公室") && page.contains("/ 12"),
        "{page}"
    );
    assert!(page.contains("还没有商家报名"), "{page}");
    // The list shows sign-ups against seats.
    let (_, list) = app.get_text("/staff/trainings");
    assert!(list.contains(">0 / 12</td>"), "{list}");
    // Without the new fields (the API as before): no place, no limit.
    let r = app.post_form(
        "/staff/trainings",
        &[
            ("csrf", &csrf),
            ("title", "简易培训"),
            ("held_on", &day),
            ("hours", "1"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
}

#[test]
fn a_black_listed_merchant_short_of_stars_sees_the_way_off_the_black_list_first() {
    use gongzhi::domain::words::ListStatus;
    let app = TestApp::spawn();
    let (uid, _) = demo_merchant(&app);
    // The merchant account is moved to a black-listed merchant with fewer than five stars.
    let black: i32 = merchants::table
        .filter(merchants::current_list.eq(ListStatus::Black))
        .filter(merchants::current_stars.lt(5))
        .order(merchants::id)
        .select(merchants::id)
        .first(&mut *app.conn())
        .expect("the demo has a black-listed merchant under five stars");
    diesel::update(users::table.find(uid))
        .set(users::merchant_id.eq(Some(black)))
        .execute(&mut *app.conn())
        .unwrap();
    app.login("merchant", PASSWORD);
    let (_, body) = app.get_text("/my");
    let w = section(&body, "way");
    assert!(w.contains("首先要移出黑榜"), "{w}");
    assert!(w.contains("还差") && w.contains("须达到★5"), "{w}");
    let (_, body) = app.get_text("/my?lang=en");
    let w = section(&body, "way");
    assert!(
        w.contains("First, leave the black list") && w.contains("points short"),
        "{w}"
    );
    assert!(!cjk(w), "Chinese on the English page: {w}");
}
