//! The committee's pages: the bulletins with their read rates and the new-bulletin form (preview,
//! send), and one bulletin with who read it and who has not, and "remind now".

use crate::web::extract::Upload as MultipartUpload;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use super::{audience_label, bulletin_error, rate_text, BulletinBody};
use crate::db::models::bulletin::Recipient;
use crate::services::bulletins::reads;
use crate::services::bulletins::{self, Audience, BulletinError, Draft, SendContext, Upload, MAX_FILE_BYTES};
use crate::web::extract::{check_csrf, read_field_capped, CsrfForm, Id};
use crate::web::guard::{Committee, Require};
use crate::web::{html, see_other, with_db, AppError, AppState, FieldError, Lang, PageCtx};

/// How many bulletins the committee's list shows.
const LIST_LIMIT: i64 = 100;

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
async fn read_form(mut mp: MultipartUpload) -> Result<(String, String, Draft), AppError> {
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
        let (bytes, _) = read_field_capped(&mut field, limit, "attachment").await?;
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
pub async fn send_bulletin(
    state: web::Data<AppState>,
    session: Session,
    page: PageCtx,
    user: Require<Committee>,
    payload: MultipartUpload,
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
pub async fn remind_unread(
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
