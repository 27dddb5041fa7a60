//! The rating engine in the running system: imports of real FHRS and LIVES data, incremental and
//! full recompute, black-list entry and credit repair, published editions, policy versions.

mod common;

use std::process::Command;

use chrono::{Duration, NaiveDate};
use common::{TestApp, TestDb};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use gongzhi::db::models::audit::{self, Actor, Verification};
use gongzhi::db::models::inspection::{Inspection, NewInspection};
use gongzhi::db::schema::{edition_entries, list_entries, merchants, notices, rating_snapshots};
use gongzhi::domain::policy::{Policy, DEFAULT_POLICY_TOML};
use gongzhi::services::{editions, rating};

fn gongzhi(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(args)
        .env("GONGZHI_DATABASE_URL", db)
        .env("GONGZHI_DEMO", "false")
        .env("GONGZHI_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn audit_entries(db: &TestDb) -> usize {
    match audit::verify(&mut common::open(db)).unwrap() {
        Verification::Intact { entries } => entries,
        broken => panic!("{broken:?}"),
    }
}

#[test]
fn fhrs_import_reproduces_every_published_belfast_rating_and_is_idempotent() {
    let db = TestDb::new();
    let (code, out, err) = gongzhi(db.url(), &["import", "fhrs", &fixture("fhrs-belfast.csv")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "imported 3184 establishments; FHRS scheme reproduces 2882 of 2882 published ratings"
    );
    let entries = audit_entries(&db);
    let merchants: i64 = merchants::table
        .count()
        .get_result(&mut common::open(&db))
        .unwrap();
    assert_eq!(merchants, 3184);

    // The same file again changes nothing: no new rows, no new audit entries.
    let (code, out, _) = gongzhi(db.url(), &["import", "fhrs", &fixture("fhrs-belfast.csv")]);
    assert_eq!(code, 0);
    assert!(out.contains("2882 of 2882"));
    assert_eq!(audit_entries(&db), entries);
    let again: i64 = merchants::table
        .count()
        .get_result(&mut common::open(&db))
        .unwrap();
    assert_eq!(again, 3184);
}

#[test]
fn fhrs_open_data_xml_imports() {
    let db = TestDb::new();
    let (code, out, err) = gongzhi(db.url(), &["import", "fhrs", &fixture("FHRS807en-GB.xml")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "imported 6 establishments; FHRS scheme reproduces 4 of 4 published ratings"
    );
}

#[test]
fn a_malformed_fhrs_file_is_rejected_with_its_line_and_nothing_is_written() {
    let db = TestDb::new();
    let good = std::fs::read_to_string(fixture("fhrs-belfast.csv")).unwrap();
    let mut lines: Vec<String> = good.lines().take(60).map(str::to_string).collect();
    // A record past line 30 gets a hygiene score the scheme does not have.
    let k = (30..60)
        .find(|&i| lines[i].contains(",5.0,5.0,"))
        .expect("a line with scores");
    lines[k] = lines[k].replacen(",5.0,5.0,", ",7.0,5.0,", 1);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let (code, out, err) = gongzhi(db.url(), &["import", "fhrs", bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains(&format!("line {}", k + 1)), "{err}");
    assert!(err.contains("score 7 is not one of"), "{err}");
    let n: i64 = merchants::table
        .count()
        .get_result(&mut common::open(&db))
        .unwrap();
    assert_eq!(n, 0, "nothing of a rejected file is written");
}

#[test]
fn lives_import_reproduces_the_published_scores_it_can_and_is_idempotent() {
    let db = TestDb::new();
    let (code, out, err) = gongzhi(db.url(), &["import", "lives", &fixture("lexington-lives")]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("imported 1446 businesses (3300 inspections, 5380 violations new)"),
        "{out}"
    );
    assert!(
        out.contains("LIVES scheme reproduces 2961 of 3300 published scores"),
        "{out}"
    );
    let entries = audit_entries(&db);
    let (_, out, _) = gongzhi(db.url(), &["import", "lives", &fixture("lexington-lives")]);
    assert!(out.contains("(0 inspections, 0 violations new)"), "{out}");
    assert_eq!(audit_entries(&db), entries);
}

/// Incremental updates (one merchant at a time, as writes happen) and a full recompute from
/// scratch agree, today and after time has passed.
#[test]
fn incremental_and_full_recompute_agree() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    let policy = Policy::default_policy();
    let today = app.config.today();
    let actor = Actor::system("test");

    // New facts arrive for a few merchants; each write recomputes its merchant incrementally.
    for (mid, score) in [(2, 55), (3, 99), (7, 70)] {
        gongzhi::db::models::write_tx(&mut conn, |c| -> anyhow::Result<()> {
            Inspection::insert(
                c,
                &NewInspection::scored(mid, today, "routine".parse().unwrap(), score),
            )?;
            rating::recompute_merchant(c, &policy, mid, today, &actor)?;
            Ok(())
        })
        .unwrap();
    }
    let snapshot = |conn: &mut gongzhi::db::DbConn| -> Vec<(i32, Option<i32>, Option<i32>, String)> {
        merchants::table
            .order(merchants::id)
            .select((
                merchants::id,
                merchants::current_score_tenths,
                merchants::current_stars,
                merchants::current_list,
            ))
            .load(conn)
            .unwrap()
    };
    let incremental = snapshot(&mut conn);
    let full = rating::recompute_all(&mut conn, &policy, today, &actor).unwrap();
    assert_eq!(
        full.changed, 0,
        "a full recompute finds nothing the incremental path missed"
    );
    assert_eq!(snapshot(&mut conn), incremental);

    // Later: recompute each merchant on its own, then everyone at once; same result.
    let later = today + Duration::days(200);
    let ids: Vec<i32> = incremental.iter().map(|r| r.0).collect();
    for id in &ids {
        gongzhi::db::models::write_tx(&mut conn, |c| {
            rating::recompute_merchant(c, &policy, *id, later, &actor)
        })
        .unwrap();
    }
    let one_by_one = snapshot(&mut conn);
    assert_ne!(
        one_by_one, incremental,
        "time decay changes something over 200 days"
    );
    let full = rating::recompute_all(&mut conn, &policy, later, &actor).unwrap();
    assert_eq!(full.changed, 0);
    assert_eq!(snapshot(&mut conn), one_by_one);
}

/// On PostgreSQL a recompute that changes a large share of the town analyses the tables it
/// rewrote before it commits, so that what runs right after it (an edition's publication) is
/// planned on the new lists rather than on statistics from before them; one that changes nothing,
/// and a merchant's own recompute, do not.
#[test]
fn a_recompute_that_changes_much_of_the_town_refreshes_postgresqls_statistics() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    if !matches!(*conn, gongzhi::db::DbConn::Postgresql(_)) {
        eprintln!("SKIPPED a_recompute_that_changes_much_of_the_town_refreshes_postgresqls_statistics: PostgreSQL only");
        return;
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    // Each statement its own transaction: the statistics are read afresh.
    let analysed = |c: &mut gongzhi::db::DbConn| -> i64 {
        diesel::sql_query(
            "SELECT COALESCE(SUM(analyze_count), 0)::bigint AS n FROM pg_stat_user_tables \
             WHERE relname IN ('merchants', 'list_entries', 'rating_snapshots')",
        )
        .get_result::<Count>(c)
        .unwrap()
        .n
    };
    let policy = Policy::default_policy();
    let actor = Actor::system("test");
    let later = app.config.today() + Duration::days(2000);
    let before = analysed(&mut conn);
    let report = rating::recompute_all(&mut conn, &policy, later, &actor).unwrap();
    assert!(
        rating::changes_statistics(&report, true),
        "five years of time decay change most of the town: {} of {}",
        report.changed,
        report.merchants
    );
    assert_eq!(analysed(&mut conn), before + 3, "the three tables were analysed");
    // Nothing new: nothing analysed.
    let again = rating::recompute_all(&mut conn, &policy, later, &actor).unwrap();
    assert_eq!(again.changed, 0);
    assert_eq!(analysed(&mut conn), before + 3);
    // A merchant's own recompute that changes its rating: not analysed either.
    gongzhi::db::models::write_tx(&mut conn, |c| -> anyhow::Result<()> {
        Inspection::insert(
            c,
            &NewInspection::scored(2, later, "routine".parse().unwrap(), 40),
        )?;
        rating::recompute_merchant(c, &policy, 2, later, &actor)?;
        Ok(())
    })
    .unwrap();
    assert_eq!(analysed(&mut conn), before + 3);
}

/// A full recompute reads the town in slices of merchants (so that its memory does not grow with
/// the town): slices of three merchants give what one pass gives — ratings, lists, snapshots,
/// due dates — and leave the inspection programme's due dates as the programme computes them.
#[test]
fn a_recompute_in_slices_equals_one_pass_and_keeps_due_dates_current() {
    let policy = Policy::default_policy();
    let actor = Actor::system("test");
    type Row = (
        i32,
        Option<i32>,
        Option<i32>,
        String,
        Option<NaiveDate>,
        Option<String>,
    );
    let state = |conn: &mut gongzhi::db::DbConn| -> (Vec<Row>, i64, i64) {
        let rows = merchants::table
            .order(merchants::id)
            .select((
                merchants::id,
                merchants::current_score_tenths,
                merchants::current_stars,
                merchants::current_list,
                merchants::next_due_on,
                merchants::next_due_reason,
            ))
            .load(conn)
            .unwrap();
        let snapshots = rating_snapshots::table.count().get_result(conn).unwrap();
        let entries = list_entries::table.count().get_result(conn).unwrap();
        (rows, snapshots, entries)
    };
    let mut results = Vec::new();
    for slice in [3, 1_000_000] {
        let app = TestApp::spawn();
        let mut conn = app.conn();
        let later = app.config.today() + Duration::days(400);
        let before = state(&mut conn);
        let audited = audit_entries(&app.db);
        let report = rating::recompute_all_sliced(&mut conn, &policy, later, &actor, slice).unwrap();
        assert_eq!(report.merchants, before.0.len(), "every merchant rated once");
        assert!(report.changed > 0, "400 days change some ratings");
        let after = state(&mut conn);
        assert_ne!(after.0, before.0);
        assert!(after.0.iter().any(|r| r.4.is_some()), "due dates are kept");
        // The programme, computing every due date on its own, finds nothing to change.
        let changed = gongzhi::db::models::write_tx(&mut conn, |c| {
            gongzhi::services::programme::refresh_in_tx(c, &policy.programme, None)
        })
        .unwrap();
        assert_eq!(changed, 0, "slice {slice}: the recompute left a due date stale");
        // One audit entry per changed rating, the chain intact.
        assert_eq!(audit_entries(&app.db), audited + report.changed);
        results.push(after);
    }
    assert_eq!(results[0], results[1]);
}

/// 一品豆花 (merchant 14) has a serious violation and an overdue notice in the demo town: it is
/// on the black list; once the notice is verified, a follow-up passes and the minimum stay is
/// over, it leaves (credit repair), and both events are kept with dates and reasons.
#[test]
fn black_list_entry_and_credit_repair_are_recorded() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    let policy = Policy::default_policy();
    let today = app.config.today();
    let actor = Actor::system("test");
    let mid = 14;
    let list: String = merchants::table
        .find(mid)
        .select(merchants::current_list)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(list, "black");
    // It was on the red list before (the demo's history); now it is on the black one.
    let entry: (String, NaiveDate, Option<NaiveDate>) = list_entries::table
        .filter(list_entries::merchant_id.eq(mid))
        .filter(list_entries::list.eq("black"))
        .select((
            list_entries::entered_reason,
            list_entries::entered_on,
            list_entries::left_on,
        ))
        .first(&mut *conn)
        .unwrap();
    // Stored as codes, put into words when shown.
    let reasons = gongzhi::domain::reasons::EnteredReasons::parse(&entry.0);
    let words = gongzhi::i18n::words::entered_reasons(&reasons, gongzhi::i18n::Lang::Zh);
    assert!(
        words.contains("严重"),
        "reason names the serious violation: {words} ({})",
        entry.0
    );
    assert_eq!(entry.2, None);

    // Verify the notice and pass a follow-up inspection (复查).
    let repair_day = today + Duration::days(1);
    gongzhi::db::models::write_tx(&mut conn, |c| -> anyhow::Result<()> {
        diesel::update(notices::table.filter(notices::merchant_id.eq(mid)))
            .set((
                notices::state.eq("verified"),
                notices::verified_at.eq(Some(repair_day.and_hms_opt(9, 0, 0).unwrap())),
            ))
            .execute(c)?;
        Inspection::insert(
            c,
            &NewInspection {
                notes: "复查合格".into(),
                ..NewInspection::scored(mid, repair_day, "follow_up".parse().unwrap(), 95)
            },
        )?;
        Ok(())
    })
    .unwrap();
    // Still black the day after: the minimum stay after the serious violation is not over.
    let r = gongzhi::db::models::write_tx(&mut conn, |c| {
        rating::recompute_merchant(c, &policy, mid, repair_day, &actor)
    })
    .unwrap();
    assert_eq!(r.list.as_str(), "black");
    // After the minimum stay, it leaves.
    let after = repair_day + Duration::days(policy.black.repair.min_stay_days);
    let r = gongzhi::db::models::write_tx(&mut conn, |c| {
        rating::recompute_merchant(c, &policy, mid, after, &actor)
    })
    .unwrap();
    assert_ne!(r.list.as_str(), "black", "{:?}", r.list_reasons);
    let left: (Option<NaiveDate>, Option<String>) = list_entries::table
        .filter(list_entries::merchant_id.eq(mid))
        .filter(list_entries::list.eq("black"))
        .select((list_entries::left_on, list_entries::left_reason))
        .first(&mut *conn)
        .unwrap();
    assert_eq!(left.0, Some(after));
    let left = gongzhi::domain::reasons::Stored::parse(&left.1.unwrap());
    assert_eq!(
        left,
        gongzhi::domain::reasons::Stored::Code(gongzhi::domain::reasons::LeftReason::CreditRepaired)
    );
    assert!(gongzhi::i18n::words::left_reason(&left, gongzhi::i18n::Lang::Zh).contains("信用修复"));
}

#[test]
fn editions_are_numbered_snapshots_that_cannot_be_edited() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    let policy = Policy::default_policy();
    let today = app.config.today();
    let actor = Actor::system("test");
    // The demo town has published an edition every two months; these come next.
    let published = editions::list(&mut conn).unwrap().len() as i32;
    assert!(published > 0);
    let first = editions::publish(&mut conn, &policy, today, &actor, "第一期").unwrap();
    assert_eq!(first.number, published + 1);
    let red: i64 = merchants::table
        .filter(merchants::current_list.eq("red"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    let black: i64 = merchants::table
        .filter(merchants::current_list.eq("black"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!((first.red as i64, first.black as i64), (red, black));
    assert!(first.red > 0 && first.black > 0);
    // Nothing changed since: the same lists again are refused without a note saying why.
    assert!(matches!(
        editions::publish(&mut conn, &policy, today, &actor, ""),
        Err(editions::PublishError::Identical)
    ));
    let second = editions::publish(&mut conn, &policy, today, &actor, "重发：更正说明").unwrap();
    assert_eq!(second.number, published + 2);

    let (e, entries) = editions::find(&mut conn, first.number).unwrap().unwrap();
    assert_eq!(e.note, "第一期");
    assert_eq!(entries.len(), first.red + first.black);
    assert!(entries
        .iter()
        .filter(|x| x.list.as_str() == "black")
        .all(|x| !x.reason.is_empty()));

    // The database itself refuses to edit or delete a published edition.
    let upd = diesel::update(edition_entries::table)
        .set(edition_entries::stars.eq(Some(5)))
        .execute(&mut *conn);
    assert!(upd.is_err(), "editing an edition must fail");
    assert!(conn.batch_execute("DELETE FROM editions").is_err());
    assert!(editions::publish(&mut conn, &policy, today, &actor, &"长".repeat(501)).is_err());
}

#[test]
fn a_new_policy_version_is_validated_recorded_and_used() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    let actor = Actor::system("test");
    let bad = DEFAULT_POLICY_TOML.replace("window_days = 365", "window_days = -5");
    let err = gongzhi::services::policy::load(&mut conn, &actor, &bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("window_days"), "{err}");
    let same = gongzhi::services::policy::load(&mut conn, &actor, DEFAULT_POLICY_TOML)
        .unwrap_err()
        .to_string();
    assert!(same.contains("exists already"), "{same}");

    let stricter = DEFAULT_POLICY_TOML
        .replace("version = \"2025.1\"", "version = \"2026.1\"")
        .replace("serious = 20", "serious = 40");
    let p = gongzhi::services::policy::load(&mut conn, &actor, &stricter).unwrap();
    assert_eq!(
        gongzhi::services::policy::active_policy(&mut conn)
            .unwrap()
            .version,
        "2026.1"
    );
    rating::recompute_all(&mut conn, &p, app.config.today(), &actor).unwrap();
    let versions: Vec<String> = rating_snapshots::table
        .filter(rating_snapshots::merchant_id.eq(14))
        .order(rating_snapshots::id.desc())
        .select(rating_snapshots::policy_version)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(
        versions.first().map(String::as_str),
        Some("2026.1"),
        "{versions:?}"
    );
}

#[test]
fn notices_past_their_deadline_go_overdue_and_blacklist_the_merchant() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    let policy = Policy::default_policy();
    let actor = Actor::system("test");
    let today = app.config.today();
    // Nothing is due today (the demo's overdue notice is already overdue).
    assert_eq!(
        gongzhi::services::notices::mark_overdue(&mut conn, &policy, today, &actor).unwrap(),
        0
    );
    // The demo's open notices (merchants 1, 20 and 29) have ten days.
    let later = today + Duration::days(11);
    let n = gongzhi::services::notices::mark_overdue(&mut conn, &policy, later, &actor).unwrap();
    assert_eq!(n, 3);
    let state: String = notices::table
        .filter(notices::merchant_id.eq(20))
        .select(notices::state)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(state, "overdue");
    let list: String = merchants::table
        .find(20)
        .select(merchants::current_list)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(list, "black");
    use gongzhi::db::schema::audit_log;
    let logged: i64 = audit_log::table
        .filter(audit_log::action.eq("notice.overdue"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(logged, 3);
    // Running again finds nothing new.
    assert_eq!(
        gongzhi::services::notices::mark_overdue(&mut conn, &policy, later, &actor).unwrap(),
        0
    );
}
