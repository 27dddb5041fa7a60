//! The web layer's one error type: it chooses the status code, logs the cause once, and shows
//! the user a friendly page (or a JSON body under `/api`) without internal details.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;
use std::borrow::Cow;

use crate::i18n::Lang;

/// A field-level validation message in both languages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    /// The form field or JSON key.
    pub field: String,
    /// The message in Chinese.
    pub zh: String,
    /// The message in English.
    pub en: String,
}

/// The services' problems as the web layer shows them.
pub fn field_errors(problems: Vec<crate::services::problem::Problem>) -> Vec<FieldError> {
    problems.into_iter().map(FieldError::from).collect()
}

impl From<crate::services::problem::Problem> for FieldError {
    /// Renders the problem's message from the catalogue in both languages (a form shows the
    /// page's, the API returns both).
    fn from(p: crate::services::problem::Problem) -> Self {
        FieldError {
            zh: p.render(Lang::Zh),
            en: p.render(Lang::En),
            field: p.field,
        }
    }
}

/// What a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such page or record (or one the user may not know exists).
    #[error("not found")]
    NotFound,
    /// Not logged in.
    #[error("login required")]
    Unauthorized,
    /// Logged in, but the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// The input did not validate; every bad field has a message.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// Too many requests from this client address (or for one name from it); try again after
    /// this many seconds (sent as `Retry-After` too).
    #[error("too many requests; retry after {0} s")]
    TooManyRequests(u64),
    /// The database cannot be reached, or is busy or read-only for now: a 503 with
    /// `Retry-After`, logged, never a 500. The cause is kept for the log.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: logged, shown as a generic 500 (or a 503 when the cause, however deeply
    /// wrapped, is the database being unavailable — see [`is_unavailable`]).
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// Seconds a client is asked to wait before trying again after a 503.
pub const RETRY_AFTER_SECS: u32 = 5;

/// Whether a database error means "not now" rather than "wrong": SQLite busy or locked (another
/// writer held the lock past the busy timeout), a read-only database, a connection that is
/// closed or cannot be made.
pub fn is_unavailable_db(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error as E};
    match e {
        E::DatabaseError(K::ClosedConnection | K::ReadOnlyTransaction, _) => true,
        E::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("database is locked")
                || m.contains("database table is locked")
                || m.contains("readonly database")
                || m.contains("disk I/O error")
                || m.contains("unable to open database")
                || m.contains("due to lock timeout")
                || m.contains("terminating connection")
                || m.contains("server closed the connection")
                || m.contains("could not connect")
        }
        E::BrokenTransactionManager => true,
        _ => false,
    }
}

/// Whether `e`, or anything in its chain of causes, is the database being unavailable: a pool
/// that timed out waiting for a connection, a connection that could not be made, or a
/// [`is_unavailable_db`] query error.
pub fn is_unavailable(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<r2d2::Error>() || err.is::<diesel::ConnectionError>() {
            return true;
        }
        if let Some(d) = err.downcast_ref::<diesel::result::Error>() {
            if is_unavailable_db(d) {
                return true;
            }
        }
        if let Some(d) = err.downcast_ref::<diesel::r2d2::Error>() {
            return match d {
                diesel::r2d2::Error::ConnectionError(_) => true,
                diesel::r2d2::Error::QueryError(q) => is_unavailable_db(q),
            };
        }
        cur = err.source();
    }
    false
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

impl AppError {
    /// One invalid field.
    pub fn invalid(field: &str, zh: &str, en: &str) -> Self {
        AppError::Invalid(vec![FieldError {
            field: field.into(),
            zh: zh.into(),
            en: en.into(),
        }])
    }

    fn texts(&self) -> (Cow<'static, str>, Cow<'static, str>) {
        let fixed = |zh: &'static str, en: &'static str| (Cow::Borrowed(zh), Cow::Borrowed(en));
        match self {
            AppError::NotFound => fixed("页面或记录不存在。", "Page or record not found."),
            AppError::Unauthorized => fixed("请先登录。", "Please log in first."),
            AppError::Forbidden => fixed("您没有权限执行此操作。", "You are not allowed to do this."),
            AppError::Invalid(_) => fixed("提交的内容有误。", "Some of the input is not valid."),
            AppError::TooManyRequests(secs) => (
                format!("尝试次数过多，请在 {secs} 秒后再试。").into(),
                format!("Too many attempts; try again in {secs} seconds.").into(),
            ),
            AppError::Unavailable(_) => fixed(
                "数据库暂时不可用，请稍后再试。",
                "The database is temporarily unavailable; please try again later.",
            ),
            AppError::Internal(_) if self.unavailable() => AppError::Unavailable(String::new()).texts(),
            AppError::Internal(_) => fixed(
                "服务器内部错误，请稍后再试。",
                "Internal error; please try again later.",
            ),
        }
    }

    /// The response's `Retry-After` (a throttled request, or the database away) and whether it
    /// must not be stored.
    fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests(secs) => Some(*secs),
            _ if self.unavailable() => Some(u64::from(RETRY_AFTER_SECS)),
            _ => None,
        }
    }

    /// Adds `Retry-After` (and `no-store` for a 503, so no cache keeps the outage) to a response.
    fn add_retry_headers(&self, res: &mut actix_web::HttpResponseBuilder) {
        if let Some(secs) = self.retry_after() {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.unavailable() {
            res.insert_header((header::CACHE_CONTROL, "no-store"));
        }
    }

    /// Whether this is (or wraps) the database being unavailable: answered with a 503.
    pub fn unavailable(&self) -> bool {
        match self {
            AppError::Unavailable(_) => true,
            AppError::Internal(e) => e.chain().any(is_unavailable),
            _ => false,
        }
    }

    /// Logs the cause of a 500 or 503 once.
    fn log(&self, what: &str) {
        match self {
            AppError::Unavailable(cause) => tracing::warn!(cause, "{what}: database unavailable"),
            AppError::Internal(e) if self.unavailable() => {
                tracing::warn!(error = ?e, "{what}: database unavailable")
            }
            AppError::Internal(e) => tracing::error!(error = ?e, "{what}"),
            _ => {}
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        if is_unavailable_db(&e) {
            return AppError::Unavailable(e.to_string());
        }
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl From<r2d2::Error> for AppError {
    /// The pool's only error: no connection within its timeout — the database is away (or
    /// every connection is busy), so the client should come back later.
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message_zh: &'a str,
    message_en: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fields: &'a [FieldError],
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            _ if self.unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unavailable(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log("request failed");
        let (zh, en) = self.texts();
        let fields: &[FieldError] = match self {
            AppError::Invalid(f) => f,
            _ => &[],
        };
        // Bilingual, because the error path has no request to read a language from.
        let page = ErrorPage {
            code: self.status_code().as_u16(),
            zh: &zh,
            en: &en,
            fields,
        };
        let body = page.render().unwrap_or_else(|_| format!("{zh} / {en}"));
        let mut res = HttpResponse::build(self.status_code());
        self.add_retry_headers(&mut res);
        res.insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .body(body)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    code: u16,
    zh: &'a str,
    en: &'a str,
    fields: &'a [FieldError],
}

/// An error page in the reader's language, once the request is known ([`localize`]).
#[derive(Template)]
#[template(path = "error_lang.html")]
struct LangErrorPage<'a> {
    lang: Lang,
    code: u16,
    message: &'a str,
    /// (field, message) in `lang`.
    fields: Vec<(&'a str, &'a str)>,
}

impl AppError {
    /// The error page's body in `lang`.
    fn page_in(&self, lang: Lang) -> String {
        let (zh, en) = self.texts();
        let message = lang.pick(&zh, &en);
        let fields = match self {
            AppError::Invalid(f) => f
                .iter()
                .map(|f| (f.field.as_str(), lang.pick(&f.zh, &f.en)))
                .collect(),
            _ => Vec::new(),
        };
        let page = LangErrorPage {
            lang,
            code: self.status_code().as_u16(),
            message,
            fields,
        };
        page.render().unwrap_or_else(|_| message.to_string())
    }
}

/// Middleware: an HTML error page is written in the reader's language (`?lang=`, the cookie,
/// `Accept-Language`), like every other page. [`AppError`]'s own `error_response` has no request
/// to read the language from and writes both; under `/api/` the JSON error is left alone.
pub async fn localize(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let lang = Lang::from_request_parts(req.request());
    let api = req.path().starts_with("/api/");
    let res = next.call(req).await?.map_into_boxed_body();
    if api {
        return Ok(api_json_error(res));
    }
    let Some(page) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
        .map(|e| e.page_in(lang))
    else {
        return Ok(res);
    };
    Ok(res.map_body(|head, _| {
        head.headers_mut().remove(header::CONTENT_LENGTH);
        actix_web::body::BoxBody::new(page)
    }))
}

/// Under `/api/`, an error answered by anything but a handler's [`ApiError`] (actix's 404 and 405
/// with `Allow`, a refused extractor, an [`AppError`] page) becomes the documented JSON error:
/// same status and headers, `{"error", "message_zh", "message_en"}` body.
fn api_json_error(
    res: actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
) -> actix_web::dev::ServiceResponse<actix_web::body::BoxBody> {
    let status = res.status();
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || json {
        return res;
    }
    let body = match res.response().error().and_then(|e| e.as_error::<AppError>()) {
        Some(e) => {
            let (zh, en) = e.texts();
            let fields: &[FieldError] = match e {
                AppError::Invalid(f) => f,
                _ => &[],
            };
            serde_json::to_string(&ErrorBody {
                error: e.code(),
                message_zh: &zh,
                message_en: &en,
                fields,
            })
        }
        None => {
            let (code, id) = status_code_words(status);
            serde_json::to_string(&ErrorBody {
                error: code,
                message_zh: Lang::Zh.t(id),
                message_en: Lang::En.t(id),
                fields: &[],
            })
        }
    }
    .unwrap_or_default();
    res.map_body(|head, _| {
        head.headers_mut().remove(header::CONTENT_LENGTH);
        head.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        actix_web::body::BoxBody::new(body)
    })
}

/// The `error` code and message id of an `/api/` error status no handler wrote.
fn status_code_words(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => ("bad_request", "api-error-bad-request"),
        StatusCode::NOT_FOUND => ("not_found", "api-error-not-found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "api-error-method-not-allowed"),
        StatusCode::NOT_ACCEPTABLE => ("not_acceptable", "api-error-not-acceptable"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "api-error-too-large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "api-error-unsupported-media-type"),
        _ => ("error", "api-error-other"),
    }
}

/// A JSON error of `/api/` with `status`, its code and message, and the fields at fault.
fn api_error(status: StatusCode, fields: Vec<FieldError>) -> actix_web::Error {
    let (code, id) = match status {
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid", ""),
        s => status_code_words(s),
    };
    let (zh, en) = if id.is_empty() {
        let (zh, en) = AppError::Invalid(Vec::new()).texts();
        (zh.into_owned(), en.into_owned())
    } else {
        (Lang::Zh.t(id).to_string(), Lang::En.t(id).to_string())
    };
    let res = HttpResponse::build(status).json(ErrorBody {
        error: code,
        message_zh: &zh,
        message_en: &en,
        fields: &fields,
    });
    actix_web::error::InternalError::from_response(format!("{code}: {en}"), res).into()
}

/// `JsonConfig`'s error handler: too large is a 413, not JSON a 415, JSON that does not fit the
/// body's schema (a wrong type, a missing field) a 422 naming the problem.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::Overflow { .. } | E::OverflowKnownLength { .. } => {
            api_error(StatusCode::PAYLOAD_TOO_LARGE, Vec::new())
        }
        E::ContentType => api_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, Vec::new()),
        E::Deserialize(e) => {
            let detail = e.to_string();
            api_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![FieldError {
                    field: "body".into(),
                    zh: Lang::Zh.tr("api-error-body", &[("detail", detail.clone().into())]),
                    en: Lang::En.tr("api-error-body", &[("detail", detail.into())]),
                }],
            )
        }
        _ => api_error(StatusCode::BAD_REQUEST, Vec::new()),
    }
}

/// `QueryConfig`'s error handler: under `/api/` a query string that does not fit is a 422 JSON
/// error naming the problem; pages keep actix's 400.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    req: &actix_web::HttpRequest,
) -> actix_web::Error {
    if !req.path().starts_with("/api/") {
        return err.into();
    }
    let detail = err.to_string();
    api_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![FieldError {
            field: "query".into(),
            zh: Lang::Zh.tr("api-error-query", &[("detail", detail.clone().into())]),
            en: Lang::En.tr("api-error-query", &[("detail", detail.into())]),
        }],
    )
}

impl AppError {
    fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Invalid(_) => "invalid",
            AppError::TooManyRequests(_) => "too_many_requests",
            _ if self.unavailable() => "unavailable",
            AppError::Unavailable(_) | AppError::Internal(_) => "internal",
        }
    }
}

/// The JSON form of an [`AppError`], for handlers under `/api`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log("api request failed");
        let (zh, en) = self.0.texts();
        let fields: &[FieldError] = match &self.0 {
            AppError::Invalid(f) => f,
            _ => &[],
        };
        let mut res = HttpResponse::build(self.status_code());
        self.0.add_retry_headers(&mut res);
        res.json(ErrorBody {
            error: self.0.code(),
            message_zh: &zh,
            message_en: &en,
            fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error as DieselError};

    fn db_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_string()))
    }

    #[test]
    fn a_busy_or_absent_database_is_a_503_however_it_is_wrapped() {
        let locked = || db_error(DatabaseErrorKind::Unknown, "database is locked");
        for e in [
            AppError::from(locked()),
            AppError::from(anyhow::Error::new(locked()).context("while saving the notice")),
            AppError::Internal(anyhow::Error::new(db_error(
                DatabaseErrorKind::Unknown,
                "canceling statement due to lock timeout",
            ))),
            AppError::from(db_error(DatabaseErrorKind::ReadOnlyTransaction, "read-only")),
            AppError::from(db_error(
                DatabaseErrorKind::ClosedConnection,
                "server closed the connection",
            )),
        ] {
            assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE, "{e:?}");
            let res = e.error_response();
            assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "5");
            let api = ApiError(e).error_response();
            assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert!(api.headers().get(header::RETRY_AFTER).is_some());
        }
        // A real bug stays a 500, without Retry-After.
        for e in [
            AppError::from(db_error(DatabaseErrorKind::UniqueViolation, "duplicate key")),
            AppError::from(anyhow::anyhow!("template failed")),
            AppError::from(DieselError::NotFound),
        ] {
            assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR, "{e:?}");
            assert!(e.error_response().headers().get(header::RETRY_AFTER).is_none());
        }
    }
}
