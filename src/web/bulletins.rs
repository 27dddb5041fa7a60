//! Bulletins (政策宣传): the committee's list and new-bulletin form with its preview and the reach
//! of each audience (`/staff/bulletins`), one bulletin with its read rate and who has not read it
//! (`/staff/bulletins/{id}`, "remind now"), the merchant's copy in the portal
//! (`/my/bulletins/{id}`, which records the receipt), the email's link that needs no sign-in
//! (`/bulletins/read/{token}`), and the attachment for staff and the recipients only.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use super::extract::{check_csrf, CsrfForm, Id};
use super::guard::{merchant_of, Committee, CurrentUser, MerchantUser, Require, RoleSet, Staff};
use super::public::declared_name;
use super::{html, see_other, with_db, AppError, AppState, FieldError, Lang, PageCtx};
use crate::db::models::bulletin::{Bulletin, Recipient};
use crate::domain::policy::Policy;
use crate::services::bulletins::reads::{self, percent};
use crate::services::bulletins::{self, Audience, BulletinError, Draft, SendContext, Upload, MAX_FILE_BYTES};

/// How many bulletins the committee's list shows.
const LIST_LIMIT: i64 = 100;

fn bulletin_error(e: BulletinError) -> AppError {
    match e {
        BulletinError::NotFound => AppError::NotFound,
        BulletinError::Invalid(p) => AppError::Invalid(p.into_iter().map(FieldError::from).collect()),
        BulletinError::Other(e) => AppError::Internal(e),
    }
}

/// An audience in the reader's words: (label, the name is typed text).
pub fn audience_label(a: &Audience, policy: &Policy, lang: Lang) -> (String, bool) {
    match a {
        Audience::All => (lang.t("bulletins-audience-all").to_string(), false),
        Audience::Black => (lang.t("bulletins-audience-black").to_string(), false),
        Audience::Area(v) => {
            let (name, typed) = declared_name(policy.area(v), v, lang);
            (
                lang.tr("bulletins-audience-area", &[("name", name.into())]),
                typed,
            )
        }
        Audience::Category(v) => {
            let (name, typed) = declared_name(policy.category(v), v, lang);
            (
                lang.tr("bulletins-audience-category", &[("name", name.into())]),
                typed,
            )
        }
    }
}

/// "12 / 30 = 40%".
fn rate_text(read: i64, recipients: i64, lang: Lang) -> String {
    lang.tr(
        "bulletins-rate",
        &[
            ("read", read.into()),
            ("total", recipients.into()),
            ("percent", percent(read, recipients).into()),
        ],
    )
}

/// A bulletin in the committee's list.
pub struct ListRow {
    pub id: i32,
    pub title: String,
    pub audience: String,
    pub typed: bool,
    pub sent: String,
    pub recipients: i64,
    pub rate: String,
    pub unread: i64,
}

/// An audience choice of the form.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The form as typed (kept when it comes back with errors or for the preview).
#[derive(Default, Clone)]
pub struct FormInput {
    pub title: String,
    pub body: String,
    pub audience: String,
    pub remind_after_days: String,
}

#[derive(Template)]
#[template(path = "staff/bulletins.html")]
pub struct ListPage {
    page: PageCtx,
    rows: Vec<ListRow>,
    choices: Vec<Choice>,
    input: FormInput,
    errors: Vec<FieldError>,
    /// The preview: (rendered body, reach of the chosen audience).
    preview: Option<(String, String)>,
    /// A file was chosen for the preview: it must be chosen again to send.
    file_again: bool,
    /// The file field's label, with the size limit.
    file_label: String,
}

async fn list_page(
    state: &AppState,
    page: PageCtx,
    input: FormInput,
    errors: Vec<FieldError>,
    preview: Option<(String, String)>,
    file_again: bool,
) -> Result<ListPage, AppError> {
    let policy = state.policy.clone();
    let today = state.config.today();
    let (summaries, choices, policy) = with_db(state, move |c| {
        let policy = policy.current(c)?;
        let s = reads::summaries(c, LIST_LIMIT)?;
        let ch = bulletins::audience_choices(c, &policy, today)?;
        Ok((s, ch, policy))
    })
    .await?;
    let lang = page.lang;
    let rows = summaries
        .into_iter()
        .map(|s| {
            let b = &s.bulletin;
            let (audience, typed) = audience_label(
                &Audience::from_columns(&b.audience_kind, &b.audience_value),
                &policy,
                lang,
            );
            ListRow {
                id: b.id,
                title: b.title.clone(),
                audience,
                typed,
                sent: state.config.local_time(b.sent_at),
                recipients: s.recipients,
                rate: rate_text(s.read, s.recipients, lang),
                unread: s.recipients - s.read,
            }
        })
        .collect();
    let chosen = if input.audience.is_empty() {
        "all".to_string()
    } else {
        input.audience.clone()
    };
    let choices = choices
        .into_iter()
        .map(|(a, n)| {
            let (label, _) = audience_label(&a, &policy, lang);
            let value = a.form_value();
            Choice {
                selected: value == chosen,
                label: lang.tr(
                    "bulletins-choice",
                    &[("audience", label.into()), ("count", n.into())],
                ),
                value,
            }
        })
        .collect();
    Ok(ListPage {
        page,
        rows,
        choices,
        input,
        errors,
        preview,
        file_again,
        file_label: lang.tr(
            "bulletins-field-file",
            &[("mb", (MAX_FILE_BYTES / (1024 * 1024)).into())],
        ),
    })
}

/// GET /staff/bulletins
pub async fn index(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
) -> Result<HttpResponse, AppError> {
    let input = FormInput {
        audience: "all".into(),
        remind_after_days: state.config.bulletin_remind_days.to_string(),
        ..Default::default()
    };
    let p = list_page(&state, page, input, Vec::new(), None, false).await?;
    html(StatusCode::OK, &p)
}

/// Most form parts accepted (text fields plus one file).
const MAX_PARTS: usize = 12;

fn bad_form(zh: &str, en: &str) -> AppError {
    AppError::invalid("attachment", zh, en)
}

/// Reads the new-bulletin form: csrf, title, body, audience, remind_after_days, action and the
/// optional attachment (read up to one byte over the limit, so "too large" can be said).
async fn read_form(mut mp: Multipart) -> Result<(String, String, Draft), AppError> {
    let (mut csrf, mut action) = (String::new(), String::new());
    let mut d = Draft::default();
    let mut parts = 0;
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
        let limit = if name == "attachment" {
            MAX_FILE_BYTES + 1
        } else {
            // The body's longest Markdown, in bytes of UTF-8 at most four each.
            crate::mail::markdown::MAX_CHARS * 4 + 1024
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| bad_form("上传中断。", &format!("The upload was interrupted: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                bytes.extend_from_slice(&chunk[..limit - bytes.len()]);
                while let Some(rest) = field.next().await {
                    rest.map_err(|e| bad_form("上传中断。", &format!("The upload was interrupted: {e}")))?;
                }
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => csrf = text(),
            "action" => action = text(),
            "title" => d.title = text(),
            "body" => d.body = text(),
            "audience" => d.audience = text(),
            "remind_after_days" => d.remind_after_days = text(),
            "attachment" => {
                // An empty file input still sends an empty part.
                if bytes.is_empty() && file_name.as_deref().unwrap_or("").is_empty() {
                    continue;
                }
                d.attachment = Some(Upload {
                    file_name: file_name.unwrap_or_default(),
                    bytes,
                });
            }
            _ => {}
        }
    }
    Ok((csrf, action, d))
}

/// POST /staff/bulletins (multipart): `action=preview` shows the body as it will look and how
/// many members the audience reaches; `action=send` sends it.
pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    page: PageCtx,
    user: Require<Committee>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let (csrf, action, draft) = read_form(payload).await?;
    check_csrf(&session, &csrf)?;
    let input = FormInput {
        title: draft.title.clone(),
        body: draft.body.clone(),
        audience: draft.audience.clone(),
        remind_after_days: draft.remind_after_days.clone(),
    };
    let had_file = draft.attachment.is_some();
    if action == "preview" {
        let (status, errors, preview) = match bulletins::validate(&draft) {
            Ok(v) => {
                let today = state.config.today();
                let audience = v.audience.clone();
                let n = with_db(&state, move |c| {
                    Ok(bulletins::members_in(c, &audience, today)?.len())
                })
                .await?;
                let reach = page.lang.tr("bulletins-reach", &[("count", n.into())]);
                let body = crate::mail::markdown::to_html(&v.body);
                (StatusCode::OK, Vec::new(), Some((body, reach)))
            }
            Err(p) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                p.into_iter().map(FieldError::from).collect(),
                None,
            ),
        };
        let p = list_page(&state, page, input, errors, preview, had_file).await?;
        return html(status, &p);
    }
    let actor = user.actor();
    let dir = state.config.upload_dir.clone();
    let base = state.config.base_url.clone();
    let configured = state.config.session_secret.clone();
    let today = state.config.today();
    let res = with_db(&state, move |c| {
        let secret = crate::services::plaque::app_secret(c, configured.as_deref())?;
        let ctx = SendContext {
            upload_dir: &dir,
            base_url: &base,
            secret: &secret,
            today,
            actor: &actor,
        };
        Ok(bulletins::send(c, &ctx, &draft))
    })
    .await?;
    match res {
        Ok(sent) => Ok(see_other(format!("/staff/bulletins/{}?sent=1", sent.id))),
        Err(BulletinError::Invalid(p)) => {
            let errors = p.into_iter().map(FieldError::from).collect();
            let p = list_page(&state, page, input, errors, None, had_file).await?;
            html(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(bulletin_error(e)),
    }
}

/// A recipient line on the committee's page.
pub struct RecipientRow {
    pub merchant_id: i32,
    pub name: String,
    pub read_at: String,
    pub via: &'static str,
    pub reminded_at: String,
    pub emailed: bool,
}

/// The bulletin's body and file as every reader sees it.
pub struct BulletinBody {
    pub id: i32,
    pub title: String,
    /// Sanitised HTML.
    pub body: String,
    pub sent: String,
    pub audience: String,
    pub typed: bool,
    /// (file name, size text), when it has one.
    pub attachment: Option<(String, String)>,
}

fn size_text(bytes: i64, lang: Lang) -> String {
    if bytes >= 1024 * 1024 {
        let tenths = bytes * 10 / (1024 * 1024);
        lang.tr(
            "bulletins-size-mb",
            &[("size", format!("{}.{}", tenths / 10, tenths % 10).into())],
        )
    } else {
        lang.tr("bulletins-size-kb", &[("size", ((bytes + 1023) / 1024).into())])
    }
}

impl BulletinBody {
    fn new(b: &Bulletin, policy: &Policy, state: &AppState, lang: Lang) -> Self {
        let (audience, typed) = audience_label(
            &Audience::from_columns(&b.audience_kind, &b.audience_value),
            policy,
            lang,
        );
        BulletinBody {
            id: b.id,
            title: b.title.clone(),
            body: crate::mail::markdown::to_html(&b.body),
            sent: state.config.local_time(b.sent_at),
            audience,
            typed,
            attachment: b
                .attachment_name
                .clone()
                .map(|n| (n, size_text(b.attachment_size.unwrap_or(0), lang))),
        }
    }
}

fn via_text(via: Option<&str>, lang: Lang) -> &'static str {
    match via {
        Some("portal") => lang.t("bulletins-via-portal"),
        Some("email") => lang.t("bulletins-via-email"),
        _ => "",
    }
}

#[derive(Template)]
#[template(path = "staff/bulletin.html")]
pub struct DetailPage {
    page: PageCtx,
    b: BulletinBody,
    rate: String,
    read: Vec<RecipientRow>,
    unread: Vec<RecipientRow>,
    /// Unread recipients with an address who have not been reminded.
    can_remind: usize,
    /// The "remind now" button, with how many it reaches.
    remind_label: String,
    remind_after: String,
    sent: bool,
    /// After "remind now": how many were reminded.
    reminded: Option<String>,
    /// The attachment's link.
    file_href: String,
}

/// Query of the committee's bulletin page.
#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    sent: Option<String>,
    #[serde(default)]
    reminded: Option<i64>,
}

/// GET /staff/bulletins/{id}
pub async fn show(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
    id: Id,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let policy = state.policy.clone();
    let (b, rs, policy) = with_db(&state, move |c| {
        let policy = policy.current(c)?;
        let (b, rs) = reads::detail(c, id)?.ok_or(AppError::NotFound)?;
        Ok((b, rs, policy))
    })
    .await?;
    let lang = page.lang;
    let row = |r: &Recipient, name: &str| RecipientRow {
        merchant_id: r.merchant_id,
        name: name.to_string(),
        read_at: r.read_at.map(|t| state.config.local_time(t)).unwrap_or_default(),
        via: via_text(r.read_via.as_deref(), lang),
        reminded_at: r
            .reminded_at
            .map(|t| state.config.local_time(t))
            .unwrap_or_default(),
        emailed: r.address.is_some(),
    };
    let total = rs.len() as i64;
    let read: Vec<RecipientRow> = rs
        .iter()
        .filter(|(r, _)| r.read_at.is_some())
        .map(|(r, n)| row(r, n))
        .collect();
    let unread: Vec<RecipientRow> = rs
        .iter()
        .filter(|(r, _)| r.read_at.is_none())
        .map(|(r, n)| row(r, n))
        .collect();
    let can_remind = rs
        .iter()
        .filter(|(r, _)| r.read_at.is_none() && r.reminded_at.is_none() && r.address.is_some())
        .count();
    let remind_after = if b.remind_after_days > 0 {
        lang.tr("bulletins-remind-after", &[("days", b.remind_after_days.into())])
    } else {
        lang.t("bulletins-remind-none").to_string()
    };
    let p = DetailPage {
        rate: rate_text(read.len() as i64, total, lang),
        b: BulletinBody::new(&b, &policy, &state, lang),
        read,
        unread,
        can_remind,
        remind_label: lang.tr("bulletins-remind-now", &[("count", can_remind.into())]),
        remind_after,
        sent: query.sent.is_some(),
        reminded: query
            .reminded
            .map(|n| lang.tr("bulletins-reminded", &[("count", n.max(0).into())])),
        file_href: format!("/bulletins/{id}/attachment"),
        page,
    };
    html(StatusCode::OK, &p)
}

/// POST /staff/bulletins/{id}/remind: the unread recipients not reminded yet get their reminder.
pub async fn remind(
    state: web::Data<AppState>,
    user: Require<Committee>,
    id: Id,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let actor = user.actor();
    let base = state.config.base_url.clone();
    let configured = state.config.session_secret.clone();
    let tz = state.config.time_zone;
    let n = with_db(&state, move |c| {
        let secret = crate::services::plaque::app_secret(c, configured.as_deref())?;
        reads::remind_now(c, id, &base, &secret, tz, &actor).map_err(bulletin_error)
    })
    .await?;
    Ok(see_other(format!("/staff/bulletins/{id}?reminded={n}")))
}

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

/// Registers the bulletin routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/staff/bulletins")
            .app_data(web::PayloadConfig::new(MAX_FILE_BYTES + 512 * 1024))
            .route(web::get().to(index))
            .route(web::post().to(create)),
    )
    .service(web::resource("/staff/bulletins/{id}").route(web::get().to(show)))
    .service(web::resource("/staff/bulletins/{id}/remind").route(web::post().to(remind)))
    .service(web::resource("/bulletins/read/{token}").route(web::get().to(read_link)))
    .service(web::resource("/bulletins/read/{token}/attachment").route(web::get().to(read_link_attachment)))
    .service(web::resource("/bulletins/{id}/attachment").route(web::get().to(attachment)))
    .service(web::resource("/my/bulletins/{id}").route(web::get().to(portal_show)));
}

/// The days after sending the statistics show the read rate at.
pub const STAT_DAYS: [i64; 5] = [1, 3, 7, 14, 30];
/// How many recent bulletins the statistics show.
const STAT_BULLETINS: i64 = 6;
/// The lines' colours, one per bulletin.
const STAT_COLORS: [super::charts::Rgb; 6] = [
    super::charts::ACCENT,
    super::charts::RED,
    super::charts::GREEN,
    super::charts::AMBER,
    super::charts::BLACK,
    super::charts::GREY,
];

/// The statistics page's "read rate over time": the chart and its table.
pub struct RateStats {
    /// The inline SVG.
    pub svg: String,
    /// The table's column heads after the title and the recipients.
    pub heads: Vec<String>,
    /// A row per bulletin: (id, title, recipients, percentages at each day then now).
    pub rows: Vec<(i32, String, i64, Vec<String>)>,
}

/// Loads and draws the read rate over time of the recent bulletins.
pub async fn rate_stats(state: &AppState, lang: Lang) -> Result<RateStats, AppError> {
    let curves = with_db(state, |c| Ok(reads::rate_curves(c, STAT_BULLETINS, &STAT_DAYS)?)).await?;
    let labels: Vec<String> = STAT_DAYS
        .iter()
        .map(|d| lang.tr("bulletins-stats-day", &[("days", (*d).into())]))
        .collect();
    // Oldest first, so the legend reads in the order they were sent.
    let series: Vec<super::charts::Series> = curves
        .iter()
        .rev()
        .enumerate()
        .map(|(i, c)| super::charts::Series {
            // The number, not the title: the legend stays short, and typed (Chinese) titles stay
            // out of an English chart; the table pairs each number with its title.
            name: format!("#{}", c.id),
            values: c.read_by_day.iter().map(|r| percent(*r, c.recipients)).collect(),
            color: STAT_COLORS[i % STAT_COLORS.len()],
            bar_colors: vec![],
        })
        .collect();
    let svg = super::charts::svg(&super::charts::Spec {
        id: "bulletin-rates",
        title: lang.t("bulletins-stats-chart"),
        category_desc: lang.t("bulletins-stats-days"),
        value_desc: lang.t("bulletins-stats-value"),
        labels: if series.is_empty() { &[] } else { &labels },
        series: &series,
        shape: super::charts::Shape::Lines,
        empty_text: lang.t("bulletins-stats-empty"),
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let pct = |r: i64, n: i64| lang.tr("bulletins-percent", &[("percent", percent(r, n).into())]);
    let rows = curves
        .iter()
        .map(|c| {
            let mut cells: Vec<String> = c.read_by_day.iter().map(|r| pct(*r, c.recipients)).collect();
            cells.push(pct(c.read, c.recipients));
            (c.id, c.title.clone(), c.recipients, cells)
        })
        .collect();
    let mut heads = labels;
    heads.push(lang.t("bulletins-stats-now").to_string());
    Ok(RateStats { svg, heads, rows })
}
