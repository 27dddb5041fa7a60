//! The merchant's printable certificate of commendation (荣誉证书).

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::*;
use crate::services::commendations::{self as svc};
use crate::services::plaque::{self, PlaqueFacts};
use crate::web::guard::MerchantUser;
use crate::web::{with_db, AppError, AppState, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "portal/certificate.html")]
pub struct CertificatePage {
    page: PageCtx,
    name: String,
    /// "2025 示范商家" / "Model merchant of the year 2025".
    title: String,
    number: String,
    decided_on: String,
    revoked: Option<String>,
    check_url: String,
    qr_svg: String,
}

/// GET /my/commendations/{year}: the printable A4 certificate (荣誉证书) of the merchant's own
/// commendation, its QR code verifying it.
pub async fn certificate(
    state: web::Data<AppState>,
    page: PageCtx,
    user: MerchantUser,
    path: web::Path<String>,
) -> Result<CertificatePage, AppError> {
    let mid = user.merchant_id;
    let year = parse_year(&path)?;
    let configured = state.config.session_secret.clone();
    let (found, m, secret) = with_db(&state, move |c| {
        let found = svc::of_merchant_year(c, mid, year)?.ok_or(AppError::NotFound)?;
        let m = crate::db::models::merchant::Merchant::find(c, mid)?.ok_or(AppError::NotFound)?;
        Ok((found, m, plaque::app_secret(c, configured.as_deref())?))
    })
    .await?;
    let (k, d) = found;
    let lang = page.lang;
    let today = state.config.today();
    let code = plaque::sign(
        &plaque::plaque_key(&secret),
        &PlaqueFacts {
            merchant_id: mid,
            stars: m.current_stars,
            list: m.current_list,
            issued_on: today,
            commendation: Some((k.year, k.level.clone())),
        },
    );
    let check_url = plaque::check_url(&state.config.base_url, mid, &code);
    let qr_svg = plaque::qr_svg(&check_url)?;
    Ok(CertificatePage {
        name: k.merchant_name.clone(),
        title: lang.tr(
            "rule-badge-title",
            &[
                ("year", k.year.to_string().into()),
                ("level", lang.pick(&k.level_name_zh, &k.level_name_en).into()),
            ],
        ),
        number: super::words::decision_number(&d, lang),
        decided_on: d.decided_on.to_string(),
        revoked: k.revocation().map(|r| revocation_text(&r, lang)),
        check_url,
        qr_svg,
        page,
    })
}
