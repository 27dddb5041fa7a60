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
        accept_language(req).unwrap_or_default()
    }
}

/// The first language of `Accept-Language` that gongzhi speaks (q-values are rarely out of order).
fn accept_language(req: &HttpRequest) -> Option<Lang> {
    let h = req.headers().get("accept-language")?.to_str().ok()?;
    h.split(',')
        .find_map(|part| Lang::from_tag(part.split(';').next().unwrap_or("")))
}

impl Lang {
    /// The language of a JSON API answer: `?lang=`, then `Accept-Language` (no cookie: the
    /// answers are cached publicly, varying by `Accept-Language` only); the default is zh-CN.
    pub fn from_api_request(req: &HttpRequest) -> Lang {
        query_lang(req.query_string())
            .or_else(|| accept_language(req))
            .unwrap_or_default()
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
