use super::*;

/// GET /livez: 200 while the process serves requests, without touching the database — for a
/// supervisor's liveness probe (restart when it stops answering), and the static baseline of
/// `scripts/load.sh`. Readiness, with the database, is `/healthz`.
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

/// How long `/healthz` waits for a connection and for SQLite's write lock: a probe with a
/// timeout of a few seconds gets an answer, 503 when the database is away.
pub(super) const HEALTH_WAIT: std::time::Duration = std::time::Duration::from_millis(1000);

/// Checks that the database answers and can be written: a read, then a write statement in a
/// transaction that is rolled back (SQLite: the write lock, waiting at most [`HEALTH_WAIT`];
/// PostgreSQL: the same advisory lock as every write, and not a read-only server or a standby).
pub(super) fn check_database(
    pool: &crate::db::Pool,
    busy_timeout: std::time::Duration,
) -> Result<(), AppError> {
    use diesel::Connection;
    let mut conn = pool.get_timeout(HEALTH_WAIT)?;
    conn.batch_execute("SELECT 1")?;
    match &mut *conn {
        crate::db::DbConn::Sqlite(c) => {
            c.batch_execute(&format!("PRAGMA busy_timeout = {}", HEALTH_WAIT.as_millis()))?;
            let res = c.transaction(|c| {
                c.batch_execute("UPDATE settings SET value = value WHERE key = 'write-lock'")?;
                Err::<(), _>(diesel::result::Error::RollbackTransaction)
            });
            c.batch_execute(&format!("PRAGMA busy_timeout = {}", busy_timeout.as_millis()))?;
            match res {
                Err(diesel::result::Error::RollbackTransaction) => Ok(()),
                Err(e) => Err(AppError::Unavailable(e.to_string())),
                Ok(()) => Ok(()),
            }
        }
        crate::db::DbConn::Postgresql(c) => {
            use diesel::sql_types::Bool;
            use diesel::RunQueryDsl;
            let res = c.transaction(|c| {
                // The write lock every write takes (see `write_tx`), waiting at most HEALTH_WAIT.
                c.batch_execute(&format!(
                    "SET LOCAL lock_timeout = {}; SELECT pg_advisory_xact_lock({})",
                    HEALTH_WAIT.as_millis(),
                    crate::db::models::WRITE_LOCK_KEY
                ))?;
                let writable: bool = diesel::select(diesel::dsl::sql::<Bool>(
                    "NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'",
                ))
                .get_result(c)?;
                Err::<(), _>(if writable {
                    diesel::result::Error::RollbackTransaction
                } else {
                    diesel::result::Error::QueryBuilderError("the database is read-only".into())
                })
            });
            match res {
                Err(diesel::result::Error::RollbackTransaction) | Ok(()) => Ok(()),
                Err(e) => Err(AppError::Unavailable(e.to_string())),
            }
        }
    }
}

/// GET /healthz: 200 when the database answers and can be written; 503 within about a second
/// when it cannot be reached, is read-only, or its write lock stays taken.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = match state.config.database.backend {
        crate::config::Backend::Sqlite => "sqlite",
        crate::config::Backend::Postgres => "postgres",
    };
    let pool = state.pool.clone();
    let busy = state.config.db_busy_timeout;
    let ok = web::block(move || check_database(&pool, busy))
        .await
        .map_err(AppError::from)
        .and_then(|r| r);
    match ok {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({"status": "ok", "database": backend})),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((
                    header::RETRY_AFTER,
                    crate::web::error::RETRY_AFTER_SECS.to_string(),
                ))
                .json(serde_json::json!({"status": "unavailable", "database": backend}))
        }
    }
}
