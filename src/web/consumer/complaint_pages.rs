use super::*;

/// The longest complaint, in characters.
pub(super) const BODY_MAX: usize = 1000;

/// The shortest complaint, in characters.
pub(super) const BODY_MIN: usize = 10;

/// The longest contact, in characters.
pub(super) const CONTACT_MAX: usize = 100;

/// The complaint form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct ComplaintInput {
    #[serde(default)]
    pub(super) merchant: String,
    #[serde(default)]
    pub(super) body: String,
    #[serde(default)]
    pub(super) contact: String,
    /// A [`complaints::Category`] code.
    #[serde(default)]
    pub(super) category: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub(super) visited_on: String,
}

/// A field error from the catalogue, in both languages.
fn field_tr(name: &str, id: &str, args: &[(&str, crate::i18n::Arg)]) -> FieldError {
    FieldError {
        field: name.into(),
        zh: Lang::Zh.tr(id, args),
        en: Lang::En.tr(id, args),
    }
}

/// "30 秒" / "30 seconds", "5 分钟" / "5 minutes", "3 小时" / "3 hours": how long to wait,
/// rounded up to the unit a person reads at a glance.
pub(super) fn wait_text(secs: u64, lang: Lang) -> String {
    let secs = secs.max(1);
    if secs < 90 {
        lang.tr("complaints-wait-seconds", &[("n", (secs as i64).into())])
    } else if secs < 90 * 60 {
        lang.tr(
            "complaints-wait-minutes",
            &[("n", (secs.div_ceil(60) as i64).into())],
        )
    } else {
        lang.tr(
            "complaints-wait-hours",
            &[("n", (secs.div_ceil(3600) as i64).into())],
        )
    }
}

/// The category, visit date and photo of a complaint as checked.
pub struct ComplaintDetails {
    pub category: complaints::Category,
    pub visited_on: chrono::NaiveDate,
}

/// Checks the category and the visit date against `today`.
pub fn validate_details(
    i: &ComplaintInput,
    today: chrono::NaiveDate,
) -> Result<ComplaintDetails, Vec<FieldError>> {
    let mut e = Vec::new();
    let category = i.category.trim().parse::<complaints::Category>().ok();
    if category.is_none() {
        e.push(field_tr("category", "complaints-error-category", &[]));
    }
    let visited_on = match complaints::parse_visit_date(&i.visited_on, today) {
        Ok(d) => Some(d),
        Err(why) => {
            let id = match why {
                complaints::VisitDateError::Missing => "complaints-error-date-missing",
                complaints::VisitDateError::Future => "complaints-error-date-future",
                complaints::VisitDateError::TooOld => "complaints-error-date-old",
            };
            e.push(field_tr(
                "visited_on",
                id,
                &[("days", complaints::MAX_VISIT_AGE_DAYS.into())],
            ));
            None
        }
    };
    match (category, visited_on) {
        (Some(category), Some(visited_on)) if e.is_empty() => Ok(ComplaintDetails { category, visited_on }),
        _ => Err(e),
    }
}

/// The photo's error, in both languages.
fn photo_error(e: complaints::PhotoError) -> FieldError {
    match e {
        complaints::PhotoError::TooLarge => field_tr(
            "photo",
            "complaints-error-photo-large",
            &[(
                "mb",
                (crate::services::notices::MAX_PHOTO_BYTES / (1024 * 1024)).into(),
            )],
        ),
        complaints::PhotoError::NotAnImage => field_tr("photo", "complaints-error-photo-type", &[]),
    }
}

/// Validates a complaint: (merchant id, body, contact).
pub fn validate_complaint(i: &ComplaintInput) -> Result<(i32, String, Option<String>), Vec<FieldError>> {
    let mut e = Vec::new();
    let merchant = i.merchant.trim().parse::<i32>().ok();
    if merchant.is_none() {
        e.push(field("merchant", "请选择被投诉的商家。", "Choose the merchant."));
    }
    let body = i.body.trim().to_string();
    let n = body.chars().count();
    if !(BODY_MIN..=BODY_MAX).contains(&n) {
        e.push(field(
            "body",
            "投诉内容应为 10 到 1000 个字。",
            "The complaint must be 10 to 1000 characters.",
        ));
    }
    let contact = i.contact.trim().to_string();
    if contact.chars().count() > CONTACT_MAX {
        e.push(field(
            "contact",
            "联系方式不能超过 100 个字。",
            "The contact must be at most 100 characters.",
        ));
    }
    match merchant {
        Some(m) if e.is_empty() => Ok((m, body, (!contact.is_empty()).then_some(contact))),
        _ => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/complaint.html")]
pub struct ComplaintPage {
    pub(super) page: PageCtx,
    pub(super) merchant_name: String,
    pub(super) input: ComplaintInput,
    pub(super) ts: String,
    pub(super) errors: Vec<(String, String)>,
    /// The categories offered: (code, words).
    pub(super) categories: Vec<(&'static str, &'static str)>,
    /// The earliest and latest visit dates the form accepts.
    pub(super) min_date: String,
    pub(super) max_date: String,
    pub(super) visited_hint: String,
    pub(super) photo_hint: String,
}

impl ComplaintPage {
    /// The message for `field`, when it has one.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.0 == field).map(|e| e.1.as_str())
    }

    /// `aria-describedby` of a field: its hint (when it has one) and its error (when it has one).
    pub fn described_by(&self, field: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{field}-hint"));
        }
        if self.error_for(field).is_some() {
            ids.push(format!("{field}-error"));
        }
        ids.join(" ")
    }
}

/// `?merchant=` of the complaint form.
#[derive(Deserialize)]
pub struct MerchantQuery {
    #[serde(default)]
    pub(super) merchant: String,
}

pub(super) async fn complaint_page(
    state: &AppState,
    page: PageCtx,
    input: ComplaintInput,
    ts: Option<String>,
    errors: Vec<FieldError>,
) -> Result<ComplaintPage, AppError> {
    let id = parse_id(&input.merchant)?;
    let configured = state.config.session_secret.clone();
    let (m, secret) = with_db(state, move |c| {
        let m = Merchant::find(c, id)?.ok_or(AppError::NotFound)?;
        Ok((m, plaque::app_secret(c, configured.as_deref())?))
    })
    .await?;
    let ts = ts.unwrap_or_else(|| complaints::form_token(&secret, now_utc().and_utc().timestamp()));
    let lang = page.lang;
    let today = state.config.today();
    Ok(ComplaintPage {
        page,
        merchant_name: m.name,
        input,
        ts,
        errors: errors
            .iter()
            .map(|f| (f.field.clone(), lang.pick(&f.zh, &f.en).to_string()))
            .collect(),
        categories: complaints::Category::all()
            .iter()
            .map(|c| (c.as_str(), category_words(*c, lang)))
            .collect(),
        min_date: (today - chrono::Duration::days(complaints::MAX_VISIT_AGE_DAYS)).to_string(),
        max_date: today.to_string(),
        visited_hint: lang.tr(
            "complaints-field-visited-hint",
            &[("days", complaints::MAX_VISIT_AGE_DAYS.into())],
        ),
        photo_hint: lang.tr(
            "complaints-field-photo-hint",
            &[(
                "mb",
                (crate::services::notices::MAX_PHOTO_BYTES / (1024 * 1024)).into(),
            )],
        ),
    })
}

/// GET /complaints/new?merchant={id}
pub async fn complaint_form(
    state: web::Data<AppState>,
    page: PageCtx,
    query: web::Query<MerchantQuery>,
) -> Result<ComplaintPage, AppError> {
    let input = ComplaintInput {
        merchant: query.into_inner().merchant,
        ..Default::default()
    };
    complaint_page(&state, page, input, None, vec![]).await
}

/// The words of a complaint category.
pub(super) fn category_words(c: complaints::Category, lang: Lang) -> &'static str {
    use complaints::Category as C;
    match c {
        C::Hygiene => lang.t("complaints-category-hygiene"),
        C::FoodSafety => lang.t("complaints-category-food-safety"),
        C::Prices => lang.t("complaints-category-prices"),
        C::Service => lang.t("complaints-category-service"),
        C::Licences => lang.t("complaints-category-licences"),
        C::Other => lang.t("complaints-category-other"),
    }
}

/// The complaint form with its token, render time and honeypot.
#[derive(Deserialize)]
pub struct ComplaintForm {
    /// The signed render time ([`complaints::form_token`]).
    #[serde(default)]
    pub(super) ts: String,
    /// The honeypot: hidden from people, filled by bots.
    #[serde(default)]
    pub(super) website: String,
    #[serde(flatten)]
    pub(super) input: ComplaintInput,
    /// The photo's bytes (multipart only), when one was chosen.
    #[serde(skip)]
    pub(super) photo: Option<Vec<u8>>,
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/limit.html")]
pub struct LimitPage {
    pub(super) page: PageCtx,
    pub(super) message: String,
    /// When to try again, in words.
    pub(super) retry: String,
    pub(super) merchant_id: Option<i32>,
}

/// Most parts accepted in one complaint form (its nine fields, with room to spare).
const MAX_PARTS: usize = 16;

fn bad_form(lang_free: &str) -> AppError {
    AppError::Invalid(vec![field_tr("photo", lang_free, &[])])
}

/// Reads a multipart complaint form (the form with its optional photo) and checks its CSRF
/// token.
async fn read_multipart(
    req: &HttpRequest,
    payload: actix_web::dev::Payload,
) -> Result<ComplaintForm, AppError> {
    use futures_util::StreamExt;
    let mut mp = crate::web::extract::Upload::new(req.headers(), payload);
    let mut csrf = String::new();
    let mut form = ComplaintForm {
        ts: String::new(),
        website: String::new(),
        input: ComplaintInput::default(),
        photo: None,
    };
    let mut parts = 0;
    while let Some(part) = mp.next().await {
        let mut part = part.map_err(|_| bad_form("complaints-error-form"))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(bad_form("complaints-error-form"));
        }
        let name = part.name().unwrap_or("").to_string();
        let file_name = part
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        // One byte past the limit tells that a photo is too large without keeping the rest.
        let limit = if name == "photo" {
            crate::services::notices::MAX_PHOTO_BYTES + 1
        } else {
            16 * 1024
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| bad_form("complaints-error-form"))?;
            if bytes.len() < limit {
                let room = limit - bytes.len();
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => csrf = text(),
            "ts" => form.ts = text(),
            "website" => form.website = text(),
            "merchant" => form.input.merchant = text(),
            "body" => form.input.body = text(),
            "contact" => form.input.contact = text(),
            "category" => form.input.category = text(),
            "visited_on" => form.input.visited_on = text(),
            // An empty file input still sends an empty part: no photo.
            "photo" if !(bytes.is_empty() && file_name.as_deref().unwrap_or("").is_empty()) => {
                form.photo = Some(bytes)
            }
            _ => {}
        }
    }
    crate::web::extract::check_csrf(&actix_session::SessionExt::get_session(req), &csrf)?;
    Ok(form)
}

/// The start of `day` in the deployment's time zone, in UTC.
fn day_start_utc(state: &AppState, day: chrono::NaiveDate) -> Option<chrono::NaiveDateTime> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|d| state.config.time_zone.from_local_datetime(&d).earliest())
        .map(|d| d.naive_utc())
}

/// The "come back later" page (429) with its `Retry-After`.
fn limit_response(
    page: PageCtx,
    message: String,
    secs: u64,
    merchant_id: Option<i32>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    let retry = lang.tr("complaints-retry-in", &[("wait", wait_text(secs, lang).into())]);
    let mut res = html(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        &LimitPage {
            message,
            retry,
            merchant_id,
            page,
        },
    )?;
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(secs.max(1)));
    Ok(res)
}

/// The complaint form whose CSRF token matched the session's: multipart (the form with its
/// optional photo), or urlencoded (a form without a photo, as before photos) through
/// [`CsrfForm`].
pub struct CsrfFormWithPhoto(pub ComplaintForm);

impl actix_web::FromRequest for CsrfFormWithPhoto {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let multipart = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
            if multipart {
                Ok(CsrfFormWithPhoto(read_multipart(&req, payload).await?))
            } else {
                let form = CsrfForm::<ComplaintForm>::from_request(&req, &mut payload).await?;
                Ok(CsrfFormWithPhoto(form.into_inner()))
            }
        })
    }
}

/// POST /complaints: the form, with an optional photo.
pub async fn complaint_submit(
    state: web::Data<AppState>,
    page: PageCtx,
    req: HttpRequest,
    form: CsrfFormWithPhoto,
) -> Result<HttpResponse, AppError> {
    submit(state, page, req, form.0).await
}

async fn submit(
    state: web::Data<AppState>,
    mut page: PageCtx,
    req: HttpRequest,
    form: ComplaintForm,
) -> Result<HttpResponse, AppError> {
    // The language switch of a page answering this POST leads back to the form (GET).
    let merchant: String =
        url::form_urlencoded::byte_serialize(form.input.merchant.trim().as_bytes()).collect();
    page.switch_to(format!("/complaints/new?merchant={merchant}"));
    let ip = client_ip(&req, &state.config);
    if let Err(e) = state
        .throttle
        .check(Family::Complaint, ip, Some(&form.input.merchant))
    {
        return match e {
            AppError::TooManyRequests(secs) => {
                let message = page.lang.t("complaints-throttled").to_string();
                limit_response(page, message, secs, form.input.merchant.trim().parse().ok())
            }
            e => Err(e),
        };
    }
    let thanks = |id: &str, reference: &str| {
        let id: String = url::form_urlencoded::byte_serialize(id.trim().as_bytes()).collect();
        HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/complaints/thanks?merchant={id}&ref={reference}"),
            ))
            .finish()
    };
    if !form.website.trim().is_empty() {
        // A bot: let it believe it succeeded (a reference included), and store nothing.
        tracing::info!("complaint honeypot filled; discarded");
        return Ok(thanks(&form.input.merchant, &complaints::new_reference()));
    }
    let secret = secret(&state).await?;
    let now = now_utc();
    let now_unix = now.and_utc().timestamp();
    let today = state.config.today();
    let timing = complaints::form_timing(&secret, &form.ts, now_unix);
    let mut errors = match validate_complaint(&form.input) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    let details = validate_details(&form.input, today);
    if let Err(e) = &details {
        errors.extend(e.iter().cloned());
    }
    let photo = match form.photo.as_deref().map(complaints::clean_photo) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            errors.push(photo_error(e));
            None
        }
    };
    // How long a form sent too fast must still wait.
    let mut wait = None;
    match timing {
        FormTiming::Ok => {}
        FormTiming::TooFast => {
            let age = complaints::form_age(&secret, &form.ts, now_unix).unwrap_or(0);
            let secs = (complaints::MIN_FORM_SECONDS - age).max(1) as u64;
            wait = Some(secs);
            errors.push(FieldError {
                field: "ts".into(),
                zh: Lang::Zh.tr(
                    "complaints-too-fast",
                    &[("wait", wait_text(secs, Lang::Zh).into())],
                ),
                en: Lang::En.tr(
                    "complaints-too-fast",
                    &[("wait", wait_text(secs, Lang::En).into())],
                ),
            });
        }
        FormTiming::Expired => errors.push(field(
            "ts",
            "表单已过期，请重新提交。",
            "The form has expired; please submit it again.",
        )),
    }
    if !errors.is_empty() {
        if form.input.merchant.trim().parse::<i32>().is_err() {
            return Err(AppError::Invalid(errors));
        }
        if form.photo.is_some() && photo.is_some() {
            // A browser cannot keep a chosen file across pages: say so.
            errors.push(field_tr("photo", "complaints-photo-again", &[]));
        }
        // Keep a genuine render time, so a form sent too fast is accepted when sent again.
        let ts = (timing != FormTiming::Expired).then_some(form.ts);
        let p = complaint_page(&state, page, form.input, ts, errors).await?;
        let mut res = html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)?;
        if let Some(secs) = wait {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        return Ok(res);
    }
    let (merchant_id, body, contact) = validate_complaint(&form.input).map_err(AppError::Invalid)?;
    let details = details.map_err(AppError::Invalid)?;
    let form_token = complaints::form_token_id(&secret, &form.ts).ok_or_else(|| {
        AppError::invalid(
            "ts",
            "表单已过期，请重新提交。",
            "The form has expired; please submit it again.",
        )
    })?;
    let day_start = day_start_utc(&state, today).unwrap_or(now - chrono::Duration::days(1));
    let new = NewComplaint {
        merchant_id,
        body,
        contact,
        client_hash: complaints::client_hash(&secret, &ip.to_string(), today),
        form_token,
        category: details.category,
        visited_on: details.visited_on,
        photo,
    };
    let dir = state.config.upload_dir.clone();
    let outcome = with_db(&state, move |c| {
        Ok(complaints::file(c, &dir, &new, now, day_start))
    })
    .await?;
    let lang = page.lang;
    // The daily limits end at midnight where the alliance is.
    let until_tomorrow = today
        .succ_opt()
        .and_then(|d| day_start_utc(&state, d))
        .map_or(3600, |t| (t - now).num_seconds().max(1) as u64);
    match outcome {
        Ok((_, reference)) => Ok(thanks(&merchant_id.to_string(), &reference)),
        Err(FileError::NoMerchant(_)) => Err(AppError::NotFound),
        Err(FileError::FormUsed) => {
            // Sent twice (a replayed post, or a second click): show a fresh form.
            let used = field(
                "ts",
                "此表单已提交过。如需再次投诉，请重新填写。",
                "This form was already sent. To complain again, fill in this new form.",
            );
            let p = complaint_page(&state, page, form.input, None, vec![used]).await?;
            html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(FileError::ClientLimit) => limit_response(
            page,
            lang.t("consumer-complaint-limit-client").to_string(),
            until_tomorrow,
            Some(merchant_id),
        ),
        Err(FileError::MerchantLimit) => limit_response(
            page,
            lang.t("consumer-complaint-limit-merchant").to_string(),
            until_tomorrow,
            Some(merchant_id),
        ),
        Err(FileError::Other(e)) => Err(AppError::Internal(e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/thanks.html")]
pub struct ThanksPage {
    pub(super) page: PageCtx,
    pub(super) merchant_id: Option<i32>,
    /// The complaint's reference, to follow it by.
    pub(super) reference: Option<String>,
}

/// `?merchant=&ref=` of the thank-you page.
#[derive(Deserialize)]
pub struct ThanksQuery {
    #[serde(default)]
    pub(super) merchant: String,
    #[serde(default, rename = "ref")]
    pub(super) reference: String,
}

/// GET /complaints/thanks?merchant={id}&ref={reference}
pub async fn complaint_thanks(page: PageCtx, query: web::Query<ThanksQuery>) -> ThanksPage {
    ThanksPage {
        page,
        merchant_id: query.merchant.trim().parse().ok(),
        reference: complaints::normalize_reference(&query.reference),
    }
}

/// `?ref=` of the status page.
#[derive(Deserialize)]
pub struct StatusQuery {
    #[serde(default, rename = "ref")]
    pub(super) reference: String,
}

/// A complaint's state as the public may see it.
pub struct StatusView {
    pub reference: String,
    pub merchant_id: i32,
    pub merchant_name: String,
    pub category: &'static str,
    pub visited_on: String,
    pub filed_on: String,
    /// `new`, `verified` or `dismissed`.
    pub status: &'static str,
    pub status_text: &'static str,
    pub explanation: &'static str,
    pub decided_on: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/status.html")]
pub struct StatusPage {
    pub(super) page: PageCtx,
    /// What was typed.
    pub(super) typed: String,
    pub(super) found: Option<StatusView>,
    /// A reference was asked for and there is none such.
    pub(super) unknown: bool,
}

/// GET /complaints/status?ref=: what became of a complaint, by its reference; nothing about the
/// person who filed it (no text, no contact).
pub async fn complaint_status(
    state: web::Data<AppState>,
    page: PageCtx,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, AppError> {
    let typed: String = query.reference.trim().chars().take(40).collect();
    let lang = page.lang;
    let found = match complaints::normalize_reference(&typed) {
        Some(r) => with_db(&state, move |c| Ok(complaints::status_of(c, &r)?)).await?,
        None => None,
    };
    let tz = state.config.time_zone;
    let local_day = |t: chrono::NaiveDateTime| t.and_utc().with_timezone(&tz).date_naive().to_string();
    let found = found.map(|s| {
        use crate::domain::words::ComplaintState as S;
        let (status_text, explanation) = match s.status {
            S::New => (
                lang.t("complaints-status-new"),
                lang.t("complaints-status-new-explained"),
            ),
            S::Verified => (
                lang.t("complaints-status-verified"),
                lang.t("complaints-status-verified-explained"),
            ),
            S::Dismissed => (
                lang.t("complaints-status-dismissed"),
                lang.t("complaints-status-dismissed-explained"),
            ),
        };
        StatusView {
            reference: s.reference,
            merchant_id: s.merchant_id,
            merchant_name: s.merchant_name,
            category: category_words(s.category, lang),
            visited_on: s.visited_on.map(|d| d.to_string()).unwrap_or_default(),
            filed_on: local_day(s.filed_at),
            status: s.status.into(),
            status_text,
            explanation,
            decided_on: s.triaged_at.filter(|_| s.status != S::New).map(local_day),
        }
    });
    let unknown = !typed.is_empty() && found.is_none();
    let status = if unknown {
        actix_web::http::StatusCode::NOT_FOUND
    } else {
        actix_web::http::StatusCode::OK
    };
    let mut res = html(
        status,
        &StatusPage {
            page,
            typed,
            found,
            unknown,
        },
    )?;
    // A reference is as good as a key to this page: keep it out of shared caches.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// GET /staff/complaints/{id}/photo: a complaint's photo, for staff only.
pub async fn complaint_photo(
    state: web::Data<AppState>,
    _user: Require<Staff>,
    id: Id,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let (key, content_type) = with_db(&state, move |c| Ok(complaints::photo_of(c, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let path = crate::services::notices::attachment_path(&state.config.upload_dir, &key);
    let bytes = match web::block(move || std::fs::read(path)).await? {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(complaint = id, key = %key, "a complaint photo's file is missing from the upload directory");
            return Err(AppError::NotFound);
        }
        Err(e) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "reading complaint photo {id}: {e}"
            )))
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type.as_str())
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/triage.html")]
pub struct TriagePage {
    pub(super) page: PageCtx,
    /// (complaint, received at, category in words).
    pub(super) pending: Vec<(complaints::PendingComplaint, String, &'static str)>,
}

/// GET /staff/complaints: complaints waiting for an inspector's decision.
pub async fn staff_complaints(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
) -> Result<TriagePage, AppError> {
    let rows = with_db(&state, |c| Ok(complaints::pending(c)?)).await?;
    let tz = state.config.time_zone;
    let lang = page.lang;
    let pending = rows
        .into_iter()
        .map(|p| {
            let category = category_words(p.category.parse().unwrap_or(complaints::Category::Other), lang);
            let at = p
                .created_at
                .and_utc()
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string();
            (p, at, category)
        })
        .collect();
    Ok(TriagePage { page, pending })
}

/// The triage form.
#[derive(Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    pub(super) decision: String,
    #[serde(default)]
    pub(super) note: String,
}

/// POST /staff/complaints/{id}/triage: verified (counts in the rating) or dismissed.
pub async fn triage(
    state: web::Data<AppState>,
    user: Require<Staff>,
    id: Id,
    form: CsrfForm<TriageForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let mut errors = Vec::new();
    let decision = Decision::parse(&form.decision);
    if decision.is_none() {
        errors.push(field(
            "decision",
            "请选择处理结果（属实或不属实）。",
            "Choose verified or dismissed.",
        ));
    }
    let note = form.note.trim().to_string();
    if note.chars().count() > 500 {
        errors.push(field(
            "note",
            "处理说明不能超过 500 个字。",
            "The note must be at most 500 characters.",
        ));
    }
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let actor = user.actor();
    let today = state.config.today();
    with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        complaints::triage(c, &policy, today, now_utc(), &actor, id, decision, &note).map_err(|e| match e {
            TriageError::NotFound(_) => AppError::NotFound,
            TriageError::AlreadyTriaged(_) => AppError::invalid(
                "decision",
                "该投诉已处理。",
                "This complaint was already triaged.",
            ),
            TriageError::Other(e) => AppError::Internal(e),
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/staff/complaints"))
        .finish())
}
