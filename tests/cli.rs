//! The `gongzhi` command as a user runs it: bad configuration is one clear line; `migrate`,
//! `user add`, `demo`, `recompute` and `audit verify` work on a fresh database.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::TestDb;

fn gongzhi(db: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(args)
        .env("GONGZHI_DATABASE_URL", db)
        .env("GONGZHI_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_configuration_fails_with_one_line_naming_the_variable() {
    for (var, value) in [
        ("GONGZHI_DATABASE_URL", "mysql://localhost/x"),
        ("GONGZHI_TIME_ZONE", "Nowhere/Special"),
        ("GONGZHI_BIND", "everywhere"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
            .arg("migrate")
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(var), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn unreachable_database_is_one_line_with_the_real_cause() {
    let (code, _, err) = gongzhi("postgres://nobody:wrong@127.0.0.1:1/none", &["migrate"], "");
    assert_eq!(code, 1);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cannot open the database"), "{err}");
}

#[test]
fn commands_work_on_a_fresh_database() {
    let db = TestDb::new();
    let url = db.url();
    let (code, out, err) = gongzhi(url, &["migrate"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("migration"));

    let (code, out, err) = gongzhi(url, &["demo"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("admin") && out.contains("gongzhi-demo"));
    // A second demo refuses: the database is no longer empty.
    let (code, _, err) = gongzhi(url, &["demo"], "");
    assert_eq!(code, 1);
    assert!(err.contains("already has merchants"));

    let (code, out, err) = gongzhi(
        url,
        &["user", "add", "--role", "inspector", "--username", "wang.li"],
        "a-long-password\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added user wang.li"));
    let (code, _, err) = gongzhi(
        url,
        &["user", "add", "--role", "inspector", "--username", "wang.li"],
        "a-long-password\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("taken"), "{err}");
    let (code, _, err) = gongzhi(
        url,
        &["user", "add", "--role", "chef", "--username", "x.y.z"],
        "a-long-password\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("unknown role"), "{err}");
    let (code, _, err) = gongzhi(
        url,
        &[
            "user",
            "add",
            "--role",
            "merchant",
            "--username",
            "shop1",
            "--merchant",
            "1",
        ],
        "short\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("at least 10"), "{err}");

    let (code, out, err) = gongzhi(url, &["recompute", "--as-of", "2026-12-01"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("recomputed 40 merchants"), "{out}");

    let (code, out, _) = gongzhi(url, &["audit", "verify"], "");
    assert_eq!(code, 0);
    assert!(out.contains("audit chain intact"));
}

#[test]
fn help_lists_every_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "migrate", "demo", "recompute", "user", "audit"] {
        assert!(text.contains(cmd), "{cmd} missing from --help");
    }
}

#[test]
fn serve_answers_and_shuts_down_gracefully_on_sigterm() {
    let db = TestDb::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .arg("serve")
        .env("GONGZHI_DATABASE_URL", db.url())
        .env("GONGZHI_BIND", format!("127.0.0.1:{port}"))
        .env("GONGZHI_DEMO", "false")
        .env("GONGZHI_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let mut up = false;
    for _ in 0..100 {
        if reqwest::blocking::get(&url)
            .map(|r| r.status().is_success())
            .unwrap_or(false)
        {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(up, "server did not come up");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed().as_secs() < 15, "no graceful exit within 15 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status:?}");
    let mut out = String::new();
    use std::io::Read;
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(
        out.contains(&format!("http://127.0.0.1:{port}")),
        "prints the URL: {out}"
    );
}

/// Starts `gongzhi serve` with `env`, waits until it has printed its banner (or exited), stops
/// it, and returns (exit code if it exited by itself, stdout, stderr).
fn serve_briefly(db: &str, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out");
    let err_path = dir.path().join("err");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gongzhi"));
    cmd.arg("serve")
        .env("GONGZHI_DATABASE_URL", db)
        .env("GONGZHI_LOG", "error")
        .env("GONGZHI_UPLOAD_DIR", dir.path().join("uploads"))
        .env_remove("GONGZHI_DEMO")
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        let out = std::fs::read_to_string(&out_path).unwrap_or_default();
        if out.contains("is serving")
            && (out.contains("log in at") || out.contains("not loaded") || out.lines().count() >= 2)
        {
            // The banner is written in one go before the server starts; give it a moment.
            std::thread::sleep(std::time::Duration::from_millis(300));
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve printed nothing in 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    (
        code,
        std::fs::read_to_string(&out_path).unwrap(),
        std::fs::read_to_string(&err_path).unwrap(),
    )
}

#[test]
fn demo_accounts_are_never_served_on_a_public_address_by_default() {
    // An empty database on an address other machines reach: no demo, no banner.
    let db = TestDb::new();
    let (code, out, err) = serve_briefly(db.url(), &[("GONGZHI_BIND", "0.0.0.0:0")]);
    assert_eq!(code, None, "serves: {err}");
    assert!(out.contains("not loaded"), "{out}");
    assert!(
        !out.contains("gongzhi-demo"),
        "banner without demo accounts: {out}"
    );

    // A database with the demo accounts: refused, unless GONGZHI_DEMO=true says so on purpose.
    let db = TestDb::new();
    let (code, _, err) = gongzhi(db.url(), &["demo"], "");
    assert_eq!(code, 0, "{err}");
    for extra in [vec![], vec![("GONGZHI_DEMO", "false")]] {
        let mut env = vec![("GONGZHI_BIND", "0.0.0.0:0")];
        env.extend(extra);
        let (code, _, err) = serve_briefly(db.url(), &env);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("refusing") && err.contains("GONGZHI_DEMO=true") && err.contains("admin"),
            "{err}"
        );
    }
    let (code, out, err) = serve_briefly(
        db.url(),
        &[("GONGZHI_BIND", "0.0.0.0:0"), ("GONGZHI_DEMO", "true")],
    );
    assert_eq!(code, None, "{err}");
    assert!(out.contains("gongzhi-demo"), "{out}");

    // On loopback the demo is served as before, with its banner.
    let (code, out, err) = serve_briefly(db.url(), &[("GONGZHI_BIND", "127.0.0.1:0")]);
    assert_eq!(code, None, "{err}");
    assert!(out.contains("admin") && out.contains("gongzhi-demo"), "{out}");
}

#[test]
fn the_banner_lists_only_demo_accounts_that_still_have_the_demo_password() {
    let db = TestDb::new();
    let (code, _, err) = gongzhi(db.url(), &["demo"], "");
    assert_eq!(code, 0, "{err}");
    {
        use diesel::prelude::*;
        let mut c = common::open(&db);
        let hash = gongzhi::services::auth::hash_password("a-changed-passphrase-91").unwrap();
        diesel::update(gongzhi::db::schema::users::table.filter(
            gongzhi::db::schema::users::username.eq_any(["admin", "committee", "inspector", "merchant"]),
        ))
        .set(gongzhi::db::schema::users::password_hash.eq(hash))
        .execute(&mut c)
        .unwrap();
    }
    // Every demo password changed: nothing to print, and a public address is fine.
    let (code, out, err) = serve_briefly(db.url(), &[("GONGZHI_BIND", "0.0.0.0:0")]);
    assert_eq!(code, None, "{err}");
    assert!(!out.contains("gongzhi-demo"), "{out}");
}

#[test]
fn commendation_commands_explain_and_refuse_clearly() {
    use chrono::Datelike;
    let db = TestDb::new();
    let url = db.url();
    let this_year = chrono::Utc::now().year();
    let last = (this_year - 1).to_string();
    let (code, out, err) = gongzhi(url, &["commendation", "propose", "--year", &last], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("not decided") && out.contains("0 candidate(s)"),
        "{out}"
    );
    // The current year is not over; an empty town has nobody to commend; 1999 is out of range.
    let (code, _, err) = gongzhi(
        url,
        &["commendation", "decide", "--year", &this_year.to_string()],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("not over"), "{err}");
    let (code, _, err) = gongzhi(url, &["commendation", "decide", "--year", &last], "");
    assert_eq!(code, 2);
    assert!(err.contains("no merchant to commend"), "{err}");
    let (code, _, err) = gongzhi(url, &["commendation", "propose", "--year", "1999"], "");
    assert_eq!(code, 2);
    assert!(err.lines().count() == 1 && err.contains("2000"), "{err}");
}
