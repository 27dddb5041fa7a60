//! The database layer on the test's backend: migrations up, down and up again; every foreign key
//! indexed; the audit chain detects tampering; settings survive a restart.

mod common;

use common::{open, TestApp, TestDb};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use gongzhi::db::models::audit::{self, Verification};

#[test]
fn migrations_run_up_down_and_up_again() {
    let db = TestDb::new();
    let mut conn = open(&db);
    assert!(gongzhi::db::run_migrations(&mut conn).unwrap() >= 1);
    assert_eq!(
        gongzhi::db::run_migrations(&mut conn).unwrap(),
        0,
        "nothing pending the second time"
    );
    gongzhi::db::revert_all_migrations(&mut conn).unwrap();
    assert!(gongzhi::db::run_migrations(&mut conn).unwrap() >= 1);
    // The schema is usable after the round trip.
    conn.batch_execute("SELECT count(*) FROM merchants").unwrap();
}

/// Every `REFERENCES` column must lead some index (or a key), on both backends' migrations.
#[test]
fn every_foreign_key_has_an_index_in_both_backends() {
    for backend in ["sqlite", "postgres"] {
        let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        let mut sql = String::new();
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            sql.push_str(&std::fs::read_to_string(e.join("up.sql")).unwrap());
        }
        let mut missing = vec![];
        let mut table = String::new();
        for line in sql.lines() {
            let l = line.trim();
            if let Some(rest) = l.strip_prefix("CREATE TABLE ") {
                table = rest.split_whitespace().next().unwrap().to_string();
            }
            if l.contains(" REFERENCES ") && !l.starts_with("CREATE") {
                let col = l.split_whitespace().next().unwrap();
                let leads_index = sql.lines().any(|s| {
                    let s = s.trim();
                    (s.starts_with("CREATE INDEX") || s.starts_with("CREATE UNIQUE INDEX"))
                        && s.contains(&format!(" ON {table} ({col}"))
                }) || sql.contains(&format!("PRIMARY KEY ({col}"))
                    || sql.contains(&format!("UNIQUE ({col}"));
                if !leads_index {
                    missing.push(format!("{backend}: {table}.{col}"));
                }
            }
        }
        assert!(missing.is_empty(), "foreign keys without an index: {missing:?}");
    }
}

#[test]
fn both_backends_have_the_same_tables_and_columns() {
    let read = |b: &str| {
        let p = format!(
            "{}/migrations/{b}/2026-11-26-000001_core/up.sql",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(p)
            .unwrap()
            .replace("INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "SERIAL PRIMARY KEY")
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(read("sqlite"), read("postgres"));
}

#[test]
fn the_audit_chain_is_intact_after_the_demo_and_detects_an_edit() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    match audit::verify(&mut conn).unwrap() {
        Verification::Intact { entries } => assert!(entries > 100, "demo writes are audited: {entries}"),
        other => panic!("{other:?}"),
    }
    // Someone edits history behind the program's back.
    use gongzhi::db::schema::audit_log;
    let victim: i32 = audit_log::table
        .select(audit_log::id)
        .order(audit_log::id.asc())
        .offset(10)
        .first(&mut *conn)
        .unwrap();
    diesel::update(audit_log::table.find(victim))
        .set(audit_log::actor_label.eq("someone-else"))
        .execute(&mut *conn)
        .unwrap();
    assert_eq!(
        audit::verify(&mut conn).unwrap(),
        Verification::Broken {
            entry_id: victim,
            reason: "content does not match its hash"
        }
    );
}

#[test]
fn the_session_secret_is_generated_once_and_kept() {
    let db = TestDb::new();
    let config = common::test_config(db.url(), false, &[]);
    let first = gongzhi::prepare(config.clone()).unwrap();
    let mut conn = first.state.pool.get().unwrap();
    let s1 = gongzhi::db::models::settings::get(&mut conn, "session_secret")
        .unwrap()
        .unwrap();
    drop(conn);
    drop(first);
    let second = gongzhi::prepare(config).unwrap();
    let mut conn = second.state.pool.get().unwrap();
    let s2 = gongzhi::db::models::settings::get(&mut conn, "session_secret")
        .unwrap()
        .unwrap();
    assert_eq!(s1, s2);
    assert_eq!(s1.len(), 128);
}
