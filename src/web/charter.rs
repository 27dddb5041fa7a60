//! The charter (盟约): the public page of the version in force and the older ones, the
//! committee's page that publishes a new version (with a preview) and shows who of the members
//! confirmed each version, and the portal's confirmation.

use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::extract::{CsrfForm, PathId};
use super::guard::{Committee, MerchantUser, Require};
use super::{html, see_other, with_db, AppError, AppState, FieldError, PageCtx};
use crate::db::models::now_utc;
use crate::services::charter::{self, CharterVersion, Draft, PublishError};

/// The `{n}` segment: a charter version's number.
#[derive(Debug, Clone, Copy)]
pub struct VersionSegment;
impl super::extract::Segment for VersionSegment {
    const NAME: &'static str = "n";
}

/// A version as shown: number, title, date, what changed, safe HTML of its text.
pub struct VersionView {
    pub number: i32,
    pub title: String,
    pub published_on: String,
    pub changes: String,
    pub html: String,
}

impl VersionView {
    fn new(v: &CharterVersion) -> Self {
        VersionView {
            number: v.number,
            title: v.title.clone(),
            published_on: v.published_at.format("%Y-%m-%d").to_string(),
            changes: v.changes.clone(),
            html: crate::mail::markdown::to_html(&v.body_md),
        }
    }
}

/// The public charter page.
#[derive(Template, WebTemplate)]
#[template(path = "public/charter.html")]
pub struct CharterPage {
    page: PageCtx,
    version: Option<VersionView>,
    /// Whether it is the version in force.
    in_force: bool,
    /// "Version N, published D".
    version_line: String,
    /// (number, title, date) of every version.
    versions: Vec<(i32, String, String)>,
}

async fn charter_page(state: &AppState, page: PageCtx, number: Option<i32>) -> Result<CharterPage, AppError> {
    let all = with_db(state, |c| Ok(charter::all(c)?)).await?;
    let newest = all.first().map(|v| v.number);
    let shown = match number {
        None => all.first(),
        Some(n) => Some(all.iter().find(|v| v.number == n).ok_or(AppError::NotFound)?),
    };
    let lang = page.lang;
    Ok(CharterPage {
        version_line: shown
            .map(|v| {
                lang.tr(
                    "charter-version-line",
                    &[
                        ("n", v.number.into()),
                        ("on", v.published_at.format("%Y-%m-%d").to_string().into()),
                    ],
                )
            })
            .unwrap_or_default(),
        in_force: shown.map(|v| v.number) == newest,
        version: shown.map(VersionView::new),
        versions: all
            .iter()
            .map(|v| {
                (
                    v.number,
                    v.title.clone(),
                    v.published_at.format("%Y-%m-%d").to_string(),
                )
            })
            .collect(),
        page,
    })
}

/// GET /charter
pub async fn current(state: web::Data<AppState>, page: PageCtx) -> Result<CharterPage, AppError> {
    charter_page(&state, page, None).await
}

/// GET /charter/{n}
pub async fn version(
    state: web::Data<AppState>,
    page: PageCtx,
    n: PathId<VersionSegment>,
) -> Result<CharterPage, AppError> {
    charter_page(&state, page, Some(*n)).await
}

/// A version in the committee's list, with its confirmations.
pub struct StaffVersion {
    pub v: VersionView,
    pub confirmed: usize,
    pub members: usize,
}

/// The committee's charter page.
#[derive(Template, WebTemplate)]
#[template(path = "staff/charter.html")]
pub struct StaffCharterPage {
    page: PageCtx,
    versions: Vec<StaffVersion>,
    draft: Draft,
    /// The draft's text as it would be shown, when previewing.
    preview: Option<String>,
    errors: Vec<String>,
    next: i32,
}

async fn staff_page(
    state: &AppState,
    page: PageCtx,
    draft: Draft,
    preview: Option<String>,
    errors: Vec<FieldError>,
) -> Result<StaffCharterPage, AppError> {
    let today = state.config.today();
    let rows = with_db(state, move |c| {
        let mut out = Vec::new();
        for v in charter::all(c)? {
            let k = charter::confirmations(c, v.id, today)?;
            out.push((v, k.confirmed.len(), k.members()));
        }
        Ok(out)
    })
    .await?;
    let lang = page.lang;
    Ok(StaffCharterPage {
        next: rows.first().map_or(1, |r| r.0.number + 1),
        versions: rows
            .iter()
            .map(|(v, confirmed, members)| StaffVersion {
                v: VersionView::new(v),
                confirmed: *confirmed,
                members: *members,
            })
            .collect(),
        draft,
        preview,
        errors: errors
            .iter()
            .map(|e| lang.pick(&e.zh, &e.en).to_string())
            .collect(),
        page,
    })
}

/// GET /staff/charter
pub async fn staff_index(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
) -> Result<StaffCharterPage, AppError> {
    staff_page(&state, page, Draft::default(), None, Vec::new()).await
}

/// The publish form: the draft, and which button was pressed.
#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(flatten)]
    draft: Draft,
    /// "preview" shows the draft rendered; anything else publishes.
    #[serde(default)]
    action: String,
}

/// POST /staff/charter: previews or publishes a new version.
pub async fn staff_publish(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    form: CsrfForm<PublishForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if form.action == "preview" {
        let preview = crate::mail::markdown::to_html(&form.draft.body);
        let p = staff_page(&state, page, form.draft, Some(preview), Vec::new()).await?;
        return html(actix_web::http::StatusCode::OK, &p);
    }
    let actor = user.actor();
    let draft = form.draft.clone();
    let res = with_db(&state, move |c| {
        Ok(charter::publish(c, &actor, &draft, now_utc()))
    })
    .await?;
    match res {
        Ok(n) => Ok(see_other(format!("/staff/charter/{n}"))),
        Err(PublishError::Invalid(p)) => {
            let errors = p.into_iter().map(FieldError::from).collect();
            let p = staff_page(&state, page, form.draft, None, errors).await?;
            html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(PublishError::Other(e)) => Err(AppError::Internal(e)),
    }
}

/// One version with who confirmed it and who has not.
#[derive(Template, WebTemplate)]
#[template(path = "staff/charter_version.html")]
pub struct StaffVersionPage {
    page: PageCtx,
    v: VersionView,
    confirmed: Vec<(i32, String, String)>,
    missing: Vec<(i32, String)>,
}

/// GET /staff/charter/{n}
pub async fn staff_version(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
    n: PathId<VersionSegment>,
) -> Result<StaffVersionPage, AppError> {
    let (n, today) = (*n, state.config.today());
    let (v, k) = with_db(&state, move |c| {
        let v = charter::by_number(c, n)?.ok_or(AppError::NotFound)?;
        let k = charter::confirmations(c, v.id, today)?;
        Ok((v, k))
    })
    .await?;
    Ok(StaffVersionPage {
        v: VersionView::new(&v),
        confirmed: k
            .confirmed
            .into_iter()
            .map(|(id, name, at)| (id, name, at.format("%Y-%m-%d").to_string()))
            .collect(),
        missing: k.missing,
        page,
    })
}

/// The portal's confirmation: the version number the member read.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    number: String,
}

/// POST /my/charter/confirm
pub async fn confirm(
    state: web::Data<AppState>,
    user: MerchantUser,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let number: i32 = form.number.trim().parse().map_err(|_| AppError::NotFound)?;
    let (mid, actor) = (user.merchant_id, user.user.actor());
    with_db(&state, move |c| Ok(charter::confirm(c, &actor, mid, number)?)).await?;
    Ok(see_other("/my"))
}

/// Registers the charter routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/charter").route(web::get().to(current)))
        .service(web::resource("/charter/{n}").route(web::get().to(version)))
        .service(
            web::resource("/staff/charter")
                .route(web::get().to(staff_index))
                .route(web::post().to(staff_publish)),
        )
        .service(web::resource("/staff/charter/{n}").route(web::get().to(staff_version)))
        .service(web::resource("/my/charter/confirm").route(web::post().to(confirm)));
}
