//! The reader's language for a request. The languages and the catalogues themselves live in
//! [`crate::i18n`] (shared with the mail layer and the exports); this module picks one per request.
//!
//! The language comes from `?lang=` (which the middleware in `web::mod` also stores in a cookie),
//! then the `lang` cookie, then `Accept-Language`; the default is zh-CN.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};

pub use crate::i18n::{Arg, Lang};

impl Lang {
    /// Chooses from the request: query, then cookie, then Accept-Language.
    pub fn from_request_parts(req: &HttpRequest) -> Lang {
        if let Some(l) = query_lang(req.query_string()) {
            return l;
        }
        if let Some(l) = req.cookie("lang").and_then(|c| Lang::from_tag(c.value())) {
            return l;
        }
        if let Some(h) = req.headers().get("accept-language").and_then(|v| v.to_str().ok()) {
            // The first listed language we speak wins; q-values are rarely out of order.
            for part in h.split(',') {
                let tag = part.split(';').next().unwrap_or("");
                if let Some(l) = Lang::from_tag(tag) {
                    return l;
                }
            }
        }
        Lang::Zh
    }
}

/// The `lang` parameter of a query string, if it names a language we speak.
pub fn query_lang(query: &str) -> Option<Lang> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::from_tag(&v))
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Lang, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang::from_request_parts(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameter() {
        assert_eq!(query_lang("a=1&lang=en"), Some(Lang::En));
        assert_eq!(query_lang("lang=zh"), Some(Lang::Zh));
        assert_eq!(query_lang("lang=fr"), None);
    }
}
