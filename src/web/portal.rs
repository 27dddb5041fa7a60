//! The merchant portal (商家平台): a merchant sees only its own records — its notices (opening one
//! records the read receipt), its rating with the breakdown, its inspections and violations — and
//! answers notices with photos, asks for a follow-up inspection, and writes its public reply.
//! Also the one-time sign-in links, and the photos (served only to their merchant and to staff).

use crate::web::extract::Upload;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use super::auth::{home_of, start_session};
use super::extract::{check_csrf, read_field_capped};
use super::extract::{CsrfForm, Id};
use super::guard::{merchant_of, CurrentUser, MerchantUser, RoleSet, Staff};
use super::notices::{notice_error, state_class, NoticeBody, ViolationLine};
use super::public::{points, reason_lines, stars_display, term_rows, InspectionRow, TermRow};
use super::{html, see_other, with_db, AppError, AppState, FieldError, PageCtx};
use crate::db::models::inspection::Inspection;
use crate::db::models::now_utc;
use crate::domain::words::{ListStatus, NoticeState};
use crate::services::login_links;
use crate::services::notices::{self, AnswerDraft, NoticeError, Photo, Viewer, MAX_PHOTOS, MAX_PHOTO_BYTES};
use crate::services::replies::{self, ReplyError};

/// A notice in the portal's list.
pub struct NoticeLine {
    pub id: i32,
    pub number: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub deadline: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
pub struct HomePage {
    page: PageCtx,
    merchant_id: i32,
    name: String,
    stars: String,
    stars_label: String,
    score: String,
    list: &'static str,
    reasons: Vec<String>,
    terms: Vec<TermRow>,
    notices: Vec<NoticeLine>,
    inspections: Vec<InspectionRow>,
    violations: Vec<ViolationLine>,
    reply: String,
    reply_draft: String,
    errors: Vec<FieldError>,
    saved: bool,
    /// The merchant's commendations (title, badge), newest first.
    commendations: Vec<(String, super::commendations::Badge)>,
    /// Branch training: upcoming trainings, sign-up, the hours that count.
    pub(super) training: super::signup::PortalTrainings,
    /// Branch training: the way to the red list.
    pub(super) way: super::signup::WayView,
    /// The membership section and the charter to confirm (branch join).
    membership: super::membership::PortalMembership,
    /// The bulletins it received, newest first (branch bulletins).
    bulletins: Vec<super::bulletins::PortalLine>,
    /// How many of them it has not read, and that said in words.
    unread_bulletins: usize,
    unread_bulletins_text: String,
}

/// Query of the portal's home page.
#[derive(Deserialize, Default)]
pub struct HomeQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub(super) async fn home_page(
    state: &AppState,
    page: PageCtx,
    merchant_id: i32,
    reply_draft: String,
    errors: Vec<FieldError>,
    saved: bool,
) -> Result<HomePage, AppError> {
    let policy = state.policy.clone();
    let now = super::signup::local_now(state);
    let (rec, ns, all_violations, ks, tr) = with_db(state, move |c| {
        let policy = policy.current(c)?;
        let rec = crate::services::records::merchant_record(c, merchant_id)?.ok_or(AppError::NotFound)?;
        let ns = notices::for_merchant(c, merchant_id)?;
        let vs = Inspection::violations_for_merchant(c, merchant_id)?;
        let ks = crate::services::commendations::for_merchant(c, merchant_id)?;
        let tr = super::signup::load(c, &policy, merchant_id, rec.rating.as_ref(), now)?;
        Ok((rec, ns, vs, ks, tr))
    })
    .await?;
    let received = with_db(state, move |c| {
        Ok(crate::db::models::bulletin::Recipient::for_merchant(
            c,
            merchant_id,
        )?)
    })
    .await?;
    let bulletins = super::bulletins::portal_lines(&received, state);
    let unread_bulletins = bulletins.iter().filter(|b| b.unread).count();
    let lang = page.lang;
    let membership = super::membership::portal_membership(state, merchant_id, lang).await?;
    let m = &rec.merchant;
    let (stars, stars_label) = stars_display(m.current_stars, lang);
    let (terms, reasons) = match &rec.rating {
        Some(r) => (term_rows(r, lang), reason_lines(r, lang)),
        None => (Vec::new(), Vec::new()),
    };
    Ok(HomePage {
        merchant_id,
        name: m.name.clone(),
        stars,
        stars_label,
        score: m
            .current_score_tenths
            .map(|s| points(s, false))
            .unwrap_or_default(),
        list: match m.current_list {
            ListStatus::Red => lang.t("list-red-title"),
            ListStatus::Black => lang.t("list-black-title"),
            ListStatus::None => "",
        },
        reasons,
        terms,
        notices: ns
            .iter()
            .map(|n| NoticeLine {
                id: n.id,
                number: n.number.clone(),
                state: crate::i18n::words::notice_state(n.state, lang),
                state_class: state_class(n.state),
                deadline: n.deadline.to_string(),
                unread: n.read_at.is_none(),
            })
            .collect(),
        inspections: rec
            .inspections
            .iter()
            .map(|i| InspectionRow::new(i, lang))
            .collect(),
        violations: all_violations
            .iter()
            .map(|v| ViolationLine::new(v, lang))
            .collect(),
        reply: rec.replies.first().map(|r| r.1.clone()).unwrap_or_default(),
        reply_draft,
        errors,
        saved,
        commendations: super::commendations::badges(&ks, state.config.today(), lang),
        training: super::signup::trainings_view(&tr, lang),
        way: super::signup::way_view(&tr, lang),
        membership,
        bulletins,
        unread_bulletins,
        unread_bulletins_text: lang.tr("bulletins-portal-unread", &[("count", unread_bulletins.into())]),
        page,
    })
}

/// GET /my: the merchant's own record.
pub async fn home(
    state: web::Data<AppState>,
    page: PageCtx,
    user: MerchantUser,
    query: web::Query<HomeQuery>,
) -> Result<HttpResponse, AppError> {
    let mid = user.merchant_id;
    let p = home_page(
        &state,
        page,
        mid,
        String::new(),
        Vec::new(),
        query.saved.is_some(),
    )
    .await?;
    html(StatusCode::OK, &p)
}

/// The reply form's fields.
#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
}

/// POST /my/reply: publishes the merchant's public reply.
pub async fn reply(
    state: web::Data<AppState>,
    page: PageCtx,
    user: MerchantUser,
    form: CsrfForm<ReplyForm>,
) -> Result<HttpResponse, AppError> {
    let mid = user.merchant_id;
    let body = form.body.clone();
    let actor = user.actor();
    let res = with_db(&state, move |c| {
        Ok(replies::post(c, mid, &actor, &body, now_utc()))
    })
    .await?;
    match res {
        Ok(()) => Ok(see_other("/my?saved=1")),
        Err(ReplyError::Invalid(p)) => {
            let errors = p.into_iter().map(FieldError::from).collect();
            let page = home_page(&state, page, mid, form.body.clone(), errors, false).await?;
            html(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(ReplyError::Db(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/notice.html")]
pub struct NoticePage {
    page: PageCtx,
    n: NoticeBody,
    can_answer: bool,
    closed: bool,
    sent: bool,
    body: String,
    follow_up: bool,
    errors: Vec<FieldError>,
    /// The photos of the inspection the notice was issued on (id, alt text).
    inspection_photos: Vec<(i32, String)>,
}

async fn notice_page(
    state: &AppState,
    page: PageCtx,
    user: &CurrentUser,
    mid: i32,
    id: i32,
    form: (String, bool, Vec<FieldError>, bool),
) -> Result<NoticePage, AppError> {
    let actor = user.actor();
    let d = with_db(state, move |c| {
        // Opening records the read receipt (first time only); another merchant's notice is a 404.
        notices::open_for_merchant(c, id, mid, &actor).map_err(notice_error)?;
        let d = notices::detail(c, id, false)?;
        let photos = match &d {
            Some(d) => crate::services::inspections::photos_of(c, d.notice.inspection_id)?,
            None => Vec::new(),
        };
        Ok(d.map(|d| (d, photos)))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let (d, photos) = d;
    let n = NoticeBody::new(&d, page.lang, state);
    let lang = page.lang;
    Ok(NoticePage {
        inspection_photos: photos
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, lang.tr("form-photo-alt", &[("n", (i + 1).into())])))
            .collect(),
        can_answer: n.state != NoticeState::Verified && !n.pending,
        closed: n.state == NoticeState::Verified,
        n,
        body: form.0,
        follow_up: form.1,
        errors: form.2,
        sent: form.3,
        page,
    })
}

/// Query of the notice page.
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    sent: Option<String>,
}

/// GET /my/notices/{id}
pub async fn notice(
    state: web::Data<AppState>,
    page: PageCtx,
    user: MerchantUser,
    id: Id,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, AppError> {
    let mid = user.merchant_id;
    let id = *id;
    let p = notice_page(
        &state,
        page,
        &user,
        mid,
        id,
        (String::new(), false, Vec::new(), query.sent.is_some()),
    )
    .await?;
    html(StatusCode::OK, &p)
}

/// Most form parts accepted in one answer (text fields plus photos), so a request cannot make
/// the server walk an endless multipart body.
const MAX_PARTS: usize = 16;

fn bad_form(zh: &str, en: &str) -> AppError {
    AppError::invalid("photos", zh, en)
}

/// Reads the answer form: `csrf`, `body`, `follow_up`, and up to [`MAX_PHOTOS`] `photos`.
async fn read_answer_form(mut mp: Upload) -> Result<(String, AnswerDraft), AppError> {
    let mut csrf = String::new();
    let mut draft = AnswerDraft::default();
    let mut parts = 0;
    let mut too_many_photos = false;
    while let Some(field) = mp.next().await {
        let mut field =
            field.map_err(|e| bad_form("表单内容无法解析。", &format!("The form could not be read: {e}")))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(bad_form("表单字段过多。", "Too many form fields."));
        }
        let name = field.name().unwrap_or("").to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        // Text fields are short; photos may be up to the photo limit (one byte more tells us
        // the photo is too large without reading the rest).
        let limit = if name == "photos" {
            MAX_PHOTO_BYTES + 1
        } else {
            16 * 1024
        };
        let (bytes, over) = read_field_capped(&mut field, limit, "photos").await?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "body" => {
                if over {
                    return Err(AppError::invalid(
                        "body",
                        "回复内容过长。",
                        "The answer is too long.",
                    ));
                }
                draft.body = String::from_utf8(bytes).map_err(|_| {
                    AppError::invalid("body", "回复内容不是有效文本。", "The answer is not valid text.")
                })?;
            }
            "follow_up" => draft.wants_follow_up = !bytes.is_empty() && bytes != b"0",
            "photos" => {
                // An empty file input still sends an empty part.
                if bytes.is_empty() && file_name.as_deref().unwrap_or("").is_empty() {
                    continue;
                }
                if draft.photos.len() >= MAX_PHOTOS {
                    too_many_photos = true;
                    continue;
                }
                // Over the limit: keep what was read, validation reports it as too large.
                draft.photos.push(Photo {
                    file_name: file_name.unwrap_or_default(),
                    bytes,
                });
            }
            _ => {}
        }
    }
    if too_many_photos {
        // Let validation say so in its own words.
        draft.photos.push(Photo {
            file_name: String::new(),
            bytes: Vec::new(),
        });
    }
    Ok((csrf, draft))
}

/// POST /my/notices/{id}/answer (multipart): the merchant's answer with photos.
pub async fn answer(
    state: web::Data<AppState>,
    session: Session,
    page: PageCtx,
    user: MerchantUser,
    id: Id,
    payload: Upload,
) -> Result<HttpResponse, AppError> {
    let mid = user.merchant_id;
    let id = *id;
    let (csrf, draft) = read_answer_form(payload).await?;
    check_csrf(&session, &csrf)?;
    let (body, follow_up) = (draft.body.clone(), draft.wants_follow_up);
    let actor = user.actor();
    let dir = state.config.upload_dir.clone();
    let base = state.config.base_url.clone();
    let res = with_db(&state, move |c| {
        Ok(notices::answer(c, &dir, &base, id, mid, &actor, &draft))
    })
    .await?;
    match res {
        Ok(_) => Ok(see_other(format!("/my/notices/{id}?sent=1"))),
        Err(NoticeError::Invalid(p)) => {
            let errors = p.into_iter().map(FieldError::from).collect();
            let p = notice_page(&state, page, &user, mid, id, (body, follow_up, errors, false)).await?;
            html(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(notice_error(e)),
    }
}

/// GET /attachments/{id}: a photo, for its merchant and for staff only (404 for anyone else).
pub async fn attachment(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: Id,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let viewer = if Staff::allows(user.role) {
        Viewer::Staff
    } else {
        Viewer::Merchant(merchant_of(&state, &user).await?)
    };
    let a = with_db(&state, move |c| Ok(notices::attachment_for(c, id, viewer)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let path = notices::attachment_path(&state.config.upload_dir, &a.storage_key);
    let bytes = match web::block(move || std::fs::read(path)).await? {
        Ok(bytes) => bytes,
        // The row is there but the file is not: the upload directory was lost or not restored
        // with the database. The viewer gets the not-found page; the log tells the operator.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(
                attachment = id,
                key = %a.storage_key,
                upload_dir = %state.config.upload_dir.display(),
                "a photo's file is missing from the upload directory"
            );
            return Err(AppError::NotFound);
        }
        Err(e) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "reading attachment {id}: {e}"
            )))
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(a.content_type.as_str())
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Disposition",
            format!(
                "inline; filename*=UTF-8''{}",
                url::form_urlencoded::byte_serialize(a.file_name.as_bytes()).collect::<String>()
            ),
        ))
        .body(bytes))
}

#[derive(Template)]
#[template(path = "portal/link.html")]
pub struct LinkPage {
    page: PageCtx,
    sent: bool,
}

/// GET /login/link: the form that emails a one-time sign-in link.
pub async fn link_form(page: PageCtx) -> Result<HttpResponse, AppError> {
    html(StatusCode::OK, &LinkPage { page, sent: false })
}

/// The link form's fields.
#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    ident: String,
}

/// POST /login/link: queues the link; the page says the same whatever the outcome, so the form
/// does not tell which accounts exist. Throttled per client address and per (address, name),
/// since each request may send an e-mail.
pub async fn link_request(
    state: web::Data<AppState>,
    page: PageCtx,
    req: actix_web::HttpRequest,
    form: CsrfForm<LinkForm>,
) -> Result<HttpResponse, AppError> {
    let ident = form.ident.trim().to_string();
    if ident.is_empty() || ident.chars().count() > 200 {
        return Err(AppError::invalid(
            "ident",
            "请填写用户名或电子邮箱。",
            "Enter your user name or email.",
        ));
    }
    let ip = super::client::client_ip(&req, &state.config);
    state
        .throttle
        .check(super::throttle::Family::LoginLink, ip, Some(&ident))?;
    let base = state.config.base_url.clone();
    let outcome = with_db(&state, move |c| {
        Ok(login_links::request(c, &ident, &base, now_utc())?)
    })
    .await?;
    tracing::info!(outcome = ?std::mem::discriminant(&outcome), "sign-in link requested");
    html(StatusCode::OK, &LinkPage { page, sent: true })
}

#[derive(Template)]
#[template(path = "portal/link_confirm.html")]
pub struct LinkConfirmPage {
    page: PageCtx,
    token: String,
    live: bool,
}

fn token_ok(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// GET /login/link/{token}: a button to sign in. Following the link does not use it up, so
/// mail scanners that open links do not burn it; pressing the button does.
pub async fn link_confirm(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let live = token_ok(&token) && {
        let t = token.clone();
        with_db(&state, move |c| Ok(login_links::is_live(c, &t, now_utc())?)).await?
    };
    let status = if live { StatusCode::OK } else { StatusCode::GONE };
    html(status, &LinkConfirmPage { page, token, live })
}

/// POST /login/link/{token}: uses the link up and signs the merchant in.
pub async fn link_use(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    session: Session,
    page: PageCtx,
    path: web::Path<String>,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let user = if token_ok(&token) {
        let t = token.clone();
        with_db(&state, move |c| Ok(login_links::consume(c, &t, now_utc())?)).await?
    } else {
        None
    };
    match user {
        Some(u) => {
            start_session(&state, &req, &session, &u).await?;
            Ok(see_other(home_of(u.role)))
        }
        None => html(
            StatusCode::GONE,
            &LinkConfirmPage {
                page,
                token,
                live: false,
            },
        ),
    }
}

/// Registers the portal routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/my").route(web::get().to(home)))
        .service(web::resource("/my/reply").route(web::post().to(reply)))
        .service(web::resource("/my/notices/{id}").route(web::get().to(notice)))
        .service(
            web::resource("/my/notices/{id}/answer")
                .app_data(web::PayloadConfig::new(MAX_PHOTOS * MAX_PHOTO_BYTES + 256 * 1024))
                .route(web::post().to(answer)),
        )
        .service(web::resource("/attachments/{id}").route(web::get().to(attachment)))
        .service(
            web::resource("/login/link")
                .route(web::get().to(link_form))
                .route(web::post().to(link_request)),
        )
        .service(
            web::resource("/login/link/{token}")
                .route(web::get().to(link_confirm))
                .route(web::post().to(link_use)),
        );
}
