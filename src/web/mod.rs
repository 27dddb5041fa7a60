//! HTTP: the actix application, its shared state, and the handlers by audience.

pub mod about;
pub mod account;
pub mod admin;
pub mod api;
pub mod auth;
pub mod bulletins;
pub mod cache;
pub mod campaigns;
pub mod charter;
pub mod charts;
pub mod client;
pub mod commendations;
pub mod committee;
pub mod consumer;
pub mod editions;
pub mod error;
pub mod export;
pub mod extract;
pub mod guard;
pub mod i18n;
pub mod inspections;
pub mod inspections_api;
pub mod membership;
pub mod merchants;
pub mod notice_print;
pub mod notices;
pub mod notices_api;
pub mod openapi;
pub mod outbox;
pub mod portal;
pub mod programme;
pub mod public;
pub mod report_charts;
pub mod reports;
pub mod request_span;
pub mod security_headers;
pub mod signup;
pub mod staff;
pub mod staff_words;
pub mod throttle;

use actix_session::Session;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

use crate::config::Config;
use crate::db::{DbConn, Pool};
pub use error::{ApiError, AppError, FieldError};
pub use i18n::Lang;

/// What every handler can reach: the pool, the configuration, the active rating policy.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub pool: Pool,
    /// Settings read at start-up.
    pub config: Config,
    /// The rating policy in force, kept in step with the database (`gongzhi policy load`).
    pub policy: std::sync::Arc<crate::services::policy::PolicyStore>,
    /// The public lists, cached until an edition is published or a rating changes.
    pub lists: std::sync::Arc<crate::services::lists::ListCache>,
    /// The public HTML pages as rendered for visitors, kept while the lists do not change.
    pub pages: std::sync::Arc<cache::PageCache>,
    /// The merchant records as rendered for visitors, each kept while its data does not change.
    pub records: std::sync::Arc<cache::RecordCache>,
    /// The consumers' merchant search index, kept while no merchant changes.
    pub search: std::sync::Arc<cache::SearchCache>,
    /// Published editions' pages as rendered for visitors (editions never change).
    pub editions: std::sync::Arc<cache::EditionCache>,
    /// The log-in, sign-in link and complaint throttles (in memory, per process).
    pub throttle: std::sync::Arc<throttle::Throttles>,
    /// One permit per pooled connection: the requests waiting for the database queue here, in
    /// order of arrival ([`with_db`]).
    pub db_slots: std::sync::Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// The [`AppState::db_slots`] for `pool`: as many as it has connections.
    pub fn db_slots_for(pool: &Pool) -> std::sync::Arc<tokio::sync::Semaphore> {
        std::sync::Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize))
    }
}

/// Runs `f` with a pooled connection on actix's blocking pool, so diesel never blocks the async
/// executor.
///
/// A request first takes one of [`AppState::db_slots`] (as many as the pool has connections),
/// waiting in order of arrival: without it, under load every request took a blocking thread
/// that slept on the pool and was woken in no order, so some waited many turns (search's p99
/// was five times its mean on PostgreSQL). Slot and connection are waited for at most
/// `GONGZHI_DB_WAIT_MS` together; then the answer is 503, as when the database is down.
pub async fn with_db<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let wait = state.config.db_wait;
    let asked = std::time::Instant::now();
    let slot = match tokio::time::timeout(wait, state.db_slots.clone().acquire_owned()).await {
        Ok(Ok(slot)) => slot,
        Ok(Err(_)) | Err(_) => {
            return Err(AppError::Unavailable(format!(
                "no database connection free within {} ms",
                wait.as_millis()
            )))
        }
    };
    let pool = state.pool.clone();
    web::block(move || {
        let _slot = slot;
        let mut conn = pool.get_timeout(wait.saturating_sub(asked.elapsed()))?;
        f(&mut conn)
    })
    .await?
}

/// [`with_db`] for a short read behind a public page: on SQLite, when a slot and a connection are
/// free at once, `f` runs right here on the worker thread instead of on the blocking pool. A
/// read in WAL mode never waits for a writer's lock, and handing it to another thread and back
/// (two context switches) was a twentieth of an uncached record's time and most of its tail:
/// records uniform, three alternating rounds, 4,475–4,736 → 4,576–4,745 requests/s and p99
/// 28–31 → 20–22 ms. Otherwise — PostgreSQL (a network round trip a query, which must not hold
/// the worker), or every connection busy — it is [`with_db`], which waits in order.
pub async fn with_db_read<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    if state.config.database.backend == crate::config::Backend::Sqlite {
        if let Ok(_slot) = state.db_slots.clone().try_acquire_owned() {
            if let Some(mut conn) = state.pool.try_get() {
                return f(&mut conn);
            }
        }
    }
    with_db(state, f).await
}

/// Renders a template with a status: a form with errors is still a full page, sent with 422.
pub fn html(
    status: actix_web::http::StatusCode,
    t: &impl askama::Template,
) -> Result<actix_web::HttpResponse, AppError> {
    let body = t.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The 303 redirect that ends a successful form post.
pub fn see_other(location: impl Into<String>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.into()))
        .finish()
}

/// A record id from the path; anything that is not a number is a 404, like a missing record.
pub fn parse_id(raw: &str) -> Result<i32, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// The most pages any paged page or endpoint goes to: far past the last page of the largest town.
pub const MAX_PAGE: i64 = 100_000;

/// A `page` query parameter: empty is page 1; anything but a whole number from 1 to [`MAX_PAGE`]
/// is refused with a message in both languages (422), never silently read as another page.
pub fn parse_page(raw: &str) -> Result<i64, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(1);
    }
    match raw.parse::<i64>() {
        Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        _ => Err(AppError::invalid(
            "page",
            &format!("页码应为 1 到 {MAX_PAGE} 之间的整数。"),
            &format!("The page must be a whole number from 1 to {MAX_PAGE}."),
        )),
    }
}

/// Session keys: the cookie holds the server-side session's secret id (see
/// [`crate::services::sessions`]) and the CSRF token, nothing that grants access by itself.
pub(crate) const SESSION_ID: &str = "sid";
pub(crate) const SESSION_CSRF: &str = "csrf";

/// What the base layout needs on every page: the language, who is logged in, the CSRF token.
pub struct PageCtx {
    /// The page's language.
    pub lang: Lang,
    /// The logged-in user's name, if any.
    pub user: Option<String>,
    /// The role of the logged-in user, if any.
    pub role: Option<crate::domain::words::Role>,
    /// The session's CSRF token, for forms.
    pub csrf: String,
    /// Where the language switch leads: this page's path and query without `lang` (see
    /// [`PageCtx::here_of`]); a handler that renders a page in answer to a POST may point it at
    /// the page's own form with [`PageCtx::switch_to`].
    pub here: String,
}

/// Query parameters that never go into the language switch's link.
const SWITCH_DROPS: &[&str] = &["lang", "csrf"];

impl PageCtx {
    /// The path and query the language switch keeps for `req`: for a GET the path and the query
    /// without `lang`; for anything else (a page rendered in answer to a POST) the path alone,
    /// which is the form's own page for most forms (handlers override it where it is not).
    pub fn here_of(req: &HttpRequest) -> String {
        let path = req.path().to_string();
        if req.method() != actix_web::http::Method::GET && req.method() != actix_web::http::Method::HEAD {
            return path;
        }
        Self::with_query(path, url::form_urlencoded::parse(req.query_string().as_bytes()))
    }

    /// `path` with the query pairs `pairs` (minus `lang`), in their order.
    fn with_query<'a>(
        path: String,
        pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
    ) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        let mut any = false;
        for (k, v) in pairs.filter(|(k, _)| !SWITCH_DROPS.contains(&k.as_ref())) {
            q.append_pair(&k, &v);
            any = true;
        }
        if any {
            format!("{path}?{}", q.finish())
        } else {
            path
        }
    }

    /// `path` with only the `keep` parameters of `query` (pages kept for every visitor).
    pub fn keep_only(path: &str, query: &str, keep: &[&str]) -> String {
        Self::with_query(
            path.to_string(),
            url::form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| keep.contains(&k.as_ref())),
        )
    }

    /// Points the language switch at `path_and_query` (a GET page that exists), e.g. the form
    /// page of a form whose errors this page shows.
    pub fn switch_to(&mut self, path_and_query: impl Into<String>) {
        self.here = path_and_query.into();
    }

    /// The link to this page in `other`: the kept path and query with `lang` set.
    pub fn lang_href(&self, other: &Lang) -> String {
        let sep = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{sep}lang={}", self.here, other.code())
    }
}

impl FromRequest for PageCtx {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let lang = Lang::from_request_parts(req);
        let user = guard::CurrentUser::of(req);
        let here = PageCtx::here_of(req);
        let session = Session::from_request(req, payload);
        Box::pin(async move {
            let session = session.await?;
            let (user, role) = match user {
                Some(u) => (Some(u.username), Some(u.role)),
                None => (None, None),
            };
            Ok(PageCtx {
                lang,
                user,
                role,
                csrf: extract::csrf_token(&session),
                here,
            })
        })
    }
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(public::home)))
        .service(web::resource("/healthz").route(web::get().to(public::healthz)))
        .service(web::resource("/livez").route(web::get().to(public::livez)))
        .service(web::resource("/static/app.css").route(web::get().to(public::stylesheet)))
        .service(web::resource("/static/plaque.css").route(web::get().to(public::plaque_stylesheet)))
        .service(
            web::resource("/static/certificate.css").route(web::get().to(public::certificate_stylesheet)),
        )
        .service(web::resource("/static/app.js").route(web::get().to(public::script)))
        .service(web::resource("/static/inspection.js").route(web::get().to(public::inspection_script)))
        .service(web::resource("/favicon.ico").route(web::get().to(public::favicon)))
        .service(web::resource("/lists/{list}").route(web::get().to(public::list_page)))
        .service(web::resource("/merchants/{id}").route(web::get().to(public::merchant_page)))
        .service(
            web::resource("/login")
                .route(web::get().to(auth::login_form))
                .route(web::post().to(auth::login_submit)),
        )
        .service(
            web::resource("/editions")
                .route(web::get().to(editions::archive))
                .route(web::post().to(editions::publish)),
        )
        .service(web::resource("/editions/preview").route(web::get().to(editions::preview)))
        .service(web::resource("/editions/{number}").route(web::get().to(editions::show)))
        .service(web::resource("/api/v1/public/lists/{list}").route(web::get().to(api::public_list)))
        .service(web::resource("/api/v1/public/editions").route(web::get().to(api::public_editions)))
        .service(web::resource("/api/v1/public/editions/{number}").route(web::get().to(api::public_edition)))
        .service(web::resource("/api/v1/public/merchants/{id}").route(web::get().to(api::public_merchant)))
        .service(
            web::resource("/api/v1/public/merchants/{id}/ratings").route(web::get().to(api::public_ratings)),
        )
        .service(web::resource("/api/v1/openapi.json").route(web::get().to(openapi::serve)))
        .service(web::resource("/api/v1/tokens").route(web::post().to(api::create_token)))
        .service(web::resource("/api/v1/tokens/{id}").route(web::delete().to(api::revoke_token)))
        .service(web::resource("/staff").route(web::get().to(staff::dashboard)))
        .configure(about::routes)
        .configure(export::routes)
        .configure(merchants::routes)
        .configure(committee::routes)
        .configure(commendations::routes)
        .configure(reports::routes)
        .configure(consumer::routes)
        .configure(admin::routes)
        .configure(outbox::routes)
        .service(web::resource("/logout").route(web::post().to(auth::logout)))
        .configure(account::routes)
        .configure(notices::routes)
        .configure(notice_print::routes)
        .configure(notices_api::routes)
        .configure(portal::routes)
        .configure(signup::routes)
        .configure(bulletins::routes)
        .configure(inspections::routes)
        .configure(inspections_api::routes)
        .configure(programme::routes)
        .configure(membership::routes)
        .configure(charter::routes)
        .configure(campaigns::routes);
}

/// Middleware (via `from_fn`) that remembers `?lang=` in a cookie, so the choice sticks.
pub async fn remember_lang(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let chosen = i18n::query_lang(req.query_string());
    let mut res = next.call(req).await?;
    if let Some(lang) = chosen {
        let cookie = actix_web::cookie::Cookie::build("lang", lang.tag())
            .path("/")
            .same_site(actix_web::cookie::SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}
