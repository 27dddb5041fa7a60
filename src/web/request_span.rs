//! The tracing span every request runs in: its method, its path and, once answered, its status.
//! Log lines written while handling a request (an error, a failed email) carry them.
//!
//! `tracing_actix_web`'s default span also records the matched route, the client's address and
//! user agent and a random request id; the route alone meant matching the path against every
//! registered pattern a second time, and with the id a tenth of the CPU time of a cached public
//! page went into a span that is printed only when something goes wrong (`docs/performance.md`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::Error;
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

/// Paths whose last segment is a secret (a one-time sign-in link): logged without it.
const SECRET_TAILS: &[&str] = &["/login/link/"];

/// Builds the request span (see the module comment).
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %loggable_path(request.path()),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
    }
}

/// The path as it may be written to a log: a sign-in link's token is cut off.
fn loggable_path(path: &str) -> &str {
    SECRET_TAILS
        .iter()
        .find_map(|prefix| path.starts_with(prefix).then(|| &path[..prefix.len()]))
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_tokens_stay_out_of_the_log() {
        assert_eq!(loggable_path("/login/link/abcdef0123"), "/login/link/");
        assert_eq!(loggable_path("/login/link"), "/login/link");
        assert_eq!(loggable_path("/lists/red"), "/lists/red");
    }
}
