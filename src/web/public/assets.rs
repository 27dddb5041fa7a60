use super::*;

pub(super) const STYLESHEET: &str = include_str!("../../../templates/static/app.css");

/// GET /static/app.css, cached by browsers for a day.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(STYLESHEET)
}

pub(super) const PLAQUE_STYLESHEET: &str = include_str!("../../../templates/static/plaque.css");

/// GET /static/plaque.css: the plaque's paper size, cached by browsers for a day.
pub async fn plaque_stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(PLAQUE_STYLESHEET)
}

pub(super) const CERTIFICATE_STYLESHEET: &str = include_str!("../../../templates/static/certificate.css");

/// GET /static/certificate.css: the certificate's paper size, cached by browsers for a day.
pub async fn certificate_stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(CERTIFICATE_STYLESHEET)
}

pub(super) const SCRIPT: &str = include_str!("../../../templates/static/app.js");

/// GET /static/app.js: the site's one script (no inline scripts: see
/// [`crate::web::security_headers`]), cached by browsers for a day.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(SCRIPT)
}

pub(super) const INSPECTION_SCRIPT: &str = include_str!("../../../templates/static/inspection.js");

/// GET /static/inspection.js: the inspection form's steppers, violation catalogue and browser
/// draft (the form works without it), cached by browsers for a day.
pub async fn inspection_script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(INSPECTION_SCRIPT)
}

/// The site's icon (a red 共 on white), so browsers asking for `/favicon.ico` get no 404.
pub(super) const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#b3261e\"/><path d=\"M9 9h14M9 15h14M7 21h18M12 5v16M20 5v16M12 24l-3 4M20 24l3 4\" stroke=\"#fff\" stroke-width=\"2.5\" fill=\"none\" stroke-linecap=\"round\"/></svg>";

/// GET /favicon.ico, cached by browsers for a day.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON)
}
