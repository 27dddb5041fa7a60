//! The `gongzhi` command: serve the platform (the default), migrate, recompute ratings, load the
//! demo town, add users, verify the audit chain, back up and restore.
#![forbid(unsafe_code)]

use std::io::{BufRead, IsTerminal, Write};
use std::net::TcpListener;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use gongzhi::config::Config;
use gongzhi::db::models::audit::{self, Actor, Verification};
use gongzhi::services;

/// mimalloc instead of the system allocator: a 1,000,000-row import spent a quarter of its time
/// in glibc's malloc and free (consolidating freed chunks), and the server allocates a page's
/// worth of small strings per request.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "gongzhi",
    version,
    about = "共治 gongzhi — merchant alliance platform: training, rating, rectification"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web site and API (the default). Loads the demo town into an empty database.
    Serve,
    /// Run pending database migrations and exit.
    Migrate,
    /// Load the demo town into an empty database.
    Demo,
    /// Recompute every merchant's rating (time decay); `serve` also does this once a day.
    Recompute {
        /// The as-of date (YYYY-MM-DD); default today in GONGZHI_TIME_ZONE.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Import public inspection data (idempotent: importing a file twice changes nothing).
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// The rating policy (policy.toml).
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Published red/black list editions (红黑榜第N期).
    Edition {
        #[command(subcommand)]
        command: EditionCommand,
    },
    /// The annual commendation (年度表彰): the rule's candidates of a year, and the decision.
    Commendation {
        #[command(subcommand)]
        command: CommendationCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Back up the database and the upload directory into a new directory under DIR, consistently
    /// while the server runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump -Fc). See docs/operations.md.
    Backup {
        /// Where the backup directory gongzhi-<UTC time>/ is made.
        dir: std::path::PathBuf,
    },
    /// Put a backup back: a backup directory made by `gongzhi backup`, or its database file. Stop
    /// the server first. Checks the backup before and the database after.
    Restore {
        /// The backup directory (or a .sqlite3 / .pgdump file).
        from: std::path::PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input (or prompted for on a terminal).
    Add {
        /// admin, committee, inspector or merchant.
        #[arg(long)]
        role: String,
        /// Log-in name: 3–40 letters, digits, '.', '_' or '-'.
        #[arg(long)]
        username: String,
        /// The merchant a merchant user belongs to.
        #[arg(long)]
        merchant: Option<i32>,
        /// Email address (for notices and sign-in links).
        #[arg(long, default_value = "")]
        email: String,
        /// Name shown in the interface.
        #[arg(long, default_value = "")]
        display_name: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// UK Food Hygiene Rating Scheme data: open-data XML, ratings-API JSON, or the API records as CSV.
    Fhrs {
        /// The file to import.
        file: std::path::PathBuf,
        /// The file's encoding, a WHATWG label (windows-1252, gbk, gb18030, shift_jis…); UTF-8
        /// with or without BOM by default.
        #[arg(long)]
        encoding: Option<String>,
    },
    /// A LIVES feed: a directory with businesses.csv, inspections.csv and violations.csv.
    Lives {
        /// The feed's directory.
        dir: std::path::PathBuf,
        /// The files' encoding, a WHATWG label (windows-1252, gbk, gb18030, shift_jis…); UTF-8
        /// with or without BOM by default.
        #[arg(long)]
        encoding: Option<String>,
        /// Write every skipped or flagged row (file, line, reason) to this CSV file.
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
    /// A merchant register as CSV (UTF-8, header: name,credit_code,category,address,area,
    /// contact_name,email,phone,member_since). A file with any bad row imports nothing.
    Merchants {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Import the good rows and report the bad ones as skipped, instead of importing nothing.
        #[arg(long)]
        good_rows_only: bool,
        /// The file's encoding, a WHATWG label (gbk, gb18030, windows-1252…); UTF-8 with or
        /// without BOM by default.
        #[arg(long)]
        encoding: Option<String>,
        /// Write every bad row (file, line, reason) to this CSV file.
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Validate a policy file without loading it.
    Check {
        /// The TOML file.
        file: std::path::PathBuf,
    },
    /// Load a policy file as the active policy (it needs a new `version`), then recompute.
    Load {
        /// The TOML file.
        file: std::path::PathBuf,
    },
    /// Print the active policy.
    Show,
}

#[derive(Subcommand)]
enum EditionCommand {
    /// Recompute every rating and publish the red and black lists as the next edition.
    Publish {
        /// A note printed with the edition.
        #[arg(long, default_value = "")]
        note: String,
        /// The as-of date (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// List the published editions.
    List,
}

#[derive(Subcommand)]
enum CommendationCommand {
    /// Print the candidates of a year, each criterion met or not, with the committee's changes.
    Propose {
        /// The commended year (YYYY).
        #[arg(long)]
        year: i32,
    },
    /// Decide a year that is over: the numbered decision, commendations, rewards, audit, emails.
    Decide {
        /// The commended year (YYYY).
        #[arg(long)]
        year: i32,
        /// A note printed with the decision.
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain and report the first broken link, if any.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGZHI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gongzhi: {e}");
            return ExitCode::from(2);
        }
    };
    match run(cli.command.unwrap_or(Command::Serve), config) {
        Ok(code) => code,
        Err(e) => {
            // One line: the cause chain joined, no backtrace.
            let msg: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            let line = msg.join(": ").split_whitespace().collect::<Vec<_>>().join(" ");
            eprintln!("gongzhi: error: {line}");
            ExitCode::FAILURE
        }
    }
}

fn open(config: &Config) -> anyhow::Result<gongzhi::db::Pool> {
    let pool =
        gongzhi::db::build_pool_with(&config.database, gongzhi::db::PoolOptions::from_config(config, 2))?;
    let mut conn = pool.get()?;
    gongzhi::db::run_migrations(&mut conn)?;
    Ok(pool)
}

fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve => serve(config),
        Command::Import { command } => import(command, &config),
        Command::Policy { command } => policy(command, &config),
        Command::Edition { command } => edition(command, &config),
        Command::Commendation { command } => commendation(command, &config),
        Command::Migrate => {
            let pool = gongzhi::db::build_pool(&config.database, 1)?;
            let n = gongzhi::db::run_migrations(&mut *pool.get()?)?;
            println!("ran {n} migration(s)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let pool = open(&config)?;
            let mut conn = pool.get()?;
            let policy = services::policy::active_policy(&mut conn)?;
            if services::demo::load_if_empty(&mut conn, &policy, &config)? {
                println!("loaded the demo town");
                print_accounts(&services::demo::accounts_with_demo_password(&mut conn)?);
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "gongzhi: the database already has merchants; the demo loads only into an empty one"
                );
                Ok(ExitCode::FAILURE)
            }
        }
        Command::Recompute { as_of } => {
            let pool = open(&config)?;
            let mut conn = pool.get()?;
            let policy = services::policy::active_policy(&mut conn)?;
            let as_of = as_of.unwrap_or_else(|| config.today());
            let actor = Actor::system("recompute");
            let overdue = services::notices::mark_overdue(&mut conn, &policy, as_of, &actor)?;
            if overdue > 0 {
                println!("{overdue} notice(s) went overdue");
            }
            let r = services::rating::recompute_all(&mut conn, &policy, as_of, &actor)?;
            println!(
                "recomputed {} merchants as of {as_of}: {} changed (read {:.2?}, compute {:.2?}, write {:.2?})",
                r.merchants, r.changed, r.read, r.compute, r.write
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Add {
                    role,
                    username,
                    merchant,
                    email,
                    display_name,
                },
        } => {
            let password = read_password()?;
            let pool = open(&config)?;
            let spec = services::users::UserSpec {
                username: &username,
                password: &password,
                role: &role,
                merchant_id: merchant,
                display_name: &display_name,
                email: &email,
            };
            let id = services::users::add_user(&mut *pool.get()?, &Actor::system("cli"), &spec)?;
            println!("added user {username} ({role}) with id {id}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { dir } => {
            let b = services::backup::backup(&config.database, &config.upload_dir, &dir, chrono::Utc::now())?;
            let rows: i64 = b.manifest.tables.values().sum();
            println!(
                "backed up to {}: {} rows in {} tables, audit chain intact ({} entries), {} file(s)",
                b.dir.display(),
                rows,
                b.manifest.tables.len(),
                b.manifest.audit_entries,
                b.manifest.files.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { from, force } => {
            let r = services::backup::restore(&from, &config.database, &config.upload_dir, force)?;
            let rows: i64 = r.tables.values().sum();
            println!(
                "restored {} into {}: {} rows, audit chain intact ({} entries), {} upload file(s)",
                from.display(),
                describe_db(&config),
                rows,
                r.audit_entries,
                r.uploads
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let pool = open(&config)?;
            match audit::verify(&mut *pool.get()?)? {
                Verification::Intact { entries } => {
                    println!("audit chain intact: {entries} entries");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { entry_id, reason } => {
                    println!("audit chain broken at entry {entry_id}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let pw = if stdin.is_terminal() {
        rpassword::prompt_password("Password: ")?
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    Ok(pw)
}

/// Lists the demo accounts that still open with the published password.
fn print_accounts(present: &[String]) {
    println!("demo accounts (password: {}):", services::demo::DEMO_PASSWORD);
    for (name, _, what) in services::demo::DEMO_ACCOUNTS {
        if present.iter().any(|p| p == name) {
            println!("  {name:<10} {what}");
        }
    }
}

fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let listener = TcpListener::bind(&config.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on GONGZHI_BIND={}: {e}", config.bind))?;
    let prepared = gongzhi::prepare(config)?;
    let base = prepared.state.config.base_url.clone();
    let state = prepared.state.clone();
    println!(
        "gongzhi is serving on {base}  (database: {})",
        describe_db(&state.config)
    );
    let config = &state.config;
    // Checked here, not in `prepare`: four password hashes are worth it once per start only.
    let demo_accounts = services::demo::accounts_with_demo_password(&mut *state.pool.get()?)?;
    if !demo_accounts.is_empty() && !config.binds_loopback() && !config.demo_explicit {
        eprintln!(
            "gongzhi: refusing to serve on GONGZHI_BIND={}: the demo accounts {} still open with \
             the published password {:?}, and this address can be reached from other machines. \
             Deactivate them or change their passwords (log in as admin at /staff/users), or set \
             GONGZHI_DEMO=true to serve the demo on purpose.",
            config.bind,
            demo_accounts.join(", "),
            services::demo::DEMO_PASSWORD,
        );
        return Ok(ExitCode::from(2));
    }
    if prepared.demo_loaded {
        println!("loaded the demo town into the empty database.");
    } else if config.demo_on_first_start && !config.demo_explicit && !config.binds_loopback() {
        println!(
            "the demo town was not loaded: GONGZHI_BIND is not a loopback address (set \
             GONGZHI_DEMO=true to load it anyway). Create the first account with `gongzhi user add`."
        );
    }
    if !demo_accounts.is_empty() {
        println!("log in at {base}/login with a demo account:");
        print_accounts(&demo_accounts);
    }
    std::io::stdout().flush().ok();
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    actix_web::rt::System::new().block_on(async move {
        let server = gongzhi::server(&prepared, listener, workers)?;
        gongzhi::spawn_outbox_worker(state.clone());
        gongzhi::spawn_search_index(state.clone());
        gongzhi::spawn_record_watch(state.clone());
        gongzhi::spawn_wal_checkpoints(&state.config);
        gongzhi::spawn_daily_recompute(state);
        server.await
    })?;
    Ok(ExitCode::SUCCESS)
}

fn describe_db(config: &Config) -> String {
    match config.database.backend {
        gongzhi::config::Backend::Sqlite => format!("SQLite {}", config.database.target),
        gongzhi::config::Backend::Postgres => "PostgreSQL".into(),
    }
}

/// Progress on standard error: an `indicatif` bar on a terminal, else a plain line every few
/// seconds (so a log shows an import is alive).
struct Progress {
    label: &'static str,
    total: Option<usize>,
    bar: Option<indicatif::ProgressBar>,
    last: std::time::Instant,
}

impl Progress {
    fn new(label: &'static str, total: usize) -> Self {
        Self::maybe_sized(label, Some(total))
    }

    fn maybe_sized(label: &'static str, total: Option<usize>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                total.map(|t| t as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            let template = if total.is_some() {
                "{msg:10} [{bar:30}] {pos}/{len} {per_sec} eta {eta}"
            } else {
                "{msg:10} {spinner} {pos} {per_sec}"
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("#>-"));
            }
            bar.set_message(label);
            bar
        });
        Progress {
            label,
            total,
            bar,
            last: std::time::Instant::now(),
        }
    }

    fn tick(&mut self, done: usize) {
        match &self.bar {
            Some(bar) => bar.set_position(done as u64),
            None => {
                if self.last.elapsed().as_secs() >= 5 {
                    self.last = std::time::Instant::now();
                    match self.total {
                        Some(t) => eprintln!("{}: {done}/{t}", self.label),
                        None => eprintln!("{}: {done}", self.label),
                    }
                }
            }
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The encoding `--encoding` names, or an error naming the label.
fn encoding_arg(label: Option<&str>) -> Result<Option<&'static encoding_rs::Encoding>, String> {
    match label {
        None => Ok(None),
        Some(l) => gongzhi::import::text::encoding_for(l)
            .map(Some)
            .ok_or_else(|| format!("gongzhi: unknown encoding {l:?} (use a WHATWG label such as utf-8, windows-1252, gbk, gb18030, shift_jis)")),
    }
}

/// Writes the rows an import skipped or flagged as CSV (file, line, reason), when asked.
fn write_report(
    path: Option<&std::path::Path>,
    notes: &[(&str, &services::import::RowNote)],
) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["file", "line", "kind", "reason"])?;
    for (kind, n) in notes {
        // The reason may quote the feed's own text: quoted like every CSV we write.
        use gongzhi::services::export::safe_cell;
        let (file, reason) = (safe_cell(&n.file), safe_cell(&n.reason));
        w.write_record([&*file, &n.line.to_string(), kind, &*reason])?;
    }
    w.flush()?;
    Ok(())
}

fn import(command: ImportCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let pool = open(config)?;
    let mut conn = pool.get()?;
    let policy = services::policy::active_policy(&mut conn)?;
    let actor = Actor::system("import");
    match command {
        ImportCommand::Fhrs { file, encoding } => {
            let encoding = match encoding_arg(encoding.as_deref()) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            let size = std::fs::metadata(&file).map(|m| m.len() as usize).unwrap_or(0);
            let mut bar = Progress::new("reading", size / 400 + 1);
            let parsed = gongzhi::import::fhrs::parse_fhrs_file_in(&file, encoding, &mut |n| bar.tick(n));
            bar.finish();
            let establishments = match parsed {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("gongzhi: rejected {}: {e}; nothing was imported", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            let mut bar = Progress::new("importing", establishments.len());
            let r = services::import::import_fhrs(
                &mut conn,
                &policy,
                &establishments,
                config.today(),
                &actor,
                &mut |n| bar.tick(n),
            )?;
            println!(
                "imported {} establishments; FHRS scheme reproduces {} of {} published ratings",
                r.establishments, r.reproduced, r.comparable
            );
        }
        ImportCommand::Lives {
            dir,
            encoding,
            report,
        } => {
            let encoding = match encoding_arg(encoding.as_deref()) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            use services::import::LivesStage;
            let mut bar = Progress::maybe_sized("reading", None);
            let mut stage = LivesStage::Reading;
            let mut read = 0;
            let r = services::import::import_lives_dir(
                &mut conn,
                &policy,
                &dir,
                encoding,
                config.today(),
                &actor,
                &mut |s, n| {
                    if s != stage {
                        stage = s;
                        bar.finish();
                        bar = match s {
                            LivesStage::Reading => Progress::maybe_sized("reading", None),
                            LivesStage::Writing => Progress::new("importing", read),
                            LivesStage::Rating => Progress::maybe_sized("rating", None),
                        };
                    }
                    if s == LivesStage::Reading {
                        read = n;
                    }
                    bar.tick(n);
                },
            );
            bar.finish();
            let r = match r {
                Ok(r) => r,
                Err(e) => match e.downcast_ref::<gongzhi::import::ImportError>() {
                    Some(e) => {
                        eprintln!("gongzhi: rejected {}: {e}; nothing was imported", dir.display());
                        return Ok(ExitCode::FAILURE);
                    }
                    None => return Err(e),
                },
            };
            for n in r.skipped.iter().take(20) {
                eprintln!("skipped {} line {}: {}", n.file, n.line, n.reason);
            }
            for n in r.unknown_codes.iter().take(20) {
                eprintln!("unknown code {} line {}: {}", n.file, n.line, n.reason);
            }
            let notes: Vec<(&str, &services::import::RowNote)> = r
                .skipped
                .iter()
                .map(|n| ("skipped", n))
                .chain(r.unknown_codes.iter().map(|n| ("unknown-code", n)))
                .collect();
            write_report(report.as_deref(), &notes)?;
            println!("{}", r.summary());
        }
        ImportCommand::Merchants {
            file,
            good_rows_only,
            encoding,
            report,
        } => {
            use gongzhi::i18n::Lang;
            let encoding = match encoding_arg(encoding.as_deref()) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            let data = match std::fs::read(&file) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("gongzhi: cannot read {}: {e}", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            let data = match gongzhi::import::text::decode_all(&data, encoding, true) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("gongzhi: rejected {}: {e}; nothing was imported", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            let r = services::merchants::import_register(
                &mut conn,
                &actor,
                config.today(),
                &data,
                good_rows_only,
            )?;
            for p in &r.problems {
                let col = if p.field.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", p.field)
                };
                let [zh, en] = [Lang::Zh, Lang::En].map(|l| p.message.render(l));
                println!("line {}{col}: {zh} / {en}", p.row);
            }
            for lang in Lang::ALL {
                println!("{}", r.summary().render(lang));
            }
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let notes: Vec<services::import::RowNote> = r
                .problems
                .iter()
                .map(|p| services::import::RowNote {
                    file: name.clone(),
                    line: p.row as usize,
                    reason: if p.field.is_empty() {
                        p.message.render(Lang::En)
                    } else {
                        format!("{}: {}", p.field, p.message.render(Lang::En))
                    },
                })
                .collect();
            let kind = if r.rejected() { "rejected" } else { "skipped" };
            let notes: Vec<(&str, &services::import::RowNote)> = notes.iter().map(|n| (kind, n)).collect();
            write_report(report.as_deref(), &notes)?;
            if r.rejected() {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn policy(command: PolicyCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let read = |file: &std::path::Path| {
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))
    };
    match command {
        PolicyCommand::Check { file } => match gongzhi::domain::policy::Policy::from_toml(&read(&file)?) {
            Ok(p) => {
                println!("{}: valid policy, version {}", file.display(), p.version);
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("gongzhi: {}: {e}", file.display());
                Ok(ExitCode::FAILURE)
            }
        },
        PolicyCommand::Load { file } => {
            let body = read(&file)?;
            let pool = open(config)?;
            let mut conn = pool.get()?;
            let actor = Actor::system("policy-load");
            match services::policy::load(&mut conn, &actor, &body) {
                Ok(p) => {
                    let r = services::rating::recompute_all(&mut conn, &p, config.today(), &actor)?;
                    println!(
                        "policy {} is active; recomputed {} merchants, {} changed",
                        p.version, r.merchants, r.changed
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(services::policy::LoadError::Db(e)) => Err(e.into()),
                Err(e) => {
                    eprintln!("gongzhi: {}: {e}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        PolicyCommand::Show => {
            let pool = open(config)?;
            let mut conn = pool.get()?;
            services::policy::active_policy(&mut conn)?;
            print!("{}", services::policy::active_body(&mut conn)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn commendation(command: CommendationCommand, config: &Config) -> anyhow::Result<ExitCode> {
    use gongzhi::services::commendations::{self as svc, CommendationError};
    use gongzhi::web::commendations::criterion_lines;
    use gongzhi::web::Lang;
    let pool = open(config)?;
    let mut conn = pool.get()?;
    let policy = services::policy::active_policy(&mut conn)?;
    let today = config.today();
    let refused = |e: CommendationError| -> anyhow::Result<ExitCode> {
        match e {
            CommendationError::Other(e) => Err(e),
            other => {
                let [zh, en] = [Lang::Zh, Lang::En].map(|l| other.message().render(l));
                eprintln!("gongzhi: {en} ({zh})");
                Ok(ExitCode::from(2))
            }
        }
    };
    match command {
        CommendationCommand::Propose { year } => {
            let p = match svc::propose(&mut conn, &policy, year, today) {
                Ok(p) => p,
                Err(e) => return refused(e),
            };
            match &p.decision {
                Some(d) => println!(
                    "{year}: decided {} on {} ({})",
                    d.number,
                    d.decided_on,
                    d.number_en()
                ),
                None => println!("{year}: not decided; candidates on the records as of {today}"),
            }
            let level = |i: Option<usize>| {
                i.map(|i| policy.commendation.levels[i].code.clone())
                    .unwrap_or_else(|| "-".into())
            };
            for k in &p.candidates {
                println!(
                    "#{:<6} {}  proposed: {}  outcome: {}{}",
                    k.merchant_id,
                    k.name,
                    level(k.evaluation.proposed),
                    level(k.level),
                    k.adjustment
                        .as_ref()
                        .map(|a| format!("  ({} by the committee: {})", a.action, a.reason))
                        .unwrap_or_default()
                );
                let shown = k.level.or(k.evaluation.proposed).unwrap_or(0);
                if let Some(r) = k.evaluation.levels.get(shown) {
                    for c in &r.criteria {
                        let (ask, found) = criterion_lines(c, Lang::En);
                        println!("         {} {ask}: {found}", if c.passed { "✓" } else { "✗" });
                    }
                }
            }
            println!(
                "{} candidate(s)",
                p.candidates.iter().filter(|k| k.level.is_some()).count()
            );
        }
        CommendationCommand::Decide { year, note } => {
            match svc::decide(
                &mut conn,
                &policy,
                &Actor::system("cli"),
                year,
                today,
                &note,
                &config.base_url,
            ) {
                Ok(d) => println!(
                    "decided {} for {year}: {} merchant(s) commended, rewards {} yuan, {} email(s) queued",
                    d.number,
                    d.commended,
                    gongzhi::domain::money::format_fen(d.reward_total_fen),
                    d.emails
                ),
                Err(e) => return refused(e),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn edition(command: EditionCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let pool = open(config)?;
    let mut conn = pool.get()?;
    match command {
        EditionCommand::Publish { note, as_of } => {
            let policy = services::policy::active_policy(&mut conn)?;
            let as_of = as_of.unwrap_or_else(|| config.today());
            let p = services::editions::publish(&mut conn, &policy, as_of, &Actor::system("cli"), &note)?;
            println!(
                "published edition {} (第{}期) as of {as_of}: {} red, {} black",
                p.number, p.number, p.red, p.black
            );
        }
        EditionCommand::List => {
            for e in services::editions::list(&mut conn)? {
                println!(
                    "第{}期  {}  policy {}  {}",
                    e.number, e.published_on, e.policy_version, e.note
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
