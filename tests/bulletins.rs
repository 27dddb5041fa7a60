//! Bulletins (政策宣传) as the committee and the merchants use them: the audience (only members,
//! only those in it), the outbox rows written with the bulletin, read receipts from the portal
//! and from the email's link (once), the read rate, the reminders (once), the attachment's
//! access, and bad input.

mod common;

use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::models::audit::Actor;
use gongzhi::db::models::merchant::Merchant;
use gongzhi::db::schema::{audit_log, bulletin_recipients, bulletins, merchants, outbox, users};
use gongzhi::domain::words::ListStatus;
use gongzhi::services::daily::{bulletin_reminders, RunOutcome};
use gongzhi::services::users::{add_user, UserSpec};
use reqwest::blocking::multipart::{Form, Part};

const PASSWORD: &str = "Bulletin-Test-Pass-2026";

/// A client logged in as `username`.
fn login(app: &TestApp, username: &str, password: &str) -> reqwest::blocking::Client {
    let c = common::client();
    let page = c.get(app.url("/login")).send().unwrap().text().unwrap();
    let csrf = common::extract_csrf(&page).unwrap();
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "{username} logs in");
    c
}

fn csrf_of(app: &TestApp, c: &reqwest::blocking::Client, path: &str) -> String {
    let page = c.get(app.url(path)).send().unwrap().text().unwrap();
    common::extract_csrf(&page).unwrap_or_else(|| panic!("no csrf on {path}"))
}

/// The members on today's date, by id.
fn members(app: &TestApp) -> Vec<Merchant> {
    let today = app.config.today();
    merchants::table
        .filter(merchants::status.eq("open"))
        .order(merchants::id)
        .select(Merchant::as_select())
        .load(&mut *app.conn())
        .unwrap()
        .into_iter()
        .filter(|m| m.is_member_on(today))
        .collect()
}

fn form(csrf: &str, action: &str, fields: &[(&str, &str)], file: Option<(&str, Vec<u8>)>) -> Form {
    let mut f = Form::new()
        .text("csrf", csrf.to_string())
        .text("action", action.to_string());
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    match file {
        Some((name, bytes)) => f.part("attachment", Part::bytes(bytes).file_name(name.to_string())),
        None => f,
    }
}

/// Sends a bulletin as the committee client; returns its id.
fn send(
    app: &TestApp,
    c: &reqwest::blocking::Client,
    title: &str,
    audience: &str,
    remind: &str,
    file: Option<(&str, Vec<u8>)>,
) -> i32 {
    let csrf = csrf_of(app, c, "/staff/bulletins");
    let r = c
        .post(app.url("/staff/bulletins"))
        .multipart(form(
            &csrf,
            "send",
            &[
                ("title", title),
                ("body", "请各商家**认真阅读**。\n\n- 第一条\n- 第二条"),
                ("audience", audience),
                ("remind_after_days", remind),
            ],
            file,
        ))
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    assert_eq!(status, 303, "send {title}: {}", r.text().unwrap_or_default());
    let location = location.unwrap();
    assert!(location.ends_with("?sent=1"), "{location}");
    location
        .trim_start_matches("/staff/bulletins/")
        .trim_end_matches("?sent=1")
        .parse()
        .unwrap()
}

/// The recipients of bulletin `id`: (merchant, address, read_via, reminded).
fn recipients(app: &TestApp, id: i32) -> Vec<(i32, Option<String>, Option<String>, bool)> {
    bulletin_recipients::table
        .filter(bulletin_recipients::bulletin_id.eq(id))
        .order(bulletin_recipients::merchant_id)
        .select((
            bulletin_recipients::merchant_id,
            bulletin_recipients::address,
            bulletin_recipients::read_via,
            bulletin_recipients::reminded_at.is_not_null(),
        ))
        .load(&mut *app.conn())
        .unwrap()
}

fn outbox_to(app: &TestApp, kind: &str) -> Vec<(String, String, String)> {
    outbox::table
        .filter(outbox::kind.eq(kind))
        .order(outbox::id)
        .select((outbox::to_addr, outbox::subject, outbox::body_text))
        .load(&mut *app.conn())
        .unwrap()
}

/// Adds a portal user for merchant `mid`.
fn merchant_user(app: &TestApp, username: &str, mid: i32, language: &str) {
    let c = &mut *app.conn();
    add_user(
        c,
        &Actor::system("test"),
        &UserSpec {
            username,
            password: PASSWORD,
            role: "merchant",
            merchant_id: Some(mid),
            display_name: username,
            email: &format!("{username}@gongzhi.test"),
        },
    )
    .unwrap();
    diesel::update(users::table.filter(users::username.eq(username)))
        .set(users::language.eq(language))
        .execute(c)
        .unwrap();
}

/// The email link in the newest bulletin email to `addr`.
fn link_to(app: &TestApp, addr: &str) -> String {
    let (_, _, text) = outbox_to(app, "bulletin.sent")
        .into_iter()
        .rev()
        .find(|(to, _, _)| to == addr)
        .expect("an email to the address");
    let i = text.find("/bulletins/read/").expect("a link");
    let token: String = text[i..].chars().take_while(|c| !c.is_whitespace()).collect();
    token
}

#[test]
fn the_audience_is_the_members_in_it_and_each_gets_an_email_in_the_same_transaction() {
    let app = TestApp::spawn();
    let committee = login(&app, "committee", "gongzhi-demo");
    let all = members(&app);
    // The page offers each audience with how many members it reaches now.
    let (_, page) = (
        (),
        committee
            .get(app.url("/staff/bulletins"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    );
    assert!(page.contains(&format!("全体成员（{} 家）", all.len())), "{page}");

    // An area: only its members, not the merchants there that are not (or no longer) members.
    let area = "新城片区";
    let in_area: Vec<i32> = all.iter().filter(|m| m.area == area).map(|m| m.id).collect();
    let outsiders: Vec<i32> = merchants::table
        .filter(merchants::area.eq(area))
        .select(merchants::id)
        .load::<i32>(&mut *app.conn())
        .unwrap()
        .into_iter()
        .filter(|id| !in_area.contains(id))
        .collect();
    assert!(!in_area.is_empty() && !outsiders.is_empty(), "the demo has both");

    // The preview says how many it reaches, and writes nothing.
    let before: i64 = bulletins::table.count().get_result(&mut *app.conn()).unwrap();
    let csrf = csrf_of(&app, &committee, "/staff/bulletins");
    let r = committee
        .post(app.url("/staff/bulletins"))
        .multipart(form(
            &csrf,
            "preview",
            &[
                ("title", "新城片区停水通知"),
                ("body", "**周三**停水。"),
                ("audience", &format!("area:{area}")),
                ("remind_after_days", "7"),
            ],
            None,
        ))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().unwrap();
    assert!(
        page.contains(&format!("目前覆盖 {} 家成员商家", in_area.len()))
            && page.contains("<strong>周三</strong>"),
        "{page}"
    );
    let after: i64 = bulletins::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(before, after, "a preview writes nothing");

    let emails_before = outbox_to(&app, "bulletin.sent").len();
    let id = send(
        &app,
        &committee,
        "新城片区停水通知",
        &format!("area:{area}"),
        "7",
        None,
    );
    let rs = recipients(&app, id);
    assert_eq!(rs.iter().map(|r| r.0).collect::<Vec<_>>(), in_area);
    assert!(rs.iter().all(|r| r.2.is_none() && !r.3));
    // One email per recipient with an address, to that address.
    let emails = outbox_to(&app, "bulletin.sent");
    let new: Vec<_> = emails[emails_before..].to_vec();
    let with_address: Vec<String> = rs.iter().filter_map(|r| r.1.clone()).collect();
    assert_eq!(new.len(), with_address.len());
    for (to, subject, text) in &new {
        assert!(with_address.contains(to), "{to}");
        assert_eq!(subject, "【政策宣传】新城片区停水通知");
        assert!(
            text.contains("认真阅读") && text.contains("/bulletins/read/"),
            "{text}"
        );
    }
    // The audit entry says what was sent to how many.
    let audit: Vec<String> = audit_log::table
        .filter(audit_log::action.eq("bulletin.send"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .select(audit_log::after_json.assume_not_null())
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].contains(&format!("\"recipients\":{}", in_area.len())),
        "{}",
        audit[0]
    );

    // A category.
    let category = all[0].category.clone();
    let id = send(
        &app,
        &committee,
        "餐饮类别通知",
        &format!("category:{category}"),
        "0",
        None,
    );
    let want: Vec<i32> = all
        .iter()
        .filter(|m| m.category == category)
        .map(|m| m.id)
        .collect();
    assert_eq!(recipients(&app, id).iter().map(|r| r.0).collect::<Vec<_>>(), want);

    // Every member.
    let id = send(&app, &committee, "全体通知", "all", "7", None);
    assert_eq!(
        recipients(&app, id).iter().map(|r| r.0).collect::<Vec<_>>(),
        all.iter().map(|m| m.id).collect::<Vec<_>>()
    );

    // The black-listed members (or, when there is none, a refusal with a message).
    let black: Vec<i32> = all
        .iter()
        .filter(|m| m.current_list == ListStatus::Black)
        .map(|m| m.id)
        .collect();
    if black.is_empty() {
        let csrf = csrf_of(&app, &committee, "/staff/bulletins");
        let r = committee
            .post(app.url("/staff/bulletins"))
            .multipart(form(
                &csrf,
                "send",
                &[("title", "黑榜通知"), ("body", "整改"), ("audience", "black")],
                None,
            ))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 422);
    } else {
        let id = send(&app, &committee, "黑榜商家整改提示", "black", "7", None);
        assert_eq!(
            recipients(&app, id).iter().map(|r| r.0).collect::<Vec<_>>(),
            black
        );
    }
}

#[test]
fn bad_input_is_refused_with_a_message_and_nothing_is_written() {
    let app = TestApp::spawn();
    let committee = login(&app, "committee", "gongzhi-demo");
    let count = |app: &TestApp| -> (i64, i64) {
        let c = &mut *app.conn();
        (
            bulletins::table.count().get_result(c).unwrap(),
            outbox::table.count().get_result(c).unwrap(),
        )
    };
    let before = count(&app);
    let post = |fields: &[(&str, &str)], file: Option<(&str, Vec<u8>)>, lang: &str| {
        let csrf = csrf_of(&app, &committee, "/staff/bulletins");
        let r = committee
            .post(app.url(&format!("/staff/bulletins?lang={lang}")))
            .multipart(form(&csrf, "send", fields, file))
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let (s, body) = post(
        &[("title", " "), ("body", "正文"), ("audience", "all")],
        None,
        "zh",
    );
    assert_eq!(s, 422);
    assert!(body.contains("请填写标题"), "{body}");
    let (s, body) = post(
        &[("title", "标题"), ("body", ""), ("audience", "all")],
        None,
        "en",
    );
    assert_eq!(s, 422);
    assert!(body.contains("Enter the text."), "{body}");
    let (s, body) = post(
        &[
            ("title", "标题"),
            ("body", "正文"),
            ("audience", "area:没有这个片区"),
        ],
        None,
        "zh",
    );
    assert_eq!(s, 422);
    assert!(body.contains("没有任何成员商家"), "{body}");
    let (s, body) = post(
        &[("title", "标题"), ("body", "正文"), ("audience", "nobody")],
        None,
        "zh",
    );
    assert_eq!(s, 422);
    assert!(body.contains("请选择发送对象"), "{body}");
    let (s, body) = post(
        &[
            ("title", "标题"),
            ("body", "正文"),
            ("audience", "all"),
            ("remind_after_days", "-1"),
        ],
        None,
        "zh",
    );
    assert_eq!(s, 422);
    assert!(body.contains("提醒天数"), "{body}");
    // Too big: 10 MB and one byte.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b'x');
    let (s, body) = post(
        &[("title", "标题"), ("body", "正文"), ("audience", "all")],
        Some(("big.pdf", big)),
        "zh",
    );
    assert_eq!(s, 422);
    assert!(body.contains("big.pdf") && body.contains("超过 10 MB"), "{body}");
    // Not an allowed type.
    let (s, body) = post(
        &[("title", "标题"), ("body", "正文"), ("audience", "all")],
        Some(("run.exe", b"MZ\x90\x00".to_vec())),
        "en",
    );
    assert_eq!(s, 422);
    assert!(
        body.contains("run.exe") && body.contains("is not a PDF"),
        "{body}"
    );
    assert_eq!(count(&app), before, "nothing written");
    assert_eq!(
        std::fs::read_dir(app.uploads.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "no file left behind"
    );
}

#[test]
fn reading_in_the_portal_or_through_the_link_records_one_receipt_and_moves_the_read_rate() {
    let app = TestApp::spawn();
    let committee = login(&app, "committee", "gongzhi-demo");
    let own: i32 = users::table
        .filter(users::username.eq("merchant"))
        .select(users::merchant_id.assume_not_null())
        .first(&mut *app.conn())
        .unwrap();
    let area = Merchant::find(&mut app.conn(), own).unwrap().unwrap().area;
    let id = send(
        &app,
        &committee,
        "关于垃圾分类的宣传",
        &format!("area:{area}"),
        "7",
        None,
    );
    let rs = recipients(&app, id);
    let total = rs.len();
    assert!(total >= 3);

    // The merchant's portal lists it as unread, and says so at the top.
    let shop = login(&app, "merchant", "gongzhi-demo");
    let home = shop.get(app.url("/my")).send().unwrap().text().unwrap();
    assert!(
        home.contains("关于垃圾分类的宣传") && home.contains("条未读的政策宣传"),
        "{home}"
    );
    // Opening it records the receipt, via the portal; a second opening changes nothing.
    let page = shop.get(app.url(&format!("/my/bulletins/{id}"))).send().unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().unwrap().contains("<strong>认真阅读</strong>"));
    let read_at = || -> Option<chrono::NaiveDateTime> {
        bulletin_recipients::table
            .filter(bulletin_recipients::bulletin_id.eq(id))
            .filter(bulletin_recipients::merchant_id.eq(own))
            .select(bulletin_recipients::read_at)
            .first(&mut *app.conn())
            .unwrap()
    };
    let first = read_at().expect("read");
    shop.get(app.url(&format!("/my/bulletins/{id}"))).send().unwrap();
    assert_eq!(read_at(), Some(first));
    let via: Vec<_> = recipients(&app, id).into_iter().filter(|r| r.0 == own).collect();
    assert_eq!(via[0].2.as_deref(), Some("portal"));

    // Another recipient opens the email's link without signing in.
    let other = rs.iter().find(|r| r.0 != own && r.1.is_some()).unwrap().clone();
    let link = link_to(&app, other.1.as_deref().unwrap());
    let anon = common::client();
    let r = anon.get(app.url(&link)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let body = r.text().unwrap();
    assert!(
        body.contains("关于垃圾分类的宣传") && body.contains("已记录您已阅读"),
        "{body}"
    );
    anon.get(app.url(&link)).send().unwrap();
    let rows = recipients(&app, id);
    let theirs = rows.iter().find(|r| r.0 == other.0).unwrap();
    assert_eq!(theirs.2.as_deref(), Some("email"));
    let audits: i64 = audit_log::table
        .filter(audit_log::action.eq("bulletin.read"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(audits, 2, "one receipt each, however often opened");

    // A forged, altered or unknown token is the not-found page, in the reader's language.
    let forged = format!("{}-{}", other.0, "0".repeat(32));
    for bad in [
        format!("/bulletins/read/{forged}"),
        format!("{link}0"),
        "/bulletins/read/x".to_string(),
    ] {
        let r = anon.get(app.url(&format!("{bad}?lang=en"))).send().unwrap();
        assert_eq!(r.status().as_u16(), 404, "{bad}");
        assert!(r.text().unwrap().contains("not found"));
    }

    // The read rate: 2 of the recipients.
    let pct = (2 * 200 + total) / (total * 2);
    let page = committee
        .get(app.url(&format!("/staff/bulletins/{id}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains(&format!("2 / {total} = {pct}%")), "{page}");
    assert!(page.contains("商家平台") && page.contains("邮件链接"));
    let list = committee
        .get(app.url("/staff/bulletins"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(list.contains(&format!("2 / {total} = {pct}%")));
    // The statistics show it too.
    let stats = committee
        .get(app.url("/staff/stats"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        stats.contains("政策宣传知晓率") && stats.contains("关于垃圾分类的宣传") && stats.contains("<svg"),
        "{stats}"
    );

    // A merchant outside the audience cannot open it: 404, as for a bulletin that does not exist.
    let outsider = members(&app).into_iter().find(|m| m.area != area).unwrap();
    merchant_user(&app, "outsider", outsider.id, "en");
    let out = login(&app, "outsider", PASSWORD);
    let r = out.get(app.url(&format!("/my/bulletins/{id}"))).send().unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let home = out.get(app.url("/my")).send().unwrap().text().unwrap();
    assert!(!home.contains("关于垃圾分类的宣传"));
}

#[test]
fn emails_are_in_the_portal_users_language_and_reminders_go_once() {
    let app = TestApp::spawn();
    let committee = login(&app, "committee", "gongzhi-demo");
    let all = members(&app);
    // One member's portal user reads English.
    let english = all
        .iter()
        .find(|m| !m.email.is_empty() && m.id != all[0].id)
        .unwrap();
    merchant_user(&app, "english-shop", english.id, "en");
    let id = send(&app, &committee, "冬季消防安全提示", "all", "3", None);
    let sent = outbox_to(&app, "bulletin.sent");
    let (_, subject, _) = sent.iter().rev().find(|(to, _, _)| *to == english.email).unwrap();
    assert_eq!(subject, "Bulletin: 冬季消防安全提示");
    let (_, subject, _) = sent.iter().rev().find(|(to, _, _)| *to == all[0].email).unwrap();
    assert_eq!(subject, "【政策宣传】冬季消防安全提示");

    // One reads it before the reminder day.
    let link = link_to(&app, &english.email);
    assert_eq!(
        common::client()
            .get(app.url(&link))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    let unread_with_address = recipients(&app, id)
        .into_iter()
        .filter(|r| r.2.is_none() && r.1.is_some())
        .count();
    let reminders = |app: &TestApp| outbox_to(app, "bulletin.reminder").len();
    let before = reminders(&app);
    let today = app.config.today();
    // Not yet due two days after.
    let r = bulletin_reminders(&mut app.conn(), &app.config, today + chrono::Duration::days(2)).unwrap();
    assert!(matches!(r, RunOutcome::Done(_)), "{r:?}");
    assert_eq!(reminders(&app), before);
    // Due on the third day: every unread recipient with an address, once.
    let day = today + chrono::Duration::days(3);
    let r = bulletin_reminders(&mut app.conn(), &app.config, day).unwrap();
    assert!(matches!(r, RunOutcome::Done(_)), "{r:?}");
    assert_eq!(reminders(&app), before + unread_with_address);
    let rows = recipients(&app, id);
    assert!(rows.iter().all(|r| r.3 == (r.2.is_none() && r.1.is_some())));
    let (_, subject, text) = outbox_to(&app, "bulletin.reminder").pop().unwrap();
    assert!(
        subject.starts_with("【提醒】") || subject.starts_with("Reminder"),
        "{subject}"
    );
    assert!(text.contains("/bulletins/read/"));
    // The job again the same day does nothing; the next day finds nobody left to remind.
    assert_eq!(
        bulletin_reminders(&mut app.conn(), &app.config, day).unwrap(),
        RunOutcome::Skipped
    );
    bulletin_reminders(&mut app.conn(), &app.config, day + chrono::Duration::days(1)).unwrap();
    assert_eq!(reminders(&app), before + unread_with_address);
    // Nor does the committee's button.
    let csrf = csrf_of(&app, &committee, &format!("/staff/bulletins/{id}"));
    let r = committee
        .post(app.url(&format!("/staff/bulletins/{id}/remind")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        format!("/staff/bulletins/{id}?reminded=0").as_str()
    );

    // "Remind now" on a fresh bulletin reminds the unread at once, and only once.
    let id = send(&app, &committee, "年货节促销规范提示", "all", "0", None);
    let before = reminders(&app);
    let page = committee
        .get(app.url(&format!("/staff/bulletins/{id}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("立即提醒未读商家"), "{page}");
    let csrf = common::extract_csrf(&page).unwrap();
    let r = committee
        .post(app.url(&format!("/staff/bulletins/{id}/remind")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .unwrap();
    let n = recipients(&app, id).iter().filter(|r| r.1.is_some()).count();
    assert_eq!(
        r.headers()["location"],
        format!("/staff/bulletins/{id}?reminded={n}").as_str()
    );
    assert_eq!(reminders(&app), before + n);
    committee
        .post(app.url(&format!("/staff/bulletins/{id}/remind")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .unwrap();
    assert_eq!(reminders(&app), before + n);
}

#[test]
fn the_attachment_is_for_the_recipients_and_staff_only() {
    let app = TestApp::spawn();
    let committee = login(&app, "committee", "gongzhi-demo");
    let own: i32 = users::table
        .filter(users::username.eq("merchant"))
        .select(users::merchant_id.assume_not_null())
        .first(&mut *app.conn())
        .unwrap();
    let area = Merchant::find(&mut app.conn(), own).unwrap().unwrap().area;
    let pdf = b"%PDF-1.4\n% the new rules\n".to_vec();
    let id = send(
        &app,
        &committee,
        "明码标价新规全文",
        &format!("area:{area}"),
        "7",
        Some(("明码标价规定.pdf", pdf.clone())),
    );
    let href = format!("/bulletins/{id}/attachment");

    // The recipient merchant.
    let shop = login(&app, "merchant", "gongzhi-demo");
    let page = shop
        .get(app.url(&format!("/my/bulletins/{id}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains(&href) && page.contains("明码标价规定.pdf"),
        "{page}"
    );
    let r = shop.get(app.url(&href)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().unwrap().to_vec(), pdf);
    // Staff.
    assert_eq!(
        committee.get(app.url(&href)).send().unwrap().status().as_u16(),
        200
    );
    // A merchant that did not receive it, and a visitor.
    let outsider = members(&app).into_iter().find(|m| m.area != area).unwrap();
    merchant_user(&app, "outsider", outsider.id, "zh-CN");
    let out = login(&app, "outsider", PASSWORD);
    assert_eq!(out.get(app.url(&href)).send().unwrap().status().as_u16(), 404);
    assert_eq!(
        common::client()
            .get(app.url(&href))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    // The holder of an email's link.
    let addr = recipients(&app, id).into_iter().find_map(|r| r.1).unwrap();
    let link = link_to(&app, &addr);
    let r = common::client()
        .get(app.url(&format!("{link}/attachment")))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().unwrap().to_vec(), pdf);
    let r = common::client()
        .get(app.url(&format!("/bulletins/read/1-{}/attachment", "0".repeat(32))))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[test]
fn the_demo_shows_bulletins_with_read_rates() {
    let app = TestApp::spawn();
    let committee = login(&app, "committee", "gongzhi-demo");
    let page = committee
        .get(app.url("/staff/bulletins"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("关于开展食品安全月活动的通知") && page.contains("关于明码标价新规的宣传"),
        "{page}"
    );
    let shop = login(&app, "merchant", "gongzhi-demo");
    let home = shop.get(app.url("/my")).send().unwrap().text().unwrap();
    assert!(home.contains("id=\"bulletins\"") && home.contains("关于冬季燃气安全专项检查的提醒"));
    let en = shop.get(app.url("/staff/bulletins?lang=en")).send().unwrap();
    assert_eq!(en.status().as_u16(), 403);
}

/// Chinese a reader of an English page meets outside `translate="no"` (names, typed text).
fn chinese_outside_names(html: &str) -> Vec<String> {
    fn walk(el: scraper::ElementRef, out: &mut Vec<String>) {
        let e = el.value();
        if e.attr("translate") == Some("no")
            || e.attr("lang").is_some_and(|l| l.starts_with("zh"))
            || matches!(e.name(), "script" | "style")
        {
            return;
        }
        for child in el.children() {
            match child.value() {
                scraper::Node::Text(t)
                    if t.chars().any(|c| {
                        ('\u{4e00}'..='\u{9fff}').contains(&c)
                            || ('\u{3000}'..='\u{303f}').contains(&c)
                            || ('\u{ff00}'..='\u{ffef}').contains(&c)
                    }) =>
                {
                    out.push(format!("<{}>{}", e.name(), t.trim()))
                }
                scraper::Node::Element(_) => walk(scraper::ElementRef::wrap(child).unwrap(), out),
                _ => {}
            }
        }
    }
    let doc = scraper::Html::parse_document(html);
    let mut out = Vec::new();
    walk(doc.root_element(), &mut out);
    out
}

#[test]
fn english_pages_show_chinese_only_in_names_and_typed_text() {
    let app = TestApp::spawn();
    let committee = login(&app, "committee", "gongzhi-demo");
    let pdf = b"%PDF-1.4\n".to_vec();
    let id = send(
        &app,
        &committee,
        "关于明码标价的通知",
        "all",
        "7",
        Some(("规定.pdf", pdf)),
    );
    let shop = login(&app, "merchant", "gongzhi-demo");
    let addr = recipients(&app, id).into_iter().find_map(|r| r.1).unwrap();
    let link = link_to(&app, &addr);
    let anon = common::client();
    for (client, path) in [
        (&committee, "/staff/bulletins?lang=en".to_string()),
        (&committee, format!("/staff/bulletins/{id}?lang=en")),
        (&committee, "/staff/stats?lang=en".to_string()),
        (&shop, "/my?lang=en".to_string()),
        (&shop, format!("/my/bulletins/{id}?lang=en")),
        (&anon, format!("{link}?lang=en")),
    ] {
        let r = client.get(app.url(&path)).send().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        // The page's <title> names the bulletin by its (typed) title, as the page shows it.
        let found: Vec<_> = chinese_outside_names(&r.text().unwrap())
            .into_iter()
            .filter(|t| !t.starts_with("<title>关于明码标价的通知"))
            .collect();
        assert!(found.is_empty(), "{path}: {found:?}");
    }
}
