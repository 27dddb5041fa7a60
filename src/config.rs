//! Settings from environment variables, with defaults that run out of the box.
//!
//! Every setting is read once at start-up into a [`Config`] that is passed down through
//! `web::Data`; nothing reads the environment later. A wrong value is a [`ConfigError`] naming
//! the variable, which `main` prints as one line.

use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;

/// Which database engine a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one file, no server.
    Sqlite,
    /// For deployments that outgrow one machine.
    Postgres,
}

/// Where the database lives, parsed from `GONGZHI_DATABASE_URL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// The engine the URL's scheme selects.
    pub backend: Backend,
    /// What diesel's `establish` takes: a file path for SQLite, the whole URL for PostgreSQL.
    pub target: String,
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH` or `postgres://…` / `postgresql://…`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Some(rest) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err("a sqlite URL needs a file path, e.g. sqlite://gongzhi.db".into());
            }
            return Ok(Self {
                backend: Backend::Sqlite,
                target: rest.to_string(),
            });
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
            return Ok(Self {
                backend: Backend::Postgres,
                target: raw.to_string(),
            });
        }
        Err("must start with sqlite:// or postgres://".into())
    }
}

/// SMTP settings, parsed from `GONGZHI_SMTP_URL` (`smtp://host:port`, `smtps://…` for implicit
/// TLS, `smtp://…?tls=starttls` for STARTTLS; user and password in the URL's user-info part).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The URL as given (it may hold a password: never log it; use `endpoint.describe()`).
    pub url: String,
    /// The URL taken apart, checked at start-up.
    pub endpoint: SmtpEndpoint,
    /// Sender address used in `From:`.
    pub from: String,
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// No TLS: only for a relay on the same machine or network (and for tests).
    Plain,
    /// STARTTLS, required: the server must upgrade the connection or nothing is sent (port 587).
    StartTls,
    /// STARTTLS when the server offers it, plain otherwise (not safe against an active attacker).
    Opportunistic,
    /// TLS from the first byte (`smtps://`, port 465).
    Implicit,
}

/// `GONGZHI_SMTP_URL`, taken apart: where to connect, how, and as whom.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpEndpoint {
    /// Host name or address.
    pub host: String,
    /// TCP port (defaults: 25 plain, 587 STARTTLS, 465 implicit TLS).
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// User name and password, percent-decoded, when the URL has them.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpEndpoint {
    // Hand-written so that the password never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl SmtpEndpoint {
    /// Parses `smtp://[user:pass@]host[:port][?tls=starttls|opportunistic|none]` or
    /// `smtps://[user:pass@]host[:port]`; the error says what is wrong in one line.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let u = url::Url::parse(raw.trim()).map_err(|e| format!("not a URL: {e}"))?;
        let host = match u.host_str() {
            Some(h) if !h.is_empty() => h.trim_start_matches('[').trim_end_matches(']').to_string(),
            _ => return Err("needs a host, e.g. smtp://127.0.0.1:25".into()),
        };
        let tls = u
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_ascii_lowercase());
        let security = match (u.scheme(), tls.as_deref()) {
            ("smtp", None | Some("none" | "off")) => Security::Plain,
            ("smtp", Some("starttls" | "required")) => Security::StartTls,
            ("smtp", Some("opportunistic")) => Security::Opportunistic,
            ("smtp", Some(_)) => {
                return Err("tls= must be starttls, opportunistic or none".into());
            }
            ("smtps", None | Some("implicit")) => Security::Implicit,
            ("smtps", Some(_)) => {
                return Err("smtps:// is always implicit TLS: leave out ?tls=".into());
            }
            _ => return Err("must start with smtp:// or smtps://".into()),
        };
        let port = u.port().unwrap_or(match security {
            Security::Plain => 25,
            Security::StartTls | Security::Opportunistic => 587,
            Security::Implicit => 465,
        });
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|v| v.into_owned())
                .map_err(|_| "user and password must be UTF-8 once percent-decoded".to_string())
        };
        let credentials = match (u.username(), u.password()) {
            ("", None) => None,
            (user, Some(pass)) if !user.is_empty() => Some((decode(user)?, decode(pass)?)),
            _ => return Err("give both user and password: smtp://user:password@host".into()),
        };
        Ok(Self {
            host,
            port,
            security,
            credentials,
        })
    }

    /// The endpoint as logs and the admin page show it: no password.
    pub fn describe(&self) -> String {
        let scheme = if self.security == Security::Implicit {
            "smtps"
        } else {
            "smtp"
        };
        let mode = match self.security {
            Security::Plain => "no TLS",
            Security::StartTls => "STARTTLS",
            Security::Opportunistic => "opportunistic STARTTLS",
            Security::Implicit => "TLS",
        };
        let user = match &self.credentials {
            Some((u, _)) => format!("{u}@"),
            None => String::new(),
        };
        format!("{scheme}://{user}{}:{} ({mode})", self.host, self.port)
    }
}

/// How the outbox worker paces itself (see `docs/email.md`).
#[derive(Clone, Debug, PartialEq)]
pub struct MailSettings {
    /// How long the worker sleeps between two looks at the outbox (`GONGZHI_MAIL_POLL_SECS`).
    pub poll: Duration,
    /// The wait after a first failed attempt; it doubles with each further failure
    /// (`GONGZHI_MAIL_RETRY_BASE_SECS`).
    pub retry_base: Duration,
    /// The longest wait between two attempts, however many failed (`GONGZHI_MAIL_RETRY_CAP_SECS`).
    pub retry_cap: Duration,
    /// After this many attempts, an email the server rejects permanently (5xx) is marked failed;
    /// transient failures are retried forever (`GONGZHI_MAIL_MAX_ATTEMPTS`).
    pub max_attempts: u32,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(5),
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(900),
            max_attempts: 8,
        }
    }
}

/// The longest pause any mail setting accepts: a week.
const MAX_MAIL_SECS: f64 = 7.0 * 24.0 * 3600.0;

/// Parses a number of seconds, fractions allowed (`0.2`), above zero and at most a week.
fn parse_secs(raw: &str) -> Result<Duration, String> {
    let secs: f64 = raw
        .trim()
        .parse()
        .map_err(|_| "must be a number of seconds, e.g. 30 or 0.5".to_string())?;
    if !secs.is_finite() || secs <= 0.0 || secs > MAX_MAIL_SECS {
        return Err(format!("must be above 0 and at most {MAX_MAIL_SECS} seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Everything the program needs to run, read once at start-up.
#[derive(Clone, Debug)]
pub struct Config {
    /// The database to use.
    pub database: DatabaseUrl,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Public base URL, used in emails and on plaques' QR codes.
    pub base_url: String,
    /// SMTP server for outgoing mail; `None` keeps mail queued in the outbox.
    pub smtp: Option<SmtpConfig>,
    /// Pace and retry policy of the outbox worker.
    pub mail: MailSettings,
    /// The deployment's time zone: times are stored in UTC and shown in this zone.
    pub time_zone: Tz,
    /// Secret used to sign session cookies; `None` means "generate on first run and store it in
    /// the database".
    pub session_secret: Option<Vec<u8>>,
    /// Where merchants' uploaded photos are stored.
    pub upload_dir: PathBuf,
    /// Load the demo town into an empty database on start-up.
    pub demo_on_first_start: bool,
    /// Whether `GONGZHI_DEMO=true` was set explicitly (not the default): only then does `serve`
    /// load or expose the demo accounts (a published password) on an address other than
    /// loopback.
    pub demo_explicit: bool,
    /// How long sessions live: idle (`GONGZHI_SESSION_IDLE_MINUTES`) and absolute
    /// (`GONGZHI_SESSION_MAX_HOURS`).
    pub session_limits: SessionLimits,
    /// How long a public page's cached version is trusted before the database is asked again
    /// (`GONGZHI_PUBLIC_RECHECK_MS`); writes made by this server are seen at once regardless.
    pub public_recheck: Duration,
    /// The reverse proxies whose `X-Forwarded-For` is believed (`GONGZHI_TRUSTED_PROXIES`,
    /// comma-separated addresses or CIDR ranges). Empty by default: the client is the peer of
    /// the TCP connection, whatever headers it sends (see `web::client::client_ip`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long a request waits for a database connection before it is answered 503
    /// (`GONGZHI_DB_WAIT_MS`).
    pub db_wait: Duration,
    /// How long a SQLite writer waits for the write lock before giving up with a 503
    /// (`GONGZHI_DB_BUSY_TIMEOUT_MS`).
    pub db_busy_timeout: Duration,
    /// The days after which a bulletin's unread recipients are reminded, as the new-bulletin
    /// form proposes it (`GONGZHI_BULLETIN_REMIND_DAYS`, 0 to 60, default 7; 0 means no
    /// reminder). The committee can change it per bulletin.
    pub bulletin_remind_days: i32,
    /// The memory, in bytes, kept for merchants' rendered public records
    /// (`GONGZHI_RECORD_CACHE_MB`, 1 to 65,536 MiB, default 512: about 140,000 records, kept
    /// compressed); published editions' pages get a quarter of it besides.
    pub record_cache_bytes: u64,
    /// Whether `gongzhi serve` draws every merchant's public record (in Chinese) into the record
    /// cache in the background after it starts, and watches the database for changes made by
    /// others so that kept records are served without asking it on every visit
    /// (`GONGZHI_RECORD_WARM`, default true). See `gongzhi::spawn_record_watch`.
    pub record_warm: bool,
    /// How much of a SQLite database file the server's connections read through memory mapping,
    /// in bytes (`GONGZHI_SQLITE_MMAP_MB`, 0 to 2,047 MiB, default 1,024; 0 = none). See
    /// [`crate::db::PoolOptions::sqlite_mmap_bytes`].
    pub sqlite_mmap_bytes: u64,
}

/// How long a session lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    /// A session with no request for this long has ended (`GONGZHI_SESSION_IDLE_MINUTES`).
    pub idle: chrono::Duration,
    /// A session ends this long after it began, however busy (`GONGZHI_SESSION_MAX_HOURS`).
    pub absolute: chrono::Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle: chrono::Duration::minutes(120),
            absolute: chrono::Duration::hours(12),
        }
    }
}

/// The longest `GONGZHI_PUBLIC_RECHECK_MS` accepted: a minute.
const MAX_RECHECK_MS: u64 = 60_000;

/// A configuration value that cannot be used; its `Display` is the one line a user sees.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}={value:?}: {reason}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// The value it had.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Config {
    /// Whether the server listens only on a loopback address (127.0.0.0/8 or ::1), where
    /// nobody but this machine can reach it.
    pub fn binds_loopback(&self) -> bool {
        self.bind
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.ip().is_loopback())
    }

    /// Today's date in the deployment's time zone: the as-of date of ratings and deadlines.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().with_timezone(&self.time_zone).date_naive()
    }

    /// A stored UTC time as the deployment's local time, `YYYY-MM-DD HH:MM`.
    pub fn local_time(&self, at: chrono::NaiveDateTime) -> String {
        use chrono::TimeZone;
        self.time_zone
            .from_utc_datetime(&at)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so tests can supply their own environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str, default: &str| -> (String, &'static str) {
            (
                get(name)
                    .filter(|v| !v.trim().is_empty())
                    .unwrap_or_else(|| default.to_string()),
                name,
            )
        };
        let bad = |var: &'static str, value: &str, reason: String| ConfigError {
            var,
            value: value.to_string(),
            reason,
        };

        let (db, name) = var("GONGZHI_DATABASE_URL", "sqlite://gongzhi.db");
        let database = DatabaseUrl::parse(&db).map_err(|r| bad(name, &db, r))?;

        let (bind, name) = var("GONGZHI_BIND", "127.0.0.1:8080");
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(bad(name, &bind, "must be IP:PORT, e.g. 127.0.0.1:8080".into()));
        }

        let default_base = format!("http://{bind}");
        let (base_url, name) = var("GONGZHI_BASE_URL", &default_base);
        match url::Url::parse(&base_url) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            _ => return Err(bad(name, &base_url, "must be an http:// or https:// URL".into())),
        }
        let base_url = base_url.trim_end_matches('/').to_string();

        let smtp = match get("GONGZHI_SMTP_URL").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(raw) => {
                let u = url::Url::parse(&raw)
                    .map_err(|e| bad("GONGZHI_SMTP_URL", &raw, format!("not a URL: {e}")))?;
                if u.scheme() != "smtp" && u.scheme() != "smtps" {
                    return Err(bad(
                        "GONGZHI_SMTP_URL",
                        &raw,
                        "must start with smtp:// or smtps://".into(),
                    ));
                }
                if u.host_str().is_none() {
                    return Err(bad("GONGZHI_SMTP_URL", &raw, "needs a host".into()));
                }
                let endpoint = SmtpEndpoint::parse(&raw).map_err(|r| bad("GONGZHI_SMTP_URL", &raw, r))?;
                let (from, name) = var("GONGZHI_SMTP_FROM", "gongzhi <noreply@gongzhi.localhost>");
                if from.parse::<lettre::message::Mailbox>().is_err() {
                    return Err(bad(name, &from, "not an email address".into()));
                }
                Some(SmtpConfig {
                    url: raw,
                    endpoint,
                    from,
                })
            }
        };

        let secs = |name: &'static str, default: &str| -> Result<Duration, ConfigError> {
            let (raw, name) = var(name, default);
            parse_secs(&raw).map_err(|r| bad(name, &raw, r))
        };
        let poll = secs("GONGZHI_MAIL_POLL_SECS", "5")?;
        let retry_base = secs("GONGZHI_MAIL_RETRY_BASE_SECS", "30")?;
        let retry_cap = secs("GONGZHI_MAIL_RETRY_CAP_SECS", "900")?;
        if retry_cap < retry_base {
            let (raw, name) = var("GONGZHI_MAIL_RETRY_CAP_SECS", "900");
            return Err(bad(
                name,
                &raw,
                "must not be less than GONGZHI_MAIL_RETRY_BASE_SECS".into(),
            ));
        }
        let (raw, name) = var("GONGZHI_MAIL_MAX_ATTEMPTS", "8");
        let max_attempts = match raw.trim().parse::<u32>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(bad(name, &raw, "must be a whole number from 1 to 1000".into())),
        };
        let mail = MailSettings {
            poll,
            retry_base,
            retry_cap,
            max_attempts,
        };

        let (tz, name) = var("GONGZHI_TIME_ZONE", "Asia/Shanghai");
        let time_zone: Tz = tz
            .parse()
            .map_err(|_| bad(name, &tz, "not an IANA time zone, e.g. Asia/Shanghai".into()))?;

        let session_secret = match get("GONGZHI_SESSION_SECRET").filter(|v| !v.is_empty()) {
            None => None,
            Some(s) if s.len() < 64 => {
                return Err(bad(
                    "GONGZHI_SESSION_SECRET",
                    "(hidden)",
                    "must be at least 64 characters".into(),
                ))
            }
            Some(s) => Some(s.into_bytes()),
        };

        let (upload_dir, _) = var("GONGZHI_UPLOAD_DIR", "data/uploads");

        let (demo, name) = var("GONGZHI_DEMO", "true");
        let demo_on_first_start = match demo.as_str() {
            "1" | "true" | "yes" => true,
            "0" | "false" | "no" => false,
            _ => return Err(bad(name, &demo, "must be true or false".into())),
        };
        let demo_explicit = demo_on_first_start && get("GONGZHI_DEMO").is_some_and(|v| !v.trim().is_empty());

        let (warm, name) = var("GONGZHI_RECORD_WARM", "true");
        let record_warm = match warm.as_str() {
            "1" | "true" | "yes" => true,
            "0" | "false" | "no" => false,
            _ => return Err(bad(name, &warm, "must be true or false".into())),
        };

        let (raw, name) = var("GONGZHI_PUBLIC_RECHECK_MS", "1000");
        let public_recheck = match raw.trim().parse::<u64>() {
            Ok(ms) if ms <= MAX_RECHECK_MS => Duration::from_millis(ms),
            _ => {
                return Err(bad(
                    name,
                    &raw,
                    format!("must be a whole number of milliseconds from 0 to {MAX_RECHECK_MS}"),
                ))
            }
        };

        let whole_in = |name: &'static str, default: &str, min: i64, max: i64| -> Result<i64, ConfigError> {
            let (raw, name) = var(name, default);
            match raw.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(bad(
                    name,
                    &raw,
                    format!("must be a whole number from {min} to {max}"),
                )),
            }
        };
        let whole = |name: &'static str, default: &str, max: i64| whole_in(name, default, 1, max);
        let idle = whole("GONGZHI_SESSION_IDLE_MINUTES", "120", 7 * 24 * 60)?;
        let max_hours = whole("GONGZHI_SESSION_MAX_HOURS", "12", 30 * 24)?;
        if idle > max_hours * 60 {
            let (raw, name) = var("GONGZHI_SESSION_IDLE_MINUTES", "120");
            return Err(bad(
                name,
                &raw,
                "must not be longer than GONGZHI_SESSION_MAX_HOURS".into(),
            ));
        }
        let session_limits = SessionLimits {
            idle: chrono::Duration::minutes(idle),
            absolute: chrono::Duration::hours(max_hours),
        };
        let raw = get("GONGZHI_TRUSTED_PROXIES").unwrap_or_default();
        let trusted_proxies = parse_proxies(&raw).map_err(|r| bad("GONGZHI_TRUSTED_PROXIES", &raw, r))?;
        let millis = |name: &'static str, default: &str, range: std::ops::RangeInclusive<u64>| {
            let (raw, name) = var(name, default);
            match raw.trim().parse::<u64>() {
                Ok(ms) if range.contains(&ms) => Ok(Duration::from_millis(ms)),
                _ => Err(bad(
                    name,
                    &raw,
                    format!(
                        "must be a whole number of milliseconds from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )),
            }
        };
        let db_wait = millis("GONGZHI_DB_WAIT_MS", "1000", 50..=60_000)?;
        let db_busy_timeout = millis("GONGZHI_DB_BUSY_TIMEOUT_MS", "10000", 0..=600_000)?;
        let (raw, name) = var("GONGZHI_BULLETIN_REMIND_DAYS", "7");
        let bulletin_remind_days = match raw.trim().parse::<i32>() {
            Ok(n) if (0..=60).contains(&n) => n,
            _ => {
                return Err(bad(
                    name,
                    &raw,
                    "must be a whole number of days from 0 to 60".into(),
                ))
            }
        };

        let record_cache_bytes = (whole("GONGZHI_RECORD_CACHE_MB", "512", 65_536)? as u64) << 20;
        // SQLite maps at most 2 GiB less 64 KiB whatever is asked (its compiled limit).
        let sqlite_mmap_bytes = (whole_in("GONGZHI_SQLITE_MMAP_MB", "1024", 0, 2047)? as u64) << 20;

        Ok(Self {
            database,
            bind,
            base_url,
            smtp,
            mail,
            time_zone,
            session_secret,
            upload_dir: PathBuf::from(upload_dir),
            demo_on_first_start,
            demo_explicit,
            session_limits,
            public_recheck,
            trusted_proxies,
            db_wait,
            db_busy_timeout,
            bulletin_remind_days,
            record_cache_bytes,
            record_warm,
            sqlite_mmap_bytes,
        })
    }
}

/// Parses `GONGZHI_TRUSTED_PROXIES`: addresses (`10.0.0.5`, `::1`) or ranges (`10.0.0.0/8`),
/// separated by commas; empty means none.
fn parse_proxies(raw: &str) -> Result<Vec<ipnet::IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{p:?} is not an IP address or CIDR range, e.g. 10.0.0.5 or 10.0.0.0/8"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_run_out_of_the_box() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.database.backend, Backend::Sqlite);
        assert_eq!(c.database.target, "gongzhi.db");
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert_eq!(c.time_zone, chrono_tz::Asia::Shanghai);
        assert!(c.smtp.is_none());
        assert_eq!(c.public_recheck, Duration::from_secs(1));
        assert_eq!(c.record_cache_bytes, 512 << 20);
        assert!(c.record_warm);
        assert_eq!(c.sqlite_mmap_bytes, 1024 << 20);
        assert_eq!(
            cfg(&[("GONGZHI_SQLITE_MMAP_MB", "0")]).unwrap().sqlite_mmap_bytes,
            0
        );
        assert!(c.demo_on_first_start && !c.demo_explicit && c.binds_loopback());
        assert_eq!(c.session_limits, SessionLimits::default());
        let c = cfg(&[("GONGZHI_BIND", "0.0.0.0:80"), ("GONGZHI_DEMO", "true")]).unwrap();
        assert!(c.demo_explicit && !c.binds_loopback());
        let c = cfg(&[("GONGZHI_DEMO", "false")]).unwrap();
        assert!(!c.demo_explicit && !c.demo_on_first_start);
        assert_eq!(c.db_wait, Duration::from_secs(1));
        assert_eq!(c.db_busy_timeout, Duration::from_secs(10));
        let c = cfg(&[("GONGZHI_PUBLIC_RECHECK_MS", "0")]).unwrap();
        assert_eq!(
            c.public_recheck,
            Duration::ZERO,
            "0 asks the database on every request"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        assert!(cfg(&[]).unwrap().trusted_proxies.is_empty(), "none by default");
        let c = cfg(&[("GONGZHI_TRUSTED_PROXIES", " 127.0.0.1, 10.0.0.0/8,::1 ,")]).unwrap();
        let shown: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
    }

    #[test]
    fn postgres_url_selects_postgres() {
        let c = cfg(&[("GONGZHI_DATABASE_URL", "postgres://u:p@localhost/gz")]).unwrap();
        assert_eq!(c.database.backend, Backend::Postgres);
    }

    #[test]
    fn wrong_values_name_their_variable() {
        for (k, v) in [
            ("GONGZHI_DATABASE_URL", "mysql://x"),
            ("GONGZHI_BIND", "localhost"),
            ("GONGZHI_TIME_ZONE", "Mars/Olympus"),
            ("GONGZHI_SMTP_URL", "http://mail"),
            ("GONGZHI_BASE_URL", "ftp://x"),
            ("GONGZHI_DEMO", "maybe"),
            ("GONGZHI_MAIL_POLL_SECS", "soon"),
            ("GONGZHI_MAIL_POLL_SECS", "0"),
            ("GONGZHI_MAIL_RETRY_BASE_SECS", "-1"),
            ("GONGZHI_MAIL_RETRY_CAP_SECS", "NaN"),
            ("GONGZHI_MAIL_RETRY_CAP_SECS", "10"),
            ("GONGZHI_MAIL_MAX_ATTEMPTS", "0"),
            ("GONGZHI_MAIL_MAX_ATTEMPTS", "2.5"),
            ("GONGZHI_PUBLIC_RECHECK_MS", "-5"),
            ("GONGZHI_PUBLIC_RECHECK_MS", "60001"),
            ("GONGZHI_RECORD_CACHE_MB", "0"),
            ("GONGZHI_RECORD_CACHE_MB", "lots"),
            ("GONGZHI_RECORD_WARM", "sometimes"),
            ("GONGZHI_SQLITE_MMAP_MB", "-1"),
            ("GONGZHI_SQLITE_MMAP_MB", "2048"),
            ("GONGZHI_SMTP_URL", "smtp://mail.example.com?tls=sometimes"),
            ("GONGZHI_SESSION_IDLE_MINUTES", "0"),
            ("GONGZHI_SESSION_IDLE_MINUTES", "900"),
            ("GONGZHI_SESSION_MAX_HOURS", "a day"),
            ("GONGZHI_TRUSTED_PROXIES", "10.0.0.1, proxy.local"),
            ("GONGZHI_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("GONGZHI_DB_WAIT_MS", "0"),
            ("GONGZHI_DB_WAIT_MS", "1s"),
            ("GONGZHI_DB_BUSY_TIMEOUT_MS", "-1"),
        ] {
            let err = cfg(&[(k, v)]).unwrap_err();
            let line = err.to_string();
            assert!(line.contains(k), "{line}");
            assert!(!line.contains('\n'), "{line}");
        }
    }

    #[test]
    fn mail_settings_have_defaults_and_take_fractions() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.mail, MailSettings::default());
        assert_eq!(c.mail.poll, Duration::from_secs(5));
        assert_eq!(c.mail.retry_base, Duration::from_secs(30));
        assert_eq!(c.mail.retry_cap, Duration::from_secs(900));
        assert_eq!(c.mail.max_attempts, 8);
        let c = cfg(&[
            ("GONGZHI_MAIL_POLL_SECS", "0.2"),
            ("GONGZHI_MAIL_RETRY_BASE_SECS", "0.1"),
            ("GONGZHI_MAIL_RETRY_CAP_SECS", " 1.5 "),
            ("GONGZHI_MAIL_MAX_ATTEMPTS", "3"),
        ])
        .unwrap();
        assert_eq!(c.mail.poll, Duration::from_millis(200));
        assert_eq!(c.mail.retry_base, Duration::from_millis(100));
        assert_eq!(c.mail.retry_cap, Duration::from_millis(1500));
        assert_eq!(c.mail.max_attempts, 3);
    }

    #[test]
    fn smtp_urls_of_every_kind_are_accepted() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:p%40ss@smtp.example.com:587?tls=starttls",
            "smtps://user:secret@smtp.example.com",
        ] {
            let c = cfg(&[("GONGZHI_SMTP_URL", url)]).unwrap();
            assert_eq!(c.smtp.unwrap().url, url);
        }
        let err = cfg(&[
            ("GONGZHI_SMTP_URL", "smtp://127.0.0.1:2525"),
            ("GONGZHI_SMTP_FROM", "not an address"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "GONGZHI_SMTP_FROM");
    }
}
