//! Membership end to end: a merchant applies at `/join` (checked as the register checks, merged
//! when the credit code is pending, throttled), the committee approves (member from today, a
//! portal account, a sign-in link emailed in the same transaction) or declines (the reason
//! emailed); a member asks to leave, withdraws, asks again and the committee confirms; the
//! committee publishes a new charter version and sees who has not confirmed it.

mod common;

use common::{extract_csrf, TestApp};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use gongzhi::db::schema::{
    audit_log, charter_confirmations, leave_requests, membership_applications, membership_events, merchants,
    outbox, users,
};
use gongzhi::domain::credit_code::CreditCode;
use gongzhi::services::complaints::form_token;

/// The demo merchant account's shop (老王家常菜馆).
const DEMO_SHOP: i32 = 1;

fn secret(app: &TestApp) -> Vec<u8> {
    gongzhi::services::plaque::app_secret(&mut app.conn(), app.config.session_secret.as_deref()).unwrap()
}

/// A form token rendered ten seconds ago (a person's typing time).
fn ts(app: &TestApp) -> String {
    form_token(&secret(app), chrono::Utc::now().timestamp() - 10)
}

fn today(app: &TestApp) -> chrono::NaiveDate {
    app.config.today()
}

/// A declared category and area of the demo town (a registered merchant's).
fn category_and_area(app: &TestApp) -> (String, String) {
    merchants::table
        .find(2)
        .select((merchants::category, merchants::area))
        .first(&mut *app.conn())
        .unwrap()
}

fn code(seed: u64) -> String {
    CreditCode::generate(seed).as_str().to_string()
}

/// Posts the application form with `code` and the changes `extra` (field, value) on a fresh
/// form of `client` (the app's own when `None`).
fn apply_with(
    app: &TestApp,
    client: &reqwest::blocking::Client,
    code: &str,
    extra: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let page = client.get(app.url("/join")).send().unwrap().text().unwrap();
    let csrf = extract_csrf(&page).expect("csrf on /join");
    let (category, area) = category_and_area(app);
    let token = ts(app);
    let mut form: Vec<(&str, String)> = vec![
        ("csrf", csrf),
        ("ts", token),
        ("name", "巷尾小面馆".into()),
        ("credit_code", code.into()),
        ("category", category),
        ("area", area),
        ("address", "古镇老街 99 号".into()),
        ("contact_name", "周师傅".into()),
        ("email", "zhou@example.com".into()),
        ("phone", "0571-88880000".into()),
        ("accept_charter", "1".into()),
        ("website", String::new()),
    ];
    for (k, v) in extra {
        match form.iter_mut().find(|(f, _)| f == k) {
            Some(f) => f.1 = (*v).to_string(),
            None => form.push((k, (*v).to_string())),
        }
    }
    client.post(app.url("/join")).form(&form).send().unwrap()
}

fn apply(app: &TestApp, code: &str, extra: &[(&str, &str)]) -> reqwest::blocking::Response {
    apply_with(app, &app.client, code, extra)
}

fn applications(app: &TestApp, code: &str) -> Vec<(i32, String, String, i32, String)> {
    membership_applications::table
        .filter(membership_applications::credit_code.eq(code))
        .select((
            membership_applications::id,
            membership_applications::name,
            membership_applications::state,
            membership_applications::times_applied,
            membership_applications::language,
        ))
        .load(&mut *app.conn())
        .unwrap()
}

fn mails(app: &TestApp, kind: &str) -> Vec<(String, String, String)> {
    outbox::table
        .filter(outbox::kind.eq(kind))
        .order(outbox::id)
        .select((outbox::to_addr, outbox::subject, outbox::body_text))
        .load(&mut *app.conn())
        .unwrap()
}

/// A new client logged in as `user` (demo password).
fn logged_in(app: &TestApp, user: &str) -> reqwest::blocking::Client {
    let c = common::client();
    let page = c.get(app.url("/login")).send().unwrap().text().unwrap();
    let csrf = extract_csrf(&page).unwrap();
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", user),
            ("password", "gongzhi-demo"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "login as {user}");
    c
}

fn post(
    app: &TestApp,
    c: &reqwest::blocking::Client,
    page: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let body = c.get(app.url(page)).send().unwrap().text().unwrap();
    let csrf = extract_csrf(&body).unwrap_or_else(|| panic!("no csrf on {page}"));
    let mut f: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    f.extend_from_slice(form);
    c.post(app.url(path)).form(&f).send().unwrap()
}

fn text(c: &reqwest::blocking::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

#[test]
fn a_merchant_applies_once_and_a_second_application_is_merged() {
    let app = TestApp::spawn();
    let (s, page) = app.get_text("/join");
    assert_eq!(s, 200);
    assert!(
        page.contains("name=\"accept_charter\""),
        "the charter is accepted on the form"
    );
    assert!(
        page.contains("第一条 诚信经营"),
        "the charter is readable on the page"
    );
    let before: i64 = membership_applications::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();

    // A wrong check character: the register's message, 422, nothing written.
    let mut bad = code(4242);
    let last = if bad.ends_with('0') { '1' } else { '0' };
    bad.pop();
    bad.push(last);
    let r = apply(&app, &bad, &[]);
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(body.contains("data-field=\"credit_code\""), "{body}");
    assert!(
        body.contains("校验码"),
        "the register's words for a bad check character"
    );
    // No charter ticked, no email.
    let r = apply(&app, &code(4242), &[("accept_charter", ""), ("email", "")]);
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(body.contains("data-field=\"accept_charter\"") && body.contains("data-field=\"email\""));
    let after: i64 = membership_applications::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(before, after, "nothing written for a bad form");

    // A good one, then the same credit code again with another name: one row, counted twice.
    let c = code(4242);
    let r = apply(&app, &c, &[]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/join/thanks");
    let (_, thanks) = app.get_text("/join/thanks");
    assert!(
        thanks.contains("联盟委员会审核"),
        "the thanks page says what happens next"
    );
    let r = apply(&app, &c, &[("name", "巷尾小面馆（新店名）")]);
    assert_eq!(r.headers()["location"], "/join/thanks?again=1");
    let rows = applications(&app, &c);
    assert_eq!(rows.len(), 1, "merged, not repeated");
    assert_eq!(rows[0].1, "巷尾小面馆（新店名）");
    assert_eq!(
        (rows[0].2.as_str(), rows[0].3, rows[0].4.as_str()),
        ("pending", 2, "zh-CN")
    );
    let events: i64 = membership_events::table
        .filter(membership_events::application_id.eq(rows[0].0))
        .filter(membership_events::kind.eq("applied"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(events, 2);
    let audits: Vec<String> = audit_log::table
        .filter(audit_log::entity.eq("membership_application"))
        .filter(audit_log::entity_id.eq(rows[0].0.to_string()))
        .select(audit_log::action)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(audits, ["membership.apply", "membership.apply_again"]);

    // A member's code: a clear message, no application.
    let member_code: String = merchants::table
        .find(DEMO_SHOP)
        .select(merchants::credit_code.assume_not_null())
        .first(&mut *app.conn())
        .unwrap();
    let r = apply(&app, &member_code, &[]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("已是联盟成员"));
    assert!(applications(&app, &member_code).is_empty());

    // A bot fills the honeypot: thanked, nothing stored.
    let r = apply(&app, &code(4343), &[("website", "http://spam")]);
    assert_eq!(r.status().as_u16(), 303);
    assert!(applications(&app, &code(4343)).is_empty());
}

#[test]
fn applications_are_throttled() {
    let app = TestApp::spawn();
    let c = code(5151);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(apply(&app, &c, &[("email", "")]).status().as_u16());
    }
    assert_eq!(statuses[..5], [422; 5]);
    assert_eq!(statuses[5], 429, "{statuses:?}");
    let r = apply(&app, &c, &[]);
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(applications(&app, &c).is_empty());
}

fn pending_id(app: &TestApp, code: &str) -> i32 {
    applications(app, code)
        .into_iter()
        .find(|a| a.2 == "pending")
        .expect("a pending application")
        .0
}

#[test]
fn the_committee_approves_and_the_new_member_signs_in_with_the_emailed_link() {
    let app = TestApp::spawn();
    let c = code(6161);
    assert_eq!(apply(&app, &c, &[]).status().as_u16(), 303);
    let id = pending_id(&app, &c);
    let committee = logged_in(&app, "committee");
    let (_, start) = text(&committee, &app, "/staff");
    assert!(start.contains("/staff/members"), "the start page links the queue");
    assert!(start.contains("badge waiting"), "with the count waiting");
    let (_, queue) = text(&committee, &app, "/staff/members");
    assert!(queue.contains("巷尾小面馆") && queue.contains(&c));

    let r = post(
        &app,
        &committee,
        "/staff/members",
        &format!("/staff/members/applications/{id}/approve"),
        &[],
    );
    assert_eq!(r.status().as_u16(), 303);
    let (mid, since): (i32, Option<chrono::NaiveDate>) = merchants::table
        .filter(merchants::credit_code.eq(&c))
        .select((merchants::id, merchants::member_since))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(since, Some(today(&app)));
    let account: (String, Option<i32>, String) = users::table
        .filter(users::username.eq(c.to_lowercase()))
        .select((users::role, users::merchant_id, users::email))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(
        account,
        ("merchant".to_string(), Some(mid), "zhou@example.com".to_string())
    );
    let confirmed: i64 = charter_confirmations::table
        .filter(charter_confirmations::merchant_id.eq(mid))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(confirmed, 1, "the charter accepted in the application counts");
    let sent = mails(&app, "membership.approved");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "zhou@example.com");
    assert!(
        sent[0].2.contains(&c.to_lowercase()),
        "the email names the account"
    );
    // Approving again is refused.
    let r = post(
        &app,
        &committee,
        "/staff/members",
        &format!("/staff/members/applications/{id}/approve"),
        &[],
    );
    assert_eq!(r.status().as_u16(), 422);

    // The link in the email signs the merchant in.
    let link = sent[0]
        .2
        .lines()
        .find(|l| l.contains("/login/link/"))
        .unwrap()
        .trim()
        .to_string();
    let path = &link[link.find("/login/link/").unwrap()..];
    let merchant = common::client();
    let confirm = merchant.get(app.url(path)).send().unwrap().text().unwrap();
    let csrf = extract_csrf(&confirm).unwrap();
    let r = merchant
        .post(app.url(path))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (s, portal) = text(&merchant, &app, "/my");
    assert_eq!(s, 200);
    assert!(
        portal.contains(&format!("联盟成员，入盟于 {}", today(&app))),
        "the portal says member since"
    );
    assert!(
        !portal.contains("id=\"charter\""),
        "no charter banner: it was accepted when applying"
    );
    let (_, record) = app.get_text(&format!("/merchants/{mid}"));
    assert!(record.contains("入盟于"), "the public record says member since");
    let (_, history) = text(&committee, &app, &format!("/staff/members/{mid}"));
    assert!(history.contains("提交入盟申请") && history.contains("批准入盟"));
}

#[test]
fn approving_a_registered_merchant_links_it_and_its_record_follows() {
    let app = TestApp::spawn();
    // A registered merchant that is no member.
    let (mid, c): (i32, String) = merchants::table
        .filter(merchants::member_since.is_null())
        .filter(merchants::credit_code.is_not_null())
        .filter(merchants::status.ne("closed"))
        .select((merchants::id, merchants::credit_code.assume_not_null()))
        .first(&mut *app.conn())
        .unwrap();
    let (_, before) = app.get_text(&format!("/merchants/{mid}"));
    assert!(!before.contains("入盟于"));
    assert_eq!(apply(&app, &c, &[]).status().as_u16(), 303);
    let id = pending_id(&app, &c);
    let committee = logged_in(&app, "committee");
    let (_, queue) = text(&committee, &app, "/staff/members");
    assert!(
        queue.contains("该信用代码已在商家名录中"),
        "the queue says it is registered"
    );
    let r = post(
        &app,
        &committee,
        "/staff/members",
        &format!("/staff/members/applications/{id}/approve"),
        &[],
    );
    assert_eq!(r.status().as_u16(), 303);
    let n: i64 = merchants::table
        .filter(merchants::credit_code.eq(&c))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 1, "linked, not registered twice");
    let (_, after) = app.get_text(&format!("/merchants/{mid}"));
    assert!(
        after.contains("入盟于"),
        "the cached record changed with the membership"
    );
}

#[test]
fn an_approval_that_fails_leaves_nothing_behind() {
    let app = TestApp::spawn();
    let c = code(7171);
    assert_eq!(apply(&app, &c, &[]).status().as_u16(), 303);
    let id = pending_id(&app, &c);
    // The outbox refuses every row: the email is part of the approval, so nothing else stays.
    let sql = if app.db.is_postgres() {
        "CREATE FUNCTION gz_refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER gz_refuse BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION gz_refuse();"
    } else {
        "CREATE TRIGGER gz_refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'refused'); END;"
    };
    app.conn().batch_execute(sql).unwrap();
    let committee = logged_in(&app, "committee");
    let r = post(
        &app,
        &committee,
        "/staff/members",
        &format!("/staff/members/applications/{id}/approve"),
        &[],
    );
    assert_eq!(r.status().as_u16(), 500);
    assert_eq!(applications(&app, &c)[0].2, "pending");
    let n: i64 = merchants::table
        .filter(merchants::credit_code.eq(&c))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0, "no merchant");
    let u: i64 = users::table
        .filter(users::username.eq(c.to_lowercase()))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(u, 0, "no account");
}

#[test]
fn a_declined_applicant_is_told_why_in_their_language() {
    let app = TestApp::spawn();
    let c = code(8181);
    let english = common::client();
    english.get(app.url("/join?lang=en")).send().unwrap();
    assert_eq!(apply_with(&app, &english, &c, &[]).status().as_u16(), 303);
    let id = pending_id(&app, &c);
    assert_eq!(applications(&app, &c)[0].4, "en");
    let committee = logged_in(&app, "committee");
    let path = format!("/staff/members/applications/{id}/decline");
    let r = post(&app, &committee, "/staff/members", &path, &[("reason", " ")]);
    assert_eq!(r.status().as_u16(), 422, "a reason is required");
    assert!(mails(&app, "membership.declined").is_empty());
    let r = post(
        &app,
        &committee,
        "/staff/members",
        &path,
        &[("reason", "营业执照已过期 / licence expired")],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(applications(&app, &c)[0].2, "declined");
    let sent = mails(&app, "membership.declined");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, "Your application to join");
    assert!(
        sent[0].2.contains("Reason: 营业执照已过期 / licence expired"),
        "{}",
        sent[0].2
    );
    // A declined code may apply again: a new pending application.
    assert_eq!(apply(&app, &c, &[]).status().as_u16(), 303);
    assert_eq!(applications(&app, &c).len(), 2);
}

fn member_left_on(app: &TestApp, id: i32) -> Option<chrono::NaiveDate> {
    merchants::table
        .find(id)
        .select(merchants::member_left_on)
        .first(&mut *app.conn())
        .unwrap()
}

#[test]
fn a_member_asks_to_leave_withdraws_asks_again_and_the_committee_confirms() {
    let app = TestApp::spawn();
    let merchant = logged_in(&app, "merchant");
    let (_, portal) = text(&merchant, &app, "/my");
    assert!(
        portal.contains("action=\"/my/leave\""),
        "a member may ask to leave"
    );
    let r = post(&app, &merchant, "/my", "/my/leave", &[("reason", "店面转让")]);
    assert_eq!(r.status().as_u16(), 303);
    let (_, portal) = text(&merchant, &app, "/my");
    assert!(
        portal.contains("action=\"/my/leave/withdraw\""),
        "the pending request can be withdrawn"
    );
    // Asking twice is refused.
    let r = post(&app, &merchant, "/my", "/my/leave", &[("reason", "")]);
    assert_eq!(r.status().as_u16(), 422);
    let r = post(&app, &merchant, "/my", "/my/leave/withdraw", &[]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(member_left_on(&app, DEMO_SHOP), None);
    let r = post(&app, &merchant, "/my", "/my/leave", &[("reason", "店面转让")]);
    assert_eq!(r.status().as_u16(), 303);

    let committee = logged_in(&app, "committee");
    let (_, queue) = text(&committee, &app, "/staff/members");
    assert!(queue.contains("店面转让"));
    let request: i32 = leave_requests::table
        .filter(leave_requests::state.eq("pending"))
        .select(leave_requests::id)
        .first(&mut *app.conn())
        .unwrap();
    let r = post(
        &app,
        &committee,
        "/staff/members",
        &format!("/staff/members/leaves/{request}/confirm"),
        &[],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(member_left_on(&app, DEMO_SHOP), Some(today(&app)));
    assert_eq!(mails(&app, "membership.left").len(), 1);
    let (_, history) = text(&committee, &app, &format!("/staff/members/{DEMO_SHOP}"));
    for step in ["申请退盟", "撤回退盟申请", "退盟"] {
        assert!(history.contains(step), "history shows {step}");
    }
    let (_, record) = app.get_text(&format!("/merchants/{DEMO_SHOP}"));
    assert!(
        record.contains("联盟成员"),
        "the record still tells the membership"
    );
    assert!(
        !record.contains("联盟成员，入盟于"),
        "but no longer as a member today"
    );
    let (_, portal) = text(&merchant, &app, "/my");
    assert!(
        !portal.contains("action=\"/my/leave\""),
        "a former member cannot ask again"
    );
    assert!(portal.contains("href=\"/join\""), "it may apply again");
}

#[test]
fn a_new_charter_version_is_confirmed_by_members_and_the_committee_sees_who_has_not() {
    let app = TestApp::spawn();
    let committee = logged_in(&app, "committee");
    let (s, list) = text(&committee, &app, "/staff/charter");
    assert_eq!(s, 200);
    assert!(list.contains("商家自治联盟盟约"));
    let body =
        "## 第一条 诚信经营\n\n守法经营。<script>alert(1)</script>\n\n## 第九条 垃圾分类\n\n按时分类投放。";
    // Preview: rendered safely, nothing published.
    let r = post(
        &app,
        &committee,
        "/staff/charter",
        "/staff/charter",
        &[
            ("title", "盟约（修订）"),
            ("body", body),
            ("changes", ""),
            ("action", "preview"),
        ],
    );
    assert_eq!(r.status().as_u16(), 200);
    let preview = r.text().unwrap();
    assert!(preview.contains("<h2>第九条 垃圾分类</h2>") && !preview.contains("<script>alert"));
    // A second version must say what changed.
    let r = post(
        &app,
        &committee,
        "/staff/charter",
        "/staff/charter",
        &[
            ("title", "盟约（修订）"),
            ("body", body),
            ("changes", ""),
            ("action", "publish"),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);
    let r = post(
        &app,
        &committee,
        "/staff/charter",
        "/staff/charter",
        &[
            ("title", "盟约（修订）"),
            ("body", body),
            ("changes", "新增第九条 垃圾分类"),
            ("action", "publish"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/staff/charter/2");
    let (_, v2) = text(&committee, &app, "/staff/charter/2");
    assert!(
        v2.contains("老王家常菜馆"),
        "the demo shop has not confirmed version 2"
    );
    let (_, public) = app.get_text("/charter");
    assert!(public.contains("第九条 垃圾分类") && !public.contains("<script>alert"));
    let (_, old) = app.get_text("/charter/1");
    assert!(old.contains("此版本已被新版本取代"));
    assert_eq!(app.get("/charter/9").status().as_u16(), 404);

    let merchant = logged_in(&app, "merchant");
    let (_, portal) = text(&merchant, &app, "/my");
    assert!(
        portal.contains("联盟盟约已更新（第 2 版）"),
        "the portal asks to confirm"
    );
    // Confirming an older version confirms nothing.
    post(&app, &merchant, "/my", "/my/charter/confirm", &[("number", "1")]);
    let (_, portal) = text(&merchant, &app, "/my");
    assert!(portal.contains("联盟盟约已更新（第 2 版）"));
    let r = post(&app, &merchant, "/my", "/my/charter/confirm", &[("number", "2")]);
    assert_eq!(r.status().as_u16(), 303);
    let (_, portal) = text(&merchant, &app, "/my");
    assert!(
        !portal.contains("联盟盟约已更新"),
        "the banner is gone once confirmed"
    );
    let (_, v2) = text(&committee, &app, "/staff/charter/2");
    let missing = &v2[v2.find("尚未确认的成员").unwrap()..v2.find("已确认的成员 (").unwrap()];
    assert!(
        !missing.contains("老王家常菜馆"),
        "it is among those who confirmed"
    );
    // Confirming twice writes one row.
    post(&app, &merchant, "/my", "/my/charter/confirm", &[("number", "2")]);
    let n: i64 = charter_confirmations::table
        .filter(charter_confirmations::merchant_id.eq(DEMO_SHOP))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 2, "versions 1 and 2, once each");
}
