//! Rectification notices end to end: an inspector issues one from an inspection's violations,
//! the merchant opens it (read receipt), answers with a photo, the inspector sends it back and
//! then verifies it, and the rating follows — plus the rules around it: validation, ownership,
//! photos, the sign-in link, the public reply and the reminder.

mod common;

use common::web_client::{add_merchant_user, Browser};
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{attachments, audit_log, login_links, notice_answers, notices, outbox};

/// The demo merchant account's shop (老王家常菜馆).
const MERCHANT: i64 = 1;
/// Its address on file, where its notices go.
const SHOP_EMAIL: &str = "shop01@merchants.gongzhi.localhost";

/// A tiny but real PNG (1×1, transparent).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00,
    0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01,
    0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn answer_form(
    csrf: &str,
    body: &str,
    photos: &[(&str, &[u8])],
    follow_up: bool,
) -> reqwest::blocking::multipart::Form {
    let mut f = reqwest::blocking::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("body", body.to_string());
    if follow_up {
        f = f.text("follow_up", "1");
    }
    for (name, bytes) in photos {
        f = f.part(
            "photos",
            reqwest::blocking::multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_string())
                .mime_str("image/png")
                .unwrap(),
        );
    }
    f
}

fn token(app: &TestApp, user: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": user, "password": "gongzhi-demo"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.json::<serde_json::Value>().unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Logs an inspection of `merchant` with one major violation through the API; returns the
/// inspection's id and the violation's.
fn inspection_with_violation(app: &TestApp, merchant: i64) -> (i64, i64) {
    let tok = token(app, "inspector");
    let r = app
        .client
        .post(app.url("/api/v1/inspections"))
        .bearer_auth(tok)
        .json(&serde_json::json!({
            "merchant_id": merchant,
            "inspected_on": app.config.today().to_string(),
            "kind": "routine",
            "deductions": [{"code": "C03", "points": 6}],
            "violations": [{"code": "V201", "severity": "major", "description": "从业人员未取得有效健康证明",
                             "legal_basis": "食品安全法第四十五条", "fine_fen": 0}],
            "notes": "",
            "confirm_same_day": true
        }))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: serde_json::Value = r.json().unwrap();
    (
        v["inspection"]["id"].as_i64().unwrap(),
        v["inspection"]["violations"][0]["id"].as_i64().unwrap(),
    )
}

/// Issues a notice through the inspector's form; returns its id.
fn issue(app: &TestApp, inspector: &Browser, inspection: i64, violation: i64) -> i32 {
    let path = format!("/staff/inspections/{inspection}/notice");
    let csrf = inspector.csrf(&path);
    let deadline = (app.config.today() + chrono::Duration::days(14)).to_string();
    let r = inspector.post(
        &path,
        &[
            ("csrf", csrf.as_str()),
            ("violation_ids", &violation.to_string()),
            ("required_actions", "全部从业人员办理健康证明并上墙公示"),
            ("deadline", &deadline),
        ],
    );
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().unwrap_or_default());
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/staff/notices/"), "{loc}");
    loc.trim_start_matches("/staff/notices/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn notice_state(app: &TestApp, id: i32) -> String {
    notices::table
        .find(id)
        .select(notices::state)
        .first(&mut *app.conn())
        .unwrap()
}

fn mails(app: &TestApp, kind: &str, notice: Option<i32>) -> Vec<(String, String, String)> {
    let mut q = outbox::table
        .filter(outbox::kind.eq(kind))
        .select((outbox::to_addr, outbox::subject, outbox::body_text))
        .into_boxed();
    if let Some(n) = notice {
        q = q.filter(outbox::notice_id.eq(n));
    }
    q.load(&mut *app.conn()).unwrap()
}

fn audit_actions(app: &TestApp, id: i32) -> Vec<String> {
    audit_log::table
        .filter(audit_log::entity.eq("notice"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut *app.conn())
        .unwrap()
}

#[test]
fn a_notice_goes_from_issue_to_verified() {
    let app = TestApp::spawn();
    let inspector = Browser::login(&app, "inspector");
    let merchant = Browser::login(&app, "merchant");
    let (iid, vid) = inspection_with_violation(&app, MERCHANT);

    // The inspection's page offers the notice; the form lists its violations, pre-selected.
    let (_, shown) = inspector.get(&format!("/staff/inspections/{iid}"));
    assert!(
        shown.contains(&format!("/staff/inspections/{iid}/notice")),
        "{shown}"
    );
    let (s, form) = inspector.get(&format!("/staff/inspections/{iid}/notice"));
    assert_eq!(s, 200);
    assert!(
        form.contains("V201") && form.contains(&format!("value=\"{vid}\" checked")),
        "{form}"
    );

    // Issue: the notice, its audit entry and its email in the outbox.
    let id = issue(&app, &inspector, iid, vid);
    assert_eq!(notice_state(&app, id), "issued");
    let number: String = notices::table
        .find(id)
        .select(notices::number)
        .first(&mut *app.conn())
        .unwrap();
    let year = app.config.today().format("%Y").to_string();
    assert!(
        number.starts_with(&format!("整改〔{year}〕第")) && number.ends_with('号'),
        "{number}"
    );
    let sent = mails(&app, "notice.issued", Some(id));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, SHOP_EMAIL);
    assert!(sent[0].1.contains(&number));
    assert!(sent[0].2.contains(&format!("/my/notices/{id}")) && sent[0].2.contains("健康证明"));
    let (_, page) = inspector.get(&format!("/staff/notices/{id}?issued=1&to={SHOP_EMAIL}"));
    assert!(page.contains(&number) && page.contains(SHOP_EMAIL), "{page}");
    // The worker reports the email accepted: issued → emailed, with its time.
    gongzhi::services::notices::mark_emailed(&mut app.conn(), id, gongzhi::db::models::now_utc()).unwrap();
    assert_eq!(notice_state(&app, id), "emailed");

    // The merchant sees it in the portal; opening it records the read receipt.
    let (s, home) = merchant.get("/my");
    assert_eq!(s, 200);
    assert!(home.contains(&number), "{home}");
    let (s, page) = merchant.get(&format!("/my/notices/{id}"));
    assert_eq!(s, 200);
    assert!(page.contains("全部从业人员办理健康证明并上墙公示"));
    assert_eq!(notice_state(&app, id), "read");
    let read_at: Option<chrono::NaiveDateTime> = notices::table
        .find(id)
        .select(notices::read_at)
        .first(&mut *app.conn())
        .unwrap();
    let read_at = read_at.expect("read receipt");
    // A second visit keeps the first receipt.
    merchant.get(&format!("/my/notices/{id}"));
    let again: Option<chrono::NaiveDateTime> = notices::table
        .find(id)
        .select(notices::read_at)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(again, Some(read_at));
    // The inspector sees when it was read, in local time.
    let (_, staff_page) = inspector.get(&format!("/staff/notices/{id}"));
    assert!(
        staff_page.contains(&app.config.local_time(read_at)),
        "{staff_page}"
    );

    // The merchant answers with a photo and asks for a follow-up inspection.
    let csrf = merchant.csrf(&format!("/my/notices/{id}"));
    let r = merchant.post_multipart(
        &format!("/my/notices/{id}/answer"),
        answer_form(
            &csrf,
            "已为全部员工办理健康证明，已上墙公示。",
            &[("健康证.png", PNG)],
            true,
        ),
    );
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().unwrap_or_default());
    assert_eq!(notice_state(&app, id), "answered");
    let (aid, key): (i32, String) = attachments::table
        .inner_join(notice_answers::table)
        .filter(notice_answers::notice_id.eq(id))
        .select((attachments::id, attachments::storage_key))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(std::fs::read(app.uploads.path().join(&key)).unwrap(), PNG);
    // The inspector is told, by email.
    let told = mails(&app, "notice.answered", Some(id));
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].0, "inspector@gongzhi.localhost");
    assert!(told[0].2.contains("申请复查"));
    // A second answer must wait for the decision.
    let r = merchant.post_multipart(
        &format!("/my/notices/{id}/answer"),
        answer_form(&csrf, "再补充一些说明文字。", &[], false),
    );
    assert_eq!(r.status().as_u16(), 422);

    // The photo: its merchant and staff see it; nobody else.
    let r = merchant
        .client
        .get(app.url(&format!("/attachments/{aid}")))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().unwrap().as_ref(), PNG);
    let (s, _) = inspector.get(&format!("/attachments/{aid}"));
    assert_eq!(s, 200);
    // A photo whose file went missing (an upload directory not restored with the database) is a
    // not-found page, not a server error.
    let file = app.uploads.path().join(&key);
    std::fs::rename(&file, file.with_extension("moved")).unwrap();
    let (s, body) = inspector.get(&format!("/attachments/{aid}"));
    assert_eq!(s, 404);
    assert!(body.contains("不存在"), "{body}");
    std::fs::rename(file.with_extension("moved"), &file).unwrap();
    assert_eq!(
        Browser::anonymous(&app).get(&format!("/attachments/{aid}")).0,
        401
    );
    add_merchant_user(&app, "other-shop", 2, "zh-CN");
    let other = Browser::login(&app, "other-shop");
    assert_eq!(other.get(&format!("/attachments/{aid}")).0, 404);
    // …nor the notice, by guessing ids, nor answer it.
    for guess in 1..=id + 1 {
        let (s, _) = other.get(&format!("/my/notices/{guess}"));
        assert_eq!(s, 404, "merchant 2 opened notice {guess}");
    }
    let ocsrf = other.csrf("/my");
    let r = other.post_multipart(
        &format!("/my/notices/{id}/answer"),
        answer_form(&ocsrf, "我们不是这家店但想回复。", &[], false),
    );
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(
        audit_actions(&app, id)
            .iter()
            .filter(|a| *a == "notice.answered")
            .count(),
        1
    );

    // The queue shows it to verify; a rejection needs a reason.
    let (_, queue) = inspector.get("/staff/notices");
    let to_verify = &queue[queue.find("id=\"to-verify\"").unwrap()..queue.find("id=\"overdue\"").unwrap()];
    assert!(to_verify.contains(&number), "{queue}");
    let csrf = inspector.csrf(&format!("/staff/notices/{id}"));
    let decide = format!("/staff/notices/{id}/decide");
    let r = inspector.post(
        &decide,
        &[("csrf", csrf.as_str()), ("decision", "reject"), ("reason", "")],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("退回时请写明原因"));
    let r = inspector.post(
        &decide,
        &[
            ("csrf", csrf.as_str()),
            ("decision", "reject"),
            ("reason", "照片看不清健康证编号"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(notice_state(&app, id), "read");
    let back = mails(&app, "notice.decided", Some(id));
    assert_eq!(back.len(), 1);
    assert!(back[0].2.contains("照片看不清健康证编号"));
    let (_, page) = merchant.get(&format!("/my/notices/{id}"));
    assert!(
        page.contains("照片看不清健康证编号") && page.contains("answer-body"),
        "{page}"
    );

    // Second answer, accepted: verified, closed, and the rating recomputed.
    let csrf = merchant.csrf(&format!("/my/notices/{id}"));
    let r = merchant.post_multipart(
        &format!("/my/notices/{id}/answer"),
        answer_form(
            &csrf,
            "重新拍摄了清晰的健康证照片。",
            &[("a.png", PNG), ("b.png", PNG)],
            false,
        ),
    );
    assert_eq!(r.status().as_u16(), 303);
    let csrf = inspector.csrf(&format!("/staff/notices/{id}"));
    let r = inspector.post(
        &decide,
        &[("csrf", csrf.as_str()), ("decision", "accept"), ("reason", "")],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(notice_state(&app, id), "verified");
    let verified: Option<chrono::NaiveDateTime> = notices::table
        .find(id)
        .select(notices::verified_at)
        .first(&mut *app.conn())
        .unwrap();
    assert!(verified.is_some());
    // Deciding again is refused: there is nothing to decide.
    let r = inspector.post(
        &decide,
        &[("csrf", csrf.as_str()), ("decision", "accept"), ("reason", "")],
    );
    assert_eq!(r.status().as_u16(), 422);
    let (_, page) = merchant.get(&format!("/my/notices/{id}"));
    assert!(
        !page.contains("answer-body"),
        "a closed notice has no answer form"
    );

    // Every step is in the audit log, whose chain still verifies.
    assert_eq!(
        audit_actions(&app, id),
        [
            "notice.issued",
            "notice.emailed",
            "notice.read",
            "notice.answered",
            "notice.rejected",
            "notice.answered",
            "notice.verified"
        ]
    );
    let (_, staff_page) = inspector.get(&format!("/staff/notices/{id}"));
    assert!(staff_page.contains("notice.verified") && staff_page.contains("notice.issued"));
    let v = gongzhi::db::models::audit::verify(&mut app.conn()).unwrap();
    assert!(
        matches!(v, gongzhi::db::models::audit::Verification::Intact { .. }),
        "{v:?}"
    );
}

/// The daily job marks every notice past its deadline at once: each overdue with its time and
/// its own audit entry, in order, and the chain still verifies.
#[test]
fn many_notices_go_overdue_at_once_each_with_its_audit_entry() {
    let app = TestApp::spawn();
    let inspector = Browser::login(&app, "inspector");
    let mut ids = Vec::new();
    for merchant in [MERCHANT, 2, 3] {
        let (iid, vid) = inspection_with_violation(&app, merchant);
        ids.push(issue(&app, &inspector, iid, vid));
    }
    let yesterday = app.config.today() - chrono::Duration::days(1);
    let mut c = app.conn();
    diesel::update(notices::table.filter(notices::id.eq_any(&ids)))
        .set(notices::deadline.eq(yesterday))
        .execute(&mut *c)
        .unwrap();
    // Every open notice past its deadline, the three above among them.
    let due: Vec<i32> = notices::table
        .filter(notices::state.eq_any(["issued", "emailed", "read", "answered"]))
        .filter(notices::deadline.lt(app.config.today()))
        .select(notices::id)
        .order(notices::id.asc())
        .load(&mut *c)
        .unwrap();
    assert!(ids.iter().all(|id| due.contains(id)), "{ids:?} {due:?}");
    let before: Option<i32> = audit_log::table
        .select(diesel::dsl::max(audit_log::id))
        .first(&mut *c)
        .unwrap();
    let policy = gongzhi::services::policy::active_policy(&mut c).unwrap();
    let actor = gongzhi::db::models::audit::Actor::system("test");
    let n = gongzhi::services::notices::mark_overdue(&mut c, &policy, app.config.today(), &actor).unwrap();
    assert_eq!(n, due.len());
    let marked: Vec<(i32, String, Option<chrono::NaiveDateTime>)> = notices::table
        .filter(notices::id.eq_any(&due))
        .select((notices::id, notices::state, notices::overdue_at))
        .order(notices::id.asc())
        .load(&mut *c)
        .unwrap();
    assert!(
        marked
            .iter()
            .all(|(_, state, at)| state == "overdue" && at.is_some()),
        "{marked:?}"
    );
    let entries: Vec<Option<String>> = audit_log::table
        .filter(audit_log::action.eq("notice.overdue"))
        .filter(audit_log::id.gt(before.unwrap_or(0)))
        .order(audit_log::id.asc())
        .select(audit_log::entity_id)
        .load(&mut *c)
        .unwrap();
    let want: Vec<Option<String>> = due.iter().map(|id| Some(id.to_string())).collect();
    assert_eq!(entries, want);
    // Nothing is left to mark the same day.
    assert_eq!(
        gongzhi::services::notices::mark_overdue(&mut c, &policy, app.config.today(), &actor).unwrap(),
        0
    );
    let v = gongzhi::db::models::audit::verify(&mut c).unwrap();
    assert!(
        matches!(v, gongzhi::db::models::audit::Verification::Intact { .. }),
        "{v:?}"
    );
}

#[test]
fn verification_takes_the_merchant_off_the_black_list() {
    let app = TestApp::spawn();
    let inspector = Browser::login(&app, "inspector");
    let merchant = Browser::login(&app, "merchant");
    let (iid, vid) = inspection_with_violation(&app, MERCHANT);
    let id = issue(&app, &inspector, iid, vid);
    // The deadline passes unanswered: overdue, and the merchant is on the black list.
    let mut c = app.conn();
    diesel::update(notices::table.find(id))
        .set(notices::deadline.eq(app.config.today() - chrono::Duration::days(1)))
        .execute(&mut *c)
        .unwrap();
    let policy = gongzhi::services::policy::active_policy(&mut c).unwrap();
    let actor = gongzhi::db::models::audit::Actor::system("test");
    let n = gongzhi::services::notices::mark_overdue(&mut c, &policy, app.config.today(), &actor).unwrap();
    assert!(n >= 1);
    drop(c);
    assert_eq!(notice_state(&app, id), "overdue");
    let list = |app: &TestApp| -> String {
        gongzhi::db::schema::merchants::table
            .find(MERCHANT as i32)
            .select(gongzhi::db::schema::merchants::current_list)
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(list(&app), "black");
    // An overdue notice can still be answered; it stays overdue until verified.
    let csrf = merchant.csrf(&format!("/my/notices/{id}"));
    let r = merchant.post_multipart(
        &format!("/my/notices/{id}/answer"),
        answer_form(&csrf, "已全部整改，请复查。", &[("x.png", PNG)], true),
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(notice_state(&app, id), "overdue");
    let (_, queue) = inspector.get("/staff/notices");
    let to_verify = &queue[queue.find("id=\"to-verify\"").unwrap()..queue.find("id=\"overdue\"").unwrap()];
    assert!(to_verify.contains(&format!("/staff/notices/{id}")), "{queue}");
    // Extending an overdue notice is refused; accepting it closes it.
    let csrf = inspector.csrf(&format!("/staff/notices/{id}"));
    let decide = format!("/staff/notices/{id}/decide");
    let later = (app.config.today() + chrono::Duration::days(7)).to_string();
    let r = inspector.post(
        &decide,
        &[
            ("csrf", csrf.as_str()),
            ("decision", "reject"),
            ("reason", "再等等"),
            ("new_deadline", &later),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(notice_state(&app, id), "overdue");
    let r = inspector.post(
        &decide,
        &[
            ("csrf", csrf.as_str()),
            ("decision", "accept"),
            ("reason", "复查合格"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(notice_state(&app, id), "verified");
    // Verified late: the policy decides whether it still counts; the rating was recomputed
    // in the same transaction (a snapshot as of today exists after the decision).
    let snaps: i64 = gongzhi::db::schema::rating_snapshots::table
        .filter(gongzhi::db::schema::rating_snapshots::merchant_id.eq(MERCHANT as i32))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert!(snaps >= 2);
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn();
    let inspector = Browser::login(&app, "inspector");
    let merchant = Browser::login(&app, "merchant");
    let (iid, vid) = inspection_with_violation(&app, MERCHANT);
    let (other_iid, other_vid) = inspection_with_violation(&app, 2);
    let _ = other_iid;
    let count = |app: &TestApp| -> (i64, i64, i64) {
        let mut c = app.conn();
        (
            notices::table.count().get_result(&mut *c).unwrap(),
            outbox::table.count().get_result(&mut *c).unwrap(),
            audit_log::table.count().get_result(&mut *c).unwrap(),
        )
    };
    let before = count(&app);
    let path = format!("/staff/inspections/{iid}/notice");
    let csrf = inspector.csrf(&path);
    let today = app.config.today();
    let ok_deadline = (today + chrono::Duration::days(10)).to_string();
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![
                ("required_actions", "整改要求写清楚".into()),
                ("deadline", ok_deadline.clone()),
            ],
            "请至少选择一项违规问题",
        ),
        (
            vec![
                ("violation_ids", vid.to_string()),
                ("required_actions", "整改要求写清楚".into()),
                ("deadline", today.to_string()),
            ],
            "整改期限必须晚于今天",
        ),
        (
            vec![
                ("violation_ids", vid.to_string()),
                ("required_actions", "整改要求写清楚".into()),
                ("deadline", "明天".into()),
            ],
            "YYYY-MM-DD",
        ),
        (
            vec![
                ("violation_ids", other_vid.to_string()),
                ("required_actions", "整改要求写清楚".into()),
                ("deadline", ok_deadline.clone()),
            ],
            "不属于检查记录",
        ),
        (
            vec![
                ("violation_ids", vid.to_string()),
                ("required_actions", "短".into()),
                ("deadline", ok_deadline.clone()),
            ],
            "至少 5 个字",
        ),
        (
            vec![
                ("violation_ids", "abc".into()),
                ("required_actions", "整改要求写清楚".into()),
                ("deadline", ok_deadline.clone()),
            ],
            "违规记录编号无效",
        ),
    ];
    for (fields, message) in cases {
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        let r = inspector.post(&path, &form);
        assert_eq!(r.status().as_u16(), 422, "{fields:?}");
        let body = r.text().unwrap();
        assert!(body.contains(message), "{fields:?}: {body}");
    }
    // A missing inspection is a 404; a missing CSRF token a 422.
    let r = inspector.post("/staff/inspections/999999/notice", &[("csrf", csrf.as_str())]);
    assert_eq!(r.status().as_u16(), 404);
    let r = inspector.post(&path, &[("violation_ids", &vid.to_string())]);
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(count(&app), before, "nothing written");

    // A violation goes on one notice only.
    let id = issue(&app, &inspector, iid, vid);
    let r = inspector.post(
        &path,
        &[
            ("csrf", csrf.as_str()),
            ("violation_ids", &vid.to_string()),
            ("required_actions", "再次整改要求"),
            ("deadline", &ok_deadline),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);

    // Answers: not an image, too many photos, too short: 422, no rows, no files left behind.
    let answers = |app: &TestApp| -> i64 {
        notice_answers::table
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    let before_answers = answers(&app);
    let csrf = merchant.csrf(&format!("/my/notices/{id}"));
    let gif: &[u8] = b"GIF89a\x01\x00\x01\x00";
    let six: Vec<(&str, &[u8])> = (0..6).map(|_| ("p.png", PNG)).collect();
    let big = {
        let mut v = PNG.to_vec();
        v.resize(5 * 1024 * 1024 + 10, 0);
        v
    };
    for (body, photos, message) in [
        ("已经整改完毕。", vec![("fake.png", gif)], "不是 JPEG 或 PNG"),
        ("已经整改完毕。", six, "最多上传 5 张照片"),
        ("好", vec![], "至少 5 个字"),
        ("已经整改完毕。", vec![("big.png", big.as_slice())], "超过 5 MB"),
    ] {
        let r = merchant.post_multipart(
            &format!("/my/notices/{id}/answer"),
            answer_form(&csrf, body, &photos, false),
        );
        assert_eq!(r.status().as_u16(), 422, "{message}");
        let text = r.text().unwrap();
        assert!(text.contains(message), "{message}: {text}");
    }
    assert_eq!(answers(&app), before_answers);
    // Opened (the form page was loaded), not answered.
    assert_eq!(notice_state(&app, id), "read");
    assert_eq!(
        std::fs::read_dir(app.uploads.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );
    // A form that is not multipart is a clear 4xx, never a 500.
    let r = merchant.post(
        &format!("/my/notices/{id}/answer"),
        &[("csrf", csrf.as_str()), ("body", "文字内容足够长")],
    );
    let s = r.status().as_u16();
    assert!((400..500).contains(&s), "{s}");
}

#[test]
fn a_merchant_signs_in_with_a_one_time_link() {
    let app = TestApp::spawn();
    let b = Browser::anonymous(&app);
    let (s, login) = b.get("/login");
    assert_eq!(s, 200);
    assert!(login.contains("/login/link"));
    let csrf = b.csrf("/login/link");
    // Unknown accounts get the same answer and no email.
    let r = b.post("/login/link", &[("csrf", csrf.as_str()), ("ident", "nobody")]);
    assert_eq!(r.status().as_u16(), 200);
    let same = r.text().unwrap();
    assert!(mails(&app, "login.link", None).is_empty());
    let r = b.post("/login/link", &[("csrf", csrf.as_str()), ("ident", "")]);
    assert_eq!(r.status().as_u16(), 422);
    // Staff accounts sign in with passwords only.
    b.post("/login/link", &[("csrf", csrf.as_str()), ("ident", "inspector")]);
    assert!(mails(&app, "login.link", None).is_empty());

    let r = b.post(
        "/login/link",
        &[("csrf", csrf.as_str()), ("ident", "merchant@gongzhi.localhost")],
    );
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.text().unwrap(),
        same,
        "the page does not tell which accounts exist"
    );
    let sent = mails(&app, "login.link", None);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "merchant@gongzhi.localhost");
    let text = &sent[0].2;
    let start = text.find("/login/link/").unwrap();
    let path: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();

    // Opening the link does not use it (mail scanners open links); the button does.
    let visitor = Browser::anonymous(&app);
    let (s, page) = visitor.get(&path);
    assert_eq!(s, 200);
    let (s, _) = visitor.get(&path);
    assert_eq!(s, 200);
    let csrf = common::extract_csrf(&page).unwrap();
    let r = visitor.post(&path, &[("csrf", csrf.as_str())]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/my");
    let (s, home) = visitor.get("/my");
    assert_eq!(s, 200);
    assert!(home.contains("老王家常菜馆"));
    // Single use.
    let again = Browser::anonymous(&app);
    let (s, _) = again.get(&path);
    assert_eq!(s, 410);
    let csrf = again.csrf("/login");
    assert_eq!(
        again.post(&path, &[("csrf", csrf.as_str())]).status().as_u16(),
        410
    );

    // Expired after 15 minutes.
    b.post(
        "/login/link",
        &[("csrf", b.csrf("/login/link").as_str()), ("ident", "merchant")],
    );
    let sent = mails(&app, "login.link", None);
    assert_eq!(sent.len(), 2);
    let text = &sent[1].2;
    let start = text.find("/login/link/").unwrap();
    let path: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    diesel::update(login_links::table.filter(login_links::used_at.is_null()))
        .set(login_links::expires_at.eq(gongzhi::db::models::now_utc() - chrono::Duration::minutes(1)))
        .execute(&mut *app.conn())
        .unwrap();
    let late = Browser::anonymous(&app);
    let (s, page) = late.get(&path);
    assert_eq!(s, 410);
    assert!(page.contains("已失效"));
    // A made-up token is the same 410.
    assert_eq!(late.get("/login/link/not-a-token").0, 410);
}

#[test]
fn the_merchant_replies_publicly_and_is_reminded_before_the_deadline() {
    let app = TestApp::spawn();
    let merchant = Browser::login(&app, "merchant");
    let csrf = merchant.csrf("/my");
    let r = merchant.post(
        "/my/reply",
        &[("csrf", csrf.as_str()), ("body", "欢迎致电 13800138000 咨询")],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("电话号码"));
    let r = merchant.post(
        "/my/reply",
        &[
            ("csrf", csrf.as_str()),
            ("body", "我们已更换全部冷藏设备，欢迎顾客监督。"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let (_, public) = Browser::anonymous(&app).get(&format!("/merchants/{MERCHANT}"));
    assert!(public.contains("我们已更换全部冷藏设备"), "{public}");
    // Staff have no portal.
    let inspector = Browser::login(&app, "inspector");
    assert_eq!(inspector.get("/my").0, 403);

    // The demo's open notice for this merchant is due in 10 days: no reminder yet; at 3 days, one.
    let id: i32 = notices::table
        .filter(notices::merchant_id.eq(MERCHANT as i32))
        .filter(notices::state.eq("issued"))
        .select(notices::id)
        .first(&mut *app.conn())
        .unwrap();
    let actor = gongzhi::db::models::audit::Actor::system("test");
    let today = app.config.today();
    let base = app.config.base_url.clone();
    let n = gongzhi::services::notices::send_reminders(&mut app.conn(), &base, today, &actor).unwrap();
    assert_eq!(n, 0);
    diesel::update(notices::table.find(id))
        .set(notices::deadline.eq(today + chrono::Duration::days(3)))
        .execute(&mut *app.conn())
        .unwrap();
    let n = gongzhi::services::notices::send_reminders(&mut app.conn(), &base, today, &actor).unwrap();
    assert_eq!(n, 1);
    let n = gongzhi::services::notices::send_reminders(&mut app.conn(), &base, today, &actor).unwrap();
    assert_eq!(n, 0, "one reminder per notice");
    let r = mails(&app, "notice.reminder", Some(id));
    assert_eq!(r.len(), 1);
    assert!(r[0].1.contains("提醒") && r[0].2.contains("还有 3 天"));
}

#[test]
fn the_demo_town_has_notice_emails_waiting_in_the_outbox() {
    let app = TestApp::spawn();
    let queued = mails(&app, "notice.issued", None);
    assert!(queued.len() >= 3, "{queued:?}");
    assert!(queued.iter().any(|m| m.0 == SHOP_EMAIL));
    let unsent: i64 = outbox::table
        .filter(outbox::sent_at.is_null())
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert!(unsent >= 3);
}

/// The whole story over real SMTP: the merchant receives the notice by email, opens the portal
/// (read receipt), answers with a photo (the inspector receives an email), the inspector
/// verifies, and the rating updates.
#[test]
fn end_to_end_over_real_smtp() {
    use common::smtp::{wait_for, Smtp};
    use mailparse::MailHeaderMap;

    let smtp = Smtp::start(None);
    let url = smtp.url();
    let app = TestApp::spawn_with_config(
        true,
        &[
            ("GONGZHI_SMTP_URL", url.as_str()),
            ("GONGZHI_MAIL_POLL_SECS", "0.1"),
            ("GONGZHI_MAIL_RETRY_BASE_SECS", "0.1"),
            ("GONGZHI_MAIL_RETRY_CAP_SECS", "0.3"),
        ],
        true,
    );
    let inspector = Browser::login(&app, "inspector");
    let merchant = Browser::login(&app, "merchant");
    let (iid, vid) = inspection_with_violation(&app, MERCHANT);
    let id = issue(&app, &inspector, iid, vid);
    let number: String = notices::table
        .find(id)
        .select(notices::number)
        .first(&mut *app.conn())
        .unwrap();

    // The email arrives, once, with the number, the deadline and the link to the portal.
    let subject_has = |needle: &str| {
        let got = smtp.got.lock().unwrap().clone();
        got.into_iter()
            .filter(|m| {
                let p = mailparse::parse_mail(&m.data).unwrap();
                p.headers
                    .get_first_value("Subject")
                    .is_some_and(|s| s.contains(needle))
            })
            .collect::<Vec<_>>()
    };
    let mail = wait_for("the notice email", || subject_has(&number).into_iter().next());
    assert_eq!(mail.envelope_to, vec![SHOP_EMAIL.to_string()]);
    let parsed = mailparse::parse_mail(&mail.data).unwrap();
    let text = parsed.subparts[0].get_body().unwrap();
    let html = parsed.subparts[1].get_body().unwrap();
    assert!(
        text.contains(&format!("{}/my/notices/{id}", app.config.base_url)),
        "{text}"
    );
    assert!(html.contains("Rectification notice") && html.contains("V201"));
    wait_for("the notice to be marked emailed", || {
        (notice_state(&app, id) == "emailed").then_some(())
    });

    // The merchant opens it: the read receipt shows on the inspector's page.
    merchant.get(&format!("/my/notices/{id}"));
    assert_eq!(notice_state(&app, id), "read");
    let (_, page) = inspector.get(&format!("/staff/notices/{id}"));
    let read_row = &page[page.find("商家阅读时间").unwrap()..];
    assert!(!read_row[..80.min(read_row.len())].contains("尚未"), "{page}");

    // It answers with a photo; the inspector is emailed.
    let csrf = merchant.csrf(&format!("/my/notices/{id}"));
    let r = merchant.post_multipart(
        &format!("/my/notices/{id}/answer"),
        answer_form(&csrf, "全部员工已办理健康证明。", &[("证明.png", PNG)], false),
    );
    assert_eq!(r.status().as_u16(), 303);
    let told = wait_for("the inspector's email", || {
        subject_has("商家已回复").into_iter().find(|m| {
            m.envelope_to == vec!["inspector@gongzhi.localhost".to_string()]
                && String::from_utf8_lossy(&m.data).contains(&format!("/staff/notices/{id}"))
        })
    });
    assert!(!told.data.is_empty());

    // The deadline passes before the inspector gets to it: overdue costs points…
    {
        let mut c = app.conn();
        diesel::update(notices::table.find(id))
            .set(notices::deadline.eq(app.config.today() - chrono::Duration::days(1)))
            .execute(&mut *c)
            .unwrap();
        let policy = gongzhi::services::policy::active_policy(&mut c).unwrap();
        let actor = gongzhi::db::models::audit::Actor::system("test");
        gongzhi::services::notices::mark_overdue(&mut c, &policy, app.config.today(), &actor).unwrap();
    }
    let score = |app: &TestApp| -> Option<i32> {
        gongzhi::db::schema::merchants::table
            .find(MERCHANT as i32)
            .select(gongzhi::db::schema::merchants::current_score_tenths)
            .first(&mut *app.conn())
            .unwrap()
    };
    let overdue_score = score(&app).unwrap();
    // …and verifying gives them back, in the same transaction as the decision.
    let csrf = inspector.csrf(&format!("/staff/notices/{id}"));
    let r = inspector.post(
        &format!("/staff/notices/{id}/decide"),
        &[
            ("csrf", csrf.as_str()),
            ("decision", "accept"),
            ("reason", "复查合格"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(notice_state(&app, id), "verified");
    let verified_score = score(&app).unwrap();
    assert!(
        verified_score > overdue_score,
        "{overdue_score} → {verified_score}"
    );
    // The merchant is told, by email.
    wait_for("the decision email", || subject_has("已验收").into_iter().next());
    // Exactly one notice email for this notice reached the server.
    let issued: Vec<_> = subject_has(&number)
        .into_iter()
        .filter(|m| String::from_utf8_lossy(&m.data).contains("Rectification notice"))
        .collect();
    assert_eq!(issued.len(), 1);
}

#[test]
fn the_json_api_issues_reads_and_decides_notices() {
    let app = TestApp::spawn();
    let tok = token(&app, "inspector");
    let (iid, vid) = inspection_with_violation(&app, MERCHANT);
    let call = |method: reqwest::Method, path: &str, tok: &str, body: Option<serde_json::Value>| {
        let mut r = app.client.request(method, app.url(path)).bearer_auth(tok);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().unwrap();
        let s = resp.status().as_u16();
        (
            s,
            resp.json::<serde_json::Value>()
                .unwrap_or(serde_json::Value::Null),
        )
    };
    let deadline = (app.config.today() + chrono::Duration::days(7)).to_string();
    // Bad input: every problem, both languages, nothing written.
    let (s, v) = call(
        reqwest::Method::POST,
        "/api/v1/notices",
        &tok,
        Some(
            serde_json::json!({"inspection_id": iid, "violation_ids": [], "required_actions": "", "deadline": "soon"}),
        ),
    );
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["violation_ids", "required_actions", "deadline"]);
    assert!(v["fields"][0]["zh"].as_str().unwrap().contains("违规"));
    let (s, _) = call(
        reqwest::Method::POST,
        "/api/v1/notices",
        &tok,
        Some(
            serde_json::json!({"inspection_id": 999999, "violation_ids": [vid], "required_actions": "整改要求写清楚", "deadline": deadline}),
        ),
    );
    assert_eq!(s, 404);
    // A merchant may not issue.
    let merchant = token(&app, "merchant");
    let body = serde_json::json!({"inspection_id": iid, "violation_ids": [vid],
        "required_actions": "全部从业人员办理健康证明", "deadline": deadline});
    assert_eq!(
        call(
            reqwest::Method::POST,
            "/api/v1/notices",
            &merchant,
            Some(body.clone())
        )
        .0,
        403
    );
    let (s, v) = call(reqwest::Method::POST, "/api/v1/notices", &tok, Some(body));
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["state"], "issued");
    assert_eq!(v["violation_ids"], serde_json::json!([vid]));
    let id = v["id"].as_i64().unwrap();
    assert_eq!(mails(&app, "notice.issued", Some(id as i32)).len(), 1);
    let (s, got) = call(reqwest::Method::GET, &format!("/api/v1/notices/{id}"), &tok, None);
    assert_eq!(s, 200);
    assert_eq!(got["number"], v["number"]);
    // Nothing to decide yet.
    let (s, v) = call(
        reqwest::Method::POST,
        &format!("/api/v1/notices/{id}/decision"),
        &tok,
        Some(serde_json::json!({"decision": "accept"})),
    );
    assert_eq!(s, 422, "{v}");
    let (s, _) = call(
        reqwest::Method::POST,
        &format!("/api/v1/notices/{id}/decision"),
        &tok,
        Some(serde_json::json!({"decision": "maybe"})),
    );
    assert_eq!(s, 422);
    // The merchant answers in the portal; the API sees it and accepts it.
    let portal = Browser::login(&app, "merchant");
    let csrf = portal.csrf(&format!("/my/notices/{id}"));
    let r = portal.post_multipart(
        &format!("/my/notices/{id}/answer"),
        answer_form(&csrf, "已办理全部健康证明。", &[("p.png", PNG)], true),
    );
    assert_eq!(r.status().as_u16(), 303);
    let (s, v) = call(
        reqwest::Method::POST,
        &format!("/api/v1/notices/{id}/decision"),
        &tok,
        Some(serde_json::json!({"decision": "accept", "reason": "复查合格"})),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "verified");
    assert_eq!(v["answers"][0]["photos"], 1);
    assert_eq!(v["answers"][0]["wants_follow_up"], true);
    assert_eq!(v["answers"][0]["decision"], "accepted");
    // The OpenAPI document describes the notice endpoints.
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").json().unwrap();
    assert!(doc["paths"]["/api/v1/notices"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/notices/{id}/decision"]["post"].is_object());
}
