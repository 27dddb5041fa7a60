//! The test harness: each test gets its own database (a temp SQLite file, or its own PostgreSQL
//! database when `TEST_DATABASE_URL` is set) and its own server on port 0, and talks HTTP to it.
//!
//! Migrating and loading the demo town takes about a second on SQLite and three on PostgreSQL,
//! and almost every test wants the same start. So each test binary prepares a template database
//! once per kind of start (demo or not, and the settings given) and gives every test a copy of
//! it: a file copy on SQLite, `CREATE DATABASE … TEMPLATE …` on PostgreSQL (as crates.io's test
//! harness does). The copy is still the test's own database; nothing is shared between tests.
#![allow(dead_code)]

pub mod smtp;
pub mod web_client;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use gongzhi::config::Config;
use gongzhi::db::{DbConn, Pool};

/// A database made for one test, removed when the test ends.
pub enum TestDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb::Sqlite { _dir: dir, url }
            }
            Some(admin_url) => TestDb::new_postgres(&admin_url, None),
        }
    }

    /// A copy of the template database for this kind of start, made on first use by
    /// [`gongzhi::prepare`] with `config` (migrations, session secret, and the demo town when
    /// `config` asks for it).
    pub fn from_template(key: &str, config: impl FnOnce(&str) -> Config) -> Self {
        static TEMPLATES: OnceLock<Mutex<HashMap<String, TestDb>>> = OnceLock::new();
        let mut templates = TEMPLATES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !templates.contains_key(key) {
            let template = match std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
                Some(admin_url) => {
                    // Templates live as long as the test binary (statics are never dropped), so
                    // the next binary removes those of processes that have ended.
                    TestDb::drop_leftovers(&admin_url);
                    TestDb::new_postgres_named(&admin_url, None, "gz_tpl")
                }
                None => TestDb::new(),
            };
            let prepared = gongzhi::prepare(config(template.url())).expect("prepare the template database");
            // Close every connection: PostgreSQL copies only a database nobody is connected to,
            // and SQLite folds its write-ahead log back into the file when the last one closes.
            drop(prepared);
            templates.insert(key.to_string(), template);
        }
        // Held while copying: PostgreSQL refuses two copies of one template at the same time.
        templates[key].copy()
    }

    fn copy(&self) -> TestDb {
        match self {
            TestDb::Sqlite { url, .. } => {
                let source = url.trim_start_matches("sqlite://");
                let dir = tempfile::tempdir().expect("temp dir");
                let target = dir.path().join("test.db");
                std::fs::copy(source, &target).expect("copy the template database");
                TestDb::Sqlite {
                    _dir: dir,
                    url: format!("sqlite://{}", target.display()),
                }
            }
            TestDb::Postgres { admin_url, name, .. } => TestDb::new_postgres(admin_url, Some(name)),
        }
    }

    fn new_postgres(admin_url: &str, template: Option<&str>) -> TestDb {
        Self::new_postgres_named(admin_url, template, "gz_test")
    }

    /// Drops the test and template databases whose test process has ended (`gz_test_PID_…`,
    /// `gz_tpl_PID_…`): templates are never dropped by the process that made them.
    fn drop_leftovers(admin_url: &str) {
        #[derive(diesel::QueryableByName)]
        struct Db {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        use diesel::RunQueryDsl;
        let Ok(mut admin) = diesel::PgConnection::establish(admin_url) else {
            return;
        };
        let names: Vec<Db> = diesel::sql_query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'gz\\_test\\_%' OR datname LIKE 'gz\\_tpl\\_%'",
        )
        .load(&mut admin)
        .unwrap_or_default();
        for Db { datname } in names {
            let pid = datname.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists()) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"));
            }
        }
    }

    fn new_postgres_named(admin_url: &str, template: Option<&str>, prefix: &str) -> TestDb {
        let name = format!(
            "{prefix}_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            rand_suffix()
        );
        let mut admin = diesel::PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("TEST_DATABASE_URL does not connect: {e}"));
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        admin.batch_execute(&sql).expect("create test database");
        let mut u = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        u.set_path(&name);
        TestDb::Postgres {
            admin_url: admin_url.to_string(),
            name,
            url: u.to_string(),
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
        % 100_000
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name, .. } = self {
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// The configuration a test server runs with.
pub fn test_config(db_url: &str, demo: bool, extra: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("GONGZHI_DATABASE_URL".into(), db_url.into());
    env.insert("GONGZHI_BIND".into(), "127.0.0.1:0".into());
    env.insert("GONGZHI_DEMO".into(), demo.to_string());
    // The record watch and warm-up run only where a test asks for them (TestApp starts them
    // when GONGZHI_RECORD_WARM=true).
    env.insert("GONGZHI_RECORD_WARM".into(), "false".into());
    for (k, v) in extra {
        env.insert((*k).into(), (*v).into());
    }
    Config::from_lookup(|k| env.get(k).cloned()).expect("test config")
}

/// A running server with its own database, and a cookie-keeping client.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::blocking::Client,
    pub pool: Pool,
    pub config: Config,
    handle: actix_web::dev::ServerHandle,
    pub db: TestDb,
    pub uploads: tempfile::TempDir,
    /// What the server's handlers share (its caches among them).
    pub state: gongzhi::web::AppState,
}

impl TestApp {
    /// A server on a fresh database with the demo town loaded.
    pub fn spawn() -> TestApp {
        Self::spawn_with(true)
    }

    /// A server on a fresh database; `demo` chooses whether the demo town is loaded.
    pub fn spawn_with(demo: bool) -> TestApp {
        Self::spawn_with_config(demo, &[], false)
    }

    /// A server on a fresh database with extra settings (`GONGZHI_*` variables), and — when
    /// `mail_worker` is true — the outbox worker running beside it, as in `gongzhi serve`.
    pub fn spawn_with_config(demo: bool, extra_env: &[(&str, &str)], mail_worker: bool) -> TestApp {
        // One template per kind of start: the settings can change what the demo writes.
        let key = format!("{demo} {extra_env:?}");
        let db = TestDb::from_template(&key, |url| test_config(url, demo, extra_env));
        // Photos go to a directory of the test's own, never into the working tree.
        let uploads = tempfile::tempdir().expect("upload dir");
        let upload_path = uploads.path().display().to_string();
        let mut env: Vec<(&str, &str)> = vec![("GONGZHI_UPLOAD_DIR", upload_path.as_str())];
        env.extend_from_slice(extra_env);
        let config = test_config(db.url(), demo, &env);
        let prepared = gongzhi::prepare(config.clone()).expect("prepare app");
        let pool = prepared.state.pool.clone();
        let state = prepared.state.clone();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = gongzhi::server(&prepared, listener, 1).expect("server");
                if mail_worker {
                    gongzhi::spawn_outbox_worker(prepared.state.clone());
                }
                if prepared.state.config.record_warm {
                    gongzhi::spawn_record_watch(prepared.state.clone());
                }
                tx.send(server.handle()).expect("send handle");
                let _ = server.await;
            })
        });
        let handle = rx.recv().expect("server handle");
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            client: client(),
            pool,
            config,
            handle,
            db,
            uploads,
            state,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.client.get(self.url(path)).send().expect("GET")
    }

    pub fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path);
        let s = r.status().as_u16();
        (s, r.text().expect("body"))
    }

    pub fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
        self.client.post(self.url(path)).form(form).send().expect("POST")
    }

    /// The CSRF token of the form on `path`.
    pub fn csrf(&self, path: &str) -> String {
        let (_, body) = self.get_text(path);
        extract_csrf(&body).unwrap_or_else(|| panic!("no csrf field on {path}"))
    }

    /// Logs in through the form; panics unless it succeeds.
    pub fn login(&self, username: &str, password: &str) {
        let csrf = self.csrf("/login");
        let r = self.post_form(
            "/login",
            &[("csrf", &csrf), ("username", username), ("password", password)],
        );
        assert_eq!(r.status().as_u16(), 303, "login as {username} failed");
    }

    pub fn conn(&self) -> r2d2::PooledConnection<gongzhi::db::ConnManager> {
        self.pool.get().expect("connection")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server before its database is dropped.
        let h = self.handle.clone();
        let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(h.stop(false))).join();
    }
}

/// A client that keeps cookies and does not follow redirects (tests look at them).
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of the hidden field `name` on a page (e.g. the edition preview's `fingerprint`).
pub fn extract_field(body: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let i = body.find(&needle)?;
    let rest = &body[i + needle.len()..];
    Some(rest[..rest.find('"')?].to_string())
}

pub fn extract_csrf(body: &str) -> Option<String> {
    let i = body.find("name=\"csrf\" value=\"")?;
    let rest = &body[i + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}

/// A connection of the test's backend, for tests that look at the database directly.
pub fn open(db: &TestDb) -> DbConn {
    let url = gongzhi::config::DatabaseUrl::parse(db.url()).expect("url");
    gongzhi::db::establish(&url).expect("connect")
}

/// The `name` of each item of a JSON page (`{"items": [{"name": …}, …]}`), in order.
pub fn item_names(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}
