//! Issue 16's "done when", end to end over HTTP: an inspector starts the day at `/staff`, sees
//! where to go (the demo's open star-rating campaign), logs two inspections of merchants on that
//! list with catalogue violations, and issues a notice whose A4 print is ready to sign; the
//! committee then runs a campaign from opening to a published edition.
//!
//! (The phone form's taps and time are the browser test
//! `an_inspection_with_two_catalogue_violations_on_a_phone_in_twelve_taps`.)

mod common;

use common::web_client::{location, Browser};
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{editions, merchants, violations};

/// The number in `<span class="work-queue-count">N</span> <text>` on the start page.
fn queue_count(page: &str, text: &str) -> Option<i64> {
    let end = page.find(&format!("</span> {text}"))?;
    let start = page[..end].rfind('>')? + 1;
    page[start..end].trim().parse().ok()
}

/// The merchant ids the page links to the inspection form for, in page order.
fn to_inspect(page: &str) -> Vec<i32> {
    page.match_indices("/staff/inspections/new?merchant=")
        .filter_map(|(i, m)| {
            let rest = &page[i + m.len()..];
            let end = rest.find(|c: char| !c.is_ascii_digit())?;
            rest[..end].parse().ok()
        })
        .collect()
}

#[test]
fn an_inspectors_day_and_a_campaign_from_opening_to_a_published_edition() {
    let app = TestApp::spawn();
    let today = app.config.today();

    // Morning: the inspector logs in and lands on the work queue, which counts the merchants the
    // demo's open campaign gives them and links to it.
    let (inspector, landed) = Browser::login_landing(&app, "inspector");
    assert_eq!(landed, "/staff");
    let start = inspector.page("/staff");
    let waiting = queue_count(&start, "家商户在星级评比中待我检查").expect("campaign row on /staff");
    assert!(waiting >= 2, "{start}");
    assert!(start.contains("href=\"/staff/campaigns\""));
    let mine = inspector.page("/staff/campaigns/1?mine=1");
    let todo = to_inspect(&mine);
    assert!(todo.len() >= 2, "{mine}");

    // Two inspections, each opened from the assignment with the merchant filled in, with two
    // violations picked from the policy's catalogue (the server fills in their words).
    let mut logged = Vec::new();
    for (n, merchant) in todo.iter().take(2).enumerate() {
        let form = inspector.page(&format!("/staff/inspections/new?merchant={merchant}"));
        let name: String = merchants::table
            .find(merchant)
            .select(merchants::name)
            .first(&mut *app.conn())
            .unwrap();
        assert!(form.contains(&name), "the form names the merchant");
        let csrf = common::extract_csrf(&form).unwrap();
        let m = merchant.to_string();
        let date = today.to_string();
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("merchant_id", m.as_str()),
            ("inspected_on", date.as_str()),
            ("kind", "routine"),
            ("d_C03", "4"),
            ("v0_type", "SP-01"),
            ("v1_type", "XF-01"),
        ];
        // The demo may already have logged one of them today: the warning asks, and we confirm.
        let r = inspector.post("/staff/inspections", &fields);
        let r = if r.status().as_u16() == 409 {
            fields.push(("confirm_same_day", "1"));
            inspector.post("/staff/inspections", &fields)
        } else {
            r
        };
        assert_eq!(r.status().as_u16(), 303, "inspection {n}");
        let id: i32 = location(&r)
            .trim_start_matches("/staff/inspections/")
            .split(['?', '#'])
            .next()
            .unwrap()
            .parse()
            .unwrap();
        logged.push(id);
    }
    let after = inspector.page("/staff");
    assert_eq!(
        queue_count(&after, "家商户在星级评比中待我检查").unwrap_or(0),
        waiting - 2,
        "two fewer to go"
    );

    // A notice for the first inspection's violations, and its A4 print ready to sign.
    let found: Vec<(i32, String, String)> = violations::table
        .filter(violations::inspection_id.eq(logged[0]))
        .order(violations::id)
        .select((violations::id, violations::code, violations::legal_basis))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(
        found.iter().map(|v| v.1.as_str()).collect::<Vec<_>>(),
        ["SP-01", "XF-01"]
    );
    let path = format!("/staff/inspections/{}/notice", logged[0]);
    let csrf = common::extract_csrf(&inspector.page(&path)).unwrap();
    let deadline = (today + chrono::Duration::days(10)).to_string();
    let (a, b) = (found[0].0.to_string(), found[1].0.to_string());
    let r = inspector.post(
        &path,
        &[
            ("csrf", csrf.as_str()),
            ("violation_ids", a.as_str()),
            ("violation_ids", b.as_str()),
            ("required_actions", "办理健康证明；清理疏散通道"),
            ("deadline", deadline.as_str()),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let notice: i32 = location(&r)
        .trim_start_matches("/staff/notices/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let shown = inspector.page(&format!("/staff/notices/{notice}"));
    assert!(shown.contains(&format!("href=\"/staff/notices/{notice}/print\"")));
    let doc = inspector.page(&format!("/staff/notices/{notice}/print"));
    for want in [
        "整改通知书",
        found[0].2.as_str(),
        found[1].2.as_str(),
        "办理健康证明；清理疏散通道",
    ] {
        assert!(doc.contains(want), "print page lacks {want}");
    }
    assert!(doc.contains("notice-doc-sign") && doc.contains("notice-doc-seal"));

    // The committee runs a campaign: open it for all members, close it, preview the edition it
    // leads to, and publish it with the confirmation.
    let (committee, landed) = Browser::login_landing(&app, "committee");
    assert_eq!(landed, "/staff");
    let page = committee.page("/staff/campaigns");
    let csrf = common::extract_csrf(&page).unwrap();
    let (from, to) = (
        today.to_string(),
        (today + chrono::Duration::days(20)).to_string(),
    );
    let r = committee.post(
        "/staff/campaigns",
        &[
            ("csrf", csrf.as_str()),
            ("name", "冬季星级评比"),
            ("starts_on", from.as_str()),
            ("ends_on", to.as_str()),
            ("scope", "all"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let campaign = location(&r);
    let id = campaign.trim_start_matches("/staff/campaigns/").to_string();
    // Today's two inspections count for it already.
    let progress = committee.page(&campaign);
    assert!(progress.contains("冬季星级评比"));
    let r = committee.post(
        &format!("{campaign}/close"),
        &[("csrf", csrf.as_str()), ("confirm", "1")],
    );
    assert_eq!(r.status().as_u16(), 303);
    let closed = committee.page(&campaign);
    let preview_link = format!("/editions/preview?campaign={id}");
    assert!(closed.contains(&preview_link), "{closed}");
    let preview = committee.page(&preview_link);
    assert!(preview.contains("星级评比：冬季星级评比"));
    let fingerprint = common::extract_field(&preview, "fingerprint").expect("fingerprint");
    let before: i64 = editions::table.count().get_result(&mut *app.conn()).unwrap();
    let r = committee.post(
        "/editions",
        &[
            ("csrf", csrf.as_str()),
            ("confirm", "1"),
            ("fingerprint", fingerprint.as_str()),
            ("note", "星级评比：冬季星级评比"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303, "published");
    let after: i64 = editions::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(after, before + 1);
    let note: String = editions::table
        .order(editions::id.desc())
        .select(editions::note)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(note, "星级评比：冬季星级评比");
}
