//! The annual commendation end to end on a town built for it: the rule's proposal, the
//! committee's adjustments, the decision as one transaction (all or nothing), the public honour
//! roll, badges, the JSON, the certificate, revocation on recompute, and the plaque check for a
//! commended, a revoked, a forged and a black-listed merchant.

mod common;

use chrono::{Datelike, NaiveDate};
use common::TestApp;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use gongzhi::db::models::audit::{self, Actor, Verification};
use gongzhi::db::models::inspection::{Inspection, NewInspection, NewViolation};
use gongzhi::db::models::merchant::{Merchant, NewMerchant};
use gongzhi::db::models::now_utc;
use gongzhi::db::models::training::{self, NewTraining};
use gongzhi::db::schema::{audit_log, commendation_decisions, commendations, outbox, rewards};
use gongzhi::db::DbConn;
use gongzhi::services::users::{add_user, UserSpec};

const PASSWORD: &str = "Mountain-Teapot-Lantern-47";

struct Town {
    year: i32,
    model: i32,
    good: i32,
    bad: i32,
    outsider: i32,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn merchant(c: &mut DbConn, name: &str, area: &str, email: &str, member: Option<NaiveDate>) -> i32 {
    let now = now_utc();
    Merchant::insert(
        c,
        &NewMerchant {
            name: name.into(),
            credit_code: None,
            category: "餐饮服务".into(),
            address: format!("{area}一号"),
            area: area.into(),
            contact_name: String::new(),
            email: email.into(),
            phone: String::new(),
            member_since: member,
            member_left_on: None,
            external_source: None,
            external_id: None,
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap()
}

fn inspect(c: &mut DbConn, mid: i32, on: NaiveDate, score: i32, kind: &str) -> i32 {
    Inspection::insert(c, &NewInspection::scored(mid, on, kind.parse().unwrap(), score)).unwrap()
}

fn violation(c: &mut DbConn, mid: i32, on: NaiveDate, severity: &str) {
    let iid = inspect(c, mid, on, 70, "routine");
    Inspection::insert_violation(
        c,
        &NewViolation {
            inspection_id: iid,
            merchant_id: mid,
            code: "V301".into(),
            severity: severity.parse().unwrap(),
            description: "使用超过保质期的食品原料".into(),
            legal_basis: String::new(),
            fine_fen: 0,
            found_on: on,
            created_at: now_utc(),
        },
    )
    .unwrap();
}

/// A year Y (last year) with six editions: a model merchant (★5, red list all year, 5 h of
/// training), a good one (★4), one with serious violations (in June, and ten days ago), and a ★5 outsider who is
/// not an alliance member. Users: committee, and a merchant account for the model merchant.
fn build_town(app: &TestApp) -> Town {
    let mut conn = app.conn();
    let c = &mut *conn;
    let year = app.config.today().year() - 1;
    let member = Some(d(year - 2, 3, 1));
    let model = merchant(c, "模范面馆", "老街片区", "model@shop.test", member);
    let good = merchant(c, "良好小吃", "新城片区", "good@shop.test", member);
    let bad = merchant(c, "问题餐馆", "老街片区", "bad@shop.test", member);
    let outsider = merchant(c, "门外茶室", "新城片区", "outsider@shop.test", None);
    for m in 1..=12 {
        let on = d(year, m, 10);
        inspect(c, model, on, 96, "routine");
        inspect(c, good, on, 85, "routine");
        inspect(c, bad, on, 95, "routine");
        inspect(c, outsider, on, 95, "routine");
    }
    for (mid, on) in [
        (model, year - 1),
        (good, year - 1),
        (bad, year - 1),
        (outsider, year - 1),
    ] {
        inspect(c, mid, d(on, 12, 1), 95, "routine");
    }
    violation(c, bad, d(year, 6, 15), "serious");
    // And another lately: on the black list now.
    violation(c, bad, app.config.today() - chrono::Duration::days(10), "serious");
    for (title, on, tenths) in [
        ("食品安全培训", d(year, 3, 3), 30),
        ("消防培训", d(year, 9, 9), 20),
    ] {
        let tid = training::insert(
            c,
            &NewTraining {
                title: title.into(),
                held_on: on,
                hours_tenths: tenths,
                created_by: None,
                created_at: now_utc(),
            },
        )
        .unwrap();
        training::add_attendance(c, tid, model).unwrap();
        if tenths == 30 {
            training::add_attendance(c, tid, good).unwrap();
        }
    }
    let actor = Actor::system("test");
    let policy = gongzhi::services::policy::active_policy(c).unwrap();
    for m in [2, 4, 6, 8, 10, 12] {
        gongzhi::services::editions::publish(c, &policy, d(year, m, 1), &actor, "test").unwrap();
    }
    gongzhi::services::rating::recompute_all(c, &policy, app.config.today(), &actor).unwrap();
    for (username, role, mid) in [
        ("committee", "committee", None),
        ("shop", "merchant", Some(model)),
    ] {
        add_user(
            c,
            &actor,
            &UserSpec {
                username,
                password: PASSWORD,
                role,
                merchant_id: mid,
                display_name: username,
                email: &format!("{username}@gongzhi.test"),
            },
        )
        .unwrap();
    }
    Town {
        year,
        model,
        good,
        bad,
        outsider,
    }
}

macro_rules! count {
    ($app:expr, $table:expr) => {
        $table.count().get_result::<i64>(&mut *$app.conn()).unwrap()
    };
}

fn adjust(app: &TestApp, year: i32, form: &[(&str, &str)]) -> reqwest::blocking::Response {
    let path = format!("/staff/commendations/{year}");
    let csrf = app.csrf(&path);
    let mut f: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    f.extend_from_slice(form);
    app.post_form(&format!("{path}/adjust"), &f)
}

fn decide(app: &TestApp, year: i32) -> reqwest::blocking::Response {
    let path = format!("/staff/commendations/{year}");
    let csrf = app.csrf(&path);
    app.post_form(
        &format!("{path}/decide"),
        &[("csrf", &csrf), ("note", "表彰全年表现良好的商家")],
    )
}

#[test]
fn the_committee_reviews_adjusts_and_decides_a_year() {
    let app = TestApp::spawn_with(false);
    let town = build_town(&app);
    let y = town.year;
    app.login("committee", PASSWORD);

    // The rule proposes the model merchant at the top level and the good one at the second.
    let (s, body) = app.get_text(&format!("/staff/commendations/{y}"));
    assert_eq!(s, 200);
    assert!(body.contains("模范面馆") && body.contains("良好小吃"), "{body}");
    assert!(!body.contains("问题餐馆") && !body.contains("门外茶室"), "{body}");
    assert!(body.contains("年度示范商家") && body.contains("年度优秀商家"));
    assert!(
        body.contains("每期红黑榜发布时星级不低于5星"),
        "criteria explained: {body}"
    );

    // The current year cannot be decided yet; a bad year is a 404, not a 500.
    let (s, body) = app.get_text(&format!("/staff/commendations/{}", y + 1));
    assert_eq!(s, 200);
    assert!(body.contains("年度结束后方可作出决定"));
    assert_eq!(app.get_text("/staff/commendations/abc").0, 404);
    assert_eq!(app.get_text("/staff/commendations/1999").0, 404);

    // Adjustments need a reason; excluding someone not proposed, or an unknown level, is refused.
    let good = town.good.to_string();
    let outsider = town.outsider.to_string();
    let r = adjust(
        &app,
        y,
        &[("action", "exclude"), ("merchant_id", &good), ("reason", "")],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("请填写理由"));
    let r = adjust(
        &app,
        y,
        &[
            ("action", "exclude"),
            ("merchant_id", &outsider),
            ("reason", "不在名单"),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);
    let r = adjust(
        &app,
        y,
        &[
            ("action", "include"),
            ("merchant_id", &outsider),
            ("level", "gold"),
            ("reason", "理由"),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);
    let r = adjust(
        &app,
        y,
        &[
            ("action", "include"),
            ("merchant_id", "99999"),
            ("level", "excellent"),
            ("reason", "理由"),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);

    // Exclude the good merchant, add the outsider at the second level: both audited.
    let audits_before = count!(app, audit_log::table);
    let r = adjust(
        &app,
        y,
        &[
            ("action", "exclude"),
            ("merchant_id", &good),
            ("reason", "年末收到群众反映，待核实"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    let r = adjust(
        &app,
        y,
        &[
            ("action", "include"),
            ("merchant_id", &outsider),
            ("level", "excellent"),
            ("reason", "积极参与联盟公益活动"),
        ],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(count!(app, audit_log::table), audits_before + 2);
    let (_, body) = app.get_text(&format!("/staff/commendations/{y}"));
    assert!(
        body.contains("年末收到群众反映") && body.contains("积极参与联盟公益活动"),
        "{body}"
    );

    // The decision: one transaction writing everything.
    let rewards_before = count!(app, rewards::table);
    let r = decide(&app, y);
    assert_eq!(r.status().as_u16(), 303);
    let mut conn = app.conn();
    let decisions: Vec<(String, i32)> = commendation_decisions::table
        .select((commendation_decisions::number, commendation_decisions::year))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(decisions.len(), 1);
    assert!(decisions[0].0.starts_with("共治表〔"), "{decisions:?}");
    type Row = (i32, String, i64, Option<i32>, Option<String>);
    let ks: Vec<Row> = commendations::table
        .order(commendations::level_rank)
        .select((
            commendations::merchant_id,
            commendations::level,
            commendations::reward_fen,
            commendations::reward_id,
            commendations::committee_reason,
        ))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(
        ks.iter().map(|k| (k.0, k.1.as_str(), k.2)).collect::<Vec<_>>(),
        [
            (town.model, "model", 500_000),
            (town.outsider, "excellent", 200_000)
        ]
    );
    assert!(ks.iter().all(|k| k.3.is_some()), "each reward is in the ledger");
    assert_eq!(ks[1].4.as_deref(), Some("积极参与联盟公益活动"));
    assert_eq!(count!(app, rewards::table), rewards_before + 2);
    let mails: Vec<(String, String, String)> = outbox::table
        .filter(outbox::kind.eq("commendation"))
        .order(outbox::to_addr)
        .select((outbox::to_addr, outbox::subject, outbox::body_text))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].0, "model@shop.test");
    assert!(mails[0].1.contains("年度示范商家") && mails[0].1.contains("Model merchant of the year"));
    let (zh, en) = (
        mails[0].2.find("祝贺").unwrap(),
        mails[0].2.find("Congratulations").unwrap(),
    );
    assert!(zh < en, "Chinese first, then English");
    assert!(matches!(
        audit::verify(&mut conn).unwrap(),
        Verification::Intact { .. }
    ));
    drop(conn);

    // Decided is final: no second decision, no more adjustments.
    assert_eq!(decide(&app, y).status().as_u16(), 422);
    let r = adjust(
        &app,
        y,
        &[
            ("action", "exclude"),
            ("merchant_id", &town.model.to_string()),
            ("reason", "改变主意"),
        ],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("不能再更改"));
    // Even the database refuses.
    let mut conn = app.conn();
    assert!(diesel::update(commendations::table)
        .set(commendations::level.eq("excellent"))
        .execute(&mut *conn)
        .is_err());
    assert!(diesel::delete(commendation_decisions::table)
        .execute(&mut *conn)
        .is_err());
}

#[test]
fn a_decision_that_fails_halfway_writes_nothing() {
    let app = TestApp::spawn_with(false);
    let town = build_town(&app);
    // The second email cannot be queued: the outbox refuses that address.
    let mut conn = app.conn();
    let sql = if app.db.is_postgres() {
        "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END; $$ LANGUAGE plpgsql;
         CREATE TRIGGER boom BEFORE INSERT ON outbox FOR EACH ROW WHEN (NEW.to_addr = 'good@shop.test') EXECUTE FUNCTION boom();"
    } else {
        "CREATE TRIGGER boom BEFORE INSERT ON outbox WHEN NEW.to_addr = 'good@shop.test' BEGIN SELECT RAISE(ABORT, 'boom'); END;"
    };
    conn.batch_execute(sql).unwrap();
    let before = (
        count!(app, audit_log::table),
        count!(app, rewards::table),
        count!(app, outbox::table),
    );
    let policy = gongzhi::services::policy::active_policy(&mut conn).unwrap();
    let today = app.config.today();
    let r = gongzhi::services::commendations::decide(
        &mut conn,
        &policy,
        &Actor::system("test"),
        town.year,
        today,
        "",
        "http://x.test",
    );
    assert!(r.is_err());
    assert_eq!(count!(app, commendation_decisions::table), 0);
    assert_eq!(count!(app, commendations::table), 0);
    assert_eq!(
        (
            count!(app, audit_log::table),
            count!(app, rewards::table),
            count!(app, outbox::table)
        ),
        before
    );
    conn.batch_execute("DROP TRIGGER boom ON outbox; DROP FUNCTION boom();")
        .or_else(|_| conn.batch_execute("DROP TRIGGER boom;"))
        .unwrap();
    let ok = gongzhi::services::commendations::decide(
        &mut conn,
        &policy,
        &Actor::system("test"),
        town.year,
        today,
        "",
        "http://x.test",
    )
    .unwrap();
    assert_eq!((ok.commended, ok.emails, ok.reward_total_fen), (2, 2, 700_000));
    let _ = town.bad;
}

fn decided_town() -> (TestApp, Town) {
    let app = TestApp::spawn_with(false);
    let town = build_town(&app);
    let mut conn = app.conn();
    let policy = gongzhi::services::policy::active_policy(&mut conn).unwrap();
    gongzhi::services::commendations::decide(
        &mut conn,
        &policy,
        &Actor::system("test"),
        town.year,
        app.config.today(),
        "",
        "http://x.test",
    )
    .unwrap();
    drop(conn);
    (app, town)
}

fn plaque_code(app: &TestApp, mid: i32) -> String {
    let (s, body) = app.get_text(&format!("/merchants/{mid}/plaque"));
    assert_eq!(s, 200);
    let i = body.find("plaque/check?code=").expect("check link") + "plaque/check?code=".len();
    body[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect()
}

#[test]
fn the_public_sees_the_honour_roll_badges_and_the_json() {
    let (app, town) = decided_town();
    let y = town.year;
    let (s, body) = app.get_text("/commendations");
    assert_eq!(s, 200);
    assert!(
        body.contains(&format!("/commendations/{y}")) && body.contains("评比规则"),
        "{body}"
    );
    let (s, body) = app.get_text(&format!("/commendations/{y}"));
    assert_eq!(s, 200);
    assert!(body.contains("模范面馆") && body.contains("良好小吃"), "{body}");
    assert!(!body.contains("问题餐馆"));
    // Filters.
    let (_, body) = app.get_text(&format!("/commendations/{y}?area=新城片区"));
    assert!(body.contains("良好小吃") && !body.contains("模范面馆"), "{body}");
    let (_, body) = app.get_text(&format!("/commendations/{y}?area=月球"));
    assert!(body.contains("没有符合条件"));
    // English: the level names in English.
    let (_, body) = app.get_text(&format!("/commendations/{y}?lang=en"));
    assert!(
        body.contains("Model merchant of the year") && body.contains("Decision "),
        "{body}"
    );
    // Years without a decision, and nonsense.
    assert_eq!(app.get_text(&format!("/commendations/{}", y + 1)).0, 404);
    assert_eq!(app.get_text("/commendations/twenty").0, 404);
    assert_eq!(app.get_text("/api/v1/public/commendations/1999").0, 404);
    // The badge on the record.
    let (_, body) = app.get_text(&format!("/merchants/{}?lang=zh", town.model));
    assert!(body.contains(&format!("{y} 年度示范商家")), "{body}");
    assert!(body.contains("commend-badge in-force"), "{body}");
    // The JSON.
    let v: serde_json::Value = app
        .get(&format!("/api/v1/public/commendations/{y}"))
        .json()
        .unwrap();
    assert_eq!(v["year"], y);
    let list = v["commendations"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["merchant_id"], town.model);
    assert_eq!(list[0]["level"], "model");
    assert_eq!(list[0]["criteria"][0]["detail"]["code"], "stars");
    assert!(list[0]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["passed"] == true));
    assert!(list[0]["revoked_on"].is_null());
    // The OpenAPI document names it.
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").json().unwrap();
    assert!(doc["paths"]["/api/v1/public/commendations/{year}"].is_object());
}

#[test]
fn the_record_is_rendered_afresh_when_a_display_year_ends() {
    let (app, town) = decided_town();
    let y = town.year;
    let mut conn = app.conn();
    let version =
        |c: &mut DbConn, day| gongzhi::services::records::record_version(c, town.model, day).unwrap();
    // Nothing changes in the database on 1 January, but what the record shows does.
    let dec = version(&mut conn, d(y + 1, 12, 31));
    assert_eq!(dec, version(&mut conn, d(y + 1, 6, 1)));
    assert_ne!(dec, version(&mut conn, d(y + 2, 1, 1)));
}

#[test]
fn the_certificate_is_the_merchants_own() {
    let (app, town) = decided_town();
    let y = town.year;
    assert_eq!(app.get_text(&format!("/my/commendations/{y}")).0, 401);
    app.login("shop", PASSWORD);
    let (s, body) = app.get_text(&format!("/my/commendations/{y}"));
    assert_eq!(s, 200);
    assert!(body.contains("荣誉证书") && body.contains("模范面馆") && body.contains("年度示范商家"));
    assert!(body.contains("/static/certificate.css") && body.contains("<svg"));
    // No commendation that year: 404.
    assert_eq!(app.get_text(&format!("/my/commendations/{}", y - 1)).0, 404);
    let (_, home) = app.get_text("/my");
    assert!(home.contains(&format!("/my/commendations/{y}")), "{home}");
}

#[test]
fn revocation_on_recompute_and_what_a_scanned_plaque_says() {
    let (app, town) = decided_town();
    let y = town.year;
    // The commended merchant's plaque carries the commendation and checks as valid.
    let code = plaque_code(&app, town.model);
    assert!(code.contains(&format!(".c{y}-model.")), "{code}");
    let (_, body) = app.get_text(&format!("/merchants/{}/plaque", town.model));
    assert!(body.contains("年度示范商家"), "{body}");
    let (_, body) = app.get_text(&format!("/merchants/{}/plaque/check?code={code}", town.model));
    assert!(body.contains("表彰有效"), "{body}");
    // A forged commendation: another level on the same code.
    let forged = code.replace("-model.", "-excellent.");
    let (_, body) = app.get_text(&format!("/merchants/{}/plaque/check?code={forged}", town.model));
    assert!(body.contains("标牌无法验证"), "{body}");
    assert!(!body.contains("表彰有效"));

    // A serious violation in the display year: the next recompute revokes it, dated, audited.
    let today = app.config.today();
    let mut conn = app.conn();
    violation(&mut conn, town.model, today, "serious");
    let policy = gongzhi::services::policy::active_policy(&mut conn).unwrap();
    gongzhi::services::rating::recompute_all(&mut conn, &policy, today, &Actor::system("test")).unwrap();
    let (revoked_on, reason): (Option<NaiveDate>, Option<String>) = commendations::table
        .filter(commendations::merchant_id.eq(town.model))
        .select((commendations::revoked_on, commendations::revoked_reason))
        .first(&mut *conn)
        .unwrap();
    assert_eq!(revoked_on, Some(today));
    assert!(reason.unwrap().contains("serious_violation"));
    let revokes: i64 = audit_log::table
        .filter(audit_log::action.eq("commendation.revoke"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(revokes, 1);
    // Revocation is final: the database refuses to change it again.
    assert!(
        diesel::update(commendations::table.filter(commendations::merchant_id.eq(town.model)))
            .set(commendations::revoked_on.eq(Some(today - chrono::Duration::days(1))))
            .execute(&mut *conn)
            .is_err()
    );
    drop(conn);

    // The old plaque's check says so plainly, and the merchant is black-listed now.
    let (_, body) = app.get_text(&format!("/merchants/{}/plaque/check?code={code}", town.model));
    assert!(
        body.contains("表彰已撤销") && body.contains("发现严重违规"),
        "{body}"
    );
    assert!(body.contains("起被列入黑榜"), "{body}");
    let (_, body) = app.get_text(&format!(
        "/merchants/{}/plaque/check?code={code}&lang=en",
        town.model
    ));
    assert!(
        body.contains("Commendation revoked") && body.contains("on the black list since"),
        "{body}"
    );
    // The record shows the badge as revoked; the honour roll keeps it, marked.
    let (_, body) = app.get_text(&format!("/merchants/{}", town.model));
    assert!(body.contains("commend-badge revoked"), "{body}");
    let (_, body) = app.get_text(&format!("/commendations/{y}"));
    assert!(body.contains("roll-card revoked"), "{body}");
    // A new plaque no longer carries it.
    let fresh = plaque_code(&app, town.model);
    assert!(!fresh.contains("-model"), "{fresh}");
    // The JSON says it too.
    let v: serde_json::Value = app
        .get(&format!("/api/v1/public/commendations/{y}"))
        .json()
        .unwrap();
    assert_eq!(
        v["commendations"][0]["revoked_reason"]["code"],
        "serious_violation"
    );
}

#[test]
fn a_black_listed_merchants_plaque_check_says_so_first() {
    let (app, town) = decided_town();
    let code = plaque_code(&app, town.bad);
    let (_, body) = app.get_text(&format!("/merchants/{}/plaque/check?code={code}", town.bad));
    let alert = body.find("起被列入黑榜").expect("black-list alert");
    let verdict = body.find("标牌有效").expect("verdict");
    assert!(alert < verdict, "the black list comes first");
    // The plaque itself says black list in large print.
    let (_, body) = app.get_text(&format!("/merchants/{}/plaque", town.bad));
    assert!(body.contains("plaque-list on-black"), "{body}");
}
