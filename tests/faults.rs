//! Faults: the daily job after a failure, a database that is away or read-only, and the write
//! lock held by someone else (an import) while the server writes and the mail worker records a
//! delivery. Each test runs on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::smtp::wait_for;
use common::{TestApp, TestDb};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use gongzhi::db::models::job_run;
use gongzhi::db::schema::job_runs;
use gongzhi::db::{ConnManager, DbConn, Pool};
use gongzhi::services::daily::{self, load_state, next_run, run_daily, run_job, RunOutcome, JOB};
use gongzhi::web::AppState;

/// The promise to a probe or a browser: an answer within this, even with the database away.
const FAST: Duration = Duration::from_secs(2);

/// A server for `state` on port 0 (the state's own pool), stopped when dropped.
struct Server {
    base: String,
    handle: actix_web::dev::ServerHandle,
}

impl Server {
    fn start(state: AppState) -> Server {
        Self::start_with(state, false)
    }

    /// A server that also runs the daily job, as `gongzhi serve` does.
    fn start_with(state: AppState, daily_job: bool) -> Server {
        let prepared = gongzhi::Prepared {
            state,
            session_key: actix_web::cookie::Key::generate(),
            demo_loaded: false,
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = gongzhi::server(&prepared, listener, 1).expect("server");
                if daily_job {
                    gongzhi::spawn_daily_recompute(prepared.state.clone());
                }
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            })
        });
        Server {
            base: format!("http://127.0.0.1:{port}"),
            handle: rx.recv().unwrap(),
        }
    }

    /// GET `path`: status, Retry-After, body, and how long it took.
    fn get(&self, path: &str) -> (u16, Option<String>, String, Duration) {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let t = Instant::now();
        let r = client.get(format!("{}{path}", self.base)).send().expect("GET");
        let status = r.status().as_u16();
        let retry = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let body = r.text().unwrap();
        (status, retry, body, t.elapsed())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let h = self.handle.clone();
        let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(h.stop(false))).join();
    }
}

/// The app's state with another pool in place of its own.
fn state_with_pool(app: &TestApp, pool: Pool) -> AppState {
    let policy = gongzhi::services::policy::active_policy(&mut app.conn()).unwrap();
    AppState {
        db_slots: AppState::db_slots_for(&pool),
        pool,
        config: app.config.clone(),
        policy: Arc::new(gongzhi::services::policy::PolicyStore::new(policy)),
        lists: Default::default(),
        pages: Default::default(),
        records: Default::default(),
        search: Default::default(),
        editions: Default::default(),
        throttle: Default::default(),
    }
}

/// A pool for `url` that is not checked at build (the database may not be there yet), with the
/// app's settings: a request waits at most `GONGZHI_DB_WAIT_MS` for a connection.
fn unchecked_pool(app: &TestApp, url: &str) -> Pool {
    let url = gongzhi::config::DatabaseUrl::parse(url).unwrap();
    r2d2::Pool::builder()
        .max_size(2)
        .connection_timeout(app.config.db_wait)
        .build_unchecked(ConnManager::new(url))
}

/// Runs of the daily job itself (the jobs it starts after it, e.g. the training reminders, have
/// their own rows).
fn runs(conn: &mut DbConn) -> i64 {
    job_runs::table
        .filter(job_runs::job.eq(JOB))
        .count()
        .get_result(conn)
        .unwrap()
}

#[test]
fn the_daily_job_retries_after_a_failure_and_the_admin_sees_each_run() {
    let app = TestApp::spawn();
    let tz = app.config.time_zone;
    let today = app.config.today();
    let mut c = app.conn();

    // A run whose work fails (the database went away mid-run) is recorded as failed...
    let out = run_job(&mut c, JOB, today, |_| {
        anyhow::bail!("simulated outage: database down")
    })
    .unwrap();
    assert!(
        matches!(&out, RunOutcome::Failed(e) if e.contains("simulated outage")),
        "{out:?}"
    );
    let run = daily::last_run(&mut c).unwrap().unwrap();
    assert_eq!(run.outcome, job_run::FAILED);
    assert!(run.finished_at.is_some());
    assert_eq!(run.as_of, today);
    // ... and the scheduler retries it a minute later, not the next day.
    let state = load_state(&mut c).unwrap();
    assert_eq!((state.failures, state.last_success), (1, None));
    let now = Utc::now();
    let next = next_run(now, tz, &state);
    assert!(
        next > now && next <= now + chrono::Duration::seconds(61),
        "{next} vs {now}"
    );

    // The admin sees the failure and its error on the audit page.
    app.login("admin", "gongzhi-demo");
    let (status, body) = app.get_text("/staff/audit");
    assert_eq!(status, 200);
    assert!(body.contains("id=\"daily-job\""), "{body}");
    assert!(body.contains("失败（将自动重试）"), "{body}");
    assert!(body.contains("simulated outage: database down"), "{body}");

    // A second failure in a row doubles the wait.
    run_job(&mut c, JOB, today, |_| anyhow::bail!("still down")).unwrap();
    let state = load_state(&mut c).unwrap();
    assert_eq!(state.failures, 2);
    let failed_at = chrono::TimeZone::from_utc_datetime(&Utc, &state.last_failure_at.unwrap());
    let next = next_run(failed_at, tz, &state);
    assert_eq!(next - failed_at, chrono::Duration::seconds(120));

    // The retry does the work and succeeds; the next run is at the next local midnight.
    let out = run_daily(&mut c, &app.config).unwrap();
    let RunOutcome::Done(summary) = out else {
        panic!("{out:?}")
    };
    assert!(summary.contains("recomputed"), "{summary}");
    let state = load_state(&mut c).unwrap();
    assert_eq!((state.failures, state.last_success), (0, Some(today)));
    assert_eq!(
        next_run(Utc::now(), tz, &state),
        daily::start_of_day(tz, today.succ_opt().unwrap())
    );
    let run = daily::last_run(&mut c).unwrap().unwrap();
    assert_eq!(run.outcome, job_run::OK);
    assert!(run.error.is_none() && run.finished_at.unwrap() >= run.started_at);

    // Today is done: another start (or another server) does not run it again.
    assert_eq!(runs(&mut c), 3);
    assert_eq!(run_daily(&mut c, &app.config).unwrap(), RunOutcome::Skipped);
    assert_eq!(runs(&mut c), 3);
    let (_, body) = app.get_text("/staff/audit");
    assert!(body.contains(">成功<"), "{body}");
    assert!(body.contains(&summary), "{body}");
}

#[test]
fn a_server_that_starts_without_todays_run_runs_the_daily_job_at_once() {
    let app = TestApp::spawn();
    let _server = Server::start_with(state_with_pool(&app, app.pool.clone()), true);
    let run = wait_for("the daily job to run at start-up", || {
        daily::last_run(&mut app.conn())
            .unwrap()
            .filter(|r| r.outcome == job_run::OK)
    });
    assert_eq!(run.as_of, app.config.today());
    assert!(run.summary.unwrap().contains("recomputed"));
    // Today is done: a second server started now does not run it again.
    let _second = Server::start_with(state_with_pool(&app, app.pool.clone()), true);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(runs(&mut app.conn()), 1);
}

#[test]
fn only_one_server_runs_the_daily_job() {
    let app = TestApp::spawn_with(false);
    let today = app.config.today();
    let mut mine = app.conn();
    let mut other = common::open(&app.db);

    if app.db.is_postgres() {
        // On PostgreSQL the server that runs it holds the job's advisory lock: the others skip.
        other
            .batch_execute(&format!("SELECT pg_advisory_lock({})", daily::LOCK_KEY))
            .unwrap();
        assert_eq!(run_daily(&mut mine, &app.config).unwrap(), RunOutcome::Skipped);
        other
            .batch_execute(&format!("SELECT pg_advisory_unlock({})", daily::LOCK_KEY))
            .unwrap();
        // A run left `running` by a server that died (its lock went with its session) is marked
        // failed by the next one, which then does the work.
        job_run::start(&mut other, JOB, today).unwrap();
    } else {
        // On SQLite a run recorded as running (by another process) makes this one skip.
        let id = job_run::start(&mut other, JOB, today).unwrap();
        assert_eq!(run_daily(&mut mine, &app.config).unwrap(), RunOutcome::Skipped);
        job_run::finish(&mut other, id, Err("killed")).unwrap();
    }
    assert!(matches!(
        run_daily(&mut mine, &app.config).unwrap(),
        RunOutcome::Done(_)
    ));
    // And once it succeeded, the other server finds today done.
    assert_eq!(run_daily(&mut other, &app.config).unwrap(), RunOutcome::Skipped);
    let outcomes: Vec<String> = job_runs::table
        .filter(job_runs::job.eq(JOB))
        .order(job_runs::id.asc())
        .select(job_runs::outcome)
        .load(&mut mine)
        .unwrap();
    assert_eq!(outcomes, [job_run::FAILED, job_run::OK]);
}

/// A TCP proxy to PostgreSQL that can be stopped (every connection cut, the port closed) and
/// started again on the same port: the database going away and coming back.
struct Proxy {
    port: u16,
    target: SocketAddr,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    fn new(target: SocketAddr) -> Proxy {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Proxy {
            port,
            target,
            stop: Arc::new(AtomicBool::new(false)),
            conns: Arc::new(Mutex::new(Vec::new())),
            thread: None,
        }
    }

    fn start(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        self.stop.store(false, Ordering::SeqCst);
        let (stop, conns, target) = (self.stop.clone(), self.conns.clone(), self.target);
        self.thread = Some(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok((down, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                down.set_nonblocking(false).unwrap();
                let Ok(up) = TcpStream::connect(target) else {
                    continue;
                };
                let mut list = conns.lock().unwrap();
                list.push(down.try_clone().unwrap());
                list.push(up.try_clone().unwrap());
                for (mut from, mut to) in [(down.try_clone().unwrap(), up.try_clone().unwrap()), (up, down)] {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 8192];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 || to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        }));
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Asserts that the server answers 503 fast, with `Retry-After`, on the probe, a page and the
/// JSON API; returns the probe's time.
fn assert_unavailable_fast(server: &Server) -> Duration {
    let (status, retry, body, took) = server.get("/healthz");
    assert_eq!(status, 503, "{body}");
    assert!(took < FAST, "/healthz took {took:?}");
    assert!(retry.is_some());
    assert!(body.contains("unavailable"), "{body}");
    let (status, retry, body, t) = server.get("/merchants/1");
    assert_eq!(status, 503, "{body}");
    assert!(t < FAST, "a page took {t:?}");
    assert_eq!(retry.as_deref(), Some("5"));
    // In the reader's language (Chinese unless English was asked for).
    assert!(body.contains("数据库暂时不可用，请稍后再试"), "{body}");
    let (status, _, body, _) = server.get("/merchants/1?lang=en");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("The database is temporarily unavailable"), "{body}");
    let (status, retry, body, t) = server.get("/api/v1/public/merchants/1");
    assert_eq!(status, 503, "{body}");
    assert!(t < FAST, "the API took {t:?}");
    assert!(retry.is_some());
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"], "unavailable");
    took
}

fn wait_ready(server: &Server) -> Duration {
    let t = Instant::now();
    wait_for("the server to be ready again", || {
        (server.get("/healthz").0 == 200).then_some(())
    });
    let (status, _, body, _) = server.get("/merchants/1");
    assert_eq!(status, 200, "{body}");
    t.elapsed()
}

#[test]
fn an_unreachable_database_is_a_fast_503_and_the_server_recovers_without_restart() {
    let app = TestApp::spawn();
    match &app.db {
        TestDb::Sqlite { url, .. } => {
            // The file is on a volume that is not there yet (not mounted, deleted directory).
            let dir = tempfile::tempdir().unwrap();
            let later = dir.path().join("volume");
            let path = later.join("gongzhi.db");
            let server = Server::start(state_with_pool(
                &app,
                unchecked_pool(&app, &format!("sqlite://{}", path.display())),
            ));
            let took = assert_unavailable_fast(&server);
            eprintln!("sqlite: /healthz answered 503 in {took:?}");
            // The volume comes back with the database on it.
            std::fs::create_dir(&later).unwrap();
            app.conn()
                .batch_execute(&format!("VACUUM INTO '{}'", path.display()))
                .unwrap();
            let _ = url;
            eprintln!("sqlite: ready again after {:?}", wait_ready(&server));
        }
        TestDb::Postgres { url, .. } => {
            let parsed = url::Url::parse(url).unwrap();
            let target: SocketAddr =
                format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap_or(5432))
                    .parse()
                    .unwrap();
            let mut proxy = Proxy::new(target);
            proxy.start();
            let mut via = parsed.clone();
            via.set_port(Some(proxy.port)).unwrap();
            let server = Server::start(state_with_pool(&app, unchecked_pool(&app, via.as_str())));
            assert_eq!(server.get("/healthz").0, 200);
            // The database server goes away: every connection cut, nobody listening.
            proxy.stop();
            let took = assert_unavailable_fast(&server);
            eprintln!("postgres: /healthz answered 503 in {took:?}");
            proxy.start();
            eprintln!("postgres: ready again after {:?}", wait_ready(&server));
        }
    }
}

#[test]
fn a_database_that_cannot_be_written_fails_the_health_check() {
    let app = TestApp::spawn();
    assert_eq!(app.get_text("/healthz").0, 200);
    let url = match &app.db {
        TestDb::Sqlite { url, .. } => {
            // Opened read-only (a read-only file or file system).
            let path = url.strip_prefix("sqlite://").unwrap();
            format!("sqlite://file:{path}?mode=ro")
        }
        TestDb::Postgres { url, name, .. } => {
            app.conn()
                .batch_execute(&format!(
                    "ALTER DATABASE {name} SET default_transaction_read_only = on"
                ))
                .unwrap();
            url.clone()
        }
    };
    let db_url = gongzhi::config::DatabaseUrl::parse(&url).unwrap();
    let pool =
        gongzhi::db::build_pool_with(&db_url, gongzhi::db::PoolOptions::from_config(&app.config, 2)).unwrap();
    let server = Server::start(state_with_pool(&app, pool));
    let (status, retry, body, took) = server.get("/healthz");
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some());
    assert!(took < FAST, "{took:?}");
    // Reads still work: only the readiness probe says the server cannot do its job.
    assert_eq!(server.get("/merchants/1").0, 200);
}

/// Takes the write lock the way an import's transaction holds it, on a connection of its own.
fn hold_write_lock(conn: &mut DbConn) {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("BEGIN IMMEDIATE").unwrap(),
        DbConn::Postgresql(c) => c
            .batch_execute(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock({})",
                gongzhi::db::models::WRITE_LOCK_KEY
            ))
            .unwrap(),
    }
}

fn release_write_lock(conn: &mut DbConn) {
    conn.batch_execute("ROLLBACK").unwrap();
}

/// The recipient whose email the SMTP server below holds.
const GATED: &str = "owner@shop.test";

/// An SMTP server that, when a message to [`GATED`] has arrived, tells the test and waits for
/// its go before it answers 250 — so the test can take the database's write lock between the
/// delivery and the worker recording it. Other messages (the demo town's) pass at once.
#[derive(Clone)]
struct GatedSmtp {
    got: Arc<Mutex<Vec<Vec<u8>>>>,
    current: Vec<u8>,
    gated: bool,
    arrived: Arc<Mutex<mpsc::Sender<()>>>,
    go: Arc<Mutex<mpsc::Receiver<()>>>,
}

impl mailin_embedded::Handler for GatedSmtp {
    fn data_start(&mut self, _: &str, _: &str, _: bool, to: &[String]) -> mailin_embedded::Response {
        self.current.clear();
        self.gated = to.iter().any(|t| t.contains(GATED));
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        if !self.gated {
            return mailin_embedded::response::OK;
        }
        self.got.lock().unwrap().push(std::mem::take(&mut self.current));
        let _ = self.arrived.lock().unwrap().send(());
        let _ = self.go.lock().unwrap().recv_timeout(Duration::from_secs(20));
        mailin_embedded::response::OK
    }
}

#[test]
fn a_held_write_lock_makes_writes_503_not_500_and_sends_no_email_twice() {
    let (arrived_tx, arrived) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    let smtp = GatedSmtp {
        got: Arc::new(Mutex::new(Vec::new())),
        current: Vec::new(),
        gated: false,
        arrived: Arc::new(Mutex::new(arrived_tx)),
        go: Arc::new(Mutex::new(go_rx)),
    };
    let got = smtp.got.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let smtp_url = format!("smtp://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        let mut server = mailin_embedded::Server::new(smtp);
        server.with_name("smtp.test").with_tcp_listener(listener);
        let _ = server.serve();
    });
    let app = TestApp::spawn_with_config(
        true,
        &[
            ("GONGZHI_SMTP_URL", &smtp_url),
            ("GONGZHI_MAIL_POLL_SECS", "0.1"),
            ("GONGZHI_DB_BUSY_TIMEOUT_MS", "300"),
        ],
        true,
    );
    app.login("admin", "gongzhi-demo");
    let csrf = app.csrf("/staff/users");
    let inspector: i32 = gongzhi::db::schema::users::table
        .filter(gongzhi::db::schema::users::username.eq("inspector"))
        .select(gongzhi::db::schema::users::id)
        .first(&mut app.conn())
        .unwrap();
    let toggle = |active: &str| {
        let t = Instant::now();
        let r = app.post_form(
            &format!("/staff/users/{inspector}/active"),
            &[("csrf", &csrf), ("active", active)],
        );
        let status = r.status().as_u16();
        let retry = r.headers().get("retry-after").is_some();
        (status, retry, r.text().unwrap(), t.elapsed())
    };
    assert_eq!(toggle("true").0, 303);

    // An email is queued; the worker sends it; while the SMTP server holds its answer, someone
    // else (an import) takes the write lock.
    let id = gongzhi::mail::outbox::enqueue(
        &mut app.conn(),
        gongzhi::mail::outbox::NewMail {
            kind: "test",
            to: GATED,
            notice_id: None,
            rendered: gongzhi::mail::render::Rendered {
                subject: "测试 / Test".into(),
                text: "你好".into(),
                html: "<p>你好</p>".into(),
            },
        },
        &app.config.base_url,
    )
    .unwrap();
    arrived
        .recv_timeout(Duration::from_secs(20))
        .expect("the worker sends the email");
    let mut importer = common::open(&app.db);
    hold_write_lock(&mut importer);
    go.send(()).unwrap();

    // A write meanwhile waits the busy timeout, then is told to come back: 503, not 500.
    let (status, retry, body, took) = toggle("false");
    assert_eq!(status, 503, "{body}");
    assert!(retry, "a 503 says when to come back");
    assert!(body.contains("数据库暂时不可用"), "{body}");
    assert!(took < FAST, "{took:?}");
    // The readiness probe says so too, within about a second.
    let t = Instant::now();
    let r = app.get("/healthz");
    assert_eq!(r.status().as_u16(), 503);
    assert!(t.elapsed() < FAST, "{:?}", t.elapsed());
    // The worker cannot record the delivery yet; it keeps trying instead of giving the row back.
    std::thread::sleep(Duration::from_millis(1500));
    let row = gongzhi::mail::outbox::find(&mut app.conn(), id).unwrap().unwrap();
    assert!(row.sent_at.is_none());

    // The lock is released: the delivery is recorded, once, and nothing is sent again.
    release_write_lock(&mut importer);
    let row = wait_for("the delivery to be recorded", || {
        gongzhi::mail::outbox::find(&mut app.conn(), id)
            .unwrap()
            .filter(|r| r.sent_at.is_some())
    });
    assert_eq!(row.attempts, 1);
    assert_eq!(
        gongzhi::mail::outbox::attempts_of(&mut app.conn(), id)
            .unwrap()
            .len(),
        1
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(got.lock().unwrap().len(), 1, "the email was sent once");
    assert_eq!(toggle("false").0, 303);
}

#[test]
fn writes_go_through_while_a_large_import_runs() {
    let app = TestApp::spawn();
    app.login("admin", "gongzhi-demo");
    let csrf = app.csrf("/staff/users");
    let inspector: i32 = gongzhi::db::schema::users::table
        .filter(gongzhi::db::schema::users::username.eq("inspector"))
        .select(gongzhi::db::schema::users::id)
        .first(&mut app.conn())
        .unwrap();
    let file = format!("{}/tests/fixtures/fhrs-belfast.csv", env!("CARGO_MANIFEST_DIR"));
    let establishments =
        gongzhi::import::fhrs::parse_fhrs_file(std::path::Path::new(&file), &mut |_| {}).unwrap();
    let mut conn = common::open(&app.db);
    let policy = gongzhi::services::policy::active_policy(&mut conn).unwrap();
    let today = app.config.today();
    let done = Arc::new(AtomicBool::new(false));
    let finished = done.clone();
    let import = std::thread::spawn(move || {
        let actor = gongzhi::db::models::audit::Actor::system("import");
        let t = Instant::now();
        let r = gongzhi::services::import::import_fhrs(
            &mut conn,
            &policy,
            &establishments,
            today,
            &actor,
            &mut |_| {},
        );
        finished.store(true, Ordering::SeqCst);
        (r.unwrap(), t.elapsed())
    });
    let mut statuses = Vec::new();
    let mut slowest = Duration::ZERO;
    let mut active = false;
    while !done.load(Ordering::SeqCst) {
        let t = Instant::now();
        let r = app.post_form(
            &format!("/staff/users/{inspector}/active"),
            &[("csrf", &csrf), ("active", if active { "true" } else { "false" })],
        );
        slowest = slowest.max(t.elapsed());
        statuses.push(r.status().as_u16());
        active = !active;
        std::thread::sleep(Duration::from_millis(20));
    }
    let (report, took) = import.join().unwrap();
    eprintln!(
        "import of {} establishments took {took:?}; {} writes beside it, slowest {slowest:?}",
        report.establishments,
        statuses.len()
    );
    assert!(report.merchants_created > 3000);
    assert!(!statuses.is_empty());
    assert!(statuses.iter().all(|&s| s == 303), "{statuses:?}");
    // The batches kept the audit chain whole.
    let v = gongzhi::db::models::audit::verify(&mut app.conn()).unwrap();
    assert!(
        matches!(v, gongzhi::db::models::audit::Verification::Intact { .. }),
        "{v:?}"
    );
}

/// Requests waiting for the database are served in the order they came (one slot here, so the
/// order is strict), and one that finds every slot held longer than `GONGZHI_DB_WAIT_MS` gets
/// 503 (unavailable) within about that wait, not a hang and not a 500.
#[test]
fn requests_wait_for_the_database_in_order_and_give_503_after_the_wait() {
    let app = TestApp::spawn_with(false);
    let mut state = state_with_pool(&app, app.pool.clone());
    state.db_slots = Arc::new(tokio::sync::Semaphore::new(1));
    let wait = state.config.db_wait;
    actix_web::rt::System::new().block_on(async move {
        let state = actix_web::web::Data::new(state);
        // One request holds the only slot a moment; twenty more queue behind it, one by one.
        let order = Arc::new(Mutex::new(Vec::new()));
        let hold = wait / 4;
        let first = {
            let state = state.clone();
            actix_web::rt::spawn(async move {
                gongzhi::web::with_db(&state, move |_| {
                    std::thread::sleep(hold);
                    Ok(())
                })
                .await
            })
        };
        let mut queued = Vec::new();
        for i in 0..20 {
            actix_web::rt::time::sleep(Duration::from_millis(2)).await;
            let (state, order) = (state.clone(), order.clone());
            queued.push(actix_web::rt::spawn(async move {
                gongzhi::web::with_db(&state, move |_| {
                    order.lock().unwrap().push(i);
                    Ok(())
                })
                .await
            }));
        }
        first.await.unwrap().unwrap();
        for q in queued {
            q.await.unwrap().unwrap();
        }
        assert_eq!(
            *order.lock().unwrap(),
            (0..20).collect::<Vec<_>>(),
            "served in arrival order"
        );

        // The slot held for twice the wait: the next request is told the database is unavailable.
        let holder = {
            let state = state.clone();
            actix_web::rt::spawn(async move {
                gongzhi::web::with_db(&state, move |_| {
                    std::thread::sleep(wait * 2);
                    Ok(())
                })
                .await
            })
        };
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        let asked = Instant::now();
        let late = gongzhi::web::with_db(&state, |_| Ok(())).await;
        let took = asked.elapsed();
        match late {
            Err(e) => {
                use actix_web::ResponseError;
                assert!(e.unavailable(), "{e:?}");
                assert_eq!(e.status_code(), 503, "{e:?}");
            }
            Ok(()) => panic!("served though the only slot was held past the wait"),
        }
        assert!(
            took >= wait && took < wait + FAST,
            "answered after {took:?} (wait {wait:?})"
        );
        holder.await.unwrap().unwrap();
    });
}
