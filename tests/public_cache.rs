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
    watched_and_warmed();
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

/// As `gongzhi serve` runs: the record watch and warm-up. Every merchant's record is drawn in
/// Chinese after the start, the same page a visitor's request draws; a write made elsewhere
/// shows within the interval although kept records are served on the watch's word.
fn watched_and_warmed() {
    use diesel::prelude::*;
    let env = [
        ("GONGZHI_PUBLIC_RECHECK_MS", "300"),
        ("GONGZHI_RECORD_WARM", "true"),
    ];
    let app = TestApp::spawn_with_config(true, &env, false);
    let ids: Vec<i32> = gongzhi::db::schema::merchants::table
        .select(gongzhi::db::schema::merchants::id)
        .load(&mut *app.conn())
        .unwrap();
    assert!(ids.len() > 20, "the demo town: {}", ids.len());
    let zh = gongzhi::web::Lang::Zh;
    let started = std::time::Instant::now();
    while !ids.iter().all(|&id| app.state.records.contains(id, zh)) {
        assert!(started.elapsed().as_secs() < 60, "the warm-up drew every record");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        !ids.iter()
            .any(|&id| app.state.records.contains(id, gongzhi::web::Lang::En)),
        "Chinese only"
    );
    // The page it drew is the one a server without the warm-up draws for a visitor (the same
    // town, the same day), in both encodings.
    let plain = TestApp::spawn_with_config(true, &[("GONGZHI_PUBLIC_RECHECK_MS", "300")], false);
    for id in [ids[0], ids[ids.len() / 2], ids[ids.len() - 1]] {
        let path = format!("/merchants/{id}");
        assert_eq!(visit(&app, &path), visit(&plain, &path), "{path}");
        let gz = |a: &TestApp| {
            // (reqwest here does not decompress by itself.)
            let r = common::client()
                .get(a.url(&path))
                .header("Accept-Encoding", "gzip")
                .send()
                .unwrap();
            assert_eq!(r.headers()["content-encoding"], "gzip");
            let mut out = String::new();
            std::io::Read::read_to_string(
                &mut flate2::read::GzDecoder::new(&r.bytes().unwrap()[..]),
                &mut out,
            )
            .unwrap();
            out
        };
        assert_eq!(gz(&app), gz(&plain), "{path} gzipped");
    }
    drop(plain);
    // Renamed by another server: shown within the interval (the watch looks twice an interval).
    assert!(!visit(&app, "/merchants/1").contains("守望者改的名"));
    rename_elsewhere(&app, "守望者改的名");
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(visit(&app, "/merchants/1").contains("守望者改的名"));
}
