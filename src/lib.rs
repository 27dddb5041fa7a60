//! gongzhi (共治): a merchant self-governance alliance platform — training, rating,
//! rectification. This crate root only wires the parts together: it opens the database, loads
//! the policy, and builds the actix server from a [`config::Config`].
#![forbid(unsafe_code)]

pub mod config;
pub mod db;
pub mod domain;
pub mod i18n;
pub mod import;
pub mod mail;
pub mod services;
pub mod web;

#[cfg(test)]
mod layers;

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::{config::PersistentSession, storage::CookieSessionStore, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use actix_web::{dev::Server, middleware, web as aw, App, HttpServer};
use rand::RngCore;

use config::Config;
use db::models::settings;
use web::AppState;

/// Everything a running server needs, ready before the first request.
pub struct Prepared {
    /// Shared state for handlers.
    pub state: AppState,
    /// Signs and encrypts session cookies.
    pub session_key: Key,
    /// Whether the demo town was loaded by this start.
    pub demo_loaded: bool,
}

/// Opens the database, runs migrations, makes sure a session secret exists, and loads the demo
/// town into an empty database when the configuration asks for it.
pub fn prepare(config: Config) -> anyhow::Result<Prepared> {
    let pool = db::build_pool_with(
        &config.database,
        db::PoolOptions {
            sqlite_mmap_bytes: config.sqlite_mmap_bytes,
            sqlite_wal_autocheckpoint: db::SERVER_WAL_AUTOCHECKPOINT,
            ..db::PoolOptions::from_config(&config, 8)
        },
    )?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let secret = match &config.session_secret {
        Some(s) => s.clone(),
        None => {
            let mut bytes = [0u8; 64];
            rand::thread_rng().fill_bytes(&mut bytes);
            let stored = settings::get_or_insert(&mut conn, "session_secret", &hex::encode(bytes))?;
            hex::decode(stored)?
        }
    };
    let session_key = Key::derive_from(&secret);
    let policy = services::policy::active_policy(&mut conn)?;
    // The demo's accounts have a published password: on an address others can reach, load it
    // only when GONGZHI_DEMO=true was set on purpose.
    let demo_loaded = if config.demo_on_first_start && (config.demo_explicit || config.binds_loopback()) {
        services::demo::load_if_empty(&mut conn, &policy, &config)?
    } else {
        false
    };

    // The public lists are read now, not by the first visitors after a start.
    let lists: Arc<services::lists::ListCache> = Default::default();
    for list in [domain::words::ListStatus::Red, domain::words::ListStatus::Black] {
        if let Err(e) = lists.get(&mut conn, list) {
            tracing::warn!(error = %e, "could not read the public lists at start; the first visitor will");
        }
    }
    drop(conn);
    let record_bytes = config.record_cache_bytes;
    Ok(Prepared {
        state: AppState {
            db_slots: AppState::db_slots_for(&pool),
            pool,
            config,
            policy: Arc::new(services::policy::PolicyStore::new(policy)),
            lists,
            pages: Default::default(),
            records: Arc::new(web::cache::RecordCache::with_bytes(record_bytes)),
            search: Default::default(),
            editions: Arc::new(web::cache::EditionCache::with_bytes(record_bytes / 4)),
            throttle: Default::default(),
        },
        session_key,
        demo_loaded,
    })
}

/// Builds the HTTP server on `listener` with `workers` worker threads.
pub fn server(prepared: &Prepared, listener: TcpListener, workers: usize) -> std::io::Result<Server> {
    let state = aw::Data::new(prepared.state.clone());
    let key = prepared.session_key.clone();
    let secure = prepared.state.config.base_url.starts_with("https://");
    // The cookie lives as long as the longest session; the server decides when it really ends.
    let session_ttl = prepared.state.config.session_limits.absolute.num_seconds();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(
                aw::FormConfig::default()
                    .limit(256 * 1024)
                    .error_handler(|err, _| {
                        web::AppError::invalid(
                            "form",
                            "表单内容无法解析。",
                            &format!("The form could not be read: {err}"),
                        )
                        .into()
                    }),
            )
            .app_data(
                aw::JsonConfig::default()
                    .limit(1024 * 1024)
                    .error_handler(web::error::json_error),
            )
            .app_data(aw::QueryConfig::default().error_handler(web::error::query_error))
            .wrap(middleware::from_fn(web::error::localize))
            .wrap(middleware::from_fn(web::remember_lang))
            // Inside the session middleware: resolves the cookie's session id to its user.
            .wrap(middleware::from_fn(web::guard::load_user))
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                    .cookie_name("gongzhi_session".into())
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_secure(secure)
                    .session_lifecycle(
                        PersistentSession::default()
                            .session_ttl(actix_web::cookie::time::Duration::seconds(session_ttl)),
                    )
                    .build(),
            )
            // Just inside `Compress`: small answers are not worth compressing.
            .wrap(middleware::from_fn(web::cache::plain_when_small))
            .wrap(middleware::Compress::default())
            .wrap(middleware::from_fn(web::security_headers::add))
            .wrap(tracing_actix_web::TracingLogger::<web::request_span::RequestSpan>::new())
            .configure(web::routes)
            .default_service(aw::to(|| async {
                Err::<actix_web::HttpResponse, _>(web::AppError::NotFound)
            }))
    })
    .workers(workers)
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Starts the outbox worker that sends queued email over SMTP (see [`mail::worker`]); call it
/// inside the actix system that runs the server, as `gongzhi serve` does. [`server`] does not
/// start it, so tests choose whether they want mail sent.
pub fn spawn_outbox_worker(state: AppState) {
    mail::worker::spawn(state.pool, state.config, services::notices::on_email_sent);
}

/// Builds the consumers' search index in the background now, so the first searches after a
/// start wait for one build (a few hundred milliseconds for 100,000 merchants) already under way
/// instead of each finding none.
pub fn spawn_search_index(state: AppState) {
    std::thread::spawn(move || {
        let built = state.pool.get().map_err(anyhow::Error::from).and_then(|mut c| {
            let checked = web::cache::Checked::now();
            let version = services::search::version(&mut c)?;
            state.search.at(&mut c, version, checked)?;
            Ok(())
        });
        if let Err(e) = built {
            tracing::warn!(error = %e, "could not build the search index at start; the first search will");
        }
    });
}

/// The log's length in pages (64 MiB at SQLite's 4 KiB pages) past which
/// [`spawn_wal_checkpoints`] checkpoints again at once rather than every
/// [`WAL_CHECKPOINT_EVERY`].
const WAL_CATCH_UP_PAGES: i32 = 16_384;

/// The pause between two of those checkpoints.
const WAL_CATCH_UP_PAUSE: std::time::Duration = std::time::Duration::from_millis(1);

/// How many such checkpoints in a row at most (about a second's worth).
const WAL_CATCH_UP_TRIES: u32 = 1_000;

/// What `PRAGMA wal_checkpoint` answers (besides whether it was busy and what it copied).
#[derive(diesel::QueryableByName)]
struct Checkpointed {
    /// Pages in the log.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
}

/// How often [`spawn_wal_checkpoints`] copies SQLite's write-ahead log into the database file.
pub const WAL_CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// On SQLite, copies the write-ahead log into the database file from a thread and connection of
/// its own (`PRAGMA wal_checkpoint(PASSIVE)`, which waits for no reader or writer and does its
/// fsyncs outside every request): every [`WAL_CHECKPOINT_EVERY`], and while the log is longer than
/// [`WAL_CATCH_UP_PAGES`], every millisecond. Under steady writes a passive checkpoint seldom copies
/// the whole log (pages come in while it copies), and the log starts again from its beginning only
/// after one did. Trying every millisecond keeps what is left to copy small: the log then starts
/// again every couple of seconds under 16 inspectors (sampled: it grows to 55,000–65,000 pages),
/// sometimes after this thread's checkpoint and sometimes after the one a writer makes past
/// [`db::SERVER_WAL_AUTOCHECKPOINT`], which now has little to copy. Before, the writers' own
/// checkpoints past 16,384 pages, fsyncs in a request's turn, were the slowest requests' wait:
/// 16 inspectors' p99 61–64 → 27–28 ms, for ~11 % fewer requests a second
/// (scripts/write-load.sh, docs/performance.md).
pub fn spawn_wal_checkpoints(config: &Config) {
    if config.database.backend != config::Backend::Sqlite {
        return;
    }
    let url = config.database.clone();
    let spawned = std::thread::Builder::new()
        .name("wal-checkpoint".into())
        .spawn(move || {
            use diesel::RunQueryDsl;
            let checkpoint = |c: &mut db::DbConn| -> diesel::QueryResult<Checkpointed> {
                db::dispatch!(c, |c| diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
                    .get_result(c))
            };
            let mut conn = None;
            loop {
                std::thread::sleep(WAL_CHECKPOINT_EVERY);
                if conn.is_none() {
                    conn = db::establish(&url).ok();
                }
                let Some(c) = conn.as_mut() else { continue };
                // Past WAL_CATCH_UP_PAGES, again and again until the log has started again; at
                // most WAL_CATCH_UP_TRIES, then the usual pause.
                let mut tries = 0;
                let done = loop {
                    match checkpoint(c) {
                        Err(e) => break Err(e),
                        Ok(p) if p.log < WAL_CATCH_UP_PAGES || tries >= WAL_CATCH_UP_TRIES => break Ok(()),
                        Ok(_) => tries += 1,
                    }
                    std::thread::sleep(WAL_CATCH_UP_PAUSE);
                };
                if let Err(e) = done {
                    tracing::debug!(error = %e, "background WAL checkpoint failed; will reconnect");
                    conn = None;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the WAL checkpoint thread; writers checkpoint");
    }
}

/// The longest the record watch waits between two looks at the database: half the recheck
/// interval, so that a look is never older than the interval (see [`web::cache::ChangeWatch`]).
fn record_watch_every(recheck: std::time::Duration) -> std::time::Duration {
    (recheck / 2).max(std::time::Duration::from_millis(20))
}

/// Records drawn with one pooled connection before it goes back to the pool.
const WARM_CHUNK: usize = 200;

/// Starts the record watch and, when `GONGZHI_RECORD_WARM` is on, the record warm-up, each on a
/// thread of its own.
///
/// - The watch reads [`db::change_mark`] on a connection of its own every half recheck interval
///   (`GONGZHI_PUBLIC_RECHECK_MS`) and tells the record cache ([`web::cache::ChangeWatch`]):
///   while nothing is committed, a kept record is served with no query at all, instead of one
///   version query per visit once its last check is older than the interval (a visit to one of
///   100,000 records is seldom less than a second after the one before).
/// - The warm-up then draws every merchant's public record in Chinese (the language of a
///   visitor whose browser says nothing) into the record cache, in id order, until the cache is
///   full ([`web::cache::RecordCache::has_room_for`]): the first visitor of a record finds it
///   drawn. It runs at the lowest scheduling priority (Linux), so requests go first on a busy
///   machine, and says when it is done (`merchant records drawn` in the log, at info level of
///   `gongzhi::records`). Records it finds kept at their current version are skipped; one that
///   changes later is drawn again by its next visit, as before.
pub fn spawn_record_watch(state: AppState) {
    // With GONGZHI_PUBLIC_RECHECK_MS=0 every visit asks the database: nothing to watch.
    let watching = !state.config.public_recheck.is_zero();
    if watching {
        spawn_watch(&state);
    }
    if !state.config.record_warm {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("record-warm".into())
        .spawn(move || {
            lowest_priority();
            // Records drawn before the watch's first look would carry no epoch.
            for _ in 0..1_000 {
                if !watching || state.records.watch().epoch() != 0 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            let started = std::time::Instant::now();
            match warm_records(&state) {
                Ok((drawn, merchants, full)) => tracing::info!(
                    target: "gongzhi::records",
                    drawn,
                    merchants,
                    full,
                    seconds = started.elapsed().as_secs_f64(),
                    "merchant records drawn into the cache"
                ),
                Err(e) => tracing::warn!(
                    target: "gongzhi::records",
                    error = %e,
                    "the record warm-up stopped; the records not drawn yet will be drawn on their first visit"
                ),
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the record warm-up");
    }
}

/// The record watch's thread (see [`spawn_record_watch`]).
fn spawn_watch(state: &AppState) {
    let every = record_watch_every(state.config.public_recheck);
    // The watch ends with the server's state (a test's server), not before.
    let records = Arc::downgrade(&state.records);
    let config = state.config.clone();
    let spawned = std::thread::Builder::new().name("record-watch".into()).spawn(move || {
        let mut conn = None;
        loop {
            let Some(records) = records.upgrade() else { return };
            if conn.is_none() {
                conn = db::establish(&config.database).ok();
            }
            if let Some(c) = conn.as_mut() {
                let writes = db::models::writes_ended();
                let at = std::time::Instant::now();
                match db::change_mark(c) {
                    // A new day changes what a record shows (deadlines passed, the year whose
                    // commendations are displayed): a new epoch too.
                    Ok(mark) => {
                        records.watch().saw(format!("{} {mark}", config.today()), writes, at);
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "the record watch could not read the database; will reconnect");
                        conn = None;
                    }
                }
            }
            drop(records);
            std::thread::sleep(every);
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the record watch; records are checked on every visit");
    }
}

/// Draws every merchant's record in Chinese into the cache until it is full: how many were
/// drawn, how many merchants there are, and whether the cache filled up first.
///
/// A record already kept and checked at the watch's current epoch is skipped. When the
/// database changed while a pass ran (PostgreSQL's autovacuum analysing a table it just loaded
/// does), the records checked before the change would each need a query on their first visit:
/// another pass checks them again — a version query each, no drawing when nothing they show
/// changed — at most [`WARM_PASSES`] passes.
///
/// On PostgreSQL [`WARM_THREADS_PG`] threads share the merchants: a record there is a dozen
/// round trips, and one thread spent most of its time waiting for them (100,000 records took
/// 99 s). On SQLite, where drawing is all processor, one.
pub fn warm_records(state: &AppState) -> anyhow::Result<(usize, usize, bool)> {
    use diesel::prelude::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let ids: Vec<i32> = {
        let mut c = state.pool.get()?;
        db::schema::merchants::table
            .select(db::schema::merchants::id)
            .order(db::schema::merchants::id)
            .load(&mut *c)?
    };
    let threads = match state.config.database.backend {
        config::Backend::Postgres => WARM_THREADS_PG,
        config::Backend::Sqlite => 1,
    };
    let lang = web::Lang::Zh;
    let drawn = AtomicUsize::new(0);
    let full = AtomicBool::new(false);
    // One thread's share of a pass: every `threads`-th chunk of the merchants.
    let share = |first: usize| -> anyhow::Result<()> {
        if first > 0 {
            lowest_priority();
        }
        for chunk in ids.chunks(WARM_CHUNK).skip(first).step_by(threads) {
            let mut c = state.pool.get()?;
            for &id in chunk {
                if full.load(Ordering::Relaxed) {
                    return Ok(());
                }
                if state.records.is_current(id, lang) {
                    continue;
                }
                // A record is ~3 KB packed: stop before the cache would push kept ones out.
                if !state.records.has_room_for(16 << 10) {
                    full.store(true, Ordering::Relaxed);
                    return Ok(());
                }
                if web::public::warm_record(state, &mut c, id, lang).map_err(|e| anyhow::anyhow!("{e}"))? {
                    drawn.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(())
    };
    for _ in 0..WARM_PASSES {
        let epoch = state.records.watch().epoch();
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let others: Vec<_> = (1..threads).map(|t| scope.spawn(move || share(t))).collect();
            let mut done = share(0);
            for o in others {
                let theirs = o
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a warm-up thread panicked")));
                done = done.and(theirs);
            }
            done
        })?;
        if full.load(Ordering::Relaxed) || state.records.watch().epoch() == epoch {
            break;
        }
    }
    Ok((drawn.into_inner(), ids.len(), full.into_inner()))
}

/// Threads that draw records on PostgreSQL (see [`warm_records`]): each holds one of the pool's
/// eight connections while it draws a chunk, so five stay for requests.
const WARM_THREADS_PG: usize = 3;

/// Passes of the warm-up at most (see [`warm_records`]).
const WARM_PASSES: usize = 3;

/// Lowers the calling thread to the lowest scheduling priority (nice 19; on Linux a thread's
/// own, via `thread-priority`), so that background work takes what requests leave of the
/// processor.
fn lowest_priority() {
    if let Err(e) = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min) {
        tracing::debug!(error = ?e, "could not lower the record warm-up's priority");
    }
}

/// Starts the daily job (overdue notices, reminders, rating decay) on the current actix system:
/// at local midnight (`GONGZHI_TIME_ZONE`), at once when today has no successful run, retried
/// with backoff after a failure, each run recorded in `job_runs`; see [`services::daily`].
pub fn spawn_daily_recompute(state: AppState) {
    actix_web::rt::spawn(services::daily::schedule(state.pool, state.config));
}
