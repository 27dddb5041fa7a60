//! Extractors that make a handler's checks part of its signature, so none can be forgotten:
//! [`CsrfForm`] (an urlencoded form whose CSRF token matched the session's) and [`PathId`] /
//! [`Id`] (a record id from the path, 404 when it is not a number). The role checks are in
//! [`super::guard`] (`Require<Staff>`, `ApiRequire<Committee>`, `MerchantUser`).
//!
//! A state-changing handler reads its form as `CsrfForm<MyForm>` (`MyForm` needs no `csrf`
//! field); a one-button form is a plain `CsrfForm`. The multipart photo upload of the portal reads
//! its token among the parts and calls [`check_csrf`] itself. The session's token itself is made here too ([`csrf_token`]).

use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use actix_session::Session;
use rand::RngCore;

use super::{parse_id, ApiError, AppError, SESSION_CSRF};

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(SESSION_CSRF) {
        return t;
    }
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    // If the session cannot be written the form will fail its CSRF check, which is safe.
    let _ = session.insert(SESSION_CSRF, &token);
    token
}

/// Rejects a state-changing form whose token does not match the session's.
pub fn check_csrf(session: &Session, submitted: &str) -> Result<(), AppError> {
    match session.get::<String>(SESSION_CSRF) {
        Ok(Some(t)) if !submitted.is_empty() && constant_time_eq(t.as_bytes(), submitted.as_bytes()) => {
            Ok(())
        }
        _ => Err(AppError::invalid(
            "csrf",
            "表单已过期，请刷新页面后重试。",
            "The form has expired; reload the page and try again.",
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Bodies are read up to this many bytes before the form extractor judges them: past the form
/// limit (`FormConfig` in `lib.rs`), so an oversized form gets the same answer as before.
const MAX_BUFFERED: usize = 1024 * 1024;

/// A form with nothing but its token: the one-button forms (log out, revoke, retry).
#[derive(Debug, Default, Deserialize)]
pub struct OnlyToken {}

/// An `application/x-www-form-urlencoded` form whose `csrf` field matched the session's token.
///
/// The body is read as `web::Form<T>` reads it (the application's limit and its 422 for a form
/// that cannot be read), then the token is checked exactly as [`check_csrf`] does: a missing or
/// wrong token is a 422 naming the field `csrf`. Derefs to the form.
#[derive(Debug)]
pub struct CsrfForm<T = OnlyToken>(pub T);

impl<T> CsrfForm<T> {
    /// The form's fields.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for CsrfForm<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The first `csrf` value of an urlencoded body, or nothing.
fn submitted_token(body: &[u8]) -> String {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut stream = payload.take();
        Box::pin(async move {
            let mut body = web::BytesMut::new();
            while let Some(chunk) = stream.next().await {
                body.extend_from_slice(&chunk?);
                if body.len() > MAX_BUFFERED {
                    break;
                }
            }
            let body = body.freeze();
            // The form extractor reads a copy of the body, so its configuration still applies.
            let mut replay = Payload::from(body.clone());
            let form = web::Form::<T>::from_request(&req, &mut replay).await?;
            check_csrf(&req.get_session(), &submitted_token(&body))?;
            Ok(CsrfForm(form.into_inner()))
        })
    }
}

/// Names the path segment a [`PathId`] reads.
pub trait Segment {
    /// The segment's name in the route pattern (`/merchants/{id}` → `"id"`).
    const NAME: &'static str;
}

/// The `{id}` segment.
#[derive(Debug, Clone, Copy)]
pub struct IdSegment;
impl Segment for IdSegment {
    const NAME: &'static str = "id";
}

/// The `{number}` segment (an edition's number).
#[derive(Debug, Clone, Copy)]
pub struct NumberSegment;
impl Segment for NumberSegment {
    const NAME: &'static str = "number";
}

/// The `{merchant}` segment (a merchant's id beside another segment).
#[derive(Debug, Clone, Copy)]
pub struct MerchantSegment;
impl Segment for MerchantSegment {
    const NAME: &'static str = "merchant";
}

/// A record id from the path segment `S`: anything that is not a number is a 404, like a record
/// that does not exist ([`parse_id`]) — a friendly page, or a JSON error under `/api/`.
/// Derefs to the id.
#[derive(Debug, Clone, Copy)]
pub struct PathId<S: Segment = IdSegment>(i32, PhantomData<S>);

/// The `{id}` of the path.
pub type Id = PathId<IdSegment>;

impl<S: Segment> PathId<S> {
    /// The id.
    pub fn get(&self) -> i32 {
        self.0
    }
}

impl<S: Segment> std::ops::Deref for PathId<S> {
    type Target = i32;
    fn deref(&self) -> &i32 {
        &self.0
    }
}

impl<S: Segment> FromRequest for PathId<S> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = match req.match_info().get(S::NAME) {
            Some(raw) => parse_id(raw),
            None => Err(AppError::Internal(anyhow::anyhow!(
                "the route {} has no {{{}}} segment",
                req.match_pattern().unwrap_or_default(),
                S::NAME
            ))),
        };
        ready(match id {
            Ok(id) => Ok(PathId(id, PhantomData)),
            Err(e) if req.path().starts_with("/api/") => Err(ApiError(e).into()),
            Err(e) => Err(e.into()),
        })
    }
}

/// A `multipart/form-data` body, read by `actix-multipart` through [`HoldBack`].
///
/// `actix-multipart` 0.7 loses a part without an error when the body arrives so that its buffer
/// holds exactly `\r\n--` (the start of a delimiter) while the rest is still on the wire: it
/// takes those four bytes for data, the delimiter is not seen and the next part is read into the
/// one before (a nine-photo upload arrived as eight; actix/actix-web#3635). [`HoldBack`] never
/// hands it a chunk that ends inside a delimiter, so its buffer cannot be in that state. Every
/// multipart handler takes an `Upload`, never `actix_multipart::Multipart` itself
/// (`tests::every_upload_is_held_back` checks).
pub struct Upload(pub actix_multipart::Multipart);

impl Upload {
    /// Reads `payload` as the multipart body of a request with these headers.
    pub fn new(headers: &actix_web::http::header::HeaderMap, payload: Payload) -> Upload {
        Upload(held_back(headers, payload))
    }
}

/// `actix-multipart` reading `stream` through a [`HoldBack`] for the boundary in `headers`.
fn held_back<S>(headers: &actix_web::http::header::HeaderMap, stream: S) -> actix_multipart::Multipart
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin + 'static,
{
    let delimiter = headers
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<actix_web::mime::Mime>().ok())
        .and_then(|m| {
            m.get_param(actix_web::mime::BOUNDARY)
                .map(|b| b.as_str().to_owned())
        })
        .map(|b| format!("\r\n--{b}").into_bytes())
        .unwrap_or_default();
    actix_multipart::Multipart::new(
        headers,
        HoldBack {
            inner: stream,
            delimiter,
            held: web::BytesMut::new(),
            done: false,
        },
    )
}

impl std::ops::Deref for Upload {
    type Target = actix_multipart::Multipart;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Upload {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl FromRequest for Upload {
    type Error = actix_web::Error;
    type Future = Ready<Result<Upload, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Ok(Upload::new(req.headers(), payload.take())))
    }
}

/// A body stream that keeps back the end of a chunk while it could be the start of the
/// multipart delimiter (`\r\n--` and the boundary), and sends it with the next chunk, or at the
/// end of the body. See [`Upload`].
pub struct HoldBack<S> {
    inner: S,
    delimiter: Vec<u8>,
    held: web::BytesMut,
    done: bool,
}

/// The length of the longest end of `buf` that is a proper beginning of `delimiter`.
fn partial_delimiter(buf: &[u8], delimiter: &[u8]) -> usize {
    let longest = buf.len().min(delimiter.len().saturating_sub(1));
    (1..=longest)
        .rev()
        .find(|&k| buf[buf.len() - k..] == delimiter[..k])
        .unwrap_or(0)
}

impl<S> futures_util::Stream for HoldBack<S>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    type Item = Result<web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match this.inner.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    this.done = true;
                    if this.held.is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Ok(this.held.split().freeze())));
                }
                Poll::Ready(Some(Ok(chunk))) => {
                    this.held.extend_from_slice(&chunk);
                    let keep = partial_delimiter(&this.held, &this.delimiter);
                    let send = this.held.len() - keep;
                    if send > 0 {
                        return Poll::Ready(Some(Ok(this.held.split_to(send).freeze())));
                    }
                }
            }
        }
    }
}

/// Reads one multipart field up to `limit` bytes. Returns the bytes (at most `limit`) and whether
/// the field was longer; the rest of a longer field is drained without being kept, so the
/// connection stays usable. A broken stream is a 422 on `key` ("the upload was interrupted").
/// Ask for one byte more than allowed to be able to say "too large".
pub async fn read_field_capped(
    field: &mut actix_multipart::Field,
    limit: usize,
    key: &'static str,
) -> Result<(Vec<u8>, bool), AppError> {
    let broken = |e: actix_multipart::MultipartError| {
        AppError::invalid(key, "上传中断。", &format!("The upload was interrupted: {e}"))
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(broken)?;
        if bytes.len() + chunk.len() > limit {
            bytes.extend_from_slice(&chunk[..limit - bytes.len()]);
            while let Some(rest) = field.next().await {
                rest.map_err(broken)?;
            }
            return Ok((bytes, true));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((bytes, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::test::TestRequest;

    #[actix_web::test]
    async fn a_path_id_is_a_number_or_a_404() {
        let req = TestRequest::default()
            .uri("/merchants/12")
            .param("id", "12")
            .to_http_request();
        assert_eq!(*Id::extract(&req).await.unwrap(), 12);
        for raw in ["abc", "1.5", "", "99999999999", "-"] {
            let req = TestRequest::default()
                .uri("/merchants/x")
                .param("id", raw)
                .to_http_request();
            let e = Id::extract(&req).await.unwrap_err();
            assert_eq!(
                e.as_response_error().status_code(),
                StatusCode::NOT_FOUND,
                "{raw:?}"
            );
            let body = e.error_response();
            let ct = body
                .headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            assert!(ct.starts_with("text/html"), "{ct}");
        }
        // Under /api/ the 404 is JSON.
        let req = TestRequest::default()
            .uri("/api/v1/notices/x")
            .param("id", "x")
            .to_http_request();
        let e = Id::extract(&req).await.unwrap_err();
        assert_eq!(e.as_response_error().status_code(), StatusCode::NOT_FOUND);
        let res = e.error_response();
        assert!(res
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("json"));
        // Another segment by its name.
        let req = TestRequest::default()
            .uri("/editions/3")
            .param("number", "3")
            .to_http_request();
        assert_eq!(PathId::<NumberSegment>::extract(&req).await.unwrap().get(), 3);
    }

    /// A body of a token and nine photos, cut into chunks at `cuts`, arriving one by one with a
    /// wait before each (as over a slow network): the number of parts read, or the error.
    async fn parts_read(body: &[u8], boundary: &str, cuts: &[usize]) -> Result<usize, String> {
        use actix_web::http::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}")).unwrap(),
        );
        let mut chunks = Vec::new();
        let mut last = 0;
        for &cut in cuts.iter().chain([body.len()].iter()) {
            if cut > last {
                chunks.push(Ok(web::Bytes::copy_from_slice(&body[last..cut])));
                last = cut;
            }
        }
        let mut chunks = chunks.into_iter();
        let mut waits = 0;
        let slow = futures_util::stream::poll_fn(move |cx| {
            if waits > 0 {
                waits -= 1;
                cx.waker().wake_by_ref();
                return std::task::Poll::Pending;
            }
            waits = 3;
            std::task::Poll::Ready(chunks.next())
        });
        let read = async move {
            let mut mp = held_back(&headers, slow);
            let mut n = 0;
            while let Some(field) = mp.next().await {
                let mut field = field.map_err(|e| e.to_string())?;
                n += 1;
                while let Some(chunk) = field.next().await {
                    chunk.map_err(|e| e.to_string())?;
                }
            }
            Ok(n)
        };
        actix_web::rt::time::timeout(std::time::Duration::from_secs(5), read)
            .await
            .unwrap_or_else(|_| Err("stalled".into()))
    }

    /// Wherever the network cuts a ten-part upload, in one place or two, ten parts are read
    /// (without [`HoldBack`], a cut just after the first `\r\n--` loses a part silently).
    #[actix_web::test]
    async fn an_upload_keeps_every_part_wherever_it_is_cut() {
        let boundary = "a3f1c0d2e4b5a6c7-9d8e7f6a5b4c3d2e";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n")
                .as_bytes(),
        );
        for i in 0..9 {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; \
                     filename=\"p{i}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                )
                .as_bytes(),
            );
            // Data with carriage returns, line feeds and dashes in it.
            body.extend((0..40u8).map(|k| [b'\r', b'\n', b'-', b'x', k][usize::from(k + i) % 5]));
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        for cut in 1..body.len() {
            assert_eq!(parts_read(&body, boundary, &[cut]).await, Ok(10), "cut at {cut}");
        }
        for cut in 1..body.len() - 3 {
            let cuts = [cut, cut + 1, cut + 3];
            assert_eq!(
                parts_read(&body, boundary, &cuts).await,
                Ok(10),
                "cuts at {cuts:?}"
            );
        }
        for size in 1..80 {
            let cuts: Vec<usize> = (size..body.len()).step_by(size).collect();
            assert_eq!(
                parts_read(&body, boundary, &cuts).await,
                Ok(10),
                "chunks of {size}"
            );
        }
        // A body cut short is an error, not fewer parts.
        let short = &body[..body.len() - 30];
        assert!(parts_read(short, boundary, &[100]).await.is_err());
    }

    #[test]
    fn partial_delimiters_are_found_at_the_end() {
        let d = b"\r\n--xyz";
        assert_eq!(partial_delimiter(b"abc\r\n--", d), 4);
        assert_eq!(partial_delimiter(b"abc\r", d), 1);
        assert_eq!(
            partial_delimiter(b"abc\r\n--xyz", d),
            0,
            "a whole delimiter goes on"
        );
        assert_eq!(partial_delimiter(b"abc\r\n--xy", d), 6);
        assert_eq!(partial_delimiter(b"abc", d), 0);
        assert_eq!(partial_delimiter(b"", d), 0);
        assert_eq!(partial_delimiter(b"\r\n", b""), 0);
    }

    /// Every handler that reads a multipart body takes an [`Upload`] (or builds one), never
    /// `actix_multipart::Multipart` itself, which can lose a part.
    #[test]
    fn every_upload_is_held_back() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("extract.rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    assert!(
                        !text.contains("Multipart::new") && !text.contains("use actix_multipart::Multipart"),
                        "{} reads a multipart body without web::extract::Upload",
                        path.display()
                    );
                }
            }
        }
    }

    /// Every state-changing route outside `/api/` (where bearer tokens, not cookies, are the
    /// credential) takes a [`CsrfForm`], or reads a multipart body and checks the token itself:
    /// a new form handler that forgets the check fails here.
    #[test]
    fn every_browser_post_checks_its_token() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut files = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    files.push((path, text));
                }
            }
        }
        // The parameter list and body of `pub async fn name(`, in `preferred` when it has one.
        let handler = |name: &str, preferred: &std::path::Path| -> Option<(String, String)> {
            let needle = format!("pub async fn {name}(");
            let mut found: Vec<&(std::path::PathBuf, String)> =
                files.iter().filter(|(_, t)| t.contains(&needle)).collect();
            found.sort_by_key(|(p, _)| p.as_path() != preferred);
            let text = &found.first()?.1;
            let start = text.find(&needle)? + needle.len();
            let rest = &text[start..];
            let params_end = rest.find(") ->")?;
            let body_end = rest.find("\n}\n").unwrap_or(rest.len());
            Some((
                rest[..params_end].to_string(),
                rest[params_end..body_end].to_string(),
            ))
        };
        let mut checked = 0;
        let mut missing = Vec::new();
        for (path, text) in &files {
            for chunk in text.split("web::resource(\"").skip(1) {
                let route = chunk.split('"').next().unwrap();
                let chunk = chunk.split(".service(").next().unwrap();
                if route.starts_with("/api/") {
                    continue;
                }
                for method in ["post", "put", "delete", "patch"] {
                    for call in chunk.split(&format!("web::{method}().to(")).skip(1) {
                        let target = call.split(')').next().unwrap();
                        let module = target.rsplit_once("::").map(|(m, _)| m);
                        let name = target.rsplit("::").next().unwrap();
                        let preferred = match module {
                            Some(m) => dir.join(format!("{}.rs", m.rsplit("::").next().unwrap())),
                            None => path.clone(),
                        };
                        let Some((params, body)) = handler(name, &preferred) else {
                            missing.push(format!("{route}: handler {target} not found"));
                            continue;
                        };
                        checked += 1;
                        let form = params.contains("CsrfForm");
                        let multipart = (params.contains("Upload") || params.contains("Multipart"))
                            && body.contains("check_csrf(");
                        if !form && !multipart {
                            missing.push(format!("{method} {route} ({target}) takes no CsrfForm"));
                        }
                    }
                }
            }
        }
        assert!(checked > 25, "only {checked} routes found");
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn the_token_is_read_from_the_body() {
        assert_eq!(submitted_token(b"a=1&csrf=abc%2B1&csrf=zzz"), "abc+1");
        assert_eq!(submitted_token(b"a=1"), "");
        assert_eq!(submitted_token(b""), "");
    }
}
