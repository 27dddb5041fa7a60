use crate::web::extract::Upload;
use actix_session::Session;
use futures_util::StreamExt;

use super::*;
use crate::services::inspections::{PhotoError, MAX_PHOTOS, MAX_PHOTO_BYTES};
use crate::web::extract::{check_csrf, read_field_capped, CsrfForm};
use crate::web::guard::{merchant_of, CurrentUser};

/// Most form parts read from one upload (csrf plus photos), so a request cannot make the server
/// walk an endless multipart body.
const MAX_PARTS: usize = MAX_PHOTOS + 4;

fn photo_message(e: &PhotoError) -> AppError {
    let mb = (MAX_PHOTO_BYTES / (1024 * 1024)) as i64;
    let (id, args): (&str, Vec<(&str, crate::i18n::Arg)>) = match e {
        PhotoError::Empty => ("form-photos-empty", vec![]),
        PhotoError::TooMany => ("form-photos-too-many", vec![("max", (MAX_PHOTOS as i64).into())]),
        PhotoError::TooLarge => ("form-photos-too-big", vec![("mb", mb.into())]),
        PhotoError::NotAnImage => ("form-photos-not-image", vec![]),
        PhotoError::NotFound => return AppError::NotFound,
        PhotoError::Locked => ("form-photo-locked", vec![]),
        PhotoError::Other(e) => return AppError::Internal(anyhow::anyhow!("{e}")),
    };
    AppError::invalid("photos", &Lang::Zh.tr(id, &args), &Lang::En.tr(id, &args))
}

/// POST /staff/inspections/{id}/photos (multipart `csrf`, `photos`): adds the photos, then back to
/// the inspection (303); a clear 422 when there are too many, one is too large or not a picture.
pub async fn upload_photos(
    state: web::Data<AppState>,
    session: Session,
    user: Require<Loggers>,
    id: Id,
    mut mp: Upload,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let mut csrf = String::new();
    let mut photos: Vec<Vec<u8>> = Vec::new();
    let mut problem = None;
    let mut parts = 0;
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(|e| {
            AppError::invalid(
                "photos",
                "表单内容无法解析。",
                &format!("The form could not be read: {e}"),
            )
        })?;
        parts += 1;
        if parts > MAX_PARTS {
            problem.get_or_insert(PhotoError::TooMany);
            continue;
        }
        let name = field.name().unwrap_or("").to_string();
        let limit = if name == "photos" {
            MAX_PHOTO_BYTES + 1
        } else {
            1024
        };
        let (bytes, over) = read_field_capped(&mut field, limit, "photos").await?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "photos" if bytes.is_empty() => {}
            "photos" if over => {
                problem.get_or_insert(PhotoError::TooLarge);
            }
            "photos" if photos.len() >= MAX_PHOTOS => {
                problem.get_or_insert(PhotoError::TooMany);
            }
            "photos" => photos.push(bytes),
            _ => {}
        }
    }
    check_csrf(&session, &csrf)?;
    if let Some(p) = problem {
        return Err(photo_message(&p));
    }
    let dir = state.config.upload_dir.clone();
    let actor = user.actor();
    let added = with_db(&state, move |c| Ok(svc::add_photos(c, &dir, id, &photos, &actor))).await?;
    match added {
        Ok(_) => Ok(see_other(format!("/staff/inspections/{id}#photos"))),
        Err(e) => Err(photo_message(&e)),
    }
}

/// The photo segment of `/staff/inspections/{id}/photos/{photo}/remove`.
#[derive(Debug, Clone, Copy)]
pub struct PhotoSegment;
impl crate::web::extract::Segment for PhotoSegment {
    const NAME: &'static str = "photo";
}

/// POST /staff/inspections/{id}/photos/{photo}/remove (form `csrf`): the inspection's own
/// inspector removes a photo within the edit window, then back to the photos (303); 422 later.
pub async fn remove_photo(
    state: web::Data<AppState>,
    user: Require<Loggers>,
    id: Id,
    photo: crate::web::extract::PathId<PhotoSegment>,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let (id, photo) = (*id, *photo);
    let dir = state.config.upload_dir.clone();
    let actor = user.actor();
    let removed = with_db(&state, move |c| Ok(svc::remove_photo(c, &dir, id, photo, &actor))).await?;
    match removed {
        Ok(()) => Ok(see_other(format!("/staff/inspections/{id}#photos"))),
        Err(e) => Err(photo_message(&e)),
    }
}

/// GET /inspection-photos/{id}: a photo of an inspection, for staff and for the inspected
/// merchant only (404 for any other merchant; anonymous readers are sent to sign in).
pub async fn photo(state: web::Data<AppState>, user: CurrentUser, id: Id) -> Result<HttpResponse, AppError> {
    let id = *id;
    let merchant = if Staff::allows(user.role) {
        None
    } else {
        Some(merchant_of(&state, &user).await?)
    };
    let p = with_db(&state, move |c| Ok(svc::photo_for(c, id, merchant)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let path = state.config.upload_dir.join(&p.storage_key);
    let bytes = match web::block(move || std::fs::read(path)).await? {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(photo = id, key = %p.storage_key, "an inspection photo's file is missing");
            return Err(AppError::NotFound);
        }
        Err(e) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "reading inspection photo {id}: {e}"
            )))
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}
