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
