//! Inspectors logging at once (issue 18, item 4): on PostgreSQL, inspections of different
//! merchants are written at the same time — each holds the write lock shared, its merchant's lock
//! and, from its audit entries to its commit, the chain's lock — while the same merchant's wait
//! for each other and every other write still runs alone. On both backends the audit chain stays
//! one line and every rating is what a full recompute gives.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::models::audit::{self, Actor, Change, Verification};
use gongzhi::db::models::{write_tx, write_tx_for_merchant};
use gongzhi::db::schema::{audit_log, merchants, users};
use gongzhi::services::inspections::{log_inspection, Draft, DraftDeduction, DraftViolation, Fine};

fn inspector(app: &TestApp) -> i32 {
    users::table
        .filter(users::role.eq("inspector"))
        .select(users::id)
        .first(&mut *app.conn())
        .unwrap()
}

fn draft(merchant_id: i32, on: chrono::NaiveDate, i: usize) -> Draft {
    Draft {
        merchant_id: merchant_id.to_string(),
        inspected_on: on.to_string(),
        kind: "routine".into(),
        deductions: vec![DraftDeduction {
            code: "C01".into(),
            points: (1 + i % 3).to_string(),
        }],
        violations: vec![DraftViolation {
            row: 0,
            id: None,
            code: "V201".into(),
            severity: "minor".into(),
            description: format!("writers test #{i}"),
            legal_basis: String::new(),
            fine: Fine::Fen(0),
        }],
        notes: String::new(),
    }
}

/// Logs one inspection of `merchant_id` on its own connection, in a thread; says when done.
fn log_in_thread(app: &TestApp, merchant_id: i32, i: usize) -> mpsc::Receiver<()> {
    let pool = app.pool.clone();
    let today = app.config.today();
    let uid = inspector(app);
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let mut conn = pool.get().unwrap();
        let policy = gongzhi::services::policy::active_policy(&mut conn).unwrap();
        log_inspection(
            &mut conn,
            &policy,
            &draft(merchant_id, today, i),
            today,
            &Actor::system("writers-test"),
            uid,
        )
        .unwrap();
        done.send(()).unwrap();
    });
    finished
}

/// The ids of the town's first `n` merchants.
fn first_merchants(app: &TestApp, n: i64) -> Vec<i32> {
    merchants::table
        .order(merchants::id)
        .select(merchants::id)
        .limit(n)
        .load(&mut *app.conn())
        .unwrap()
}

fn audit_count(app: &TestApp) -> i64 {
    audit_log::table.count().get_result(&mut *app.conn()).unwrap()
}

#[test]
fn other_merchants_inspections_are_written_at_once_and_the_same_merchants_in_turn() {
    let app = TestApp::spawn();
    if !app.db.is_postgres() {
        return; // SQLite writes one transaction at a time (tests/db.rs: writers take turns).
    }
    let ids = first_merchants(&app, 2);
    let (first, second) = (ids[0], ids[1]);

    // A write of the first merchant stays open until told to end.
    let (holding, held) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let pool = app.pool.clone();
    let holder = std::thread::spawn(move || {
        let mut conn = pool.get().unwrap();
        write_tx_for_merchant(&mut conn, first, |c| -> diesel::QueryResult<()> {
            audit::append(
                c,
                &Actor::system("writers-test"),
                Change {
                    action: "test.hold",
                    entity: "merchant",
                    entity_id: Some(first.to_string()),
                    before: None,
                    after: None,
                },
            )?;
            holding.send(()).unwrap();
            released.recv().unwrap();
            Ok(())
        })
        .unwrap();
    });
    held.recv().unwrap();

    // Another merchant's inspection goes through meanwhile.
    let other = log_in_thread(&app, second, 1);
    other
        .recv_timeout(Duration::from_secs(10))
        .expect("another merchant's inspection is not held up");
    // The same merchant's waits, and so does a write that is not one merchant's.
    let same = log_in_thread(&app, first, 2);
    let pool = app.pool.clone();
    let (whole_done, whole_finished) = mpsc::channel();
    std::thread::spawn(move || {
        let mut conn = pool.get().unwrap();
        write_tx(&mut conn, |_| Ok::<_, diesel::result::Error>(())).unwrap();
        whole_done.send(()).unwrap();
    });
    assert!(
        same.recv_timeout(Duration::from_millis(500)).is_err(),
        "the same merchant's inspection waits"
    );
    assert!(
        whole_finished.recv_timeout(Duration::from_millis(100)).is_err(),
        "a write of everything waits for the merchants' writes"
    );
    release.send(()).unwrap();
    holder.join().unwrap();
    same.recv_timeout(Duration::from_secs(10))
        .expect("then it goes on");
    whole_finished
        .recv_timeout(Duration::from_secs(10))
        .expect("and so does the other");

    // The held write's entry stands before the same merchant's inspection's, in one chain.
    let actions: Vec<String> = audit_log::table
        .order(audit_log::id.desc())
        .select(audit_log::action)
        .limit(8)
        .load(&mut *app.conn())
        .unwrap();
    let hold = actions.iter().position(|a| a == "test.hold").unwrap();
    assert_eq!(
        actions[..hold]
            .iter()
            .filter(|a| *a == "inspection.create")
            .count(),
        1,
        "{actions:?}"
    );
    assert!(matches!(
        audit::verify(&mut app.conn()).unwrap(),
        Verification::Intact { .. }
    ));
}

#[test]
fn inspectors_logging_at_once_leave_one_chain_and_every_rating_right() {
    let app = TestApp::spawn();
    let ids = first_merchants(&app, 6);
    let before = audit_count(&app);
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let pool = app.pool.clone();
            let today = app.config.today();
            let uid = inspector(&app);
            let ids = ids.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                let policy = gongzhi::services::policy::active_policy(&mut conn).unwrap();
                for i in 0..6 {
                    // Writers meet on the same merchants as well as on different ones.
                    let mid = ids[(w + i) % ids.len()];
                    let actor = Actor::system(&format!("writer-{w}"));
                    log_inspection(
                        &mut conn,
                        &policy,
                        &draft(mid, today, w * 10 + i),
                        today,
                        &actor,
                        uid,
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    // Each inspection: its violation's entry, its own, and the rating's when it changed.
    let added = audit_count(&app) - before;
    assert!((96..=144).contains(&added), "{added} entries for 48 inspections");
    assert!(matches!(
        audit::verify(&mut app.conn()).unwrap(),
        Verification::Intact { .. }
    ));
    // The entries of one inspection stand together, its own last.
    let rows: Vec<(String, String)> = audit_log::table
        .order(audit_log::id)
        .select((audit_log::actor_label, audit_log::action))
        .offset(before)
        .load(&mut *app.conn())
        .unwrap();
    let mut i = 0;
    while i < rows.len() {
        let end = i + rows[i..].iter().position(|r| r.1 == "inspection.create").unwrap();
        assert!(
            rows[i..=end].iter().all(|r| r.0 == rows[end].0),
            "{:?}",
            &rows[i..=end]
        );
        assert_eq!(rows[i].1, "violation.create", "{:?}", &rows[i..=end]);
        i = end + 1;
    }
    // Every rating was recomputed as its inspection was logged.
    let mut conn = app.conn();
    let policy = gongzhi::services::policy::active_policy(&mut conn).unwrap();
    let report = gongzhi::services::rating::recompute_all(
        &mut conn,
        &policy,
        app.config.today(),
        &Actor::system("test"),
    )
    .unwrap();
    assert_eq!(report.changed, 0);
}

/// A merchant's write that fails leaves no audit entry behind, neither in the log nor waiting
/// for the next write of the thread.
#[test]
fn a_failed_merchants_write_leaves_no_entry_waiting() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    let before = audit_count(&app);
    let entry = |what: &'static str| Change {
        action: what,
        entity: "merchant",
        entity_id: Some("1".into()),
        before: None,
        after: None,
    };
    let failed = write_tx_for_merchant(&mut conn, 1, |c| -> diesel::QueryResult<()> {
        audit::append(c, &Actor::system("test"), entry("test.failed"))?;
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(failed.is_err());
    assert_eq!(audit_count(&app), before);
    // The next write's entry is written, and only it.
    write_tx(&mut conn, |c| {
        audit::append(c, &Actor::system("test"), entry("test.next"))
    })
    .unwrap();
    let actions: Vec<String> = audit_log::table
        .order(audit_log::id)
        .select(audit_log::action)
        .offset(before)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(actions, ["test.next"]);
    // A merchant's write's entries are in the log once it has committed.
    write_tx_for_merchant(&mut conn, 1, |c| {
        audit::append(c, &Actor::system("test"), entry("test.merchant"))
    })
    .unwrap();
    assert_eq!(audit_count(&app), before + 2);
    assert!(matches!(
        audit::verify(&mut conn).unwrap(),
        Verification::Intact { .. }
    ));
}
