//! The web layer's one error type: it chooses the status code, logs the cause once, and shows
//! the user a friendly page (or a JSON body under `/api`) without internal details.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;
use std::borrow::Cow;

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

impl From<crate::services::problem::Problem> for FieldError {
    fn from(p: crate::services::problem::Problem) -> Self {
        FieldError {
            field: p.field,
            zh: p.zh,
            en: p.en,
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
    /// Anything else: logged, shown as a generic 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
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
            AppError::Internal(_) => fixed(
                "服务器内部错误，请稍后再试。",
                "Internal error; please try again later.",
            ),
        }
    }

    /// The response's `Retry-After`, for a throttled request.
    fn retry_after(&self) -> Option<(header::HeaderName, String)> {
        match self {
            AppError::TooManyRequests(secs) => Some((header::RETRY_AFTER, secs.to_string())),
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e))
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
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "request failed");
        }
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
        if let Some(h) = self.retry_after() {
            res.insert_header(h);
        }
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

impl AppError {
    fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Invalid(_) => "invalid",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::Internal(_) => "internal",
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
        if let AppError::Internal(e) = &self.0 {
            tracing::error!(error = ?e, "api request failed");
        }
        let (zh, en) = self.0.texts();
        let fields: &[FieldError] = match &self.0 {
            AppError::Invalid(f) => f,
            _ => &[],
        };
        let mut res = HttpResponse::build(self.status_code());
        if let Some(h) = self.0.retry_after() {
            res.insert_header(h);
        }
        res.json(ErrorBody {
            error: self.0.code(),
            message_zh: &zh,
            message_en: &en,
            fields,
        })
    }
}
