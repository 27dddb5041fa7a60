//! How fresh the public pages a visitor gets are (`GONGZHI_PUBLIC_RECHECK_MS`, see
//! `docs/performance.md`): a write made through this server shows on the next request; a write
//! made elsewhere — another server on the same database, or the command line — shows once the
//! interval has passed.
//!
//! Alone in its test binary on purpose: the server trusts its cached pages while no write
//! transaction ends in its process, and other tests' writes would end some.

mod common;

use std::process::Command;

use common::TestApp;
use diesel::connection::SimpleConnection;

/// `gongzhi edition publish` run as its own process against the app's database.
fn publish_from_the_command_line(app: &TestApp) -> i32 {
    let out = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(["edition", "publish", "--note", "from another process"])
        .env("GONGZHI_DATABASE_URL", app.db.url())
        .env("GONGZHI_DEMO", "false")
        .env("GONGZHI_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "published edition 3 (第3期) as of …"
    stdout
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no edition number in {stdout:?}"))
}

/// Renames merchant 1 with a plain statement, as another server would (not through this
/// process's write transactions), stamping it with that server's clock (a second ahead, so the
/// stamp is newer than any this server wrote).
fn rename_elsewhere(app: &TestApp, name: &str) {
    let now = gongzhi::db::models::now_utc() + chrono::Duration::seconds(1);
    let mut conn = common::open(&app.db);
    conn.batch_execute(&format!(
        "UPDATE merchants SET name = '{name}', updated_at = '{}' WHERE id = 1",
        now.format("%Y-%m-%d %H:%M:%S%.6f")
    ))
    .unwrap();
}

fn visit(app: &TestApp, path: &str) -> String {
    // A client of its own with no cookies: a visitor, whose pages come from the cache.
    let r = common::client().get(app.url(path)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.text().unwrap()
}

/// How many open merchants the public search finds for `q`.
fn found(app: &TestApp, q: &str) -> i64 {
    let r = common::client()
        .get(app.url("/api/v1/public/merchants"))
        .query(&[("q", q)])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<serde_json::Value>().unwrap()["total"].as_i64().unwrap()
}

fn edition_label(n: i32) -> String {
    format!("第{n}期")
}

/// One test, two servers one after the other: a second test running beside the first would end
/// write transactions in this process while the first expects none.
#[test]
fn outside_writes_show_after_the_interval_and_this_servers_writes_at_once() {
    trusted_for_a_minute();
    asked_on_every_visit();
}

fn trusted_for_a_minute() {
    let app = TestApp::spawn_with_config(true, &[("GONGZHI_PUBLIC_RECHECK_MS", "60000")], false);
    let list = visit(&app, "/lists/red");
    let record = visit(&app, "/merchants/1");
    assert!(!record.contains("改名后的小店"));
    assert_eq!(found(&app, "家常菜"), 1, "the search index is built");

    // Published and renamed by other processes: within the minute this server still trusts
    // what it read, without asking the database.
    let n = publish_from_the_command_line(&app);
    assert!(!list.contains(&edition_label(n)), "a new edition");
    rename_elsewhere(&app, "改名后的小店");
    assert!(!visit(&app, "/lists/red").contains(&edition_label(n)));
    assert!(!visit(&app, "/merchants/1").contains("改名后的小店"));
    assert_eq!(found(&app, "改名后"), 0);

    // Any write through this server — here a staff member's sign-in token — makes the next
    // request look at the database again.
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": "inspector", "password": "gongzhi-demo"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert!(visit(&app, "/lists/red").contains(&edition_label(n)));
    assert!(visit(&app, "/merchants/1").contains("改名后的小店"));
    assert!(visit(&app, "/").contains(&edition_label(n)));
    assert_eq!(found(&app, "改名后"), 1);
    assert_eq!(found(&app, "家常菜"), 0, "the old name is gone from the index");
}

fn asked_on_every_visit() {
    let app = TestApp::spawn_with_config(true, &[("GONGZHI_PUBLIC_RECHECK_MS", "0")], false);
    visit(&app, "/lists/black");
    visit(&app, "/merchants/1");
    assert_eq!(found(&app, "家常菜"), 1);
    let n = publish_from_the_command_line(&app);
    rename_elsewhere(&app, "另一台服务器改的名");
    assert_eq!(found(&app, "另一台服务器"), 1);
    assert!(visit(&app, "/lists/black").contains(&edition_label(n)));
    assert!(visit(&app, "/merchants/1").contains("另一台服务器改的名"));
}
