//! Full recompute on SQLite (or PostgreSQL): 100,000 merchants with 1,000,000 inspections, 200,000 violations,
//! 20,000 notices, 10,000 verified complaints and 50,000 training attendances.
//!
//! Run with `cargo bench --bench recompute`. Scale with `GONGZHI_BENCH_MERCHANTS` (default
//! 100000; inspections = 10x, violations = 2x, notices = x/5, complaints = x/10, attendance = x/2).
//! `GONGZHI_BENCH_DB=/path/file.db` keeps the database there instead of in a temporary directory.
//! `GONGZHI_BENCH_URL=postgres://…` runs it on that PostgreSQL database instead, which must be new
//! (created empty).
//!
//! Peak resident memory (`VmHWM`) is printed after each recompute, reset before the first.
//! `GONGZHI_LOG=gongzhi=debug` adds the recompute's own split of its time.
//! `GONGZHI_BENCH_REUSE=1` keeps a town already loaded at the asked size (the SQLite file or the
//! PostgreSQL database) and only clears its ratings, so that a second measurement does not load
//! 500,000 merchants again.
//!
//! Loading the synthetic data (raw multi-row INSERTs in one transaction) is timed but is not part
//! of the figure. Then `recompute_all` runs twice: the first run changes every merchant (merchant
//! row, snapshot, list entries, audit entry each), the second finds nothing changed (steady state).
//! Each prints its wall time and the report's read / compute / write split. Finally the engine alone
//! is timed over the histories as loaded.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use gongzhi::config::DatabaseUrl;
use gongzhi::db::models::audit::{self, Actor};
use gongzhi::db::schema::{audit_log, list_entries, merchants, rating_snapshots};
use gongzhi::db::DbConn;
use gongzhi::domain::policy::Policy;
use gongzhi::domain::rating::rate;
use gongzhi::services::rating::{load_histories, recompute_all, RecomputeReport};

/// Rows per INSERT statement.
const ROWS_PER_STATEMENT: usize = 500;
/// Days of history before `as_of`.
const SPAN_DAYS: u64 = 730;

/// Small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Builds multi-row INSERTs of one table and runs them every `ROWS_PER_STATEMENT` rows.
struct Inserter<'a> {
    head: &'a str,
    sql: String,
    rows: usize,
    total: usize,
}

impl<'a> Inserter<'a> {
    fn new(head: &'a str) -> Self {
        Self {
            head,
            sql: String::with_capacity(ROWS_PER_STATEMENT * 160),
            rows: 0,
            total: 0,
        }
    }

    /// Starts the next row; the caller appends its values (without parentheses).
    fn row(&mut self, conn: &mut DbConn) -> QueryResult<&mut String> {
        if self.rows == ROWS_PER_STATEMENT {
            self.flush(conn)?;
        }
        if self.rows == 0 {
            self.sql.clear();
            self.sql.push_str(self.head);
            self.sql.push_str(" VALUES ");
        } else {
            self.sql.push(',');
        }
        self.rows += 1;
        self.total += 1;
        Ok(&mut self.sql)
    }

    fn flush(&mut self, conn: &mut DbConn) -> QueryResult<()> {
        if self.rows > 0 {
            conn.batch_execute(&self.sql)?;
            self.rows = 0;
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Loaded {
    merchants: usize,
    inspections: usize,
    violations: usize,
    notices: usize,
    complaints: usize,
    trainings: usize,
    attendance: usize,
}

/// Loads the synthetic town. All values are numbers or fixed text, so building SQL text is safe.
fn load(conn: &mut DbConn, n: usize, as_of: NaiveDate) -> QueryResult<Loaded> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Date text for "k days before as_of", k in 0..=SPAN_DAYS+60 (deadlines may lie ahead).
    let start = as_of - Days::new(SPAN_DAYS);
    let day = |k: u64| -> String { (start + Days::new(k)).format("%Y-%m-%d").to_string() };
    let days: Vec<String> = (0..=SPAN_DAYS + 60).map(day).collect();
    let now = format!("{} 08:00:00", days[SPAN_DAYS as usize]);
    let mut out = Loaded::default();

    conn.transaction(|c| {
        // Merchants: three quarters are alliance members.
        let mut m = Inserter::new(
            "INSERT INTO merchants (id, name, category, address, area, member_since, created_at, updated_at)",
        );
        for id in 1..=n {
            let since = if rng.below(4) == 0 { "NULL" } else { "'2024-01-01'" };
            let s = m.row(c)?;
            let _ = write!(
                s,
                "({id},'商户{id}','restaurant','镇中路{id}号','area-{}',{since},'{now}','{now}')",
                id % 20
            );
        }
        m.flush(c)?;
        out.merchants = m.total;

        // Inspections: 10 per merchant over the span, mostly routine, some follow-ups; scores 55..=100.
        // Remember each merchant's inspection days for its violations and notices.
        let mut ins = Inserter::new(
            "INSERT INTO inspections (id, merchant_id, inspected_on, kind, score, created_at, updated_at)",
        );
        let mut viol = Inserter::new(
            "INSERT INTO violations (id, inspection_id, merchant_id, code, severity, found_on, created_at)",
        );
        let mut notice = Inserter::new(
            "INSERT INTO notices (id, number, year, seq, merchant_id, inspection_id, required_actions, \
             deadline, state, issued_at, verified_at, overdue_at)",
        );
        let mut complaint = Inserter::new(
            "INSERT INTO complaints (id, merchant_id, body, client_hash, status, created_at, triaged_at)",
        );
        let mut viol_id = 0usize;
        let mut notice_id = 0usize;
        let mut complaint_id = 0usize;
        for mid in 1..=n {
            let mut taken = [0u64; 10];
            for (k, slot) in taken.iter_mut().enumerate() {
                let iid = (mid - 1) * 10 + k + 1;
                let d = rng.below(SPAN_DAYS);
                *slot = d;
                let kind = if rng.below(100) < 15 {
                    "follow_up"
                } else {
                    "routine"
                };
                let score = 55 + rng.below(46);
                let s = ins.row(c)?;
                let _ = write!(
                    s,
                    "({iid},{mid},'{}','{kind}',{score},'{now}','{now}')",
                    days[d as usize]
                );
            }
            // Two violations, found at two of the merchant's inspections: minor/major/serious 70/25/5.
            for _ in 0..2 {
                viol_id += 1;
                let k = rng.below(10) as usize;
                let r = rng.below(100);
                let sev = if r < 70 {
                    "minor"
                } else if r < 95 {
                    "major"
                } else {
                    "serious"
                };
                let s = viol.row(c)?;
                let _ = write!(
                    s,
                    "({viol_id},{},{mid},'V{:02}','{sev}','{}','{now}')",
                    (mid - 1) * 10 + k + 1,
                    r % 30,
                    days[taken[k] as usize]
                );
            }
            // Every fifth merchant has a notice: 60% verified in time, 20% overdue, 20% open.
            if mid % 5 == 0 {
                notice_id += 1;
                let k = rng.below(10) as usize;
                let issued = taken[k];
                let deadline = issued + 15;
                let r = rng.below(10);
                let (state, verified, overdue) = if r < 6 {
                    let v = issued + 1 + rng.below(14);
                    (
                        "verified",
                        format!("'{} 10:00:00'", days[v.min(SPAN_DAYS) as usize]),
                        "NULL".into(),
                    )
                } else if r < 8 && deadline < SPAN_DAYS {
                    (
                        "overdue",
                        "NULL".to_string(),
                        format!("'{} 00:05:00'", days[deadline as usize + 1]),
                    )
                } else {
                    ("issued", "NULL".to_string(), "NULL".to_string())
                };
                let s = notice.row(c)?;
                let _ = write!(
                    s,
                    "({notice_id},'ZG-{notice_id:06}',2026,{notice_id},{mid},{},'整改','{}','{state}',\
                     '{} 09:00:00',{verified},{overdue})",
                    (mid - 1) * 10 + k + 1,
                    days[deadline as usize],
                    days[issued as usize]
                );
            }
            // Every tenth merchant has a verified complaint.
            if mid % 10 == 3 {
                complaint_id += 1;
                let d = rng.below(SPAN_DAYS) as usize;
                let s = complaint.row(c)?;
                let _ = write!(
                    s,
                    "({complaint_id},{mid},'投诉','h{complaint_id}','verified','{} 12:00:00','{} 15:00:00')",
                    days[d], days[d]
                );
            }
        }
        ins.flush(c)?;
        viol.flush(c)?;
        notice.flush(c)?;
        complaint.flush(c)?;
        out.inspections = ins.total;
        out.violations = viol.total;
        out.notices = notice.total;
        out.complaints = complaint.total;

        // Five trainings; every second merchant attended one of them.
        let mut tr = Inserter::new("INSERT INTO trainings (id, title, held_on, hours_tenths, created_at)");
        for t in 1..=5u64 {
            let s = tr.row(c)?;
            let _ = write!(
                s,
                "({t},'食品安全培训{t}','{}',{},'{now}')",
                days[(t * 120) as usize],
                10 + t * 5
            );
        }
        tr.flush(c)?;
        out.trainings = tr.total;
        let mut att = Inserter::new("INSERT INTO training_attendance (training_id, merchant_id)");
        for mid in (2..=n).step_by(2) {
            let s = att.row(c)?;
            let _ = write!(s, "({},{mid})", mid % 5 + 1);
        }
        att.flush(c)?;
        out.attendance = att.total;
        Ok::<_, diesel::result::Error>(())
    })?;
    match conn {
        // Start the measured runs from a checkpointed database, as a long-running server would.
        DbConn::Sqlite(_) => conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?,
        // The rows were given their ids: move each sequence past them, and give the planner
        // statistics of the loaded tables, as autovacuum would soon after.
        DbConn::Postgresql(_) => {
            for table in [
                "merchants",
                "inspections",
                "violations",
                "notices",
                "complaints",
                "trainings",
            ] {
                conn.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}));"
                ))?;
            }
            conn.batch_execute("ANALYZE;")?;
        }
    }
    Ok(out)
}

/// This process's peak resident memory since the last reset (Linux `VmHWM`), e.g. `812 MB`.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or_else(|| "unknown".into(), |kb| format!("{} MB", kb / 1024))
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// This process's time on a CPU and time spent runnable but waiting for one (Linux
/// `/proc/self/schedstat`), so that runs on a shared machine can be told apart from slow code.
fn sched() -> (Duration, Duration) {
    let s = std::fs::read_to_string("/proc/self/schedstat").unwrap_or_default();
    let mut f = s.split_whitespace().map(|x| x.parse::<u64>().unwrap_or(0));
    let on_cpu = f.next().unwrap_or(0);
    let waiting = f.next().unwrap_or(0);
    (Duration::from_nanos(on_cpu), Duration::from_nanos(waiting))
}

/// Runs `f`, returning its result, wall time, CPU time and run-queue wait.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration, Duration, Duration) {
    let (c0, w0) = sched();
    let t = Instant::now();
    let out = f();
    let wall = t.elapsed();
    let (c1, w1) = sched();
    (out, wall, c1.saturating_sub(c0), w1.saturating_sub(w0))
}

fn print_run(name: &str, (wall, cpu, wait): (Duration, Duration, Duration), r: &RecomputeReport) {
    let other = wall.saturating_sub(r.read + r.compute + r.write);
    println!(
        "{name}: {:.3} s wall ({:.3} s on CPU, {:.3} s waiting for a CPU) for {} merchants, {} changed — \
         read {:.3} s, compute {:.3} s, write {:.3} s (transaction/commit {:.3} s)",
        secs(wall),
        secs(cpu),
        secs(wait),
        r.merchants,
        r.changed,
        secs(r.read),
        secs(r.compute),
        secs(r.write),
        secs(other),
    );
    if r.changed > 0 {
        println!(
            "    write per changed merchant: {:.1} µs",
            secs(r.write) * 1e6 / r.changed as f64
        );
    }
}

fn main() -> anyhow::Result<()> {
    // `GONGZHI_LOG=gongzhi=debug` prints the recompute's own split (store, revocations, programme).
    if let Ok(filter) = std::env::var("GONGZHI_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .init();
    }
    let n: usize = std::env::var("GONGZHI_BENCH_MERCHANTS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(100_000);
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let policy = Policy::default_policy();
    let actor = Actor::system("bench");

    let tmp = tempfile::tempdir()?;
    if let Ok(url) = std::env::var("GONGZHI_BENCH_URL") {
        if !url.is_empty() {
            let url = DatabaseUrl::parse(&url).map_err(anyhow::Error::msg)?;
            let mut conn = gongzhi::db::establish(&url)?;
            gongzhi::db::run_migrations(&mut conn)?;
            let name = format!("PostgreSQL ({})", pg_durability(&mut conn)?);
            return run(conn, n, as_of, &policy, &actor, &name, None);
        }
    }
    let path = match std::env::var("GONGZHI_BENCH_DB") {
        Ok(p) if !p.is_empty() && reuse() => std::path::PathBuf::from(p),
        Ok(p) if !p.is_empty() => {
            let _ = std::fs::remove_file(&p);
            let _ = std::fs::remove_file(format!("{p}-wal"));
            let _ = std::fs::remove_file(format!("{p}-shm"));
            std::path::PathBuf::from(p)
        }
        _ => tmp.path().join("bench.db"),
    };
    let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).map_err(anyhow::Error::msg)?;
    let mut conn = gongzhi::db::establish(&url)?;
    gongzhi::db::run_migrations(&mut conn)?;
    run(
        conn,
        n,
        as_of,
        &policy,
        &actor,
        &path.display().to_string(),
        Some(&path),
    )
}

/// The server's durability settings, printed with the figures: `.ci/run` turns them off for its
/// throw-away databases while it runs, and figures from a cluster left that way are not a
/// deployment's.
fn pg_durability(conn: &mut DbConn) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let s: Setting = diesel::sql_query(
        "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) AS text FROM pg_settings \
         WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')",
    )
    .get_result(conn)?;
    Ok(s.text)
}

/// Loads the town into `conn` and times the recomputes; `file` is the SQLite file, for its size.
fn run(
    mut conn: DbConn,
    n: usize,
    as_of: NaiveDate,
    policy: &Policy,
    actor: &Actor,
    name: &str,
    file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    println!("recompute bench: {n} merchants, as of {as_of}, database {name}");
    let have: i64 = merchants::table.count().get_result(&mut conn)?;
    if reuse() && have == n as i64 {
        println!("reusing the loaded town (GONGZHI_BENCH_REUSE): ratings, snapshots, list entries and audit cleared");
        unrate(&mut conn)?;
        return measure(conn, policy, as_of, actor);
    }
    let (loaded, load_time, load_cpu, _) = timed(|| load(&mut conn, n, as_of));
    let loaded = loaded?;
    let size = file
        .and_then(|p| std::fs::metadata(p).ok())
        .map_or(0, |m| m.len());
    println!(
        "loaded in {:.3} s ({:.3} s on CPU): {} merchants, {} inspections, {} violations, {} notices, {} verified complaints, \
         {} trainings, {} attendances ({:.0} MB)",
        secs(load_time),
        secs(load_cpu),
        loaded.merchants,
        loaded.inspections,
        loaded.violations,
        loaded.notices,
        loaded.complaints,
        loaded.trainings,
        loaded.attendance,
        size as f64 / 1e6
    );
    measure(conn, policy, as_of, actor)
}

/// Whether `GONGZHI_BENCH_REUSE` asks to keep a town already loaded at this size.
fn reuse() -> bool {
    std::env::var("GONGZHI_BENCH_REUSE").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Takes a loaded town back to "never rated", as `load` leaves it, so that the first run
/// again changes every merchant.
fn unrate(conn: &mut DbConn) -> anyhow::Result<()> {
    conn.batch_execute(
        "DELETE FROM list_entries; DELETE FROM rating_snapshots; DELETE FROM audit_log; \
         UPDATE merchants SET current_score_tenths = NULL, current_stars = NULL, current_list = 'none', \
         rated_at = NULL, next_due_on = NULL, next_due_reason = NULL;",
    )?;
    match conn {
        DbConn::Sqlite(_) => conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?,
        DbConn::Postgresql(_) => conn.batch_execute("VACUUM ANALYZE;")?,
    }
    Ok(())
}

/// The measured part: two full recomputes, the engine alone, the audit chain's walk.
fn measure(mut conn: DbConn, policy: &Policy, as_of: NaiveDate, actor: &Actor) -> anyhow::Result<()> {
    // Peak memory from here on: the loading is not the recompute.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (first, wall, cpu, wait) = timed(|| recompute_all(&mut conn, policy, as_of, actor));
    let first = first?;
    print_run("first run (all change)", (wall, cpu, wait), &first);
    println!("    peak resident memory so far: {}", peak_rss());
    let counts = |c: &mut DbConn| -> QueryResult<(i64, i64, i64)> {
        Ok((
            rating_snapshots::table.count().get_result(c)?,
            list_entries::table.count().get_result(c)?,
            audit_log::table.count().get_result(c)?,
        ))
    };
    let (snaps, entries, audits) = counts(&mut conn)?;
    let lists: Vec<(String, i64)> = merchants::table
        .group_by(merchants::current_list)
        .select((merchants::current_list, diesel::dsl::count_star()))
        .load(&mut conn)?;
    println!("    wrote {snaps} snapshots, {entries} list entries, {audits} audit entries; lists {lists:?}");

    let (second, wall, cpu, wait) = timed(|| recompute_all(&mut conn, policy, as_of, actor));
    let second = second?;
    print_run("second run (steady)", (wall, cpu, wait), &second);
    println!("    peak resident memory so far: {}", peak_rss());

    // The engine alone, over the histories as loaded from the database.
    let t = Instant::now();
    let histories = load_histories(&mut conn, None, as_of)?;
    let read = t.elapsed();
    let t = Instant::now();
    let mut stars = 0u64;
    for h in histories.values() {
        let r = rate(black_box(h), policy, as_of);
        stars += u64::from(r.stars.unwrap_or(0));
        black_box(&r);
    }
    let engine = t.elapsed();
    // The snapshot's breakdown JSON, which the write phase builds once per changed merchant.
    let t = Instant::now();
    let mut json_bytes = 0usize;
    for h in histories.values() {
        json_bytes += serde_json::to_string(&rate(h, policy, as_of))?.len();
    }
    let engine_json = t.elapsed();
    println!(
        "engine alone: load_histories {:.3} s, rate {} merchants {:.3} s ({:.0}/s, stars checksum {stars}); \
         rate + breakdown JSON {:.3} s (avg {} bytes)",
        secs(read),
        histories.len(),
        secs(engine),
        histories.len() as f64 / secs(engine).max(1e-9),
        secs(engine_json),
        json_bytes / histories.len().max(1)
    );

    let t = Instant::now();
    let v = audit::verify(&mut conn)?;
    println!("audit verify: {:?} in {:.3} s", v, secs(t.elapsed()));
    Ok(())
}
