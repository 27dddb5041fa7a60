//! HTTP caching of public pages and downloads: entity tags, `If-None-Match` → `304`, and the
//! public HTML pages kept as rendered bytes until the lists change.
//!
//! The rule for HTML pages (`/`, `/lists/{list}`, `/merchants/{id}`):
//! - a visitor with no session user gets `Cache-Control: public, no-cache`: any cache may keep the
//!   page but must ask again each time, so a newly published edition is seen at once; asking again
//!   costs a `304` when nothing changed;
//! - a logged-in user's page carries their name and CSRF token, so it is `private, no-cache` and its
//!   tag (a hash of the body) differs from every other user's: no `304` across users.
//!
//! Every tag is the SHA-256 of the body, so it changes exactly when the bytes change (language,
//! query, edition, rating, the user shown in the header).

use std::collections::HashMap;
use std::sync::Mutex;

use actix_session::Session;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::{auth, Lang, PageCtx, SESSION_ROLE, SESSION_USERNAME};
use crate::services::lists::Version;
use crate::services::records::RecordVersion;

/// How long browsers and proxies may reuse an export without asking again.
pub const EXPORT_CACHE_CONTROL: &str = "public, max-age=300";
/// HTML pages for visitors with no session: storable by anyone, revalidated on every use.
pub const PUBLIC_PAGE: &str = "public, no-cache";
/// HTML pages that show the logged-in user: never in a shared cache.
pub const PRIVATE_PAGE: &str = "private, no-cache";

/// The most rendered pages kept; past it the cache starts again empty.
const MAX_PAGES: usize = 4096;

/// The strong entity tag of a body: the quoted hex SHA-256, so equal bytes give equal tags on every
/// server and after a restart.
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Sha256::digest(body)))
}

/// Whether an `If-None-Match` value names `etag`. The header uses the weak comparison (RFC 9110
/// §13.1.2), so `W/"…"` matches too, and `*` matches anything.
fn none_match(header_value: &str, etag: &str) -> bool {
    header_value
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// Whether the request's `If-None-Match` already names `etag`.
fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|v| none_match(v, etag))
}

/// A cacheable `200` with `body`, or a body-less `304 Not Modified` when the request's
/// `If-None-Match` already names the body's ETag. Both carry `ETag` and
/// `Cache-Control: public, max-age=300`; `extra_headers` (e.g. `Content-Disposition`) go on the
/// `200` only.
pub fn cached_response(
    req: &HttpRequest,
    content_type: &str,
    body: Vec<u8>,
    extra_headers: &[(HeaderName, HeaderValue)],
) -> HttpResponse {
    let etag = etag_of(&body);
    let unchanged = not_modified(req, &etag);
    let mut res = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, EXPORT_CACHE_CONTROL));
    if unchanged {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, content_type));
    for (name, value) in extra_headers {
        res.insert_header((name.clone(), value.clone()));
    }
    res.body(body)
}

/// An HTML page as sent: its bytes and their tag.
#[derive(Clone)]
pub struct Rendered {
    pub body: Bytes,
    pub etag: String,
}

impl Rendered {
    /// Renders `t` and tags the bytes.
    pub fn of(t: &impl askama::Template) -> Result<Self, super::AppError> {
        let body = t.render().map_err(|e| super::AppError::Internal(e.into()))?;
        Ok(Self::from_body(body.into_bytes()))
    }

    fn from_body(body: Vec<u8>) -> Self {
        Rendered {
            etag: etag_of(&body),
            body: Bytes::from(body),
        }
    }
}

/// A `200` with the page, or `304` when `If-None-Match` names it. `public` chooses between the
/// visitor's and the logged-in user's `Cache-Control` (see the module comment).
pub fn page_response(req: &HttpRequest, page: &Rendered, public: bool) -> HttpResponse {
    let unchanged = not_modified(req, &page.etag);
    let mut res = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, page.etag.clone()))
        .insert_header((
            header::CACHE_CONTROL,
            if public { PUBLIC_PAGE } else { PRIVATE_PAGE },
        ))
        // The language comes from the query, the `lang` cookie or Accept-Language.
        .insert_header((header::VARY, "Accept-Language, Cookie"));
    if unchanged {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(page.body.clone())
}

/// The page context of a cacheable public page. Unlike the [`PageCtx`] extractor it creates no
/// CSRF token (and so sets no session cookie) for a visitor who is not logged in: the only form
/// on these pages that needs one is the log-out button.
pub fn viewer_ctx(req: &HttpRequest, session: &Session) -> PageCtx {
    let lang = Lang::from_request_parts(req);
    let user = session.get::<String>(SESSION_USERNAME).unwrap_or(None);
    match user {
        None => PageCtx {
            lang,
            user: None,
            role: None,
            csrf: String::new(),
        },
        Some(u) => PageCtx {
            lang,
            user: Some(u),
            role: session.get::<String>(SESSION_ROLE).unwrap_or(None),
            csrf: auth::csrf_token(session),
        },
    }
}

/// Rendered public pages for visitors with no session, kept while the lists' [`Version`] holds.
/// Keys name the page, the language and the query (e.g. `list:red:en:中餐::2`).
#[derive(Default)]
pub struct PageCache {
    inner: Mutex<(Option<Version>, HashMap<String, Rendered>)>,
}

impl PageCache {
    /// The page rendered at `version`, if any.
    pub fn get(&self, key: &str, version: &Version) -> Option<Rendered> {
        let inner = self.inner.lock().ok()?;
        if inner.0.as_ref() != Some(version) {
            return None;
        }
        inner.1.get(key).cloned()
    }

    /// Keeps a page rendered at `version`; pages of an older version are dropped.
    pub fn put(&self, key: String, version: &Version, page: Rendered) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.0.as_ref() != Some(version) || inner.1.len() >= MAX_PAGES {
            inner.0 = Some(*version);
            inner.1.clear();
        }
        inner.1.insert(key, page);
    }
}

/// Most merchant records kept rendered; past it the cache starts again (a record is rendered again
/// on its next visit).
const MAX_RECORDS: usize = 20_000;

/// Rendered merchant records for visitors with no session, each kept while its
/// [`RecordVersion`] holds: one small query per visit instead of the record's seven and a render.
#[derive(Default)]
pub struct RecordCache {
    inner: Mutex<HashMap<RecordKey, (RecordVersion, Rendered)>>,
}

/// A merchant id and a language tag.
type RecordKey = (i32, &'static str);

impl RecordCache {
    /// The record of merchant `id` in `lang` rendered at `version`, if any.
    pub fn get(&self, id: i32, lang: Lang, version: &RecordVersion) -> Option<Rendered> {
        let inner = self.inner.lock().ok()?;
        match inner.get(&(id, lang.tag())) {
            Some((v, page)) if v == version => Some(page.clone()),
            _ => None,
        }
    }

    /// Keeps the record rendered at `version`.
    pub fn put(&self, id: i32, lang: Lang, version: RecordVersion, page: Rendered) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.len() >= MAX_RECORDS {
            inner.clear();
        }
        inner.insert((id, lang.tag()), (version, page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_forms() {
        let tag = etag_of(b"x");
        assert!(none_match(&tag, &tag));
        assert!(none_match(&format!("W/{tag}"), &tag));
        assert!(none_match(&format!("\"abc\", {tag}"), &tag));
        assert!(none_match("*", &tag));
        assert!(!none_match("\"abc\"", &tag));
        assert!(!none_match(tag.trim_matches('"'), &tag));
    }

    #[test]
    fn the_page_cache_forgets_older_versions() {
        let cache = PageCache::default();
        let v1: Version = (Some(1), Some(10), None);
        let v2: Version = (Some(2), Some(10), None);
        cache.put("home:zh".into(), &v1, Rendered::from_body(b"one".to_vec()));
        assert!(cache.get("home:zh", &v1).is_some());
        assert!(cache.get("home:en", &v1).is_none());
        assert!(cache.get("home:zh", &v2).is_none());
        cache.put("home:en".into(), &v2, Rendered::from_body(b"two".to_vec()));
        assert!(cache.get("home:zh", &v2).is_none(), "v1 pages were dropped");
        assert_eq!(cache.get("home:en", &v2).unwrap().body.as_ref(), b"two");
    }
}
