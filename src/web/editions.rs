//! Published editions of the red and black lists: the public archive, and the committee's
//! publish form.

use actix_session::Session;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::cache::{page_response, viewer_ctx, Rendered};
use super::extract::{CsrfForm, NumberSegment, PathId};
use super::guard::{Committee, Require, RoleSet};
use super::public::{EntryRow, LIST_PAGE_SIZE};
use super::{html, with_db, AppError, AppState, PageCtx};
use crate::domain::words::ListStatus;
use crate::services::editions::{self, Edition, PublishError};
use actix_web::http::StatusCode;

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
    let can_publish = page.role.is_some_and(Committee::allows);
    Ok(EditionsPage {
        page,
        editions,
        can_publish,
    })
}

/// One list of an edition as the page shows it: a page of its entries and where the others are.
pub struct ListPart {
    pub total: i64,
    pub rows: Vec<EntryRow>,
    /// The link to the whole list, paged, when the overview shows only its first page.
    pub all_href: Option<String>,
    /// Its words: "查看全部 N 家 →".
    pub all_label: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub page_number: i64,
    pub pages: i64,
}

#[derive(Template)]
#[template(path = "public/edition.html")]
pub struct EditionPage {
    page: PageCtx,
    edition: Edition,
    /// `None` when the page shows only the other list.
    red: Option<ListPart>,
    black: Option<ListPart>,
}

/// `GET /editions/{number}` query: `?list=red|black&page=N` shows one list, paged.
#[derive(Deserialize, Default)]
pub struct EditionQuery {
    #[serde(default)]
    list: String,
    #[serde(default)]
    page: String,
}

/// GET /editions/{number}: an edition as published — the first 100 of each list with their
/// counts; `?list=red|black&page=N` shows one list, 100 a page (a large town's black list runs
/// to thousands of entries, megabytes in one page).
///
/// Visitors with no session get the page from [`super::cache::EditionCache`] (with an ETag, and
/// gzip-compressed once, like the other public pages): an edition never changes.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    number: PathId<NumberSegment>,
    query: web::Query<EditionQuery>,
) -> Result<HttpResponse, AppError> {
    let number = *number;
    let EditionQuery { list, page: raw_page } = query.into_inner();
    let only: Option<ListStatus> = match list.trim() {
        "" => None,
        l => match l.parse() {
            Ok(l @ (ListStatus::Red | ListStatus::Black)) => Some(l),
            _ => return Err(AppError::NotFound),
        },
    };
    let page_number = super::parse_page(&raw_page)?;
    if only.is_none() && page_number != 1 {
        return Err(AppError::invalid(
            "page",
            "分页时请选择红榜或黑榜（list=red 或 list=black）。",
            "Choose the red or the black list to page through (list=red or list=black).",
        ));
    }
    let page = viewer_ctx(&req, &session);
    let public = page.user.is_none();
    // The names of categories and areas follow the policy this server last read (no query).
    let policy = state.policy.latest();
    let key = format!(
        "{number}:{}:{page_number}:{}:{}",
        only.map_or("both", ListStatus::as_str),
        page.lang.tag(),
        policy.version
    );
    if public {
        if let Some(hit) = state.editions.get(&key) {
            return Ok(page_response(&req, &hit, true));
        }
    }
    let size = LIST_PAGE_SIZE as i64;
    let (edition, red, black) = with_db(&state, move |c| {
        let Some(edition) = editions::by_number(c, number)? else {
            return Ok(None);
        };
        // The list shown (both when none is chosen): its count and this page of it.
        let mut load = |list: ListStatus| -> diesel::QueryResult<Option<(i64, Vec<editions::EditionEntry>)>> {
            if only.is_some_and(|o| o != list) {
                return Ok(None);
            }
            let total = editions::count_on(c, edition.id, list)?;
            let offset = (page_number - 1) * size;
            Ok(Some((
                total,
                editions::entries_on(c, edition.id, list, offset, size)?,
            )))
        };
        let (red, black) = (load(ListStatus::Red)?, load(ListStatus::Black)?);
        Ok(Some((edition, red, black)))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let part = |list: ListStatus, loaded: Option<(i64, Vec<editions::EditionEntry>)>| {
        loaded.map(|(total, entries)| {
            let pages = ((total + size - 1) / size).max(1);
            let href = |n: i64| format!("/editions/{number}?list={list}&page={n}");
            ListPart {
                total,
                rows: entries
                    .into_iter()
                    .map(|e| EntryRow::new(&e.into(), lang, &policy))
                    .collect(),
                all_href: (only.is_none() && total > size).then(|| href(1)),
                all_label: lang.tr("editions-see-all", &[("total", total.into())]),
                prev_href: (only.is_some() && page_number > 1).then(|| href(page_number - 1)),
                next_href: (only.is_some() && page_number < pages).then(|| href(page_number + 1)),
                page_number,
                pages,
            }
        })
    };
    let (red, black) = (part(ListStatus::Red, red), part(ListStatus::Black, black));
    if red.iter().chain(&black).any(|p| page_number > p.pages) {
        return Err(AppError::NotFound);
    }
    let rendered = Rendered::of(&EditionPage {
        page,
        edition,
        red,
        black,
    })?;
    if public {
        state.editions.put(key, rendered.clone());
    }
    Ok(page_response(&req, &rendered, public))
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    note: String,
    /// "1" when the committee confirms the preview it saw.
    #[serde(default)]
    confirm: String,
    /// The preview's fingerprint (see [`editions::Preview::fingerprint`]).
    #[serde(default)]
    fingerprint: String,
}

/// One merchant entering or leaving a list, in words.
pub struct MoveRow {
    pub id: i32,
    pub name: String,
    pub list: &'static str,
    pub list_code: &'static str,
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/edition_preview.html")]
pub struct PreviewPage {
    page: PageCtx,
    preview: editions::Preview,
    entering: Vec<MoveRow>,
    leaving: Vec<MoveRow>,
    note: String,
    /// "Against edition N" or "the first edition".
    against: String,
    red_count: String,
    black_count: String,
    /// Why the preview is shown again (stale, identical), if it is.
    message: Option<String>,
}

/// `GET /editions/preview` query: `?campaign=ID` names a closed campaign in the note.
#[derive(Deserialize, Default)]
pub struct PreviewQuery {
    #[serde(default)]
    campaign: String,
}

async fn preview_page(
    state: &AppState,
    page: PageCtx,
    user: &super::guard::CurrentUser,
    note: String,
    message: Option<&str>,
) -> Result<PreviewPage, AppError> {
    let today = state.config.today();
    let actor = user.actor();
    let preview = with_db(state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        Ok(editions::preview(c, &policy, today, &actor)?)
    })
    .await?;
    let lang = page.lang;
    let row = |m: &editions::Move, entering: bool| MoveRow {
        id: m.merchant_id,
        name: m.merchant_name.clone(),
        list: crate::i18n::words::list_status(m.list, lang),
        list_code: m.list.as_str(),
        reason: match (&m.reason, entering) {
            (Some(r), true) => {
                crate::i18n::words::entered_reasons(&crate::domain::reasons::EnteredReasons::parse(r), lang)
            }
            (Some(r), false) => crate::i18n::words::left_reason(
                &crate::domain::reasons::Stored::<crate::domain::reasons::LeftReason>::parse(r),
                lang,
            ),
            (None, _) => lang.t("editions-preview-left-other").to_string(),
        },
    };
    let entering = preview.entering.iter().map(|m| row(m, true)).collect();
    let leaving = preview.leaving.iter().map(|m| row(m, false)).collect();
    let against = match preview.last {
        Some(n) => lang.tr("editions-preview-against", &[("number", n.into())]),
        None => lang.t("editions-preview-first").to_string(),
    };
    let count = |before: usize, after: usize| {
        lang.tr(
            "editions-preview-count",
            &[
                ("before", (before as i64).into()),
                ("after", (after as i64).into()),
            ],
        )
    };
    Ok(PreviewPage {
        against,
        red_count: count(preview.last_red, preview.red),
        black_count: count(preview.last_black, preview.black),
        page,
        entering,
        leaving,
        preview,
        note,
        message: message.map(|id| lang.t(id).to_string()),
    })
}

/// GET /editions/preview: what publishing now would change — who enters and who leaves each list
/// against the last edition, with the reasons — and the form that confirms it.
pub async fn preview(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    query: web::Query<PreviewQuery>,
) -> Result<PreviewPage, AppError> {
    let campaign = query.campaign.trim().parse::<i32>().ok();
    let name = match campaign {
        Some(id) => with_db(&state, move |c| Ok(crate::services::campaigns::find(c, id)?)).await?,
        None => None,
    };
    let note = name
        .map(|c| page.lang.tr("campaigns-edition-note", &[("name", c.name.into())]))
        .unwrap_or_default();
    preview_page(&state, page, &user, note, None).await
}

/// POST /editions: the committee publishes the next edition (recomputing everyone first) — only
/// with `confirm=1` and the fingerprint of the preview it confirmed; without them, or when the
/// lists changed since (409), the preview is shown (again). Lists identical to the last edition's
/// are refused (422) unless the note says why.
pub async fn publish(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    form: CsrfForm<PublishForm>,
) -> Result<HttpResponse, AppError> {
    let PublishForm {
        note,
        confirm,
        fingerprint,
    } = form.into_inner();
    if note.trim().chars().count() > 500 {
        return Err(AppError::invalid(
            "note",
            "说明不能超过 500 个字符。",
            "The note must be at most 500 characters.",
        ));
    }
    if confirm != "1" || fingerprint.trim().is_empty() {
        let p = preview_page(&state, page, &user, note, None).await?;
        return html(StatusCode::OK, &p);
    }
    let today = state.config.today();
    let actor = user.actor();
    let kept = note.clone();
    let published = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        Ok(editions::publish_checked(
            c,
            &policy,
            today,
            &actor,
            &note,
            Some(fingerprint.trim()),
        ))
    })
    .await?;
    let (status, message) = match published {
        Ok(published) => {
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/editions/{}", published.number)))
                .finish())
        }
        Err(PublishError::Stale) => (StatusCode::CONFLICT, "editions-preview-stale"),
        Err(PublishError::Identical) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "editions-preview-identical-refused",
        ),
        Err(PublishError::NoteTooLong) => {
            return Err(AppError::invalid(
                "note",
                "说明不能超过 500 个字符。",
                "The note must be at most 500 characters.",
            ))
        }
        Err(PublishError::Other(e)) => return Err(AppError::Internal(e)),
    };
    let p = preview_page(&state, page, &user, kept, Some(message)).await?;
    html(status, &p)
}
