//! Photos taken at an inspection (现场照片). Every photo is decoded and re-encoded as a JPEG of at
//! most [`MAX_SIDE`] pixels on its long side: that makes it small enough for a phone connection
//! and drops whatever metadata the camera wrote (EXIF, including the GPS position), since only
//! the pixels are re-encoded. Photos are served only to staff and to the inspected merchant.

use std::io::Cursor;
use std::path::Path;

use rand::RngCore;

use super::*;
use crate::db::schema::{inspection_photos, inspections};

/// Most photos on one inspection.
pub const MAX_PHOTOS: usize = 8;
/// Largest photo accepted, in bytes, before resizing (phone cameras write 3–8 MB).
pub const MAX_PHOTO_BYTES: usize = 12 * 1024 * 1024;
/// Long side of a stored photo, in pixels.
pub const MAX_SIDE: u32 = 1600;
/// Largest picture decoded, in pixels per side (guards memory against a crafted header).
const MAX_DECODE_SIDE: u32 = 12_000;

/// A stored photo.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct InspectionPhoto {
    pub id: i32,
    pub inspection_id: i32,
    pub merchant_id: i32,
    pub storage_key: String,
    pub width: i32,
    pub height: i32,
    pub size_bytes: i64,
    pub uploaded_by: Option<i32>,
    pub created_at: NaiveDateTime,
}

/// Why photos could not be added.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("no photo chosen")]
    Empty,
    #[error("more than {MAX_PHOTOS} photos")]
    TooMany,
    #[error("a photo is larger than {MAX_PHOTO_BYTES} bytes")]
    TooLarge,
    #[error("not a JPEG or PNG picture")]
    NotAnImage,
    #[error("no such inspection")]
    NotFound,
    /// Only the inspection's own inspector removes a photo, within the edit window.
    #[error("the photo can no longer be removed")]
    Locked,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for PhotoError {
    fn from(e: diesel::result::Error) -> Self {
        PhotoError::Other(e.into())
    }
}

/// Decodes a JPEG or PNG, scales it down to at most [`MAX_SIDE`] on its long side (never up) and
/// re-encodes it as a JPEG without metadata. Returns the JPEG and its size.
pub fn process_photo(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), PhotoError> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)
    ) {
        return Err(PhotoError::NotAnImage);
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| PhotoError::NotAnImage)?;
    let img = if img.width().max(img.height()) > MAX_SIDE {
        img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let rgb = img.to_rgb8();
    let (w, h) = rgb.dimensions();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
        .encode_image(&rgb)
        .map_err(|e| PhotoError::Other(anyhow::anyhow!("encoding a photo: {e}")))?;
    Ok((out, w, h))
}

/// The photos of an inspection, in the order they were added.
pub fn photos_of(conn: &mut DbConn, inspection_id: i32) -> QueryResult<Vec<InspectionPhoto>> {
    inspection_photos::table
        .filter(inspection_photos::inspection_id.eq(inspection_id))
        .order(inspection_photos::id.asc())
        .load(conn)
}

/// A photo, if `merchant` is `None` (staff) or the photo's merchant.
pub fn photo_for(conn: &mut DbConn, id: i32, merchant: Option<i32>) -> QueryResult<Option<InspectionPhoto>> {
    let p: Option<InspectionPhoto> = inspection_photos::table.find(id).first(conn).optional()?;
    Ok(p.filter(|p| merchant.is_none_or(|m| m == p.merchant_id)))
}

/// Adds photos to inspection `id`: each one resized and stripped, written to `upload_dir`, then
/// the rows and one audit entry in one write transaction (the files are removed again if it
/// fails). Returns how many were added.
pub fn add_photos(
    conn: &mut DbConn,
    upload_dir: &Path,
    id: i32,
    photos: &[Vec<u8>],
    actor: &Actor,
) -> Result<usize, PhotoError> {
    let Some(inspection) = Inspection::find(conn, id)? else {
        return Err(PhotoError::NotFound);
    };
    if photos.is_empty() {
        return Err(PhotoError::Empty);
    }
    if photos.iter().any(|p| p.len() > MAX_PHOTO_BYTES) {
        return Err(PhotoError::TooLarge);
    }
    let have = photos_of(conn, id)?.len();
    if have + photos.len() > MAX_PHOTOS {
        return Err(PhotoError::TooMany);
    }
    let processed = photos
        .iter()
        .map(|p| process_photo(p))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(upload_dir)
        .map_err(|e| anyhow::anyhow!("cannot create upload directory {}: {e}", upload_dir.display()))?;
    let mut written = Written(Vec::new(), false);
    let mut rows = Vec::new();
    for (jpeg, w, h) in &processed {
        let mut key = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut key);
        let storage_key = format!("inspection-{}.jpg", hex::encode(key));
        let path = upload_dir.join(&storage_key);
        std::fs::write(&path, jpeg)
            .map_err(|e| anyhow::anyhow!("cannot write upload {}: {e}", path.display()))?;
        written.0.push(path);
        rows.push((storage_key, *w as i32, *h as i32, jpeg.len() as i64));
    }
    let n = rows.len();
    write_tx(conn, |c| -> Result<(), PhotoError> {
        let now = now_utc();
        // Under the write lock: count again, another upload may have come in between.
        let have: i64 = inspection_photos::table
            .filter(inspection_photos::inspection_id.eq(id))
            .count()
            .get_result(c)?;
        if have as usize + n > MAX_PHOTOS {
            return Err(PhotoError::TooMany);
        }
        for (key, w, h, size) in &rows {
            diesel::insert_into(inspection_photos::table)
                .values((
                    inspection_photos::inspection_id.eq(id),
                    inspection_photos::merchant_id.eq(inspection.merchant_id),
                    inspection_photos::storage_key.eq(key),
                    inspection_photos::width.eq(*w),
                    inspection_photos::height.eq(*h),
                    inspection_photos::size_bytes.eq(*size),
                    inspection_photos::uploaded_by.eq(actor.user_id),
                    inspection_photos::created_at.eq(now),
                ))
                .execute(c)?;
        }
        let _ = inspections::table
            .find(id)
            .select(inspections::id)
            .first::<i32>(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "inspection.photos",
                entity: "inspection",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({ "photos": have })),
                after: Some(serde_json::json!({ "photos": have as usize + n })),
            },
        )?;
        Ok(())
    })?;
    written.1 = true;
    Ok(n)
}

/// Removes photo `photo_id` of inspection `inspection_id`: only its own inspector, within
/// [`super::EDIT_WINDOW_HOURS`] of logging it (afterwards the photo is part of the record). The
/// row and its audit entry go in one write transaction; the file is removed after the commit.
pub fn remove_photo(
    conn: &mut DbConn,
    upload_dir: &Path,
    inspection_id: i32,
    photo_id: i32,
    actor: &Actor,
) -> Result<(), PhotoError> {
    let photo = write_tx(conn, |c| -> Result<InspectionPhoto, PhotoError> {
        let p: Option<InspectionPhoto> = inspection_photos::table.find(photo_id).first(c).optional()?;
        let Some(p) = p.filter(|p| p.inspection_id == inspection_id) else {
            return Err(PhotoError::NotFound);
        };
        let Some(inspection) = Inspection::find(c, inspection_id)? else {
            return Err(PhotoError::NotFound);
        };
        let user = actor.user_id.ok_or(PhotoError::Locked)?;
        super::check_editable(&inspection, user, now_utc()).map_err(|_| PhotoError::Locked)?;
        diesel::delete(inspection_photos::table.find(photo_id)).execute(c)?;
        audit::append(
            c,
            actor,
            Change {
                action: "inspection.photo-removed",
                entity: "inspection",
                entity_id: Some(inspection_id.to_string()),
                before: Some(serde_json::json!({ "photo": p.id, "storage_key": p.storage_key })),
                after: None,
            },
        )?;
        Ok(p)
    })?;
    let path = upload_dir.join(&photo.storage_key);
    if let Err(e) = std::fs::remove_file(&path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), "a removed photo's file stays: {e}");
        }
    }
    Ok(())
}

/// Files written for an upload, removed again unless the transaction commits.
struct Written(Vec<std::path::PathBuf>, bool);

impl Drop for Written {
    fn drop(&mut self) {
        if !self.1 {
            for p in &self.0 {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}
