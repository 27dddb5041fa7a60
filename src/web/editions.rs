//! Published editions of the red and black lists: the public archive, and the committee's
//! publish form.

use actix_session::Session;
use actix_web::{http::header, web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::auth::check_csrf;
use super::guard::{CurrentUser, COMMITTEE};
use super::public::stars_display;
use super::{with_db, AppError, AppState, PageCtx};
use crate::services::editions::{self, Edition, PublishError};

/// An edition entry, ready to print.
pub struct EntryRow {
    pub merchant_id: i32,
    pub name: String,
    pub category: String,
    pub area: String,
    pub stars_text: String,
    pub stars_label: String,
    pub reason: String,
    pub since: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/editions.html")]
pub struct EditionsPage {
    page: PageCtx,
    editions: Vec<Edition>,
    can_publish: bool,
}

/// GET /editions: every published edition, newest first (and the publish form for the committee).
pub async fn archive(state: web::Data<AppState>, page: PageCtx) -> Result<EditionsPage, AppError> {
    let editions = with_db(&state, |c| Ok(editions::list(c)?)).await?;
    let can_publish = page.role.as_deref().is_some_and(|r| COMMITTEE.contains(&r));
    Ok(EditionsPage {
        page,
        editions,
        can_publish,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public/edition.html")]
pub struct EditionPage {
    page: PageCtx,
    edition: Edition,
    red: Vec<EntryRow>,
    black: Vec<EntryRow>,
}

/// GET /editions/{number}
pub async fn show(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
) -> Result<EditionPage, AppError> {
    let number: i32 = path.parse().map_err(|_| AppError::NotFound)?;
    let (edition, entries) = with_db(&state, move |c| Ok(editions::find(c, number)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let (mut red, mut black) = (Vec::new(), Vec::new());
    for e in entries {
        let (stars_text, stars_label) = stars_display(e.stars, lang);
        let row = EntryRow {
            merchant_id: e.merchant_id,
            name: e.merchant_name,
            category: e.category,
            area: e.area,
            stars_text,
            stars_label,
            reason: e.reason,
            since: e.since.to_string(),
        };
        if e.list == "red" {
            red.push(row);
        } else {
            black.push(row);
        }
    }
    Ok(EditionPage {
        page,
        edition,
        red,
        black,
    })
}

/// The publish form's fields.
#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// POST /editions: the committee publishes the next edition (recomputing everyone first).
pub async fn publish(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<PublishForm>,
) -> Result<HttpResponse, AppError> {
    user.require(COMMITTEE)?;
    check_csrf(&session, &form.csrf)?;
    let note = form.into_inner().note;
    if note.trim().chars().count() > 500 {
        return Err(AppError::invalid(
            "note",
            "说明不能超过 500 个字符。",
            "The note must be at most 500 characters.",
        ));
    }
    let today = state.config.today();
    let actor = user.actor();
    let published = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        editions::publish(c, &policy, today, &actor, &note).map_err(|e| match e {
            PublishError::NoteTooLong => AppError::invalid(
                "note",
                "说明不能超过 500 个字符。",
                "The note must be at most 500 characters.",
            ),
            PublishError::Other(e) => AppError::Internal(e),
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/editions/{}", published.number)))
        .finish())
}
