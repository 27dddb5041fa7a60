//! Backups (issue 17): `gongzhi backup` copies the database while another thread keeps logging
//! inspections (with their audit entries), and `gongzhi restore` puts the copy back into a new
//! database that passes SQLite's integrity check, whose audit chain verifies, and whose row counts
//! are the manifest's. On PostgreSQL the same with pg_dump / pg_restore.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{TestApp, TestDb};
use diesel::prelude::*;
use gongzhi::config::{Backend, DatabaseUrl};
use gongzhi::db::models::audit::Actor;
use gongzhi::db::schema::users;
use gongzhi::services::backup::{self, MANIFEST, UPLOADS};
use gongzhi::services::inspections::{log_inspection, Draft, DraftDeduction};

/// Logs inspections through the service layer until `stop`, counting them.
fn keep_writing(
    app: &TestApp,
    stop: Arc<AtomicBool>,
    written: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    let pool = app.pool.clone();
    let today = app.config.today();
    std::thread::spawn(move || {
        let mut conn = pool.get().unwrap();
        let policy = gongzhi::services::policy::active_policy(&mut conn).unwrap();
        let inspector: i32 = users::table
            .filter(users::role.eq("inspector"))
            .select(users::id)
            .first(&mut *conn)
            .unwrap();
        let actor = Actor::system("backup-test");
        let mut i = 0;
        while !stop.load(Ordering::SeqCst) {
            let draft = Draft {
                merchant_id: (1 + i % 30).to_string(),
                inspected_on: today.to_string(),
                kind: "routine".into(),
                deductions: vec![DraftDeduction {
                    code: "C01".into(),
                    points: (1 + i % 3).to_string(),
                }],
                violations: vec![],
                notes: format!("written during the backup #{i}"),
            };
            log_inspection(&mut conn, &policy, &draft, today, &actor, inspector).unwrap();
            written.fetch_add(1, Ordering::SeqCst);
            i += 1;
        }
    })
}

fn pg_tools() -> Result<(), String> {
    for tool in ["pg_dump", "pg_restore"] {
        match std::process::Command::new(tool).arg("--version").output() {
            Ok(o) if o.status.success() => {}
            _ => return Err(format!("{tool} is not on PATH")),
        }
    }
    Ok(())
}

/// Backs up `app` under writes, restores into `target`, checks everything.
fn backup_under_writes_then_restore(app: &TestApp, target: &TestDb) {
    std::fs::write(
        app.uploads.path().join("photo-1.jpg"),
        b"\xFF\xD8 not really a jpeg",
    )
    .unwrap();
    std::fs::create_dir_all(app.uploads.path().join("sub")).unwrap();
    std::fs::write(app.uploads.path().join("sub/bulletin.pdf"), b"%PDF-1.4").unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = keep_writing(app, stop.clone(), written.clone());
    while written.load(Ordering::SeqCst) < 5 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let dest = tempfile::tempdir().unwrap();
    let before = written.load(Ordering::SeqCst);
    let b = backup::backup(
        &app.config.database,
        app.uploads.path(),
        dest.path(),
        chrono::Utc::now(),
    )
    .unwrap();
    let during = written.load(Ordering::SeqCst) - before;
    // Let the writer go on a little after the copy too, then stop it.
    let at_end = written.load(Ordering::SeqCst);
    while written.load(Ordering::SeqCst) < at_end + 3 {
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    eprintln!(
        "backup took while {during} inspection(s) were logged; {} written in all",
        written.load(Ordering::SeqCst)
    );

    // The manifest is what the directory holds.
    let m = &b.manifest;
    let on_disk: backup::Manifest =
        serde_json::from_slice(&std::fs::read(b.dir.join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(&on_disk, m);
    assert!(m.created_at.ends_with('Z'));
    assert!(!m.schema_migration.is_empty());
    assert!(m.tables["merchants"] >= 30);
    assert!(m.tables["inspections"] > 0);
    assert!(m.audit_entries > 0);
    assert_eq!(m.tables["audit_log"] as usize, m.audit_entries);
    let paths: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    assert!(
        paths.contains(&format!("{UPLOADS}/photo-1.jpg").as_str()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&format!("{UPLOADS}/sub/bulletin.pdf").as_str()),
        "{paths:?}"
    );
    // The live database went on: it has more inspections than the copy.
    let live = backup::row_counts(&mut common::open(&app.db)).unwrap();
    assert!(live["inspections"] > m.tables["inspections"]);

    // Restore into a new database and a new upload directory.
    let url = DatabaseUrl::parse(target.url()).unwrap();
    let uploads = tempfile::tempdir().unwrap();
    let r = backup::restore(&b.dir, &url, uploads.path(), false).unwrap();
    assert_eq!(r.audit_entries, m.audit_entries);
    assert_eq!(&r.tables, &m.tables);
    assert_eq!(r.uploads, 2);
    assert_eq!(
        std::fs::read(uploads.path().join("sub/bulletin.pdf")).unwrap(),
        b"%PDF-1.4"
    );
    let mut conn = common::open(target);
    backup::sqlite_integrity(&mut conn).unwrap();
    assert_eq!(backup::audit_intact(&mut conn).unwrap(), m.audit_entries);
    assert_eq!(backup::row_counts(&mut conn).unwrap(), m.tables);
    drop(conn);

    // A database with data is not overwritten without --force.
    let e = backup::restore(&b.dir, &url, uploads.path(), false).unwrap_err();
    assert!(format!("{e:#}").contains("--force"), "{e:#}");
    backup::restore(&b.dir, &url, uploads.path(), true).unwrap();

    // A damaged backup is refused before anything is touched.
    std::fs::write(b.dir.join(UPLOADS).join("photo-1.jpg"), b"changed").unwrap();
    let e = backup::restore(&b.dir, &url, uploads.path(), true).unwrap_err();
    assert!(format!("{e:#}").contains("damaged"), "{e:#}");
}

#[test]
fn sqlite_backup_under_writes_restores_intact() {
    let app = TestApp::spawn();
    if app.config.database.backend != Backend::Sqlite {
        eprintln!("skipped: TEST_DATABASE_URL is set; this is the SQLite test (see postgres_… below)");
        return;
    }
    let target_dir = tempfile::tempdir().unwrap();
    let target = TestDb::Sqlite {
        url: format!("sqlite://{}", target_dir.path().join("restored.db").display()),
        _dir: target_dir,
    };
    backup_under_writes_then_restore(&app, &target);
}

#[test]
fn postgres_backup_under_writes_restores_intact() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |s| s.is_empty()) {
        eprintln!("skipped: TEST_DATABASE_URL is not set (the PostgreSQL backup needs a server)");
        return;
    }
    if let Err(why) = pg_tools() {
        eprintln!("skipped: {why}; install the PostgreSQL client tools to run this test");
        return;
    }
    let app = TestApp::spawn();
    let target = TestDb::new();
    backup_under_writes_then_restore(&app, &target);
}

#[test]
fn the_cli_backs_up_and_restores() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|s| !s.is_empty()) {
        eprintln!("skipped: the CLI test runs on SQLite");
        return;
    }
    let app = TestApp::spawn();
    let dest = tempfile::tempdir().unwrap();
    let run = |db: &str, uploads: &std::path::Path, args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
            .args(args)
            .env("GONGZHI_DATABASE_URL", db)
            .env("GONGZHI_UPLOAD_DIR", uploads)
            .env("GONGZHI_LOG", "error")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(
        app.db.url(),
        app.uploads.path(),
        &["backup".as_ref(), dest.path().as_os_str()],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audit chain intact"), "{out}");
    let made: Vec<_> = std::fs::read_dir(dest.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(made.len(), 1);
    assert!(made[0]
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("gongzhi-"));

    let target = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", target.path().join("new.db").display());
    let (code, out, err) = run(
        &db,
        &target.path().join("uploads"),
        &["restore".as_ref(), made[0].as_os_str()],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("restored"), "{out}");
    let (code, _, err) = run(
        &db,
        &target.path().join("uploads"),
        &["restore".as_ref(), made[0].as_os_str()],
    );
    assert_eq!(code, 1);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let (code, out, err) = run(
        &db,
        &target.path().join("uploads"),
        &["audit".as_ref(), "verify".as_ref()],
    );
    assert_eq!(code, 0, "{out}{err}");

    // The database file alone restores too (without uploads and without the manifest's checks).
    let bare = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", bare.path().join("bare.db").display());
    let file = made[0].join(backup::SQLITE_FILE);
    let (code, out, err) = run(
        &db,
        &bare.path().join("uploads"),
        &["restore".as_ref(), file.as_os_str()],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 upload file(s)"), "{out}");

    // A backup inside the upload directory is refused.
    let inside = app.uploads.path().join("backups");
    let (code, _, err) = run(
        app.db.url(),
        app.uploads.path(),
        &["backup".as_ref(), inside.as_os_str()],
    );
    assert_eq!(code, 1);
    assert!(err.contains("inside the upload directory"), "{err}");
}
