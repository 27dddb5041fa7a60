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

/// What a migrated database is made of, in terms both backends share: every table's columns
/// (name, type family, nullability, primary key), its indexes (columns in order, unique or not;
/// the primary key's own index left out, since SQLite has none for an INTEGER PRIMARY KEY) and
/// its foreign keys.
#[derive(Debug, PartialEq, Eq, Default)]
struct Shape {
    columns: std::collections::BTreeSet<String>,
    indexes: std::collections::BTreeSet<String>,
    foreign_keys: std::collections::BTreeSet<String>,
}

#[derive(QueryableByName)]
struct Row4 {
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    c: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    d: String,
}

fn rows(conn: &mut gongzhi::db::DbConn, sql: &str) -> Vec<Row4> {
    diesel::sql_query(sql)
        .load(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn family(t: &str) -> &'static str {
    match t.to_ascii_lowercase().as_str() {
        "integer" | "int" | "int4" | "serial" => "integer",
        "bigint" | "int8" => "bigint",
        "text" | "character varying" => "text",
        "boolean" | "bool" => "boolean",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "date" => "date",
        "blob" | "bytea" => "bytes",
        other => panic!("a column type neither backend should have: {other}"),
    }
}

fn sqlite_shape(conn: &mut gongzhi::db::DbConn) -> Shape {
    let mut shape = Shape::default();
    for t in rows(
        conn,
        "SELECT name AS a, '' AS b, '' AS c, '' AS d FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
    ) {
        let table = t.a;
        for c in rows(
            conn,
            &format!(
                "SELECT name AS a, type AS b, CAST(\"notnull\" OR pk > 0 AS TEXT) AS c, CAST(pk > 0 AS TEXT) AS d \
                 FROM pragma_table_info('{table}')"
            ),
        ) {
            let not_null = c.c == "1";
            shape.columns.insert(format!("{table}.{} {} not_null={not_null} pk={}", c.a, family(&c.b), c.d == "1"));
        }
        for i in rows(
            conn,
            &format!(
                "SELECT name AS a, CAST(\"unique\" AS TEXT) AS b, origin AS c, '' AS d FROM pragma_index_list('{table}')"
            ),
        ) {
            if i.c == "pk" {
                continue;
            }
            let cols: Vec<String> = rows(
                conn,
                &format!("SELECT name AS a, '' AS b, '' AS c, '' AS d FROM pragma_index_info('{}') ORDER BY seqno", i.a),
            )
            .into_iter()
            .map(|r| r.a)
            .collect();
            shape.indexes.insert(format!("{table}({}) unique={}", cols.join(","), i.b == "1"));
        }
        for f in rows(
            conn,
            &format!("SELECT \"from\" AS a, \"table\" AS b, \"to\" AS c, '' AS d FROM pragma_foreign_key_list('{table}')"),
        ) {
            shape.foreign_keys.insert(format!("{table}.{} -> {}.{}", f.a, f.b, f.c));
        }
    }
    shape
}

fn postgres_shape(conn: &mut gongzhi::db::DbConn) -> Shape {
    let mut shape = Shape::default();
    let pk_cols: std::collections::BTreeSet<String> = rows(
        conn,
        "SELECT tc.table_name::text AS a, kcu.column_name::text AS b, '' AS c, '' AS d \
         FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu \
         ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema \
         WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public'",
    )
    .into_iter()
    .map(|r| format!("{}.{}", r.a, r.b))
    .collect();
    for c in rows(
        conn,
        "SELECT table_name::text AS a, column_name::text AS b, data_type::text AS c, is_nullable::text AS d \
         FROM information_schema.columns WHERE table_schema = 'public' \
         AND table_name <> '__diesel_schema_migrations'",
    ) {
        let key = format!("{}.{}", c.a, c.b);
        let pk = pk_cols.contains(&key);
        shape
            .columns
            .insert(format!("{key} {} not_null={} pk={pk}", family(&c.c), c.d == "NO"));
    }
    for i in rows(
        conn,
        "SELECT t.relname::text AS a, \
                array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(n, o) \
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ',') AS b, \
                CAST(ix.indisunique AS TEXT) AS c, CAST(ix.indisprimary AS TEXT) AS d \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE ns.nspname = 'public' AND t.relname <> '__diesel_schema_migrations'",
    ) {
        if i.d == "true" {
            continue;
        }
        shape.indexes.insert(format!("{}({}) unique={}", i.a, i.b, i.c == "true"));
    }
    for f in rows(
        conn,
        "SELECT kcu.table_name::text AS a, kcu.column_name::text AS b, ccu.table_name::text AS c, ccu.column_name::text AS d \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema \
         JOIN information_schema.constraint_column_usage ccu ON tc.constraint_name = ccu.constraint_name AND tc.table_schema = ccu.table_schema \
         WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'",
    ) {
        shape.foreign_keys.insert(format!("{}.{} -> {}.{}", f.a, f.b, f.c, f.d));
    }
    shape
}

/// Both backends' migrations make the same database: the real schemas are read back from a
/// migrated SQLite file and a migrated PostgreSQL database and compared table by table, column
/// by column, index by index and foreign key by foreign key. Needs `TEST_DATABASE_URL` (the
/// PostgreSQL pass of `.ci/run`); without it there is only one backend to look at.
#[test]
fn both_backends_make_the_same_schema() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |v| v.is_empty()) {
        eprintln!(
            "SKIPPED both_backends_make_the_same_schema: needs TEST_DATABASE_URL (a PostgreSQL server)"
        );
        return;
    }
    let pg = TestDb::new();
    let mut pg_conn = open(&pg);
    gongzhi::db::run_migrations(&mut pg_conn).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = gongzhi::config::DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("s.db").display()))
        .unwrap();
    let mut lite = gongzhi::db::establish(&url).unwrap();
    gongzhi::db::run_migrations(&mut lite).unwrap();
    let (a, b) = (sqlite_shape(&mut lite), postgres_shape(&mut pg_conn));
    assert!(a.columns.len() > 100, "read the columns: {}", a.columns.len());
    assert!(a.indexes.len() > 20 && a.foreign_keys.len() > 20, "{a:?}");
    let diff = |x: &std::collections::BTreeSet<String>, y: &std::collections::BTreeSet<String>| {
        x.symmetric_difference(y).cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        diff(&a.columns, &b.columns),
        Vec::<String>::new(),
        "columns differ (SQLite vs PostgreSQL)"
    );
    assert_eq!(
        diff(&a.indexes, &b.indexes),
        Vec::<String>::new(),
        "indexes differ"
    );
    assert_eq!(
        diff(&a.foreign_keys, &b.foreign_keys),
        Vec::<String>::new(),
        "foreign keys differ"
    );
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

/// The domain's words read and write as TEXT on the test's backend, and a stored value that names
/// no variant is an error that names the word and the value, not a panic.
#[test]
fn domain_words_round_trip_and_an_unknown_one_is_a_clear_error() {
    use diesel::sql_types::Text;
    use gongzhi::domain::words::{ComplaintState, InspectionKind, ListStatus, NoticeState, Role, Severity};
    let db = TestDb::new();
    let mut conn = open(&db);
    let back: (
        Role,
        NoticeState,
        ListStatus,
        InspectionKind,
        Severity,
        ComplaintState,
    ) = diesel::select((
        Role::Committee.into_sql::<Text>(),
        NoticeState::Overdue.into_sql::<Text>(),
        ListStatus::Black.into_sql::<Text>(),
        InspectionKind::FollowUp.into_sql::<Text>(),
        Severity::Serious.into_sql::<Text>(),
        ComplaintState::Dismissed.into_sql::<Text>(),
    ))
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(
        back,
        (
            Role::Committee,
            NoticeState::Overdue,
            ListStatus::Black,
            InspectionKind::FollowUp,
            Severity::Serious,
            ComplaintState::Dismissed
        )
    );
    // Written as the plain words the CHECK constraints and older rows use.
    let text: String = diesel::select(InspectionKind::FollowUp.into_sql::<Text>())
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(text, "follow_up");
    let err = diesel::select("closed".into_sql::<Text>())
        .get_result::<NoticeState>(&mut conn)
        .unwrap_err();
    // diesel names the field; the cause, logged with the error, names the word and the value.
    let mut chain = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = cur {
        chain.push(e.to_string());
        cur = e.source();
    }
    assert!(
        chain
            .iter()
            .any(|m| m.contains("unknown notice state \"closed\" in the database")),
        "{chain:?}"
    );
}

/// Reasons written as Chinese sentences (before 2026-11-30-000006) become codes: rebuilt from the
/// rating snapshot of the same merchant, day and list where there is one, kept as a legacy
/// sentence where there is not — in published editions too, whose guard comes back after.
#[test]
fn the_reasons_migration_turns_old_sentences_into_codes() {
    use gongzhi::db::schema::{edition_entries, list_entries};
    use gongzhi::domain::rating::{ListReason, ListStatus};
    use gongzhi::domain::reasons::{EnteredReasons, LeftReason, Legacy, Stored};
    use gongzhi::i18n::{words, Lang};

    let db = TestDb::new();
    let mut conn = open(&db);
    assert!(gongzhi::db::run_migrations_to(&mut conn, "2026-11-30-000005").unwrap() >= 1);
    let at = "'2026-03-05 08:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO merchants (id, name, category, address, area, created_at, updated_at) VALUES \
           (1, '一品豆花', '餐饮服务', '老街1号', '老街片区', {at}, {at}), \
           (2, '春风面馆', '餐饮服务', '老街2号', '老街片区', {at}, {at}); \
         INSERT INTO rating_snapshots (merchant_id, as_of, computed_at, policy_version, score_tenths, stars, list_status, breakdown) VALUES \
           (1, '2026-03-05', {at}, 'v1', 550, 1, 'black', \
            '{{\"merchant_id\":1,\"as_of\":\"2026-03-05\",\"policy_version\":\"v1\",\"score_tenths\":550,\"stars\":1,\"list\":\"black\",\"list_reasons\":[{{\"code\":\"serious_violation\",\"violation_id\":4,\"date\":\"2026-03-01\"}},{{\"code\":\"low_stars\",\"stars\":1}}],\"breakdown\":[]}}'), \
           (1, '2026-03-05', {at}, 'v1', 560, 1, 'black', \
            '{{\"merchant_id\":1,\"as_of\":\"2026-03-05\",\"policy_version\":\"v1\",\"score_tenths\":560,\"stars\":1,\"list\":\"black\",\"list_reasons\":[{{\"code\":\"low_stars\",\"stars\":1}}],\"breakdown\":[]}}'); \
         INSERT INTO list_entries (id, merchant_id, list, entered_on, entered_reason, left_on, left_reason) VALUES \
           (1, 1, 'black', '2026-03-05', '2026-03-01 存在严重违规（记录 #4）；评级仅为1星', '2026-06-10', '信用修复：整改通知均已核销，复查合格，且已满最短公示期'), \
           (2, 2, 'red', '2026-04-01', '5星，评价期内无违规、无未结整改通知，联盟成员', '2026-05-01', '评定变更为无'), \
           (3, 2, 'black', '2026-05-01', '', NULL, NULL), \
           (4, 1, 'red', '2026-07-01', '手工录入的原因', '2026-08-01', '委员会手工处理'); \
         INSERT INTO editions (id, number, published_on, published_at, policy_version, note) VALUES \
           (1, 1, '2026-04-15', {at}, 'v1', ''); \
         INSERT INTO edition_entries (edition_id, merchant_id, merchant_name, category, area, stars, list, reason, since) VALUES \
           (1, 1, '一品豆花', '餐饮服务', '老街片区', 1, 'black', '2026-03-01 存在严重违规（记录 #4）；评级仅为1星', '2026-03-05'), \
           (1, 2, '春风面馆', '餐饮服务', '老街片区', 5, 'red', '5星，评价期内无违规、无未结整改通知，联盟成员', '2026-04-01');"
    ))
    .unwrap();

    assert_eq!(
        gongzhi::db::run_migrations_to(&mut conn, "2026-11-30-000006").unwrap(),
        1,
        "the reasons migration is next"
    );

    let entries: Vec<(i32, String, Option<String>)> = list_entries::table
        .order(list_entries::id)
        .select((
            list_entries::id,
            list_entries::entered_reason,
            list_entries::left_reason,
        ))
        .load(&mut conn)
        .unwrap();
    let serious = Stored::Code(ListReason::SeriousViolation {
        violation_id: 4,
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
    });
    let low = Stored::Code(ListReason::LowStars { stars: 1 });
    let entered: Vec<EnteredReasons> = entries.iter().map(|e| EnteredReasons::parse(&e.1)).collect();
    // The first snapshot of that day and list, not a later one of the same day.
    assert_eq!(entered[0], EnteredReasons(vec![serious.clone(), low.clone()]));
    let legacy = |t: &str| EnteredReasons(vec![Stored::Legacy(Legacy::new(t))]);
    assert_eq!(
        entered[1],
        legacy("5星，评价期内无违规、无未结整改通知，联盟成员")
    );
    assert_eq!(entered[2], EnteredReasons::default());
    assert_eq!(entries[2].1, "[]");
    assert_eq!(entered[3], legacy("手工录入的原因"));
    let left: Vec<Option<Stored<LeftReason>>> = entries
        .iter()
        .map(|e| e.2.as_deref().map(Stored::parse))
        .collect();
    assert_eq!(
        left,
        vec![
            Some(Stored::Code(LeftReason::CreditRepaired)),
            Some(Stored::Code(LeftReason::ListChanged { to: ListStatus::None })),
            None,
            Some(Stored::Legacy(Legacy::new("委员会手工处理"))),
        ]
    );
    // Every stored value is JSON now, and reads in both languages without record ids.
    for (_, e, l) in &entries {
        serde_json::from_str::<serde_json::Value>(e).unwrap();
        if let Some(l) = l {
            serde_json::from_str::<serde_json::Value>(l).unwrap();
        }
    }
    assert_eq!(
        words::entered_reasons(&entered[0], Lang::Zh),
        "2026年3月1日 存在严重违规；评级仅为1星"
    );
    assert_eq!(
        words::entered_reasons(&entered[0], Lang::En),
        "serious violation on 1 Mar 2026; rated 1 star"
    );

    let editions: Vec<String> = edition_entries::table
        .order(edition_entries::id)
        .select(edition_entries::reason)
        .load(&mut conn)
        .unwrap();
    let editions: Vec<EnteredReasons> = editions.iter().map(|r| EnteredReasons::parse(r)).collect();
    assert_eq!(
        editions,
        vec![
            EnteredReasons(vec![serious, low]),
            legacy("5星，评价期内无违规、无未结整改通知，联盟成员")
        ]
    );
    // The published edition is guarded again.
    assert!(conn
        .batch_execute("UPDATE edition_entries SET reason = '[]'")
        .is_err());
    assert!(conn.batch_execute("DELETE FROM edition_entries").is_err());
}

/// SQLite writers of one process queue for their turn: the second waits while the first holds
/// it, goes on as soon as it ends (not after SQLite's next busy-handler sleep), and one that waits
/// longer than its busy timeout is told "database is locked" (a 503), not left hanging.
#[test]
fn sqlite_writers_of_one_process_take_turns() {
    use std::sync::mpsc;
    use std::time::{Duration, Instant};
    let db = TestDb::new();
    if db.is_postgres() {
        return; // PostgreSQL's writers queue on the advisory lock instead.
    }
    let mut first = open(&db);
    gongzhi::db::run_migrations(&mut first).unwrap();
    let (holding, held) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        gongzhi::db::models::write_tx(&mut first, |c| -> diesel::QueryResult<()> {
            c.batch_execute("UPDATE settings SET value = value WHERE key = 'write-lock'")?;
            holding.send(()).unwrap();
            released.recv().unwrap();
            Ok(())
        })
        .unwrap();
    });
    held.recv().unwrap();

    // A writer with a short busy timeout gives up with SQLite's own words.
    let mut impatient = open(&db);
    impatient.batch_execute("PRAGMA busy_timeout = 100").unwrap();
    let t = Instant::now();
    let err =
        gongzhi::db::models::write_tx(&mut impatient, |_| Ok::<_, diesel::result::Error>(())).unwrap_err();
    assert!(err.to_string().contains("database is locked"), "{err}");
    assert!(t.elapsed() >= Duration::from_millis(100), "{:?}", t.elapsed());

    // A patient one waits, and goes on as soon as the first ends.
    let mut second = open(&db);
    let (done, finished) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        gongzhi::db::models::write_tx(&mut second, |_| Ok::<_, diesel::result::Error>(())).unwrap();
        done.send(Instant::now()).unwrap();
    });
    assert!(
        finished.recv_timeout(Duration::from_millis(300)).is_err(),
        "the second writer waits while the first holds its turn"
    );
    let ended = Instant::now();
    release.send(()).unwrap();
    holder.join().unwrap();
    let went_on = finished.recv_timeout(Duration::from_secs(5)).unwrap();
    waiter.join().unwrap();
    // SQLite's busy handler would have slept up to 100 ms between looks.
    assert!(
        went_on.duration_since(ended) < Duration::from_millis(50),
        "{:?}",
        went_on.duration_since(ended)
    );
}

/// On SQLite the server copies the write-ahead log into the database from a thread of its own,
/// so the log stops growing without any writer checkpointing: here the writer's own
/// checkpoints are off, and after the background one has run, the next write starts the log
/// again from its beginning instead of making it longer.
#[test]
fn the_server_checkpoints_sqlites_log_in_the_background() {
    let db = TestDb::new();
    if db.is_postgres() {
        return;
    }
    let mut conn = open(&db);
    gongzhi::db::run_migrations(&mut conn).unwrap();
    // An empty log to start from (the migrations wrote one), then no checkpoints by this writer.
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA wal_autocheckpoint = 0")
        .unwrap();
    let wal = format!("{}-wal", db.url().trim_start_matches("sqlite://"));
    // Each round writes new values (SQLite writes no page for a value that did not change).
    let write = |c: &mut gongzhi::db::DbConn, round: &str| {
        for i in 0..200 {
            c.batch_execute(&format!(
                "INSERT INTO settings (key, value) VALUES ('wal-test-{i}', '{}') \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                round.repeat(2000)
            ))
            .unwrap();
        }
    };
    write(&mut conn, "a");
    let first = std::fs::metadata(&wal).unwrap().len();
    write(&mut conn, "b");
    let grown = std::fs::metadata(&wal).unwrap().len();
    assert!(
        grown > first,
        "without a checkpoint the log grows: {first} → {grown}"
    );

    gongzhi::spawn_wal_checkpoints(&common::test_config(db.url(), false, &[]));
    std::thread::sleep(gongzhi::WAL_CHECKPOINT_EVERY * 3);
    write(&mut conn, "c");
    let after = std::fs::metadata(&wal).unwrap().len();
    assert!(
        after <= grown,
        "the log started again from its beginning: {grown} → {after}"
    );
    // Everything written is there.
    let n: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "SELECT COUNT(*) FROM settings WHERE key LIKE 'wal-test-%'",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(n, 200);
}

/// The server builds the search index in the background at start: it is there before anybody
/// searched, and it finds the demo town's merchants.
#[test]
fn the_search_index_is_built_at_start() {
    let db = TestDb::new();
    let prepared = gongzhi::prepare(common::test_config(db.url(), true, &[])).unwrap();
    let state = prepared.state.clone();
    let fresh = std::time::Duration::from_secs(600);
    assert!(
        state.search.get_recent(fresh).is_none(),
        "nothing built before the start"
    );
    gongzhi::spawn_search_index(state.clone());
    let t = std::time::Instant::now();
    let index = loop {
        if let Some(i) = state.search.get_recent(fresh) {
            break i;
        }
        assert!(
            t.elapsed() < std::time::Duration::from_secs(20),
            "no index 20 s after the start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(!index.is_empty());
    assert!(
        !index.matching("老王").is_empty(),
        "the demo merchant 老王家常菜馆 is found"
    );
}
