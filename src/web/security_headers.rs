//! The security headers every response carries — pages, JSON, static files, redirects and error
//! pages alike — added by one middleware around the whole app (`lib.rs`).
//!
//! - `Content-Security-Policy`: scripts and styles only from our own files (no inline `<script>`,
//!   `<style>` or `style=""`: the templates use `/static/app.css` and `/static/app.js`), images
//!   from us or `data:` URLs, no plugins, forms post only to us, and no framing by any site.
//! - `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`.
//! - `Cache-Control: no-store` on the staff pages, the merchant portal, `/account`, log-in
//!   (password reset included) and the API's non-public endpoints, whatever the handler set:
//!   what one user saw must not be kept by a shared computer's browser or a proxy. Elsewhere a handler's own `Cache-Control` (the public
//!   pages' `public, no-cache` with an ETag, see [`super::cache`]) is left alone.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

/// The policy sent with every response. The QR codes and charts are inline SVG elements (no
/// `style` attributes), which `img-src` does not govern; `data:` is for images a browser makes
/// itself.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Path prefixes whose answers are never stored by a browser or proxy.
const NO_STORE_PREFIXES: &[&str] = &["/staff", "/my", "/account", "/login", "/logout", "/api/v1"];
/// Under [`NO_STORE_PREFIXES`], these stay cacheable (public data, with their own headers).
const CACHEABLE_API: &[&str] = &["/api/v1/public", "/api/v1/openapi.json"];

fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether the answer to `path` must carry `Cache-Control: no-store`.
pub fn no_store(path: &str) -> bool {
    NO_STORE_PREFIXES.iter().any(|p| under(path, p)) && !CACHEABLE_API.iter().any(|p| under(path, p))
}

/// Middleware (via `from_fn`) adding the headers. An error from the layers inside (a handler's
/// error is already a response; this is for the middleware's own) is answered with them too.
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let private = no_store(req.path());
    match next.call(req).await {
        Ok(mut res) => {
            set(res.headers_mut(), private);
            Ok(res)
        }
        Err(inner) => Err(Secured { inner, private }.into()),
    }
}

fn set(h: &mut HeaderMap, private: bool) {
    // Outside `Compress`: a small answer's "send it as it is" mark comes off here.
    super::cache::unmark_plain(h);
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if private {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// An error from inside the middleware, answered like the error itself plus the headers.
#[derive(Debug)]
struct Secured {
    inner: actix_web::Error,
    private: bool,
}

impl std::fmt::Display for Secured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl ResponseError for Secured {
    fn status_code(&self) -> StatusCode {
        self.inner.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self.inner.error_response();
        set(res.headers_mut(), self.private);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_areas_are_not_stored() {
        for p in [
            "/staff",
            "/staff/merchants/3",
            "/my",
            "/my/notices/1",
            "/login",
            "/login/link/ab",
        ] {
            assert!(no_store(p), "{p}");
        }
        for p in ["/api/v1/tokens", "/api/v1/notices/4", "/logout"] {
            assert!(no_store(p), "{p}");
        }
        for p in [
            "/",
            "/lists/red",
            "/merchants/4",
            "/mystery",
            "/staffroom",
            "/static/app.css",
        ] {
            assert!(!no_store(p), "{p}");
        }
        for p in ["/api/v1/public/lists/red", "/api/v1/openapi.json"] {
            assert!(!no_store(p), "{p}");
        }
    }

    #[test]
    fn the_policy_allows_nothing_inline() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
        assert!(
            !CONTENT_SECURITY_POLICY.contains("  "),
            "one space between directives"
        );
    }
}
