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
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_session::Session;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::{extract, guard::CurrentUser, Lang, PageCtx};
use crate::services::lists::Version;
use crate::services::records::RecordVersion;
use crate::services::search::{SearchIndex, SearchVersion};

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

/// An HTML page as sent: its bytes and their tag, and — the first time a client that accepts gzip
/// asks for it — the same gzip-compressed, with a tag of its own, shared by every clone (so a
/// cached page is compressed once, not on every browser request as the `Compress` middleware
/// would; a page nobody asks compressed is never compressed).
///
/// A page kept for long among many ([`RecordCache`]) is kept *packed*: its gzip bytes only, the
/// uncompressed body dropped (a record is ~15 KB as it is and ~3 KB gzipped); the rare client
/// that does not take gzip gets it decompressed ([`Rendered::plain`]).
#[derive(Clone)]
pub struct Rendered {
    /// The page as it is; empty when `packed`.
    body: Bytes,
    pub etag: String,
    gzip: Arc<OnceLock<Option<(Bytes, String)>>>,
    /// Compress with the fastest level: for pages mostly drawn for one request (a record, a
    /// search), where compressing at the default level was a sixth of the request's time.
    quick: bool,
    /// Only the gzip bytes are kept ([`Rendered::packed`]).
    packed: bool,
}

impl Rendered {
    /// Renders `t` and tags the bytes.
    pub fn of(t: &impl askama::Template) -> Result<Self, super::AppError> {
        let body = t.render().map_err(|e| super::AppError::Internal(e.into()))?;
        Ok(Self::from_body(body.into_bytes()))
    }

    /// Tags bytes made some other way (a JSON body).
    pub fn from_body(body: Vec<u8>) -> Self {
        Rendered {
            etag: etag_of(&body),
            body: Bytes::from(body),
            gzip: Arc::default(),
            quick: false,
            packed: false,
        }
    }

    /// The page as it is (decompressed again when it is kept [`packed`](Self::packed)).
    pub fn plain(&self) -> Bytes {
        if !self.packed {
            return self.body.clone();
        }
        use std::io::Read;
        let mut out = Vec::new();
        let unzipped = self
            .gzip()
            .ok_or_else(|| std::io::Error::other("a packed page without its gzip bytes"))
            .and_then(|(gz, _)| flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut out));
        match unzipped {
            Ok(_) => Bytes::from(out),
            // Cannot happen (the bytes were compressed here and never leave memory); an empty
            // page would be a silent loss, so say so loudly.
            Err(e) => {
                tracing::error!(error = %e, etag = %self.etag, "a kept page could not be decompressed");
                Bytes::from_static(b"")
            }
        }
    }

    /// The page kept by its gzip bytes only (compressed now if no request has asked for them
    /// yet), sharing them with `self`; as it is when compressing failed.
    pub fn packed(&self) -> Rendered {
        if self.packed || self.gzip().is_none() {
            return self.clone();
        }
        Rendered {
            body: Bytes::new(),
            etag: self.etag.clone(),
            gzip: self.gzip.clone(),
            quick: self.quick,
            packed: true,
        }
    }

    /// The bytes it takes in memory: the body as it is, or the gzip bytes of a packed page.
    fn kept_bytes(&self) -> u64 {
        if self.packed {
            self.gzip().map_or(0, |(gz, _)| gz.len() as u64)
        } else {
            self.body.len() as u64
        }
    }

    /// The page, to be compressed with the fastest level ([`Compression::fast`]: a little larger,
    /// several times cheaper) when a browser asks: for pages that are mostly drawn for one
    /// request. Pages kept for many visitors (the lists) keep the default level.
    ///
    /// [`Compression::fast`]: flate2::Compression::fast
    pub fn quick(mut self) -> Self {
        self.quick = true;
        self
    }

    /// The compressed bytes and their tag (the page's tag with `-gzip`, as Apache does), made on
    /// first use; `None` if compressing failed (then the page goes out as it is).
    fn gzip(&self) -> Option<&(Bytes, String)> {
        self.gzip
            .get_or_init(|| {
                let tag = format!("{}-gzip\"", self.etag.trim_end_matches('"'));
                Some((Bytes::from(gzip(&self.body, self.quick).ok()?), tag))
            })
            .as_ref()
    }
}

type Deflater = Option<flate2::write::DeflateEncoder<Vec<u8>>>;

thread_local! {
    /// Each thread's compressors (the default level, the fastest), kept between pages: a new one
    /// allocates and zeroes ~300 KB of tables and windows.
    static DEFLATE: std::cell::RefCell<[Deflater; 2]> = const { std::cell::RefCell::new([None, None]) };
}

/// `body` as a gzip member (RFC 1952): a fixed header, the deflated bytes from this thread's
/// kept compressor (the fastest level when `quick`), the CRC-32 and the length.
fn gzip(body: &[u8], quick: bool) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    // No name, no time, no flags; "unknown" operating system (255).
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut out = Vec::with_capacity(body.len() / 4 + 32);
    out.extend_from_slice(&HEADER);
    let mut out = DEFLATE.with(|cell| -> std::io::Result<Vec<u8>> {
        let mut slots = cell.borrow_mut();
        let level = if quick {
            flate2::Compression::fast()
        } else {
            flate2::Compression::default()
        };
        let enc = slots[usize::from(quick)]
            .get_or_insert_with(|| flate2::write::DeflateEncoder::new(Vec::new(), level));
        // A fresh stream into `out` (the compressor's state is reset, its memory kept) …
        enc.reset(out)?;
        enc.write_all(body)?;
        // … finished, and handed back.
        enc.reset(Vec::new())
    })?;
    let mut crc = flate2::Crc::new();
    crc.update(body);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE: the length modulo 2^32.
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    // The buffer grew by doubling: kept as it is, a kept page would hold up to twice its bytes
    // (measured: 500,000 packed records took 3.1 GB instead of ~1.6).
    out.shrink_to_fit();
    Ok(out)
}

/// Bodies smaller than this go out uncompressed, whatever the client accepts: gzip cannot make
/// them much smaller (its header and trailer alone are 18 bytes), and setting up a compressor for
/// each one cost more than everything else such an answer does (`/livez` asked by a browser:
/// 40,000 → 14,600 requests/s on one core with actix's `Compress` compressing its 15 bytes).
pub const MIN_COMPRESSED_BYTES: u64 = 1024;

/// The mark [`plain_when_small`] puts on a small answer so that the `Compress` middleware
/// (which leaves alone any answer that names its `Content-Encoding`) passes it by; the security
/// headers' middleware, outside `Compress`, takes it off again ([`unmark_plain`]), since
/// `identity` is not a content coding a response should name.
const PLAIN: HeaderValue = HeaderValue::from_static("identity");

/// Middleware (via `from_fn`), wrapped just inside `Compress`: marks an answer whose body is
/// smaller than [`MIN_COMPRESSED_BYTES`] to go out as it is.
pub async fn plain_when_small(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::body::BodySize;
    let mut res = next.call(req).await?;
    let small = matches!(res.response().body().size(), BodySize::Sized(n) if n < MIN_COMPRESSED_BYTES);
    if small && !res.headers().contains_key(header::CONTENT_ENCODING) {
        res.headers_mut().insert(header::CONTENT_ENCODING, PLAIN);
    }
    Ok(res)
}

/// Takes [`plain_when_small`]'s mark (or a handler's own `identity`) off an answer's headers.
pub fn unmark_plain(h: &mut actix_web::http::header::HeaderMap) {
    if h.get(header::CONTENT_ENCODING) == Some(&PLAIN) {
        h.remove(header::CONTENT_ENCODING);
    }
}

/// Whether the request's `Accept-Encoding` takes gzip over the uncompressed page.
fn wants_gzip(req: &HttpRequest) -> bool {
    use actix_web::http::header::{AcceptEncoding, Encoding, Header};
    if !req.headers().contains_key(header::ACCEPT_ENCODING) {
        return false;
    }
    AcceptEncoding::parse(req)
        .ok()
        .and_then(|a| a.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        == Some(Encoding::gzip())
}

/// A `200` with the page — gzip-compressed when the request accepts it — or `304` when
/// `If-None-Match` names it. `public` chooses between the visitor's and the logged-in user's
/// `Cache-Control` (see the module comment).
pub fn page_response(req: &HttpRequest, page: &Rendered, public: bool) -> HttpResponse {
    send(
        req,
        page,
        if public { PUBLIC_PAGE } else { PRIVATE_PAGE },
        // The language comes from the query, the `lang` cookie or Accept-Language.
        "Accept-Encoding, Accept-Language, Cookie",
        "text/html; charset=utf-8",
    )
}

/// How long anyone may reuse a public JSON answer without asking again.
pub const PUBLIC_JSON: &str = "public, max-age=60";

/// A public JSON body kept as bytes ([`page_response`]'s rules: gzip when accepted, `304` when
/// `If-None-Match` names it), with the API's `Cache-Control: public, max-age=60`.
pub fn json_response(req: &HttpRequest, body: &Rendered) -> HttpResponse {
    send(
        req,
        body,
        PUBLIC_JSON,
        // The language comes from `?lang=` or Accept-Language.
        "Accept-Encoding, Accept-Language",
        "application/json",
    )
}

fn send(
    req: &HttpRequest,
    page: &Rendered,
    cache_control: &'static str,
    vary: &'static str,
    content_type: &'static str,
) -> HttpResponse {
    let compressed = if wants_gzip(req) { page.gzip() } else { None };
    let gzip = compressed.is_some();
    let (body, etag) = match compressed {
        Some((b, t)) => (b.clone(), t),
        None => (page.plain(), &page.etag),
    };
    let unchanged = not_modified(req, etag);
    let mut res = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, vary));
    if unchanged {
        return res.finish();
    }
    if gzip {
        res.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    res.insert_header((header::CONTENT_TYPE, content_type)).body(body)
}

/// The query parameters the kept public pages are keyed by (lists, editions).
const CACHE_KEY_PARAMS: &[&str] = &["category", "area", "page", "list"];

/// The page context of a cacheable public page. Unlike the [`PageCtx`] extractor it creates no
/// CSRF token (and so sets no session cookie) for a visitor who is not logged in: the only form
/// on these pages that needs one is the log-out button.
pub fn viewer_ctx(req: &HttpRequest, session: &Session) -> PageCtx {
    let lang = Lang::from_request_parts(req);
    // The switch's link is part of a page kept for every visitor: only the parameters the kept
    // pages are keyed by go into it, never whatever else a visitor's URL carried.
    let here = PageCtx::here_of(req);
    let here = match here.split_once('?') {
        Some((path, query)) => PageCtx::keep_only(path, query, CACHE_KEY_PARAMS),
        None => here,
    };
    match CurrentUser::of(req) {
        None => PageCtx {
            lang,
            user: None,
            role: None,
            csrf: String::new(),
            here,
        },
        Some(u) => PageCtx {
            lang,
            user: Some(u.username),
            role: Some(u.role),
            csrf: extract::csrf_token(session),
            here,
        },
    }
}

/// When a version was read from the database: the moment, and how many write transactions this
/// process had ended just before the read ([`crate::db::models::writes_ended`]).
///
/// A cached page checked less than `recheck` ago (`GONGZHI_PUBLIC_RECHECK_MS`), with no write ended
/// here since, is served without asking the database again: a write made by this server is seen by
/// the very next request, one made by another server or by the command line within `recheck`.
#[derive(Clone, Copy, Debug)]
pub struct Checked {
    at: Instant,
    writes: u64,
}

impl Checked {
    /// Noted just before reading a version.
    pub fn now() -> Self {
        Checked {
            // The count first: a write that ends between the two is then seen as newer.
            writes: crate::db::models::writes_ended(),
            at: Instant::now(),
        }
    }

    /// Whether a version read at this check can still be trusted without reading it again.
    fn still_holds(&self, recheck: Duration) -> bool {
        self.holds_with(crate::db::models::writes_ended(), recheck)
    }

    /// [`Self::still_holds`] when `writes_now` write transactions have ended.
    fn holds_with(&self, writes_now: u64, recheck: Duration) -> bool {
        self.writes == writes_now && self.at.elapsed() < recheck
    }

    /// The later of two checks of the same version.
    fn later(self, other: Option<Checked>) -> Checked {
        match other {
            Some(o) if o.writes > self.writes || (o.writes == self.writes && o.at > self.at) => o,
            _ => self,
        }
    }
}

/// Rendered public pages for visitors with no session, kept while the lists' [`Version`] holds.
/// Keys name the page, the language and the query (e.g. `list:red:en:中餐::2`).
#[derive(Default)]
pub struct PageCache {
    inner: Mutex<Pages>,
    /// A request is reading the version again because the last check grew older than the
    /// recheck interval: the others meanwhile get the kept pages (see [`Self::get_recent`]).
    rechecking: std::sync::atomic::AtomicBool,
    /// Visitors' misses take turns ([`Self::fill_turn`]): the first renders the page, the others
    /// then find it kept instead of each reading the version and rendering it too.
    filling: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Pages {
    /// The version the pages were rendered at, and when it was last read from the database.
    version: Option<(Version, Checked)>,
    rendered: HashMap<String, Rendered>,
    /// The active policy's id the pages were rendered under (its names of categories and areas
    /// are on them).
    policy: Option<i32>,
}

impl PageCache {
    /// The page, if the version it was rendered at was read less than `recheck` ago and no write
    /// ended here since: no database needed.
    ///
    /// When the check is older than `recheck` only by time (no write ended here), one request
    /// reads the version again ([`Self::check`]) while the others get the kept page, for at most
    /// another `recheck`, instead of every request in flight asking the database at the same
    /// moment once an interval. A write this server made still shows at once.
    pub fn get_recent(&self, key: &str, recheck: Duration) -> Option<Rendered> {
        use std::sync::atomic::Ordering;
        let inner = self.inner.lock().ok()?;
        let (_, checked) = inner.version?;
        if checked.still_holds(recheck) {
            return inner.rendered.get(key).cloned();
        }
        let only_time = checked.holds_with(crate::db::models::writes_ended(), recheck.saturating_mul(2));
        if only_time
            && self
                .rechecking
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            // Another request is reading the version now.
            return inner.rendered.get(key).cloned();
        }
        // This request reads it (and `check` lets the others wait no more).
        None
    }

    /// A visitor's turn to read the version and render a page it did not find, held until the
    /// page is kept; or the page, when the request whose turn came first kept it meanwhile. At a
    /// start (nothing rendered yet), 64 simultaneous first requests for a list page each read the
    /// version and rendered the page (on PostgreSQL a p99 of 80 ms); now one does.
    pub async fn fill_turn(
        &self,
        key: &str,
        recheck: Duration,
    ) -> Result<tokio::sync::MutexGuard<'_, ()>, Rendered> {
        let turn = self.filling.lock().await;
        // Looked at again without `get_recent`'s turn-taking of the recheck.
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match inner.version {
            Some((_, checked)) if checked.still_holds(recheck) => match inner.rendered.get(key) {
                Some(page) => Err(page.clone()),
                None => Ok(turn),
            },
            _ => Ok(turn),
        }
    }

    /// The page rendered at `version`, just read at `checked`, if any.
    pub fn get(&self, key: &str, version: &Version, checked: Checked) -> Option<Rendered> {
        let mut inner = self.inner.lock().ok()?;
        match inner.version {
            Some((v, before)) if v == *version => {
                inner.version = Some((v, checked.later(Some(before))));
                inner.rendered.get(key).cloned()
            }
            _ => None,
        }
    }

    /// Reads the lists' version (noting the check first) and the active policy, and probes for
    /// the page under `key` (`None` for a visitor whose page is not kept): what every kept public
    /// page built from the lists asks the database before it renders anything.
    pub fn check(
        &self,
        c: &mut crate::db::DbConn,
        key: Option<&str>,
    ) -> diesel::QueryResult<(Version, Checked, Option<Rendered>)> {
        let checked = Checked::now();
        let read = (|| -> diesel::QueryResult<_> {
            let v = crate::services::lists::version(c)?;
            self.policy_is(crate::services::policy::active_id(c)?);
            Ok((v, key.and_then(|k| self.get(k, &v, checked))))
        })();
        // The version is read again (or could not be): other requests stop serving the kept
        // pages on the strength of a recheck under way.
        self.rechecking.store(false, std::sync::atomic::Ordering::Release);
        let (v, hit) = read?;
        Ok((v, checked, hit))
    }

    /// Forgets every page when the active policy (read with the version) is not the one the
    /// pages were rendered under: a new policy may name categories and areas differently.
    pub fn policy_is(&self, id: Option<i32>) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.policy != id {
            inner.policy = id;
            inner.rendered.clear();
        }
    }

    /// Keeps a page rendered at `version` (read at `checked`); pages of another version are
    /// dropped.
    pub fn put(&self, key: String, version: &Version, checked: Checked, page: Rendered) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        match inner.version {
            Some((v, before)) if v == *version && inner.rendered.len() < MAX_PAGES => {
                inner.version = Some((v, checked.later(Some(before))));
            }
            _ => {
                inner.version = Some((*version, checked));
                inner.rendered.clear();
            }
        }
        inner.rendered.insert(key, page);
    }
}

/// The memory given to rendered merchant records when nothing else is configured
/// (`GONGZHI_RECORD_CACHE_MB`): 512 MiB holds about 140,000 records, kept packed.
pub const DEFAULT_RECORD_CACHE_BYTES: u64 = 512 << 20;

/// What a kept page is counted as: its bytes, room for its gzip copy unless packed (made on
/// first use, so counted up front: an entry's weight may not change) and the entry's own
/// bookkeeping.
fn page_weight(page: &Rendered) -> u64 {
    let kept = page.kept_bytes();
    if page.packed {
        kept + 256
    } else {
        kept + kept / 3 + 256
    }
}

/// What the record watch ([`crate::spawn_record_watch`]) last saw of the database: a mark that
/// changes with every commit anyone makes (SQLite's `PRAGMA data_version` on a connection of its
/// own, PostgreSQL's current snapshot; see [`crate::db::change_mark`]) and today's date,
/// numbered: the *epoch* moves on whenever the mark differs from the one before.
///
/// A kept record notes the epoch read just before its version was read. While the watch's
/// latest look, less than the recheck interval old, still shows that epoch and no write has ended
/// in this process since that look, nothing has been committed since the record's version was
/// read (the mark would have changed): the record is served without asking the database. A write
/// made here is seen by the very next request (the count of writes ended), one made by another
/// process within the interval (the watch looks twice an interval).
#[derive(Default)]
pub struct ChangeWatch {
    seen: Mutex<Option<Seen>>,
}

#[derive(Clone, Debug)]
struct Seen {
    epoch: u64,
    mark: String,
    /// [`crate::db::models::writes_ended`] just before the mark was read.
    writes: u64,
    at: Instant,
}

impl ChangeWatch {
    /// The epoch now (0 before the first look).
    pub fn epoch(&self) -> u64 {
        self.seen
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(|s| s.epoch))
            .unwrap_or(0)
    }

    /// Notes a look: `mark` read at `at`, with `writes` write transactions ended here just
    /// before. Returns the epoch.
    pub fn saw(&self, mark: String, writes: u64, at: Instant) -> u64 {
        let Ok(mut seen) = self.seen.lock() else { return 0 };
        let epoch = match &*seen {
            Some(s) if s.mark == mark => s.epoch,
            Some(s) => {
                tracing::debug!(target: "gongzhi::records", from = %s.mark, to = %mark, "the database changed");
                s.epoch + 1
            }
            None => 1,
        };
        *seen = Some(Seen {
            epoch,
            mark,
            writes,
            at,
        });
        epoch
    }

    /// Whether a record checked at `epoch` is still what it was, on the watch's word, when
    /// `writes_now` write transactions have ended here.
    fn vouches_with(&self, epoch: u64, recheck: Duration, writes_now: u64) -> bool {
        let Ok(seen) = self.seen.lock() else { return false };
        matches!(&*seen, Some(s) if epoch != 0 && s.epoch == epoch && s.writes == writes_now && s.at.elapsed() < recheck)
    }
}

/// When a record's version was read: [`Checked`], and the watch's epoch just before.
#[derive(Clone, Copy, Debug)]
pub struct RecordCheck {
    checked: Checked,
    epoch: u64,
}

impl RecordCheck {
    /// The later of two checks of the same version.
    fn later(self, other: RecordCheck) -> RecordCheck {
        RecordCheck {
            checked: self.checked.later(Some(other.checked)),
            epoch: self.epoch.max(other.epoch),
        }
    }
}

/// Rendered merchant records for visitors with no session, each kept while its
/// [`RecordVersion`] holds: one small query per visit instead of the record's seven and a render,
/// and none while the version was read less than the recheck interval ago (see [`Checked`]).
///
/// Bounded by bytes, not entries: when full, the records least likely to be asked again go
/// (`quick_cache`'s CLOCK-Pro: a record visited once goes before a popular one), a few at a
/// time — never the whole cache at once.
pub struct RecordCache {
    inner: quick_cache::sync::Cache<RecordKey, Arc<CachedRecord>, RecordWeight>,
    /// The bytes it may keep.
    capacity: u64,
    /// What the database did since a kept record's version was read.
    watch: ChangeWatch,
}

/// A merchant id and a language tag.
type RecordKey = (i32, &'static str);

struct CachedRecord {
    version: RecordVersion,
    /// The latest check of `version`, moved on by every visit that read it again.
    checked: Mutex<RecordCheck>,
    /// Packed ([`Rendered::packed`]).
    page: Rendered,
}

#[derive(Clone)]
struct RecordWeight;

impl quick_cache::Weighter<RecordKey, Arc<CachedRecord>> for RecordWeight {
    fn weight(&self, _key: &RecordKey, r: &Arc<CachedRecord>) -> u64 {
        page_weight(&r.page)
    }
}

impl Default for RecordCache {
    fn default() -> Self {
        Self::with_bytes(DEFAULT_RECORD_CACHE_BYTES)
    }
}

impl RecordCache {
    /// A cache that keeps at most `bytes` of rendered records (counted by [`page_weight`]).
    pub fn with_bytes(bytes: u64) -> Self {
        // quick_cache sizes its tables from an estimate of the entries: a record is ~3 KiB.
        let estimated = usize::try_from(bytes / 4096).unwrap_or(usize::MAX).max(16);
        RecordCache {
            inner: quick_cache::sync::Cache::with_weighter(estimated, bytes.max(1), RecordWeight),
            capacity: bytes.max(1),
            watch: ChangeWatch::default(),
        }
    }

    /// What the record watch saw of the database.
    pub fn watch(&self) -> &ChangeWatch {
        &self.watch
    }

    /// Noted just before reading a record's version.
    pub fn check_now(&self) -> RecordCheck {
        RecordCheck {
            // The epoch first: a look that moves it on during the read leaves this one behind.
            epoch: self.watch.epoch(),
            checked: Checked::now(),
        }
    }

    /// The record of merchant `id` in `lang`, if its version was read less than `recheck` ago
    /// with no write ended here since, or nothing was committed since by anyone on the watch's
    /// word ([`ChangeWatch`]).
    pub fn get_recent(&self, id: i32, lang: Lang, recheck: Duration) -> Option<Rendered> {
        self.get_recent_with(id, lang, recheck, crate::db::models::writes_ended())
    }

    /// [`Self::get_recent`] when `writes_now` write transactions have ended here.
    fn get_recent_with(&self, id: i32, lang: Lang, recheck: Duration, writes_now: u64) -> Option<Rendered> {
        let r = self.inner.get(&(id, lang.tag()))?;
        let check = *r.checked.lock().ok()?;
        (check.checked.holds_with(writes_now, recheck)
            || self.watch.vouches_with(check.epoch, recheck, writes_now))
        .then(|| r.page.clone())
    }

    /// The record of merchant `id` in `lang` rendered at `version`, just read at `check`.
    pub fn get(&self, id: i32, lang: Lang, version: &RecordVersion, check: RecordCheck) -> Option<Rendered> {
        let r = self.inner.get(&(id, lang.tag()))?;
        if r.version != *version {
            return None;
        }
        if let Ok(mut c) = r.checked.lock() {
            *c = check.later(*c);
        }
        Some(r.page.clone())
    }

    /// Keeps the record rendered at `version` (read at `check`), packed.
    pub fn put(&self, id: i32, lang: Lang, version: RecordVersion, check: RecordCheck, page: &Rendered) {
        self.inner.insert(
            (id, lang.tag()),
            Arc::new(CachedRecord {
                version,
                checked: Mutex::new(check),
                page: page.packed(),
            }),
        );
    }

    /// Whether merchant `id`'s record in `lang` is kept (whatever its version).
    pub fn contains(&self, id: i32, lang: Lang) -> bool {
        self.inner.contains_key(&(id, lang.tag()))
    }

    /// Whether merchant `id`'s record in `lang` is kept and was checked at the watch's current
    /// epoch (0 before its first look).
    pub fn is_current(&self, id: i32, lang: Lang) -> bool {
        let Some(r) = self.inner.get(&(id, lang.tag())) else {
            return false;
        };
        let epoch = self.watch.epoch();
        r.checked.lock().is_ok_and(|c| c.epoch == epoch)
    }

    /// Whether another record of `bytes` fits without pushing a kept one out.
    pub fn has_room_for(&self, bytes: u64) -> bool {
        self.inner.weight() + bytes + 256 <= self.capacity
    }

    /// How many records are kept, and the bytes they are counted as.
    #[cfg(test)]
    fn usage(&self) -> (usize, u64) {
        (self.inner.len(), self.inner.weight())
    }
}

/// Rendered pages of published editions for visitors with no session. A published edition never
/// changes (the database refuses updates and deletes of its rows), so its pages are kept without
/// a version: keys name the edition, the list, the page and the language. Bounded by bytes like
/// [`RecordCache`].
pub struct EditionCache {
    inner: quick_cache::sync::Cache<String, Rendered, PageWeight>,
}

#[derive(Clone)]
struct PageWeight;

impl quick_cache::Weighter<String, Rendered> for PageWeight {
    fn weight(&self, key: &String, page: &Rendered) -> u64 {
        page_weight(page) + key.len() as u64
    }
}

impl Default for EditionCache {
    fn default() -> Self {
        Self::with_bytes(DEFAULT_RECORD_CACHE_BYTES / 4)
    }
}

impl EditionCache {
    /// A cache that keeps at most `bytes` of rendered edition pages.
    pub fn with_bytes(bytes: u64) -> Self {
        // An edition page of 100 entries is ~50 KiB.
        let estimated = usize::try_from(bytes / 32_768).unwrap_or(usize::MAX).max(16);
        EditionCache {
            inner: quick_cache::sync::Cache::with_weighter(estimated, bytes.max(1), PageWeight),
        }
    }

    /// The page under `key`, if it was rendered before.
    pub fn get(&self, key: &str) -> Option<Rendered> {
        self.inner.get(key)
    }

    /// Keeps a rendered page.
    pub fn put(&self, key: String, page: Rendered) {
        self.inner.insert(key, page);
    }
}

/// The consumers' search index (`services::search`), kept while its version holds and trusted
/// without asking the database like the pages above (see [`Checked`]).
#[derive(Default)]
pub struct SearchCache {
    current: Mutex<Option<(Arc<SearchIndex>, Checked)>>,
    /// Held while an index is built, so a change is read from the database once, not by every
    /// search waiting for it.
    building: Mutex<()>,
}

impl SearchCache {
    /// The index, if its version was read less than `recheck` ago and no write ended here since.
    pub fn get_recent(&self, recheck: Duration) -> Option<Arc<SearchIndex>> {
        let current = self.current.lock().ok()?;
        match &*current {
            Some((idx, checked)) if checked.still_holds(recheck) => Some(idx.clone()),
            _ => None,
        }
    }

    /// The index at `version` (read at `checked`), built now when the kept one is of another.
    pub fn at(
        &self,
        conn: &mut crate::db::DbConn,
        version: SearchVersion,
        checked: Checked,
    ) -> diesel::QueryResult<Arc<SearchIndex>> {
        if let Some(idx) = self.confirm(version, checked) {
            return Ok(idx);
        }
        let _one_at_a_time = self.building.lock();
        if let Some(idx) = self.confirm(version, checked) {
            return Ok(idx);
        }
        let idx = Arc::new(SearchIndex::build(conn, version)?);
        if let Ok(mut current) = self.current.lock() {
            *current = Some((idx.clone(), checked));
        }
        Ok(idx)
    }

    /// The kept index if it is at `version`, noting the check.
    fn confirm(&self, version: SearchVersion, checked: Checked) -> Option<Arc<SearchIndex>> {
        let mut current = self.current.lock().ok()?;
        match &mut *current {
            Some((idx, before)) if idx.version == version => {
                *before = checked.later(Some(*before));
                Some(idx.clone())
            }
            _ => None,
        }
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
        cache.put(
            "home:zh".into(),
            &v1,
            Checked::now(),
            Rendered::from_body(b"one".to_vec()),
        );
        assert!(cache.get("home:zh", &v1, Checked::now()).is_some());
        assert!(cache.get("home:en", &v1, Checked::now()).is_none());
        assert!(cache.get("home:zh", &v2, Checked::now()).is_none());
        cache.put(
            "home:en".into(),
            &v2,
            Checked::now(),
            Rendered::from_body(b"two".to_vec()),
        );
        assert!(
            cache.get("home:zh", &v2, Checked::now()).is_none(),
            "v1 pages were dropped"
        );
        assert_eq!(
            cache.get("home:en", &v2, Checked::now()).unwrap().body.as_ref(),
            b"two"
        );
    }

    #[test]
    fn a_recent_check_is_trusted_until_a_write_or_the_interval() {
        let checked = Checked {
            at: Instant::now(),
            writes: 41,
        };
        let long = Duration::from_secs(3600);
        assert!(checked.holds_with(41, long));
        assert!(!checked.holds_with(42, long), "a write ended here since");
        assert!(!checked.holds_with(41, Duration::ZERO), "0 = always ask");
        let older = Checked {
            at: Instant::now() - Duration::from_secs(2),
            writes: 41,
        };
        assert!(
            !older.holds_with(41, Duration::from_secs(1)),
            "the interval passed"
        );
        // The later check wins, whichever order they come in.
        let newer = Checked {
            writes: 42,
            ..checked
        };
        assert_eq!(checked.later(Some(newer)).writes, 42);
        assert_eq!(newer.later(Some(checked)).writes, 42);
        assert_eq!(older.later(Some(checked)).at, checked.at);
    }

    #[test]
    fn one_request_reads_the_version_again_while_the_others_get_the_kept_page() {
        use std::sync::atomic::Ordering;
        let v: Version = (Some(1), Some(10), None);
        let recheck = Duration::from_secs(1);
        let writes = crate::db::models::writes_ended();
        let checked_ago = |ms: u64| Checked {
            at: Instant::now() - Duration::from_millis(ms),
            writes,
        };
        let cache = PageCache::default();
        cache.put(
            "list:red:zh".into(),
            &v,
            checked_ago(1500),
            Rendered::from_body(b"red".to_vec()),
        );
        let first = cache.get_recent("list:red:zh", recheck);
        let second = cache.get_recent("list:red:zh", recheck);
        // (Another test ending a write transaction meanwhile makes every request ask: also right.)
        if crate::db::models::writes_ended() == writes {
            assert!(
                first.is_none(),
                "the first request past the interval asks the database"
            );
            assert_eq!(
                &second.expect("the kept page").body[..],
                b"red",
                "the others do not"
            );
            // Its check done (`check` clears the mark), the next past the interval asks again.
            cache.rechecking.store(false, Ordering::Release);
            assert!(cache.get_recent("list:red:zh", recheck).is_none());
        }
        // Past twice the interval, nobody gets the kept page on the strength of a recheck.
        let cache = PageCache::default();
        cache.put(
            "list:red:zh".into(),
            &v,
            checked_ago(2500),
            Rendered::from_body(b"red".to_vec()),
        );
        assert!(cache.get_recent("list:red:zh", recheck).is_none());
        assert!(cache.get_recent("list:red:zh", recheck).is_none());
        // With no interval (`GONGZHI_PUBLIC_RECHECK_MS=0`) every request asks.
        let cache = PageCache::default();
        cache.put(
            "list:red:zh".into(),
            &v,
            checked_ago(0),
            Rendered::from_body(b"red".to_vec()),
        );
        assert!(cache.get_recent("list:red:zh", Duration::ZERO).is_none());
        assert!(cache.get_recent("list:red:zh", Duration::ZERO).is_none());
    }

    #[test]
    fn recent_pages_are_kept_per_key_and_language() {
        // Only what does not depend on other tests' writes ending meanwhile.
        let cache = PageCache::default();
        let v: Version = (Some(1), Some(10), None);
        assert!(
            cache.get_recent("home:zh", Duration::from_secs(3600)).is_none(),
            "nothing kept"
        );
        cache.put(
            "home:zh".into(),
            &v,
            Checked::now(),
            Rendered::from_body(b"one".to_vec()),
        );
        assert!(cache.get_recent("home:en", Duration::from_secs(3600)).is_none());
        assert!(
            cache.get_recent("home:zh", Duration::ZERO).is_none(),
            "0 = always ask"
        );

        let records = RecordCache::default();
        records.put(
            7,
            Lang::Zh,
            RecordVersion::default(),
            records.check_now(),
            &Rendered::from_body(b"r".to_vec()),
        );
        assert!(records
            .get_recent(7, Lang::En, Duration::from_secs(3600))
            .is_none());
        assert!(records
            .get_recent(8, Lang::Zh, Duration::from_secs(3600))
            .is_none());
        assert!(records.get_recent(7, Lang::Zh, Duration::ZERO).is_none());
    }

    #[test]
    fn a_full_record_cache_lets_some_records_go_not_all() {
        // 1,000 bytes that gzip cannot shrink (a simple generator's), kept packed.
        let mut x: u32 = 12_345;
        let noise: Vec<u8> = (0..1000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect();
        let page = Rendered::from_body(noise);
        let weight = page_weight(&page.packed());
        assert!(weight > 1_000, "counted by its gzip bytes: {weight}");
        // Room for about 100 records.
        let records = RecordCache::with_bytes(100 * weight);
        let v = RecordVersion::default();
        for id in 0..1000 {
            records.put(id, Lang::Zh, v.clone(), records.check_now(), &page);
            // Merchant 0 is popular: asked for after every new record.
            assert!(
                records.get(0, Lang::Zh, &v, records.check_now()).is_some(),
                "the popular record stays (after {id} others)"
            );
        }
        let (kept, bytes) = records.usage();
        assert!(bytes <= 100 * weight, "bounded by bytes: {bytes}");
        assert!((50..=100).contains(&kept), "about 100 kept, not emptied: {kept}");
        assert!(!records.has_room_for(weight), "full");
    }

    #[test]
    fn a_packed_page_keeps_only_its_gzip_bytes_and_gives_the_page_back() {
        let body = "<html>红榜 ".repeat(500).into_bytes();
        let page = Rendered::from_body(body.clone());
        let packed = page.packed();
        assert_eq!(packed.etag, page.etag, "the same page, the same tag");
        assert!(
            packed.kept_bytes() < body.len() as u64 / 10,
            "{}",
            packed.kept_bytes()
        );
        assert_eq!(
            packed.plain().as_ref(),
            &body[..],
            "decompressed for a client without gzip"
        );
        assert!(
            std::ptr::eq(packed.gzip().unwrap(), page.gzip().unwrap()),
            "not compressed twice"
        );
        assert_eq!(page_weight(&packed), packed.kept_bytes() + 256);
    }

    #[test]
    fn the_watch_vouches_for_a_record_only_while_nothing_was_committed() {
        let watch = ChangeWatch::default();
        let long = Duration::from_secs(3600);
        assert_eq!(watch.epoch(), 0);
        assert!(!watch.vouches_with(0, long, 5), "no look yet");
        let at = Instant::now();
        let e = watch.saw("2026-12-02 7".into(), 5, at);
        assert_eq!(e, 1);
        // A record checked at epoch 1: vouched for while the mark stays and no write ends here.
        assert!(watch.vouches_with(1, long, 5));
        assert!(
            !watch.vouches_with(1, long, 6),
            "a write ended here since the look"
        );
        assert!(
            !watch.vouches_with(1, Duration::ZERO, 5),
            "a look older than the interval"
        );
        assert_eq!(
            watch.saw("2026-12-02 7".into(), 6, Instant::now()),
            1,
            "same mark, same epoch"
        );
        assert!(
            watch.vouches_with(1, long, 6),
            "the next look saw nothing committed"
        );
        assert_eq!(watch.saw("2026-12-02 8".into(), 6, Instant::now()), 2, "a commit");
        assert!(!watch.vouches_with(1, long, 6), "checked before the commit");
        assert!(watch.vouches_with(2, long, 6));
        assert_eq!(
            watch.saw("2026-12-03 8".into(), 6, Instant::now()),
            3,
            "a new day"
        );
        assert!(!watch.vouches_with(2, long, 6));
    }

    #[test]
    fn a_kept_record_is_served_on_the_watchs_word_after_the_recheck_interval() {
        let records = RecordCache::default();
        let v = RecordVersion::default();
        let page = Rendered::from_body(b"<html>record</html>".to_vec());
        let interval = Duration::from_millis(30);
        // Write transactions ended in this process, as the watch and the cache see them.
        let w = 41;
        records.watch().saw("m1".into(), w, Instant::now());
        let check = RecordCheck {
            epoch: records.watch().epoch(),
            checked: Checked {
                writes: w,
                at: Instant::now(),
            },
        };
        records.put(1, Lang::Zh, v.clone(), check, &page);
        assert!(
            records.get_recent_with(1, Lang::Zh, interval, w).is_some(),
            "just checked"
        );
        std::thread::sleep(interval * 2);
        // Its own check is older than the interval, and the watch's look too.
        assert!(records.get_recent_with(1, Lang::Zh, interval, w).is_none());
        // The watch looks again and saw nothing committed: served without a check.
        records.watch().saw("m1".into(), w, Instant::now());
        assert!(records.get_recent_with(1, Lang::Zh, interval, w).is_some());
        assert!(
            records.get_recent_with(1, Lang::Zh, interval, w + 1).is_none(),
            "a write ended here"
        );
        assert!(records.is_current(1, Lang::Zh));
        // A commit seen by the watch: asked again.
        records.watch().saw("m2".into(), w, Instant::now());
        assert!(records.get_recent_with(1, Lang::Zh, interval, w).is_none());
        assert!(!records.is_current(1, Lang::Zh), "checked before the commit");
        assert!(records.contains(1, Lang::Zh));
        // Checked again (its version read at the new epoch): vouched for again.
        let again = RecordCheck {
            epoch: records.watch().epoch(),
            checked: Checked {
                writes: w,
                at: Instant::now(),
            },
        };
        assert!(records.get(1, Lang::Zh, &v, again).is_some());
        assert!(records.is_current(1, Lang::Zh));
        std::thread::sleep(interval * 2);
        records.watch().saw("m2".into(), w, Instant::now());
        assert!(records.get_recent_with(1, Lang::Zh, interval, w).is_some());
    }

    #[test]
    fn the_kept_compressor_makes_whole_gzip_members_one_after_another() {
        use std::io::Read;
        let pages: [&[u8]; 4] = [
            b"<html>first page</html>",
            b"",
            &[b'x'; 100_000],
            "二〇二六年的红榜".as_bytes(),
        ];
        // The same thread's compressor, reused: each member decodes to its own page alone.
        for (page, quick) in pages
            .iter()
            .chain(pages.iter())
            .zip([true, false, false].iter().cycle())
        {
            let gz = gzip(page, *quick).unwrap();
            let mut d = flate2::read::GzDecoder::new(&gz[..]);
            let mut back = Vec::new();
            d.read_to_end(&mut back).unwrap();
            assert_eq!(&back[..], *page);
            if page.len() > 1000 {
                assert!(gz.len() < page.len() / 10, "{} of {}", gz.len(), page.len());
            }
        }
    }

    #[test]
    fn gzip_goes_to_clients_that_accept_it() {
        let with = |v: Option<&str>| {
            let mut req = actix_web::test::TestRequest::default();
            if let Some(v) = v {
                req = req.insert_header((header::ACCEPT_ENCODING, v));
            }
            wants_gzip(&req.to_http_request())
        };
        assert!(with(Some("gzip, deflate, br, zstd")), "a browser");
        assert!(with(Some("gzip")));
        assert!(with(Some("br;q=1.0, gzip;q=0.8")));
        assert!(!with(None), "no header: the page as it is");
        assert!(!with(Some("identity")));
        assert!(!with(Some("br")));
        assert!(!with(Some("gzip;q=0, identity")));
    }

    #[test]
    fn the_compressed_page_has_a_tag_of_its_own_and_is_made_once() {
        let page = Rendered::from_body(b"<html>same</html>".to_vec());
        let copy = page.clone();
        let (gz, tag) = page.gzip().unwrap();
        assert_eq!(*tag, format!("{}-gzip\"", page.etag.trim_end_matches('"')));
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped).unwrap();
        assert_eq!(unzipped, page.body.as_ref());
        assert!(
            std::ptr::eq(copy.gzip().unwrap(), page.gzip().unwrap()),
            "a clone shares the compressed bytes"
        );
    }
}
