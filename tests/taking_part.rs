//! Issue 15's story, end to end over HTTP as the people do it: a merchant who has never been in
//! touch with the alliance finds `/join` from the home page, applies, is approved by the
//! committee, signs in with the emailed link, confirms the charter's new version, reads a
//! bulletin and signs up for a training — and the committee sees the read rate move.

mod common;

use common::{extract_csrf, TestApp};
use diesel::prelude::*;
use gongzhi::db::schema::{merchants, outbox};
use gongzhi::domain::credit_code::CreditCode;
use gongzhi::services::complaints::form_token;
use reqwest::blocking::multipart::Form;
use reqwest::blocking::Client;

fn logged_in(app: &TestApp, user: &str) -> Client {
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
    assert_eq!(r.status().as_u16(), 303, "{user} logs in");
    c
}

fn get(c: &Client, app: &TestApp, path: &str) -> String {
    let r = c.get(app.url(path)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200, "GET {path}");
    r.text().unwrap()
}

/// Posts `fields` with the CSRF token of the page `from`; returns (status, location).
fn post(c: &Client, app: &TestApp, from: &str, to: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let csrf = extract_csrf(&get(c, app, from)).unwrap();
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = c.post(app.url(to)).form(&form).send().unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), loc)
}

/// The first `href="PREFIX…"` in `html`, up to the closing quote.
fn first_href(html: &str, prefix: &str) -> Option<String> {
    let i = html.find(&format!("href=\"{prefix}"))? + 6;
    Some(html[i..].chars().take_while(|c| *c != '"').collect())
}

/// The read rate of bulletin `id` as the committee's list states it, e.g. "12 / 30".
fn read_count(committee: &Client, app: &TestApp, id: i32) -> (u32, u32) {
    let page = get(committee, app, &format!("/staff/bulletins/{id}"));
    let i = page.find("bulletin-rate\"").expect("the read rate");
    let text: String = page[i..]
        .chars()
        .skip_while(|c| *c != '>')
        .skip(1)
        .take_while(|c| *c != '<')
        .collect();
    let nums: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (nums[0], nums[1])
}

#[test]
fn a_stranger_joins_confirms_the_charter_reads_a_bulletin_and_signs_up_for_a_training() {
    let app = TestApp::spawn();

    // 1. Found from the home page, the form applied on.
    let stranger = common::client();
    let home = get(&stranger, &app, "/");
    assert!(home.contains("href=\"/join\""), "the home page leads to /join");
    let page = get(&stranger, &app, "/join");
    let csrf = extract_csrf(&page).unwrap();
    let secret =
        gongzhi::services::plaque::app_secret(&mut app.conn(), app.config.session_secret.as_deref()).unwrap();
    let ts = form_token(&secret, chrono::Utc::now().timestamp() - 20);
    let code = CreditCode::generate(20_261_130).as_str().to_string();
    let (category, area): (String, String) = merchants::table
        .find(2)
        .select((merchants::category, merchants::area))
        .first(&mut *app.conn())
        .unwrap();
    let r = stranger
        .post(app.url("/join"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("ts", ts.as_str()),
            ("name", "桥头早点铺"),
            ("credit_code", code.as_str()),
            ("category", category.as_str()),
            ("area", area.as_str()),
            ("address", "古镇桥头 3 号"),
            ("contact_name", "钱师傅"),
            ("email", "qian@example.com"),
            ("phone", "13900000000"),
            ("accept_charter", "1"),
            ("website", ""),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "applied");

    // 2. The committee finds it in its queue and approves it.
    let committee = logged_in(&app, "committee");
    let queue = get(&committee, &app, "/staff/members");
    assert!(queue.contains("桥头早点铺"));
    let approve = {
        let i = queue.find("桥头早点铺").unwrap();
        let j = queue[i..].find("/approve\"").unwrap() + i;
        let k = queue[..j].rfind("action=\"").unwrap() + 8;
        format!("{}/approve", &queue[k..j])
    };
    let (s, _) = post(&committee, &app, "/staff/members", &approve, &[]);
    assert_eq!(s, 303, "approved");
    let mid: i32 = merchants::table
        .filter(merchants::credit_code.eq(&code))
        .select(merchants::id)
        .first(&mut *app.conn())
        .unwrap();

    // 3. The emailed link signs the new member in.
    let body: String = outbox::table
        .filter(outbox::to_addr.eq("qian@example.com"))
        .order(outbox::id.desc())
        .select(outbox::body_text)
        .first(&mut *app.conn())
        .unwrap();
    let i = body.find("/login/link/").expect("a sign-in link");
    let path: String = body[i..].chars().take_while(|c| !c.is_whitespace()).collect();
    let member = common::client();
    let confirm = get(&member, &app, &path);
    let csrf = extract_csrf(&confirm).unwrap();
    let r = member
        .post(app.url(&path))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "signed in");
    let portal = get(&member, &app, "/my");
    assert!(portal.contains("桥头早点铺"));

    // 4. The committee publishes a new charter version; the member confirms it in the portal.
    let (s, _) = post(
        &committee,
        &app,
        "/staff/charter",
        "/staff/charter",
        &[
            ("title", "商家自治联盟盟约（2026 修订）"),
            (
                "body",
                "## 第一条 诚信经营\n\n守法经营，明码标价。\n\n## 第九条 垃圾分类\n\n按时分类投放。",
            ),
            ("changes", "新增第九条 垃圾分类"),
            ("action", "publish"),
        ],
    );
    assert_eq!(s, 303, "published");
    let portal = get(&member, &app, "/my");
    assert!(
        portal.contains("/my/charter/confirm"),
        "the portal asks to confirm"
    );
    let (s, _) = post(&member, &app, "/my", "/my/charter/confirm", &[("number", "2")]);
    assert_eq!(s, 303);
    assert!(!get(&member, &app, "/my").contains("/my/charter/confirm"));
    let v2 = get(&committee, &app, "/staff/charter/2");
    let confirmed = &v2[v2.find("已确认的成员 (").unwrap()..];
    assert!(
        confirmed.contains("桥头早点铺"),
        "the committee sees it confirmed"
    );

    // 5. A bulletin to all members: the new member is in the audience, reads it in the portal,
    //    and the committee sees the read rate move by one.
    let csrf = extract_csrf(&get(&committee, &app, "/staff/bulletins")).unwrap();
    let r = committee
        .post(app.url("/staff/bulletins"))
        .multipart(
            Form::new()
                .text("csrf", csrf)
                .text("action", "send")
                .text("title", "关于开展食品安全月活动的通知")
                .text("body", "各成员商家：\n\n请于本月底前完成**后厨自查**。")
                .text("audience", "all")
                .text("remind_after_days", "7"),
        )
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "sent");
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let bid: i32 = loc
        .trim_start_matches("/staff/bulletins/")
        .trim_end_matches("?sent=1")
        .parse()
        .unwrap();
    let (read0, total) = read_count(&committee, &app, bid);
    assert!(total >= 2 && read0 == 0, "{read0} / {total}");
    let portal = get(&member, &app, "/my");
    assert!(
        portal.contains(&format!("/my/bulletins/{bid}")),
        "the portal lists it"
    );
    let reading = get(&member, &app, &format!("/my/bulletins/{bid}"));
    assert!(reading.contains("<strong>后厨自查</strong>"));
    assert_eq!(
        read_count(&committee, &app, bid),
        (1, total),
        "the read rate moved"
    );
    let email: i64 = outbox::table
        .filter(outbox::to_addr.eq("qian@example.com"))
        .filter(outbox::kind.eq("bulletin.sent"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(email, 1, "and it was emailed");
    // The statistics have no "within N days" figure for a bulletin sent minutes ago, only now's.
    let stats = get(&committee, &app, "/staff/stats");
    let row = &stats[stats.find(&format!("#{bid} ")).expect("the bulletin's row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert_eq!(row.matches("<td class=\"num\">—</td>").count(), 5, "{row}");

    // 6. The member signs up for an upcoming training; the committee sees the sign-up.
    let signup = first_href(&portal, "/my/trainings/")
        .or_else(|| {
            let i = portal.find("action=\"/my/trainings/")? + 8;
            Some(portal[i..].chars().take_while(|c| *c != '"').collect())
        })
        .expect("an upcoming training to sign up for");
    assert!(signup.ends_with("/signup"), "{signup}");
    let (s, _) = post(&member, &app, "/my", &signup, &[]);
    assert_eq!(s, 303, "signed up");
    let tid = signup
        .trim_start_matches("/my/trainings/")
        .trim_end_matches("/signup")
        .to_string();
    let training = get(&committee, &app, &format!("/staff/trainings/{tid}"));
    assert!(training.contains("桥头早点铺"), "on the sign-up list");
    assert!(
        get(&member, &app, "/my").contains(&format!("/my/trainings/{tid}/cancel")),
        "the portal shows it signed up"
    );
    let _ = mid;
}
