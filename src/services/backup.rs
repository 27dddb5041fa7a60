//! Backups (`gongzhi backup DIR`, `gongzhi restore`): a consistent copy of the database taken while
//! the server runs, the upload directory's files beside it, and a manifest that says what the copy
//! holds so a restore can check it.
//!
//! A plain file copy of a live SQLite database is not a backup: a copy taken between two writes can
//! hold pages of both (index entries missing). SQLite's `VACUUM INTO` writes the database as one
//! read transaction sees it, so the copy is consistent whatever the server writes meanwhile. On
//! PostgreSQL, `pg_dump -Fc` runs in the snapshot of a transaction of ours (`--snapshot`), so the row
//! counts in the manifest are those of the dump.
//!
//! The database is copied first, the uploads after: every photo is written to the upload directory
//! before the row that names it commits, so every file the copied rows name is there when the
//! directory is copied (it may hold a few newer files too, which no row names).
//!
//! A backup is one directory `gongzhi-<UTC time>/` with `gongzhi.sqlite3` or `gongzhi.pgdump`,
//! `uploads/` and `manifest.json`. See docs/operations.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context};
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Backend, DatabaseUrl};
use crate::db::models::audit::{self, Verification};
use crate::db::DbConn;

/// The manifest's file name in a backup directory.
pub const MANIFEST: &str = "manifest.json";
/// The SQLite copy's file name.
pub const SQLITE_FILE: &str = "gongzhi.sqlite3";
/// The PostgreSQL dump's file name (`pg_dump -Fc`).
pub const PG_FILE: &str = "gongzhi.pgdump";
/// The directory of the copied uploads.
pub const UPLOADS: &str = "uploads";

/// What a backup holds, written as `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// When the backup was taken, RFC 3339 in UTC.
    pub created_at: String,
    /// The gongzhi version that took it.
    pub version: String,
    /// "sqlite" or "postgres".
    pub backend: String,
    /// The last migration the database had run (its version, e.g. `20261130000013`).
    pub schema_migration: String,
    /// Entries of the audit chain, verified intact in the copy.
    pub audit_entries: usize,
    /// Rows of every table, in the copy.
    pub tables: BTreeMap<String, i64>,
    /// Every file of the backup but the manifest, with its size and SHA-256.
    pub files: Vec<FileEntry>,
}

/// One file of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// The path inside the backup directory, with `/`.
    pub path: String,
    pub bytes: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupOutcome {
    /// The new backup directory.
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreOutcome {
    /// Entries of the audit chain, verified intact in the restored database.
    pub audit_entries: usize,
    /// Rows of every table in the restored database.
    pub tables: BTreeMap<String, i64>,
    /// Upload files put back.
    pub uploads: usize,
}

// ---------------------------------------------------------------- checks

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The tables of the database (the migrations' bookkeeping table included), by name.
pub fn table_names(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let rows: Vec<Name> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .load(c)?,
        DbConn::Postgresql(c) => diesel::sql_query(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
        )
        .load(c)?,
    };
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// Rows of every table.
pub fn row_counts(conn: &mut DbConn) -> QueryResult<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    for t in table_names(conn)? {
        let sql = format!("SELECT COUNT(*) AS n FROM \"{}\"", t.replace('"', "\"\""));
        let c: Count = match conn {
            DbConn::Sqlite(c) => diesel::sql_query(sql).get_result(c)?,
            DbConn::Postgresql(c) => diesel::sql_query(sql).get_result(c)?,
        };
        out.insert(t, c.n);
    }
    Ok(out)
}

/// The newest migration the database has run, or empty when it has none.
pub fn schema_migration(conn: &mut DbConn) -> QueryResult<String> {
    let sql = "SELECT COALESCE(MAX(version), '') AS name FROM __diesel_schema_migrations";
    let r: Name = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql).get_result(c)?,
        DbConn::Postgresql(c) => diesel::sql_query(sql).get_result(c)?,
    };
    Ok(r.name)
}

/// SQLite's `PRAGMA integrity_check`: `Ok` when it answers "ok", else its first lines.
pub fn sqlite_integrity(conn: &mut DbConn) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let DbConn::Sqlite(c) = conn else {
        return Ok(());
    };
    let lines: Vec<Line> = diesel::sql_query("PRAGMA integrity_check").load(c)?;
    let text: Vec<String> = lines.into_iter().take(5).map(|l| l.integrity_check).collect();
    if text == ["ok"] {
        Ok(())
    } else {
        bail!("SQLite integrity check failed: {}", text.join("; "))
    }
}

/// The audit chain of `conn`, which must be intact: its number of entries.
pub fn audit_intact(conn: &mut DbConn) -> anyhow::Result<usize> {
    match audit::verify(conn)? {
        Verification::Intact { entries } => Ok(entries),
        Verification::Broken { entry_id, reason } => {
            bail!("the audit chain is broken at entry {entry_id}: {reason}")
        }
    }
}

/// A SQLite file opened as it is: no pragmas that would write to it (no WAL switch), so a backup
/// is only read.
fn open_sqlite_file(path: &Path) -> anyhow::Result<DbConn> {
    let path = path
        .to_str()
        .ok_or_else(|| anyhow!("not a UTF-8 path: {}", path.display()))?;
    let c = diesel::SqliteConnection::establish(path).with_context(|| format!("cannot open {path}"))?;
    Ok(DbConn::Sqlite(c))
}

/// `'text'` as an SQL string literal.
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn sha256_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h)?;
    Ok((n, hex::encode(h.finalize())))
}

// ---------------------------------------------------------------- backup

/// Takes a backup of the database at `url` and of `upload_dir` into a new directory
/// `dest/gongzhi-<now>/`. The server may keep running and writing meanwhile. Does not migrate.
pub fn backup(
    url: &DatabaseUrl,
    upload_dir: &Path,
    dest: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<BackupOutcome> {
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    // A backup inside the upload directory would copy itself into itself.
    if let (Ok(d), Ok(u)) = (dest.canonicalize(), upload_dir.canonicalize()) {
        if d.starts_with(&u) {
            // Only removed when empty, i.e. when this call made it.
            let _ = std::fs::remove_dir(dest);
            bail!(
                "{} is inside the upload directory {}: put backups elsewhere",
                dest.display(),
                upload_dir.display()
            );
        }
    }
    let dir = dest.join(format!("gongzhi-{}", now.format("%Y%m%dT%H%M%SZ")));
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = backup_into(url, upload_dir, &dir, now);
    if result.is_err() {
        // Never leave a half backup that looks like a whole one.
        let _ = std::fs::remove_dir_all(&dir);
    }
    result.map(|manifest| BackupOutcome { dir, manifest })
}

fn backup_into(
    url: &DatabaseUrl,
    upload_dir: &Path,
    dir: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<Manifest> {
    let (db_file, schema, audit_entries, tables) = match url.backend {
        Backend::Sqlite => backup_sqlite(url, dir)?,
        Backend::Postgres => backup_postgres(url, dir)?,
    };
    let mut files = Vec::new();
    let (bytes, sha256) = sha256_file(&dir.join(db_file))?;
    files.push(FileEntry {
        path: db_file.into(),
        bytes,
        sha256,
    });
    copy_tree(upload_dir, &dir.join(UPLOADS), UPLOADS, &mut files)?;
    let manifest = Manifest {
        created_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        version: env!("CARGO_PKG_VERSION").into(),
        backend: match url.backend {
            Backend::Sqlite => "sqlite".into(),
            Backend::Postgres => "postgres".into(),
        },
        schema_migration: schema,
        audit_entries,
        tables,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    std::fs::write(dir.join(MANIFEST), json)?;
    Ok(manifest)
}

type Copied = (&'static str, String, usize, BTreeMap<String, i64>);

/// `VACUUM INTO` the backup directory, then check the copy and count its rows.
fn backup_sqlite(url: &DatabaseUrl, dir: &Path) -> anyhow::Result<Copied> {
    let target = dir.join(SQLITE_FILE);
    let target_text = target
        .to_str()
        .ok_or_else(|| anyhow!("not a UTF-8 path: {}", target.display()))?;
    if !Path::new(&url.target).exists() {
        bail!("no database at {}", url.target);
    }
    let mut live = crate::db::establish(url).map_err(|e| anyhow!("cannot open the database: {e}"))?;
    live.batch_execute(&format!("VACUUM INTO {}", sql_string(target_text)))
        .context("VACUUM INTO")?;
    drop(live);
    let mut copy = open_sqlite_file(&target)?;
    sqlite_integrity(&mut copy)?;
    let entries = audit_intact(&mut copy)?;
    let schema = schema_migration(&mut copy)?;
    let tables = row_counts(&mut copy)?;
    Ok((SQLITE_FILE, schema, entries, tables))
}

/// The PostgreSQL URL without its password, and the password (for `PGPASSWORD`), so the password
/// is not on a command line other users can read.
fn pg_target(url: &DatabaseUrl) -> anyhow::Result<(String, Option<String>)> {
    let mut u = url::Url::parse(&url.target).context("the database URL")?;
    let password = u.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = u.set_password(None);
    Ok((u.to_string(), password))
}

/// The PostgreSQL client `tool` (pg_dump, pg_restore), or a message naming what to install.
fn pg_tool(tool: &str, password: Option<&str>) -> anyhow::Result<Command> {
    match Command::new(tool).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => bail!(
            "{tool} is not on PATH: install the PostgreSQL client tools of your server's major version \
             or newer (Debian/Ubuntu: apt-get install postgresql-client; RHEL: dnf install postgresql)"
        ),
    }
    let mut c = Command::new(tool);
    if let Some(p) = password {
        c.env("PGPASSWORD", p);
    }
    Ok(c)
}

fn run_tool(mut c: Command, what: &str) -> anyhow::Result<String> {
    let out = c.output().with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!("{what} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `pg_dump -Fc` in the snapshot of a read-only transaction of ours, in which the audit chain is
/// verified and the rows counted; then `pg_restore --list` reads the dump back.
fn backup_postgres(url: &DatabaseUrl, dir: &Path) -> anyhow::Result<Copied> {
    let (target, password) = pg_target(url)?;
    let dump = pg_tool("pg_dump", password.as_deref())?;
    let mut conn = crate::db::establish(url).map_err(|e| anyhow!("cannot open the database: {e}"))?;
    conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
    let snapshot: Name = match &mut conn {
        DbConn::Postgresql(c) => diesel::sql_query("SELECT pg_export_snapshot() AS name").get_result(c)?,
        DbConn::Sqlite(_) => bail!("not a PostgreSQL connection"),
    };
    let entries = audit_intact(&mut conn)?;
    let schema = schema_migration(&mut conn)?;
    let tables = row_counts(&mut conn)?;
    let file = dir.join(PG_FILE);
    let mut c = dump;
    c.arg("-Fc")
        .arg("--no-owner")
        .arg(format!("--snapshot={}", snapshot.name))
        .arg("-f")
        .arg(&file)
        .arg("--dbname")
        .arg(&target);
    let dumped = run_tool(c, "pg_dump");
    conn.batch_execute("COMMIT")?;
    dumped?;
    let mut list = pg_tool("pg_restore", None)?;
    list.arg("--list").arg(&file);
    let listing = run_tool(list, "pg_restore --list")?;
    if !listing.contains("TABLE DATA") {
        bail!("the dump {} holds no table data", file.display());
    }
    Ok((PG_FILE, schema, entries, tables))
}

/// Copies every file under `from` to `to` (missing `from`: nothing), recording each under `prefix`.
fn copy_tree(from: &Path, to: &Path, prefix: &str, files: &mut Vec<FileEntry>) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let entries = match std::fs::read_dir(from) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", from.display())),
    };
    let mut names: Vec<_> = entries.collect::<Result<_, _>>()?;
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let name = e.file_name();
        let Some(name_text) = name.to_str() else {
            bail!("not a UTF-8 file name in {}: {:?}", from.display(), name);
        };
        let rel = format!("{prefix}/{name_text}");
        let kind = e.file_type()?;
        if kind.is_dir() {
            copy_tree(&e.path(), &to.join(&name), &rel, files)?;
        } else if kind.is_file() {
            match std::fs::copy(e.path(), to.join(&name)) {
                Ok(_) => {}
                // Removed since it was listed (a deleted photo): nothing to keep.
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err).with_context(|| format!("cannot copy {}", e.path().display())),
            }
            let (bytes, sha256) = sha256_file(&to.join(&name))?;
            files.push(FileEntry {
                path: rel,
                bytes,
                sha256,
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- restore

/// A backup found from what `restore` was given.
struct Source {
    /// The database file (SQLite copy or pg_dump archive).
    db_file: PathBuf,
    backend: Backend,
    manifest: Option<Manifest>,
    /// The backup directory (for `uploads/`), when a whole backup was given.
    dir: Option<PathBuf>,
}

/// The backend a database file belongs to, by its first bytes.
fn file_backend(path: &Path) -> anyhow::Result<Backend> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let n = f.read(&mut head)?;
    if head[..n].starts_with(b"SQLite format 3\0") {
        Ok(Backend::Sqlite)
    } else if head[..n].starts_with(b"PGDMP") {
        Ok(Backend::Postgres)
    } else {
        bail!(
            "{} is neither a SQLite database nor a pg_dump -Fc archive",
            path.display()
        )
    }
}

fn find_source(from: &Path) -> anyhow::Result<Source> {
    if from.is_dir() {
        let manifest_path = from.join(MANIFEST);
        let text = std::fs::read(&manifest_path).with_context(|| {
            format!(
                "{} has no {MANIFEST}: give a backup directory made by `gongzhi backup` or its database file",
                from.display()
            )
        })?;
        let manifest: Manifest =
            serde_json::from_slice(&text).with_context(|| format!("{}", manifest_path.display()))?;
        // Every file as the manifest lists it: a copy damaged since is refused before it is used.
        for f in &manifest.files {
            let (bytes, sha) = sha256_file(&from.join(&f.path))?;
            if bytes != f.bytes || sha != f.sha256 {
                bail!(
                    "{} differs from the manifest (size or SHA-256): the backup is damaged",
                    f.path
                );
            }
        }
        let db_file = [SQLITE_FILE, PG_FILE]
            .iter()
            .map(|n| from.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| anyhow!("{} holds no {SQLITE_FILE} or {PG_FILE}", from.display()))?;
        let backend = file_backend(&db_file)?;
        Ok(Source {
            db_file,
            backend,
            manifest: Some(manifest),
            dir: Some(from.to_path_buf()),
        })
    } else {
        let backend = file_backend(from)?;
        Ok(Source {
            db_file: from.to_path_buf(),
            backend,
            manifest: None,
            dir: None,
        })
    }
}

/// Whether the database holds anything a restore would destroy: merchants, users or audit entries.
fn holds_data(conn: &mut DbConn) -> anyhow::Result<bool> {
    let tables = table_names(conn)?;
    for t in ["merchants", "users", "audit_log"] {
        if tables.iter().any(|x| x == t) {
            let c: Count = match conn {
                DbConn::Sqlite(c) => {
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {t}")).get_result(c)?
                }
                DbConn::Postgresql(c) => {
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {t}")).get_result(c)?
                }
            };
            if c.n > 0 {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Puts the backup `from` (a backup directory or its database file) back into the database at `url`
/// and its uploads into `upload_dir`. Checks the backup first (manifest checksums, SQLite's
/// integrity check, the audit chain) and the restored database after (the same, and the row counts
/// against the manifest). Refuses a database that holds data unless `force`. Stop the server first.
pub fn restore(
    from: &Path,
    url: &DatabaseUrl,
    upload_dir: &Path,
    force: bool,
) -> anyhow::Result<RestoreOutcome> {
    let src = find_source(from)?;
    if src.backend != url.backend {
        bail!(
            "the backup is a {} database and GONGZHI_DATABASE_URL names a {} one",
            backend_word(src.backend),
            backend_word(url.backend)
        );
    }
    if let Some(m) = &src.manifest {
        if m.backend != backend_word(src.backend) {
            bail!(
                "the manifest says {} but the file is {}",
                m.backend,
                backend_word(src.backend)
            );
        }
    }
    match url.backend {
        Backend::Sqlite => restore_sqlite(&src, url, force)?,
        Backend::Postgres => restore_postgres(&src, url, force)?,
    }
    let mut conn =
        crate::db::establish(url).map_err(|e| anyhow!("cannot open the restored database: {e}"))?;
    sqlite_integrity(&mut conn)?;
    let audit_entries = audit_intact(&mut conn)?;
    let tables = row_counts(&mut conn)?;
    if let Some(m) = &src.manifest {
        for (t, n) in &m.tables {
            let got = tables.get(t).copied().unwrap_or(-1);
            if got != *n {
                bail!("after the restore {t} has {got} rows; the manifest says {n}");
            }
        }
        if audit_entries != m.audit_entries {
            bail!(
                "after the restore the audit chain has {audit_entries} entries; the manifest says {}",
                m.audit_entries
            );
        }
    }
    let mut uploads = 0;
    if let (Some(dir), Some(m)) = (&src.dir, &src.manifest) {
        let prefix = format!("{UPLOADS}/");
        for f in &m.files {
            let Some(rel) = f.path.strip_prefix(&prefix) else {
                continue;
            };
            let to = upload_dir.join(rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::copy(dir.join(&f.path), &to)
                .with_context(|| format!("cannot write {}", to.display()))?;
            uploads += 1;
        }
    }
    Ok(RestoreOutcome {
        audit_entries,
        tables,
        uploads,
    })
}

fn backend_word(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn restore_sqlite(src: &Source, url: &DatabaseUrl, force: bool) -> anyhow::Result<()> {
    {
        let mut copy = open_sqlite_file(&src.db_file)?;
        sqlite_integrity(&mut copy).context("the backup")?;
        audit_intact(&mut copy).context("the backup")?;
    }
    let target = PathBuf::from(&url.target);
    if target.exists() {
        let mut live = open_sqlite_file(&target)?;
        if holds_data(&mut live)? && !force {
            bail!(
                "{} already holds data; restoring would replace it. Give --force to replace it (take a backup of it first)",
                target.display()
            );
        }
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    // Copied beside the target, then renamed over it: a restore cut short leaves the old file.
    let tmp = PathBuf::from(format!("{}.restoring", url.target));
    std::fs::copy(&src.db_file, &tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    for ext in ["-wal", "-shm", "-journal"] {
        let side = PathBuf::from(format!("{}{ext}", url.target));
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", side.display())),
        }
    }
    std::fs::rename(&tmp, &target).with_context(|| format!("cannot replace {}", target.display()))?;
    Ok(())
}

fn restore_postgres(src: &Source, url: &DatabaseUrl, force: bool) -> anyhow::Result<()> {
    let (target, password) = pg_target(url)?;
    let mut list = pg_tool("pg_restore", None)?;
    list.arg("--list").arg(&src.db_file);
    run_tool(list, "pg_restore --list").context("the backup")?;
    {
        let mut live = crate::db::establish(url).map_err(|e| anyhow!("cannot open the database: {e}"))?;
        if holds_data(&mut live)? && !force {
            bail!(
                "the database already holds data; restoring would replace it. Give --force to replace it (take a backup of it first)"
            );
        }
    }
    let mut c = pg_tool("pg_restore", password.as_deref())?;
    c.arg("--clean")
        .arg("--if-exists")
        .arg("--no-owner")
        .arg("--single-transaction")
        .arg("--exit-on-error")
        .arg("--dbname")
        .arg(&target)
        .arg(&src.db_file);
    run_tool(c, "pg_restore")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_strings_double_quotes() {
        assert_eq!(sql_string("/tmp/o'brien/x.db"), "'/tmp/o''brien/x.db'");
    }

    #[test]
    fn pg_password_leaves_the_url() {
        let url = DatabaseUrl::parse("postgres://u:p%40ss@127.0.0.1:5432/db").unwrap();
        let (target, password) = pg_target(&url).unwrap();
        assert_eq!(target, "postgres://u@127.0.0.1:5432/db");
        assert_eq!(password.as_deref(), Some("p@ss"));
    }
}
