//! Reading a bulletin: the merchant's copy in the portal and the email's link (each records the
//! receipt the first time), the attachment for staff and the recipients, and the portal's list.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::{bulletin_error, BulletinBody};
use crate::db::models::bulletin::{Bulletin, Recipient};
use crate::services::bulletins::{self, reads};
use crate::web::extract::Id;
use crate::web::guard::{merchant_of, CurrentUser, MerchantUser, RoleSet, Staff};
use crate::web::{html, with_db, AppError, AppState, PageCtx};

#[derive(Template)]
#[template(path = "portal/bulletin.html")]
pub struct ReadPage {
    page: PageCtx,
    b: BulletinBody,
    /// Whom it was sent to (the email link's page says so, as the reader is not signed in).
    merchant: String,
    /// The attachment's link for this reader.
    file_href: String,
    /// In the portal (a way back to it) or from the email.
    portal: bool,
}

/// GET /my/bulletins/{id}: the merchant's copy; the first opening records the receipt.
pub async fn portal_show(
    state: web::Data<AppState>,
    page: PageCtx,
    user: MerchantUser,
    id: Id,
) -> Result<HttpResponse, AppError> {
    let (id, mid) = (*id, user.merchant_id);
    let actor = user.actor();
    let policy = state.policy.clone();
    let (b, policy) = with_db(&state, move |c| {
        let policy = policy.current(c)?;
        let (b, _) = reads::open_in_portal(c, id, mid, &actor).map_err(bulletin_error)?;
        Ok((b, policy))
    })
    .await?;
    let p = ReadPage {
        b: BulletinBody::new(&b, &policy, &state, page.lang),
        merchant: String::new(),
        file_href: format!("/bulletins/{id}/attachment"),
        portal: true,
        page,
    };
    html(StatusCode::OK, &p)
}

/// GET /bulletins/read/{token}: the email's link. No sign-in: a genuine token records the
/// receipt (the first time) and shows the bulletin; any other is the not-found page.
pub async fn read_link(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    if token.len() > 80 {
        return Err(AppError::NotFound);
    }
    let policy = state.policy.clone();
    let configured = state.config.session_secret.clone();
    let t = token.clone();
    let (b, name, policy) = with_db(&state, move |c| {
        let policy = policy.current(c)?;
        let secret = crate::services::plaque::app_secret(c, configured.as_deref())?;
        let (b, _, name) = reads::open_by_token(c, &secret, &t).map_err(bulletin_error)?;
        Ok((b, name, policy))
    })
    .await?;
    let p = ReadPage {
        b: BulletinBody::new(&b, &policy, &state, page.lang),
        merchant: name,
        file_href: format!("/bulletins/read/{token}/attachment"),
        portal: false,
        page,
    };
    // The token is in the address: keep it out of caches and out of the Referer of any link.
    let mut res = html(StatusCode::OK, &p)?;
    let headers = res.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(res)
}

/// Serves a bulletin's file.
async fn serve_file(state: &AppState, b: Bulletin) -> Result<HttpResponse, AppError> {
    let (Some(name), Some(key), Some(ctype)) = (b.attachment_name, b.attachment_key, b.attachment_type)
    else {
        return Err(AppError::NotFound);
    };
    let path = bulletins::file_path(&state.config.upload_dir, &key);
    let bytes = match web::block(move || std::fs::read(path)).await? {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(
                bulletin = b.id,
                key = %key,
                upload_dir = %state.config.upload_dir.display(),
                "a bulletin's file is missing from the upload directory"
            );
            return Err(AppError::NotFound);
        }
        Err(e) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "reading bulletin file {}: {e}",
                b.id
            )))
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(ctype.as_str())
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename*=UTF-8''{}",
                url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
            ),
        ))
        .body(bytes))
}

/// GET /bulletins/{id}/attachment: for staff, and for the merchants that received it (404 for
/// any other merchant).
pub async fn attachment(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: Id,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let merchant = if Staff::allows(user.role) {
        None
    } else {
        Some(merchant_of(&state, &user).await?)
    };
    let b = with_db(&state, move |c| {
        if let Some(mid) = merchant {
            if !reads::received(c, id, mid)? {
                return Err(AppError::NotFound);
            }
        }
        Bulletin::find(c, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    serve_file(&state, b).await
}

/// GET /bulletins/read/{token}/attachment: the file, for the holder of an email's link.
pub async fn read_link_attachment(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    if token.len() > 80 {
        return Err(AppError::NotFound);
    }
    let configured = state.config.session_secret.clone();
    let b = with_db(&state, move |c| {
        let secret = crate::services::plaque::app_secret(c, configured.as_deref())?;
        let r = reads::recipient_by_token(c, &secret, &token)?.ok_or(AppError::NotFound)?;
        Bulletin::find(c, r.bulletin_id)?.ok_or(AppError::NotFound)
    })
    .await?;
    serve_file(&state, b).await
}

/// A bulletin in the portal's list.
pub struct PortalLine {
    pub id: i32,
    pub title: String,
    pub sent: String,
    pub unread: bool,
}

/// The portal's list of a merchant's bulletins, newest first.
pub fn portal_lines(rows: &[(Bulletin, Recipient)], state: &AppState) -> Vec<PortalLine> {
    rows.iter()
        .map(|(b, r)| PortalLine {
            id: b.id,
            title: b.title.clone(),
            sent: state.config.local_time(b.sent_at),
            unread: r.read_at.is_none(),
        })
        .collect()
}
